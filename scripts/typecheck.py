"""Run mypy (with django-stubs, as set in pyproject.toml) against a baseline that only shrinks.

mypy-baseline.txt holds the errors that were there before mypy ran, one line each, without line
numbers (so that editing a file above an old error does not make it new). A run fails on an
error that is not in the baseline, and also on a baseline error that is gone: then run

    .venv/bin/python scripts/typecheck.py --update

and commit the shorter baseline, so that a fixed error cannot come back unnoticed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+):\d+: error: (?P<message>.*)$")
LINE_NUMBER = re.compile(r"\bline \d+\b")


def errors(output: str) -> dict[str, list[str]]:
    """Each error's key (path and message, without line numbers) with mypy's own lines for it."""
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        match = ERROR.match(line)
        if match:
            message = LINE_NUMBER.sub("line N", match["message"])
            found.setdefault(f"{match['path']}: {message}", []).append(line)
    return found


def main(update: bool) -> int:
    # django-stubs loads the settings: in debug mode they need no secret key of their own.
    env = {**os.environ, "BALIE_DEBUG": "true"}
    run = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    finished = re.search(r"^(Success: no issues|Found \d+ errors?) ", run.stdout, re.M)
    if run.returncode not in (0, 1) or not finished:  # mypy could not run, or crashed
        sys.stderr.write(run.stdout + run.stderr)
        return run.returncode
    found = errors(run.stdout)
    current = Counter({key: len(lines) for key, lines in found.items()})
    if update:
        BASELINE.write_text("".join(f"{key}\n" for key in sorted(current.elements())))
        print(f"mypy: baseline written, {current.total()} errors")
        return 0
    baseline = Counter(BASELINE.read_text().splitlines()) if BASELINE.exists() else Counter()
    new = current - baseline
    fixed = baseline - current
    for key in sorted(new):
        print("\n".join(found[key]))  # all of that kind in the file: which is new is not known
    if new:
        print(f"mypy: {new.total()} new error(s), not in {BASELINE.name}: fix them.")
    if fixed:
        print(
            f"mypy: {fixed.total()} error(s) of {BASELINE.name} fixed; "
            "shrink it with `.venv/bin/python scripts/typecheck.py --update`."
        )
    if new or fixed:
        return 1
    print(f"mypy: no new errors ({current.total()} in the baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main(update="--update" in sys.argv[1:]))
