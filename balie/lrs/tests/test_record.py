"""Balie's own events as xAPI statements: recorded by the actions, in their transaction, once
per event, valid, under an opaque account and without anything personal."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from balie import privacy
from balie.carousel import actions as carousel_actions
from balie.cohorts import actions as cohort_actions
from balie.cohorts.models import AttendanceStatus, Meeting
from balie.demo.xapi import record_demo_statements
from balie.learning import actions as learning_actions
from balie.learning.models import Module, ModuleProgress, Note, StepProgress
from balie.lrs import record, store
from balie.lrs.models import VOIDED, Account, Delivery, Forwarder, Statement
from balie.lrs.validate import validate_statements
from balie.orgs.models import Organisation
from balie.testing import BaseTestCase

ADL = "http://adlnet.gov/expapi/verbs/"
ROUNDS = [(dt.time(19, 0), dt.time(19, 25)), (dt.time(19, 30), dt.time(19, 55))]


def verbs(**filters) -> list[str]:
    return [
        v.rsplit("/", 1)[1]
        for v in Statement.objects.filter(**filters)
        .order_by("pk")
        .values_list("verb_id", flat=True)
    ]


class RecordTestCase(BaseTestCase):
    def statements(self, user=None) -> list[dict]:
        rows = Statement.objects.order_by("pk")
        if user is not None:
            name = str(Account.objects.get(user=user).name)
            rows = [r for r in rows if r.payload["actor"].get("account", {}).get("name") == name]
        return [row.payload for row in rows]

    def finish_module(self, user) -> None:
        correct = self.check_step.choices.get(is_correct=True)
        for step in self.steps:
            if step.is_check:
                learning_actions.answer_check(user, step, choice=correct)
            else:
                learning_actions.complete_step(user, step)


class LearningTests(RecordTestCase):
    def test_the_first_step_starts_the_module_and_is_experienced(self) -> None:
        self.login(self.alice)
        self.client.post(reverse("learning:step_next", args=[self.text_step.pk]))
        module, step = self.statements(self.alice)
        self.assertEqual(module["verb"]["id"], ADL + "attempted")
        self.assertEqual(module["object"]["id"], f"https://balie.nl/xapi/modules/{self.module.pk}")
        self.assertEqual(
            module["object"]["definition"]["type"], "http://adlnet.gov/expapi/activities/module"
        )
        self.assertEqual(step["verb"]["id"], ADL + "experienced")
        self.assertEqual(step["object"]["id"], f"https://balie.nl/xapi/steps/{self.text_step.pk}")
        context = step["context"]
        self.assertEqual(context["contextActivities"]["parent"][0]["id"], module["object"]["id"])
        self.assertEqual(
            context["contextActivities"]["grouping"][0]["id"],
            f"https://balie.nl/xapi/programmes/{self.programme.pk}",
        )
        self.assertEqual((context["platform"], context["language"]), ("Balie", "nl-NL"))
        progress = ModuleProgress.objects.get(user=self.alice)
        self.assertEqual(module["timestamp"], progress.started_at.isoformat())

    def test_the_statements_are_valid_xapi(self) -> None:
        self.finish_module(self.alice)
        learning_actions.save_note(self.alice, self.reflection_step, body="Mijn idee.", revision=1)
        validate_statements(self.statements())  # raises BadRequest with the path if not

    def test_the_actor_is_an_opaque_account_of_the_library(self) -> None:
        self.finish_module(self.alice)
        account = Account.objects.get(user=self.alice)
        text = json.dumps(self.statements())
        for personal in (self.alice.email, self.alice.full_name, "Alice"):
            self.assertNotIn(personal, text)
        for statement in self.statements():
            self.assertEqual(
                statement["actor"],
                {
                    "objectType": "Agent",
                    "account": {"homePage": "http://127.0.0.1:8000", "name": str(account.name)},
                },
            )
        self.assertEqual(
            set(Statement.objects.values_list("organisation", flat=True)), {self.library.pk}
        )

    def test_each_event_once_and_a_repeat_adds_nothing(self) -> None:
        self.finish_module(self.alice)
        self.assertEqual(
            verbs(),
            ["attempted", "experienced", "experienced", "experienced"]
            + ["experienced", "answered", "experienced", "completed"],
        )
        for step in self.steps:
            learning_actions.complete_step(self.alice, step)
        self.assertEqual(Statement.objects.count(), 8)

    def test_the_same_event_has_the_same_id(self) -> None:
        learning_actions.complete_step(self.alice, self.text_step)
        account = Account.objects.get(user=self.alice)
        expected = record.statement_id(f"{account.name} {ADL}experienced steps/{self.text_step.pk}")
        self.assertTrue(Statement.objects.filter(statement_id=expected).exists())

    def test_completion_carries_the_time_on_task(self) -> None:
        ModuleProgress.objects.create(
            user=self.alice, module=self.module, started_at=timezone.now(), seconds=3725
        )
        self.finish_module(self.alice)
        completed = Statement.objects.get(verb_id=ADL + "completed").payload
        self.assertEqual(completed["result"], {"completion": True, "duration": "PT1H2M5S"})

    def test_every_try_of_a_check_is_a_statement(self) -> None:
        wrong, right = (
            self.check_step.choices.get(text="Een tablet"),
            self.check_step.choices.get(is_correct=True),
        )
        for choice in (wrong, right):
            learning_actions.answer_check(self.alice, self.check_step, choice=choice)
        answers = [s for s in self.statements() if s["verb"]["id"] == ADL + "answered"]
        self.assertEqual(
            [a["result"] for a in answers],
            [
                {"success": False, "response": str(wrong.pk)},
                {"success": True, "response": str(right.pk)},
            ],
        )
        self.assertEqual(answers[0]["object"]["definition"]["interactionType"], "choice")
        self.assertNotEqual(answers[0]["id"], answers[1]["id"])

    def test_heartbeats_start_the_module_once_and_make_nothing_else(self) -> None:
        shown = timezone.now() - dt.timedelta(minutes=10)
        visit = uuid.uuid4()
        for seconds in (15, 30, 45):
            learning_actions.record_time(
                self.alice, self.video_step, visit_id=visit, shown_at=shown, active_seconds=seconds
            )
        self.assertEqual(verbs(), ["attempted"])

    def test_a_note_is_recorded_once_without_its_text(self) -> None:
        learning_actions.save_note(self.alice, self.reflection_step, body="", revision=1)
        self.assertEqual(verbs(), [])
        learning_actions.save_note(
            self.alice, self.reflection_step, body="Geheim plan voor de balie.", revision=2
        )
        learning_actions.save_note(self.alice, self.reflection_step, body="", revision=3)
        learning_actions.save_note(self.alice, self.reflection_step, body="Nieuw.", revision=4)
        (noted,) = self.statements()
        self.assertEqual(noted["verb"]["id"], "https://balie.nl/xapi/verbs/noted")
        self.assertNotIn("result", noted)
        self.assertNotIn("Geheim", json.dumps(noted))
        self.assertNotIn("Nieuw", json.dumps(noted))

    def test_a_person_without_a_role_records_nothing(self) -> None:
        self.alice.memberships.all().delete()
        learning_actions.complete_step(self.alice, self.text_step)
        self.assertEqual(Statement.objects.count(), 0)
        self.assertTrue(StepProgress.objects.filter(user=self.alice).exists())

    def test_no_statement_without_its_event(self) -> None:
        """In the caller's transaction: rolled back together."""
        activity = record.Activity(record.Kind.MODULE, self.module.pk, "BoekStart")
        with self.assertRaises(RuntimeError), transaction.atomic():
            record.record(self.alice, [record.Event(record.Verb.STARTED, activity, timezone.now())])
            self.assertEqual(Statement.objects.count(), 1)
            raise RuntimeError
        self.assertEqual(Statement.objects.count(), 0)

    @override_settings(BALIE_XAPI_IRI_BASE="https://lrs.example.org/balie/")
    def test_the_iri_base_is_a_setting_and_the_ids_do_not_depend_on_it(self) -> None:
        learning_actions.complete_step(self.alice, self.text_step)
        step = Statement.objects.get(verb_id=ADL + "experienced")
        self.assertEqual(
            step.payload["object"]["id"], f"https://lrs.example.org/balie/steps/{self.text_step.pk}"
        )
        account = Account.objects.get(user=self.alice)
        self.assertEqual(
            step.statement_id,
            record.statement_id(f"{account.name} {ADL}experienced steps/{self.text_step.pk}"),
        )

    def test_a_renamed_module_keeps_the_first_statement(self) -> None:
        learning_actions.complete_step(self.alice, self.text_step)
        Module.objects.filter(pk=self.module.pk).update(title="BoekStart (nieuw)")
        record_demo_statements()  # the replay of the same events, now with the new name
        self.assertEqual(Statement.objects.count(), 2)

    def test_each_library_gets_its_own_and_forwarders_above_it_a_delivery(self) -> None:
        """Balie's per-person statements go to the POI's external LRS only where the library
        recorded its works council's agreement, as for the POI's xAPI clients; the national
        organisation's forwarders get them all."""

        def forwarder(organisation: Organisation) -> Forwarder:
            return Forwarder.objects.create(
                organisation=organisation, endpoint="https://lrs.example/", username="u"
            )

        def library_statements() -> set[int]:
            return set(
                Statement.objects.filter(organisation=self.library).values_list("pk", flat=True)
            )

        def delivered(to: Forwarder) -> set[int]:
            return set(Delivery.objects.filter(forwarder=to).values_list("statement", flat=True))

        to_poi, to_nation = forwarder(self.poi), forwarder(self.national)
        forwarder(self.other_poi)
        learning_actions.complete_step(self.alice, self.text_step)
        before = library_statements()
        self.assertEqual(len(before), 2)
        self.assertEqual(delivered(to_poi), set())
        self.assertEqual(delivered(to_nation), before)

        agreed = dt.date(2026, 3, 2)
        Organisation.objects.filter(pk=self.library.pk).update(works_council_agreed_on=agreed)
        learning_actions.complete_step(self.alice, self.video_step)
        learning_actions.complete_step(self.outsider, self.text_step)
        after = library_statements()
        self.assertEqual(delivered(to_poi), after - before)
        self.assertEqual(len(after - before), 1)
        self.assertEqual(len(delivered(to_nation)), Statement.objects.count())
        # A branch follows its library; what a tool stored goes on without the agreement.
        self.assertTrue(store._forwarded_per_person(self.branch, None))
        self.assertFalse(store._forwarded_per_person(self.other_library, None))
        self.assertTrue(store._forwarded_per_person(self.other_library, client_id=1))

    def test_few_queries_per_event(self) -> None:
        learning_actions.complete_step(self.alice, self.text_step)  # the account exists now
        # 12 for the step itself; for its statement the membership and the account, and in
        # store() a savepoint and its release, and the definitions. Then the rows and the
        # stored definitions (to merge their language maps): on PostgreSQL one prepared
        # statement (statement, agents, activities, deliveries; Django's query log does not
        # see it), else a query for the definitions and one insert per table.
        rows = 0 if connection.vendor == "postgresql" else 1 + 4
        with self.assertNumQueries(12 + 5 + rows):
            learning_actions.complete_step(self.alice, self.video_step)


