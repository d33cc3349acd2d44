"""The State, Activity Profile and Agent Profile resources: storing, merging, listing and
deleting documents, ETag concurrency (also between two connections at once), the parameters,
and one organisation never seeing another's documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from unittest import skipUnless
from unittest.mock import patch
from urllib.parse import urlencode

import time_machine
from django.db import connection
from django.test import Client, TransactionTestCase

from balie.lrs import documents
from balie.lrs.models import Document
from balie.lrs.tests.xapi import VERSION, XapiTestCase, make_client
from balie.orgs.actions import create_organisation
from balie.orgs.models import Organisation
from balie.testing import at_once

ACTIVITY = "https://balie.example/xapi/activities/boekstart"
AGENT = {"objectType": "Agent", "account": {"homePage": "https://balie.example", "name": "l-1"}}
REGISTRATION = "9e1b8a2c-6f0e-4f5c-a6a0-3b0b3a0f7d11"


def state(**params: str) -> str:
    return "activities/state?" + urlencode(
        {"activityId": ACTIVITY, "agent": json.dumps(AGENT), **params}
    )


def activity_profile(**params: str) -> str:
    return "activities/profile?" + urlencode({"activityId": ACTIVITY, **params})


def agent_profile(**params: str) -> str:
    return "agents/profile?" + urlencode({"agent": json.dumps(AGENT), **params})


def etag(content: bytes) -> str:
    return '"' + hashlib.sha1(content, usedforsecurity=False).hexdigest() + '"'


class StateTests(XapiTestCase):
    def test_it_stores_a_document_and_returns_it_with_its_etag(self) -> None:
        put = self.xapi_put(state(stateId="bookmark"), b"page 7", content_type="text/plain")
        self.assertEqual(put.status_code, 204)
        response = self.xapi_get(state(stateId="bookmark"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"page 7")
        self.assertEqual(response["Content-Type"], "text/plain")
        self.assertEqual(response["ETag"], etag(b"page 7"))
        self.assertIn("GMT", response["Last-Modified"])
        self.assertEqual(response["X-Experience-API-Version"], "1.0.3")

    def test_it_answers_404_for_a_missing_document(self) -> None:
        response = self.xapi_get(state(stateId="nothing"))
        self.assertEqual(response.status_code, 404)

    def test_a_put_replaces_the_document(self) -> None:
        self.xapi_put(state(stateId="s"), {"a": 1})
        self.assertEqual(self.xapi_put(state(stateId="s"), {"b": 2}).status_code, 204)
        self.assertEqual(self.xapi_get(state(stateId="s")).json(), {"b": 2})
        self.assertEqual(Document.objects.count(), 1)

    def test_it_lists_the_ids_stored_since_a_moment(self) -> None:
        with time_machine.travel(dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC), tick=False):
            self.xapi_put(state(stateId="early"), {"a": 1})
        with time_machine.travel(dt.datetime(2025, 3, 1, 11, tzinfo=dt.UTC), tick=False):
            self.xapi_put(state(stateId="late"), {"a": 1})
        everything = self.xapi_get(state())
        self.assertEqual(everything.json(), ["early", "late"])
        self.assertEqual(everything["ETag"], etag(everything.content))
        since = self.xapi_get(state(since="2025-03-01T10:00:00Z"))
        self.assertEqual(since.json(), ["late"])
        exclusive = self.xapi_get(state(since="2025-03-01T11:00:00+00:00"))
        self.assertEqual(exclusive.json(), [])

    def test_a_registration_keeps_documents_apart(self) -> None:
        self.xapi_put(state(stateId="s", registration=REGISTRATION), {"with": True})
        self.xapi_put(state(stateId="s"), {"with": False})
        self.xapi_put(state(stateId="other"), {"with": False})
        self.assertEqual(self.xapi_get(state(stateId="s")).json(), {"with": False})
        with_registration = self.xapi_get(state(stateId="s", registration=REGISTRATION.upper()))
        self.assertEqual(with_registration.json(), {"with": True})
        self.assertEqual(self.xapi_get(state(registration=REGISTRATION)).json(), ["s"])
        self.assertEqual(self.xapi_get(state()).json(), ["other", "s"])

    def test_a_post_merges_json_objects(self) -> None:
        self.xapi_put(state(stateId="s"), {"a": 1, "b": 1})
        before = self.xapi_get(state(stateId="s"))["ETag"]
        response = self.xapi_post(state(stateId="s"), {"b": 2, "c": 3})
        self.assertEqual(response.status_code, 204)
        after = self.xapi_get(state(stateId="s"))
        self.assertEqual(after.json(), {"a": 1, "b": 2, "c": 3})
        self.assertEqual(after["Content-Type"], "application/json")
        self.assertNotEqual(after["ETag"], before)

    def test_a_post_creates_a_missing_document(self) -> None:
        self.assertEqual(self.xapi_post(state(stateId="s"), {"a": 1}).status_code, 204)
        self.assertEqual(self.xapi_get(state(stateId="s")).json(), {"a": 1})

    def test_a_post_refuses_what_is_not_a_json_object(self) -> None:
        self.xapi_put(state(stateId="text"), b"plain", content_type="text/plain")
        self.xapi_put(state(stateId="json"), {"a": 1})
        cases = [
            ("text", {"a": 2}, "application/json", "the stored document is not application/json"),
            ("json", b"plain", "text/plain", "the posted document is not application/json"),
            ("json", [1, 2], "application/json", "the posted document is not a JSON object"),
            ("json", b"{not json", "application/json", "the posted document is not valid JSON"),
            ("json", b"[" * 100_000, "application/json", "not valid JSON"),
            ("new", b"plain", "text/plain", "the posted document is not application/json"),
        ]
        for state_id, body, content_type, message in cases:
            with self.subTest(state_id=state_id, content_type=content_type):
                response = self.xapi_post(state(stateId=state_id), body, content_type=content_type)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.json()["error"])
        self.assertEqual(self.xapi_get(state(stateId="json")).json(), {"a": 1})
        self.assertEqual(self.xapi_get(state(stateId="text")).content, b"plain")
        self.assertEqual(self.xapi_get(state(stateId="new")).status_code, 404)

    def test_it_deletes_one_document(self) -> None:
        self.xapi_put(state(stateId="a"), {"a": 1})
        self.xapi_put(state(stateId="b"), {"b": 1})
        self.assertEqual(self.xapi_delete(state(stateId="a")).status_code, 204)
        self.assertEqual(self.xapi_get(state()).json(), ["b"])
        self.assertEqual(self.xapi_delete(state(stateId="a")).status_code, 204)

    def test_it_deletes_all_documents_in_scope(self) -> None:
        self.xapi_put(state(stateId="a", registration=REGISTRATION), {"a": 1})
        self.xapi_put(state(stateId="b", registration=REGISTRATION), {"b": 1})
        self.xapi_put(state(stateId="c"), {"c": 1})
        self.xapi_put(state(stateId="c").replace("l-1", "l-2"), {"c": 1})
        self.assertEqual(self.xapi_delete(state(registration=REGISTRATION)).status_code, 204)
        self.assertEqual(self.xapi_get(state()).json(), ["c"])
        self.assertEqual(self.xapi_delete(state()).status_code, 204)
        self.assertEqual(self.xapi_get(state()).json(), [])
        self.assertEqual(Document.objects.count(), 1)  # the other agent's

    def test_if_match_guards_every_write(self) -> None:
        self.xapi_put(state(stateId="s"), {"v": 1})
        current = self.xapi_get(state(stateId="s"))["ETag"]
        stale = etag(b"something else")
        for method in ("PUT", "POST", "DELETE"):
            with self.subTest(method=method):
                response = self.xapi(method, state(stateId="s"), {"v": 9}, HTTP_IF_MATCH=stale)
                self.assertEqual(response.status_code, 412)
                self.assertIn("If-Match", response.json()["error"])
        self.assertEqual(self.xapi_get(state(stateId="s")).json(), {"v": 1})
        response = self.xapi_put(state(stateId="s"), {"v": 2}, HTTP_IF_MATCH=f"{stale}, {current}")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.xapi_get(state(stateId="s")).json(), {"v": 2})
        missing = self.xapi_put(state(stateId="new"), {"v": 1}, HTTP_IF_MATCH="*")
        self.assertEqual(missing.status_code, 412)

    def test_if_none_match_creates_only(self) -> None:
        first = self.xapi_put(state(stateId="s"), {"v": 1}, HTTP_IF_NONE_MATCH="*")
        self.assertEqual(first.status_code, 204)
        again = self.xapi_put(state(stateId="s"), {"v": 2}, HTTP_IF_NONE_MATCH="*")
        self.assertEqual(again.status_code, 412)
        self.assertEqual(self.xapi_get(state(stateId="s")).json(), {"v": 1})

    def test_a_state_put_without_a_precondition_replaces(self) -> None:
        self.xapi_put(state(stateId="s"), {"v": 1})
        self.assertEqual(self.xapi_put(state(stateId="s"), {"v": 2}).status_code, 204)

    def test_it_names_what_is_wrong_with_the_parameters(self) -> None:
        no_agent = "activities/state?" + urlencode({"activityId": ACTIVITY, "stateId": "s"})
        no_activity = "activities/state?" + urlencode({"agent": json.dumps(AGENT)})
        cases = [
            ("GET", no_agent, "the agent parameter is missing"),
            ("GET", no_activity, "the activityId parameter is missing"),
            ("PUT", state(), "the stateId parameter is missing"),
            ("POST", state(), "the stateId parameter is missing"),
            ("GET", state(stateId="s", colour="red"), "unknown parameter 'colour'"),
            ("GET", state(stateId="s") + "&stateId=t", "stateId parameter is given more than"),
            ("GET", state(stateId=""), "stateId: must be 1 to 2048 characters"),
            ("PUT", state(stateId="s" * 2049), "stateId: must be 1 to 2048 characters"),
            ("GET", state(registration="nope"), "registration: must be a UUID"),
            ("GET", state(since="yesterday"), "since: must be an ISO 8601 timestamp"),
            ("GET", state(since="2025-13-45T00:00:00Z"), "since: must be an ISO 8601"),
            ("GET", state(stateId="s", since="2025-01-01T00:00:00Z"), "since is only allowed"),
            ("DELETE", state(since="2025-01-01T00:00:00Z"), "since is only allowed"),
            ("GET", state().replace("https%3A", "https"), "activityId: must be an IRI"),
            ("GET", state(agent="{"), "agent: not valid JSON"),
            ("GET", state(agent='{"mbox": "alice@example.org"}'), "agent.mbox: must be a mailto"),
        ]
        for method, url, message in cases:
            with self.subTest(method=method, url=url[:90]):
                response = self.xapi(method, url, {"a": 1})
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.json()["error"])
        self.assertFalse(Document.objects.exists())

    def test_a_content_type_longer_than_can_be_kept_is_refused(self) -> None:
        kind = "text/plain; comment=" + "x" * 255
        response = self.xapi_put(state(stateId="s"), b"x", content_type=kind)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Content-Type is longer than 255", response.json()["error"])

    def test_activity_ids_are_iris(self) -> None:
        url = "activities/state?" + urlencode(
            {"activityId": "boekstart", "agent": json.dumps(AGENT), "stateId": "s"}
        )
        response = self.xapi_put(url, {"a": 1})
        self.assertEqual(response.status_code, 400)
        self.assertIn("activityId: must be an IRI", response.json()["error"])

    def test_the_same_agent_by_any_spelling_of_its_mbox_is_one_agent(self) -> None:
        lower = {"mbox": "mailto:alice@example.org"}
        upper = {"objectType": "Agent", "name": "Alice", "mbox": "mailto:Alice@Example.org"}
        self.xapi_put(state(stateId="s", agent=json.dumps(lower)), {"a": 1})
        response = self.xapi_get(state(stateId="s", agent=json.dumps(upper)))
        self.assertEqual(response.json(), {"a": 1})

    def test_a_client_needs_the_right_to_read_or_write(self) -> None:
        _, reader = make_client(self.library, name="Reader", may_write=False)
        _, writer = make_client(self.library, name="Writer", may_read=False)
        self.assertEqual(self.xapi_put(state(stateId="s"), {"a": 1}, auth=reader).status_code, 403)
        self.assertEqual(self.xapi_delete(state(), auth=reader).status_code, 403)
        self.assertEqual(self.xapi_get(state(stateId="s"), auth=writer).status_code, 403)
        self.assertEqual(self.xapi_put(state(stateId="s"), {"a": 1}, auth=writer).status_code, 204)
        self.assertEqual(self.xapi_get(state(stateId="s"), auth=reader).status_code, 200)

    def test_it_needs_credentials_and_a_version(self) -> None:
        self.assertEqual(self.xapi_get(state(stateId="s"), auth="").status_code, 401)
        self.assertEqual(self.xapi_get(state(stateId="s"), version=None).status_code, 400)

    def test_the_alternate_request_syntax_puts_a_document(self) -> None:
        form = urlencode(
            {
                "Authorization": self.auth,
                "X-Experience-API-Version": VERSION,
                "Content-Type": "application/json",
                "activityId": ACTIVITY,
                "agent": json.dumps(AGENT),
                "stateId": "s",
                "content": '{"a": 1}',
            }
        )
        response = self.client.post(
            "/xapi/activities/state?method=PUT",
            form,
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.xapi_get(state(stateId="s")).json(), {"a": 1})


class ActivityProfileTests(XapiTestCase):
    def test_it_stores_lists_merges_and_deletes_profiles(self) -> None:
        first = self.xapi_put(activity_profile(profileId="p"), {"a": 1}, HTTP_IF_NONE_MATCH="*")
        self.assertEqual(first.status_code, 204)
        self.xapi_put(activity_profile(profileId="q"), b"<x/>", content_type="application/xml")
        self.assertEqual(self.xapi_get(activity_profile()).json(), ["p", "q"])
        self.assertEqual(self.xapi_post(activity_profile(profileId="p"), {"b": 2}).status_code, 204)
        response = self.xapi_get(activity_profile(profileId="p"))
        self.assertEqual(response.json(), {"a": 1, "b": 2})
        self.assertEqual(response["ETag"], etag(response.content))
        self.assertEqual(
            self.xapi_get(activity_profile(profileId="q"))["Content-Type"], "application/xml"
        )
        self.assertEqual(self.xapi_delete(activity_profile(profileId="p")).status_code, 204)
        self.assertEqual(self.xapi_get(activity_profile()).json(), ["q"])

    def test_a_put_over_an_existing_profile_needs_a_precondition(self) -> None:
        self.xapi_put(activity_profile(profileId="p"), {"v": 1})
        blind = self.xapi_put(activity_profile(profileId="p"), {"v": 2})
        self.assertEqual(blind.status_code, 409)
        self.assertTrue(blind["Content-Type"].startswith("text/plain"))
        self.assertIn(b"If-Match", blind.content)
        current = self.xapi_get(activity_profile(profileId="p"))["ETag"]
        guarded = self.xapi_put(activity_profile(profileId="p"), {"v": 2}, HTTP_IF_MATCH=current)
        self.assertEqual(guarded.status_code, 204)
        self.assertEqual(self.xapi_get(activity_profile(profileId="p")).json(), {"v": 2})

    def test_a_post_needs_no_precondition(self) -> None:
        self.xapi_put(activity_profile(profileId="p"), {"v": 1})
        self.assertEqual(self.xapi_post(activity_profile(profileId="p"), {"w": 2}).status_code, 204)

    def test_a_delete_names_one_profile(self) -> None:
        self.xapi_put(activity_profile(profileId="p"), {"v": 1})
        response = self.xapi_delete(activity_profile())
        self.assertEqual(response.status_code, 400)
        self.assertIn("the profileId parameter is missing", response.json()["error"])
        agent_given = self.xapi_get(activity_profile(agent=json.dumps(AGENT)))
        self.assertIn("unknown parameter 'agent'", agent_given.json()["error"])
        self.assertEqual(Document.objects.count(), 1)


class AgentProfileTests(XapiTestCase):
    def test_it_stores_lists_and_deletes_profiles(self) -> None:
        self.assertEqual(self.xapi_put(agent_profile(profileId="p"), {"a": 1}).status_code, 204)
        self.assertEqual(self.xapi_get(agent_profile()).json(), ["p"])
        self.assertEqual(self.xapi_get(agent_profile(profileId="p")).json(), {"a": 1})
        other = json.dumps({"mbox": "mailto:bob@example.org"})
        self.assertEqual(self.xapi_get(agent_profile(agent=other)).json(), [])
        self.assertEqual(self.xapi_delete(agent_profile(profileId="p")).status_code, 204)
        self.assertEqual(self.xapi_get(agent_profile(profileId="p")).status_code, 404)

    def test_a_put_over_an_existing_profile_needs_a_precondition(self) -> None:
        self.xapi_put(agent_profile(profileId="p"), {"v": 1})
        self.assertEqual(self.xapi_put(agent_profile(profileId="p"), {"v": 2}).status_code, 409)
        again = self.xapi_put(agent_profile(profileId="p"), {"v": 2}, HTTP_IF_NONE_MATCH="*")
        self.assertEqual(again.status_code, 412)
        self.assertEqual(self.xapi_get(agent_profile(profileId="p")).json(), {"v": 1})

    def test_an_anonymous_group_has_no_profile(self) -> None:
        group = {"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]}
        response = self.xapi_get(agent_profile(agent=json.dumps(group)))
        self.assertEqual(response.status_code, 400)
        self.assertIn("anonymous Group", response.json()["error"])


class OrganisationScopeTests(XapiTestCase):
    """Two clients of different organisations, the same ids: neither sees the other's."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_client, cls.other_auth = make_client(cls.other_library)

    def test_each_client_sees_only_its_own_organisations_documents(self) -> None:
        self.xapi_put(state(stateId="s"), {"mine": True})
        self.xapi_put(agent_profile(profileId="p"), {"mine": True})
        self.assertEqual(self.xapi_get(state(stateId="s"), auth=self.other_auth).status_code, 404)
        self.assertEqual(self.xapi_get(state(), auth=self.other_auth).json(), [])
        self.assertEqual(self.xapi_get(agent_profile(), auth=self.other_auth).json(), [])
        theirs = self.xapi_put(state(stateId="s"), {"mine": False}, auth=self.other_auth)
        self.assertEqual(theirs.status_code, 204)
        blind = self.xapi_put(agent_profile(profileId="p"), {"mine": False}, auth=self.other_auth)
        self.assertEqual(blind.status_code, 204)  # no 409: theirs is a new document
        self.xapi_delete(state(), auth=self.other_auth)
        self.assertEqual(self.xapi_get(state(stateId="s")).json(), {"mine": True})
        self.assertEqual(self.xapi_get(agent_profile(profileId="p")).json(), {"mine": True})

    def test_an_etag_of_another_organisation_matches_nothing_here(self) -> None:
        self.xapi_put(state(stateId="s"), {"v": 1})
        mine = self.xapi_get(state(stateId="s"))["ETag"]
        response = self.xapi_put(
            state(stateId="s"), {"v": 2}, auth=self.other_auth, HTTP_IF_MATCH=mine
        )
        self.assertEqual(response.status_code, 412)


