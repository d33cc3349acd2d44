"""The Activities and Agents resources: what the organisation's statements say about an
activity or an agent, and nothing of another organisation's."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext

from balie.lrs.models import Activity
from balie.lrs.store import digest, store
from balie.lrs.tests.xapi import XapiTestCase, make_client

ACTIVITY = "https://balie.example/xapi/activities/boekstart"
DEFINITION = {
    "name": {"nl": "BoekStart", "en": "BookStart"},
    "type": "http://adlnet.gov/expapi/activities/module",
}
ALICE = "mailto:alice@example.org"
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://balie.example", "name": "lrs"}}
EXPERIENCED = {"id": "http://adlnet.gov/expapi/verbs/experienced"}


def activities(**params: str) -> str:
    return "activities?" + urlencode(params)


def agents(agent: dict[str, Any] | str) -> str:
    return "agents?" + urlencode({"agent": agent if isinstance(agent, str) else json.dumps(agent)})


def statement(actor: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"actor": actor, "verb": EXPERIENCED, "object": {"id": ACTIVITY}, **extra}


class ActivitiesTests(XapiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_client, cls.other_auth = make_client(cls.other_library)
        Activity.objects.create(
            organisation=cls.library,
            activity_id=ACTIVITY,
            activity_hash=digest(ACTIVITY),
            definition=DEFINITION,
        )

    def test_it_returns_the_canonical_definition(self) -> None:
        response = self.xapi_get(activities(activityId=ACTIVITY))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(), {"objectType": "Activity", "id": ACTIVITY, "definition": DEFINITION}
        )
        self.assertTrue(response["ETag"].startswith('"'))

    def test_an_unknown_activity_is_just_its_id(self) -> None:
        other = "https://balie.example/xapi/activities/onbekend"
        response = self.xapi_get(activities(activityId=other))
        self.assertEqual(response.json(), {"objectType": "Activity", "id": other})

    def test_another_organisations_definition_is_not_shown(self) -> None:
        response = self.xapi_get(activities(activityId=ACTIVITY), auth=self.other_auth)
        self.assertEqual(response.json(), {"objectType": "Activity", "id": ACTIVITY})

    def test_it_names_what_is_wrong(self) -> None:
        cases = [
            (activities(), "the activityId parameter is missing"),
            (activities(activityId="boekstart"), "activityId: must be an IRI"),
            (activities(activityId=ACTIVITY, since="2025-01-01"), "unknown parameter 'since'"),
        ]
        for url, message in cases:
            with self.subTest(url=url):
                response = self.xapi_get(url)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.json()["error"])
        self.assertEqual(self.xapi_put(activities(activityId=ACTIVITY), {}).status_code, 405)


class AgentsTests(XapiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_client, cls.other_auth = make_client(cls.other_library)
        team = {"objectType": "Group", "name": "Team", "member": [{"name": "A.", "mbox": ALICE}]}
        store(
            [
                statement({"name": "Alice de Vries", "mbox": ALICE}),
                statement({"objectType": "Agent", "name": "Alice", "mbox": ALICE.upper()}),
                statement(team),
                statement({"name": "Alice de Vries", "mbox": ALICE}),
                statement(
                    {"mbox": "mailto:bob@example.org"},
                    context={"instructor": {"name": "Ms Alice", "mbox": ALICE}},
                ),
            ],
            organisation=cls.library,
            authority=AUTHORITY,
        )
        store(
            [statement({"name": "Not this Alice", "mbox": ALICE})],
            organisation=cls.other_library,
            authority=AUTHORITY,
        )

    def test_it_combines_the_names_the_statements_gave(self) -> None:
        response = self.xapi_get(agents({"mbox": ALICE}))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "objectType": "Person",
                "name": ["Ms Alice", "Alice de Vries", "A.", "Alice"],
                "mbox": [ALICE],
            },
        )
        self.assertEqual(response["ETag"].count('"'), 2)

    def test_the_given_name_comes_first(self) -> None:
        response = self.xapi_get(agents({"objectType": "Agent", "name": "Alice", "mbox": ALICE}))
        self.assertEqual(response.json()["name"][:2], ["Alice", "Ms Alice"])

    def test_an_unknown_agent_is_a_person_with_its_identifier(self) -> None:
        account = {"homePage": "https://balie.example", "name": "x-9"}
        response = self.xapi_get(agents({"account": account}))
        self.assertEqual(response.json(), {"objectType": "Person", "account": [account]})

    def test_another_organisation_sees_only_its_own_statements(self) -> None:
        response = self.xapi_get(agents({"mbox": ALICE}), auth=self.other_auth)
        self.assertEqual(response.json()["name"], ["Not this Alice"])

    def test_it_names_what_is_wrong(self) -> None:
        group = {"objectType": "Group", "mbox": "mailto:team@example.org"}
        cases = [
            ("agents", "the agent parameter is missing"),
            (agents("{"), "agent: not valid JSON"),
            (agents({"mbox": "alice"}), "agent.mbox: must be a mailto: IRI"),
            (agents(group), "agent: must be an Agent, not a Group"),
            (agents({"mbox": ALICE}) + "&limit=1", "unknown parameter 'limit'"),
        ]
        for url, message in cases:
            with self.subTest(url=url):
                response = self.xapi_get(url)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.json()["error"])

    def test_its_queries_do_not_grow_with_the_statements(self) -> None:
        bob = "mailto:bob@example.org"

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.xapi_get(agents({"mbox": bob})).status_code, 200)
            return len(captured)

        store([statement({"mbox": bob})], organisation=self.library, authority=AUTHORITY)
        queries()  # the first request of a client also notes when it was last used
        few = queries()
        store(
            [statement({"name": f"Bob {n}", "mbox": bob}) for n in range(80)],
            organisation=self.library,
            authority=AUTHORITY,
        )
        self.assertEqual(queries(), few)
        self.assertEqual(few, 1)  # the names (the client comes from the cache)
        names = self.xapi_get(agents({"mbox": bob})).json()["name"]
        self.assertEqual(len(names), 50)  # the most recent statements only
        self.assertEqual(names[0], "Bob 79")
