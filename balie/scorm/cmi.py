"""The SCORM run-time data model, both ways: what Balie keeps of a commit from scorm-again
(SCORM 1.2 `cmi.core.*` or SCORM 2004 `cmi.*`), and the data it gives a package at launch so
that the learner resumes where they left off. Pure functions; Balie stores one neutral shape
for both versions."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The largest values SCORM 2004 allows; SCORM 1.2's are smaller.
MAX_LOCATION = 1000
MAX_SUSPEND_DATA = 64000
MAX_STATUS = 20
# A session can report no more than this; the learning app caps visits the same way.
MAX_SESSION_SECONDS = 24 * 60 * 60

STATUS_12 = {"passed", "completed", "failed", "incomplete", "browsed", "not attempted"}
COMPLETION = {"completed", "incomplete", "not attempted", "unknown"}
SUCCESS = {"passed", "failed", "unknown"}
SCORE_PARTS = ("raw", "min", "max", "scaled")

_TIME_12 = re.compile(r"^(\d{1,4}):(\d{1,2}):(\d{1,2})(\.\d{1,2})?$")
_TIME_2004 = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$"
)


def seconds_of(value: Any) -> int:
    """Seconds in a SCORM 1.2 timespan (HHHH:MM:SS.SS) or a 2004 duration (P1DT2H3M4.5S);
    0 for anything else."""
    if not isinstance(value, str):
        return 0
    if match := _TIME_12.match(value):
        hours, minutes, seconds = (int(part) for part in match.groups()[:3])
        return hours * 3600 + minutes * 60 + seconds
    if match := _TIME_2004.match(value):
        years, months, days, hours, minutes = (int(part or 0) for part in match.groups()[:5])
        seconds = float(match.group(6) or 0)
        days += years * 365 + months * 30
        return int(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
    return 0


def timespan_12(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{min(hours, 9999):04d}:{rest // 60:02d}:{rest % 60:02d}"


def duration_2004(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"PT{hours}H{rest // 60}M{rest % 60}S"


@dataclass(frozen=True)
class Commit:
    """One commit as Balie keeps it: `data` is the neutral shape stored on the attempt."""

    data: dict[str, Any]
    session_seconds: int
    total_seconds: int


def _text(source: dict, key: str, limit: int) -> str:
    value = source.get(key, "")
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValidationError(_("%(key)s must be text.") % {"key": key}, code="type")
    if len(value) > limit:
        raise ValidationError(_("%(key)s is too long.") % {"key": key}, code="length")
    return value


def _score(source: Any) -> dict[str, float]:
    if not isinstance(source, dict):
        return {}
    score: dict[str, float] = {}
    for part in SCORE_PARTS:
        value = source.get(part)
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            score[part] = number
    return score


def _status(value: str, allowed: set[str], key: str) -> str:
    if value and value not in allowed:
        raise ValidationError(_("%(key)s has an unknown value.") % {"key": key}, code="choice")
    return value


def _verdict_12(lesson_status: str) -> tuple[str, str]:
    """SCORM 1.2's one status, split into 2004's completion and success."""
    return {
        "passed": ("completed", "passed"),
        "completed": ("completed", "unknown"),
        "failed": ("incomplete", "failed"),
        "not attempted": ("not attempted", "unknown"),
    }.get(lesson_status, ("incomplete" if lesson_status else "", "unknown"))


def read_commit(payload: Any, *, is_2004: bool) -> Commit:
    """The parts of a commit that Balie keeps; ValidationError for a malformed one."""
    cmi = payload.get("cmi") if isinstance(payload, dict) else None
    if not isinstance(cmi, dict):
        raise ValidationError(_("The commit has no cmi data."), code="shape")
    suspend_data = _text(cmi, "suspend_data", MAX_SUSPEND_DATA)
    if is_2004:
        source, score = cmi, _score(cmi.get("score"))
        data = {
            "location": _text(cmi, "location", MAX_LOCATION),
            "completion_status": _status(
                _text(cmi, "completion_status", MAX_STATUS), COMPLETION, "completion_status"
            ),
            "success_status": _status(
                _text(cmi, "success_status", MAX_STATUS), SUCCESS, "success_status"
            ),
        }
    else:
        core = cmi.get("core")
        if not isinstance(core, dict):
            raise ValidationError(_("The commit has no cmi.core data."), code="shape")
        source, score = core, _score(core.get("score"))
        lesson_status = _status(
            _text(core, "lesson_status", MAX_STATUS), STATUS_12, "lesson_status"
        )
        completion, success = _verdict_12(lesson_status)
        data = {
            "location": _text(core, "lesson_location", MAX_LOCATION),
            "lesson_status": lesson_status,
            "completion_status": completion,
            "success_status": success,
        }
    data["exit"] = _text(source, "exit", MAX_STATUS)
    data["suspend_data"] = suspend_data
    data["score"] = score
    return Commit(
        data=data,
        session_seconds=min(seconds_of(source.get("session_time")), MAX_SESSION_SECONDS),
        total_seconds=seconds_of(source.get("total_time")),
    )


def _score_out(score: dict[str, float], parts: tuple[str, ...]) -> dict[str, str]:
    return {part: f"{score[part]:g}" for part in parts if part in score}


def launch_data(
    data: dict[str, Any], *, is_2004: bool, learner_id: str, learner_name: str, seconds: int
) -> dict[str, Any]:
    """What scorm-again loads (loadFromJSON) before the package starts: who the learner is,
    and where they were. A package with saved data is told it resumes."""
    entry = "resume" if data.get("location") or data.get("suspend_data") else "ab-initio"
    if is_2004:
        launch: dict[str, Any] = {
            "learner_id": learner_id,
            "learner_name": learner_name,
            "entry": entry,
            "total_time": duration_2004(seconds),
            "location": data.get("location", ""),
            "suspend_data": data.get("suspend_data", ""),
            "completion_status": data.get("completion_status") or "unknown",
            "success_status": data.get("success_status") or "unknown",
        }
        score = _score_out(data.get("score", {}), SCORE_PARTS)
    else:
        launch = {
            "core": {
                "student_id": learner_id,
                "student_name": learner_name,
                "entry": entry,
                "total_time": timespan_12(seconds),
                "lesson_location": data.get("location", ""),
                "lesson_status": data.get("lesson_status") or "not attempted",
            },
            "suspend_data": data.get("suspend_data", ""),
        }
        score = _score_out(data.get("score", {}), ("raw", "min", "max"))
    if score:
        (launch if is_2004 else launch["core"])["score"] = score
    return launch
