"""Each demo role lands on what it does most, and its main task is a few clicks away; the
tally's three taps are in view without scrolling on a desk PC, a tablet and a phone; the
compact menu on a phone works with the keyboard; the hand-over's times are picked day by day.

The clicks each role needs for its main task are counted here (and asserted, so that a
change that adds a click is noticed)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests_e2e.conftest import SCREENSHOTS, Server, look
from tests_e2e.test_desk import tap
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 810, "height": 1080}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "tablet": TABLET, "phone": PHONE}


@pytest.fixture(scope="module")
def demo(server: Server) -> Iterator[Server]:
    """A second server on the same database, set up as `./scripts/demo` is: the management
    site without two-step verification, so that the editor's landing page can be walked."""
    twin = Server(env={**server.env, "BALIE_ADMIN_REQUIRES_2FA": "false"})
    twin.start()
    try:
        yield twin
    finally:
        twin.stop()


def assert_in_view(page: Page, target: Locator, what: str) -> None:
    """The target is on the first screen: inside the viewport, without any scrolling."""
    assert page.evaluate("() => window.scrollY") == 0, f"the page scrolled for {what}"
    size = page.viewport_size
    box = target.bounding_box()
    assert box is not None, f"{what} is not shown"
    inside = (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )
    assert inside, f"{what} is outside the {size['width']}×{size['height']} viewport: {box}"


