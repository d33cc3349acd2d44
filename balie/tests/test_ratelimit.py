"""Rate limits on the JSON endpoints: generous for people, a wall for a script."""

from __future__ import annotations

import time_machine
from django.core.cache import cache
from django.urls import reverse

from balie.testing import ONE_RATE_LIMIT_WINDOW, BaseTestCase


class RateLimitTests(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()  # the counts live in the cache, which outlives a test's transaction
        self.addCleanup(cache.clear)

    def beat(self):
        url = reverse("learning:step_time", args=[self.video_step.pk])
        return self.client.post(url, {"token": "x", "active_seconds": "20"})

    @time_machine.travel(ONE_RATE_LIMIT_WINDOW, tick=False)
    def test_the_121st_heartbeat_in_a_minute_is_refused(self) -> None:
        self.login(self.alice)
        answers = [self.beat().status_code for _n in range(120)]
        self.assertNotIn(429, answers)
        refused = self.beat()
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(refused["Retry-After"], "60")
        self.assertEqual(refused["Content-Type"], "application/json")
        self.assertIn("error", refused.json())
        # Another person beats on.
        self.login(self.bob)
        self.assertNotEqual(self.beat().status_code, 429)

    def test_a_new_minute_lets_the_heartbeats_through_again(self) -> None:
        with time_machine.travel(ONE_RATE_LIMIT_WINDOW, tick=False) as clock:
            self.login(self.alice)
            for _n in range(121):
                self.beat()
            self.assertEqual(self.beat().status_code, 429)
            clock.shift(60)
            self.assertNotEqual(self.beat().status_code, 429)
