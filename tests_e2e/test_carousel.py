"""A desk worker signs up for the coming kenniscarrousel; the organiser makes the schedule;
she prints her own."""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, expect

from tests_e2e.conftest import Server, look
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e


def test_signing_up_and_printing_ones_schedule(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "linda@helmond-peel.example")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Kenniscarrousel"
    ).click()
    look(page, "50-carousel-list")
    page.locator(".balie-meetings").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kenniscarrousel")
    look(page, "51-carousel-event")
    page.get_by_role("button", name="Mijn aanmelding wijzigen").is_visible()
    page.context.close()

    organiser = log_in(browser, server, "anouk@helmond-peel.example")
    organiser.goto("/kenniscarrousel/")
    organiser.locator(".balie-meetings").get_by_role("link").first.click()
    organiser.get_by_role("button", name="Maak het rooster").click()
    expect(organiser.get_by_role("table")).to_contain_text("Linda Hermans")
    look(organiser, "52-carousel-schedule")
    organiser.context.close()

    page = log_in(browser, server, "linda@helmond-peel.example")
    page.goto("/kenniscarrousel/")
    page.locator(".balie-meetings").get_by_role("link").first.click()
    page.get_by_role("link", name="Mijn rooster afdrukken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn rooster")
    expect(page.get_by_role("table")).to_contain_text("19:00")
    look(page, "53-carousel-my-schedule")
    page.context.close()


def test_after_the_carousel_refresh_and_add_to_calendar(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "linda@helmond-peel.example")
    page.goto("/kenniscarrousel/")
    page.get_by_role("link", name="Kenniscarrousel najaar").click()
    page.locator("[data-refresher]").first.click()
    expect(page.locator("[data-station]").first).to_be_visible()
    expect(page.locator("[data-steps] a").first).to_be_visible()
    look(page, "54-carousel-refresher")

    page.go_back()
    page.get_by_role("link", name="Mijn rooster afdrukken").click()
    with page.expect_download() as download:
        page.locator("[data-ics]").click()
    events = Calendar.from_ical(Path(download.value.path()).read_bytes()).walk("VEVENT")
    assert len(events) == 3
    assert all(str(e["UID"]).endswith("@balie") for e in events)
    page.context.close()

    organiser = log_in(browser, server, "anouk@helmond-peel.example")
    organiser.goto("/kenniscarrousel/")
    organiser.get_by_role("link", name="Kenniscarrousel najaar").click()
    expect(organiser.locator("[data-attendance]")).to_be_visible()
    organiser.locator("[data-attendance] a").click()
    look(organiser, "55-carousel-attendance")
    organiser.locator("form.balie-form button[type=submit]").click()
    expect(organiser.locator("[data-attendance]")).to_be_visible()
    organiser.goto("/kenniscarrousel/")
    organiser.locator(".balie-meetings").get_by_role("link").first.click()
    update = organiser.locator("a[href$='/rooster/bijwerken/']")
    if not update.count():  # this test alone: the schedule is not made yet
        organiser.get_by_role("button", name="Maak het rooster").click()
    update.click()
    expect(organiser.locator("[data-proposal]")).to_be_visible()
    look(organiser, "56-carousel-schedule-preview")
    organiser.context.close()


def choose(browser: Browser, server: Server, email: str, stations: list[str]) -> None:
    page = log_in(browser, server, email)
    page.goto("/kenniscarrousel/")
    page.locator(".balie-meetings").get_by_role("link").first.click()
    for station in stations:
        page.get_by_label(station).check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("[data-next-steps]")).to_contain_text("tot ")
    if email.startswith("linda"):
        expect(page.locator("[data-signed-up]")).to_contain_text("Wat gebeurt er nu")
        look(page, "57-carousel-signed-up")
    page.context.close()


def test_a_choice_of_stations_that_does_not_fit_gives_the_nearest_schedule(
    browser: Browser, server: Server
) -> None:
    digitaal, warm = (
        "Digitaal Hulpplein en Klik & Tik",
        "Warm doorverwijzen: oefenen met een collega",
    )
    choose(browser, server, "linda@helmond-peel.example", [digitaal])
    choose(browser, server, "marieke@helmond-peel.example", [digitaal, warm])

    organiser = log_in(browser, server, "anouk@helmond-peel.example")
    organiser.goto("/kenniscarrousel/")
    organiser.locator(".balie-meetings").get_by_role("link").first.click()
    expect(organiser.get_by_role("heading", name="Voor de organisatie")).to_be_visible()
    update = organiser.locator("a[href$='/rooster/bijwerken/']")
    if update.count():
        update.click()
    else:  # this test alone: the schedule is not made yet
        organiser.get_by_role("button", name="Maak het rooster").click()
    unmet = organiser.locator("[data-unmet]")
    expect(unmet).to_contain_text("Niet elke keuze van stations past")
    expect(unmet).to_contain_text("Linda Hermans koos “Digitaal Hulpplein en Klik & Tik”")
    look(organiser, "58-carousel-nearest-schedule")
    organiser.get_by_role("button", name="Dit rooster aannemen").click()
    expect(organiser.get_by_role("table")).to_contain_text("Linda Hermans")
    organiser.context.close()
