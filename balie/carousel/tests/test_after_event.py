"""After the carousel: topics and refreshers, the schedule in the calendar, attendance, and
re-planning only what must change."""

from __future__ import annotations

from datetime import time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from balie.carousel import actions
from balie.carousel.models import Assignment, CarouselEvent, SignUp, Station
from balie.cohorts import calendar as cohort_calendar
from balie.learning.actions import save_note
from balie.learning.models import LocalBlock
from balie.orgs.models import Role, Topic
from balie.testing import BaseTestCase, make_module, make_person, make_step

ROUNDS = [(time(19, 0), time(19, 25)), (time(19, 30), time(19, 55))]


class AfterTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.topic = Topic.objects.create(name="BoekStart", slug="boekstart")
        cls.other_topic = Topic.objects.create(name="IDO", slug="ido")
        cls.module.topics.add(cls.topic)
        cls.ido_module = make_module(cls.programme, "IDO", code="M6")
        cls.ido_module.topics.add(cls.other_topic)
        cls.ido_step = make_step(cls.ido_module, title="Aan de IDO-tafel")
        cls.held = cls.make_event(-7)
        cls.coming = cls.make_event(30)

    @classmethod
    def make_event(cls, days: int, people=None) -> CarouselEvent:
        event = actions.create_event(
            cls.library,
            title="Kenniscarrousel",
            date=timezone.localdate() + timedelta(days=days),
            place="Helmond",
            capacity=None,
            stations=[
                actions.StationPlan(
                    topic="BoekStart aan de balie",
                    host=cls.taalhuis,
                    subject=cls.topic,
                    room="Zaal 1",
                ),
                actions.StationPlan(topic="Het IDO", host=cls.manager, subject=cls.other_topic),
            ],
            rounds=ROUNDS,
        )
        rounds = list(event.rounds.all())
        for person in people if people is not None else (cls.alice, cls.bob):
            actions.sign_up(event, person, free_rounds=rounds, chosen_stations=[], by=person)
        actions.make_schedule(event)
        return event


class TopicTests(AfterTestCase):
    def test_the_event_form_takes_a_subject_from_the_pool(self) -> None:
        self.login(self.manager)
        data = {
            "organiser": self.library.pk,
            "title": "Carrousel",
            "place": "Helmond",
            "date": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "capacity": "",
            "stations-TOTAL_FORMS": "1",
            "stations-INITIAL_FORMS": "0",
            "stations-0-topic": "Taalhuis",
            "stations-0-subject": self.topic.pk,
            "rounds-TOTAL_FORMS": "1",
            "rounds-INITIAL_FORMS": "0",
            "rounds-0-starts_at": "19:00",
            "rounds-0-ends_at": "19:30",
        }
        self.client.post(reverse("carousel:event_new"), data)
        self.assertEqual(Station.objects.get(topic="Taalhuis").subject, self.topic)
        data["stations-0-subject"] = "999999"
        response = self.client.post(reverse("carousel:event_new"), data)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Station.objects.filter(topic="Taalhuis").count(), 1)


