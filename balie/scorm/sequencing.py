"""Which parts of a SCORM package a learner may start, and what Previous and Next open.
Pure functions, no Django; the statuses come from `completion.rollup`.

scorm-again (3.x) ships a SCORM 2004 sequencing engine, but it runs in the browser inside one
API object, keeps its own state there and decides nothing Balie can rely on: Balie must know
on the server which SCO a learner may start (the start endpoint refuses the others) and must
draw the item list itself. So Balie follows the parts of sequencing that courses use, here:

- choice and flow: items are in tree order; Previous and Next open the nearest item that is
  not skipped;
- forced order: under a cluster (or the organisation) whose `controlMode` has
  choice="false", an item opens only when every SCO before it in that cluster is done —
  Balie's reading of "the learner cannot skip ahead", stricter than SCORM's continue, which
  lets a learner leave a SCO unfinished;
- forwardOnly: under such a cluster, nothing before the current item opens again;
- pre-condition rules with the actions skip (Previous and Next pass it by), disabled and
  hiddenFromChoice, on the conditions satisfied, objectiveStatusKnown, completed,
  activityProgressKnown, attempted and always, of the item itself or of an objective it
  names (also through a global objective another item writes): a pre-test that is passed can
  make its content skipped;
- SCORM 1.2 `adlcp:prerequisites`: item identifiers with & (and), | (or), ~ (not),
  parentheses and n*{a,b,c} (at least n of them); an item is met when done.

A reason why an item does not open is a code and a title; the view says it in Dutch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from balie.scorm.completion import Status, condition_holds

# Why an item does not open.
ORDER = "order"  # forced order: an earlier SCO is not done (title: that SCO)
PREREQUISITES = "prerequisites"  # SCORM 1.2 prerequisites not met
DISABLED = "disabled"  # a pre-condition rule disables it
FORWARD_ONLY = "forward_only"  # the cluster goes forward only


@dataclass(frozen=True)
class Item:
    """A launchable item as the player shows it."""

    id: str
    title: str
    launch: str
    sco: bool
    status: Status
    available: bool
    reason: str = ""
    reason_title: str = ""
    hidden: bool = False
    skipped: bool = False


@dataclass(frozen=True)
class Plan:
    items: tuple[Item, ...]
    current: Item | None
    previous: Item | None
    next: Item | None

    def get(self, identifier: str) -> Item | None:
        return next((item for item in self.items if item.id == identifier), None)


def _objective_status(
    activity: Mapping[str, Any],
    objective_id: str,
    statuses: Mapping[str, Status],
    writers: Mapping[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]],
    data: Mapping[str, Mapping[str, Any]],
) -> Status:
    """The status a rule sees for an objective of `activity`: read through its global
    objective when it maps to one, else its own."""
    own = statuses.get(activity["id"], Status())
    objective = next((o for o in activity["objectives"] if o["id"] == objective_id), None)
    mapped = objective is not None and objective["global"] and objective["read"]
    if objective is None or (objective["primary"] and not mapped):
        return own
    if mapped:
        for writer, written in writers.get(objective["global"], []):
            status = _written(writer, written, statuses, data)
            if status.satisfied is not None:
                return status
        return Status()
    return _sco_objective(data.get(activity["id"], {}), objective_id)


def _written(
    writer: Mapping[str, Any],
    objective: Mapping[str, Any],
    statuses: Mapping[str, Status],
    data: Mapping[str, Mapping[str, Any]],
) -> Status:
    if objective["primary"]:
        return statuses.get(writer["id"], Status())
    return _sco_objective(data.get(writer["id"], {}), objective["id"])


def _sco_objective(data: Mapping[str, Any], objective_id: str) -> Status:
    for objective in data.get("objectives", []):
        if objective.get("id") == objective_id:
            return Status(
                completed={"completed": True, "incomplete": False}.get(
                    objective.get("completion_status")
                ),
                satisfied={"passed": True, "failed": False}.get(objective.get("success_status")),
                attempted=True,
            )
    return Status()


def _rule_actions(
    activity: Mapping[str, Any],
    statuses: Mapping[str, Status],
    writers: Mapping[str, list],
    data: Mapping[str, Mapping[str, Any]],
) -> set[str]:
    actions = set()
    for rule in activity.get("rules", []):
        results = []
        for condition in rule["conditions"]:
            status = _objective_status(activity, condition["objective"], statuses, writers, data)
            results.append(condition_holds(status, "all", [condition]))
        holds = all(results) if rule["combination"] == "all" else any(results)
        if results and holds:
            actions.add(rule["action"])
    return actions


# --- SCORM 1.2 prerequisites --------------------------------------------------------------

_TOKEN = re.compile(r"\s*(\d+\*\{[^}]*\}|[&|~()]|[^\s&|~()]+)")


def prerequisites_met(expression: str, done: Mapping[str, bool]) -> bool:
    """Whether a SCORM 1.2 prerequisites expression holds, given which items are done. An
    identifier Balie does not know, or an expression it cannot read, holds (a typo in a
    manifest must not lock a learner out)."""
    tokens = [t.strip() for t in _TOKEN.findall(expression or "") if t.strip()]
    if not tokens:
        return True
    position = 0

    def atom() -> bool:
        nonlocal position
        word = tokens[position]
        position += 1
        if word == "~":
            return not atom()
        if word == "(":
            value = either()
            if position >= len(tokens) or tokens[position] != ")":
                raise ValueError("no closing parenthesis")
            position += 1
            return value
        if set_match := re.fullmatch(r"(\d+)\*\{([^}]*)\}", word):
            names = [name.strip() for name in set_match.group(2).split(",") if name.strip()]
            return sum(done.get(name, True) for name in names) >= int(set_match.group(1))
        if word in {"&", "|", ")"}:
            raise ValueError("an operator where an identifier belongs")
        return done.get(word, True)

    def both() -> bool:
        nonlocal position
        value = atom()
        while position < len(tokens) and tokens[position] == "&":
            position += 1
            value = atom() and value
        return value

    def either() -> bool:
        nonlocal position
        value = both()
        while position < len(tokens) and tokens[position] == "|":
            position += 1
            value = both() or value
        return value

    try:
        value = either()
    except (ValueError, IndexError):
        return True
    return value if position == len(tokens) else True


# --- The plan -----------------------------------------------------------------------------


def plan(
    activities: list[Mapping[str, Any]],
    statuses: Mapping[str, Status],
    data: Mapping[str, Mapping[str, Any]],
    *,
    current: str = "",
) -> Plan:
    """The launchable items with whether each may open and why not, and which item Previous
    and Next open from `current` (the item the learner has open, or last had)."""
    by_id = {activity["id"]: activity for activity in activities}
    writers: dict[str, list] = {}
    for activity in activities:
        for objective in activity["objectives"]:
            if objective["global"] and objective["write"]:
                writers.setdefault(objective["global"], []).append((activity, objective))
    leaves = [a for a in activities if a.get("launch")]
    order = {a["id"]: position for position, a in enumerate(leaves)}
    done = {a["id"]: statuses.get(a["id"], Status()).done for a in leaves if a.get("sco")}

    def ancestors(activity: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        found = []
        parent = by_id.get(activity["parent"]) if activity["parent"] else None
        while parent is not None:
            found.append(parent)
            parent = by_id.get(parent["parent"]) if parent["parent"] else None
        return found

    def under(leaf: Mapping[str, Any], cluster: Mapping[str, Any]) -> bool:
        return any(a["id"] == cluster["id"] for a in ancestors(leaf))

    actions = {a["id"]: _rule_actions(a, statuses, writers, data) for a in activities}
    # An action on a cluster applies to everything in it.
    inherited = {
        leaf["id"]: set().union(actions[leaf["id"]], *(actions[a["id"]] for a in ancestors(leaf)))
        for leaf in leaves
    }
    current_leaf = by_id.get(current) if current in order else None
    items = []
    for leaf in leaves:
        leaf_actions = inherited[leaf["id"]]
        reason, reason_title = "", ""
        if "disabled" in leaf_actions:
            reason = DISABLED
        elif not prerequisites_met(leaf.get("prerequisites", ""), done):
            reason = PREREQUISITES
        else:
            for cluster in ancestors(leaf):
                if cluster["controls"]["choice"]:
                    continue
                earlier = [
                    other
                    for other in leaves[: order[leaf["id"]]]
                    if other.get("sco")
                    and under(other, cluster)
                    and not done[other["id"]]
                    and "skip" not in inherited[other["id"]]
                ]
                if earlier:
                    reason, reason_title = ORDER, earlier[0]["title"]
                    break
            behind = current_leaf is not None and order[leaf["id"]] < order[current]
            if (
                not reason
                and behind
                and any(
                    cluster["controls"]["forwardOnly"] and under(current_leaf, cluster)
                    for cluster in ancestors(leaf)
                )
            ):
                reason = FORWARD_ONLY
        items.append(
            Item(
                id=leaf["id"],
                title=leaf["title"],
                launch=leaf["launch"],
                sco=bool(leaf.get("sco")),
                status=statuses.get(leaf["id"], Status()),
                available=not reason,
                reason=reason,
                reason_title=reason_title,
                hidden="hiddenFromChoice" in leaf_actions,
                skipped="skip" in leaf_actions,
            )
        )
    shown = next((item for item in items if item.id == current), None)
    if shown is None:
        shown = next((item for item in items if item.available and not item.skipped), None)
    previous = following = None
    if shown is not None:
        position = items.index(shown)
        previous = next((item for item in reversed(items[:position]) if not item.skipped), None)
        following = next((item for item in items[position + 1 :] if not item.skipped), None)
    return Plan(items=tuple(items), current=shown, previous=previous, next=following)
