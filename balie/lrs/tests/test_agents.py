"""Agents and Groups as xAPI 1.0.3 allows them: a table of good ones, and of bad ones with the
path that the 400 must name."""

from __future__ import annotations

import json
from typing import Any

from django.test import SimpleTestCase

from balie.lrs.agents import parse_agent_param, validate_agent
from balie.lrs.http import BadRequest

ALICE = {"mbox": "mailto:alice@example.org"}
ACCOUNT = {"homePage": "https://balie.example", "name": "5c1e"}

GOOD: list[dict[str, Any]] = [
    ALICE,
    {"objectType": "Agent", "name": "Alice", "mbox": "mailto:alice@example.org"},
    {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
    {"mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"},
    {"openid": "https://openid.example.org/alice"},
    {"account": ACCOUNT},
    {"objectType": "Group", "member": [ALICE]},
    {
        "objectType": "Group",
        "name": "Team",
        "member": [ALICE, {"objectType": "Agent", "account": ACCOUNT}],
    },
    {"objectType": "Group", "account": ACCOUNT},
    {"objectType": "Group", "mbox": "mailto:team@example.org", "member": []},
    {"objectType": "Group", "openid": "https://openid.example.org/t", "member": [ALICE]},
]

BAD: list[tuple[Any, str]] = [
    ("mailto:alice@example.org", "actor: an Agent or Group must be a JSON object"),
    ([ALICE], "actor: an Agent or Group must be a JSON object"),
    ({}, "actor: an Agent needs exactly one of mbox, mbox_sha1sum, openid or account (found 0)"),
    ({"name": "Alice"}, "actor: an Agent needs exactly one"),
    ({**ALICE, "openid": "https://openid.example.org/a"}, "(found 2)"),
    ({"mbox": "alice@example.org"}, "actor.mbox: must be a mailto: IRI"),
    ({"mbox": "mailto:"}, "actor.mbox: must be a mailto: IRI"),
    ({"mbox": "mailto:alice"}, "actor.mbox: must be a mailto: IRI"),
    ({"mbox": 7}, "actor.mbox: must be a string"),
    ({"mbox_sha1sum": "ebd31e95"}, "actor.mbox_sha1sum: must be the SHA-1"),
    ({"mbox_sha1sum": "g" * 40}, "actor.mbox_sha1sum: must be the SHA-1"),
    ({"openid": "alice"}, "actor.openid: must be an absolute URI"),
    ({"account": "alice"}, "actor.account: must be an object with homePage and name"),
    ({"account": {"name": "a"}}, "actor.account.homePage: must be an absolute IRL"),
    ({"account": {"homePage": "balie.example", "name": "a"}}, "actor.account.homePage"),
    ({"account": {"homePage": "https://balie.example"}}, "actor.account.name"),
    ({"account": {**ACCOUNT, "name": ""}}, "actor.account.name: must be a non-empty string"),
    ({"account": {**ACCOUNT, "id": 1}}, "actor.account.id: not a property of an account"),
    ({**ALICE, "mbx": "mailto:a@example.org"}, "actor.mbx: not a property of an Agent or Group"),
    ({**ALICE, "member": [ALICE]}, "actor.member: not a property"),
    ({**ALICE, "name": ["Alice"]}, "actor.name: must be a string"),
    ({**ALICE, "objectType": "Person"}, "actor.objectType: must be 'Agent' or 'Group'"),
    ({**ALICE, "objectType": "agent"}, "actor.objectType"),
    ({"objectType": "Group"}, "actor.member: an anonymous Group needs a list of members"),
    ({"objectType": "Group", "member": []}, "actor.member: an anonymous Group needs at least"),
    ({"objectType": "Group", "member": ALICE}, "actor.member: must be a list of Agents"),
    (
        {"objectType": "Group", "mbox": "mailto:t@example.org", "account": ACCOUNT},
        "actor: a Group has at most one identifier (found mbox, account)",
    ),
    ({"objectType": "Group", "mbox": "team"}, "actor.mbox: must be a mailto: IRI"),
    (
        {"objectType": "Group", "member": [{"objectType": "Group", "member": [ALICE]}]},
        "actor.member[0].objectType: the members of a Group are Agents",
    ),
    (
        {"objectType": "Group", "member": [ALICE, {"name": "Bob"}]},
        "actor.member[1]: an Agent needs exactly one",
    ),
    ({"objectType": "Group", "member": ["bob"]}, "actor.member[0]: an Agent or Group must be"),
    (
        {"objectType": "Group", "member": [{"mbox": "mailto:b@example.org", "x": 1}]},
        "actor.member[0].x: not a property",
    ),
]


class ValidateAgentTests(SimpleTestCase):
    def test_it_accepts_every_agent_and_group_the_spec_allows(self) -> None:
        for agent in GOOD:
            with self.subTest(agent=agent):
                validate_agent(agent, "actor")

    def test_it_refuses_the_rest_and_names_the_path(self) -> None:
        for value, message in BAD:
            with self.subTest(value=value), self.assertRaises(BadRequest) as raised:
                validate_agent(value, "actor")
            self.assertIn(message, raised.exception.message)


class ParseAgentParamTests(SimpleTestCase):
    def test_it_returns_the_agent(self) -> None:
        self.assertEqual(parse_agent_param(json.dumps(ALICE)), ALICE)
        group = {"objectType": "Group", "account": ACCOUNT}
        self.assertEqual(parse_agent_param(json.dumps(group)), group)

    def test_it_refuses_what_identifies_nobody(self) -> None:
        anonymous = json.dumps({"objectType": "Group", "member": [ALICE]})
        cases = [
            ("alice", "agent: not valid JSON"),
            ("", "agent: not valid JSON"),
            ("[" * 100_000, "agent: not valid JSON"),
            ("null", "agent: an Agent or Group must be a JSON object"),
            ('{"mbox": "alice"}', "agent.mbox: must be a mailto: IRI"),
            (anonymous, "agent: an anonymous Group cannot be used here"),
        ]
        for text, message in cases:
            with self.subTest(text=text[:20]), self.assertRaises(BadRequest) as raised:
                parse_agent_param(text)
            self.assertIn(message, raised.exception.message)
