"""The activity tree of a SCORM package, read from its manifest: every item of the default
organisation (the ones that launch something and the clusters around them) with what the
package says about finishing and ordering it.

Pure, no Django: `package.py` calls `read()` on the parsed (already defused) manifest, and
the result is stored as plain JSON on the package (`Package.activities`), for
`completion.py` and `sequencing.py`. One activity is a dict:

- `id`, `title`, `parent` (None for the organisation, the root), `launch` (relative address,
  empty for a cluster), `sco` (reports back);
- what finishing means: `mastery` (SCORM 1.2 `adlcp:masteryscore`, 0-100), `threshold`
  (2004 `adlcp:completionThreshold`), `passing` (2004 minimum normalized measure of the
  primary objective that is satisfied by measure), `objectives` (id, primary, and the
  global objective it reads or writes), `data` (`adlcp:datafromlms`);
- ordering, for its children: `controls` (choice, flow, forwardOnly of `imsss:controlMode`);
  for itself: `prerequisites` (SCORM 1.2) and `rules` (the pre-condition rules of
  `imsss:sequencingRules` with the actions skip, disabled and hiddenFromChoice);
- rollup: `rollup` (whether it counts for its parent's satisfied and completed) and
  `rollupRules` (its own rules over its children).

What Balie does not read: post-condition and exit rules, time limits, selection and
randomisation, delivery controls. docs/scorm-sequencing.md says which parts of sequencing
Balie follows.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

DEFAULT_CONTROLS = {"choice": True, "flow": False, "forwardOnly": False}
PRE_ACTIONS = {"skip", "disabled", "hiddenFromChoice"}
ROLLUP_ACTIONS = {"satisfied", "notSatisfied", "completed", "incomplete"}
MAX_NUMBER_TEXT = 20


def _local(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if _local(child) == name]


def _child(element: Element | None, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: Element | None) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


def _attribute(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1] == name:
            return value.strip()
    return ""


def _flag(element: Element | None, name: str, default: bool) -> bool:
    value = _attribute(element, name).lower()
    return default if value not in {"true", "false"} else value == "true"


def _number(value: str, low: float, high: float) -> float | None:
    """A number from the manifest within [low, high], or None for anything else."""
    if not value or len(value) > MAX_NUMBER_TEXT:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if low <= number <= high else None


def _merged(own: Element | None, collection: dict[str, Element]) -> list[Element]:
    """An item's sequencing: its own element, then the shared one it names by IDRef (the
    item's own parts win, so they come first)."""
    if own is None:
        return []
    shared = collection.get(_attribute(own, "IDRef"))
    return [own] + ([shared] if shared is not None else [])


def _first(parts: list[Element], name: str) -> Element | None:
    for part in parts:
        found = _child(part, name)
        if found is not None:
            return found
    return None


def _controls(parts: list[Element]) -> dict[str, bool]:
    mode = _first(parts, "controlMode")
    return {key: _flag(mode, key, default) for key, default in DEFAULT_CONTROLS.items()}


def _objectives(parts: list[Element]) -> tuple[list[dict[str, Any]], float | None]:
    """The objectives and the primary one's passing measure (when satisfied by measure)."""
    element = _first(parts, "objectives")
    found: list[dict[str, Any]] = []
    passing = None
    for child in list(element) if element is not None else []:
        kind = _local(child)
        if kind not in {"primaryObjective", "objective"}:
            continue
        primary = kind == "primaryObjective"
        mapping = _child(child, "mapInfo")
        found.append(
            {
                "id": _attribute(child, "objectiveID"),
                "primary": primary,
                "global": _attribute(mapping, "targetObjectiveID"),
                "read": _flag(mapping, "readSatisfiedStatus", True),
                "write": _flag(mapping, "writeSatisfiedStatus", False),
            }
        )
        if primary and _flag(child, "satisfiedByMeasure", False):
            passing = _number(_text(_child(child, "minNormalizedMeasure")) or "1.0", -1, 1)
    return found, passing


def _conditions(element: Element | None, condition_name: str) -> list[dict[str, Any]]:
    return [
        {
            "condition": _attribute(condition, "condition"),
            "not": _attribute(condition, "operator") == "not",
            "objective": _attribute(condition, "referencedObjective"),
        }
        for condition in _children(element, condition_name)
    ]


