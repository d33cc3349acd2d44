"""The retention purge: contact data go after `keep_until`; the audit trail says that and
when, never what. Twice, or in two processes at once, deletes and counts nothing twice."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import skipUnless

from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from balie.desk import handover_actions as actions
from balie.desk.models import HandOver, Purge
from balie.desk.tasks import purge_contact_data as purge_task
from balie.desk.tests.test_handovers import make_handover, make_offer, make_slot
from balie.testing import BaseTestCase, at_once

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_due_handovers(case) -> None:
    case.offer = make_offer(case.library)
    case.other_offer = make_offer(case.other_library, "Intake Hilversum")
    today = timezone.localdate()
    case.due = [
        make_handover(
            make_slot(case.taalhuis, case.library, days=-40 - n),
            case.offer,
            first_name="Samira",
            contact="0612345678",
            keep_until=today - dt.timedelta(days=1 + n),
        )
        for n in range(3)
    ]
    case.due_elsewhere = make_handover(
        make_slot(case.outsider, case.other_library, days=-40),
        case.other_offer,
        first_name="Kevin",
        contact="kevin@example.nl",
        keep_until=today - dt.timedelta(days=2),
    )
    case.kept = make_handover(
        make_slot(case.taalhuis, case.library, days=-3),
        case.offer,
        first_name="Ria",
        contact="0492123456",
        keep_until=today,  # kept until the end of today
    )
    case.empty = make_handover(
        make_slot(case.taalhuis, case.library, days=-50),
        case.offer,
        keep_until=today - dt.timedelta(days=10),
    )


class PurgeTests(BaseTestCase):
    def setUp(self) -> None:
        make_due_handovers(self)

    def test_purge_empties_due_contact_data_and_nothing_else(self) -> None:
        before = {h.pk: model_to_dict(h) for h in HandOver.objects.all()}
        now = timezone.now()
        counts = actions.purge_contact_data(now)
        self.assertEqual(counts, {self.library.pk: 3, self.other_library.pk: 1})
        for handover in HandOver.objects.all():
            after = model_to_dict(handover)
            if handover.pk in {h.pk for h in self.due} | {self.due_elsewhere.pk}:
                self.assertEqual((handover.first_name, handover.contact), ("", ""))
                self.assertEqual(handover.contact_deleted_at, now)
                changed = {k for k in after if after[k] != before[handover.pk][k]}
                self.assertEqual(changed, {"first_name", "contact"})
            else:
                self.assertEqual(after, before[handover.pk])
                self.assertIsNone(handover.contact_deleted_at)
        self.kept.refresh_from_db()
        self.assertEqual(self.kept.first_name, "Ria")

    def test_one_purge_row_per_library_with_the_count_only(self) -> None:
        actions.purge_contact_data(timezone.now())
        rows = {p.library_id: p.deleted for p in Purge.objects.all()}
        self.assertEqual(rows, {self.library.pk: 3, self.other_library.pk: 1})
        fields = {f.name for f in Purge._meta.get_fields()}
        self.assertEqual(fields, {"id", "ran_at", "library", "deleted"})

    def test_twice_deletes_nothing_twice_and_writes_no_empty_rows(self) -> None:
        first = timezone.now()
        actions.purge_contact_data(first)
        self.assertEqual(actions.purge_contact_data(first + dt.timedelta(minutes=1)), {})
        self.assertEqual(Purge.objects.count(), 2)
        self.assertEqual(
            set(
                HandOver.objects.exclude(contact_deleted_at=None).values_list(
                    "contact_deleted_at", flat=True
                )
            ),
            {first},
        )

    def test_the_next_day_purges_what_was_kept_today(self) -> None:
        actions.purge_contact_data(timezone.now())
        counts = actions.purge_contact_data(timezone.now() + dt.timedelta(days=1))
        self.assertEqual(counts, {self.library.pk: 1})
        self.kept.refresh_from_db()
        self.assertEqual((self.kept.first_name, self.kept.contact), ("", ""))

    def test_the_command_purges_itself_without_a_worker(self) -> None:
        out = StringIO()
        call_command("purge_contact_data", stdout=out)
        self.assertIn("4 hand-over(s) in 2 library(ies)", out.getvalue())
        self.assertEqual(HandOver.objects.exclude(contact_deleted_at=None).count(), 4)
        self.assertFalse(DBTaskResult.objects.exists())  # nothing left for a worker
        call_command("purge_contact_data", "--now", stdout=StringIO())  # old cron lines work
        self.assertEqual(Purge.objects.count(), 2)  # one per library, once

    @override_settings(TASKS=IMMEDIATE)
    def test_the_task_stays_for_a_schedule_of_tasks(self) -> None:
        self.assertEqual(purge_task.enqueue().return_value, 4)
        self.assertEqual(HandOver.objects.exclude(contact_deleted_at=None).count(), 4)

    def test_the_taalhuis_sees_when_the_details_were_deleted(self) -> None:
        actions.purge_contact_data(timezone.now())
        self.login(self.taalhuis)
        from django.urls import reverse

        response = self.client.get(reverse("desk:taalhuis"))
        self.assertContains(response, "data-purged", count=3)
        self.assertNotContains(response, "0612345678")


@skipUnless(connection.vendor == "postgresql", "two real connections need PostgreSQL")
class ConcurrentPurgeTests(TransactionTestCase):
    def setUp(self) -> None:
        BaseTestCase.setUpTestData.__func__(self)
        make_due_handovers(self)

    def test_two_processes_at_once_purge_once(self) -> None:
        results = at_once([lambda: actions.purge_contact_data(timezone.now())] * 2)
        totals = {}
        for result in results:
            for library, count in result.items():
                totals[library] = totals.get(library, 0) + count
        self.assertEqual(totals, {self.library.pk: 3, self.other_library.pk: 1})
        self.assertEqual(sum(Purge.objects.values_list("deleted", flat=True)), 4)
        self.assertFalse(Purge.objects.filter(deleted=0).exists())
