"""The management site (Beheer) as the demo's administrator and programme editor see it: every
page of every model they may open is in Dutch, passes axe, and fits a laptop and a phone; a
Markdown field shows its preview; an editor reaches the SCORM upload from an empty module."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests_e2e.conftest import SCREENSHOTS, Server, axe_violations

pytestmark = pytest.mark.e2e

ADMIN = "beheer@balie.example"
EDITOR = "redactie@spn.example"
PASSWORD = "balie-demo"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# Django admin's English, and the English our own labels had before they were translated.
ENGLISH = [
    "Add",
    "Change",
    "Save",
    "Delete",
    "Search",
    "Filter",
    "Recent actions",
    "My actions",
    "View site",
    "Log out",
    "Home",
    "History",
    "Welcome",
    "Change password",
    "Site administration",
    "Django administration",
    "Model name",
    "Add link",
    "Change or view list link",
    "Toggle theme",
    "Choose",
    "Remove",
    "Available",
    "Chosen",
    "Show counts",
    "Clear all filters",
    "Action",
    "Today",
    "Preview",
    "Axes",
    "Access attempts",
    "Access failures",
    "Access logs",
    "Task Results",
    "Tasks Database Backend",
    "Authentication and Authorization",
    "Groups",
    "Security",
    "Responses",
    "Submitted on",
    "Wave",
    "Knows colleagues",
    "Recognises signals",
    "Statement id",
    "Verb id",
    "Stored",
    "Payload",
    "Programme",
    "Library",
    "Attempt Time",
    "Failed Logins",
    "User Agent",
    "IP Address",
    "After you",
]
ENGLISH_WORDS = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ENGLISH)) + r")(?![\w-])")


def log_in(browser: Browser, server: Server, email: str, viewport: dict) -> Page:
    context = browser.new_context(
        base_url=server.url, locale="nl-NL", timezone_id="Europe/Amsterdam", viewport=viewport
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.csp_violations = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text),
    )
    page.goto("/inloggen/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (tables scroll in their own box)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def model_pages(page: Page) -> list[str]:
    """The index, then each model's list, its first object and its add form, as the person
    may open them."""
    page.goto("/beheer/")
    lists = page.locator("#content-main tr[class^='model-'] th a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    adds = page.locator("#content-main a.addlink").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    urls = ["/beheer/"]
    for changelist in lists:
        urls.append(changelist)
        page.goto(changelist)
        first = page.locator("#result_list tbody tr a[href*='/change/']").first
        if first.count():
            urls.append(first.get_attribute("href"))
    return urls + adds


def check(page: Page, url: str, problems: list[str], axe: bool) -> None:
    response = page.goto(url)
    where = f"{url} at {page.viewport_size['width']}px"
    if response is None or response.status != 200:
        problems.append(f"{where}: status {response and response.status}")
        return
    if page.locator("html").get_attribute("lang") != "nl":
        problems.append(f"{where}: not in Dutch")
    english = sorted(set(ENGLISH_WORDS.findall(page.inner_text("body"))))
    if english:
        problems.append(f"{where}: English {english}")
    if (extra := overflow(page)) > 0:
        problems.append(f"{where}: {extra}px wider than the window")
    if axe and (violations := axe_violations(page)):
        problems.append(f"{where}: axe {violations}")


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("email", [ADMIN, EDITOR])
def test_every_page_is_dutch_accessible_and_fits(browser: Browser, server: Server, email) -> None:
    problems: list[str] = []
    laptop = log_in(browser, server, email, LAPTOP)
    urls = model_pages(laptop)
    assert len(urls) > 15, urls
    phone = log_in(browser, server, email, PHONE)
    for url in urls:
        check(laptop, url, problems, axe=True)
        check(phone, url, problems, axe=False)
    for page in (laptop, phone):
        assert page.csp_violations == []
    assert problems == [], "\n".join(problems)


def test_screens_at_laptop_and_phone_size(browser: Browser, server: Server) -> None:
    for viewport in (LAPTOP, PHONE):
        page = log_in(browser, server, ADMIN, viewport)
        width = viewport["width"]
        for name, url in [
            ("index", "/beheer/"),
            ("changelist", "/beheer/learning/step/"),
            ("change", "/beheer/learning/module/1/change/"),
        ]:
            page.goto(url)
            assert overflow(page) <= 0, (url, width)
            assert axe_violations(page) == [], (url, width)
            shoot(page, f"beheer-{name}-{width}")


def test_a_step_body_shows_its_markdown_preview(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, EDITOR, LAPTOP)
    page.goto("/beheer/learning/step/")
    page.get_by_role("link", name="Wat is BoekStart?").click()
    body = page.get_by_label("Tekst:", exact=True)
    expect(body).to_have_value(re.compile("### Voorlezen begint bij de baby"))
    preview = page.get_by_role("region", name="Voorbeeld").first
    expect(preview).to_be_hidden()
    page.get_by_role("button", name="Voorbeeld").first.click()
    expect(preview.get_by_role("heading", name="Voorlezen begint bij de baby")).to_be_visible()
    expect(preview.locator("strong").first).to_have_text("0 tot 4 jaar")
    # Written HTML stays text: no element, no handler.
    body.fill('Hallo <img src=x onerror="document.title=1"> **vet**')
    page.get_by_role("button", name="Voorbeeld").first.click()
    expect(preview).to_contain_text("<img src=x")
    expect(preview.locator("strong")).to_have_text("vet")
    assert preview.locator("img, [onerror]").count() == 0
    assert axe_violations(page) == []
    preview.scroll_into_view_if_needed()
    shoot(page, "beheer-markdown-preview-1366")
    assert page.csp_violations == []


def test_an_editor_reaches_the_scorm_upload_from_an_empty_module(
    browser: Browser, server: Server
) -> None:
    page = log_in(browser, server, EDITOR, LAPTOP)
    page.goto("/beheer/learning/module/add/")
    page.get_by_label("Programma:").select_option(index=1)
    page.get_by_label("Code:").fill("V9")
    page.get_by_label("Titel:").fill("Een lege module")
    page.get_by_label("Thema:").select_option(index=1)
    page.get_by_role("button", name="Opslaan en opnieuw bewerken").click()
    expect(page.locator(".messagelist")).to_contain_text("Een lege module")
    assert page.locator("#step_set-group tbody tr.has_original").count() == 0
    page.get_by_role("link", name="SCORM-pakket toevoegen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SCORM-pakket toevoegen")
    expect(page.get_by_text("Een lege module").first).to_be_visible()


def test_the_management_login_is_dutch_and_fits(browser: Browser, server: Server) -> None:
    problems: list[str] = []
    for viewport in (LAPTOP, PHONE):
        context = browser.new_context(base_url=server.url, locale="nl-NL", viewport=viewport)
        page = context.new_page()
        page.goto("/beheer/")
        expect(page).to_have_url(re.compile(r"/beheer/login/"))
        check(page, "/beheer/login/?next=/beheer/", problems, axe=True)
        expect(page.get_by_role("button", name="Inloggen")).to_be_visible()
        context.close()
    assert problems == [], "\n".join(problems)
