"""A demo learner plays the golf sample (a SCORM 1.2 package) in the module player: pages on
with the package's own buttons, reloads and is taken back to the same page, goes on to the
end, and Balie marks the step (and the one-step module) done."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests_e2e.conftest import Server, look

pytestmark = pytest.mark.e2e

LEARNER = "fatma@helmond-peel.example"
FIXTURES = Path(__file__).resolve().parent.parent / "balie" / "scorm" / "tests" / "fixtures"
BROKEN = "MalformedXml_SCORM12.zip"
GOOD = "RuntimeBasicCalls_SCORM20043rdEdition.zip"
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

    package = page.frame_locator("iframe.balie-scorm__frame").frame_locator("iframe")
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
    package = page.frame_locator("iframe.balie-scorm__frame").frame_locator("iframe")
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
    # The sample asks with confirm() whether to resume; a key pressed while that dialog is
    # open is lost. It has asked once its page is chosen.
    package = page.frame_locator("iframe.balie-scorm__frame").frame_locator("iframe")
    expect(package.locator("#contentFrame")).to_have_attribute("src", re.compile(r"\.html"))
    # By keyboard: headless Chromium may drop a mouse click just below a cross-origin frame
    # (test_scorm_items.py).
    page.get_by_role("button", name="Module afronden").press("Enter")
    expect(page).to_have_url(re.compile(r"/klaar/$"), timeout=15_000)


def test_an_editor_adds_a_package_and_a_broken_one_is_refused_with_a_reason(
    page: Page, server: Server
) -> None:
    server.manage("load_scorm_demo")
    page.goto("/")
    page.get_by_label("E-mailadres").fill("redactie@spn.example")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.goto("/leren/")
    page.get_by_role("link", name=re.compile(MODULE)).click()
    page.get_by_role("link", name="SCORM-pakket aan deze module toevoegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SCORM-pakket toevoegen")

    page.get_by_label("SCORM-pakket (zipbestand)").set_input_files(str(FIXTURES / BROKEN))
    page.get_by_role("button", name="Uploaden").click()
    error = page.locator("#id_package_error")
    expect(error).to_contain_text("geen geldige XML")
    expect(page.get_by_label("SCORM-pakket (zipbestand)")).to_have_attribute("aria-invalid", "true")
    look(page, "scorm-03-upload-refused")

    page.get_by_label("SCORM-pakket (zipbestand)").set_input_files(str(FIXTURES / GOOD))
    page.get_by_label("Titel van de stap").fill("Golf, de 2004-versie")
    page.get_by_role("button", name="Uploaden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Golf, de 2004-versie")
    expect(
        page.frame_locator("iframe.balie-scorm__frame").frame_locator("iframe").locator("body")
    ).to_be_visible()
