"""A manager reads the library dashboard: the four levels, charts with their tables, and a
different period."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, expect

from tests_e2e.conftest import SCREENSHOTS, Server, axe_violations, look
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e


def test_a_manager_reads_the_library_dashboard(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "hans@helmond-peel.example")
    page.goto("/inzicht/")
    expect(page).to_have_url(re.compile(r"/inzicht/bibliotheek/\d+/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Helmond-Peel")

    levels = page.locator("[data-level]")
    if levels.count():
        # The demo has evaluations, intakes and (once the desk demo is loaded) referrals.
        expect(levels).to_have_count(4)
        expect(page.locator("table.balie-table tbody tr").first).to_be_visible()
        expect(page.locator("#table-intakes tbody tr").first).to_be_visible()
        chart = page.locator("canvas[data-chart]").first
        expect(chart).to_be_visible()
        expect(chart).to_have_attribute("aria-hidden", "true")
        if page.locator("#table-warm").count():
            expect(page.locator("#table-warm tbody tr").first).to_be_visible()
            weekly = page.locator("details", has=page.locator("#table-weekly"))
            weekly.locator("summary").click()
            expect(page.locator("#table-weekly tbody tr").first).to_be_visible()
    else:
        expect(page.locator('[data-empty="period"]')).to_be_visible()
    look(page, "90-insights-library")
    answer = page.locator("[data-estimate]")
    if answer.count():
        # The L3 answer, compared with Hilversum (not trained), and its four-week steps.
        expect(answer).to_contain_text("Sinds de training")
        expect(answer).to_contain_text("nog niet getraind")
        answer.locator("details summary").click()
        expect(answer.locator("#table-steps tbody tr").first).to_be_visible()
        answer.scroll_into_view_if_needed()
        answer.screenshot(path=str(SCREENSHOTS / "90-insights-library-answer.png"))
        assert axe_violations(page) == []

    # Another period: the last three months of the year before.
    year = dt.datetime.now(tz=dt.UTC).year - 1
    page.locator("input[name=start]").fill(f"{year}-10-01")
    page.locator("input[name=end]").fill(f"{year}-12-31")
    page.locator("form.balie-filter button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"start={year}-10-01"))
    expect(page.locator("input[name=start]")).to_have_value(f"{year}-10-01")
    if page.locator("#table-warm").count():
        expect(page.locator("#table-warm tbody tr")).to_have_count(3)
    look(page, "91-insights-library-period")

    # A period that ends before it starts is refused with a message.
    page.locator("input[name=start]").fill(f"{year}-12-31")
    page.locator("input[name=end]").fill(f"{year}-01-01")
    page.locator("form.balie-filter button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    look(page, "92-insights-bad-period")
    page.context.close()


def test_an_adviser_and_an_editor_compare_side_by_side(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "sanne@cubiss.example")
    page.goto("/inzicht/")
    expect(page).to_have_url(re.compile(r"/inzicht/poi/\d+/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cubiss")
    if page.locator("[data-level]").count():
        expect(page.locator("#table-summary tbody tr").first).to_be_visible()
    look(page, "93-insights-poi")
    estimates = page.locator("#table-estimates")
    if estimates.count():
        expect(estimates).to_contain_text("Sinds de training verwijst de balie ongeveer")
        estimates.screenshot(path=str(SCREENSHOTS / "93-insights-poi-answers.png"))
    with page.expect_download() as download:
        page.locator('[data-export="xlsx"]').click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.context.close()

    page = log_in(browser, server, "redactie@spn.example")
    page.goto("/inzicht/")
    expect(page).to_have_url(re.compile(r"/inzicht/land/"))
    if page.locator("[data-level]").count():
        expect(page.locator("#table-summary tbody tr").last).to_contain_text(re.compile(r"Tota+l"))
    look(page, "94-insights-country")
    page.context.close()