class RefresherTests(AfterTestCase):
    def url(self, event=None) -> str:
        return reverse("carousel:refresher", args=[(event or self.held).pk])

    def test_a_participant_sees_steps_blocks_and_own_notes(self) -> None:
        save_note(self.alice, self.text_step, body="Mijn eigen aantekening", revision=1)
        save_note(self.bob, self.text_step, body="Geheim van Bob", revision=1)
        block = LocalBlock(
            library=self.library, module=self.module, how_we_do_it="Wij doen dit zo."
        )
        block.full_clean()
        block.save()
        self.login(self.alice)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, reverse("learning:step", args=[self.text_step.pk]))
        self.assertContains(response, reverse("learning:step", args=[self.video_step.pk]))
        self.assertContains(response, reverse("learning:step", args=[self.check_step.pk]))
        self.assertNotContains(response, reverse("learning:step", args=[self.link_step.pk]))
        self.assertNotContains(response, reverse("learning:step", args=[self.reflection_step.pk]))
        self.assertContains(response, reverse("learning:step", args=[self.ido_step.pk]))
        self.assertContains(response, "Wij doen dit zo.")
        self.assertContains(response, "Mijn eigen aantekening")
        self.assertNotContains(response, "Geheim van Bob")

    def test_notes_of_others_never_appear_whatever_the_role(self) -> None:
        save_note(self.alice, self.text_step, body="Alleen voor Alice", revision=1)
        for person in (self.bob, self.manager, self.taalhuis, self.adviser, self.editor):
            with self.subTest(person=person.full_name):
                self.login(person)
                response = self.client.get(self.url())
                self.assertIn(response.status_code, (200, 404))
                self.assertNotContains(
                    response, "Alleen voor Alice", status_code=response.status_code
                )

    def test_an_outsider_gets_a_404_and_before_the_day_the_page_is_empty(self) -> None:
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.alice)
        response = self.client.get(self.url(self.coming))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["stations"][0]["modules"], [])

    def test_linked_from_the_event_and_my_schedule_after_the_day(self) -> None:
        self.login(self.alice)
        for name in ("carousel:event", "carousel:my_schedule"):
            with self.subTest(name):
                self.assertContains(self.client.get(reverse(name, args=[self.held.pk])), self.url())
                self.assertNotContains(
                    self.client.get(reverse(name, args=[self.coming.pk])), self.url(self.coming)
                )

    def test_query_budget_does_not_grow_with_notes_or_modules(self) -> None:
        self.login(self.alice)
        self.client.get(self.url())
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url())
        for n in range(4):
            module = make_module(self.programme, f"Extra {n}")
            module.topics.add(self.topic)
            step = make_step(module, title=f"Extra stap {n}")
            save_note(self.alice, step, body=f"Notitie {n}", revision=1)
        with self.assertNumQueries(len(few)):
            response = self.client.get(self.url())
        self.assertContains(response, "Notitie 3")
        self.assertLessEqual(len(few), 12)


