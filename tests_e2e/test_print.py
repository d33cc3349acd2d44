"""Pages made to print share one print style (balie/print.css). "Mijn aantekeningen" also as a
PDF: Chromium's print-to-PDF of the print page, A4, every note whole on a page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests_e2e.conftest import Server, keep_pdf, look
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e


def test_my_notes_print_as_an_a4_pdf(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "marieke@helmond-peel.example")
    page.goto("/leren/aantekeningen/")
    page.get_by_role("link", name="Afdrukken of bewaren als pdf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn aantekeningen")
    expect(page.get_by_role("button", name="Afdrukken of bewaren als pdf")).to_be_visible()
    expect(page.locator("article")).to_have_count(2)
    assert page.locator("link[rel=stylesheet]").get_attribute("href").endswith("balie/print.css")
    look(page, "60-notes-print")

    # Long enough to need page breaks: the notes of many modules (copies, in this page only).
    page.evaluate(
        """() => { const main = document.querySelector('main');
                   const sections = [...main.querySelectorAll('section')];
                   for (let n = 0; n < 8; n++)
                     sections.forEach(s => main.append(s.cloneNode(true))); }"""
    )
    pages = keep_pdf(page.pdf(format="A4", prefer_css_page_size=True), "61-notes", pages=2)
    assert pages >= 2, pages
    page.context.close()
