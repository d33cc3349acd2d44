"""The warm hand-over at the desk: free slots, booking with consent (and the race for a slot),
the appointment card and the library's desk settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from unittest import skipUnless

import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, transaction
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from balie.desk import handover_actions as actions
from balie.desk.models import (
    DeskSettings,
    HandOver,
    Need,
    Offer,
    OfferKind,
    Outcome,
    Referral,
    Slot,
)
from balie.orgs.models import Organisation, User
from balie.security.models import AuditAction, AuditEvent
from balie.testing import BaseTestCase, at_once

BOOK = reverse("desk:book")
SLOTS = reverse("desk:slots")
SETTINGS = reverse("desk:settings")
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def make_offer(library: Organisation, name: str = "Taalhuis intake", **fields) -> Offer:
    fields.setdefault("kind", OfferKind.INTAKE)
    fields.setdefault("takes_appointments", True)
    return Offer.objects.create(library=library, name=name, **fields)


def make_slot(
    colleague: User, library: Organisation, *, days: float = 2, hour: int = 10, **fields
) -> Slot:
    day = timezone.localdate() + dt.timedelta(days=int(days))
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
    if days < 0 or fields.pop("past", False):
        starts = timezone.now() - dt.timedelta(days=abs(days), hours=1)
    fields.setdefault("place", "de Taalhuiskamer, 1e verdieping")
    return Slot.objects.create(library=library, colleague=colleague, starts_at=starts, **fields)


def make_handover(slot: Slot, offer: Offer, **fields) -> HandOver:
    fields.setdefault("need", Need.LETTER)
    if fields.get("first_name") or fields.get("contact"):
        fields.setdefault("consent_at", timezone.now())
        fields.setdefault("consent_text", "Mag dat?")
    fields.setdefault("keep_until", timezone.localtime(slot.starts_at).date() + dt.timedelta(30))
    return HandOver.objects.create(library=slot.library, slot=slot, offer=offer, **fields)


class HandOverCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.offer = make_offer(cls.library)
        cls.other_offer = make_offer(cls.other_library, "Intake Hilversum")
        cls.slot = make_slot(cls.taalhuis, cls.library, branch=cls.branch)

    def booking(self, slot: Slot | None = None, **extra) -> dict:
        data = {"offer": self.offer.pk, "need": Need.LETTER, "slot": (slot or self.slot).pk}
        data.update(extra)
        return data

    def consent(self, slot: Slot | None = None, **extra):
        """Step 3: the customer agrees. Answers the response with the signed token."""
        return self.client.post(BOOK, self.booking(slot, step="consent", agrees="on", **extra))

    def book(self, slot: Slot | None = None, first_name="Samira", contact="06 12345678", **extra):
        response = self.consent(slot, **extra)
        self.assertEqual(response.status_code, 200)
        return self.client.post(
            BOOK,
            self.booking(
                slot,
                step="contact",
                token=response.context["token"],
                first_name=first_name,
                contact=contact,
                **extra,
            ),
        )


class BookingStepsTests(HandOverCase):
    def test_every_staff_member_of_the_library_may_book(self) -> None:
        for person in (self.alice, self.bob, self.manager, self.taalhuis):
            self.login(person)
            response = self.client.get(BOOK)
            self.assertEqual(response.status_code, 200, person)
            self.assertEqual(list(response.context["offers"]), [self.offer])

    def test_advisers_editors_and_people_without_a_library_get_404(self) -> None:
        for person in (self.adviser, self.editor):
            self.login(person)
            self.assertEqual(self.client.get(BOOK).status_code, 404, person)

    def test_only_offers_that_take_appointments_are_shown(self) -> None:
        make_offer(self.library, "Taalcafé", kind=OfferKind.TAALCAFE, takes_appointments=False)
        make_offer(self.library, "Oud", is_active=False)
        self.login(self.alice)
        self.assertEqual(list(self.client.get(BOOK).context["offers"]), [self.offer])

    def test_free_slots_day_by_day_soonest_first(self) -> None:
        later = make_slot(self.taalhuis, self.library, days=3)
        also = make_slot(self.taalhuis, self.library, days=2, hour=14)
        make_slot(self.taalhuis, self.library, days=4, cancelled=True)
        make_slot(self.taalhuis, self.library, days=1, past=True)
        booked = make_slot(self.taalhuis, self.library, days=5)
        make_handover(booked, self.offer)
        make_slot(self.outsider, self.other_library, days=2)
        self.login(self.alice)
        query = {"offer": self.offer.pk, "need": Need.LETTER}
        response = self.client.get(BOOK, query)
        self.assertEqual(response.context["step"], "slot")
        first, second = (timezone.localtime(s.starts_at).date() for s in (self.slot, later))
        # The days with free time and how many; the first day is chosen and only its times show.
        self.assertEqual(response.context["days"], [(first, 2), (second, 1)])
        self.assertEqual(response.context["day"], first)
        self.assertEqual(response.context["times"], [self.slot, also])
        self.assertContains(response, "Anouk")
        self.assertContains(response, "de Taalhuiskamer")
        self.assertNotContains(response, f'data-slot="{later.pk}"')
        # Another day is one tap: a link with ?dag=.
        self.assertContains(response, f'data-day="{second.isoformat()}"')
        response = self.client.get(BOOK, {**query, "dag": second.isoformat()})
        self.assertEqual(response.context["times"], [later])
        self.assertContains(response, f'data-slot="{later.pk}"')
        self.assertNotContains(response, f'data-slot="{self.slot.pk}"')
        # A day without free time (or nonsense) shows the first day.
        response = self.client.get(BOOK, {**query, "dag": "2000-01-01"})
        self.assertEqual(response.context["day"], first)

    def test_a_missing_need_is_asked_again(self) -> None:
        self.login(self.alice)
        response = self.client.get(BOOK, {"offer": self.offer.pk, "need": "nonsense"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.context["step"], "offer")

    def test_another_librarys_offer_or_slot_is_404(self) -> None:
        other_slot = make_slot(self.outsider, self.other_library)
        self.login(self.alice)
        self.assertEqual(
            self.client.get(BOOK, {"offer": self.other_offer.pk, "need": "letter"}).status_code,
            404,
        )
        self.assertEqual(self.client.get(BOOK, self.booking(other_slot)).status_code, 404)
        self.assertEqual(self.client.get(BOOK, {**self.booking(), "slot": "x"}).status_code, 404)
        self.login(self.outsider)
        self.assertEqual(self.client.get(BOOK, self.booking()).status_code, 404)

    def test_consent_text_says_what_with_whom_and_how_long(self) -> None:
        DeskSettings.objects.create(library=self.library, retention_days=14)
        self.login(self.alice)
        response = self.client.get(BOOK, self.booking())
        self.assertEqual(response.context["step"], "consent")
        keep_until = timezone.localtime(self.slot.starts_at).date() + dt.timedelta(days=14)
        self.assertEqual(response.context["keep_until"], keep_until)
        text = response.context["consent_text"]
        self.assertIn("Anouk", text)
        self.assertIn(str(keep_until.day), text)
        # No contact field is asked before consent.
        self.assertNotContains(response, 'name="contact"')
        self.assertNotContains(response, 'name="first_name"')

    def test_no_contact_step_without_the_tick(self) -> None:
        self.login(self.alice)
        response = self.client.post(BOOK, self.booking(step="consent"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.context["step"], "consent")
        self.assertNotContains(response, 'name="contact"', status_code=400)
        self.assertFalse(HandOver.objects.exists())

    def test_contact_without_a_valid_consent_token_is_refused(self) -> None:
        self.login(self.alice)
        for token in ("", "forged"):
            response = self.client.post(
                BOOK,
                self.booking(step="contact", token=token, first_name="S", contact="0612345678"),
            )
            self.assertEqual(response.status_code, 400)
        self.assertFalse(HandOver.objects.exists())

    def test_a_token_for_another_slot_is_refused(self) -> None:
        other = make_slot(self.taalhuis, self.library, days=3)
        self.login(self.alice)
        token = self.consent().context["token"]
        response = self.client.post(
            BOOK, self.booking(other, step="contact", token=token, first_name="S")
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(HandOver.objects.exists())


class BookingTests(HandOverCase):
    def test_book_with_consent_stores_the_text_shown_and_logs_one_warm_referral(self) -> None:
        self.login(self.alice)
        shown = self.client.get(BOOK, self.booking()).context["consent_text"]
        response = self.book()
        handover = HandOver.objects.get()
        self.assertRedirects(response, reverse("desk:card", args=[handover.card_token]))
        self.assertEqual(handover.consent_text, shown)
        self.assertIsNotNone(handover.consent_at)
        self.assertEqual((handover.first_name, handover.contact), ("Samira", "06 12345678"))
        self.assertEqual(
            handover.keep_until, timezone.localtime(self.slot.starts_at).date() + dt.timedelta(30)
        )
        referral = Referral.objects.get()
        self.assertEqual(handover.referral, referral)
        self.assertTrue(referral.warm)
        self.assertEqual(
            (referral.need, referral.offer, referral.branch, referral.library),
            (Need.LETTER, self.offer, self.branch, self.library),
        )
        self.assertEqual(referral.hour.minute, 0)

    def test_book_without_name_and_contact_needs_no_consent(self) -> None:
        self.login(self.bob)
        response = self.client.post(BOOK, self.booking(step="consent", without="1"))
        handover = HandOver.objects.get()
        self.assertRedirects(response, reverse("desk:card", args=[handover.card_token]))
        self.assertEqual(
            (handover.first_name, handover.contact, handover.consent_text), ("", "", "")
        )
        self.assertIsNone(handover.consent_at)
        self.assertIsNone(Referral.objects.get().branch)  # Bob has no branch

    def test_a_referral_from_the_tally_is_linked_not_counted_again(self) -> None:
        referral = Referral.objects.create(
            library=self.library,
            hour=Referral.hour_of(timezone.now()),
            need=Need.LANGUAGE,
            offer=self.offer,
            offer_kind=self.offer.kind,
            warm=True,
        )
        self.login(self.alice)
        response = self.client.get(BOOK, {"referral": referral.client_id})
        # The offer and the need come from the tap: straight to the free times.
        self.assertEqual(response.context["step"], "slot")
        self.book(referral=referral.client_id)
        handover = HandOver.objects.get()
        self.assertEqual(handover.referral, referral)
        self.assertEqual(handover.need, Need.LANGUAGE)
        self.assertEqual(Referral.objects.count(), 1)

    def test_a_withdrawn_or_foreign_or_linked_referral_is_not_linked(self) -> None:
        withdrawn = Referral.objects.create(
            library=self.library,
            hour=Referral.hour_of(timezone.now()),
            need=Need.LETTER,
            offer=self.offer,
            offer_kind=self.offer.kind,
            warm=True,
            withdrawn=True,
        )
        self.login(self.alice)
        self.book(referral=withdrawn.client_id)
        self.assertEqual(Referral.objects.count(), 2)
        self.assertNotEqual(HandOver.objects.get().referral, withdrawn)

    def test_bad_contact_is_refused_with_a_clear_message_and_kept(self) -> None:
        self.login(self.alice)
        for contact in ("12", "samira@", "bel me maar", "06-123"):
            response = self.book(first_name="Samira", contact=contact)
            self.assertEqual(response.status_code, 400, contact)
            self.assertTrue(response.context["contact_form"].errors["contact"])
            self.assertContains(response, 'value="Samira"', status_code=400)
        self.assertFalse(HandOver.objects.exists())

    def test_good_contacts(self) -> None:
        self.login(self.alice)
        for n, contact in enumerate(["+31 6 1234 5678", "0492-123456", "Samira@Example.NL"]):
            slot = make_slot(self.taalhuis, self.library, days=3 + n)
            response = self.book(slot, contact=contact)
            self.assertEqual(response.status_code, 302, contact)
        self.assertEqual(HandOver.objects.filter(contact="samira@example.nl").count(), 1)

    def test_a_past_cancelled_or_booked_slot_shows_the_free_slots_again(self) -> None:
        past = make_slot(self.taalhuis, self.library, days=1, past=True)
        cancelled = make_slot(self.taalhuis, self.library, days=3, cancelled=True)
        booked = make_slot(self.taalhuis, self.library, days=4)
        make_handover(booked, self.offer)
        self.login(self.alice)
        for slot in (past, cancelled, booked):
            response = self.client.get(BOOK, self.booking(slot))
            self.assertEqual(response.status_code, 400)
            self.assertEqual(response.context["step"], "slot")
            self.assertContains(response, 'id="slot-error"', status_code=400)
        self.assertEqual(HandOver.objects.count(), 1)

    def test_the_slot_taken_between_consent_and_booking(self) -> None:
        self.login(self.alice)
        token = self.consent().context["token"]
        make_handover(self.slot, self.offer)  # another desk was quicker
        response = self.client.post(
            BOOK, self.booking(step="contact", token=token, first_name="Samira")
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.context["step"], "slot")
        self.assertEqual(HandOver.objects.count(), 1)
        self.assertFalse(Referral.objects.exists())

    def test_the_second_booking_of_a_slot_gets_a_clear_message(self) -> None:
        """Sequentially (SQLite too): the action itself refuses a slot that is gone."""
        actions.book(self.slot.pk, offer=self.offer, need=Need.LETTER, branch=None)
        with self.assertRaises(actions.SlotTaken):
            actions.book(self.slot.pk, offer=self.offer, need=Need.LETTER, branch=None)
        self.assertEqual(HandOver.objects.count(), 1)
        self.assertEqual(Referral.objects.count(), 1)

    def test_the_database_refuses_contact_data_without_consent(self) -> None:
        with self.assertRaises(IntegrityError), transaction.atomic():
            HandOver.objects.create(
                library=self.library,
                slot=self.slot,
                offer=self.offer,
                need=Need.LETTER,
                keep_until=timezone.localdate(),
                first_name="Samira",
            )
        with self.assertRaises(actions.ValidationError):
            actions.book(
                self.slot.pk, offer=self.offer, need=Need.LETTER, branch=None, contact="06"
            )
        self.assertFalse(HandOver.objects.exists())

    def test_retention_changes_only_new_handovers(self) -> None:
        first = make_handover(self.slot, self.offer)
        DeskSettings.objects.create(library=self.library, retention_days=7)
        slot = make_slot(self.taalhuis, self.library, days=3)
        self.login(self.alice)
        self.book(slot)
        first.refresh_from_db()
        self.assertEqual(
            first.keep_until - timezone.localtime(self.slot.starts_at).date(), dt.timedelta(30)
        )
        new = HandOver.objects.get(slot=slot)
        self.assertEqual(
            new.keep_until - timezone.localtime(slot.starts_at).date(), dt.timedelta(7)
        )


@skipUnless(connection.vendor == "postgresql", "two real connections need PostgreSQL")
class BookingRaceTests(TransactionTestCase):
    """Two desks book the same slot at the same moment, each in its own connection."""

    def setUp(self) -> None:
        BaseTestCase.setUpTestData.__func__(self)
        self.offer = make_offer(self.library)
        self.slot = make_slot(self.taalhuis, self.library)

    def test_one_desk_gets_the_slot_the_other_a_clear_message(self) -> None:
        from django.test import Client

        def desk(person: User) -> Callable[[], tuple[int, str]]:
            client = Client()
            client.force_login(person)
            data = {"offer": self.offer.pk, "need": Need.LETTER, "slot": self.slot.pk}
            consent = client.post(BOOK, {**data, "step": "consent", "agrees": "on"})
            contact = {
                **data,
                "step": "contact",
                "token": consent.context["token"],
                "first_name": person.get_short_name(),
            }

            def book() -> tuple[int, str]:
                response = client.post(BOOK, contact)
                return response.status_code, response.content.decode()

            return book

        results = sorted(at_once([desk(self.alice), desk(self.bob)]))
        self.assertEqual(results[0][0], 302)
        # The other desk meets the lock (409), or, when the first had committed before it
        # looked, a slot that is no longer free (400, as in the test above): both say so, and
        # send it back to choose another time.
        loser_status, loser_page = results[1]
        self.assertIn(loser_status, (400, 409))
        self.assertIn('id="slot-error"', loser_page)
        self.assertEqual(HandOver.objects.count(), 1)
        self.assertEqual(Referral.objects.count(), 1)  # the loser's referral was rolled back

    def test_the_action_at_once_books_once(self) -> None:
        def desk() -> str:
            try:
                actions.book(self.slot.pk, offer=self.offer, need=Need.LETTER, branch=None)
            except actions.SlotTaken:
                return "taken"
            return "booked"

        outcomes = at_once([desk] * 2)
        self.assertEqual(sorted(outcomes), ["booked", "taken"])
        self.assertEqual(HandOver.objects.count(), 1)


@override_settings(EMAIL_BACKEND=LOCMEM)
class CardTests(HandOverCase):
    """The card: by an unguessable id, for the desk colleague who booked it (in that session)
    and the library's Taalhuis colleagues; e-mailed once, then at most once an hour."""

    def setUp(self) -> None:
        self.login(self.alice)
        self.book(first_name="Samira", contact="samira@example.nl")
        self.handover = HandOver.objects.get()
        self.url = reverse("desk:card", args=[self.handover.card_token])
        self.mail_url = reverse("desk:card_mail", args=[self.handover.card_token])

    def test_who_booked_and_the_taalhuis_see_the_card_with_the_first_name_only(self) -> None:
        DeskSettings.objects.create(library=self.library, phone="0492 123 456")
        for person in (self.alice, self.taalhuis):
            if person != self.alice:
                self.login(person)
            response = self.client.get(self.url)
            self.assertEqual(response.status_code, 200, person)
            self.assertContains(response, "Samira")
            self.assertNotContains(response, "samira@example.nl")
            self.assertContains(response, "Anouk")
            self.assertContains(response, "Helmond")
            self.assertContains(response, "de Taalhuiskamer")
            self.assertContains(response, "0492 123 456")
            self.assertContains(response, "print.css")
            self.assertContains(response, "data-mail")

    def test_every_view_of_the_card_is_in_the_audit_log(self) -> None:
        self.client.get(self.url)
        self.login(self.taalhuis)
        self.client.get(self.url, REMOTE_ADDR="192.0.2.7")
        events = AuditEvent.objects.filter(action=AuditAction.CONTACT_SHOWN).order_by("pk")
        self.assertEqual(
            [(e.actor, e.object_type, e.object_id, e.organisation_id) for e in events],
            [
                (person, "desk.handover", str(self.handover.pk), self.library.pk)
                for person in (self.alice, self.taalhuis)
            ],
        )
        self.assertEqual(events.last().ip, "192.0.2.7")
        self.assertNotIn("Samira", str([e.details for e in events]))

    def test_the_rest_of_the_library_and_everyone_else_get_404(self) -> None:
        admin = User.objects.create_superuser("root@spn.test", "x-x-x-x-x-x", full_name="Root")
        for person in (self.bob, self.manager, self.outsider, self.adviser, self.editor, admin):
            self.login(person)
            self.assertEqual(self.client.get(self.url).status_code, 404, person)
            self.assertEqual(self.client.post(self.mail_url).status_code, 404, person)
        self.assertEqual(mail.outbox, [])
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.CONTACT_SHOWN).exists())

    def test_the_card_by_its_number_is_gone(self) -> None:
        self.assertEqual(self.client.get(f"/afspraak/{self.handover.pk}/kaart/").status_code, 404)
        self.assertEqual(
            self.client.post(f"/afspraak/{self.handover.pk}/kaart/mail/").status_code, 404
        )

    def test_the_day_is_written_out_in_dutch(self) -> None:
        response = self.client.get(self.url)
        day = timezone.localtime(self.slot.starts_at)
        weekday = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
        self.assertContains(response, f"{weekday[day.weekday()]} {day.day} ")
        self.assertContains(response, "10:00")

    def test_no_phone_line_when_the_library_has_none(self) -> None:
        self.assertNotContains(self.client.get(self.url), "data-phone")

    def test_the_card_is_gone_once_the_appointment_has_passed(self) -> None:
        past = make_slot(self.taalhuis, self.library, days=1, past=True)
        handover = make_handover(past, self.offer)
        self.login(self.taalhuis)
        url = reverse("desk:card", args=[handover.card_token])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_taalhuis_list_links_to_a_coming_card(self) -> None:
        self.login(self.taalhuis)
        self.assertContains(self.client.get(reverse("desk:taalhuis")), f'href="{self.url}"')

    def test_send_the_card_by_email_once_then_not_within_the_hour(self) -> None:
        response = self.client.post(self.mail_url)
        self.assertRedirects(response, self.url)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["samira@example.nl"])
        self.assertIn("Samira", message.body)
        self.assertIn("Anouk", message.body)
        self.assertIn("de Taalhuiskamer", message.body)
        self.assertEqual(message.content_subtype, "plain")
        mailed = AuditEvent.objects.get(action=AuditAction.CARD_MAILED)
        self.assertEqual((mailed.actor, mailed.object_id), (self.alice, str(self.handover.pk)))
        # Again at once, or by the Taalhuis: refused with a message that says when it can.
        self.login(self.taalhuis)
        response = self.client.post(self.mail_url, follow=True)
        self.assertContains(response, "al gemaild om")
        self.assertContains(response, "Nog een keer mailen kan vanaf")
        self.assertEqual(len(mail.outbox), 1)
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
            self.login(self.taalhuis)  # a new session: the old one was idle too long
            self.client.post(self.mail_url)
        self.assertEqual(len(mail.outbox), 2)

    @override_settings(EMAIL_BACKEND="balie.desk.tests.test_handovers.FailingBackend")
    def test_a_failed_send_can_be_tried_again(self) -> None:
        response = self.client.post(self.mail_url, follow=True)
        self.assertContains(response, "niet worden verstuurd")
        self.handover.refresh_from_db()
        self.assertIsNone(self.handover.card_mailed_at)
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.CARD_MAILED).exists())

    def test_no_email_button_for_a_phone_number(self) -> None:
        slot = make_slot(self.taalhuis, self.library, days=3)
        self.book(slot, first_name="Gerrit", contact="0612345678")
        handover = HandOver.objects.get(slot=slot)
        response = self.client.get(reverse("desk:card", args=[handover.card_token]))
        self.assertNotContains(response, "data-mail")
        self.assertNotContains(response, "0612345678")
        response = self.client.post(reverse("desk:card_mail", args=[handover.card_token]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(mail.outbox, [])


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is away")


class SlotTests(HandOverCase):
    def add(self, **data):
        fields = {
            "colleague": self.taalhuis.pk,
            "date": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
            "time": "10:30",
            "minutes": 30,
            "place": "Taalhuiskamer",
            "branch": self.branch.pk,
            "weeks": 1,
        }
        fields.update(data)
        return self.client.post(SLOTS, fields)

    def test_a_taalhuis_colleague_adds_one_slot_and_a_weekly_series(self) -> None:
        self.login(self.taalhuis)
        self.assertRedirects(self.add(), SLOTS)
        self.assertRedirects(self.add(time="14:00", weeks=4), SLOTS)
        slots = Slot.objects.filter(colleague=self.taalhuis).exclude(pk=self.slot.pk)
        self.assertEqual(slots.count(), 5)
        times = {timezone.localtime(s.starts_at).strftime("%a %H:%M") for s in slots}
        self.assertEqual(len({t.split()[0] for t in times}), 1)  # the same weekday
        # Again: nothing twice.
        self.add(time="14:00", weeks=4)
        self.assertEqual(slots.count(), 5)

    def test_managers_keep_slots_for_their_taalhuis_colleagues(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get(SLOTS).status_code, 200)
        self.assertRedirects(self.add(), SLOTS)
        self.assertEqual(Slot.objects.filter(colleague=self.taalhuis).count(), 2)
        response = self.add(colleague=self.alice.pk)  # not a Taalhuis colleague
        self.assertEqual(response.status_code, 400)

    def test_desk_staff_advisers_editors_and_outsiders_get_404(self) -> None:
        for person in (self.alice, self.bob, self.adviser, self.editor, self.outsider):
            self.login(person)
            self.assertEqual(self.client.get(SLOTS).status_code, 404, person)
            self.assertEqual(
                self.client.post(reverse("desk:slot_cancel", args=[self.slot.pk])).status_code,
                404,
            )
        self.assertFalse(Slot.objects.get(pk=self.slot.pk).cancelled)

    def test_bad_input(self) -> None:
        self.login(self.taalhuis)
        yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        for data in ({"date": yesterday}, {"minutes": 0}, {"weeks": 99}, {"place": ""}):
            response = self.add(**data)
            self.assertEqual(response.status_code, 400, data)
        self.assertEqual(Slot.objects.count(), 1)

    def test_cancel_a_free_slot(self) -> None:
        self.login(self.taalhuis)
        response = self.client.post(reverse("desk:slot_cancel", args=[self.slot.pk]))
        self.assertRedirects(response, SLOTS)
        self.assertTrue(Slot.objects.get(pk=self.slot.pk).cancelled)

    def test_cancel_a_booked_slot_only_after_confirming(self) -> None:
        handover = make_handover(self.slot, self.offer)
        self.login(self.taalhuis)
        url = reverse("desk:slot_cancel", args=[self.slot.pk])
        response = self.client.post(url)
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "desk/slot_cancel.html")
        self.assertFalse(Slot.objects.get(pk=self.slot.pk).cancelled)
        self.assertRedirects(self.client.post(url, {"confirm": "yes"}), SLOTS)
        self.assertTrue(Slot.objects.get(pk=self.slot.pk).cancelled)
        handover.refresh_from_db()
        self.assertEqual(handover.outcome, Outcome.CANCELLED)

    def test_another_librarys_slot_is_404(self) -> None:
        other = make_slot(self.outsider, self.other_library)
        self.login(self.taalhuis)
        response = self.client.post(reverse("desk:slot_cancel", args=[other.pk]))
        self.assertEqual(response.status_code, 404)

    def test_the_slot_list_query_count_does_not_grow(self) -> None:
        self.login(self.taalhuis)
        self.client.get(SLOTS)
        with self.assertNumQueries(8) as first:
            self.client.get(SLOTS)
        for n in range(12):
            slot = make_slot(self.taalhuis, self.library, days=3 + n)
            if n % 2:
                make_handover(slot, self.offer)
        with self.assertNumQueries(len(first.captured_queries)):
            response = self.client.get(SLOTS)
        self.assertEqual(len(response.context["page"].object_list), 13)


class DeskSettingsTests(BaseTestCase):
    def test_managers_set_the_retention(self) -> None:
        self.login(self.manager)
        self.assertContains(self.client.get(SETTINGS), 'id="retention-note"')
        response = self.client.post(SETTINGS, {"retention_days": 14, "phone": "0492 123 456"})
        self.assertEqual(response.status_code, 302)
        settings = DeskSettings.objects.get(library=self.library)
        self.assertEqual((settings.retention_days, settings.phone), (14, "0492 123 456"))

    def test_out_of_range_is_refused_with_a_message(self) -> None:
        self.login(self.manager)
        for days in (0, 400, "", "veel"):
            response = self.client.post(SETTINGS, {"retention_days": days})
            self.assertEqual(response.status_code, 400, days)
            self.assertTrue(response.context["form"].errors["retention_days"])
        response = self.client.post(SETTINGS, {"retention_days": 30, "phone": "bel"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(DeskSettings.objects.exists())

    def test_only_managers(self) -> None:
        for person in (self.alice, self.taalhuis, self.adviser, self.editor, self.outsider):
            self.login(person)
            self.assertEqual(self.client.get(SETTINGS).status_code, 404, person)
            self.assertEqual(
                self.client.post(SETTINGS, {"retention_days": 5}).status_code, 404, person
            )
        self.assertFalse(DeskSettings.objects.exists())
