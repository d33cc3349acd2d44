from datetime import timedelta

import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from balie.learning.models import ModuleProgress, StepProgress, StepVisit
from balie.testing import BaseTestCase


class StepTimeTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)
        self.url = reverse("learning:step_time", args=[self.text_step.pk])

    def show(self, step=None) -> str:
        """Open the step page like a browser and return the page's visit ticket."""
        step = step or self.text_step
        response = self.client.get(reverse("learning:step", args=[step.pk]))
        return response.context["visit_token"]

    def beat(self, token: str, seconds: int, url: str | None = None):
        return self.client.post(url or self.url, {"token": token, "active_seconds": seconds})

    def seconds(self, user=None) -> int:
        progress = StepProgress.objects.filter(user=user or self.alice, step=self.text_step)
        return progress.first().seconds if progress.exists() else 0

    def test_it_credits_the_growth_of_active_time(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.show()
            clock.shift(timedelta(seconds=30))
            self.assertEqual(self.beat(token, 25).json(), {"credited": 25})
            clock.shift(timedelta(seconds=30))
            self.assertEqual(self.beat(token, 50).json(), {"credited": 25})
        self.assertEqual(self.seconds(), 50)
        progress = ModuleProgress.objects.get(user=self.alice, module=self.module)
        self.assertEqual(progress.seconds, 50)
        self.assertEqual(progress.current_step, self.text_step)

    def test_it_counts_a_repeated_heartbeat_once(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.show()
            clock.shift(timedelta(seconds=60))
            self.beat(token, 40)
            self.assertEqual(self.beat(token, 40).json(), {"credited": 0})
        self.assertEqual(self.seconds(), 40)

    def test_it_ignores_a_late_smaller_total(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.show()
            clock.shift(timedelta(seconds=60))
            self.beat(token, 45)
            self.assertEqual(self.beat(token, 20).json(), {"credited": 0})
        self.assertEqual(self.seconds(), 45)

    def test_it_never_credits_more_than_has_passed(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.show()
            clock.shift(timedelta(seconds=10))
            self.assertEqual(self.beat(token, 600).json(), {"credited": 10})
            clock.shift(timedelta(seconds=5))
            self.assertEqual(self.beat(token, 600).json(), {"credited": 5})
        self.assertEqual(self.seconds(), 15)

    def test_a_reload_starts_a_new_visit_that_adds_up(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            first = self.show()
            clock.shift(timedelta(seconds=20))
            self.beat(first, 20)
            second = self.show()
            clock.shift(timedelta(seconds=20))
            self.beat(second, 15)
        self.assertEqual(self.seconds(), 35)
        self.assertEqual(StepVisit.objects.filter(user=self.alice).count(), 2)

    def test_it_refuses_absurd_values_and_changes_nothing(self) -> None:
        token = self.show()
        for value in ["-5", "1e9", "abc", "", "99999999"]:
            with self.subTest(value=value):
                response = self.client.post(self.url, {"token": token, "active_seconds": value})
                self.assertEqual(response.status_code, 400)
        self.assertFalse(StepVisit.objects.exists())

    def test_it_refuses_a_forged_or_foreign_ticket(self) -> None:
        forged = signing.dumps(
            {"v": "0" * 32, "u": self.alice.pk, "s": self.text_step.pk, "t": 0}, salt="other"
        )
        self.assertEqual(self.beat(forged, 5).status_code, 400)
        other_step_ticket = self.show(self.video_step)
        self.assertEqual(self.beat(other_step_ticket, 5).status_code, 400)
        self.login(self.bob)
        alices_ticket_url = self.url
        self.assertEqual(self.beat(self.show_as_alice(), 5, alices_ticket_url).status_code, 400)
        self.assertEqual(self.seconds(self.bob), 0)
        self.assertEqual(self.seconds(self.alice), 0)

    def show_as_alice(self) -> str:
        return StepVisit.token_for(self.alice, self.text_step)

    def test_it_refuses_an_old_ticket(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.show()
            clock.shift(timedelta(hours=25))
            self.login(self.alice)  # a new session; the page's ticket is from yesterday
            response = self.beat(token, 30)
        self.assertEqual(response.status_code, 400)
        self.assertIn("token", response.json()["errors"])

    def test_it_is_404_for_a_step_the_learner_may_not_see(self) -> None:
        self.programme.is_published = False
        self.programme.save()
        token = StepVisit.token_for(self.alice, self.text_step)
        self.assertEqual(self.beat(token, 5).status_code, 404)
        self.assertEqual(
            self.client.post(
                reverse("learning:step_time", args=[999999]), {"token": token, "active_seconds": 5}
            ).status_code,
            404,
        )

    def test_it_takes_only_post(self) -> None:
        self.assertEqual(self.client.get(self.url).status_code, 405)