def _pre_rules(parts: list[Element]) -> list[dict[str, Any]]:
    rules = _first(parts, "sequencingRules")
    found = []
    for rule in _children(rules, "preConditionRule"):
        action = _attribute(_child(rule, "ruleAction"), "action")
        if action not in PRE_ACTIONS:
            continue
        conditions = _child(rule, "ruleConditions")
        found.append(
            {
                "action": action,
                "combination": _attribute(conditions, "conditionCombination") or "all",
                "conditions": _conditions(conditions, "ruleCondition"),
            }
        )
    return found


def _rollup(parts: list[Element]) -> tuple[dict[str, bool], list[dict[str, Any]]]:
    element = _first(parts, "rollupRules")
    counts = {
        "satisfied": _flag(element, "rollupObjectiveSatisfied", True),
        "completion": _flag(element, "rollupProgressCompletion", True),
    }
    rules = []
    for rule in _children(element, "rollupRule"):
        action = _attribute(_child(rule, "rollupAction"), "action")
        if action not in ROLLUP_ACTIONS:
            continue
        conditions = _child(rule, "rollupConditions")
        rules.append(
            {
                "action": action,
                "set": _attribute(rule, "childActivitySet") or "all",
                "count": int(_number(_attribute(rule, "minimumCount"), 0, 10_000) or 0),
                "percent": _number(_attribute(rule, "minimumPercent"), 0, 1) or 0.0,
                "combination": _attribute(conditions, "conditionCombination") or "any",
                "conditions": _conditions(conditions, "rollupCondition"),
            }
        )
    return counts, rules


def _threshold(item: Element) -> float | None:
    """SCORM 2004 3rd edition: the element's text; 4th: minProgressMeasure, used only when
    completedByMeasure is true."""
    element = _child(item, "completionThreshold")
    if element is None:
        return None
    if _attribute(element, "completedByMeasure") or _attribute(element, "minProgressMeasure"):
        if not _flag(element, "completedByMeasure", False):
            return None
        return _number(_attribute(element, "minProgressMeasure") or "1.0", 0, 1)
    return _number(_text(element), 0, 1)


def _activity(
    element: Element,
    *,
    parent: str | None,
    launch: str,
    is_sco: bool,
    title: str,
    collection: dict[str, Element],
) -> dict[str, Any]:
    parts = _merged(_child(element, "sequencing"), collection)
    objectives, passing = _objectives(parts)
    counts, rollup_rules = _rollup(parts)
    return {
        "id": element.get("identifier", "").strip(),
        "title": title,
        "parent": parent,
        "launch": launch,
        "sco": is_sco,
        "mastery": _number(_text(_child(element, "masteryscore")), 0, 100),
        "threshold": _threshold(element),
        "passing": passing,
        "objectives": objectives,
        "data": _text(_child(element, "datafromlms")) or _text(_child(element, "dataFromLMS")),
        "prerequisites": _text(_child(element, "prerequisites")),
        "controls": _controls(parts),
        "rules": _pre_rules(parts),
        "rollup": counts,
        "rollupRules": rollup_rules,
    }


def read(
    manifest: Element, organisation: Element, launches: dict[str, tuple[str, bool]]
) -> list[dict[str, Any]]:
    """The organisation and its items in tree order. `launches` gives, per item identifier,
    the launch address and whether it is a SCO (the items that launch something)."""
    collection = {
        _attribute(element, "ID"): element
        for element in _children(_child(manifest, "sequencingCollection"), "sequencing")
    }
    root_title = _text(_child(organisation, "title"))
    found = [
        _activity(
            organisation,
            parent=None,
            launch="",
            is_sco=False,
            title=root_title,
            collection=collection,
        )
    ]

    def walk(element: Element, parent: str) -> None:
        for item in _children(element, "item"):
            identifier = item.get("identifier", "").strip()
            launch, is_sco = launches.get(identifier, ("", False))
            found.append(
                _activity(
                    item,
                    parent=parent,
                    launch=launch,
                    is_sco=is_sco,
                    title=_text(_child(item, "title")) or identifier,
                    collection=collection,
                )
            )
            walk(item, identifier)

    walk(organisation, found[0]["id"])
    return found
