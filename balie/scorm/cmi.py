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

# Interactions and objectives a commit may carry, and the length of their text fields; a
# package that sends more is cut off there (the first ones are kept).
MAX_INTERACTIONS = 250
MAX_OBJECTIVES = 100
MAX_IDENTIFIER = 4000
MAX_RESPONSE = 4000
INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "likert",
    "matching",
    "performance",
    "sequencing",
    "numeric",
    "other",
}
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


def _entries(value: Any, limit: int) -> list[dict]:
    """A CMI array as scorm-again sends it (an object keyed "0", "1", …, or a list)."""
    if isinstance(value, dict):
        keys = sorted((key for key in value if str(key).isdigit()), key=int)
        value = [value[key] for key in keys]
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict)][:limit]


def _loose(source: dict, key: str, limit: int) -> str:
    """A text field of an interaction or objective: cut to `limit`, never refused."""
    value = source.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = f"{value:g}"
    return value[:limit] if isinstance(value, str) else ""


def _interactions(value: Any, *, is_2004: bool) -> list[dict]:
    found = []
    for entry in _entries(value, MAX_INTERACTIONS):
        identifier = _loose(entry, "id", MAX_IDENTIFIER)
        if not identifier:
            continue
        kind = _loose(entry, "type", MAX_STATUS)
        found.append(
            {
                "id": identifier,
                "type": kind if kind in INTERACTION_TYPES else "",
                "response": _loose(
                    entry, "learner_response" if is_2004 else "student_response", MAX_RESPONSE
                ),
                "result": _loose(entry, "result", MAX_STATUS),
                "weighting": _loose(entry, "weighting", MAX_STATUS),
                "latency": _loose(entry, "latency", MAX_STATUS),
                "timestamp": _loose(entry, "timestamp" if is_2004 else "time", 40),
            }
        )
    return found


def _objectives(value: Any, *, is_2004: bool) -> list[dict]:
    found = []
    for entry in _entries(value, MAX_OBJECTIVES):
        identifier = _loose(entry, "id", MAX_IDENTIFIER)
        if not identifier:
            continue
        if is_2004:
            success = _loose(entry, "success_status", MAX_STATUS)
            completion = _loose(entry, "completion_status", MAX_STATUS)
        else:
            completion, success = _verdict_12(_loose(entry, "status", MAX_STATUS))
        found.append(
            {
                "id": identifier,
                "success_status": success if success in SUCCESS else "",
                "completion_status": completion if completion in COMPLETION else "",
                "score": _score(entry.get("score")),
            }
        )
    return found


def _measure(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 1 else None


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
    if is_2004 and (measure := _measure(cmi.get("progress_measure"))) is not None:
        data["progress_measure"] = measure
    data["interactions"] = _interactions(cmi.get("interactions"), is_2004=is_2004)
    data["objectives"] = _objectives(cmi.get("objectives"), is_2004=is_2004)
    return Commit(
        data=data,
        session_seconds=min(seconds_of(source.get("session_time")), MAX_SESSION_SECONDS),
        total_seconds=seconds_of(source.get("total_time")),
    )


def _score_out(score: dict[str, float], parts: tuple[str, ...]) -> dict[str, str]:
    return {part: f"{score[part]:g}" for part in parts if part in score}


def _objectives_out(
    activity: dict[str, Any], saved: list[dict], *, is_2004: bool
) -> dict[str, dict[str, Any]]:
    """cmi.objectives at launch: the objectives the manifest names, then the ones the SCO
    made itself, with what was saved of each. scorm-again takes them keyed by index."""
    by_id = {objective["id"]: objective for objective in saved}
    names = [o["id"] for o in activity.get("objectives", []) if o.get("id")]
    names += [name for name in by_id if name not in names]
    found: dict[str, dict[str, Any]] = {}
    for position, name in enumerate(names[:MAX_OBJECTIVES]):
        objective = by_id.get(name, {})
        if is_2004:
            entry: dict[str, Any] = {
                "id": name,
                "success_status": objective.get("success_status") or "unknown",
                "completion_status": objective.get("completion_status") or "unknown",
            }
        else:
            entry = {"id": name}
            status = {"passed": "passed", "failed": "failed"}.get(
                objective.get("success_status", ""), ""
            )
            if status:
                entry["status"] = status
        if score := objective.get("score"):
            entry["score"] = _score_out(score, SCORE_PARTS if is_2004 else ("raw", "min", "max"))
        found[str(position)] = entry
    return found


def launch_data(
    data: dict[str, Any],
    *,
    is_2004: bool,
    learner_id: str,
    learner_name: str,
    seconds: int,
    activity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What scorm-again loads (loadFromJSON) before the SCO starts: who the learner is,
    where they were, and what the manifest says about finishing it (completion threshold,
    passing score or mastery score, objectives, launch data). A SCO with saved data is told
    it resumes."""
    activity = activity or {}
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
        if activity.get("threshold") is not None:
            launch["completion_threshold"] = f"{activity['threshold']:g}"
        if activity.get("passing") is not None:
            launch["scaled_passing_score"] = f"{activity['passing']:g}"
        if activity.get("data"):
            launch["launch_data"] = activity["data"]
        if "progress_measure" in data:
            launch["progress_measure"] = f"{data['progress_measure']:g}"
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
        if activity.get("mastery") is not None:
            launch["student_data"] = {"mastery_score": f"{activity['mastery']:g}"}
        if activity.get("data"):
            launch["launch_data"] = activity["data"]
        score = _score_out(data.get("score", {}), ("raw", "min", "max"))
    if score:
        (launch if is_2004 else launch["core"])["score"] = score
    if objectives := _objectives_out(activity, data.get("objectives", []), is_2004=is_2004):
        launch["objectives"] = objectives
    return launch