class AttendanceTests(RecordTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.cohort = cohort_actions.start_cohort(
            cls.programme,
            library=cls.library,
            name="Groep voorjaar",
            adviser=cls.adviser,
            manager=cls.manager,
            starts_on=timezone.localdate(),
            participants=[cls.alice, cls.bob],
        )
        cls.meeting = cls.cohort.meetings.get(position=1)
        cls.starts = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)
        Meeting.objects.filter(pk=cls.meeting.pk).update(starts_at=cls.starts)
        cls.meeting.refresh_from_db()

    def tap(self, status: str, revision: int) -> None:
        cohort_actions.record_attendance(
            self.meeting, self.alice, status=status, revision=revision, by=self.adviser
        )

    def test_present_is_attended_at_the_meeting(self) -> None:
        self.tap(AttendanceStatus.PRESENT, 1)
        self.tap(AttendanceStatus.PRESENT, 2)  # the same again: nothing new
        (attended,) = self.statements()
        self.assertEqual(attended["verb"]["id"], ADL + "attended")
        self.assertEqual(
            attended["object"]["id"], f"https://balie.nl/xapi/meetings/{self.meeting.pk}"
        )
        self.assertEqual(attended["timestamp"], self.starts.isoformat())
        validate_statements(self.statements())

    def test_absent_records_nothing(self) -> None:
        self.tap(AttendanceStatus.ABSENT, 1)
        self.tap(AttendanceStatus.EXCUSED, 2)
        self.assertEqual(Statement.objects.count(), 0)

    def test_a_correction_voids_and_present_again_is_new(self) -> None:
        self.tap(AttendanceStatus.PRESENT, 1)
        self.tap(AttendanceStatus.ABSENT, 2)
        self.tap(AttendanceStatus.ABSENT, 3)
        first, voiding = self.statements()[0], Statement.objects.get(verb_id=VOIDED)
        self.assertEqual(voiding.voids, uuid.UUID(first["id"]))
        self.assertEqual(voiding.statement_id, record.statement_id(f"voids {first['id']}"))
        self.tap(AttendanceStatus.PRESENT, 4)
        self.assertEqual(verbs(), ["attended", "voided", "attended"])
        again = Statement.objects.filter(verb_id=ADL + "attended").last()
        self.assertNotEqual(str(again.statement_id), first["id"])
        validate_statements(self.statements())

    def test_a_late_tap_changes_nothing(self) -> None:
        self.tap(AttendanceStatus.PRESENT, 5)
        self.tap(AttendanceStatus.ABSENT, 4)  # arrived after the newer one
        self.assertEqual(verbs(), ["attended"])

    def test_carousel_stations_are_attended_and_a_taken_back_mark_voids(self) -> None:
        event = carousel_actions.create_event(
            self.library,
            title="Carrousel",
            date=timezone.localdate() - dt.timedelta(days=1),
            place="Helmond",
            capacity=None,
            stations=[
                carousel_actions.StationPlan(topic="Taalhuis", host=self.taalhuis),
                carousel_actions.StationPlan(topic="IDO", host=self.manager),
            ],
            rounds=ROUNDS,
        )
        signups = [
            carousel_actions.sign_up(
                event, person, free_rounds=list(event.rounds.all()), chosen_stations=[], by=person
            )
            for person in (self.alice, self.bob)
        ]
        self.assertEqual(carousel_actions.make_schedule(event), [])
        today = timezone.localdate()
        carousel_actions.record_attendance(
            event, {signups[0].pk: True, signups[1].pk: False}, today=today
        )
        attended = self.statements(self.alice)
        self.assertEqual(
            sorted(s["object"]["id"] for s in attended),
            sorted(f"https://balie.nl/xapi/carousel-stations/{s.pk}" for s in event.stations.all()),
        )
        self.assertEqual(
            attended[0]["context"]["contextActivities"]["parent"][0]["id"],
            f"https://balie.nl/xapi/carousels/{event.pk}",
        )
        self.assertEqual(Statement.objects.count(), 2)  # Bob did not come
        validate_statements(attended)
        carousel_actions.record_attendance(event, {signups[0].pk: None}, today=today)
        self.assertEqual(verbs(), ["attended", "attended", "voided", "voided"])


