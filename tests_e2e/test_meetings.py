"""The adviser takes attendance on a tablet during a meeting, through a Wi-Fi drop; the
learner who missed it finds the catch-up task."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests_e2e.conftest import Server, look

pytestmark = pytest.mark.e2e


def log_in(browser: Browser, server: Server, email: str, **options) -> Page:
    context = browser.new_context(base_url=server.url, locale="nl-NL", **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/inloggen/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill("balie-demo")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page


def test_an_adviser_takes_attendance_on_a_tablet(browser: Browser, server: Server) -> None:
    page = log_in(
        browser,
        server,
        "sanne@cubiss.example",
        viewport={"width": 810, "height": 1080},
        has_touch=True,
    )
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Groepen").click()
    look(page, "30-cohort-list")
    page.get_by_role("link", name="Helmond-Peel publieksservice 2026").click()
    look(page, "31-cohort-detail")
    page.get_by_role(
        "link", name=re.compile(r"^Aanwezigheid\W+BoekStart en de Bibliotheek")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aanwezigheid")

    marieke = page.get_by_role("group", name="Marieke de Wit")
    with page.expect_response(re.compile(r"/aanwezigheid/$")):
        marieke.get_by_text("Afgemeld").tap()
    expect(page.locator("[data-outbox-count]")).to_have_text("Alles is opgeslagen.")

    # The Wi-Fi drops: taps wait on the tablet and go out when it is back.
    page.context.set_offline(True)
    page.get_by_role("group", name="Jeroen Pauwels").get_by_text("Aanwezig").tap()
    page.get_by_role("group", name="Fatma Yilmaz").get_by_text("Afwezig").tap()
    expect(page.locator("[data-outbox-count]")).to_contain_text("op verbinding")
    look(page, "32-attendance-offline")
    page.context.set_offline(False)
    expect(page.locator("[data-outbox-count]")).to_have_text("Alles is opgeslagen.", timeout=20_000)

    page.reload()
    expect(page.get_by_role("group", name="Fatma Yilmaz").get_by_label("Afwezig")).to_be_checked()
    expect(
        page.get_by_role("group", name="Jeroen Pauwels").get_by_label("Aanwezig")
    ).to_be_checked()
    expect(
        page.get_by_role("group", name="Marieke de Wit").get_by_label("Afgemeld")
    ).to_be_checked()
    look(page, "33-attendance")
    page.context.close()

    learner = log_in(browser, server, "fatma@helmond-peel.example")
    expect(learner.locator("main")).to_contain_text("Inhalen")
    learner.get_by_role("link", name="BoekStart en de Bibliotheek op school bij ons").first.click()
    expect(
        learner.get_by_role("heading", level=2, name="Je hebt deze bijeenkomst gemist")
    ).to_be_visible()
    look(learner, "34-meeting-catch-up")
    learner.get_by_role("button", name="Ik heb het ingehaald").click()
    expect(learner.locator("main")).not_to_contain_text("Inhalen")
    learner.context.close()


def test_attendance_of_a_coming_meeting_opens_at_its_start(
    browser: Browser, server: Server
) -> None:
    page = log_in(browser, server, "sanne@cubiss.example", viewport={"width": 810, "height": 1080})
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Groepen").click()
    page.get_by_role("link", name="Helmond-Peel publieksservice 2026").click()
    page.get_by_role("link", name=re.compile(r"^Aanwezigheid\W+Het sociaal domein bij ons")).click()
    expect(page.locator("main")).to_contain_text("De bijeenkomst is nog niet begonnen")
    marieke = page.get_by_role("group", name="Marieke de Wit")
    expect(marieke.get_by_label("Aanwezig")).to_be_disabled()
    look(page, "35-attendance-not-open-yet")
    # A tap sent anyway (a page left open on another tablet) is refused, with the reason.
    refused = page.request.post(
        page.url,
        form={"person": marieke.get_attribute("data-person"), "status": "present", "revision": "1"},
        headers={"X-CSRFToken": page.locator("[data-outbox]").get_attribute("data-csrf")},
    )
    assert refused.status == 409
    assert "nog niet begonnen" in refused.json()["message"]
    page.context.close()
