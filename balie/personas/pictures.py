"""Small abstract pictures for the demo persona's, drawn in plain Python as PNG: the
initials on a coloured circle with one simple symbol. No faces: a persona is nobody real.

Shapes are painted on a canvas twice the final size and averaged down, for smooth edges.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable, Iterable

SIZE = 160  # final width and height in pixels
SCALE = 2  # samples per pixel along each axis

# A 5 × 7 letter per initial; "#" is ink.
GLYPHS = {
    "A": [" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
    "D": ["#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "],
    "G": [" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ### "],
    "H": ["#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
    "J": ["  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "],
    "K": ["#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"],
    "M": ["#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"],
    "R": ["#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"],
    "S": [" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "],
    "V": ["#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "],
}

Colour = tuple[int, int, int]
Inside = Callable[[float, float], bool]
Box = tuple[float, float, float, float]
Shape = tuple[Box, Inside]
WHITE: Colour = (255, 255, 255)


def disc(cx: float, cy: float, r: float) -> Shape:
    return (cx - r, cy - r, cx + r, cy + r), lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def ring(cx: float, cy: float, r: float, width: float) -> Shape:
    inner, outer = (r - width / 2) ** 2, (r + width / 2) ** 2
    box = (cx - r - width, cy - r - width, cx + r + width, cy + r + width)
    return box, lambda x, y: inner <= (x - cx) ** 2 + (y - cy) ** 2 <= outer


def rect(x0: float, y0: float, x1: float, y1: float) -> Shape:
    return (x0, y0, x1, y1), lambda x, y: True


def frame(x0: float, y0: float, x1: float, y1: float, w: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        return not (x0 + w < x < x1 - w and y0 + w < y < y1 - w)

    return (x0, y0, x1, y1), inside


def segment(x0: float, y0: float, x1: float, y1: float, w: float) -> Shape:
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy

    def inside(x: float, y: float) -> bool:
        t = max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / length2))
        return math.hypot(x - x0 - t * dx, y - y0 - t * dy) <= w / 2

    box = (min(x0, x1) - w, min(y0, y1) - w, max(x0, x1) + w, max(y0, y1) + w)
    return box, inside


def triangle(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> Shape:
    def side(p, q, x, y) -> float:
        return (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1])

    def inside(x: float, y: float) -> bool:
        d1, d2, d3 = side(a, b, x, y), side(b, c, x, y), side(c, a, x, y)
        return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))

    xs, ys = (a[0], b[0], c[0]), (a[1], b[1], c[1])
    return (min(xs), min(ys), max(xs), max(ys)), inside


# The symbols, drawn in the lower half of the circle (x 56–104, y 90–134).
SYMBOLS: dict[str, Callable[[Colour], list[tuple[Shape, Colour]]]] = {
    "envelope": lambda bg: [
        (frame(58, 98, 102, 128, 3), WHITE),
        (segment(60, 100, 80, 115, 3), WHITE),
        (segment(100, 100, 80, 115, 3), WHITE),
    ],
    "book": lambda bg: [
        (frame(57, 98, 80, 128, 3), WHITE),
        (frame(80, 98, 103, 128, 3), WHITE),
        (rect(62, 106, 75, 108), WHITE),
        (rect(85, 106, 98, 108), WHITE),
        (rect(62, 113, 75, 115), WHITE),
        (rect(85, 113, 98, 115), WHITE),
    ],
    "target": lambda bg: [
        (ring(80, 113, 18, 3.5), WHITE),
        (ring(80, 113, 10, 3.5), WHITE),
        (disc(80, 113, 3.5), WHITE),
    ],
    "phone": lambda bg: [
        (frame(68, 92, 92, 134, 3), WHITE),
        (rect(68, 124, 92, 127), WHITE),
        (disc(80, 130, 1.8), WHITE),
    ],
    "card": lambda bg: [
        (frame(58, 96, 102, 130, 3), WHITE),
        (rect(64, 103, 96, 106), WHITE),
        (rect(64, 110, 90, 113), WHITE),
        (rect(64, 117, 84, 120), WHITE),
    ],
    "bubble": lambda bg: [
        (frame(58, 94, 102, 120, 3), WHITE),
        (triangle((66, 119), (78, 119), (63, 133)), WHITE),
        (disc(70, 107, 2.5), WHITE),
        (disc(80, 107, 2.5), WHITE),
        (disc(90, 107, 2.5), WHITE),
    ],
    "house": lambda bg: [
        (triangle((55, 112), (80, 91), (105, 112)), WHITE),
        (rect(62, 111, 98, 133), WHITE),
        (rect(75, 119, 85, 133), bg),
    ],
    "bars": lambda bg: [
        (rect(60, 118, 70, 133), WHITE),
        (rect(75, 106, 85, 133), WHITE),
        (rect(90, 94, 100, 133), WHITE),
    ],
    "network": lambda bg: [
        (segment(64, 124, 80, 100, 3), WHITE),
        (segment(96, 124, 80, 100, 3), WHITE),
        (segment(64, 124, 96, 124, 3), WHITE),
        (disc(64, 124, 6.5), WHITE),
        (disc(96, 124, 6.5), WHITE),
        (disc(80, 100, 6.5), WHITE),
    ],
}


def _letters(initials: str) -> Iterable[Shape]:
    cell = 7.0
    width = len(initials) * 5 * cell + (len(initials) - 1) * cell
    left, top = SIZE / 2 - width / 2, 32.0
    for n, letter in enumerate(initials):
        x0 = left + n * 6 * cell
        for row, line in enumerate(GLYPHS[letter]):
            for col, ink in enumerate(line):
                if ink == "#":
                    yield rect(
                        x0 + col * cell,
                        top + row * cell,
                        x0 + (col + 1) * cell,
                        top + (row + 1) * cell,
                    )


def draw(initials: str, colour: Colour, symbol: str) -> bytes:
    """A PNG of `initials` (letters of GLYPHS) on a circle of `colour`, with a symbol."""
    side = SIZE * SCALE
    rgba = bytearray(side * side * 4)  # transparent
    shapes: list[tuple[Shape, Colour]] = [(disc(SIZE / 2, SIZE / 2, SIZE / 2 - 1), colour)]
    shapes += [(shape, WHITE) for shape in _letters(initials.upper())]
    shapes += SYMBOLS[symbol](colour)
    for ((x0, y0, x1, y1), inside), (r, g, b) in shapes:
        for j in range(max(0, int(y0 * SCALE)), min(side, int(math.ceil(y1 * SCALE)))):
            y = (j + 0.5) / SCALE
            if not y0 <= y <= y1:
                continue
            for i in range(max(0, int(x0 * SCALE)), min(side, int(math.ceil(x1 * SCALE)))):
                x = (i + 0.5) / SCALE
                if x0 <= x <= x1 and inside(x, y):
                    at = (j * side + i) * 4
                    rgba[at : at + 4] = bytes((r, g, b, 255))
    return _png(_downsample(rgba, side))


def _downsample(rgba: bytearray, side: int) -> list[bytes]:
    rows = []
    n = SCALE * SCALE
    for y in range(SIZE):
        row = bytearray(b"\x00")  # filter: none
        for x in range(SIZE):
            sums = [0, 0, 0, 0]
            for dy in range(SCALE):
                base = ((y * SCALE + dy) * side + x * SCALE) * 4
                for dx in range(SCALE):
                    at = base + dx * 4
                    alpha = rgba[at + 3]
                    sums[0] += rgba[at] * alpha
                    sums[1] += rgba[at + 1] * alpha
                    sums[2] += rgba[at + 2] * alpha
                    sums[3] += alpha
            alpha = sums[3]
            if alpha:
                row += bytes((sums[0] // alpha, sums[1] // alpha, sums[2] // alpha, alpha // n))
            else:
                row += b"\x00\x00\x00\x00"
        rows.append(bytes(row))
    return rows


def _png(rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )
