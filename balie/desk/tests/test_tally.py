"""The anonymous referral tally: the page, the JSON taps (idempotent, also when they race),
undo within the window, the hour, and the form that works without JavaScript."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from unittest import skipUnless

import time_machine
from django.db import connection
from django.test import Client, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from balie.desk.models import Channel, HandOver, Need, Offer, OfferKind, Referral, Slot
from balie.orgs.actions import create_organisation, grant_role
from balie.orgs.models import Organisation, Role, User
from balie.testing import BaseTestCase, at_once

TALLY = reverse("desk:tally")
LOG = reverse("desk:tally_log")
UNDO = reverse("desk:tally_undo")
NOW = dt.datetime(2026, 3, 10, 13, 37, 12, tzinfo=dt.UTC)


def make_offer(library: Organisation, name: str = "IDO-spreekuur", **fields) -> Offer:
    fields.setdefault("kind", OfferKind.IDO)
    fields.setdefault("needs", [Need.DIGID, Need.LETTER])
    return Offer.objects.create(library=library, name=name, **fields)


class TallyCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ido = make_offer(cls.library)
        cls.intake = make_offer(
            cls.library,
            "Taalhuis-intake",
            kind=OfferKind.INTAKE,
            needs=[Need.LANGUAGE, Need.READING],
            takes_appointments=True,
        )
        cls.gone = make_offer(cls.library, "Oude cursus", is_active=False)
        cls.elsewhere = make_offer(cls.other_library, "IDO Hilversum")
        cls.other_branch = create_organisation(
            kind=Organisation.Kind.BRANCH,
            name="Hilversum Centrum",
            slug="hv-centrum",
            parent=cls.other_library,
        )

    def tap(self, user: User | None = None, **fields):
        body = {
            "client_id": str(uuid.uuid4()),
            "need": Need.DIGID,
            "offer": self.ido.pk,
            "warm": False,
            "branch": self.branch.pk,
            "channel": Channel.DESK,
            "tapped_at": timezone.now().isoformat(),
        }
        body.update(fields)
        if user is not None:
            self.login(user)
        return self.client.post(LOG, json.dumps(body), content_type="application/json")

    def undo(self, token: str):
        return self.client.post(UNDO, json.dumps({"token": token}), content_type="application/json")


class TallyPageTests(TallyCase):
    def test_desk_staff_get_the_three_steps_with_their_branch_filled_in(self) -> None:
        self.login(self.alice)
        response = self.client.get(TALLY)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'type="radio" name="need"', count=len(Need.values))
        self.assertContains(response, 'type="radio" name="offer"', count=2)
        self.assertContains(response, 'name="warm" value="1"')
        self.assertContains(response, 'name="warm" value="0"')
        self.assertContains(response, f'<option value="{self.branch.pk}" selected>')
        self.assertContains(response, f'data-needs="{Need.LANGUAGE} {Need.READING}"')
        self.assertNotContains(response, "IDO Hilversum")
        self.assertNotContains(response, "Oude cursus")
        # No free-text field anywhere in the tally.
        self.assertNotContains(response, "<textarea")
        self.assertNotContains(response, 'type="text"')

    def test_the_librarys_most_used_needs_and_offers_come_first_the_rest_behind_more(self):
        extra = [
            make_offer(self.library, f"Extra {n}", needs=[Need.MONEY], position=10 + n)
            for n in range(4)
        ]
        self.login(self.alice)
        response = self.client.get(TALLY)
        # Nothing counted yet: the fixed order (the national list, the offer list's positions).
        self.assertEqual(
            [value for value, _label in response.context["first_needs"]], Need.values[:4]
        )
        self.assertEqual(len(response.context["more_needs"]), len(Need.values) - 4)
        self.assertEqual(len(response.context["first_offers"]), 4)
        self.assertNotIn(extra[3], response.context["first_offers"])
        # This library counts money matters to Extra 3 most: they come first. Another
        # library's counts and withdrawn taps do not count.
        for _n in range(3):
            self.tap(need=Need.MONEY, offer=extra[3].pk)
        self.tap(need=Need.CHILD, offer=self.ido.pk)
        Referral.objects.filter(need=Need.CHILD).update(withdrawn=True)
        self.assertEqual(
            self.tap(self.outsider, need=Need.JOB, offer=self.elsewhere.pk, branch="").status_code,
            201,
        )
        self.login(self.alice)
        response = self.client.get(TALLY)
        needs = [value for value, _label in response.context["first_needs"]]
        self.assertEqual(needs, [Need.MONEY, *Need.values[:3]])
        self.assertEqual(response.context["first_offers"][0], extra[3])
        self.assertContains(response, "Meer (4)")  # the needs not among the first four

    def test_managers_and_specialists_count_too(self) -> None:
        for person in (self.manager, self.taalhuis, self.bob):
            with self.subTest(person=person):
                self.login(person)
                self.assertEqual(self.client.get(TALLY).status_code, 200)

    def test_advisers_and_national_roles_get_an_explanation(self) -> None:
        for person in (self.adviser, self.editor):
            with self.subTest(person=person):
                self.login(person)
                response = self.client.get(TALLY)
                self.assertEqual(response.status_code, 403)
                self.assertContains(response, "data-not-staff", status_code=403)

    def test_the_outsider_counts_for_her_own_library_only(self) -> None:
        self.login(self.outsider)
        response = self.client.get(TALLY)
        self.assertContains(response, "IDO Hilversum")
        self.assertNotContains(response, "IDO-spreekuur")
        self.assertEqual(self.client.get(TALLY, {"library": self.library.pk}).status_code, 404)

    def test_a_person_in_two_libraries_chooses(self) -> None:
        grant_role(self.bob, organisation=self.other_library, role=Role.LEARNER)
        self.login(self.bob)
        response = self.client.get(TALLY)
        self.assertContains(response, "data-choose")
        response = self.client.get(TALLY, {"library": self.other_library.pk})
        self.assertContains(response, "IDO Hilversum")

    def test_no_offers_yet_says_where_to_go(self) -> None:
        Offer.objects.filter(library=self.other_library).delete()
        self.login(self.outsider)
        response = self.client.get(TALLY)
        self.assertContains(response, "data-empty")
        self.assertContains(response, reverse("desk:offers"))

    def test_the_page_has_a_query_budget_that_does_not_grow_with_offers(self) -> None:
        self.login(self.alice)
        self.client.get(TALLY)
        # Two of them count the needs and offers used most, to show those first.
        with self.assertNumQueries(8):
            self.client.get(TALLY)
        for number in range(15):
            make_offer(self.library, f"Extra {number}", branch=self.branch)
        with self.assertNumQueries(8):
            response = self.client.get(TALLY)
        self.assertContains(response, "Extra 14")


class TallyLogTests(TallyCase):
    def test_a_tap_is_counted_anonymously_to_the_hour(self) -> None:
        with time_machine.travel(NOW, tick=False):
            response = self.tap(self.alice, tapped_at=(NOW - dt.timedelta(minutes=5)).isoformat())
        self.assertEqual(response.status_code, 201)
        data = response.json()
        referral = Referral.objects.get()
        self.assertEqual(str(referral.client_id), data["client_id"])
        self.assertEqual(referral.library, self.library)
        self.assertEqual(referral.branch, self.branch)
        self.assertEqual(referral.hour, dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.UTC))
        self.assertEqual(referral.need, Need.DIGID)
        self.assertEqual(referral.offer_kind, OfferKind.IDO)
        self.assertFalse(referral.warm)
        self.assertTrue(data["counted"])
        self.assertEqual(data["today"], 1)
        self.assertIsNone(data["book_url"])
        self.assertTrue(data["undo"])
        # There is nowhere to store who tapped, or anything about the customer.
        fields = {f.name for f in Referral._meta.get_fields()}
        self.assertFalse(
            any(getattr(f, "related_model", None) is User for f in Referral._meta.get_fields())
        )
        self.assertFalse(fields & {"user", "customer", "note", "text", "created_by"})

    def test_the_same_tap_sent_twice_is_counted_once_and_answers_the_same(self) -> None:
        client_id = str(uuid.uuid4())
        first = self.tap(self.alice, client_id=client_id)
        again = self.tap(self.alice, client_id=client_id, need=Need.MONEY)
        self.assertEqual(first.status_code, 201)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(Referral.objects.count(), 1)
        self.assertEqual(Referral.objects.get().need, Need.DIGID)
        self.assertEqual(again.json()["today"], 1)
        self.assertEqual(again.json()["client_id"], client_id)

    def test_a_warm_tap_to_an_offer_with_appointments_offers_to_book(self) -> None:
        response = self.tap(self.alice, offer=self.intake.pk, need=Need.LANGUAGE, warm=True)
        client_id = response.json()["client_id"]
        self.assertEqual(
            response.json()["book_url"], f"{reverse('desk:book')}?referral={client_id}"
        )
        response = self.tap(self.alice, offer=self.intake.pk, need=Need.LANGUAGE, warm=False)
        self.assertIsNone(response.json()["book_url"])

    def test_the_hour_of_a_late_tap_is_kept_within_a_week(self) -> None:
        utc = dt.UTC
        cases = {
            "three hours ago": (
                NOW - dt.timedelta(hours=3),
                dt.datetime(2026, 3, 10, 10, tzinfo=utc),
            ),
            "six days ago": (NOW - dt.timedelta(days=6), dt.datetime(2026, 3, 4, 13, tzinfo=utc)),
            "eight days ago": (
                NOW - dt.timedelta(days=8),
                dt.datetime(2026, 3, 10, 13, tzinfo=utc),
            ),
            "in the future": (
                NOW + dt.timedelta(hours=2),
                dt.datetime(2026, 3, 10, 13, tzinfo=utc),
            ),
            "without a zone": ("2026-03-10T09:05:00", dt.datetime(2026, 3, 10, 13, tzinfo=utc)),
        }
        self.login(self.alice)
        for case, (tapped_at, hour) in cases.items():
            with self.subTest(case), time_machine.travel(NOW, tick=False):
                sent = tapped_at if isinstance(tapped_at, str) else tapped_at.isoformat()
                response = self.tap(tapped_at=sent)
                self.assertEqual(response.status_code, 201)
                referral = Referral.objects.get(client_id=response.json()["client_id"])
                self.assertEqual(referral.hour, hour)
        with time_machine.travel(NOW, tick=False):
            response = self.tap(tapped_at=None)
        referral = Referral.objects.get(client_id=response.json()["client_id"])
        self.assertEqual(referral.hour, dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.UTC))

    def test_todays_count_is_the_teams_at_this_branch(self) -> None:
        self.tap(self.alice)
        self.tap(self.bob)
        self.tap(self.bob, branch=None)
        response = self.tap(self.manager)
        self.assertEqual(response.json()["today"], 3)

    def test_bad_input_is_400_with_a_message_and_saves_nothing(self) -> None:
        self.login(self.alice)
        cases = {
            "no client id": {"client_id": ""},
            "a bad client id": {"client_id": "not-a-uuid"},
            "an unknown need": {"need": "flying"},
            "no need": {"need": None},
            "warm as text": {"warm": "yes"},
            "no warm": {"warm": None},
            "an unknown channel": {"channel": "pigeon"},
            "an offer that is not a number": {"offer": "IDO"},
            "no offer": {"offer": None},
            "a branch that is not a number": {"branch": "Helmond"},
            "an unreadable time": {"tapped_at": "yesterday"},
            "a time that is a number": {"tapped_at": 12},
        }
        for case, fields in cases.items():
            with self.subTest(case):
                response = self.tap(**fields)
                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.json()["error"])
        for body in (b"not json", b"[1, 2]", b""):
            with self.subTest(body=body):
                response = self.client.post(LOG, body, content_type="application/json")
                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.json()["error"])
        self.assertFalse(Referral.objects.exists())

    def test_an_offer_or_branch_of_another_library_is_404_like_a_missing_one(self) -> None:
        self.login(self.alice)
        for fields in (
            {"offer": self.elsewhere.pk},
            {"offer": 999999},
            {"branch": self.other_branch.pk},
            {"branch": 999999},
            {"branch": self.library.pk},  # a library is not a branch
        ):
            with self.subTest(fields=fields):
                response = self.tap(**fields)
                self.assertEqual(response.status_code, 404)
                self.assertTrue(response.json()["error"])
        self.assertFalse(Referral.objects.exists())

    def test_a_tap_to_an_offer_taken_off_the_list_meanwhile_still_counts(self) -> None:
        response = self.tap(self.alice, offer=self.gone.pk)
        self.assertEqual(response.status_code, 201)

    def test_advisers_editors_and_outsiders_cannot_tap_for_the_library(self) -> None:
        for person in (self.adviser, self.editor, self.outsider):
            with self.subTest(person=person):
                self.assertEqual(self.tap(person).status_code, 404)
        self.assertFalse(Referral.objects.exists())

    def test_a_client_id_of_another_library_is_refused(self) -> None:
        client_id = str(uuid.uuid4())
        self.tap(self.alice, client_id=client_id)
        response = self.tap(
            self.outsider, client_id=client_id, offer=self.elsewhere.pk, branch=None
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Referral.objects.get().library, self.library)

    def test_only_post(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(LOG).status_code, 405)
        self.assertEqual(self.client.get(UNDO).status_code, 405)


class TallyUndoTests(TallyCase):
    def test_undo_within_two_minutes_withdraws_the_tap_once(self) -> None:
        with time_machine.travel(NOW, tick=False) as clock:
            token = self.tap(self.alice).json()["undo"]
            self.tap(self.alice)
            clock.shift(dt.timedelta(seconds=119))
            response = self.undo(token)
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.json()["withdrawn"])
            self.assertEqual(response.json()["today"], 1)
            again = self.undo(token)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(Referral.objects.counted().count(), 1)
        self.assertEqual(Referral.objects.filter(withdrawn=True).count(), 1)

    def test_undo_after_the_window_is_400_and_the_tap_stays_counted(self) -> None:
        with time_machine.travel(NOW, tick=False) as clock:
            token = self.tap(self.alice).json()["undo"]
            clock.shift(dt.timedelta(seconds=121))
            response = self.undo(token)
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.json()["error"])
        self.assertEqual(Referral.objects.counted().count(), 1)

    def test_a_resent_tap_after_undo_stays_undone(self) -> None:
        client_id = str(uuid.uuid4())
        token = self.tap(self.alice, client_id=client_id).json()["undo"]
        self.undo(token)
        response = self.tap(self.alice, client_id=client_id)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.json()["counted"])
        self.assertEqual(Referral.objects.counted().count(), 0)

    def test_a_forged_token_is_400(self) -> None:
        self.tap(self.alice)
        for token in ("", "nonsense", f"{uuid.uuid4()}:abc:def"):
            with self.subTest(token=token):
                response = self.undo(token)
                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.json()["error"])
        self.assertEqual(Referral.objects.counted().count(), 1)

    def test_another_librarys_tap_is_not_found(self) -> None:
        token = self.tap(self.alice).json()["undo"]
        for person in (self.outsider, self.adviser):
            with self.subTest(person=person):
                self.login(person)
                self.assertEqual(self.undo(token).status_code, 404)
        self.assertEqual(Referral.objects.counted().count(), 1)

    def test_a_colleague_at_the_same_desk_may_undo(self) -> None:
        token = self.tap(self.alice).json()["undo"]
        self.login(self.bob)
        self.assertEqual(self.undo(token).status_code, 200)

    def test_a_tap_with_a_booked_appointment_is_not_undone(self) -> None:
        response = self.tap(self.alice, offer=self.intake.pk, warm=True)
        referral = Referral.objects.get(client_id=response.json()["client_id"])
        slot = Slot.objects.create(
            library=self.library,
            colleague=self.taalhuis,
            place="Taalhuis",
            starts_at=timezone.now() + dt.timedelta(days=1),
        )
        HandOver.objects.create(
            library=self.library,
            slot=slot,
            offer=self.intake,
            need=Need.LANGUAGE,
            referral=referral,
            keep_until=timezone.localdate() + dt.timedelta(days=30),
        )
        self.assertEqual(self.undo(response.json()["undo"]).status_code, 400)
        self.assertEqual(Referral.objects.counted().count(), 1)


class TallyWithoutJavaScriptTests(TallyCase):
    def form(self, **fields) -> dict:
        data = {
            "library": self.library.pk,
            "need": Need.LANGUAGE,
            "offer": self.intake.pk,
            "warm": "1",
            "branch": self.branch.pk,
            "channel": Channel.PHONE,
        }
        data.update(fields)
        return {k: v for k, v in data.items() if v is not None}

    def test_the_form_counts_and_offers_undo_and_booking(self) -> None:
        self.login(self.alice)
        response = self.client.post(TALLY, self.form())
        self.assertRedirects(response, f"{TALLY}?library={self.library.pk}")
        referral = Referral.objects.get()
        self.assertEqual(referral.channel, Channel.PHONE)
        self.assertTrue(referral.warm)
        response = self.client.get(response.url)
        self.assertContains(response, "data-last")
        self.assertContains(response, f"?referral={referral.client_id}")
        token = response.context["last"]["token"]
        response = self.client.post(UNDO, {"token": token})
        self.assertRedirects(response, f"{TALLY}?library={self.library.pk}")
        referral.refresh_from_db()
        self.assertTrue(referral.withdrawn)
        self.assertNotContains(self.client.get(TALLY), "data-last")

    def test_the_undo_form_disappears_after_two_minutes(self) -> None:
        self.login(self.alice)
        with time_machine.travel(NOW, tick=False) as clock:
            self.client.post(TALLY, self.form())
            clock.shift(dt.timedelta(minutes=3))
            response = self.client.get(TALLY)
            self.assertNotContains(response, "data-last")
            token = self.client.session["desk_tally_last"]["token"]
            response = self.client.post(UNDO, {"token": token})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Referral.objects.counted().count(), 1)

    def test_a_missing_choice_is_400_and_nothing_is_counted(self) -> None:
        self.login(self.alice)
        for case, fields in {
            "no need": {"need": None},
            "no offer": {"offer": None},
            "no warm": {"warm": None},
            "another library's offer": {"offer": self.elsewhere.pk},
            "an offer off the list": {"offer": self.gone.pk},
            "another library's branch": {"branch": self.other_branch.pk},
        }.items():
            with self.subTest(case):
                response = self.client.post(TALLY, self.form(**fields))
                self.assertEqual(response.status_code, 400)
        self.assertFalse(Referral.objects.exists())

    def test_posting_for_another_library_is_404(self) -> None:
        self.login(self.outsider)
        response = self.client.post(TALLY, self.form())
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Referral.objects.exists())


@skipUnless(connection.vendor == "postgresql", "two real connections need PostgreSQL")
class TallyRaceTests(TransactionTestCase):
    """A tap and its resend arrive at the same moment, each in its own connection."""

    def setUp(self) -> None:
        BaseTestCase.setUpTestData.__func__(self)
        self.offer = make_offer(self.library)

    def test_the_same_tap_at_once_is_counted_once(self) -> None:
        count = 4
        body = json.dumps(
            {
                "client_id": str(uuid.uuid4()),
                "need": Need.DIGID,
                "offer": self.offer.pk,
                "warm": True,
                "branch": self.branch.pk,
                "channel": Channel.DESK,
                "tapped_at": timezone.now().isoformat(),
            }
        )

        def desk() -> int:
            client = Client()
            client.force_login(self.alice)
            return client.post(LOG, body, content_type="application/json").status_code

        statuses = at_once([desk] * count)
        self.assertEqual(sorted(statuses), [200] * (count - 1) + [201])
        self.assertEqual(Referral.objects.count(), 1)
