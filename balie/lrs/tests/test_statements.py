"""The Statement resource: writing (PUT, POST), idempotence, voiding, reading one statement,
queries with their filters and paging, formats, and which client sees what."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from balie.lrs.models import VOIDED, Statement, StatementAgent, StatementsNeverChange
from balie.lrs.tests.xapi import XapiTestCase, make_client

ALICE = {"objectType": "Agent", "name": "Alice", "mbox": "mailto:alice@example.org"}
BOB = {"objectType": "Agent", "account": {"homePage": "https://balie.example", "name": "bob"}}
EXPERIENCED = {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "saw"}}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
MODULE = "https://balie.example/modules/boekstart"
STEP = "https://balie.example/steps/1"


def statement(**fields: Any) -> dict[str, Any]:
    made = {
        "id": str(uuid.uuid4()),
        "actor": ALICE,
        "verb": EXPERIENCED,
        "object": {"objectType": "Activity", "id": MODULE},
    }
    made.update(fields)
    return made


def voiding(target: str, **fields: Any) -> dict[str, Any]:
    return statement(
        verb={"id": VOIDED, "display": {"en-US": "voided"}},
        object={"objectType": "StatementRef", "id": target},
        **fields,
    )


class StatementWriteTests(XapiTestCase):
    def test_put_stores_and_get_returns_it_with_what_the_lrs_adds(self):
        sent = statement()
        response = self.xapi_put(f"statements?statementId={sent['id']}", sent)
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response["X-Experience-API-Version"], "1.0.3")
        got = self.xapi_get(f"statements?statementId={sent['id']}")
        self.assertEqual(got.status_code, 200)
        body = got.json()
        self.assertEqual(body["actor"], ALICE)
        self.assertEqual(body["version"], "1.0.0")  # none given: stored as 1.0.0
        self.assertIn("stored", body)
        self.assertIn("timestamp", body)
        self.assertEqual(body["authority"], self.lrs_client.authority())
        self.assertTrue(got["X-Experience-API-Consistent-Through"])
        self.assertTrue(got["Last-Modified"])

    def test_post_one_or_a_list_returns_the_ids_in_order(self):
        one = statement()
        response = self.xapi_post("statements", one)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), [one["id"]])
        without_id = statement()
        del without_id["id"]
        two = [statement(), without_id]
        ids = self.xapi_post("statements", two).json()
        self.assertEqual(ids[0], two[0]["id"])
        self.assertEqual(len(ids), 2)
        self.assertEqual(Statement.objects.count(), 3)

    def test_same_id_same_content_is_accepted_once_other_content_is_409(self):
        sent = statement()
        del sent["id"]
        statement_id = str(uuid.uuid4())
        url = f"statements?statementId={statement_id}"
        self.assertEqual(self.xapi_put(url, sent).status_code, 204)
        self.assertEqual(self.xapi_put(url, sent).status_code, 204)  # no timestamp: still same
        again = self.xapi_post("statements", {**sent, "id": statement_id})
        self.assertEqual(again.json(), [statement_id])
        self.assertEqual(Statement.objects.filter(statement_id=statement_id).count(), 1)
        other = {**sent, "verb": {"id": COMPLETED}}
        self.assertEqual(self.xapi_put(url, other).status_code, 409)
        self.assertEqual(
            self.xapi_post("statements", {**other, "id": statement_id}).status_code, 409
        )

    def test_statement_id_parameter_and_body_id_must_agree(self):
        sent = statement()
        response = self.xapi_put(f"statements?statementId={uuid.uuid4()}", sent)
        self.assertEqual(response.status_code, 400)
        self.assertIn("statementId", response.json()["error"])
        self.assertEqual(self.xapi_put("statements", sent).status_code, 400)

    def test_the_same_id_twice_in_one_post_is_400(self):
        sent = statement()
        self.assertEqual(self.xapi_post("statements", [sent, sent]).status_code, 400)

    def test_authority_given_by_the_client_is_replaced(self):
        sent = statement(authority=BOB)
        self.xapi_post("statements", sent)
        stored = Statement.objects.get(statement_id=sent["id"]).payload
        self.assertEqual(stored["authority"], self.lrs_client.authority())

    def test_a_client_that_may_not_write_gets_403_and_one_that_may_not_read_too(self):
        _, reader = make_client(self.library, may_write=False)
        self.assertEqual(self.xapi_post("statements", statement(), auth=reader).status_code, 403)
        _, writer = make_client(self.library, may_read=False)
        self.assertEqual(self.xapi_get("statements", auth=writer).status_code, 403)

    def test_unknown_parameters_and_wrong_content_types_are_400(self):
        self.assertEqual(self.xapi_post("statements?foo=1", statement()).status_code, 400)
        put = f"statements?statementId={uuid.uuid4()}&foo=1"
        self.assertEqual(self.xapi_put(put, statement()).status_code, 400)
        self.assertEqual(self.xapi_get("statements?foo=1").status_code, 400)
        response = self.xapi_post("statements", "x", content_type="text/plain")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.xapi_post("statements", "{not json").status_code, 400)
        self.assertEqual(self.xapi_post("statements", []).status_code, 400)

    def test_a_single_context_activity_comes_back_in_a_list(self):
        parent = {"id": MODULE}
        sent = statement(context={"contextActivities": {"parent": parent}})
        self.xapi_post("statements", sent)
        got = self.xapi_get(f"statements?statementId={sent['id']}").json()
        self.assertEqual(got["context"]["contextActivities"]["parent"], [parent])
        self.assertEqual(self.xapi_post("statements", sent).status_code, 200)  # still the same

    def test_no_orm_path_changes_a_stored_statement(self):
        sent = statement()
        self.xapi_post("statements", sent)
        row = Statement.objects.get(statement_id=sent["id"])
        row.verb_id = COMPLETED
        for attempt in (
            row.save,
            row.delete,
            Statement.objects.all().delete,
            lambda: Statement.objects.update(verb_id=COMPLETED),
        ):
            with self.subTest(attempt), self.assertRaises(StatementsNeverChange):
                attempt()
        self.assertEqual(Statement.objects.get().verb_id, EXPERIENCED["id"])

    def test_deeply_nested_json_is_400_not_500(self):
        response = self.xapi_post("statements", "[" * 100000 + "]" * 100000)
        self.assertEqual(response.status_code, 400)


class VoidingTests(XapiTestCase):
    def test_a_voided_statement_is_only_found_by_voided_statement_id(self):
        target = statement()
        self.xapi_post("statements", target)
        void = voiding(target["id"])
        self.assertEqual(self.xapi_post("statements", void).status_code, 200)
        self.assertEqual(self.xapi_get(f"statements?statementId={target['id']}").status_code, 404)
        found = self.xapi_get(f"statements?voidedStatementId={target['id']}")
        self.assertEqual(found.status_code, 200)
        self.assertEqual(found.json()["id"], target["id"])
        missing = self.xapi_get(f"statements?voidedStatementId={void['id']}")
        self.assertEqual(missing.status_code, 404)  # not voided itself
        listed = [s["id"] for s in self.xapi_get("statements").json()["statements"]]
        self.assertEqual(listed, [void["id"]])
        self.assertEqual(Statement.objects.filter(statement_id=target["id"]).count(), 1)

    def test_voiding_a_voiding_statement_is_400(self):
        target = statement()
        first = voiding(target["id"])
        self.xapi_post("statements", [target, first])
        response = self.xapi_post("statements", voiding(first["id"]))
        self.assertEqual(response.status_code, 400)
        self.assertIn("voiding statement", response.json()["error"])
        in_one_batch = voiding(str(uuid.uuid4()))
        response = self.xapi_post("statements", [in_one_batch, voiding(in_one_batch["id"])])
        self.assertEqual(response.status_code, 400)

    def test_voiding_needs_a_statement_ref(self):
        wrong = statement(verb={"id": VOIDED})
        self.assertEqual(self.xapi_post("statements", wrong).status_code, 400)

    def test_voiding_a_missing_statement_is_accepted(self):
        self.assertEqual(self.xapi_post("statements", voiding(str(uuid.uuid4()))).status_code, 200)

    def test_voiding_another_organisations_statement_is_403(self):
        target = statement()
        _, other = make_client(self.other_library)
        self.xapi_post("statements", target, auth=other)
        self.assertEqual(self.xapi_post("statements", voiding(target["id"])).status_code, 403)

    def test_a_query_finds_the_voiding_statement_through_its_target(self):
        target = statement(verb={"id": COMPLETED})
        void = voiding(target["id"])
        self.xapi_post("statements", [target, void])
        found = self.xapi_get(f"statements?verb={COMPLETED}").json()["statements"]
        self.assertEqual([s["id"] for s in found], [void["id"]])


class ReadTests(XapiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.registration = str(uuid.uuid4())

    def post(self, *statements: dict[str, Any]) -> None:
        response = self.xapi_post("statements", list(statements))
        self.assertEqual(response.status_code, 200, response.content)

    def ids(self, query: str) -> list[str]:
        response = self.xapi_get("statements" + query)
        self.assertEqual(response.status_code, 200, response.content)
        return [s["id"] for s in response.json()["statements"]]

    def test_filters_by_agent_verb_activity_and_registration(self):
        a = statement()
        b = statement(actor=BOB, verb={"id": COMPLETED})
        c = statement(
            object={"objectType": "Activity", "id": STEP},
            context={
                "registration": self.registration,
                "instructor": BOB,
                "contextActivities": {"parent": [{"id": MODULE}]},
            },
        )
        self.post(a, b, c)
        alice = json.dumps({"mbox": "mailto:alice@example.org"})
        bob = json.dumps(BOB)
        self.assertEqual(self.ids(f"?agent={alice}"), [c["id"], a["id"]])
        self.assertEqual(self.ids(f"?agent={bob}"), [b["id"]])
        self.assertEqual(self.ids(f"?agent={bob}&related_agents=true"), [c["id"], b["id"]])
        self.assertEqual(self.ids(f"?verb={COMPLETED}"), [b["id"]])
        self.assertEqual(self.ids(f"?activity={MODULE}"), [b["id"], a["id"]])
        self.assertEqual(
            self.ids(f"?activity={MODULE}&related_activities=true"), [c["id"], b["id"], a["id"]]
        )
        self.assertEqual(self.ids(f"?registration={self.registration}"), [c["id"]])
        self.assertEqual(self.ids(f"?agent={alice}&verb={COMPLETED}"), [])
        self.assertEqual(self.ids("?ascending=true"), [a["id"], b["id"], c["id"]])
        listed = self.xapi_get("statements")
        self.assertTrue(listed["X-Experience-API-Consistent-Through"])
        self.assertTrue(listed["Last-Modified"])

    def test_since_and_until_use_stored(self):
        a = statement()
        self.post(a)
        stored = Statement.objects.get(statement_id=a["id"]).payload["stored"]
        self.assertEqual(self.ids(f"?until={stored.replace('+00:00', 'Z')}"), [a["id"]])
        self.assertEqual(self.ids(f"?since={stored.replace('+00:00', 'Z')}"), [])
        self.assertEqual(self.xapi_get("statements?since=yesterday").status_code, 400)

    def test_more_pages_through_the_same_query(self):
        sent = [statement() for _ in range(5)]
        self.post(*sent)
        self.post(statement(actor=BOB))
        alice = '{"mbox":"mailto:alice@example.org"}'
        first = self.xapi_get(f"statements?agent={alice}&limit=2").json()
        self.assertEqual(len(first["statements"]), 2)
        seen = [s["id"] for s in first["statements"]]
        more = first["more"]
        while more:
            self.assertTrue(more.startswith("/xapi/statements?more="))
            page = self.xapi_get(more).json()
            seen.extend(s["id"] for s in page["statements"])
            more = page["more"]
        self.assertEqual(seen, [s["id"] for s in reversed(sent)])
        _, other = make_client(self.library)
        self.assertEqual(self.xapi_get(first["more"], auth=other).status_code, 400)
        self.assertEqual(self.xapi_get("statements?more=forged").status_code, 400)

    def test_limit_zero_means_the_server_maximum_and_bad_values_are_400(self):
        self.post(statement(), statement())
        self.assertEqual(len(self.ids("?limit=0")), 2)
        self.assertEqual(self.xapi_get("statements?limit=-1").status_code, 400)
        self.assertEqual(self.xapi_get("statements?ascending=yes").status_code, 400)
        self.assertEqual(self.xapi_get("statements?format=full").status_code, 400)
        self.assertEqual(self.xapi_get("statements?verb=completed").status_code, 400)
        self.assertEqual(self.xapi_get("statements?agent={}").status_code, 400)
        self.assertEqual(self.xapi_get("statements?registration=1").status_code, 400)

    def test_statement_id_goes_only_with_attachments_and_format(self):
        a = statement()
        self.post(a)
        url = f"statements?statementId={a['id']}"
        self.assertEqual(self.xapi_get(url + "&format=ids").status_code, 200)
        self.assertEqual(self.xapi_get(url + "&verb=" + COMPLETED).status_code, 400)
        both = f"{url}&voidedStatementId={a['id']}"
        self.assertEqual(self.xapi_get(both).status_code, 400)
        self.assertEqual(self.xapi_get("statements?statementId=nope").status_code, 400)

    def test_formats_ids_and_canonical(self):
        a = statement(
            verb={"id": COMPLETED, "display": {"en-US": "completed", "nl-NL": "voltooid"}},
            object={
                "objectType": "Activity",
                "id": MODULE,
                "definition": {"name": {"en": "BoekStart", "nl": "BoekStart (nl)"}},
            },
        )
        self.post(a)
        url = f"statements?statementId={a['id']}"
        ids = self.xapi_get(url + "&format=ids").json()
        self.assertEqual(ids["actor"], {"objectType": "Agent", "mbox": ALICE["mbox"]})
        self.assertEqual(ids["verb"], {"id": COMPLETED})
        self.assertEqual(ids["object"], {"id": MODULE})  # only the id (Communication 2.1.3.s1)
        canonical = self.xapi_get(
            url + "&format=canonical", HTTP_ACCEPT_LANGUAGE="nl-NL, en;q=0.5"
        ).json()
        self.assertEqual(canonical["verb"]["display"], {"nl-NL": "voltooid"})
        self.assertEqual(canonical["object"]["definition"]["name"], {"nl": "BoekStart (nl)"})
        self.assertEqual(canonical["actor"], ALICE)
        exact = self.xapi_get(url).json()
        self.assertEqual(exact["verb"]["display"], a["verb"]["display"])

    def test_a_client_sees_its_organisation_and_those_under_it(self):
        library_statement = statement()
        self.post(library_statement)
        _, other = make_client(self.other_library)
        self.assertEqual(self.ids(""), [library_statement["id"]])
        _, poi = make_client(self.poi)
        found = self.xapi_get("statements", auth=poi).json()["statements"]
        self.assertEqual([s["id"] for s in found], [library_statement["id"]])
        self.assertEqual(self.xapi_get("statements", auth=other).json()["statements"], [])
        single = f"statements?statementId={library_statement['id']}"
        self.assertEqual(self.xapi_get(single, auth=other).status_code, 404)
        _, branch = make_client(self.branch)
        self.assertEqual(self.xapi_get(single, auth=branch).status_code, 404)

    def test_a_reference_chain_matches_through_its_target(self):
        target = statement(verb={"id": COMPLETED})
        refer = statement(actor=BOB, object={"objectType": "StatementRef", "id": target["id"]})
        chain = statement(actor=BOB, object={"objectType": "StatementRef", "id": refer["id"]})
        self.post(target, refer, chain)
        self.post(statement())
        self.assertEqual(self.ids(f"?verb={COMPLETED}"), [chain["id"], refer["id"], target["id"]])

    def test_the_query_count_of_a_page_does_not_grow_with_its_statements(self):
        alice = '{"mbox":"mailto:alice@example.org"}'
        self.post(statement())
        self.xapi_get("statements")  # the client's last_used_at is written once
        with CaptureQueriesContext(connection) as few:
            self.ids(f"?agent={alice}&limit=50")
        self.post(*[statement() for _ in range(30)])
        with CaptureQueriesContext(connection) as many:
            found = self.ids(f"?agent={alice}&limit=50")
        self.assertEqual(len(found), 31)
        self.assertEqual(len(few), len(many))
        self.assertLessEqual(len(many), 5)


class ValidationTests(XapiTestCase):
    """Each invalid statement is a 400 that names the offending field."""

    INVALID: list[tuple[str, dict[str, Any], str]] = [
        ("unknown top-level property", {"foo": 1}, "foo"),
        ("null value", {"result": {"response": None}}, "result.response"),
        ("id not a UUID", {"id": "123"}, "id"),
        ("no actor", {"actor": None}, "actor"),
        ("verb id not an IRI", {"verb": {"id": "completed"}}, "verb.id"),
        ("verb display not a language map", {"verb": {"id": COMPLETED, "display": "x"}}, ""),
        ("bad language tag", {"verb": {"id": COMPLETED, "display": {"12345678901": "x"}}}, ""),
        ("verb unknown property", {"verb": {"id": COMPLETED, "name": {}}}, "verb.name"),
        ("activity id not an IRI", {"object": {"id": "step 1"}}, "object.id"),
        ("unknown objectType", {"object": {"objectType": "Thing", "id": MODULE}}, "objectType"),
        ("agent object without objectType", {"object": {"mbox": "mailto:a@b.c"}}, "object"),
        ("statement ref id", {"object": {"objectType": "StatementRef", "id": "x"}}, "object.id"),
        ("agent with two identifiers", {"actor": {**ALICE, "openid": "http://a.example"}}, ""),
        ("bad mbox", {"actor": {"mbox": "alice@example.org"}}, "actor.mbox"),
        ("bad timestamp", {"timestamp": "29-11-2026"}, "timestamp"),
        ("timestamp -00:00", {"timestamp": "2026-11-29T10:00:00.000-00:00"}, "timestamp"),
        ("version 2", {"version": "2.0.0"}, "version"),
        ("scaled above 1", {"result": {"score": {"scaled": 1.5}}}, "scaled"),
        ("raw above max", {"result": {"score": {"raw": 11, "min": 0, "max": 10}}}, "raw"),
        ("min above max", {"result": {"score": {"min": 5, "max": 1}}}, "max"),
        ("success not boolean", {"result": {"success": "yes"}}, "success"),
        ("bad duration", {"result": {"duration": "1 hour"}}, "duration"),
        ("extension key not an IRI", {"result": {"extensions": {"key": 1}}}, "extensions"),
        ("registration not a UUID", {"context": {"registration": "r1"}}, "registration"),
        ("team not a group", {"context": {"team": ALICE}}, "team"),
        ("bad context activity", {"context": {"contextActivities": {"parent": {"id": "x"}}}}, ""),
        ("unknown context activities key", {"context": {"contextActivities": {"x": []}}}, "x"),
        ("bad context language", {"context": {"language": "not a tag"}}, "language"),
        (
            "authority group of three",
            {"authority": {"objectType": "Group", "member": [ALICE] * 3}},
            "",
        ),
        (
            "revision with an agent object",
            {"object": BOB, "context": {"revision": "1"}},
            "revision",
        ),
        (
            "interaction list without interactionType",
            {"object": {"id": STEP, "definition": {"choices": []}}},
            "interactionType",
        ),
        (
            "unknown interactionType",
            {"object": {"id": STEP, "definition": {"interactionType": "essay"}}},
            "interactionType",
        ),
        (
            "scale on a choice interaction",
            {"object": {"id": STEP, "definition": {"interactionType": "choice", "scale": []}}},
            "scale",
        ),
        (
            "duplicate choice ids",
            {
                "object": {
                    "id": STEP,
                    "definition": {
                        "interactionType": "choice",
                        "choices": [{"id": "a"}, {"id": "a"}],
                    },
                }
            },
            "choices[1]",
        ),
        (
            "correctResponsesPattern not strings",
            {
                "object": {
                    "id": STEP,
                    "definition": {"interactionType": "true-false", "correctResponsesPattern": [1]},
                }
            },
            "correctResponsesPattern",
        ),
        (
            "substatement in a substatement",
            {
                "object": {
                    "objectType": "SubStatement",
                    "actor": ALICE,
                    "verb": EXPERIENCED,
                    "object": {
                        "objectType": "SubStatement",
                        "actor": ALICE,
                        "verb": EXPERIENCED,
                        "object": {"id": MODULE},
                    },
                }
            },
            "SubStatement",
        ),
        (
            "substatement with an id",
            {
                "object": {
                    "objectType": "SubStatement",
                    "id": str(uuid.uuid4()),
                    "actor": ALICE,
                    "verb": EXPERIENCED,
                    "object": {"id": MODULE},
                }
            },
            "object.id",
        ),
        (
            "attachment without sha2",
            {
                "attachments": [
                    {
                        "usageType": "http://example.org/usage",
                        "display": {"en": "x"},
                        "contentType": "text/plain",
                        "length": 1,
                    }
                ]
            },
            "sha2",
        ),
        (
            "attachment length negative",
            {
                "attachments": [
                    {
                        "usageType": "http://example.org/usage",
                        "display": {"en": "x"},
                        "contentType": "text/plain",
                        "length": -1,
                        "sha2": "a" * 64,
                        "fileUrl": "https://example.org/f",
                    }
                ]
            },
            "length",
        ),
    ]

    def test_each_invalid_statement_is_400_naming_the_field(self):
        for name, change, field in self.INVALID:
            with self.subTest(name):
                sent = statement(**change)
                sent = {k: v for k, v in sent.items() if v is not None or k != "actor"}
                response = self.xapi_post("statements", sent)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json()["error"])
        self.assertEqual(Statement.objects.count(), 0)

    def test_valid_rich_statements_are_accepted(self):
        rich = statement(
            actor={"objectType": "Group", "member": [ALICE, BOB]},
            object={
                "objectType": "Activity",
                "id": STEP,
                "definition": {
                    "name": {"nl-NL": "Kennisvraag"},
                    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                    "interactionType": "choice",
                    "correctResponsesPattern": ["b"],
                    "choices": [{"id": "a", "description": {"nl": "A"}}, {"id": "b"}],
                    "extensions": {"https://balie.example/x": None},
                },
            },
            result={
                "score": {"scaled": -0.5, "raw": 2, "min": 0, "max": 4},
                "success": False,
                "completion": True,
                "response": "a",
                "duration": "PT1M30.5S",
            },
            context={
                "registration": str(uuid.uuid4()),
                "team": {"objectType": "Group", "name": "Team", "mbox": "mailto:t@example.org"},
                "contextActivities": {"parent": {"id": MODULE}, "category": [{"id": MODULE}]},
                "revision": "2",
                "platform": "Balie",
                "language": "nl-NL",
                "statement": {"objectType": "StatementRef", "id": str(uuid.uuid4())},
            },
            timestamp="2026-11-29T10:00:00.123+01:00",
            version="1.0.3",
        )
        sub = statement(
            object={
                "objectType": "SubStatement",
                "actor": BOB,
                "verb": EXPERIENCED,
                "object": {"objectType": "Activity", "id": MODULE},
                "timestamp": "2026-11-29T10:00:00Z",
            }
        )
        response = self.xapi_post("statements", [rich, sub])
        self.assertEqual(response.status_code, 200, response.content)
        stored = self.xapi_get(f"statements?statementId={rich['id']}").json()
        self.assertEqual(stored["version"], "1.0.3")
        self.assertEqual(stored["timestamp"], rich["timestamp"])
        self.assertEqual(stored["result"], rich["result"])

    def test_statement_ids_are_compared_without_case(self):
        sent = statement()
        upper = copy.deepcopy(sent)
        upper["id"] = sent["id"].upper()
        self.xapi_post("statements", sent)
        self.assertEqual(self.xapi_post("statements", upper).status_code, 200)
        self.assertEqual(StatementAgent.objects.filter(relation="direct").count(), 1)
