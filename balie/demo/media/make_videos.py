#!/usr/bin/env python3
# ruff: noqa: T201, S603, S607
"""Generate the demo videos for the video steps in ../programme.toml.

For every step with kind = "video" this script makes
media/<module code>-<title slug>.webm: a static slate (title, speaker role,
"Demovideo — synthetische stem") with Dutch synthetic speech of the whole
transcript. It then rewrites, in programme.toml, only these lines of that step:

- video_seconds = <rounded real duration>
- video_file = "<file name>.webm"       (added after video_seconds if missing)
- captions_vtt = \"\"\"WEBVTT ...\"\"\"       (cues timed to the synthetic speech)

Everything else in programme.toml stays byte-identical. Running it twice gives
the same result. This is a stand-alone tool; the Balie app never imports it.

Needs (Debian): ffmpeg espeak-ng fonts-dejavu-core. Usage:

    python3 balie/demo/media/make_videos.py            # make videos, update the TOML
    python3 balie/demo/media/make_videos.py --no-toml  # only make the videos
"""

from __future__ import annotations

import argparse
import array
import json
import math
import re
import subprocess
import sys
import tempfile
import textwrap
import tomllib
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

MEDIA_DIR = Path(__file__).resolve().parent
PROGRAMME_FILE = MEDIA_DIR.parent / "programme.toml"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

VOICE = "nl"
SPEED = 150  # words per minute
LEAD_IN = 0.5  # seconds of silence before the first sentence
SENTENCE_PAUSE = 0.3  # between sentences
PARAGRAPH_PAUSE = 0.6  # between paragraphs
SILENCE_LEVEL = 300  # 16-bit samples quieter than this count as silence
MARGIN_BEFORE, MARGIN_AFTER = 0.03, 0.12  # seconds kept around the voiced part

WIDTH, HEIGHT = 640, 360
BACKGROUND = "0x154273"
SLATE_LINE = "Demovideo — synthetische stem"

CUE_LINE = 42  # characters per caption line, at most two lines per cue


@dataclass
class Sentence:
    text: str
    start: float = 0.0
    end: float = 0.0


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------

LABEL = re.compile(r"^\*\*([^*\n]{1,60}?):\*\*\s*", re.MULTILINE)


def speaker_roles(transcript: str) -> list[str]:
    """The roles in the bold "**Role:**" labels, in order of appearance."""
    roles: list[str] = []
    for role in LABEL.findall(transcript):
        if role not in roles:
            roles.append(role)
    return roles


def plain_paragraphs(transcript: str) -> list[str]:
    """The transcript as plain text: no Markdown, no speaker labels."""
    text = LABEL.sub("", transcript)
    roles = speaker_roles(transcript)
    if roles:  # the same labels written without bold
        names = "|".join(re.escape(role) for role in roles)
        text = re.sub(rf"^(?:{names}):\s*", "", text, flags=re.MULTILINE)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links, images
    text = re.sub(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", "", text, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return [p for p in paragraphs if p]


SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"”’')])\s+")


def split_sentences(paragraph: str) -> list[str]:
    return [s for s in SENTENCE_END.split(paragraph) if s.strip()]


