"""The manager's answer: on the first screen of his dashboard at a laptop's 1366×768, and on one
A4 page for the board (printed to PDF by Chromium, counted and turned into a picture)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests_e2e.conftest import SCREENSHOTS, Server, axe_violations, keep_pdf, look
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def test_the_manager_sees_the_answer_first(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "hans@helmond-peel.example", viewport=LAPTOP)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/inzicht/bibliotheek/\d+/"))
    answers = page.locator("[data-answers]")
    expect(answers.locator("[data-answer]")).to_have_count(4)
    behaviour = answers.locator('[data-answer="3"]')
    expect(behaviour).to_contain_text("Sinds de training verwijst de balie ongeveer")
    # The L3 answer and all four summaries end above the fold.
    for summary in answers.locator("[data-answer]").all():
        box = summary.bounding_box()
        assert box is not None and box["y"] + box["height"] <= LAPTOP["height"], box
    page.screenshot(path=str(SCREENSHOTS / "95-answer-first-laptop.png"))
    look(page, "95-answer-first-laptop-full")

    # The words explained, where they appear; the details one click away.
    answers.locator("details summary").click()
    expect(answers.get_by_text("Mediaan", exact=True)).to_be_visible()
    behaviour.get_by_role("link", name="Details van L3").click()
    expect(page).to_have_url(re.compile(r"#level-3$"))
    # Referrals per week: one line for the library as a whole; the four-week differences with
    # their interval (the desk against its comparison) one click away.
    level3 = page.locator('[data-level="3"]')
    expect(level3.locator('canvas[data-chart="chart-weekly"]')).to_be_visible()
    level3.locator("[data-estimate] details summary").click()
    expect(level3.locator('canvas[data-chart="chart-steps"]')).to_be_visible()
    level3.screenshot(path=str(SCREENSHOTS / "95-answer-first-level3.png"))
    assert axe_violations(page) == []

    page.set_viewport_size(PHONE)
    page.goto(page.url.split("#")[0])
    expect(page.locator('[data-answer="1"]')).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "96-answer-first-phone.png"))
    assert axe_violations(page) == []
    page.context.close()


def test_the_board_report_prints_on_one_a4_page(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "hans@helmond-peel.example", viewport=LAPTOP)
    page.goto("/")
    page.get_by_role("link", name="Verslag voor het bestuur").click()
    expect(page).to_have_url(re.compile(r"/inzicht/bibliotheek/\d+/rapport/"))
    expect(page.locator("[data-answer]")).to_have_count(4)
    expect(page.locator("body")).to_contain_text("Sinds de training verwijst de balie ongeveer")
    expect(page.get_by_role("button", name="Afdrukken of bewaren als pdf")).to_be_visible()
    look(page, "97-board-report")

    page.emulate_media(media="print")
    assert keep_pdf(page.pdf(format="A4", print_background=True), "98-board-report-a4") == 1
    page.context.close()

    # The adviser's report for her POI: the libraries' answers on one page too.
    page = log_in(browser, server, "sanne@cubiss.example", viewport=LAPTOP)
    page.goto("/inzicht/")
    page.get_by_role("link", name="Verslag voor het bestuur").click()
    expect(page).to_have_url(re.compile(r"/inzicht/poi/\d+/rapport/"))
    expect(page.locator("[data-answer]")).to_have_count(4)
    look(page, "99-board-report-poi")
    page.emulate_media(media="print")
    assert keep_pdf(page.pdf(format="A4", print_background=True), "99-board-report-poi-a4") == 1
    page.context.close()
