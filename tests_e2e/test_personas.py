"""A desk worker browses the persona's, reads one and prints it as a card; then prints them
all."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests_e2e.conftest import Server, look
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e


def test_reading_and_printing_personas(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "linda@helmond-peel.example")
    page.get_by_role("navigation", name="Hoofdmenu").locator("a[href='/personas/']").click()
    cards = page.locator("[data-kind='customer'] .balie-persona")
    expect(cards).to_have_count(4)
    expect(page.locator("[data-kind='staff'] .balie-persona")).to_have_count(5)
    expect(page.locator(".balie-persona img").first).to_have_attribute(
        "alt", "Tekening zonder gezicht: de letters G en D op een blauwe cirkel, met een envelop."
    )
    look(page, "70-personas-list")

    page.get_by_role("link", name="Gerrit van Dijk, 61").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gerrit van Dijk, 61")
    expect(page.locator(".balie-persona-detail")).to_contain_text("leesbril")
    look(page, "71-persona-detail")

    page.locator("[data-print-card]").click()
    expect(page.locator(".persona-card")).to_have_count(1)
    look(page, "72-persona-card")
    page.emulate_media(media="print")
    look(page, "73-persona-card-print")
    page.emulate_media(media="screen")

    page.goto("/personas/medewerkers/")
    expect(page.locator(".balie-persona")).to_have_count(5)
    page.locator("[data-print-all]").click()
    expect(page.locator(".persona-card")).to_have_count(5)
    look(page, "74-persona-cards-staff")

    # Beside a step of the course
    page.goto("/personas/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn leertraject"
    ).click()
    page.get_by_role("link", name="Signalen herkennen en het gesprek aangaan").first.click()
    page.get_by_role("link", name="Gerrit aan de balie: een voorbeeldgesprek").click()
    expect(page.locator(".balie-player__step .balie-persona")).to_contain_text("Gerrit van Dijk")
    look(page, "75-persona-beside-a-step")
    page.context.close()


def test_a_manager_adds_the_librarys_own_persona(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "hans@helmond-peel.example")
    page.goto("/personas/nieuw/")
    look(page, "76-persona-form")
    page.locator("#id_name").fill("Fenna")
    page.locator("#id_age").fill("44")
    page.locator("#id_kind").select_option("customer")
    page.locator("#id_tagline").fill("NT1, Asten")
    page.locator("#id_signals").fill("- Vraagt om hulp bij een brief.")
    page.locator("input[name='offer_kinds'][value='intake']").check()
    page.locator("form.balie-form button[type='submit']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fenna, 44")
    look(page, "77-persona-own")
    page.context.close()
