"""Shared desk PCs: no-store on every page for a logged-in person, the idle timeout (and the
heartbeat that does not keep a session alive), and a session from before two-step
verification became required for its role."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import override_settings
from django.urls import reverse

from balie.testing import PASSWORD, BaseTestCase

NOW = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)


class NoStoreTests(BaseTestCase):
    def test_pages_of_a_logged_in_person_are_not_stored(self) -> None:
        self.login(self.alice)
        for url in (reverse("learning:my_learning"), reverse("learning:notes")):
            cache_control = self.client.get(url)["Cache-Control"]
            self.assertIn("no-store", cache_control)
            self.assertIn("private", cache_control)

    def test_a_public_page_may_be_kept(self) -> None:
        response = self.client.get(reverse("privacy_notice"))
        self.assertNotIn("no-store", response.get("Cache-Control", ""))


@override_settings(BALIE_IDLE_MINUTES=30)
class IdleTimeoutTests(BaseTestCase):
    def log_in(self) -> None:
        self.client.post(reverse("login"), {"username": self.alice.email, "password": PASSWORD})

    def test_thirty_minutes_without_activity_log_out_and_the_login_page_says_why(self) -> None:
        with time_machine.travel(NOW, tick=False) as clock:
            self.log_in()
            clock.shift(dt.timedelta(minutes=29))
            self.assertEqual(self.client.get(reverse("learning:notes")).status_code, 200)
            clock.shift(dt.timedelta(minutes=29))  # activity above counted: still in
            self.assertEqual(self.client.get(reverse("learning:notes")).status_code, 200)
            clock.shift(dt.timedelta(minutes=31))
            response = self.client.get(reverse("learning:notes"), follow=True)
        self.assertEqual(response.redirect_chain[0][0].split("?")[0], reverse("login"))
        self.assertContains(response, "uitgelogd omdat je 30 minuten niets hebt gedaan")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_every_page_warns_by_the_session_timeout(self) -> None:
        """The step page has its own idle time (for time on task, BALIE_IDLE_SECONDS); the
        warning before logging out must not take that one."""
        self.login(self.alice)
        for url in (
            reverse("learning:notes"),
            reverse("learning:step", args=[self.video_step.pk]),
        ):
            self.assertContains(self.client.get(url), 'data-seconds="1800"')

    def test_the_heartbeat_does_not_keep_an_idle_session_alive(self) -> None:
        beat = reverse("learning:step_time", args=[self.video_step.pk])
        with time_machine.travel(NOW, tick=False) as clock:
            self.log_in()
            for _n in range(4):
                clock.shift(dt.timedelta(minutes=10))
                self.client.post(beat, {"token": "x", "active_seconds": "20"})
            response = self.client.get(reverse("learning:notes"))
        self.assertEqual(response.status_code, 302)

    def test_stay_logged_in(self) -> None:
        with time_machine.travel(NOW, tick=False) as clock:
            self.log_in()
            clock.shift(dt.timedelta(minutes=28))
            self.assertEqual(self.client.post(reverse("security:keep_alive")).status_code, 204)
            clock.shift(dt.timedelta(minutes=28))
            self.assertEqual(self.client.get(reverse("learning:notes")).status_code, 200)

    def test_the_page_carries_the_warning(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("learning:notes"))
        self.assertContains(response, 'data-seconds="1800"')
        self.assertContains(response, "security/idle.js")


class TwoFactorRequiredLaterTests(BaseTestCase):
    def test_a_session_from_before_the_requirement_must_set_it_up(self) -> None:
        self.client.post(reverse("login"), {"username": self.adviser.email, "password": PASSWORD})
        self.assertEqual(self.client.get(reverse("learning:notes")).status_code, 200)
        with override_settings(BALIE_REQUIRE_2FA_FOR=["adviser"]):
            response = self.client.get(reverse("learning:notes"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("security:turn_on")))

    def test_other_roles_are_not_asked(self) -> None:
        self.client.post(reverse("login"), {"username": self.alice.email, "password": PASSWORD})
        with override_settings(BALIE_REQUIRE_2FA_FOR=["adviser"]):
            self.assertEqual(self.client.get(reverse("learning:notes")).status_code, 200)
