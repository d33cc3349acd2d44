"""Every field of a full statement, given a value of another JSON type, is answered with a 2xx
or a 4xx, never a 5xx (Data 2.2.s4: the LRS rejects what does not follow the format, with a
400). First every field with every odd value in turn, then random values (seeded) at random
fields, nested as deep as the statement goes."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from balie.lrs.tests.xapi import XapiTestCase

ODD_VALUES = (
    None,
    True,
    0,
    -1.5,
    10**30,
    "",
    "x",
    "\u0000",
    [],
    [1, "a", None],
    {},
    {"objectType": {"x": 1}},
)
ALICE = {"objectType": "Agent", "name": "Alice", "mbox": "mailto:alice@example.org"}
BOB = {"account": {"homePage": "https://balie.example", "name": "bob"}}
CHOICE = {
    "name": {"en-US": "Which?"},
    "description": {"en-US": "Pick one"},
    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "moreInfo": "https://balie.example/more",
    "interactionType": "choice",
    "correctResponsesPattern": ["a"],
    "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b"}],
    "extensions": {"https://balie.example/ext": {"any": [1, None]}},
}
SUB_STATEMENT = {
    "objectType": "SubStatement",
    "actor": {"objectType": "Group", "member": [ALICE]},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
    "object": {"objectType": "Agent", "mbox": "mailto:carol@example.org"},
    "result": {"completion": False},
}


def full_statement() -> dict[str, Any]:
    """A statement with every part the spec names (the object: an interaction Activity)."""
    return {
        "id": str(uuid.uuid4()),
        "actor": ALICE,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "ans"}},
        "object": {"objectType": "Activity", "id": "https://balie.example/q", "definition": CHOICE},
        "result": {
            "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
            "success": True,
            "completion": True,
            "response": "a",
            "duration": "PT1M30S",
            "extensions": {"https://balie.example/ext": 1},
        },
        "context": {
            "registration": str(uuid.uuid4()),
            "instructor": BOB,
            "team": {"objectType": "Group", "name": "Team", "member": [BOB]},
            "contextActivities": {
                "parent": [{"id": "https://balie.example/module"}],
                "grouping": {"id": "https://balie.example/programme"},
            },
            "revision": "1",
            "platform": "Balie",
            "language": "nl-NL",
            "statement": {"objectType": "StatementRef", "id": str(uuid.uuid4())},
            "extensions": {"https://balie.example/ext": "x"},
        },
        "timestamp": "2026-03-01T10:00:00+01:00",
        "authority": {"objectType": "Group", "member": [BOB, ALICE]},
        "version": "1.0.0",
        "attachments": [
            {
                "usageType": "http://example.com/attachment-usage/test",
                "display": {"en-US": "file"},
                "description": {"en-US": "a file"},
                "contentType": "text/plain",
                "length": 3,
                "sha2": hashlib.sha256(b"abc").hexdigest(),
                "fileUrl": "https://files.example/abc.txt",
            }
        ],
    }


def with_sub_statement() -> dict[str, Any]:
    made = full_statement()
    made["object"] = copy.deepcopy(SUB_STATEMENT)
    del made["context"]["revision"], made["context"]["platform"]
    return made


def paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every place in `value`: each key of each object, each item of each list."""
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*path, index))


def replaced(statement: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(statement)
    holder = changed
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    if path != ("id",):
        changed["id"] = str(uuid.uuid4())  # each a new statement, not a conflict with the last
    return changed


BASES = (full_statement(), with_sub_statement())
PLACES = [(base, path) for base in BASES for path in paths(base) if path != ("id",)]
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


class FieldTypeSweepTests(XapiTestCase):
    def test_both_bases_are_valid_statements(self):
        for base in BASES:
            response = self.xapi_post("statements", base)
            self.assertEqual(response.status_code, 200, response.content)

    def test_every_field_with_every_odd_value(self):
        for base, path in PLACES:
            for value in ODD_VALUES:
                response = self.xapi_post("statements", replaced(base, path, value))
                self.assertLess(response.status_code, 500, (path, value, response.content))


class FieldTypeFuzzTests(HypothesisTestCase, XapiTestCase):
    @settings(
        max_examples=150,
        derandomize=True,  # seeded: the same examples on every run
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(place=st.sampled_from(PLACES), value=JSON_VALUES)
    def test_random_values_at_random_fields(self, place, value):
        base, path = place
        response = self.xapi_post("statements", json.dumps(replaced(base, path, value)))
        self.assertLess(response.status_code, 500, (path, value, response.content))
