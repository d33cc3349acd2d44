"""Repeats that arrive at the same moment (a retried request racing its original) still count
once. Runs real threads against the real database, each in its own connection."""

import uuid
from datetime import timedelta

from django.test import TransactionTestCase
from django.utils import timezone

from balie.learning import actions
from balie.learning.models import Note, StepProgress
from balie.orgs.actions import add_person, create_organisation, grant_role
from balie.orgs.models import Organisation, Role
from balie.testing import at_once, make_module, make_programme, make_step


class ConcurrentRepeatTests(TransactionTestCase):
    def setUp(self) -> None:
        national = create_organisation(kind=Organisation.Kind.NATIONAL, name="SPN", slug="spn")
        poi = create_organisation(
            kind=Organisation.Kind.POI, name="Cubiss", slug="cubiss", parent=national
        )
        library = create_organisation(
            kind=Organisation.Kind.LIBRARY, name="HP", slug="hp", parent=poi
        )
        self.learner = add_person(email="alice@hp.test", full_name="Alice")
        grant_role(self.learner, organisation=library, role=Role.LEARNER)
        self.step = make_step(make_module(make_programme()))

    def test_the_same_heartbeat_at_once_counts_once(self) -> None:
        visit = uuid.uuid4()
        shown = timezone.now() - timedelta(minutes=5)
        at_once(
            [
                lambda: actions.record_time(
                    self.learner, self.step, visit_id=visit, shown_at=shown, active_seconds=120
                )
            ]
            * 6
        )
        self.assertEqual(StepProgress.objects.get(user=self.learner, step=self.step).seconds, 120)

    def test_the_same_note_save_at_once_is_stored_once(self) -> None:
        at_once(
            [lambda: actions.save_note(self.learner, self.step, body="Tegelijk", revision=42)] * 6
        )
        self.assertEqual(Note.objects.get(user=self.learner, step=self.step).body, "Tegelijk")