class DemoTests(RecordTestCase):
    def test_the_demo_progress_is_replayed_once(self) -> None:
        started = timezone.now() - dt.timedelta(days=3)
        ModuleProgress.objects.create(
            user=self.bob, module=self.module, started_at=started, completed_at=started, seconds=60
        )
        correct = self.check_step.choices.get(is_correct=True)
        StepProgress.objects.create(
            user=self.bob,
            step=self.check_step,
            seen_at=started,
            answered_at=started,
            choice=correct,
            attempts=1,
        )
        Note.objects.create(user=self.bob, step=self.text_step, body="Tekst", updated_at=started)
        self.assertEqual(record_demo_statements(), 1)
        self.assertEqual(
            sorted(verbs()), ["answered", "attempted", "completed", "experienced", "noted"]
        )
        record_demo_statements()
        self.assertEqual(Statement.objects.count(), 5)
        validate_statements(self.statements())

    def test_what_the_actions_recorded_is_not_doubled(self) -> None:
        self.finish_module(self.alice)
        count = Statement.objects.count()
        record_demo_statements()
        self.assertEqual(Statement.objects.count(), count)


class ErasureTests(RecordTestCase):
    def test_erasure_leaves_the_statements_without_a_name(self) -> None:
        self.finish_module(self.alice)
        name = str(Account.objects.get(user=self.alice).name)
        count = Statement.objects.count()
        self.assertEqual(
            privacy.export(self.alice)["data"]["lrs.Account"]["user"], [{"name": uuid.UUID(name)}]
        )
        privacy.erase(self.alice, by="test")
        self.assertFalse(Account.objects.filter(name=name).exists())
        self.assertEqual(Statement.objects.count(), count)
