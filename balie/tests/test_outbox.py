"""What the browser's outbox (static/balie/outbox.js) relies on from the server: a CSRF
refusal it can tell from another 403, a fresh token after a login elsewhere rotated it, and
the status line on every page that writes in the background."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from balie.cohorts import actions as cohort_actions
from balie.cohorts.models import Meeting
from balie.desk.models import Offer, OfferKind
from balie.testing import BaseTestCase


class CsrfTokenTests(BaseTestCase):
    def setUp(self) -> None:
        self.browser = Client(enforce_csrf_checks=True)
        self.browser.force_login(self.alice)
        self.note_url = reverse("learning:note_save", args=[self.text_step.pk])

    def token(self) -> str:
        response = self.browser.get(reverse("csrf_token"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])
        return response.json()["token"]

    def save_note(self, token: str, revision: int):
        return self.browser.post(
            self.note_url, {"body": "Bewaard", "revision": revision}, HTTP_X_CSRFTOKEN=token
        )

    def test_a_refusal_by_the_csrf_check_is_marked(self) -> None:
        response = self.save_note("not-a-token", 1)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response["X-Balie-Csrf-Failure"], "1")

    def test_another_refusal_is_not_marked(self) -> None:
        self.browser.force_login(self.adviser)
        response = self.browser.post(
            reverse("desk:tally_log"), "{}", "application/json", HTTP_X_CSRFTOKEN=self.token()
        )
        self.assertNotIn("X-Balie-Csrf-Failure", response)

    def test_a_token_from_before_a_new_login_is_refused_and_a_fresh_one_works(self) -> None:
        old = self.token()
        self.assertEqual(self.save_note(old, 1).status_code, 200)
        self.browser.force_login(self.alice)  # a login in another tab rotates the token
        self.browser.cookies.pop("csrftoken")  # … and a cleared cookie loses it altogether
        self.assertEqual(self.save_note(old, 2).status_code, 403)
        self.assertEqual(self.save_note(self.token(), 2).status_code, 200)

    def test_without_a_session_the_token_address_sends_to_the_login(self) -> None:
        response = Client().get(reverse("csrf_token"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))


class StatusLineTests(BaseTestCase):
    """Each page that writes in the background has the outbox's status line: whose outbox it
    is, where a fresh token comes from, and a way back to the page after logging in again."""

    def assert_outbox(self, url: str, user) -> None:
        self.login(user)
        page = self.client.get(url)
        self.assertContains(page, f'data-user="{user.pk}"')
        self.assertContains(page, f'data-token-url="{reverse("csrf_token")}"')
        self.assertContains(page, "balie/outbox.js")
        login = reverse("login")
        self.assertContains(page, f'href="{login}?next={url.replace("/", "%2F")}"')
        self.assertContains(page, "Je bent uitgelogd.")

    def test_the_player(self) -> None:
        self.assert_outbox(reverse("learning:step", args=[self.text_step.pk]), self.alice)

    def test_the_tally(self) -> None:
        Offer.objects.create(library=self.library, name="IDO-spreekuur", kind=OfferKind.IDO)
        self.assert_outbox(reverse("desk:tally"), self.alice)

    def test_attendance(self) -> None:
        cohort = cohort_actions.start_cohort(
            self.programme,
            library=self.library,
            name="HP",
            adviser=self.adviser,
            manager=self.manager,
            starts_on=timezone.localdate(),
            participants=[self.alice],
        )
        meeting = cohort.meetings.first()
        Meeting.objects.filter(pk=meeting.pk).update(
            starts_at=timezone.now() - timedelta(minutes=5)
        )
        url = reverse("cohorts:meeting_attendance", args=[meeting.pk])
        self.assert_outbox(url, self.adviser)
