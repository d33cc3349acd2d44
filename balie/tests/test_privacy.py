"""Privacy rights: the registry covers every model (QUALITY A1), and a staff member's export and
erasure round-trip (A2) while other people's rows and the team's figures stay as they were."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import SimpleTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from balie import privacy
from balie.carousel import actions as carousel_actions
from balie.cohorts import actions as cohort_actions
from balie.cohorts import calendar as cohort_calendar
from balie.cohorts import tasks as cohort_tasks
from balie.cohorts.models import AgendaItem, Attendance, AttendanceStatus, Meeting, OutcomeKind
from balie.desk import handover_actions
from balie.desk.actions import log_referral
from balie.desk.models import Channel, IntakeSource, Need, Offer, OfferKind, Slot
from balie.insights import actions as insight_actions
from balie.insights import queries
from balie.insights.filters import Period
from balie.insights.models import Response
from balie.learning import actions as learning_actions
from balie.learning.models import StepProgress
from balie.orgs.actions import grant_role, save_directory_entry
from balie.orgs.models import Role, Specialism, User
from balie.testing import PASSWORD, BaseTestCase, make_person

ROUNDS = [(dt.time(19, 0), dt.time(19, 25)), (dt.time(19, 30), dt.time(19, 55))]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"

# What the seeded person holds, per model and field: every part of the registry appears.
EXPECTED = {
    "orgs.Membership.user": 3,
    "orgs.DirectoryEntry.person": 1,
    "learning.ModuleProgress.user": 1,
    "learning.StepProgress.user": 5,
    "learning.StepVisit.user": 1,
    "learning.Note.user": 1,
    "learning.LocalBlock.updated_by": 1,
    "learning.LocalBlock.colleagues": 1,
    "cohorts.Cohort.adviser": 1,
    "cohorts.Cohort.manager": 1,
    "cohorts.Participant.user": 1,
    "cohorts.AgendaItem.presenter": 1,
    "cohorts.Attendance.user": 1,
    "cohorts.Attendance.recorded_by": 1,
    "cohorts.CalendarFeed.user": 1,
    "cohorts.ReminderSent.user": 1,
    "carousel.Station.host": 1,
    "carousel.SignUp.user": 1,
    "carousel.SignUp.signed_up_by": 3,
    "carousel.Assignment.user": 2,
    "desk.Offer.owner": 1,
    "desk.Slot.colleague": 2,
    "insights.Invitation.user": 1,
    "admin.LogEntry.user": 1,
    "lrs.Account.user": 1,
    "scorm.Attempt.user": 0,
    "scorm.Registration.user": 0,
    "scorm.Package.uploaded_by": 0,
    "security.TwoFactor.user": 0,
    "security.AuditEvent.actor": 1,  # her change in the management site
    "socialaccount.SocialAccount.user": 1,  # she logs in with her library's account
    "account.EmailAddress.user": 0,  # Balie leaves allauth's list of addresses empty
    "orgs.User.id": 1,
}


def person_fields(model) -> list[str]:
    """The fields of `model` that point at a person (foreign keys and many-to-many)."""
    user_model = get_user_model()
    return [
        f.name
        for f in model._meta.get_fields()
        if f.is_relation
        and not f.auto_created
        and (f.concrete or f.many_to_many)
        and f.related_model is user_model
    ]


def uncovered(registry, not_about_staff) -> list[str]:
    """Every field pointing at a person that no part covers, and every model with personal
    fields that is neither registered nor declared: what a new model would forget."""
    covered = {(part.label, part.field) for part in registry}
    labels = {part.label for part in registry} | set(not_about_staff)
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        for name in person_fields(model):
            if (label, name) not in covered:
                missing.append(f"{label}.{name}")
        personal = {f.name for f in model._meta.concrete_fields} & privacy.PERSONAL_FIELD_NAMES
        if personal and label not in labels:
            missing.append(f"{label} ({', '.join(sorted(personal))})")
    return missing


class CoverageTests(SimpleTestCase):
    def test_every_model_that_holds_a_person_is_registered(self) -> None:
        self.assertEqual(
            uncovered(privacy.REGISTRY, privacy.NOT_ABOUT_STAFF),
            [],
            "Add these to balie/privacy.py: REGISTRY (export and erase) or NOT_ABOUT_STAFF (why).",
        )

    def test_a_forgotten_model_fails_by_name(self) -> None:
        without_notes = [p for p in privacy.REGISTRY if p.label != "learning.Note"]
        without_handover = {
            k: v for k, v in privacy.NOT_ABOUT_STAFF.items() if k != "desk.HandOver"
        }
        self.assertEqual(
            uncovered(without_notes, without_handover),
            ["learning.Note.user", "desk.HandOver (contact, first_name)"],
        )

    def test_registry_names_real_fields_once(self) -> None:
        keys = [part.key for part in privacy.REGISTRY]
        self.assertEqual(len(keys), len(set(keys)))
        for part in privacy.REGISTRY:
            with self.subTest(part=part.key):
                if part.field != "id":
                    self.assertIn(part.field, person_fields(part.model))
                self.assertTrue(part.why)
                self.assertTrue(part.fields or part.export, "say what the export shows")
                self.assertIn(
                    part.erase if isinstance(part.erase, str) else "fn", ("delete", "keep", "fn")
                )

    def test_models_declared_without_staff_point_at_nobody(self) -> None:
        for label in privacy.NOT_ABOUT_STAFF:
            with self.subTest(model=label):
                self.assertEqual(person_fields(apps.get_model(label)), [])
        for label in ("desk.Referral", "insights.Response"):
            self.assertIn(label, privacy.NOT_ABOUT_STAFF)


@override_settings(TASKS=IMMEDIATE, EMAIL_BACKEND=LOCMEM)
class PrivacyTestCase(BaseTestCase):
    """Femke is a manager and the Taalhuis coordinator of Helmond-Peel, and also an adviser of
    Cubiss: so that one person has data in every part of the registry. Bob and Alice have
    data beside hers, which must stay as it is."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        now = timezone.now()
        today = timezone.localdate()
        cls.femke = femke = make_person(
            "femke@hp.test", "Femke Willemsen", cls.library, Role.MANAGER
        )
        grant_role(
            femke,
            organisation=cls.library,
            role=Role.SPECIALIST,
            specialism=Specialism.TAALHUIS_COORDINATOR,
        )
        grant_role(femke, organisation=cls.poi, role=Role.ADVISER)
        femke = cls.femke = User.objects.get(pk=femke.pk)  # fresh memberships

        # orgs
        for person, title in ((femke, "Taalhuiscoördinator"), (cls.bob, "IDO-medewerker")):
            save_directory_entry(
                by=cls.manager,
                library=cls.library,
                person=person,
                role_title=title,
                how_to_reach="toestel 214",
                note="Kom gerust langs.",
            )
        # her library's own account, linked at her first login through it (balie/security/sso.py)
        SocialAccount.objects.create(
            user=femke, provider="helmond-peel", uid="femke-sub", extra_data={"email": femke.email}
        )
        # learning: Femke and Alice finish the module; Bob sees one step
        correct = cls.check_step.choices.get(is_correct=True)
        for person in (femke, cls.alice):
            for step in cls.steps:
                learning_actions.complete_step(person, step)
            learning_actions.answer_check(person, cls.check_step, choice=correct)
        learning_actions.complete_step(cls.bob, cls.text_step)
        learning_actions.record_time(
            femke,
            cls.text_step,
            visit_id=uuid.uuid4(),
            shown_at=now - dt.timedelta(minutes=2),
            active_seconds=60,
        )
        learning_actions.save_note(
            femke, cls.reflection_step, body="Ik vraag het aan de leesconsulent.", revision=1
        )
        learning_actions.save_note(
            cls.bob, cls.reflection_step, body="Bobs eigen notitie.", revision=1
        )
        learning_actions.save_local_block(
            cls.module,
            library=cls.library,
            how_we_do_it="Wij geven het koffertje aan de balie mee.",
            activities="",
            partners="",
            colleagues=[femke, cls.bob],
            by=femke,
        )
        # cohorts: Femke leads and manages a cohort she takes part in, with Alice and Bob
        cohort = cohort_actions.start_cohort(
            cls.programme,
            library=cls.library,
            name="Groep voorjaar",
            adviser=femke,
            manager=femke,
            starts_on=today - dt.timedelta(days=40),
            participants=[femke, cls.alice, cls.bob],
        )
        cls.cohort = cohort
        held = cohort.meetings.get(position=1)
        Meeting.objects.filter(pk=held.pk).update(
            starts_at=now - dt.timedelta(days=7), ends_at=now - dt.timedelta(days=7, hours=-2)
        )
        AgendaItem.objects.create(meeting=held, title="Welkom", presenter=femke)
        cohort_actions.record_attendance(
            held, femke, status=AttendanceStatus.PRESENT, revision=1, by=cls.adviser
        )
        cohort_actions.record_attendance(
            held, cls.bob, status=AttendanceStatus.ABSENT, revision=1, by=femke
        )
        cohort_actions.record_attendance(
            held, cls.alice, status=AttendanceStatus.PRESENT, revision=1, by=cls.adviser
        )
        coming = cohort.meetings.get(position=2)
        Meeting.objects.filter(pk=coming.pk).update(
            starts_at=now + dt.timedelta(days=10), ends_at=now + dt.timedelta(days=10, hours=2)
        )
        cohort_tasks.send_invitations.call(coming.pk)
        cohort_calendar.feed_token_for(femke)
        cohort_calendar.feed_token_for(cls.bob)
        # carousel: Femke hosts a station in a past one, signs up for a coming one
        past = carousel_actions.create_event(
            cls.library,
            title="Carrousel najaar",
            date=today - dt.timedelta(days=10),
            place="Helmond",
            capacity=None,
            stations=[
                carousel_actions.StationPlan(topic="Taalhuis", host=femke),
                carousel_actions.StationPlan(topic="IDO", host=cls.manager),
            ],
            rounds=ROUNDS,
        )
        carousel_actions.sign_up(
            past, cls.bob, free_rounds=list(past.rounds.all()), chosen_stations=[], by=femke
        )
        cls.coming_event = coming_event = carousel_actions.create_event(
            cls.library,
            title="Carrousel voorjaar",
            date=today + dt.timedelta(days=20),
            place="Helmond",
            capacity=None,
            stations=[
                carousel_actions.StationPlan(topic="BoekStart", host=cls.manager),
                carousel_actions.StationPlan(topic="Taalcafé", host=cls.taalhuis),
            ],
            rounds=ROUNDS,
        )
        for person in (femke, cls.alice):
            carousel_actions.sign_up(
                coming_event,
                person,
                free_rounds=list(coming_event.rounds.all()),
                chosen_stations=[],
                by=femke,
            )
        assert carousel_actions.make_schedule(coming_event) == []
        # desk: her offer, her free time, one hand-over booked in it, referrals and an intake
        cls.offer = offer = Offer.objects.create(
            library=cls.library,
            kind=OfferKind.INTAKE,
            name="Taalhuis intake",
            owner=femke,
            takes_appointments=True,
        )
        for colleague in (femke, cls.taalhuis):
            handover_actions.add_slots(
                cls.library,
                handover_actions.SlotPlan(
                    colleague=colleague,
                    first=now + dt.timedelta(days=2),
                    minutes=30,
                    place="Taalhuiskamer",
                    branch=None,
                    weeks=2,
                ),
            )
        first_slot = Slot.objects.filter(colleague=femke).order_by("starts_at").first()
        handover_actions.book(
            first_slot.pk,
            offer=offer,
            need=Need.LANGUAGE,
            branch=cls.branch,
            consent_text="Ik vind het goed.",
            consent_at=now,
            first_name="Samira",
            contact="06-12345678",
        )
        for _ in range(3):
            log_referral(
                client_id=uuid.uuid4(),
                offer=offer,
                need=Need.READING,
                warm=False,
                branch=cls.branch,
                channel=Channel.DESK,
            )
        handover_actions.log_intake(cls.library, held_on=today, source=IntakeSource.DESK)
        # insights: Femke and Bob are asked about the module; Femke answers (anonymously)
        invitation = insight_actions.invite_for_module(femke, cls.module)
        insight_actions.answer(
            invitation, {"rating": 4, "time_verdict": "right", "comment": "Heel nuttig."}
        )
        insight_actions.invite_for_module(cls.alice, cls.module)
        # the management site's history: Femke changed Bob; the editor changed Femke
        LogEntry.objects.log_actions(
            user_id=femke.pk, queryset=[cls.bob], action_flag=CHANGE, change_message="[]"
        )
        LogEntry.objects.log_actions(
            user_id=cls.editor.pk, queryset=[femke], action_flag=CHANGE, change_message="[]"
        )

    def others(self) -> list[User]:
        return list(User.objects.exclude(pk=self.femke.pk).order_by("pk"))

    def team_figures(self) -> dict:
        scope = queries.library_scope(self.library, Period.last_twelve_months(), None)
        figures = dict(queries.report(scope).counts)
        figures["attendance"] = sorted(
            Attendance.objects.filter(meeting__cohort=self.cohort)
            .values_list("status")
            .annotate(n=Count("id"))
        )
        figures["places"] = self.cohort.participants.count()
        figures["responses_in_all"] = Response.objects.count()
        return figures


