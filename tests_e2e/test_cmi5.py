"""A cmi5 course played to "satisfied": an editor uploads it through the SCORM upload page; a
learner launches its AU, which fetches its token, reads LMS.LaunchData, keeps a bookmark and
leaves without finishing; launched again, it resumes at the bookmark, passes and completes;
and Balie shows the course satisfied and the step done."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from balie.scorm.tests import cmi5_zips
from tests_e2e.conftest import Server, look

pytestmark = pytest.mark.e2e

PASSWORD = "balie-demo"
MODULE = "Voorbeeld: een e-learning als SCORM-pakket"
TITLE = "Klantvragen (cmi5)"


def log_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def test_a_cmi5_course_is_played_to_satisfied(page: Page, server: Server, tmp_path: Path) -> None:
    server.manage("load_scorm_demo")
    course = tmp_path / "klantvragen-cmi5.zip"
    course.write_bytes(cmi5_zips.course())

    log_in(page, "redactie@spn.example")
    page.goto("/leren/")
    # After the other package tests in the same run, the editor has "Ga verder" to the module
    # beside its own link: both open it.
    page.get_by_role("link", name=re.compile(MODULE)).first.click()
    page.get_by_role("link", name="SCORM-pakket aan deze module toevoegen").click()
    page.get_by_label("SCORM-pakket (zipbestand)").set_input_files(str(course))
    page.get_by_label("Titel van de stap").fill(TITLE)
    page.get_by_role("button", name="Uploaden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    step_url = page.url

    log_in(page, "fatma@helmond-peel.example")
    page.goto(step_url)
    status = page.locator("[data-cmi5-status]")
    expect(status).to_contain_text("Deze stap is klaar als")
    expect(page.get_by_text("Wat telt: het afmaken en de toets halen.")).to_be_visible()
    look(page, "cmi5-01-course")

    # First session: the AU starts, keeps a bookmark and is left without a result.
    page.get_by_role("button", name="“Les 1” starten").click()
    expect(page.locator("#status")).to_have_text("Gestart: Normal, CompletedAndPassed, 0.8")
    expect(page.locator("#bookmark")).to_have_text("Eerste keer")
    page.get_by_role("button", name="Later verder").click()
    expect(page).to_have_url(step_url)
    expect(page.get_by_text("Nog niet gedaan.")).to_be_visible()
    expect(page.locator(".balie-steplist__item--current.balie-steplist__item--seen")).to_have_count(
        0
    )

    # Second session: it resumes at the bookmark, passes and completes.
    page.get_by_role("button", name="“Les 1” starten").click()
    expect(page.locator("#status")).to_have_text("Gestart: Normal, CompletedAndPassed, 0.8")
    expect(page.locator("#bookmark")).to_have_text("Verder bij vraag 2")
    page.get_by_role("button", name="Toets maken").click()
    expect(page).to_have_url(step_url)
    expect(status).to_have_text("Klaar: je hebt bij elk onderdeel gedaan wat de cursus vraagt.")
    expect(page.locator(".balie-steplist__item--current.balie-steplist__item--seen")).to_have_count(
        1
    )
    expect(page.get_by_role("button", name="“Les 1” opnieuw openen")).to_be_visible()
    look(page, "cmi5-02-satisfied")
