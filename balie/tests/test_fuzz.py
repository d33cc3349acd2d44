"""Fuzzing the endpoints that scripts post to (QUALITY.md K1–K3): the time-on-task heartbeat,
the note save, the desk tally tap and its undo, the attendance tap of a cohort meeting, the
hand-over booking, the xAPI statement resource and the SCORM commit. Random and malformed
bodies — wrong types, huge numbers, deep nesting, invalid UTF-8, bad UUIDs, oversized bodies —
must be answered with a 4xx, never a 5xx, and must store nothing."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from balie.cohorts import actions as cohort_actions
from balie.cohorts.models import Attendance
from balie.desk.models import Channel, HandOver, Need, Offer, OfferKind, Referral
from balie.learning.models import Note, StepVisit
from balie.lrs.models import Statement
from balie.lrs.tests.xapi import make_client
from balie.scorm.actions import import_package
from balie.scorm.models import Attempt
from balie.scorm.tests import zips as scorm_zips
from balie.testing import BaseTestCase

FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text a browser can send (lone surrogates cannot be encoded as UTF-8 at all).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
HUGE = st.sampled_from([2**31, 2**53 + 1, 2**63, 2**64, -(2**63) - 1, 10**30, -1, 0])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | HUGE
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
    | st.sampled_from(["", "NaN", "1e999", "²", "٣", "-1", " 1", "1.5", "0x10", "null"])
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
BAD_UUIDS = (
    st.sampled_from(
        [
            "",
            "not-a-uuid",
            "00000000-0000-0000-0000-00000000000g",
            "{12345678-1234-5678-1234-567812345678",
            "12345678123456781234567812345678" * 2,
            "\x00",
            "ü" * 36,
        ]
    )
    | TEXT
)
BAD_DATES = (
    st.sampled_from(
        [
            "2026-13-45T10:00:00",
            "2026-02-30T10:00:00+01:00",
            "2026-01-01T25:61:00",
            "9999-12-31T23:59:59+14:00",
            "0001-01-01T00:00:00-14:00",
            "2026-01-01T10:00:00+99:00",
            "yesterday",
        ]
    )
    | TEXT
)
# Form fields: the known names and some others, with any text or number as value.
FORM_VALUES = TEXT | HUGE.map(str) | st.integers().map(str)


def as_id(value: str) -> int:
    """The id a form's IntegerField would read in `value`, or 0 when it reads none."""
    try:
        number = int(value.strip())
    except ValueError:
        return 0
    return number if 0 < number < 2**63 else 0


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def oversized() -> bytes:
    """A JSON document bigger than DATA_UPLOAD_MAX_MEMORY_SIZE."""
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
    return json.dumps({"client_id": str(uuid.uuid4()), "junk": "x" * size}).encode()


MALFORMED_BODIES = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'"text"',
    b"\xff\xfe\x00{",
    b'{"client_id": "\xc3\x28"}',
    b'{"a": 1e999999}',
    b'{"a": ' + b"9" * 5000 + b"}",
    deep(100_000),
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
]


class FuzzCase(HypothesisTestCase, BaseTestCase):
    who = "alice"  # logged in before each example (hypothesis sets up Django per example)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.offer = Offer.objects.create(
            library=cls.library,
            name="Taalhuis-intake",
            kind=OfferKind.INTAKE,
            needs=[Need.LANGUAGE, Need.DIGID],
            takes_appointments=True,
        )
        cls.cohort = cohort_actions.start_cohort(
            cls.programme,
            library=cls.library,
            name="HP-2026-FZ",
            adviser=cls.adviser,
            manager=cls.manager,
            starts_on=date(2026, 12, 1),
            participants=[cls.alice, cls.bob],
        )
        cls.meeting = cls.cohort.meetings.first()

    @classmethod
    def _pre_setup(cls) -> None:
        super()._pre_setup()
        cls.client.force_login(getattr(cls, cls.who))

    def post(self, url: str, body: bytes | str, content_type: str):
        response = self.client.generic("POST", url, body, content_type=content_type)
        self.assertLess(response.status_code, 500, (url, body[:200], response.content[:300]))
        if url == reverse("desk:tally_undo") and (not body or content_type != "application/json"):
            # Without JavaScript the undo is a form: it answers with the tally page and a
            # message. (The test client drops the content type of an empty body.)
            self.assertIn(response.status_code // 100, (3, 4), (url, body[:200]))
        else:
            self.assertGreaterEqual(response.status_code, 400, (url, body[:200]))
        return response

    def post_json(self, url: str, value: object):
        return self.post(url, json.dumps(value, allow_nan=True), "application/json")

    def post_form(self, url: str, data: dict):
        response = self.client.post(url, data)
        self.assertLess(response.status_code, 500, (url, data, response.content[:300]))
        expected = 302 if url == reverse("desk:tally_undo") else 400
        self.assertGreaterEqual(response.status_code, expected, (url, data))
        return response

    def assert_nothing_stored(self) -> None:
        self.assertFalse(Referral.objects.exists())
        self.assertFalse(Note.objects.exists())
        self.assertFalse(StepVisit.objects.exists())
        self.assertFalse(Attendance.objects.exists())
        self.assertFalse(HandOver.objects.exists())


@override_settings(RATELIMIT_ENABLE=False)  # hundreds a minute; test_ratelimit.py tests limits
class TallyTapFuzzTests(FuzzCase):
    """POST /doorverwijzen/tellen (JSON) and /doorverwijzen/ongedaan (JSON or a form)."""

    @FUZZ
    @given(value=JSON_VALUES)
    def test_any_json_document_is_refused_cleanly(self, value) -> None:
        self.post_json(reverse("desk:tally_log"), value)
        self.post_json(reverse("desk:tally_undo"), value)
        self.assertFalse(Referral.objects.exists())

    @FUZZ
    @given(
        body=st.fixed_dictionaries(
            {},
            optional={
                "client_id": BAD_UUIDS | JSON_VALUES,
                "need": st.sampled_from(Need.values) | JSON_VALUES,
                "offer": HUGE | JSON_VALUES | st.sampled_from(["²", "٣", "10" * 20]),
                "warm": st.booleans() | JSON_VALUES,
                "branch": HUGE | JSON_VALUES | st.sampled_from(["²", "٣", "9" * 30]),
                "channel": st.sampled_from(Channel.values) | JSON_VALUES,
                "tapped_at": BAD_DATES | JSON_VALUES,
            },
        )
    )
    def test_a_tap_with_wrong_fields_is_refused(self, body) -> None:
        self.post_json(reverse("desk:tally_log"), body)
        self.assertFalse(Referral.objects.exists())

    @FUZZ
    @given(offer=HUGE | st.sampled_from(["²", "٣", "9" * 30]), branch=HUGE)
    def test_huge_and_odd_numbers_for_the_offer_and_branch(self, offer, branch) -> None:
        body = {
            "client_id": str(uuid.uuid4()),
            "need": Need.DIGID,
            "offer": offer,
            "warm": True,
            "branch": branch,
            "channel": Channel.DESK,
        }
        self.post_json(reverse("desk:tally_log"), body)
        body.update(offer=self.offer.pk)
        self.post_json(reverse("desk:tally_log"), body)
        self.assertFalse(Referral.objects.exists())

    @FUZZ
    @given(tapped_at=BAD_DATES)
    def test_a_bad_time_is_refused(self, tapped_at) -> None:
        body = {
            "client_id": str(uuid.uuid4()),
            "need": Need.DIGID,
            "offer": self.offer.pk,
            "warm": True,
            "tapped_at": tapped_at,
        }
        response = self.client.post(
            reverse("desk:tally_log"), json.dumps(body), content_type="application/json"
        )
        # A time that can be read is kept to the hour (or refused); never a server error.
        self.assertIn(response.status_code, (200, 201, 400))
        Referral.objects.all().delete()

    def test_the_inputs_that_gave_a_server_error_before_are_refused(self) -> None:
        """Each of these answered 500: deep nesting (RecursionError), a superscript digit
        (str.isdigit() but not int()), and a well-formed impossible time (ValueError)."""
        good = {"client_id": "", "need": Need.DIGID, "offer": self.offer.pk, "warm": True}
        for body in (
            deep(100_000),
            json.dumps({**good, "client_id": str(uuid.uuid4()), "offer": "²"}).encode(),
            json.dumps({**good, "client_id": str(uuid.uuid4()), "branch": "٣"}).encode(),
            json.dumps(
                {**good, "client_id": str(uuid.uuid4()), "tapped_at": "2026-13-45T10:00:00"}
            ).encode(),
        ):
            with self.subTest(body=body[:60]):
                self.assertEqual(
                    self.post(reverse("desk:tally_log"), body, "application/json").status_code,
                    400,
                )
        self.assertFalse(Referral.objects.exists())

    @FUZZ
    @given(raw=st.binary(max_size=300))
    def test_any_bytes_are_refused(self, raw) -> None:
        self.post(reverse("desk:tally_log"), raw, "application/json")
        self.post(reverse("desk:tally_undo"), raw, "application/json")
        self.post(reverse("desk:tally_undo"), raw, "application/x-www-form-urlencoded")
        self.assertFalse(Referral.objects.exists())

    def test_malformed_documents_are_refused(self) -> None:
        for body in MALFORMED_BODIES:
            with self.subTest(body=body[:40]):
                self.post(reverse("desk:tally_log"), body, "application/json")
                self.post(reverse("desk:tally_undo"), body, "application/json")
        self.assertFalse(Referral.objects.exists())

    def test_an_oversized_body_is_refused(self) -> None:
        for url in (reverse("desk:tally_log"), reverse("desk:tally_undo")):
            with self.subTest(url=url):
                self.post(url, oversized(), "application/json")
        self.assertFalse(Referral.objects.exists())

    @FUZZ
    @given(token=BAD_UUIDS | JSON_VALUES)
    def test_a_forged_undo_token_is_refused(self, token) -> None:
        self.post_json(reverse("desk:tally_undo"), {"token": token})
        self.post_form(reverse("desk:tally_undo"), {"token": str(token)})


@override_settings(RATELIMIT_ENABLE=False)
class LearningFuzzTests(FuzzCase):
    """POST /leren/stappen/<pk>/tijd/ (heartbeat) and /leren/stappen/<pk>/aantekening/."""

    def setUp(self) -> None:
        super().setUp()
        self.heartbeat = reverse("learning:step_time", args=[self.text_step.pk])
        self.note = reverse("learning:note_save", args=[self.reflection_step.pk])

    @FUZZ
    @given(
        data=st.dictionaries(
            st.sampled_from(["token", "active_seconds", "body", "revision"]) | TEXT,
            FORM_VALUES,
            max_size=5,
        )
    )
    def test_any_form_is_refused_cleanly(self, data) -> None:
        self.post_form(self.heartbeat, data)
        self.assertFalse(StepVisit.objects.exists())
        response = self.client.post(self.note, data)
        self.assertLess(response.status_code, 500, (data, response.content[:300]))
        if response.status_code == 200:  # a revision in range: the note is simply saved
            note = Note.objects.get()
            self.assertTrue(1 <= note.revision <= 2**53)
            self.assertEqual(note.revision, int(data["revision"]))
        else:
            self.assertEqual(response.status_code, 400, data)
            self.assertFalse(Note.objects.exists())

    @FUZZ
    @given(
        revision=st.sampled_from([2**53 + 1, 2**63, 2**64, -(2**63) - 1, 10**30, -1, 0]).map(str)
        | st.sampled_from(["²", "1e3", "1.5", "", "-5", "9" * 400, "0x10", "NaN"])
    )
    def test_a_note_with_a_bad_revision_is_refused(self, revision) -> None:
        self.post_form(self.note, {"body": "Mijn aantekening", "revision": revision})
        self.assert_nothing_stored()

    @FUZZ
    @given(seconds=HUGE.map(str) | TEXT, token=BAD_UUIDS)
    def test_a_heartbeat_with_a_bad_token_or_time_is_refused(self, seconds, token) -> None:
        self.post_form(self.heartbeat, {"token": token, "active_seconds": seconds})
        self.assert_nothing_stored()

    @FUZZ
    @given(raw=st.binary(max_size=300))
    def test_any_bytes_are_refused(self, raw) -> None:
        for url in (self.heartbeat, self.note):
            self.post(url, raw, "application/x-www-form-urlencoded")
            self.post(url, raw, "application/json")
            self.post(url, raw, "multipart/form-data; boundary=xyz")
        self.assert_nothing_stored()

    def test_malformed_and_oversized_bodies_are_refused(self) -> None:
        bodies = [*MALFORMED_BODIES, b"body=" + b"x" * 30_000, b"revision=1&body=" + b"x" * 20_001]
        for url in (self.heartbeat, self.note):
            for body in bodies:
                with self.subTest(url=url, body=body[:40]):
                    self.post(url, body, "application/x-www-form-urlencoded")
            self.post(
                url,
                b"revision=1&body=" + b"x" * (2 * 1024 * 1024 + 10),
                "application/x-www-form-urlencoded",
            )
        self.assert_nothing_stored()

    def test_invalid_utf8_in_a_note_is_replaced_not_a_server_error(self) -> None:
        response = self.client.generic(
            "POST", self.note, b"revision=1&body=%ff%feok", "application/x-www-form-urlencoded"
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(Note.objects.get().body.endswith("ok"))

    def test_a_token_for_another_step_or_person_is_refused(self) -> None:
        page = self.client.get(reverse("learning:step", args=[self.video_step.pk]))
        token = re.search(r'data-visit-token="([^"]+)"', page.content.decode()).group(1)
        self.post_form(self.heartbeat, {"token": token, "active_seconds": "10"})
        self.login(self.bob)
        self.post_form(
            reverse("learning:step_time", args=[self.video_step.pk]),
            {"token": token, "active_seconds": "10"},
        )
        self.assert_nothing_stored()


class AttendanceFuzzTests(FuzzCase):
    """POST /bijeenkomsten/<pk>/aanwezigheid/ (the attendance tap of a cohort meeting)."""

    who = "adviser"

    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("cohorts:meeting_attendance", args=[self.meeting.pk])

    @FUZZ
    @given(
        person=HUGE.map(str) | FORM_VALUES,
        status=st.sampled_from(["present", "absent"]) | FORM_VALUES,
        revision=HUGE.map(str) | FORM_VALUES,
    )
    def test_a_tap_with_wrong_fields_is_refused(self, person, status, revision) -> None:
        # A number that happens to be a participant's id is a right field, not a wrong one.
        assume(not self.meeting.cohort.participants.filter(user_id=as_id(person)).exists())
        self.post_form(self.url, {"person": person, "status": status, "revision": revision})
        self.assert_nothing_stored()

    @FUZZ
    @given(raw=st.binary(max_size=300))
    def test_any_bytes_are_refused(self, raw) -> None:
        self.post(self.url, raw, "application/x-www-form-urlencoded")
        self.post(self.url, raw, "application/json")
        self.assert_nothing_stored()

    def test_an_oversized_body_is_refused(self) -> None:
        self.post(self.url, oversized(), "application/x-www-form-urlencoded")
        self.post(
            self.url,
            b"status=present&revision=1&person=" + b"1" * (2 * 1024 * 1024),
            "application/x-www-form-urlencoded",
        )
        self.assert_nothing_stored()


class BookingFuzzTests(FuzzCase):
    """POST /doorverwijzen/afspraak/ (the warm hand-over booking, a form in four steps)."""

    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("desk:book")

    @FUZZ
    @given(
        data=st.fixed_dictionaries(
            {},
            optional={
                "referral": BAD_UUIDS,
                "offer": HUGE.map(str) | FORM_VALUES,
                "need": st.sampled_from(Need.values) | FORM_VALUES,
                "slot": HUGE.map(str) | FORM_VALUES,
                "consent": FORM_VALUES,
                "first_name": FORM_VALUES,
                "contact": FORM_VALUES,
            },
        )
    )
    def test_a_booking_with_wrong_fields_stores_nothing(self, data) -> None:
        response = self.client.post(self.url, data)
        # The first steps of the booking answer 200 with the next question; a wrong value 4xx.
        self.assertLess(response.status_code, 500, (data, response.content[:300]))
        self.assertFalse(HandOver.objects.exists())

    def test_an_oversized_body_is_refused(self) -> None:
        self.post(self.url, oversized(), "application/x-www-form-urlencoded")
        self.assertFalse(HandOver.objects.exists())


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=1000)
class ManyFieldsTests(FuzzCase):
    def test_too_many_fields_are_refused(self) -> None:
        self.login(self.alice)
        body = "&".join(f"f{i}=1" for i in range(2000)).encode()
        for url in (
            reverse("learning:note_save", args=[self.reflection_step.pk]),
            reverse("desk:tally_undo"),
        ):
            with self.subTest(url=url):
                self.post(url, body, "application/x-www-form-urlencoded")


class XapiFuzzTests(FuzzCase):
    """/xapi/statements as an xAPI client (HTTP Basic): any body and any query, no 500, and
    nothing stored that is not a valid statement."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.lrs_client, cls.auth = make_client(cls.library)

    def send(self, method: str, query: str, body: bytes | str, content_type: str, *, refused=True):
        response = self.client.generic(
            method,
            f"/xapi/statements{query}",
            body,
            content_type=content_type,
            HTTP_AUTHORIZATION=self.auth,
            HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
        )
        self.assertLess(response.status_code, 500, (method, query, body[:200]))
        if refused:
            self.assertGreaterEqual(response.status_code, 400, (method, query, body[:200]))
        return response

    @FUZZ
    @given(value=JSON_VALUES)
    def test_any_json_is_refused(self, value) -> None:
        self.send("POST", "", json.dumps(value, allow_nan=True), "application/json")
        self.assertFalse(Statement.objects.exists())

    @FUZZ
    @given(
        actor=JSON_VALUES,
        verb=JSON_VALUES | st.fixed_dictionaries({"id": TEXT}),
        target=JSON_VALUES | st.fixed_dictionaries({"id": TEXT}),
        timestamp=BAD_DATES,
        statement_id=BAD_UUIDS,
    )
    def test_a_statement_with_wrong_fields_is_refused(
        self, actor, verb, target, timestamp, statement_id
    ) -> None:
        statement = {"actor": actor, "verb": verb, "object": target, "timestamp": timestamp}
        body = json.dumps(statement, allow_nan=True)
        self.send("POST", "", body, "application/json")
        self.send("PUT", f"?{urlencode({'statementId': statement_id})}", body, "application/json")
        self.assertFalse(Statement.objects.exists())

    @FUZZ
    @given(
        params=st.dictionaries(
            st.sampled_from(
                ["agent", "verb", "activity", "registration", "since", "until", "limit",
                 "format", "ascending", "related_agents", "statementId", "more"]
            ) | TEXT,
            FORM_VALUES | BAD_DATES | BAD_UUIDS,
            max_size=4,
        )
    )  # fmt: skip
    def test_any_query_answers_without_a_server_error(self, params) -> None:
        self.send("GET", f"?{urlencode(params)}", b"", "application/json", refused=False)

    def test_malformed_bodies_are_refused(self) -> None:
        for body in MALFORMED_BODIES:
            with self.subTest(body=body[:20]):
                self.send("POST", "", body, "application/json")
                self.send("POST", "", body, "multipart/mixed; boundary=x")
        self.assertFalse(Statement.objects.exists())


@override_settings(RATELIMIT_ENABLE=False)
class ScormCommitFuzzTests(FuzzCase):
    """POST /scorm/commit/ (the commits the player page passes on, and its beats): any body
    is refused without a valid ticket, and no attempt is made."""

    def setUp(self) -> None:
        super().setUp()
        import_package(io.BytesIO(scorm_zips.package()), module=self.module, by=self.editor)
        self.url = reverse("scorm:commit")

    @FUZZ
    @given(value=JSON_VALUES)
    def test_any_json_is_refused(self, value) -> None:
        self.post_json(self.url, value)
        self.assertFalse(Attempt.objects.exists())

    @FUZZ
    @given(token=BAD_UUIDS | JSON_VALUES, sequence=JSON_VALUES, cmi=JSON_VALUES)
    def test_a_commit_with_a_forged_ticket_is_refused(self, token, sequence, cmi) -> None:
        self.post_json(self.url, {"token": token, "sequence": sequence, "cmi": cmi})
        self.assertFalse(Attempt.objects.exists())

    def test_malformed_bodies_are_refused(self) -> None:
        for body in MALFORMED_BODIES:
            with self.subTest(body=body[:20]):
                self.post(self.url, body, "application/json")
                self.post(self.url, body, "text/plain")
        self.assertFalse(Attempt.objects.exists())