def first_screen(page: Page, name: str) -> None:
    """A screenshot of only what is in view (no scrolling), beside look()'s full page."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-view.png"))


# --- Each role's home and the clicks to its main task --------------------------------------


def test_each_role_lands_on_what_it_does_most(browser: Browser, demo: Server) -> None:
    clicks: dict[str, int] = {}

    # Learner part-way: "Ga verder" on the first screen, one click to her next step.
    page = log_in(browser, demo, "marieke@helmond-peel.example", viewport=DESKTOP)
    expect(page).to_have_url(re.compile(r"/leren/$"))
    go_on = page.locator("[data-go-on]")
    expect(go_on).to_have_count(1)
    expect(go_on).to_contain_text("Ga verder")
    assert_in_view(page, go_on, "Ga verder")
    assert_in_view(page, page.locator("[data-tally-link]"), "the tally link")
    first_screen(page, "home-learner-desktop")
    look(page, "home-learner-desktop")
    go_on.click()
    expect(page.locator(".balie-player__count")).to_contain_text("Stap 4 van")
    clicks["learner: continue the next step"] = 1
    page.context.close()

    # Desk staff: the tally is one tap away on the learning page, then three taps.
    page = log_in(browser, demo, "jeroen@helmond-peel.example", viewport=DESKTOP)
    expect(page).to_have_url(re.compile(r"/leren/$"))
    assert_in_view(page, page.locator("[data-go-on]"), "Ga verder")
    first_screen(page, "home-desk-desktop")
    page.locator("[data-tally-link]").click()
    taps = tap(page, "language", "Taalhuis-inloopspreekuur", warm=True)
    expect(page.locator("[data-today]")).to_be_visible()
    clicks["desk: count a referral"] = 1 + taps
    page.context.close()

    # Manager: the evidence summary is the first screen.
    page = log_in(browser, demo, "hans@helmond-peel.example", viewport=DESKTOP)
    expect(page).to_have_url(re.compile(r"/inzicht/bibliotheek/\d+/"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Inzicht: Bibliotheek Helmond-Peel")
    assert_in_view(page, heading, "the evidence summary's heading")
    first_screen(page, "home-manager-desktop")
    clicks["manager: see the evidence"] = 0
    page.context.close()

    # POI adviser: her cohorts; one click opens one, one more the attendance of a meeting.
    page = log_in(browser, demo, "sanne@cubiss.example", viewport=DESKTOP)
    expect(page).to_have_url(re.compile(r"/cohorten/$"))
    cohort = page.get_by_role("link", name="Helmond-Peel publieksservice 2026")
    assert_in_view(page, cohort, "the first cohort")
    first_screen(page, "home-adviser-desktop")
    cohort.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Helmond-Peel")
    clicks["adviser: open the cohort"] = 1
    page.get_by_role("link", name=re.compile(r"^Aanwezigheid")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aanwezigheid")
    clicks["adviser: take attendance (open the list)"] = 2
    page.context.close()

    # Taalhuis coordinator: the incoming hand-overs, each with its details and outcome.
    page = log_in(browser, demo, "anouk@helmond-peel.example", viewport=DESKTOP)
    expect(page).to_have_url(re.compile(r"/taalhuis/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("binnengekomen")
    handover = page.locator("[data-handover]").first
    assert_in_view(page, handover.locator("h3"), "the first hand-over")
    first_screen(page, "home-coordinator-desktop")
    look(page, "home-coordinator-desktop")
    clicks["coordinator: open a hand-over"] = 0
    page.context.close()

    # Programme editor: the list of modules; one click opens a module to edit.
    page = log_in(browser, demo, "redactie@spn.example", viewport=DESKTOP)
    expect(page).to_have_url(re.compile(r"/beheer/learning/module/$"))
    first_module = page.locator("#result_list tbody tr a").first
    assert_in_view(page, first_module, "the first module")
    first_screen(page, "home-editor-desktop")
    first_module.click()
    expect(page).to_have_url(re.compile(r"/beheer/learning/module/\d+/change/$"))
    clicks["editor: edit a module"] = 1
    page.context.close()

    # Administrator: the management site.
    page = log_in(browser, demo, "beheer@balie.example", viewport=DESKTOP)
    expect(page).to_have_url(re.compile(r"/beheer/$"))
    page.context.close()

    assert clicks == {
        "learner: continue the next step": 1,
        "desk: count a referral": 4,
        "manager: see the evidence": 0,
        "adviser: open the cohort": 1,
        "adviser: take attendance (open the list)": 2,
        "coordinator: open a hand-over": 0,
        "editor: edit a module": 1,
    }


# --- The tally at three sizes ----------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_the_tallys_three_taps_are_in_view(browser: Browser, demo: Server, size: str) -> None:
    page = log_in(browser, demo, "jeroen@helmond-peel.example", viewport=SIZES[size])
    page.goto("/doorverwijzen/")
    expect(page.locator(".balie-tally--js")).to_have_count(1)
    targets = {
        "need": page.locator("[data-step=need] > .balie-tiles > label"),
        "more needs": page.locator("[data-step=need] details > summary"),
        "offer": page.locator("[data-offers] > label"),
        "more offers": page.locator("[data-step=offer] details > summary"),
        "warm or not": page.locator("[data-warm]"),
    }
    for what, locator in targets.items():
        assert locator.count() >= 1, what
        for n in range(locator.count()):
            target = locator.nth(n)
            assert_in_view(page, target, f"{what} {n + 1}")
            box = target.bounding_box()
            assert box["height"] >= 44 or what.startswith("more"), f"{what} is a small target"
            assert box["height"] >= 40, f"{what} is a small target"
    first_screen(page, f"home-tally-{size}")
    look(page, f"home-tally-{size}")

    # A tap: the confirmation (with undo) is in view too, and the three taps stay in view.
    tap(page, "language", "Taalhuis-inloopspreekuur", warm=True)
    expect(page.locator("[data-today]")).to_be_visible()
    page.evaluate("() => window.scrollTo(0, 0)")
    assert_in_view(page, page.locator("[data-confirm]"), "the confirmation")
    assert_in_view(page, page.locator("[data-warm='0']"), "not warm, after a tap")
    first_screen(page, f"home-tally-{size}-counted")
    look(page, f"home-tally-{size}-counted")
    page.context.close()


# --- The pages changed, at three sizes -------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_the_changed_pages_at_three_sizes(browser: Browser, demo: Server, size: str) -> None:
    page = log_in(browser, demo, "marieke@helmond-peel.example", viewport=SIZES[size])
    expect(page.locator("[data-go-on]")).to_be_visible()
    assert_in_view(page, page.locator("[data-go-on]"), "Ga verder")
    first_screen(page, f"home-learner-{size}")
    look(page, f"home-learner-{size}")
    page.context.close()

    page = log_in(browser, demo, "hans@helmond-peel.example", viewport=SIZES[size])
    look(page, f"home-manager-{size}")
    page.context.close()

    page = log_in(browser, demo, "anouk@helmond-peel.example", viewport=SIZES[size])
    look(page, f"home-coordinator-{size}")
    page.context.close()


# --- The compact menu on a phone ---------------------------------------------------------------


def test_the_compact_menu_works_with_the_keyboard(browser: Browser, demo: Server) -> None:
    page = log_in(browser, demo, "jeroen@helmond-peel.example", viewport=PHONE)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    toggle = menu.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("link", name="Doorverwijzen")).to_be_hidden()
    header = page.locator(".balie-header").bounding_box()
    assert header["height"] <= 80, f"the header takes {header['height']} px on a phone"

    # Tab from the logo to the button, open it with Enter, walk in, close with Escape.
    page.locator(".balie-logo").focus()
    page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Doorverwijzen")).to_be_visible()
    first_screen(page, "home-menu-phone-open")
    look(page, "home-menu-phone-open")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Doorverwijzen")).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(menu.get_by_role("link", name="Doorverwijzen")).to_be_hidden()

    # A link in the menu goes where it says.
    toggle.click()
    menu.get_by_role("link", name="Ons aanbod").click()
    expect(page).to_have_url(re.compile(r"/aanbod/"))
    page.context.close()


# --- The hand-over: times day by day, and a way back from the card ---------------------------


@pytest.mark.parametrize("size", SIZES)
def test_the_handover_times_day_by_day(browser: Browser, demo: Server, size: str) -> None:
    page = log_in(browser, demo, "linda@helmond-peel.example", viewport=SIZES[size])
    page.goto("/afspraak/")
    page.locator("#id_need").select_option("language")
    page.get_by_label(re.compile("Taalhuis-inloopspreekuur")).check()
    page.locator("main button[type=submit]").click()
    days = page.locator("[data-day]")
    expect(days.first).to_have_attribute("aria-current", "page")
    assert days.count() >= 2
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 1600, f"the time picker is {height} px long"
    look(page, f"home-handover-days-{size}")

    # Another day: its times, and only its times.
    second = days.nth(1)
    day = second.get_attribute("data-day")
    second.click()
    expect(page.locator(f"[data-day='{day}']")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-slot]").first).to_be_visible()

    # Book it without name and contact, then go back from the card to the tally.
    page.locator("[data-slot]").first.click()
    page.get_by_role("button", name="Afspraak maken zonder naam en contact").click()
    expect(page.locator("article.card")).to_be_visible()
    back = page.locator("[data-back]")
    assert_in_view(page, back, "the way back from the card")
    look(page, f"home-handover-card-{size}")
    back.click()
    expect(page).to_have_url(re.compile(r"/doorverwijzen/$"))
    page.context.close()
