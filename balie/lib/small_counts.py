"""Small counts that stay hidden: the rules every table of team figures follows, in the page,
the charts and the exports alike (docs/privacy.md, "Small counts").

- a count of 1 to 4 is shown as "<5", never exactly;
- a bigger count is rounded to a multiple of 5 (8 to 12 is "10"; 5 to 7 is "5"), so that a
  total minus the visible cells, or the same figure in two periods a few days apart, always
  leaves more than one possible value for a "<5";
- a total is hidden ("–") in the rare row where, even rounded, it would leave one value for a
  "<5" (two cells of 4 with the total 8 shown as "10"): `total_of`;
- a share is rounded to 10 per cent, and not shown ("–") when the count under it or its whole
  is under 5;
- where a total must stay exact (a cohort's size, which its manager knows anyway), a row with
  exactly one "<5" hides a second cell too (`protected`), the secondary suppression of
  statistical offices.
"""

from __future__ import annotations

from collections.abc import Sequence

SMALL = 5
SUPPRESSED = "<5"
HIDDEN = "–"
ROUNDING = 5
SHARE_ROUNDING = 10


def shown(count: int) -> int | str:
    """A count as a report may show it: 0 as 0, 1 to 4 as "<5", others rounded to 5."""
    if count == 0:
        return 0
    if count < SMALL:
        return SUPPRESSED
    return (count + ROUNDING // 2) // ROUNDING * ROUNDING


def plotted(count: int) -> int | None:
    """A count as a chart may draw it: 1 to 4 are left out (a gap), others as `shown`."""
    return None if 0 < count < SMALL else shown(count)


def possible(value: int | str) -> tuple[int, float]:
    """The lowest and highest true count a shown value may stand for."""
    if value == SUPPRESSED:
        return 1, SMALL - 1
    if value == HIDDEN:
        return 0, float("inf")
    if value == 0 or not isinstance(value, int):
        return 0, 0
    half = ROUNDING // 2
    return max(SMALL, value - half), value + half


def total_of(cells: Sequence[int]) -> int | str:
    """The total of a row or column as shown beside its `shown` cells: rounded like them, or
    hidden when the total minus the other cells would leave a "<5" only one value."""
    total = shown(sum(cells))
    visible = [possible(shown(cell)) for cell in cells]
    low, high = possible(total)
    for n, cell in enumerate(cells):
        if not 0 < cell < SMALL:
            continue
        others = visible[:n] + visible[n + 1 :]
        least = max(1, low - sum(other[1] for other in others))
        most = min(SMALL - 1, high - sum(other[0] for other in others))
        if least >= most:
            return HIDDEN
    return total


def share(part: int, whole: int) -> int | str | None:
    """`part` of `whole` in per cents rounded to 10; not shown when either is 1 to 4 (or the
    whole is under 5), so that the share times the total cannot give a small count back."""
    if whole == 0:
        return None
    if whole < SMALL or 0 < part < SMALL:
        return HIDDEN
    step = SHARE_ROUNDING
    return (200 * part + step * whole) // (2 * step * whole) * step


def protected(cells: Sequence[int]) -> list[int | str]:
    """One row of exact counts whose total is shown exactly elsewhere: 1 to 4 become "<5",
    and when that leaves exactly one "<5" in the row, the smallest other cell (a non-zero one
    when there is one) is hidden too ("–"), so that the total minus the rest is not the
    small count."""
    result: list[int | str] = [SUPPRESSED if 0 < cell < SMALL else cell for cell in cells]
    suppressed = [n for n, cell in enumerate(result) if cell == SUPPRESSED]
    if len(suppressed) == 1:
        others = [n for n in range(len(cells)) if n != suppressed[0]]
        if others:
            second = min(others, key=lambda n: (cells[n] == 0, cells[n]))
            result[second] = HIDDEN
    return result