class CalendarTests(AfterTestCase):
    def ics(self, event=None, person=None):
        self.login(person or self.alice)
        response = self.client.get(
            reverse("carousel:my_schedule_ics", args=[(event or self.coming).pk])
        )
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        return Calendar.from_ical(response.content).walk("VEVENT")

    def test_my_rounds_download_as_valid_ics(self) -> None:
        events = self.ics()
        self.assertEqual(len(events), 2)
        visits = Assignment.objects.filter(event=self.coming, user=self.alice)
        self.assertEqual({str(e["UID"]) for e in events}, {f"{a.uid}@balie" for a in visits})
        first = min(events, key=lambda e: e.decoded("DTSTART"))
        self.assertEqual(first.decoded("DTSTART").strftime("%H:%M"), "19:00")
        self.assertEqual(str(first["STATUS"]), "CONFIRMED")
        text = " ".join(
            str(e["SUMMARY"]) + str(e.get("LOCATION", "")) + str(e["DESCRIPTION"]) for e in events
        )
        self.assertIn("BoekStart aan de balie", text)
        self.assertIn("Zaal 1", text)
        self.assertIn("Anouk Martens", text)

    def test_an_outsider_cannot_download_and_someone_without_rounds_gets_none(self) -> None:
        self.login(self.outsider)
        url = reverse("carousel:my_schedule_ics", args=[self.coming.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.ics(person=self.adviser), [])

    def test_a_host_has_the_whole_carousel_at_their_station(self) -> None:
        events = self.ics(person=self.taalhuis)
        self.assertEqual(len(events), 1)
        hosting = events[0]
        self.assertIn("BoekStart aan de balie", str(hosting["SUMMARY"]))
        self.assertEqual(hosting.decoded("DTSTART").strftime("%H:%M"), "19:00")
        rounds = self.coming.rounds.order_by("-ends_at")
        self.assertEqual(hosting.decoded("DTEND").time(), rounds.first().ends_at)
        self.login(self.taalhuis)
        self.client.post(
            reverse("carousel:event_cancel", args=[self.coming.pk]), {"confirm": "yes"}
        )
        cancelled = self.ics(person=self.taalhuis)[0]
        self.assertEqual(str(cancelled["UID"]), str(hosting["UID"]))
        self.assertEqual(str(cancelled["STATUS"]), "CANCELLED")
        self.assertGreater(int(cancelled["SEQUENCE"]), int(hosting["SEQUENCE"]))

    def test_the_rounds_are_in_the_personal_feed(self) -> None:
        token = cohort_calendar.feed_token_for(self.alice)
        self.client.logout()
        response = self.client.get(reverse("cohorts:calendar_feed", args=[token]))
        uids = {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
        mine = Assignment.objects.filter(user=self.alice)
        self.assertEqual(uids, {f"{a.uid}@balie" for a in mine})
        self.assertEqual(len(uids), 4)
        bobs = Assignment.objects.filter(user=self.bob)
        self.assertFalse(uids & {f"{a.uid}@balie" for a in bobs})

    def test_the_feed_does_not_take_more_queries_with_more_carousels(self) -> None:
        with CaptureQueriesContext(connection) as few:
            cohort_calendar.feed_ics(self.alice)
        self.make_event(60)
        self.make_event(90)
        with self.assertNumQueries(len(few)):
            data = cohort_calendar.feed_ics(self.alice)
        self.assertEqual(len(Calendar.from_ical(data).walk("VEVENT")), 8)

    def test_a_withdrawal_keeps_the_uid_and_cancels_with_a_higher_sequence(self) -> None:
        before = {str(e["UID"]): int(e["SEQUENCE"]) for e in self.ics()}
        self.login(self.alice)
        self.client.post(reverse("carousel:event_withdraw", args=[self.coming.pk]))
        after = self.ics()
        self.assertEqual({str(e["UID"]) for e in after}, set(before))
        for e in after:
            self.assertEqual(str(e["STATUS"]), "CANCELLED")
            self.assertGreater(int(e["SEQUENCE"]), before[str(e["UID"])])

    def test_a_cancelled_carousel_is_cancelled_in_the_calendar(self) -> None:
        before = {str(e["UID"]): int(e["SEQUENCE"]) for e in self.ics()}
        self.login(self.alice)
        url = reverse("carousel:event_cancel", args=[self.coming.pk])
        self.assertEqual(self.client.post(url, {"confirm": "yes"}).status_code, 404)
        self.login(self.taalhuis)
        self.client.post(url)  # not confirmed: nothing happens
        self.assertIsNone(CarouselEvent.objects.get(pk=self.coming.pk).cancelled_at)
        self.client.post(url, {"confirm": "yes"})
        after = self.ics()
        self.assertTrue(all(str(e["STATUS"]) == "CANCELLED" for e in after))
        self.assertTrue(all(int(e["SEQUENCE"]) > before[str(e["UID"])] for e in after))
        response = self.client.post(
            reverse("carousel:event_signup", args=[self.coming.pk]),
            {"free_rounds": [r.pk for r in self.coming.rounds.all()]},
        )
        self.assertEqual(response.status_code, 400)


class AttendanceTests(AfterTestCase):
    def url(self, event=None) -> str:
        return reverse("carousel:attendance", args=[(event or self.held).pk])

    def test_the_organiser_marks_who_came_and_sees_counts(self) -> None:
        alice, bob = (SignUp.objects.get(event=self.held, user=u) for u in (self.alice, self.bob))
        self.login(self.taalhuis)
        data = {f"signup-{alice.pk}": "yes", f"signup-{bob.pk}": "no"}
        self.assertRedirects(
            self.client.post(self.url(), data), reverse("carousel:event", args=[self.held.pk])
        )
        self.client.post(self.url(), data)  # again: the same
        self.assertEqual(
            dict(SignUp.objects.filter(event=self.held).values_list("user_id", "present")),
            {self.alice.pk: True, self.bob.pk: False},
        )
        page = self.client.get(reverse("carousel:event", args=[self.held.pk]))
        self.assertEqual(page.context["attendance"], {"present": 1, "absent": 1, "unmarked": 0})

    def test_per_role_and_bad_input(self) -> None:
        for person in (self.alice, self.adviser, self.outsider):
            with self.subTest(person=person.full_name):
                self.login(person)
                self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.manager)
        alice = SignUp.objects.get(event=self.held, user=self.alice)
        response = self.client.post(self.url(), {f"signup-{alice.pk}": "misschien"})
        self.assertEqual(response.status_code, 400)
        coming = SignUp.objects.get(event=self.coming, user=self.alice)
        response = self.client.post(self.url(self.coming), {f"signup-{coming.pk}": "yes"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(SignUp.objects.filter(present__isnull=False).exists())

    def test_query_budget_does_not_grow_with_signups(self) -> None:
        self.login(self.taalhuis)
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url())
        for n in range(5):
            extra = make_person(f"x{n}@hp.test", f"Extra {n}", self.library, Role.LEARNER)
            actions.sign_up(
                self.held,
                extra,
                free_rounds=list(self.held.rounds.all()),
                chosen_stations=[],
                by=extra,
            )
        with self.assertNumQueries(len(few)):
            self.client.get(self.url())


class ReplanTests(AfterTestCase):
    def test_a_person_who_leaves_leaves_the_others_untouched(self) -> None:
        extra = [
            make_person(f"x{n}@hp.test", f"Extra {n}", self.library, Role.LEARNER) for n in range(4)
        ]
        event = self.make_event(20, people=[self.alice, self.bob, *extra])
        before = {
            (a.user_id, a.round_id): (a.station_id, a.sequence)
            for a in Assignment.objects.filter(event=event)
        }
        self.login(extra[0])
        self.client.post(reverse("carousel:event_withdraw", args=[event.pk]))
        self.login(self.taalhuis)
        preview = self.client.get(reverse("carousel:schedule_preview", args=[event.pk]))
        proposal = preview.context["proposal"]
        # The withdrawal already took their rounds out; nobody else changes.
        self.assertEqual((proposal.changed, proposal.removed, proposal.added), (0, 0, 0))
        self.client.post(
            reverse("carousel:event_schedule", args=[event.pk]), {"proposal": proposal.fingerprint}
        )
        after = {
            (a.user_id, a.round_id): (a.station_id, a.sequence)
            for a in Assignment.objects.filter(event=event)
        }
        self.assertEqual(after, {k: v for k, v in before.items() if k[0] != extra[0].pk})
        self.assertFalse(CarouselEvent.objects.get(pk=event.pk).plan_outdated)

    def test_a_newcomer_joins_and_nobody_else_changes(self) -> None:
        newcomer = make_person("new@hp.test", "Nieuw", self.library, Role.LEARNER)
        before = {
            (a.user_id, a.round_id): a.station_id
            for a in Assignment.objects.filter(event=self.coming)
        }
        actions.sign_up(
            self.coming,
            newcomer,
            free_rounds=list(self.coming.rounds.all()),
            chosen_stations=[],
            by=newcomer,
        )
        proposal = actions.propose_schedule(self.coming)
        self.assertEqual((proposal.changed, proposal.added), (0, 1))
        actions.make_schedule(self.coming, fingerprint=proposal.fingerprint)
        after = {
            (a.user_id, a.round_id): a.station_id
            for a in Assignment.objects.filter(event=self.coming)
        }
        self.assertEqual({k: v for k, v in after.items() if k[0] != newcomer.pk}, before)
        self.assertEqual(len([k for k in after if k[0] == newcomer.pk]), 2)

    def test_a_stale_confirmation_shows_the_new_proposal_and_changes_nothing(self) -> None:
        newcomer = make_person("new@hp.test", "Nieuw", self.library, Role.LEARNER)
        self.login(self.taalhuis)
        old = self.client.get(reverse("carousel:schedule_preview", args=[self.coming.pk])).context[
            "proposal"
        ]
        actions.sign_up(
            self.coming,
            newcomer,
            free_rounds=list(self.coming.rounds.all()),
            chosen_stations=[],
            by=newcomer,
        )
        url = reverse("carousel:event_schedule", args=[self.coming.pk])
        response = self.client.post(url, {"proposal": old.fingerprint})
        self.assertEqual(response.status_code, 409)
        self.assertFalse(Assignment.objects.filter(user=newcomer).exists())
        self.assertEqual(self.client.post(url, {}).status_code, 400)

    def test_only_organisers_see_the_proposal(self) -> None:
        for person in (self.alice, self.adviser, self.outsider):
            with self.subTest(person=person.full_name):
                self.login(person)
                url = reverse("carousel:schedule_preview", args=[self.coming.pk])
                self.assertEqual(self.client.get(url).status_code, 404)