class ExportTests(PrivacyTestCase):
    def test_export_holds_every_part_with_her_rows(self) -> None:
        self.assertEqual(set(EXPECTED), {part.key for part in privacy.REGISTRY})
        document = json.loads(privacy.export_json(self.femke, by="test"))
        self.assertEqual(document["format"], privacy.FORMAT)
        self.assertEqual(document["person"]["email"], "femke@hp.test")
        for part in privacy.REGISTRY:
            with self.subTest(part=part.key):
                rows = document["data"][part.label][part.field]
                self.assertEqual(len(rows), EXPECTED[part.key])
                if part.field != "id" and part.export is None:
                    self.assertEqual(
                        len(rows),
                        part.model._base_manager.filter(**{part.field: self.femke}).count(),
                    )

    def test_export_holds_her_own_text(self) -> None:
        text = privacy.export_json(self.femke, by="test")
        for own in (
            "Ik vraag het aan de leesconsulent.",
            "Taalhuiscoördinator",
            "Wij geven het koffertje",
        ):
            self.assertIn(own, text)

    def test_export_holds_nothing_of_another_person(self) -> None:
        text = privacy.export_json(self.femke, by="test")
        for other in self.others():
            self.assertNotIn(other.email, text)
            self.assertNotIn(other.full_name, text)
        for secret in (
            "Bobs eigen notitie.",  # Bob's note
            "Heel nuttig.",  # her answer: anonymous, not linkable, so not exported
            "Samira",  # the customer of the hand-over
            "06-12345678",
            self.femke.calendar_feed.token,
        ):
            self.assertNotIn(secret, text)

    def test_export_is_logged_without_the_address(self) -> None:
        with self.assertLogs("balie.security", "INFO") as logs:
            privacy.export_json(self.femke, by="Noor\nforged line")
        self.assertIn(f"person={self.femke.pk}", logs.output[0])
        self.assertNotIn("femke@hp.test", logs.output[0])
        self.assertNotIn("\n", logs.records[0].getMessage())

    def test_queries_do_not_grow_with_rows(self) -> None:
        with self.assertNumQueries(37) as first:
            privacy.export(self.femke)
        for step in self.steps:
            learning_actions.save_note(self.femke, step, body="Nog een notitie.", revision=5)
        self.assertNumQueries(len(first.captured_queries), privacy.export, self.femke)

    def test_command_writes_a_file(self) -> None:
        with TemporaryDirectory() as folder:
            path = Path(folder) / "femke.json"
            with self.assertLogs("balie.security", "INFO"):
                call_command(
                    "privacy_export", "Femke@HP.test", output=path, by="ticket 1", stderr=StringIO()
                )
            document = json.loads(path.read_text(encoding="utf-8"))
            self.assertEqual(document["person"]["id"], self.femke.pk)
            self.assertEqual(path.stat().st_mode & 0o777, 0o600)
            with self.assertRaises(CommandError):  # never overwrites
                call_command("privacy_export", "femke@hp.test", output=path)

    def test_command_for_nobody(self) -> None:
        with self.assertRaises(CommandError):
            call_command("privacy_export", "nobody@hp.test")


