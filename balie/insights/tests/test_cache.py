"""The dashboards from the cache (their figures, and those as HTML): fewer queries the second
time, a new key for another filter or new data, and "<5" still in what is kept."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from balie.insights.tests.test_dashboards import YEAR, DashboardTestCase, make_referrals


class DashboardCacheTests(DashboardTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the cache outlives a test's transaction
        self.addCleanup(cache.clear)

    def get(self, url: str, query: dict):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url, query)
        self.assertEqual(response.status_code, 200)
        return response, len(queries)

    def test_the_second_request_is_answered_from_the_cache(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 12)
        self.login(self.editor)
        url = reverse("insights:national")
        first, cold = self.get(url, YEAR)
        second, warm = self.get(url, YEAR)
        self.assertLess(warm, cold - 5)
        self.assertEqual(
            second.context["report"].summary.rows, first.context["report"].summary.rows
        )
        # The export of the same filter is made from the same kept figures.
        export, queries = self.get(url, {**YEAR, "format": "csv"})
        self.assertLess(queries, cold - 5)
        self.assertIn(b"Cubiss,10", export.content)  # 12 rounded to 5

    def test_another_filter_is_counted_afresh(self) -> None:
        self.login(self.editor)
        url = reverse("insights:national")
        _response, cold = self.get(url, YEAR)
        _response, other = self.get(url, {"start": "2025-01-01", "end": "2025-06-30"})
        self.assertEqual(other, cold)

    def test_a_new_referral_shows_at_once(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 12)
        self.login(self.editor)
        url = reverse("insights:national")
        before, _queries = self.get(url, YEAR)
        self.assertContains(before, '<th scope="row">Total</th><td>10</td>')
        make_referrals(self.other_library, None, dt.date(2025, 3, 4), 5)
        response, _queries = self.get(url, YEAR)
        self.assertEqual(
            [row[:2] for row in response.context["report"].summary.rows],
            [["Cubiss", 10], ["Probiblio", 5], ["Total", 15]],
        )
        # The page's figures, kept as HTML with the report, are new too.
        self.assertContains(response, '<th scope="row">Total</th><td>15</td>')

    def test_a_library_dashboard_from_the_cache(self) -> None:
        """Its figures and their HTML, per branch filter; a new referral counts at once."""
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 12)
        self.login(self.manager)
        _response, cold = self.get(self.library_url(), YEAR)
        warm_page, warm = self.get(self.library_url(), YEAR)
        self.assertLess(warm, cold - 5)
        self.assertContains(warm_page, 'id="table-weekly"')
        branch, _queries = self.get(self.library_url(), {**YEAR, "branch": self.second_branch.pk})
        self.assertEqual(branch.context["report"].counts["referrals"], 0)
        make_referrals(self.library, self.second_branch, dt.date(2025, 3, 4), 6)
        branch, _queries = self.get(self.library_url(), {**YEAR, "branch": self.second_branch.pk})
        self.assertEqual(branch.context["report"].counts["referrals"], 5)
        self.assertNotEqual(branch.content, warm_page.content)

    def test_each_poi_has_its_own_figures(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 12)
        self.login(self.editor)
        cubiss, _queries = self.get(self.poi_url(), YEAR)
        probiblio, _queries = self.get(self.poi_url(self.other_poi), YEAR)
        self.assertEqual(cubiss.context["report"].summary.rows[-1][1], 10)
        self.assertEqual(probiblio.context["report"].summary.rows[-1][1], 0)
        _response, warm = self.get(self.poi_url(), YEAR)
        self.assertLess(warm, 8)

    def test_small_counts_stay_suppressed_in_the_cache(self) -> None:
        make_referrals(self.other_library, None, dt.date(2025, 3, 4), 3)
        self.login(self.editor)
        url = reverse("insights:national")
        self.get(url, YEAR)
        cached, _queries = self.get(url, YEAR)
        report = cached.context["report"]
        self.assertEqual(report.counts["referrals"], "<5")
        self.assertFalse(report.is_empty)
        self.assertIn(["Probiblio", "<5"], [row[:2] for row in report.summary.rows])
        self.assertContains(cached, "&lt;5")

    def test_the_labels_follow_the_language(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 12)
        self.login(self.editor)
        url = reverse("insights:national")
        english, _queries = self.get(url, YEAR)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
        dutch, _queries = self.get(url, YEAR)
        self.assertEqual(english.context["report"].summary.rows[-1][0], "Total")
        self.assertEqual(dutch.context["report"].summary.rows[-1][0], "Totaal")
        self.assertContains(english, '<th scope="row">Total</th>')
        self.assertContains(dutch, '<th scope="row">Totaal</th>')
