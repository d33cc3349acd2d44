"""A demo learner plays the golf sample (a SCORM 1.2 package) in the module player: pages on
with the package's own buttons, reloads and is taken back to the same page, goes on to the
end, and Balie marks the step (and the one-step module) done."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests_e2e.conftest import Server, look

pytestmark = pytest.mark.e2e

LEARNER = "fatma@helmond-peel.example"
PASSWORD = "balie-demo"
MODULE = "Voorbeeld: een e-learning als SCORM-pakket"
PAGES = 15  # the golf sample's pages; the last is its test


def log_in(page: Page) -> None:
    page.goto("/")
    page.get_by_label("E-mailadres").fill(LEARNER)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn leertraject")


def saved_location(page: Page) -> str:
    start = page.locator("[data-scorm-start]").get_attribute("data-scorm-start")
    return page.request.get(start).json()["cmi"]["core"]["lesson_location"]


def wait_for_saved_location(page: Page, location: str) -> None:
    """Until Balie has the package's bookmark (scorm-again commits a few seconds after a
    change)."""
    for _ in range(40):
        if saved_location(page) == location:
            return
        page.wait_for_timeout(500)
    raise AssertionError(
        f"location {location!r} was never saved; Balie has {saved_location(page)!r}"
    )


def content_page(package) -> str:
    return package.locator("#contentFrame").get_attribute("src") or ""


def accept(dialog) -> None:
    """The golf sample asks "resume where you left off?" with confirm(): say yes."""
    dialog.accept()


def come_back_later(page: Page) -> Page:
    """The learner closes the tab and opens the step again (a reload would race the sample's
    own confirm() in its unload handler, which Chromium may or may not show)."""
    url = page.url
    reopened = page.context.new_page()
    page.close()
    reopened.on("dialog", accept)
    reopened.goto(url)
    return reopened


def test_a_learner_plays_resumes_and_finishes_a_scorm_package(page: Page, server: Server) -> None:
    server.manage("load_scorm_demo")
    page.on("dialog", accept)
    log_in(page)
    page.get_by_role("link", name=re.compile(MODULE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Golf uitgelegd (voorbeeldpakket)")

    package = page.frame_locator("iframe.balie-scorm__frame")
    expect(package.locator("#butNext")).to_be_enabled()
    expect(package.locator("#contentFrame")).to_have_attribute("src", re.compile("Playing.html"))
    for _ in range(3):
        package.locator("#butNext").click()
    expect(package.locator("#contentFrame")).to_have_attribute(
        "src", re.compile("OtherScoring.html")
    )
    wait_for_saved_location(page, "3")
    look(page, "scorm-01-playing")

    # Balie's own "next" does not count the unfinished package as done: see
    # balie/scorm/tests/test_runtime.py (here it would reload the package mid-play).
    expect(page.locator(".balie-steplist__item--seen")).to_have_count(0)

    page = come_back_later(page)
    package = page.frame_locator("iframe.balie-scorm__frame")
    expect(package.locator("#contentFrame")).to_have_attribute(
        "src", re.compile("OtherScoring.html")
    )
    for _ in range(PAGES - 1 - 3):
        package.locator("#butNext").click()
    expect(package.locator("#butNext")).to_be_disabled()
    expect(page.locator("[data-scorm-start]")).to_have_attribute(
        "data-done", "true", timeout=20_000
    )
    look(page, "scorm-02-done")

    page = come_back_later(page)
    expect(page.locator(".balie-steplist__item--seen")).to_have_count(1)
    page.get_by_role("button", name="Module afronden").click()
    expect(page).to_have_url(re.compile(r"/klaar/$"))