@skipUnless(connection.vendor == "postgresql", "two real connections need PostgreSQL")
class ConcurrentWriteTests(TransactionTestCase):
    """Writers in their own connections at the same moment, holding the same ETag."""

    def setUp(self) -> None:
        national = create_organisation(kind=Organisation.Kind.NATIONAL, name="SPN", slug="spn")
        _, self.auth = make_client(national)
        check = documents._check_preconditions

        def slow_check(*args: object) -> None:
            """Hold each writer between its check and its write, so that all of them check
            before any writes, unless the row lock makes the others wait."""
            check(*args)
            time.sleep(0.3)

        patcher = patch.object(documents, "_check_preconditions", slow_check)
        patcher.start()
        self.addCleanup(patcher.stop)

    def race(self, count: int, url: str, body: dict, **headers: str) -> list[int]:
        def writer() -> int:
            response = Client().put(
                "/xapi/" + url,
                json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=self.auth,
                HTTP_X_EXPERIENCE_API_VERSION=VERSION,
                **headers,
            )
            return response.status_code

        return sorted(at_once([writer] * count))

    def test_of_two_puts_with_the_same_if_match_one_wins(self) -> None:
        url = activity_profile(profileId="p")
        for round_ in range(3):
            with self.subTest(round=round_):
                before = json.dumps({"round": round_}).encode()
                Document.objects.all().delete()
                self.race(1, url, {"round": round_})
                self.assertEqual(Document.objects.get().etag, etag(before).strip('"'))
                statuses = self.race(2, url, {"won": True}, HTTP_IF_MATCH=etag(before))
                self.assertEqual(statuses, [204, 412])
                self.assertEqual(json.loads(bytes(Document.objects.get().content)), {"won": True})

    def test_of_two_first_puts_with_if_none_match_one_creates(self) -> None:
        statuses = self.race(4, state(stateId="s"), {"v": 1}, HTTP_IF_NONE_MATCH="*")
        self.assertEqual(statuses, [204, 412, 412, 412])
        self.assertEqual(Document.objects.count(), 1)

    def test_two_first_puts_without_a_precondition_both_land(self) -> None:
        statuses = self.race(2, state(stateId="s"), {"v": 1})
        self.assertEqual(statuses, [204, 204])
        self.assertEqual(Document.objects.count(), 1)
