"""Requirements of xAPI 1.0.3 that an earlier version missed, one test each, named by the
requirement: the Consistent-Through header, documents that are never rendered, the type of
interactionType, the Alternate Request Syntax without a Content-Type field, format=ids,
attachments with a fileUrl, a Group as authority and merged Activity definitions."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext

from balie.lrs.tests.test_statements import ALICE, MODULE, statement
from balie.lrs.tests.test_statements_attachments import body
from balie.lrs.tests.xapi import XapiTestCase

ACTIVITY_STATE = "activities/state?" + urlencode(
    {"activityId": MODULE, "agent": json.dumps(ALICE), "stateId": "page"}
)
CONSUMER = {"account": {"homePage": "https://lrs.example/OAuth/Token", "name": "consumer-x75"}}


class ConsistentThroughTests(XapiTestCase):
    """Communication 2.1.3.s2.b5: on all responses to Statement resource requests."""

    def assert_header(self, response, status: int) -> None:
        self.assertEqual(response.status_code, status, response.content)
        self.assertTrue(response["X-Experience-API-Consistent-Through"])

    def test_on_writes_and_on_errors_of_the_statement_resource(self):
        sent = statement()
        self.assert_header(self.xapi_put(f"statements?statementId={sent['id']}", sent), 204)
        self.assert_header(self.xapi_post("statements", statement()), 200)
        self.assert_header(self.xapi_post("statements", {"actor": ALICE}), 400)
        self.assert_header(self.xapi_get("statements?statementId=x"), 400)
        self.assert_header(self.xapi_get("statements", auth="Basic !!!"), 401)
        self.assert_header(self.xapi_delete("statements"), 405)
        self.assert_header(self.client.options("/xapi/statements"), 204)


class NeverRenderedTests(XapiTestCase):
    """A document is returned as stored (Communication 2.2), but no response of /xapi/ is ever
    a page on Balie's domain: a download, not sniffed, in a sandbox without permissions."""

    def assert_not_rendered(self, response) -> None:
        self.assertEqual(response["Content-Disposition"], "attachment")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Security-Policy"], "sandbox; default-src 'none'")

    def test_an_html_document_comes_back_as_stored_but_as_a_download(self):
        page = b"<script>alert(document.cookie)</script>"
        stored = self.xapi_put(ACTIVITY_STATE, page, content_type="text/html")
        self.assertEqual(stored.status_code, 204)
        got = self.xapi_get(ACTIVITY_STATE)
        self.assertEqual(got.content, page)
        self.assertEqual(got["Content-Type"], "text/html")
        self.assert_not_rendered(got)

    def test_every_resource_and_every_answer(self):
        for response in (
            self.client.get("/xapi/about"),
            self.xapi_get("statements"),
            self.xapi_get("statements?statementId=x"),
            self.xapi_get("activities?" + urlencode({"activityId": MODULE})),
            self.xapi_get("agents?" + urlencode({"agent": json.dumps(ALICE)})),
            self.xapi_get("statements", auth="Basic !!!"),
            self.client.options("/xapi/activities/state"),
        ):
            with self.subTest(response.request["PATH_INFO"], status=response.status_code):
                self.assert_not_rendered(response)


class InteractionTypeTests(XapiTestCase):
    def test_an_interaction_type_that_is_no_string_is_a_400(self):
        """Data 2.4.4.1.s8: interactionType is a String of the ten values."""
        for odd in ({"type": "choice"}, ["choice"], 1, True):
            with self.subTest(odd):
                sent = statement(
                    object={"id": MODULE, "definition": {"interactionType": odd}},
                )
                response = self.xapi_post("statements", sent)
                self.assertEqual(response.status_code, 400)
                self.assertIn("interactionType", response.json()["error"])


