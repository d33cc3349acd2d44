"""`/health/ready` says when work that must not stop has stopped: contact data past their
retention date still there (the daily purge does not run), or tasks that no worker takes."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from balie.desk.tests.test_handovers import make_handover, make_offer, make_slot
from balie.orgs.tasks import send_invitation
from balie.testing import BaseTestCase

READY = "/health/ready"


class ReadyTests(BaseTestCase):
    def setUp(self) -> None:
        self.offer = make_offer(self.library)

    def handover(self, *, keep_until: dt.date, **fields):
        slot = make_slot(self.taalhuis, self.library, days=-40)
        return make_handover(slot, self.offer, keep_until=keep_until, **fields)

    def assert_ready(self) -> None:
        response = self.client.get(READY)
        self.assertEqual((response.status_code, response.content), (200, b"ok"))

    def assert_not_ready(self, *reasons: str) -> None:
        response = self.client.get(READY)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Content-Type"], "text/plain")
        self.assertEqual(response.content.decode().splitlines(), list(reasons))

    def test_contact_data_a_day_past_their_date_are_an_overdue_purge(self) -> None:
        today = timezone.localdate()
        self.handover(keep_until=today - dt.timedelta(days=1), first_name="Ria")
        self.handover(keep_until=today - dt.timedelta(days=9))  # nothing to purge
        self.assert_ready()  # due since today: the night's purge may still come
        late = self.handover(keep_until=today - dt.timedelta(days=2), contact="0612345678")
        self.assert_not_ready("purge_overdue")
        call_command("purge_contact_data", stdout=StringIO())  # no worker needed
        late.refresh_from_db()
        self.assertEqual(late.contact, "")
        self.assert_ready()

    def test_a_task_no_worker_takes_is_a_stalled_queue(self) -> None:
        send_invitation.enqueue(self.alice.pk, None)
        self.assert_ready()  # just enqueued
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
            self.assert_not_ready("task_queue_stalled")
            with override_settings(BALIE_TASK_MAX_WAIT_MINUTES=30):
                self.assert_ready()

    def test_a_task_to_run_later_waits_from_then(self) -> None:
        later = timezone.now() + dt.timedelta(hours=1)
        send_invitation.using(run_after=later).enqueue(self.alice.pk, None)
        with time_machine.travel(later + dt.timedelta(minutes=10)):
            self.assert_ready()
        with time_machine.travel(later + dt.timedelta(minutes=16)):
            self.assert_not_ready("task_queue_stalled")

    def test_both_at_once(self) -> None:
        self.handover(keep_until=timezone.localdate() - dt.timedelta(days=5), first_name="Ria")
        send_invitation.enqueue(self.alice.pk, None)
        with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
            self.assert_not_ready("purge_overdue", "task_queue_stalled")