class ErasureTests(PrivacyTestCase):
    def erase(self) -> dict[str, int]:
        return privacy.erase(self.femke, by="test")

    def test_nothing_personal_remains(self) -> None:
        self.erase()
        self.assertEqual(privacy.mentions("femke@hp.test"), [])
        self.assertEqual(privacy.mentions("Femke Willemsen"), [])
        self.assertEqual(privacy.mentions("Femke"), [])

    def test_what_is_only_hers_is_deleted(self) -> None:
        self.erase()
        femke = User.objects.get(pk=self.femke.pk)
        for part in privacy.REGISTRY:
            if part.erase == privacy.DELETE:
                with self.subTest(part=part.key):
                    self.assertFalse(part.rows(femke).exists())
        self.assertFalse(femke.local_blocks.exists())
        self.assertFalse(femke.carousel_signups.exists())
        # the free slot went; the one with a customer's appointment stays
        self.assertEqual(
            list(
                Slot.objects.filter(colleague=femke).values_list("handover__first_name", flat=True)
            ),
            ["Samira"],
        )
        self.coming_event.refresh_from_db()
        self.assertTrue(self.coming_event.plan_outdated)

    def test_account_is_anonymised(self) -> None:
        self.erase()
        femke = User.objects.get(pk=self.femke.pk)
        self.assertEqual(femke.email, f"erased-{femke.pk}@balie.invalid")
        self.assertEqual(femke.full_name, "Verwijderde medewerker")
        self.assertFalse(femke.is_active)
        self.assertFalse(femke.has_usable_password())
        self.assertFalse(femke.memberships.exists())
        self.assertFalse(self.client.login(email="femke@hp.test", password=PASSWORD))
        # kept rows point at the anonymised account
        self.assertEqual(self.cohort.participants.filter(user=femke).count(), 1)
        self.assertEqual(
            LogEntry.objects.get(user=self.editor).object_repr, "Verwijderde medewerker"
        )

    def test_her_session_ends(self) -> None:
        self.login(self.femke)
        home = reverse("learning:my_learning")
        self.assertEqual(self.client.get(home).status_code, 200)
        self.erase()
        self.assertEqual(self.client.get(home).status_code, 302)

    def test_team_figures_stay_right(self) -> None:
        before = self.team_figures()
        self.assertGreater(before["responses"], 0)
        self.assertGreater(before["referrals"], 0)
        self.erase()
        after = self.team_figures()
        for figure in (
            "responses",
            "responses_in_all",
            "referrals",
            "handovers",
            "intakes",
            "attendance",
            "places",
        ):
            self.assertEqual(after[figure], before[figure], figure)
        # her own completion of the module leaves the time-on-task figures with her progress
        self.assertEqual(after["completions"], before["completions"] - 1)

    def test_other_peoples_rows_are_unchanged(self) -> None:
        before = {user.pk: privacy.export(user)["data"] for user in self.others()}
        notes = StepProgress.objects.exclude(user=self.femke).count()
        self.erase()
        after = {user.pk: privacy.export(user)["data"] for user in self.others()}
        self.assertEqual(after, before)
        self.assertEqual(StepProgress.objects.exclude(user=self.femke).count(), notes)
        self.assertEqual(LogEntry.objects.get(user=self.femke).object_repr, "Bob Jansen")

    def test_erasure_is_logged(self) -> None:
        with self.assertLogs("balie.security", "INFO") as logs:
            self.erase()
        self.assertIn(f"privacy erasure: person={self.femke.pk}", logs.output[0])
        self.assertNotIn("Femke", logs.output[0])

    def test_command_asks_for_yes(self) -> None:
        with self.assertRaises(CommandError):
            call_command("privacy_erase", "femke@hp.test")
        self.assertTrue(User.objects.filter(email="femke@hp.test", is_active=True).exists())

    def test_command_erases_and_shows_what_others_wrote_about_her(self) -> None:
        meeting = self.cohort.meetings.get(position=1)
        outcome = cohort_actions.add_outcome(
            meeting, kind=OutcomeKind.AGREEMENT, text="Femke Willemsen helpt bij DigiD-vragen."
        )
        out = StringIO()
        with self.assertLogs("balie.security", "INFO"):
            call_command("privacy_erase", "femke@hp.test", yes=True, by="ticket 2", stdout=out)
        self.assertIn(f"erased-{self.femke.pk}@balie.invalid", out.getvalue())
        self.assertIn(f"cohorts.Outcome #{outcome.pk} text", out.getvalue())
        with self.assertRaises(CommandError):  # once is enough; the address is gone
            call_command("privacy_erase", "femke@hp.test", yes=True)
        with self.assertRaises(CommandError):
            call_command("privacy_erase", f"erased-{self.femke.pk}@balie.invalid", yes=True)