class AlternateSyntaxTests(XapiTestCase):
    def alternate_put(self, **fields: str):
        sent = statement()
        form = {
            "Authorization": self.auth,
            "X-Experience-API-Version": "1.0.3",
            "statementId": sent["id"],
            "content": json.dumps(sent),
            **fields,
        }
        response = self.client.post(
            "/xapi/statements?method=PUT",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
        )
        return response, sent

    def test_a_form_without_content_type_is_json(self):
        """Communication 1.3.s3.b10: the Content-Type form field is a SHOULD*."""
        response, sent = self.alternate_put()
        self.assertEqual(response.status_code, 204, response.content)
        self.assertEqual(self.xapi_get(f"statements?statementId={sent['id']}").status_code, 200)

    def test_a_content_length_field_is_a_header(self):
        """Communication 1.3.s3.b7: Content-Length is one of the header fields."""
        response, _ = self.alternate_put(**{"Content-Length": "120"})
        self.assertEqual(response.status_code, 204, response.content)


class FormatIdsTests(XapiTestCase):
    def test_ids_keeps_an_activitys_id_and_an_agents_identifier(self):
        """Communication 2.1.3.s1 (format): only what identifies Agents, Activities, Verbs and
        Groups; for an anonymous Group, its members' identifiers."""
        team = {"objectType": "Group", "name": "Team", "member": [ALICE]}
        sent = statement(
            actor=team,
            object={"objectType": "Activity", "id": MODULE, "definition": {"name": {"nl": "M"}}},
            context={
                "instructor": {"name": "Bob", "mbox": "mailto:bob@example.org"},
                "contextActivities": {"parent": {"objectType": "Activity", "id": MODULE + "/p"}},
            },
        )
        self.xapi_post("statements", sent)
        got = self.xapi_get(f"statements?statementId={sent['id']}&format=ids").json()
        self.assertEqual(got["object"], {"id": MODULE})
        self.assertEqual(got["context"]["contextActivities"], {"parent": [{"id": MODULE + "/p"}]})
        self.assertEqual(
            got["actor"],
            {"objectType": "Group", "member": [{"objectType": "Agent", "mbox": ALICE["mbox"]}]},
        )
        self.assertEqual(
            got["context"]["instructor"], {"objectType": "Agent", "mbox": "mailto:bob@example.org"}
        )


class AttachmentWithFileUrlTests(XapiTestCase):
    def test_attachments_true_includes_the_stored_bytes_of_one_with_a_file_url(self):
        """Communication 2.1.3.s2.b6: attachments=true includes all attachments."""
        content = b"a certificate"
        sha2 = hashlib.sha256(content).hexdigest()
        sent = statement(
            attachments=[
                {
                    "usageType": "http://example.com/attachment-usage/certificate",
                    "display": {"en-US": "certificate"},
                    "contentType": "text/plain",
                    "length": len(content),
                    "sha2": sha2,
                    "fileUrl": "https://files.example/certificate.txt",
                }
            ]
        )
        part = {"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary"}
        payload, content_type = body([sent], [({**part, "X-Experience-API-Hash": sha2}, content)])
        self.assertEqual(
            self.xapi_post("statements", payload, content_type=content_type).status_code, 200
        )
        got = self.xapi_get(f"statements?statementId={sent['id']}&attachments=true")
        self.assertTrue(got["Content-Type"].startswith("multipart/mixed"))
        self.assertIn(content, got.content)
        self.assertIn(f"X-Experience-API-Hash: {sha2}".encode(), got.content)


class GroupAuthorityTests(XapiTestCase):
    def test_a_group_is_an_authority_only_as_an_oauth_pair(self):
        """Data 2.4.9.s3.b1: an Agent, or in 3-legged OAuth a Group of two Agents; the OAuth
        consumer is identified by an account (2.4.9.s7.b2)."""
        two_people = {
            "objectType": "Group",
            "mbox": "mailto:group@example.org",
            "member": [ALICE, {"mbox": "mailto:bob@example.org"}],
        }
        three = {"objectType": "Group", "member": [CONSUMER, ALICE, {"mbox": "mailto:c@x.org"}]}
        for authority in (two_people, three, {"objectType": "Group", "member": [CONSUMER]}):
            with self.subTest(authority):
                response = self.xapi_post("statements", statement(authority=authority))
                self.assertEqual(response.status_code, 400)
        pair = {"objectType": "Group", "member": [CONSUMER, ALICE]}
        self.assertEqual(self.xapi_post("statements", statement(authority=pair)).status_code, 200)