def slugify(text: str, max_length: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:  # cut at a word boundary when possible
        cut = slug[: max_length + 1].rsplit("-", 1)[0]
        slug = cut if cut else slug[:max_length]
    return slug.strip("-")


# ---------------------------------------------------------------------------
# Speech
# ---------------------------------------------------------------------------


def silence(seconds: float, rate: int) -> array.array:
    return array.array("h", [0]) * round(seconds * rate)


def trim_silence(samples: array.array, rate: int) -> array.array:
    """Cut espeak-ng's own leading and trailing silence, keeping a short margin."""
    loud = [i for i, sample in enumerate(samples) if abs(sample) > SILENCE_LEVEL]
    if not loud:
        return samples
    first = max(0, loud[0] - round(MARGIN_BEFORE * rate))
    last = min(len(samples), loud[-1] + round(MARGIN_AFTER * rate))
    return samples[first:last]


def synthesize(sentences: list[Sentence], paragraph_ends: set[int], out_wav: Path) -> float:
    """Speak every sentence, join them with pauses, set their start/end; return total seconds.

    The total is padded to a whole number of seconds, so the 1 fps picture and the sound
    end together."""
    speech = array.array("h")
    rate = 0
    with tempfile.TemporaryDirectory() as tmp:
        for index, sentence in enumerate(sentences):
            part = Path(tmp) / f"{index}.wav"
            subprocess.run(
                ["espeak-ng", "-v", VOICE, "-s", str(SPEED), "-b", "1", "-w", str(part)],
                input=sentence.text.encode(),
                check=True,
            )
            with wave.open(str(part), "rb") as wav:
                if (wav.getsampwidth(), wav.getnchannels()) != (2, 1):
                    raise ValueError("expected 16-bit mono WAV from espeak-ng")
                rate = wav.getframerate()
                samples = array.array("h", wav.readframes(wav.getnframes()))
            if sys.byteorder == "big":  # WAV samples are little-endian
                samples.byteswap()
            if index == 0:
                speech.extend(silence(LEAD_IN, rate))
            elif index - 1 in paragraph_ends:
                speech.extend(silence(PARAGRAPH_PAUSE, rate))
            else:
                speech.extend(silence(SENTENCE_PAUSE, rate))
            sentence.start = len(speech) / rate
            speech.extend(trim_silence(samples, rate))
            sentence.end = len(speech) / rate
    total = math.ceil(len(speech) / rate)
    speech.extend(array.array("h", [0]) * (total * rate - len(speech)))
    with wave.open(str(out_wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        if sys.byteorder == "big":
            speech.byteswap()
        out.writeframes(speech.tobytes())
    return total


# ---------------------------------------------------------------------------
# Picture and encoding
# ---------------------------------------------------------------------------


def make_slate(title: str, role: str, out_png: Path, tmp: Path) -> None:
    """Draw the slate with ffmpeg drawtext; each line is read from a file (no escaping)."""
    title_lines = textwrap.wrap(title, 28)
    lines = [(line, 34, "title") for line in title_lines] + [(role, 22, "role")]
    line_height = {34: 46, 22: 32}
    block = sum(line_height[size] for _, size, _ in lines) + 18  # gap above the role
    y = (HEIGHT - 40 - block) // 2
    filters = []
    for number, (line, size, kind) in enumerate(lines):
        if kind == "role":
            y += 18
        text_file = tmp / f"line{number}.txt"
        text_file.write_text(line, encoding="utf-8")
        filters.append(
            f"drawtext=fontfile={FONT}:textfile={text_file}:fontcolor=white:fontsize={size}"
            f":x=(w-text_w)/2:y={y}"
        )
        y += line_height[size]
    footer = tmp / "footer.txt"
    footer.write_text(SLATE_LINE, encoding="utf-8")
    filters.append(
        f"drawtext=fontfile={FONT}:textfile={footer}:fontcolor=white@0.85:fontsize=16"
        f":x=(w-text_w)/2:y=h-40"
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"color=c={BACKGROUND}:s={WIDTH}x{HEIGHT}:r=1",
         "-vf", ",".join(filters), "-frames:v", "1", str(out_png)],
        check=True,
    )  # fmt: skip


def encode(slate: Path, speech: Path, seconds: float, out_webm: Path) -> None:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y",
         "-loop", "1", "-framerate", "1", "-i", str(slate),
         "-i", str(speech),
         "-map", "0:v", "-map", "1:a", "-t", f"{seconds:.3f}",
         "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "45", "-r", "1", "-g", "30",
         "-pix_fmt", "yuv420p",
         "-filter:a", "volume=-3dB",
         "-c:a", "libopus", "-b:a", "18k", "-ac", "1", "-ar", "24000", "-application", "voip",
         "-map_metadata", "-1", "-fflags", "+bitexact", "-flags", "+bitexact",
         str(out_webm)],
        check=True,
    )  # fmt: skip


def probe_seconds(path: Path) -> float:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(json.loads(result.stdout)["format"]["duration"])


def decode_errors(path: Path) -> str:
    """Decode every frame; return ffmpeg's error output (empty when the file is fine)."""
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return result.stderr.strip() or ("" if result.returncode == 0 else f"exit {result.returncode}")


# ---------------------------------------------------------------------------
# Captions
# ---------------------------------------------------------------------------


PUNCTUATION = (",", ":", ";", "?", "!", ".")


