"""An unreachable database is an outage (503, try again), not a bug (500)."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest
from django.test import override_settings
from django.urls import path

from balie.testing import BaseTestCase


def lost_database(request: HttpRequest):
    raise OperationalError("server closed the connection unexpectedly")


def broken(request: HttpRequest):
    raise ValueError("a bug")


urlpatterns = [path("weg/", lost_database), path("stuk/", broken)]


@override_settings(ROOT_URLCONF=__name__)
class OutageTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)
        self.client.raise_request_exception = False

    def test_a_lost_database_answers_503_with_retry_after(self) -> None:
        with self.assertLogs("balie.middleware", "WARNING"):
            response = self.client.get("/weg/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "5")
        self.assertContains(response, "database", status_code=503)
        self.assertNotContains(response, "server closed", status_code=503)

    def test_other_errors_stay_a_500(self) -> None:
        self.assertEqual(self.client.get("/stuk/").status_code, 500)
