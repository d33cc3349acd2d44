"""When a SCORM package is done, by its own rules. Pure functions, no Django.

Each SCO's latest attempt (the neutral data `cmi.read_commit` keeps) gives the SCO a
`Status`: completed and satisfied, each True, False or None (unknown). The manifest's numbers
decide where it gives them: SCORM 1.2 `adlcp:masteryscore` against `score.raw`; SCORM 2004
`completionThreshold` against `progress_measure` and the primary objective's
`minNormalizedMeasure` against `score.scaled`. Then the statuses roll up the activity tree
to the organisation: a child counts unless the manifest leaves it out of rollup
(`rollupObjectiveSatisfied`, `rollupProgressCompletion`), the parent's own rollup rules are
applied, and without a rule that fires:

- completed when every counting child is completed, not completed when one is not;
- satisfied when every counting child is satisfied, not satisfied when one is not — stricter
  than SCORM's default (which leaves the parent unknown while another child is unknown), so
  that a failed test is never hidden behind content pages that report no success.

The package is done when the organisation is completed and not "not satisfied". A SCO that
reports "passed" but no completion counts as completed (Captivate and iSpring quizzes do).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Status:
    completed: bool | None = None
    satisfied: bool | None = None
    attempted: bool = False

    @property
    def done(self) -> bool:
        return self.completed is True and self.satisfied is not False

    @property
    def failed(self) -> bool:
        return self.satisfied is False


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def sco_status(data: Mapping[str, Any], activity: Mapping[str, Any], *, is_2004: bool) -> Status:
    """One SCO's status from its latest attempt's data and its activity in the manifest."""
    if not data:
        return Status()
    score = data.get("score") or {}
    if is_2004:
        completion, success = data.get("completion_status"), data.get("success_status")
    else:
        completion, success = _split_12(data.get("lesson_status", ""))
    completed = {"completed": True, "incomplete": False, "not attempted": False}.get(completion)
    satisfied = {"passed": True, "failed": False}.get(success)
    threshold, measure = activity.get("threshold"), _number(data.get("progress_measure"))
    if is_2004 and threshold is not None and measure is not None:
        completed = measure >= threshold
    passing = activity.get("passing") if is_2004 else activity.get("mastery")
    scored = _number(score.get("scaled" if is_2004 else "raw"))
    if passing is not None and scored is not None:
        satisfied = scored >= passing
    elif passing is not None and satisfied is None and completed:
        satisfied = False  # a passing score is set, and the SCO finished without one
    if completed is None and satisfied is True:
        completed = True
    return Status(completed=completed, satisfied=satisfied, attempted=True)


def _split_12(lesson_status: str) -> tuple[str, str]:
    return {
        "passed": ("completed", "passed"),
        "completed": ("completed", "unknown"),
        "failed": ("completed", "failed"),
        "incomplete": ("incomplete", "unknown"),
        "browsed": ("incomplete", "unknown"),
    }.get(lesson_status, ("unknown", "unknown"))


def _condition(status: Status, condition: Mapping[str, Any]) -> bool | None:
    name = condition.get("condition")
    value: bool | None = {
        "satisfied": status.satisfied,
        "objectiveStatusKnown": status.satisfied is not None,
        "completed": status.completed,
        "activityProgressKnown": status.completed is not None,
        "attempted": status.attempted,
        "always": True,
    }.get(name)
    if value is None:
        return None
    return not value if condition.get("not") else value


def condition_holds(status: Status, combination: str, conditions: list[Mapping]) -> bool:
    """Whether a rule's conditions hold (unknown counts as not holding)."""
    values = [_condition(status, condition) for condition in conditions]
    if not values:
        return False
    if combination == "all":
        return all(value is True for value in values)
    return any(value is True for value in values)


def _rule_fires(rule: Mapping[str, Any], children: list[Status]) -> bool:
    holds = [condition_holds(c, rule["combination"], rule["conditions"]) for c in children]
    count = sum(holds)
    match rule["set"]:
        case "all":
            return bool(holds) and all(holds)
        case "any":
            return count > 0
        case "none":
            return count == 0
        case "atLeastCount":
            return count >= max(rule.get("count", 0), 1)
        case "atLeastPercent":
            return bool(holds) and count / len(holds) >= rule.get("percent", 0)
    return False


def _default(values: list[bool | None]) -> bool | None:
    if not values:
        return None
    if any(value is False for value in values):
        return False
    return True if all(value is True for value in values) else None


def _axis(
    rules: list[Mapping], yes: str, no: str, children: list[Status], values: list[bool | None]
) -> bool | None:
    if any(rule["action"] == yes and _rule_fires(rule, children) for rule in rules):
        return True
    if any(rule["action"] == no and _rule_fires(rule, children) for rule in rules):
        return False
    return _default(values)


def rollup(
    activities: list[Mapping[str, Any]], data: Mapping[str, Mapping[str, Any]], *, is_2004: bool
) -> dict[str, Status]:
    """Every activity's status: SCOs from `data` (their latest attempts' data by activity
    id), clusters and the organisation rolled up from their children. Items that do not
    report (assets) have no status of their own and do not count."""
    children: dict[str | None, list[Mapping[str, Any]]] = {}
    for activity in activities:
        children.setdefault(activity["parent"], []).append(activity)
    found: dict[str, Status] = {}

    def visit(activity: Mapping[str, Any]) -> Status | None:
        kids = [(kid, visit(kid)) for kid in children.get(activity["id"], [])]
        if activity.get("sco"):
            status = sco_status(data.get(activity["id"], {}), activity, is_2004=is_2004)
        elif activity.get("launch"):
            return None
        else:
            tracked = [(kid, s) for kid, s in kids if s is not None]
            for_satisfied = [s for kid, s in tracked if kid["rollup"]["satisfied"]]
            for_completion = [s for kid, s in tracked if kid["rollup"]["completion"]]
            rules = activity.get("rollupRules", [])
            status = Status(
                completed=_axis(
                    rules,
                    "completed",
                    "incomplete",
                    for_completion,
                    [s.completed for s in for_completion],
                ),
                satisfied=_axis(
                    rules,
                    "satisfied",
                    "notSatisfied",
                    for_satisfied,
                    [s.satisfied for s in for_satisfied],
                ),
                attempted=any(s.attempted for _, s in tracked),
            )
        found[activity["id"]] = status
        return status

    for root in children.get(None, []):
        visit(root)
    return found


def package_done(activities: list[Mapping[str, Any]], statuses: Mapping[str, Status]) -> bool:
    """Whether the organisation (the root of `rollup`'s statuses) is done."""
    roots = [activity["id"] for activity in activities if activity["parent"] is None]
    return bool(roots) and statuses[roots[0]].done
