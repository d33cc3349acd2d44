"""A learner finds how her own library does a module, and the colleague to go to."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests_e2e.conftest import Server, look
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e


def test_a_learner_finds_the_local_block_and_a_colleague(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "marieke@helmond-peel.example")
    page.locator(".balie-card", has_text="M1").get_by_role("link").click()
    page.get_by_role("link", name="Zo doen wij het hier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zo doen wij het hier")
    expect(page.locator("main")).to_contain_text("Taalcafé")
    look(page, "40-local-block")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Wie doet wat"
    ).click()
    look(page, "41-directory")
    page.get_by_label("Zoek op onderwerp, woord of naam").fill("baby")
    page.get_by_role("button", name=re.compile("Zoek")).click()
    expect(page.locator("main")).to_contain_text("BoekStart")
    look(page, "42-directory-search")
    page.get_by_role("link", name="Kaart om af te drukken voor de balie").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    look(page, "43-directory-card")
    page.context.close()
