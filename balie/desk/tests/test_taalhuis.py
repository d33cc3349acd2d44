"""The Taalhuis side: incoming hand-overs with contact data while kept, what came of them,
and intakes from every source, so that the share from the desk is known."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from balie.desk.models import HandOver, Intake, IntakeSource, Outcome
from balie.desk.tests.test_handovers import make_handover, make_offer, make_slot
from balie.orgs.models import Role, Specialism, User
from balie.security.models import AuditAction, AuditEvent
from balie.testing import BaseTestCase, make_person

TAALHUIS = reverse("desk:taalhuis")
INTAKE = reverse("desk:intake_new")


class TaalhuisTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.offer = make_offer(cls.library)
        cls.coming = make_handover(
            make_slot(cls.taalhuis, cls.library, days=3),
            cls.offer,
            first_name="Samira",
            contact="0612345678",
        )
        cls.passed = make_handover(
            make_slot(cls.taalhuis, cls.library, days=-2), cls.offer, first_name="Gerrit"
        )
        cls.done = make_handover(
            make_slot(cls.taalhuis, cls.library, days=-9), cls.offer, outcome=Outcome.NO_SHOW
        )
        cls.elsewhere = make_handover(
            make_slot(cls.outsider, cls.other_library, days=-2),
            make_offer(cls.other_library, "Intake Hilversum"),
            first_name="Kevin",
        )

    def outcome(self, handover: HandOver, outcome: str):
        return self.client.post(reverse("desk:outcome", args=[handover.pk]), {"outcome": outcome})

    def test_the_coordinator_sees_coming_then_passed_then_done(self) -> None:
        self.login(self.taalhuis)
        response = self.client.get(TAALHUIS)
        self.assertEqual(response.status_code, 200)
        rows = list(response.context["page"].object_list)
        self.assertEqual(rows, [self.coming, self.passed, self.done])
        self.assertContains(response, "Samira")
        self.assertContains(response, "0612345678")
        self.assertNotContains(response, "Kevin")

    def test_the_colleague_of_the_slot_sees_it_too(self) -> None:
        consultant = make_person(
            "ilse@hp.test",
            "Ilse Peters",
            self.library,
            Role.SPECIALIST,
            specialism=Specialism.BASIC_SKILLS_CONSULTANT,
        )
        mine = make_handover(make_slot(consultant, self.library, days=4), self.offer)
        self.login(consultant)
        rows = list(self.client.get(TAALHUIS).context["page"].object_list)
        self.assertIn(mine, rows)

    def test_managers_advisers_desk_staff_editors_and_administrators_see_no_handovers(self) -> None:
        admin = User.objects.create_superuser("root@spn.test", "x-x-x-x-x-x", full_name="Root")
        administrator = make_person("beheer@spn.test", "Bea Heer", self.national, Role.ADMIN)
        people = (self.manager, self.adviser, self.alice, self.bob, self.editor)
        for person in (*people, admin, administrator):
            self.login(person)
            self.assertEqual(self.client.get(TAALHUIS).status_code, 404, person)
            self.assertEqual(self.outcome(self.passed, Outcome.INTAKE).status_code, 404, person)
            self.assertEqual(
                self.client.post(INTAKE, {"held_on": "2026-01-05", "source": "self"}).status_code,
                404,
            )
        self.assertFalse(Intake.objects.exists())
        self.passed.refresh_from_db()
        self.assertEqual(self.passed.outcome, Outcome.PENDING)
        self.assertFalse(AuditEvent.objects.exists())

    def test_every_name_and_contact_shown_is_in_the_audit_log(self) -> None:
        self.login(self.taalhuis)
        self.client.get(TAALHUIS, REMOTE_ADDR="192.0.2.8")
        events = AuditEvent.objects.filter(action=AuditAction.CONTACT_SHOWN)
        # Samira and Gerrit: shown; the third had no name or contact, Kevin is elsewhere.
        self.assertEqual(
            sorted(events.values_list("object_id", flat=True)),
            sorted([str(self.coming.pk), str(self.passed.pk)]),
        )
        for event in events:
            self.assertEqual(
                (event.actor, event.actor_role, event.organisation_id, event.ip),
                (self.taalhuis, Role.SPECIALIST, self.library.pk, "192.0.2.8"),
            )

    def test_the_outsider_sees_only_her_own_librarys_handover(self) -> None:
        # Olga's own free time was booked in Hilversum (the fixture): she sees that one only.
        self.login(self.outsider)
        rows = list(self.client.get(TAALHUIS).context["page"].object_list)
        self.assertEqual(rows, [self.elsewhere])
        self.assertEqual(self.outcome(self.passed, Outcome.NO_SHOW).status_code, 404)

    def test_another_librarys_handover_is_404(self) -> None:
        self.login(self.taalhuis)
        self.assertEqual(self.outcome(self.elsewhere, Outcome.INTAKE).status_code, 404)
        self.elsewhere.refresh_from_db()
        self.assertEqual(self.elsewhere.outcome, Outcome.PENDING)

    def test_intake_held_creates_one_desk_intake(self) -> None:
        self.login(self.taalhuis)
        self.assertEqual(self.outcome(self.passed, Outcome.INTAKE).status_code, 302)
        self.assertEqual(self.outcome(self.passed, Outcome.INTAKE).status_code, 302)
        intake = Intake.objects.get()
        self.assertEqual(
            (intake.handover, intake.source, intake.library),
            (self.passed, IntakeSource.DESK, self.library),
        )
        self.assertEqual(intake.held_on, timezone.localtime(self.passed.slot.starts_at).date())
        self.passed.refresh_from_db()
        self.assertEqual(self.passed.outcome, Outcome.INTAKE)
        self.assertIsNotNone(self.passed.outcome_at)
        # A mistake put right: the intake goes again.
        self.outcome(self.passed, Outcome.NO_SHOW)
        self.assertFalse(Intake.objects.exists())

    def test_no_intake_or_no_show_before_the_appointment(self) -> None:
        self.login(self.taalhuis)
        self.outcome(self.coming, Outcome.INTAKE)
        self.coming.refresh_from_db()
        self.assertEqual(self.coming.outcome, Outcome.PENDING)
        self.assertFalse(Intake.objects.exists())
        self.outcome(self.coming, Outcome.CANCELLED)
        self.coming.refresh_from_db()
        self.assertEqual(self.coming.outcome, Outcome.CANCELLED)

    def test_a_bad_outcome_changes_nothing(self) -> None:
        self.login(self.taalhuis)
        self.assertEqual(self.outcome(self.passed, "maybe").status_code, 302)
        self.passed.refresh_from_db()
        self.assertEqual(self.passed.outcome, Outcome.PENDING)

    def test_log_intakes_from_other_sources_and_see_this_quarters_counts(self) -> None:
        self.login(self.taalhuis)
        today = timezone.localdate()
        for source in (IntakeSource.PARTNER, IntakeSource.PARTNER, IntakeSource.SELF):
            response = self.client.post(
                INTAKE, {"library": self.library.pk, "held_on": today, "source": source}
            )
            self.assertRedirects(response, TAALHUIS)
        self.outcome(self.passed, Outcome.INTAKE)
        Intake.objects.create(
            library=self.other_library, held_on=today, source=IntakeSource.PARTNER
        )
        Intake.objects.create(
            library=self.library, held_on=today - dt.timedelta(days=200), source=IntakeSource.SELF
        )
        response = self.client.get(TAALHUIS)
        counts = dict(response.context["by_source"])
        self.assertEqual(counts[IntakeSource.PARTNER.label], 2)
        self.assertEqual(counts[IntakeSource.SELF.label], 1)
        self.assertEqual(response.context["from_desk"], 1 if self.passed_in_quarter() else 0)
        self.assertEqual(response.context["total"], 3 + response.context["from_desk"])

    def passed_in_quarter(self) -> bool:
        today = timezone.localdate()
        start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        return timezone.localtime(self.passed.slot.starts_at).date() >= start

    def test_bad_intake_input(self) -> None:
        self.login(self.taalhuis)
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        for data in (
            {"held_on": tomorrow, "source": IntakeSource.SELF},
            {"held_on": "gisteren", "source": IntakeSource.SELF},
            {"held_on": timezone.localdate(), "source": "friend"},
            {"held_on": timezone.localdate(), "source": IntakeSource.SELF, "library": 999999},
        ):
            response = self.client.post(INTAKE, {"library": self.library.pk, **data})
            self.assertEqual(response.status_code, 400, data)
        response = self.client.post(
            INTAKE,
            {"library": self.other_library.pk, "held_on": timezone.localdate(), "source": "self"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Intake.objects.exists())

    def test_the_list_query_count_does_not_grow(self) -> None:
        self.login(self.taalhuis)
        self.client.get(TAALHUIS)
        with self.assertNumQueries(8) as first:
            self.client.get(TAALHUIS)
        for n in range(10):
            make_handover(
                make_slot(self.taalhuis, self.library, days=5 + n),
                self.offer,
                first_name=f"Klant {n}",
                contact="0612345678",
            )
        with self.assertNumQueries(len(first.captured_queries)):
            response = self.client.get(TAALHUIS)
        self.assertEqual(len(response.context["page"].object_list), 13)
