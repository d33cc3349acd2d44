"""/agenda/: looking at the page changes nothing; the calendar address is made by a POST."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from balie.cohorts.models import CalendarFeed
from balie.testing import BaseTestCase


class MyCalendarTests(BaseTestCase):
    url = reverse("cohorts:my_calendar")

    def setUp(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the English msgids

    def test_looking_makes_no_address(self) -> None:
        self.login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["feed"])
        self.assertContains(response, "Make my calendar address")
        self.assertNotContains(response, ".ics")
        self.assertFalse(CalendarFeed.objects.filter(user=self.alice).exists())

    def test_the_button_makes_the_address_and_then_it_is_shown(self) -> None:
        self.login(self.alice)
        response = self.client.post(self.url, follow=True)
        feed = CalendarFeed.objects.get(user=self.alice)
        self.assertContains(response, "Your calendar address is ready.")
        self.assertEqual(
            response.context["feed"],
            "http://testserver" + reverse("cohorts:calendar_feed", args=[feed.token]),
        )
        self.assertContains(response, "Make a new address")
        self.client.logout()
        self.assertEqual(
            self.client.get(reverse("cohorts:calendar_feed", args=[feed.token])).status_code, 200
        )

    def test_looking_again_keeps_the_address(self) -> None:
        self.login(self.alice)
        self.client.post(self.url)
        token = CalendarFeed.objects.get(user=self.alice).token
        for _n in range(2):
            self.client.get(self.url)
        self.assertEqual(CalendarFeed.objects.get(user=self.alice).token, token)

    def test_a_second_post_renews_it_and_the_old_one_stops(self) -> None:
        self.login(self.alice)
        self.client.post(self.url)
        old = CalendarFeed.objects.get(user=self.alice).token
        response = self.client.post(self.url, follow=True)
        self.assertContains(response, "You have a new calendar address.")
        self.assertNotEqual(CalendarFeed.objects.get(user=self.alice).token, old)
        self.client.logout()
        self.assertEqual(
            self.client.get(reverse("cohorts:calendar_feed", args=[old])).status_code, 404
        )
