"""Is this a valid xAPI 1.0.3 statement? (Data 2.2–2.4.) Every check raises `BadRequest` with
the path of the offending value ("statement[2].result.score.scaled: ..."), so that the client's
programmer sees what to fix.

The rules are the specification's MUSTs as the ADL conformance suite tests them: no properties
the spec does not name and no nulls (except inside extensions), IRIs with a scheme, UUIDs,
ISO 8601 timestamps and durations, language maps with valid tags, the rules for each object
type and for sub-statements, interaction definitions, score ranges and attachment metadata.
Agents and Groups are checked by `agents.validate_agent`.
"""

from __future__ import annotations

import re
from typing import Any

from balie.lrs.agents import validate_agent
from balie.lrs.http import BadRequest
from balie.lrs.models import VOIDED

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*")
# ISO 8601 extended date and time; "-00:00" is no ISO 8601 offset (RFC 3339 only).
TIMESTAMP = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?"
    r"(Z|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?"
)
DURATION = re.compile(
    r"P(?=\d|T\d)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?|P\d+(\.\d+)?W"
)
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
VERSION = re.compile(r"1\.0(\.\d+)?")
SHA2 = re.compile(r"[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}")
MEDIA_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(\s*;.*)?")

STATEMENT = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority"}
    | {"version", "attachments"}
)
SUB_STATEMENT = frozenset(
    {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
VERB = frozenset({"id", "display"})
ACTIVITY = frozenset({"objectType", "id", "definition"})
DEFINITION = frozenset(
    {"name", "description", "type", "moreInfo", "extensions", "interactionType"}
    | {"correctResponsesPattern", "choices", "scale", "source", "target", "steps"}
)
INTERACTION_TYPES = {
    "true-false": (),
    "choice": ("choices",),
    "fill-in": (),
    "long-fill-in": (),
    "matching": ("source", "target"),
    "performance": ("steps",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "numeric": (),
    "other": (),
}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
STATEMENT_REF = frozenset({"objectType", "id"})
RESULT = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
SCORE = frozenset({"scaled", "raw", "min", "max"})
CONTEXT = frozenset(
    {"registration", "instructor", "team", "contextActivities", "revision", "platform"}
    | {"language", "statement", "extensions"}
)
CONTEXT_ACTIVITIES = frozenset({"parent", "grouping", "category", "other"})
ATTACHMENT = frozenset(
    {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
)


def validate_statements(value: Any) -> list[dict[str, Any]]:
    """A POST body: one statement or a list of them. Returns the list."""
    if isinstance(value, dict):
        validate_statement(value, "statement")
        return [value]
    if not isinstance(value, list) or not value:
        raise BadRequest("the body must be a statement or a non-empty list of statements")
    for index, statement in enumerate(value):
        validate_statement(statement, f"statement[{index}]")
    ids = [s["id"].lower() for s in value if "id" in s]
    if len(set(ids)) != len(ids):
        raise BadRequest("the same statement id appears twice in one request")
    return value


def validate_statement(value: Any, path: str) -> None:
    _object(value, path, STATEMENT)
    _no_nulls(value, path)
    if "id" in value:
        _uuid(value["id"], f"{path}.id")
    _statement_parts(value, path, sub=False)
    if "stored" in value:
        _timestamp(value["stored"], f"{path}.stored")
    if "authority" in value:
        _authority(value["authority"], f"{path}.authority")
    if "version" in value and not (
        isinstance(value["version"], str) and VERSION.fullmatch(value["version"])
    ):
        raise BadRequest(f"{path}.version: must be 1.0.x")


def _statement_parts(value: dict[str, Any], path: str, *, sub: bool) -> None:
    """What a statement and a sub-statement share."""
    for required in ("actor", "verb", "object"):
        if required not in value:
            raise BadRequest(f"{path}.{required}: missing")
    validate_agent(value["actor"], f"{path}.actor")
    _verb(value["verb"], f"{path}.verb")
    _target(value["object"], f"{path}.object", sub=sub)
    if value["verb"]["id"] == VOIDED and value["object"].get("objectType") != "StatementRef":
        raise BadRequest(f"{path}.object: a voiding statement's object must be a StatementRef")
    if "result" in value:
        _result(value["result"], f"{path}.result")
    if "context" in value:
        _context(value["context"], f"{path}.context", value["object"])
    if "timestamp" in value:
        _timestamp(value["timestamp"], f"{path}.timestamp")
    if "attachments" in value:
        _list(value["attachments"], f"{path}.attachments")
        for index, attachment in enumerate(value["attachments"]):
            _attachment(attachment, f"{path}.attachments[{index}]")


def _no_nulls(value: Any, path: str, *, extension: bool = False) -> None:
    """Null is no value in xAPI, except inside extensions (whose content is the client's). No
    text anywhere may hold the character U+0000, which PostgreSQL cannot store in JSON."""
    if value is None and not extension:
        raise BadRequest(f"{path}: null is not allowed")
    if isinstance(value, str) and "\x00" in value:
        raise BadRequest(f"{path}: the character U+0000 is not allowed")
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                raise BadRequest(f"{path}: the character U+0000 is not allowed in a key")
            _no_nulls(item, f"{path}.{key}", extension=extension or key == "extensions")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_nulls(item, f"{path}[{index}]", extension=extension)


def _object(value: Any, path: str, allowed: frozenset[str]) -> None:
    if not isinstance(value, dict):
        raise BadRequest(f"{path}: must be a JSON object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise BadRequest(f"{path}.{unknown[0]}: not a property here")


def _list(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise BadRequest(f"{path}: must be a list")


def _string(value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise BadRequest(f"{path}: must be a string")


def _boolean(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise BadRequest(f"{path}: must be true or false")


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"{path}: must be a number")
    return value


def _uuid(value: Any, path: str) -> None:
    if not isinstance(value, str) or not UUID.fullmatch(value):
        raise BadRequest(f"{path}: must be a UUID")


def _iri(value: Any, path: str) -> None:
    if not isinstance(value, str) or not IRI.fullmatch(value):
        raise BadRequest(f"{path}: must be an absolute IRI")


def _timestamp(value: Any, path: str) -> None:
    if not isinstance(value, str) or not TIMESTAMP.fullmatch(value):
        raise BadRequest(f"{path}: must be an ISO 8601 timestamp")
    if re.search(r"-00:?(00)?$", value[19:]):
        raise BadRequest(f"{path}: -00:00 is not an ISO 8601 offset; use Z or +00:00")


def _language_map(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise BadRequest(f"{path}: must be a language map (an object)")
    for tag, text in value.items():
        if not LANGUAGE_TAG.fullmatch(tag):
            raise BadRequest(f"{path}.{tag}: not a language tag (RFC 5646)")
        _string(text, f"{path}.{tag}")


def _extensions(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise BadRequest(f"{path}: must be an object")
    for key in value:
        _iri(key, f"{path}.{key}")


def _verb(value: Any, path: str) -> None:
    _object(value, path, VERB)
    if "id" not in value:
        raise BadRequest(f"{path}.id: missing")
    _iri(value["id"], f"{path}.id")
    if "display" in value:
        _language_map(value["display"], f"{path}.display")


def _target(value: Any, path: str, *, sub: bool) -> None:
    if not isinstance(value, dict):
        raise BadRequest(f"{path}: must be a JSON object")
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        _activity(value, path)
    elif kind in ("Agent", "Group"):
        validate_agent(value, path)
    elif kind == "StatementRef":
        _object(value, path, STATEMENT_REF)
        if "id" not in value:
            raise BadRequest(f"{path}.id: missing")
        _uuid(value["id"], f"{path}.id")
    elif kind == "SubStatement" and sub:
        raise BadRequest(f"{path}.objectType: a SubStatement cannot hold another SubStatement")
    elif kind == "SubStatement":
        _object(value, path, SUB_STATEMENT)
        _statement_parts(value, path, sub=True)
    else:
        raise BadRequest(f"{path}.objectType: unknown object type {kind!r}")


def _activity(value: Any, path: str) -> None:
    _object(value, path, ACTIVITY)
    if "id" not in value:
        raise BadRequest(f"{path}.id: missing")
    _iri(value["id"], f"{path}.id")
    if "definition" in value:
        _definition(value["definition"], f"{path}.definition")


def _definition(value: Any, path: str) -> None:
    _object(value, path, DEFINITION)
    for key in ("name", "description"):
        if key in value:
            _language_map(value[key], f"{path}.{key}")
    for key in ("type", "moreInfo"):
        if key in value:
            _iri(value[key], f"{path}.{key}")
    if "extensions" in value:
        _extensions(value["extensions"], f"{path}.extensions")
    _interaction(value, path)


def _interaction(value: dict[str, Any], path: str) -> None:
    kind = value.get("interactionType")
    lists = [key for key in COMPONENT_LISTS if key in value]
    if kind is None:
        if "correctResponsesPattern" in value or lists:
            raise BadRequest(f"{path}.interactionType: needed with interaction details")
        return
    if not isinstance(kind, str) or kind not in INTERACTION_TYPES:  # a String (2.4.4.1.s8)
        raise BadRequest(f"{path}.interactionType: unknown interaction type {kind!r}")
    for key in lists:
        if key not in INTERACTION_TYPES[kind]:
            raise BadRequest(f"{path}.{key}: not allowed for interactionType {kind!r}")
        _components(value[key], f"{path}.{key}")
    if "correctResponsesPattern" in value:
        pattern = value["correctResponsesPattern"]
        _list(pattern, f"{path}.correctResponsesPattern")
        for index, response in enumerate(pattern):
            _string(response, f"{path}.correctResponsesPattern[{index}]")


def _components(value: Any, path: str) -> None:
    _list(value, path)
    seen = set()
    for index, component in enumerate(value):
        where = f"{path}[{index}]"
        _object(component, where, frozenset({"id", "description"}))
        if "id" not in component:
            raise BadRequest(f"{where}.id: missing")
        _string(component["id"], f"{where}.id")
        if component["id"] in seen:
            raise BadRequest(f"{where}.id: {component['id']!r} appears twice")
        seen.add(component["id"])
        if "description" in component:
            _language_map(component["description"], f"{where}.description")


def _result(value: Any, path: str) -> None:
    _object(value, path, RESULT)
    if "score" in value:
        _score(value["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in value:
            _boolean(value[key], f"{path}.{key}")
    if "response" in value:
        _string(value["response"], f"{path}.response")
    if "duration" in value:
        duration = value["duration"]
        if not isinstance(duration, str) or not DURATION.fullmatch(duration):
            raise BadRequest(f"{path}.duration: must be an ISO 8601 duration such as PT1M30S")
    if "extensions" in value:
        _extensions(value["extensions"], f"{path}.extensions")


def _score(value: Any, path: str) -> None:
    _object(value, path, SCORE)
    numbers = {key: _number(value[key], f"{path}.{key}") for key in value}
    if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
        raise BadRequest(f"{path}.scaled: must be between -1 and 1")
    low, high = numbers.get("min"), numbers.get("max")
    if low is not None and high is not None and low >= high:
        raise BadRequest(f"{path}.max: must be greater than min")
    raw = numbers.get("raw")
    if raw is not None and low is not None and raw < low:
        raise BadRequest(f"{path}.raw: must not be below min")
    if raw is not None and high is not None and raw > high:
        raise BadRequest(f"{path}.raw: must not be above max")


def _context(value: Any, path: str, target: dict[str, Any]) -> None:
    _object(value, path, CONTEXT)
    if "registration" in value:
        _uuid(value["registration"], f"{path}.registration")
    if "instructor" in value:
        validate_agent(value["instructor"], f"{path}.instructor")
    if "team" in value:
        team = value["team"]
        if not isinstance(team, dict) or team.get("objectType") != "Group":
            raise BadRequest(f"{path}.team: must be a Group (with objectType Group)")
        validate_agent(team, f"{path}.team")
    if "contextActivities" in value:
        _context_activities(value["contextActivities"], f"{path}.contextActivities")
    for key in ("revision", "platform"):
        if key in value:
            _string(value[key], f"{path}.{key}")
            if target.get("objectType", "Activity") != "Activity":
                raise BadRequest(f"{path}.{key}: only allowed when the object is an Activity")
    if "language" in value and not (
        isinstance(value["language"], str) and LANGUAGE_TAG.fullmatch(value["language"])
    ):
        raise BadRequest(f"{path}.language: must be a language tag (RFC 5646)")
    if "statement" in value:
        reference = value["statement"]
        where = f"{path}.statement"
        _object(reference, where, STATEMENT_REF)
        if reference.get("objectType") != "StatementRef":
            raise BadRequest(f"{where}.objectType: must be StatementRef")
        _uuid(reference.get("id"), f"{where}.id")
    if "extensions" in value:
        _extensions(value["extensions"], f"{path}.extensions")


def _context_activities(value: Any, path: str) -> None:
    _object(value, path, CONTEXT_ACTIVITIES)
    for key, group in value.items():
        activities = group if isinstance(group, list) else [group]
        for index, activity in enumerate(activities):
            where = f"{path}.{key}[{index}]" if isinstance(group, list) else f"{path}.{key}"
            if isinstance(activity, dict) and activity.get("objectType", "Activity") != "Activity":
                raise BadRequest(f"{where}.objectType: context activities are Activities")
            _activity(activity, where)


def _authority(value: Any, path: str) -> None:
    """The client's claim; the LRS replaces it with the client's own agent, but an invalid one
    is still an invalid statement. A Group is an authority only as the pair of 3-legged OAuth
    (Data 2.4.9.s3.b1): two Agents, one of them the OAuth consumer, identified by an account
    (2.4.9.s7.b1, b2)."""
    validate_agent(value, path)
    if value.get("objectType") != "Group":
        return
    members = value.get("member", [])
    if len(members) != 2:
        raise BadRequest(f"{path}.member: a Group as authority has exactly two members")
    if not any("account" in member for member in members):
        raise BadRequest(
            f"{path}.member: a Group as authority is an OAuth consumer (an account) and a user"
        )


def _attachment(value: Any, path: str) -> None:
    _object(value, path, ATTACHMENT)
    for required in ("usageType", "display", "contentType", "length", "sha2"):
        if required not in value:
            raise BadRequest(f"{path}.{required}: missing")
    _iri(value["usageType"], f"{path}.usageType")
    _language_map(value["display"], f"{path}.display")
    if "description" in value:
        _language_map(value["description"], f"{path}.description")
    if not isinstance(value["contentType"], str) or not MEDIA_TYPE.fullmatch(value["contentType"]):
        raise BadRequest(f"{path}.contentType: must be an Internet Media Type")
    length = value["length"]
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise BadRequest(f"{path}.length: must be a whole number of bytes")
    if not isinstance(value["sha2"], str) or not SHA2.fullmatch(value["sha2"]):
        raise BadRequest(f"{path}.sha2: must be a SHA-2 hash in hexadecimal")
    if "fileUrl" in value:
        _iri(value["fileUrl"], f"{path}.fileUrl")
