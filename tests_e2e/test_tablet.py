"""On a tablet, a learner who is part-way picks up where she left off, and a video step plays
with captions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests_e2e.conftest import Server, look

pytestmark = pytest.mark.e2e


def test_a_learner_continues_on_a_tablet(browser: Browser, server: Server) -> None:
    context = browser.new_context(
        base_url=server.url, locale="nl-NL", viewport={"width": 810, "height": 1080}, has_touch=True
    )
    page = context.new_page()
    page.goto("/inloggen/")
    page.get_by_label("E-mailadres").fill("marieke@helmond-peel.example")
    page.get_by_label("Wachtwoord").fill("balie-demo")
    page.get_by_role("button", name="Inloggen").click()
    card = page.locator(".balie-card", has_text="de Bibliotheek op school")
    expect(card).to_contain_text("Bezig")
    expect(page.locator(".balie-card", has_text="M1")).to_contain_text("Klaar")
    look(page, "20-tablet-my-learning")

    card.get_by_role("link", name=re.compile(r"^Openen")).click()
    expect(page.locator(".balie-player__count")).to_contain_text("Stap 4 van")
    look(page, "21-tablet-step")

    page.get_by_role("link", name=re.compile("Vorige")).click()
    video = page.locator("video")
    expect(video).to_have_count(1)
    expect(video.locator("track[kind=captions]")).to_have_count(1)
    duration = video.evaluate(
        "v => new Promise(ok => v.readyState >= 1 ? ok(v.duration)"
        " : v.addEventListener('loadedmetadata', () => ok(v.duration)))"
    )
    assert duration > 30
    look(page, "22-tablet-video")
    context.close()