class DefinitionMergeTests(XapiTestCase):
    def test_a_later_definition_adds_its_languages_to_the_stored_ones(self):
        """Data 2.4.4.1.s4.b3 (update the canonical definition) with 3.2.s4.b3 (preserve
        names not included): language maps merge, other properties are replaced."""
        first = {
            "name": {"en-US": "Storytime", "nl-NL": "Voorlezen (oud)"},
            "description": {"en-US": "Reading aloud"},
            "type": "http://adlnet.gov/expapi/activities/module",
        }
        later = {
            "name": {"nl-NL": "Voorlezen"},
            "type": "http://adlnet.gov/expapi/activities/lesson",
        }
        self.xapi_post("statements", statement(object={"id": MODULE, "definition": first}))
        self.xapi_post("statements", statement(object={"id": MODULE, "definition": later}))
        got = self.xapi_get("activities?" + urlencode({"activityId": MODULE})).json()
        self.assertEqual(
            got["definition"],
            {
                "name": {"en-US": "Storytime", "nl-NL": "Voorlezen"},
                "description": {"en-US": "Reading aloud"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
            },
        )

    def test_definitions_in_one_batch_merge_too(self):
        batch = [
            statement(object={"id": MODULE, "definition": {"name": {"en": "Storytime"}}}),
            statement(object={"id": MODULE, "definition": {"name": {"nl": "Voorlezen"}}}),
        ]
        self.xapi_post("statements", batch)
        got = self.xapi_get("activities?" + urlencode({"activityId": MODULE})).json()
        self.assertEqual(got["definition"]["name"], {"en": "Storytime", "nl": "Voorlezen"})

    def test_a_definition_as_stored_is_not_written_again(self):
        """Most statements repeat their activity's definition: no write, so no row lock that
        makes concurrent requests wait for each other. A new language is written."""
        definition = {"name": {"nl-NL": "Voorlezen"}}
        sent = statement(object={"id": MODULE, "definition": definition})
        self.xapi_post("statements", sent)

        def writes(sent: dict) -> list[str]:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.xapi_post("statements", sent).status_code, 200)
            return [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "lrs_activity"')]

        self.assertEqual(writes(statement(object={"id": MODULE, "definition": definition})), [])
        more = {"name": {"en-US": "Storytime"}}
        self.assertEqual(len(writes(statement(object={"id": MODULE, "definition": more}))), 1)
        got = self.xapi_get("activities?" + urlencode({"activityId": MODULE})).json()
        self.assertEqual(got["definition"]["name"], {"nl-NL": "Voorlezen", "en-US": "Storytime"})


class NulCharacterTests(XapiTestCase):
    """U+0000 is valid UTF-8 (Communication 1.4) but PostgreSQL stores it in no text or JSON:
    a 400 that says so, on both databases, never a 500."""

    def test_in_a_statement_also_inside_extensions(self):
        for sent in (
            statement(actor={**ALICE, "name": "A\u0000"}),
            statement(result={"extensions": {"https://balie.example/ext": ["\u0000"]}}),
            statement(result={"extensions": {"https://balie.example/ext": {"k\u0000": 1}}}),
        ):
            with self.subTest(sent):
                response = self.xapi_post("statements", sent)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("U+0000", response.json()["error"])

    def test_in_a_parameter(self):
        state = "activities/state?" + urlencode(
            {"activityId": MODULE, "agent": json.dumps(ALICE), "stateId": "a\u0000"}
        )
        self.assertEqual(self.xapi_put(state, b"{}").status_code, 400)
        self.assertEqual(self.xapi_get("statements?verb=http://x.org/\u0000").status_code, 400)