def two_lines(text: str) -> list[str] | None:
    """`text` as one line, or two balanced lines of at most CUE_LINE characters; else None.

    A line break right after a comma or colon is preferred."""
    if len(text) <= CUE_LINE:
        return [text]
    best = None
    for match in re.finditer(" ", text):
        first, second = text[: match.start()], text[match.end() :]
        if len(first) <= CUE_LINE and len(second) <= CUE_LINE:
            score = max(len(first), len(second)) - (8 if first.endswith(PUNCTUATION) else 0)
            if best is None or score < best[0]:
                best = (score, [first, second])
    return best[1] if best else None


def chunks(sentence: str) -> list[list[str]]:
    """Split a sentence over as few cues as possible (each at most two lines).

    Among the splits with that number of cues, prefer cue breaks after a comma or colon
    and cues of about the same length."""
    words = sentence.split()
    n = len(words)

    def part(i: int, j: int) -> str:
        return " ".join(words[i:j])

    # best[j] = (cues, cost, previous break) for the first j words
    best: list[tuple[int, float, int] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, 0)
    ideal = len(sentence) / max(1, math.ceil(len(sentence) / (2 * CUE_LINE)))
    for j in range(1, n + 1):
        for i in range(j):
            if best[i] is None or two_lines(part(i, j)) is None:
                continue
            cues, cost, _ = best[i]  # type: ignore[misc]
            cost += ((len(part(i, j)) - ideal) / ideal) ** 2
            if i > 0 and not words[i - 1].endswith(PUNCTUATION):
                cost += 0.5
            candidate = (cues + 1, cost, i)
            if best[j] is None or candidate[:2] < best[j][:2]:  # type: ignore[index]
                best[j] = candidate
    if best[n] is None:
        raise ValueError(f"cannot fit in captions: {sentence!r}")
    breaks, j = [], n
    while j > 0:
        i = best[j][2]  # type: ignore[index]
        breaks.append((i, j))
        j = i
    return [two_lines(part(i, j)) for i, j in reversed(breaks)]  # type: ignore[misc]


def timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def webvtt(sentences: list[Sentence]) -> str:
    cues = []
    for sentence in sentences:
        parts = chunks(sentence.text)
        weights = [sum(len(line) for line in part) for part in parts]
        start = sentence.start
        for part, weight in zip(parts, weights, strict=True):
            end = start + (sentence.end - sentence.start) * weight / sum(weights)
            cues.append((start, end, part))
            start = end
    blocks = ["WEBVTT"]
    for number, (start, end, lines) in enumerate(cues, start=1):
        blocks.append(f"{number}\n{timestamp(start)} --> {timestamp(end)}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# ---------------------------------------------------------------------------
# programme.toml (edited as text, so all other bytes stay the same)
# ---------------------------------------------------------------------------


def video_steps(programme: dict) -> list[tuple[str, dict]]:
    return [
        (module["code"], step)
        for module in programme["modules"]
        for step in module.get("steps", [])
        if step.get("kind") == "video"
    ]


def toml_multiline(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"""', '""\\"')
    return f'"""{escaped}"""'


def update_toml(source: str, updates: list[dict]) -> str:
    """Rewrite video_seconds, video_file and captions_vtt of each video step, in file order."""
    starts = [m.start() for m in re.finditer(r'^kind = "video"\n', source, re.MULTILINE)]
    if len(starts) != len(updates):
        raise ValueError(f"found {len(starts)} video steps in the text, expected {len(updates)}")
    captions = re.compile(r'^captions_vtt = """.*?(?<!\\)"""\n', re.MULTILINE | re.DOTALL)
    pieces, position = [], 0
    for start, update in zip(starts, updates, strict=True):
        found = captions.search(source, start)
        segment_end = found.end() if found else len(source)
        segment = source[start:segment_end]
        if not found or re.search(r'^kind = "', segment[1:], re.MULTILINE):
            raise ValueError(f"no captions_vtt for {update['title']!r}")
        if f"title = {json.dumps(update['title'], ensure_ascii=False)}\n" not in segment:
            raise ValueError(f"step text does not match title {update['title']!r}")
        segment, n = re.subn(
            r"^video_seconds = \d+\n",
            f"video_seconds = {update['video_seconds']}\n",
            segment,
            count=1,
            flags=re.MULTILINE,
        )
        if n != 1:
            raise ValueError(f"no video_seconds for {update['title']!r}")
        file_line = f"video_file = {json.dumps(update['video_file'])}\n"
        segment, n = re.subn(r'^video_file = "[^"\n]*"\n', file_line, segment, flags=re.MULTILINE)
        if n == 0:  # add it right after video_seconds
            seconds_line = f"video_seconds = {update['video_seconds']}\n"
            segment = segment.replace(seconds_line, seconds_line + file_line, 1)
        new_captions = f"captions_vtt = {toml_multiline(update['captions_vtt'])}\n"
        segment = captions.sub(lambda _match: new_captions, segment, count=1)  # noqa: B023
        pieces += [source[position:start], segment]
        position = segment_end
    pieces.append(source[position:])
    return "".join(pieces)


def check_toml(before: dict, after: dict) -> None:
    """Only the three keys of the video steps may differ."""
    changed = {"video_seconds", "video_file", "captions_vtt"}

    def strip(programme: dict) -> dict:
        programme = json.loads(json.dumps(programme))
        for _, step in video_steps(programme):
            for key in changed:
                step.pop(key, None)
        return programme

    if strip(before) != strip(after):
        raise ValueError("programme.toml changed outside the video fields; not written")


# ---------------------------------------------------------------------------


def verify(programme: dict) -> list[str]:
    problems = []
    for code, step in video_steps(programme):
        path = MEDIA_DIR / step.get("video_file", "")
        if not step.get("video_file") or not path.is_file():
            problems.append(f"{code}: video_file missing: {step.get('video_file')!r}")
            continue
        seconds = probe_seconds(path)
        vtt = step.get("captions_vtt", "")
        if not vtt.startswith("WEBVTT"):
            problems.append(f"{code}: captions_vtt does not start with WEBVTT")
        last_end = re.findall(r"--> (\d\d):(\d\d):(\d\d\.\d\d\d)", vtt)[-1]
        last = int(last_end[0]) * 3600 + int(last_end[1]) * 60 + float(last_end[2])
        if abs(seconds - last) > 1:
            problems.append(f"{code}: last cue ends at {last:.2f}s, video is {seconds:.2f}s")
        if step["video_seconds"] != round(seconds):
            problems.append(f"{code}: video_seconds {step['video_seconds']} != {seconds:.2f}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-toml", action="store_true", help="do not update programme.toml")
    args = parser.parse_args()

    programme = tomllib.loads(PROGRAMME_FILE.read_text(encoding="utf-8"))
    updates = []
    for code, step in video_steps(programme):
        name = f"{code.lower()}-{slugify(step['title'])}.webm"
        roles = speaker_roles(step["transcript"])
        sentences, paragraph_ends = [], set()
        for paragraph in plain_paragraphs(step["transcript"]):
            sentences += [Sentence(text) for text in split_sentences(paragraph)]
            paragraph_ends.add(len(sentences) - 1)
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            speech_seconds = synthesize(sentences, paragraph_ends, tmp / "speech.wav")
            make_slate(step["title"], ", ".join(roles), tmp / "slate.png", tmp)
            encode(tmp / "slate.png", tmp / "speech.wav", speech_seconds, MEDIA_DIR / name)
        seconds = probe_seconds(MEDIA_DIR / name)
        errors = decode_errors(MEDIA_DIR / name)
        if errors:
            print(f"{name}: decode errors:\n{errors}", file=sys.stderr)
            return 1
        size = (MEDIA_DIR / name).stat().st_size
        print(f"{name}: {size / 1024:.0f} KB, {seconds:.2f} s, {len(sentences)} sentences")
        updates.append(
            {
                "title": step["title"],
                "video_file": name,
                "video_seconds": math.floor(seconds + 0.5),
                "captions_vtt": webvtt(sentences),
            }
        )

    if args.no_toml:
        return 0
    source = PROGRAMME_FILE.read_text(encoding="utf-8")  # re-read: others may edit it
    before = tomllib.loads(source)
    new_source = update_toml(source, updates)
    after = tomllib.loads(new_source)
    check_toml(before, after)
    if new_source != source:
        PROGRAMME_FILE.write_text(new_source, encoding="utf-8")
        print(f"updated {PROGRAMME_FILE.name}")
    else:
        print(f"{PROGRAMME_FILE.name} already up to date")

    problems = verify(after)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
