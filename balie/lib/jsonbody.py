"""Reading JSON that a browser or an xAPI client sent."""

from __future__ import annotations

import json
from typing import Any


def loads(raw: bytes | str) -> Any:
    """`json.loads`, with every way a body can be broken — not UTF-8, not JSON, nested deeper
    than Python recurses — as one ValueError, so that each becomes a 400 and never a 500."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deeply") from None
