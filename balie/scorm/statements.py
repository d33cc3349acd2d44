"""What a SCO reports about its questions and objectives, as xAPI statements (through
`lrs.record`, in the transaction of the commit; docs/xapi-profile.md).

A commit carries the SCO's whole list of interactions and objectives; only what changed
since the attempt's previous commit becomes a statement:

- an interaction that has a result for the first time: `answered` (a question with an
  answer type) or `interacted` (performance, other); `success` when the result is correct
  or incorrect, and the response only for answer types whose response is made of the
  package's own ids (choice, true-false, matching, sequencing, likert, numeric), never free
  text the learner typed;
- an objective that became passed or failed: `passed` or `failed`, with its score.

Ids: the SCO, the question and the objective are parts of the step's activity
(`steps/<pk>/sco/<id>/interactions/<id>`); the occurrence is the attempt's number and the
interaction's index, so a repeated commit records nothing new.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from balie.learning.actions import step_activity
from balie.lrs import record
from balie.orgs.models import User
from balie.scorm.models import Attempt, Package

ANSWER_TYPES = {"choice", "true-false", "matching", "sequencing", "likert", "numeric"}
QUESTION_TYPES = ANSWER_TYPES | {"fill-in", "long-fill-in"}
RESULTS = {"correct": True, "incorrect": False, "wrong": False}
MAX_NAME = 200


def _part(*names: str) -> str:
    return "/".join(quote(name, safe="") for name in names)


def _score(score: dict[str, float]) -> dict[str, float] | None:
    """The parts of a SCORM score that xAPI accepts: scaled within -1..1, raw within min and
    max when those are given."""
    found: dict[str, float] = {}
    if -1 <= score.get("scaled", 2) <= 1:
        found["scaled"] = score["scaled"]
    low, high = score.get("min"), score.get("max")
    if low is not None and high is not None and low <= high:
        found.update(min=low, max=high)
        if low <= score.get("raw", low - 1) <= high:
            found["raw"] = score["raw"]
    elif "raw" in score and low is None and high is None:
        found["raw"] = score["raw"]
    return found or None


def _interaction_events(
    sco: record.Activity, attempt: Attempt, before: list[dict], at: datetime
) -> list[record.Event]:
    events = []
    for index, interaction in enumerate(attempt.data.get("interactions", [])):
        had = before[index] if index < len(before) else {}
        if not interaction["result"] or (had.get("result") and had.get("id") == interaction["id"]):
            continue
        kind = interaction["type"]
        activity = record.Activity(
            record.Kind.INTERACTION,
            sco.pk,
            interaction["id"][:MAX_NAME],
            parent=sco,
            part=f"{sco.part}/{_part('interactions', interaction['id'])}",
            interaction_type=kind,
        )
        result = record.Result(
            success=RESULTS.get(interaction["result"]),
            response=interaction["response"] if kind in ANSWER_TYPES else None,
        )
        verb = record.Verb.ANSWERED if kind in QUESTION_TYPES else record.Verb.INTERACTED
        events.append(
            record.Event(
                verb,
                activity,
                at,
                result,
                occurrence=f"attempt {attempt.number} #{index}",
            )
        )
    return events


def _objective_events(
    sco: record.Activity, attempt: Attempt, before: list[dict], at: datetime
) -> list[record.Event]:
    earlier = {objective["id"]: objective.get("success_status") for objective in before}
    events = []
    for objective in attempt.data.get("objectives", []):
        status = objective["success_status"]
        if status not in {"passed", "failed"} or earlier.get(objective["id"]) == status:
            continue
        activity = record.Activity(
            record.Kind.OBJECTIVE,
            sco.pk,
            objective["id"][:MAX_NAME],
            parent=sco,
            part=f"{sco.part}/{_part('objectives', objective['id'])}",
        )
        result = record.Result(success=status == "passed", score=_score(objective.get("score", {})))
        verb = record.Verb.PASSED if status == "passed" else record.Verb.FAILED
        events.append(
            record.Event(verb, activity, at, result, occurrence=f"attempt {attempt.number}")
        )
    return events


def record_changes(
    user: User, package: Package, attempt: Attempt, before: dict[str, Any], at: datetime
) -> None:
    """The statements of what `attempt`'s latest data added to `before` (its data until
    now). Call inside the transaction that saved the attempt."""
    step = step_activity(package.step)
    activity = package.activity(attempt.sco) or {}
    sco = record.Activity(
        record.Kind.SCO,
        package.step_id,
        activity.get("title", "")[:MAX_NAME],
        parent=step,
        part=_part("sco", attempt.sco),
    )
    events = _interaction_events(sco, attempt, before.get("interactions", []), at)
    events += _objective_events(sco, attempt, before.get("objectives", []), at)
    record.record(user, events)
