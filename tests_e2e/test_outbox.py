"""The outbox (balie/static/balie/outbox.js) on each page that writes in the background — the
attendance taps, the referral tally and the learning player's notes — through each failure:
no connection (then back), an expired CSRF token, a session that ended (log in again, then it
is sent), and a write the server refuses for good (dropped, and the person is told)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests_e2e.conftest import Server, look
from tests_e2e.test_desk import TALLY_LOG, tap
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e

PASSWORD = "balie-demo"
ATTENDANCE = re.compile(r"/aanwezigheid/$")
PLAYER = re.compile(r"/stappen/\d+/(tijd|aantekening)/$")


def count(page: Page):
    return page.locator("[data-outbox-count]")


def settled(page: Page) -> None:
    """Wait until nothing waits in the outbox any more."""
    expect(page.locator("[data-outbox]")).to_have_attribute("data-waiting", "0", timeout=20_000)


def dropped(page: Page):
    return page.locator("[data-outbox-dropped]")


def answers(page: Page, pattern: re.Pattern) -> list[int]:
    """The statuses of the page's POSTs to `pattern`, as they arrive."""
    seen: list[int] = []
    page.on(
        "response",
        lambda r: (
            seen.append(r.status) if r.request.method == "POST" and pattern.search(r.url) else None
        ),
    )
    return seen


def log_in_again(page: Page, email: str) -> None:
    """The outbox asks to log in again; its link leads back to the page."""
    here = page.url
    login = page.locator("[data-outbox-login]")
    expect(login).to_be_visible()
    expect(login).to_contain_text("Je bent uitgelogd.")
    login.get_by_role("link", name="Log opnieuw in").click()
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(here)


def expire_csrf(page: Page) -> None:
    """As if the token expired: the CSRF cookie is gone, so the token on the page no longer
    matches anything (the session stays)."""
    page.context.clear_cookies(name="csrftoken")


def end_session(page: Page) -> None:
    """As if the session ended (logged out for idleness, or on the server)."""
    page.context.clear_cookies(name="sessionid")


def refuse(status: int, body: dict) -> Callable[[Route], None]:
    return lambda route: route.fulfill(
        status=status, content_type="application/json", body=json.dumps(body)
    )


# --- attendance ------------------------------------------------------------------------------


@dataclass
class Attendance:
    page: Page
    email: str = "sanne@cubiss.example"

    def open(self) -> None:
        self.page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Groepen"
        ).click()
        self.page.get_by_role("link", name="Helmond-Peel publieksservice 2026").click()
        self.page.get_by_role(
            "link", name=re.compile(r"^Aanwezigheid\W+BoekStart en de Bibliotheek")
        ).click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Aanwezigheid")

    def tap(self, person: str, status: str) -> None:
        self.page.get_by_role("group", name=person).get_by_text(status).click()

    def assert_saved(self, person: str, status: str) -> None:
        """What the server has: a fresh page (the outbox empty, so nothing comes from it)."""
        settled(self.page)
        self.page.reload()
        expect(self.page.get_by_role("group", name=person).get_by_label(status)).to_be_checked()


@pytest.fixture
def attendance(browser: Browser, server: Server):
    page = log_in(browser, server, "sanne@cubiss.example", viewport={"width": 810, "height": 1080})
    sheet = Attendance(page)
    sheet.open()
    yield sheet
    page.context.close()


def test_attendance_waits_offline_and_goes_out_when_back(attendance: Attendance) -> None:
    page = attendance.page
    page.context.set_offline(True)
    attendance.tap("Jeroen Pauwels", "Afwezig")
    attendance.tap("Fatma Yilmaz", "Afgemeld")
    attendance.tap("Jeroen Pauwels", "Aanwezig")  # a newer tap replaces the waiting one
    expect(count(page)).to_have_text("2 tikken wachten op verbinding.")
    look(page, "o1-attendance-offline")
    page.context.set_offline(False)
    attendance.assert_saved("Jeroen Pauwels", "Aanwezig")
    attendance.assert_saved("Fatma Yilmaz", "Afgemeld")


def test_attendance_survives_an_expired_csrf_token(attendance: Attendance) -> None:
    page = attendance.page
    statuses = answers(page, ATTENDANCE)
    expire_csrf(page)
    attendance.tap("Marieke de Wit", "Afwezig")
    expect(count(page)).to_have_text("Alles is opgeslagen.", timeout=20_000)
    assert statuses == [403, 200]
    attendance.assert_saved("Marieke de Wit", "Afwezig")


def test_attendance_waits_for_a_new_login(attendance: Attendance) -> None:
    page = attendance.page
    page.context.clear_cookies()  # the session and the CSRF cookie both gone
    attendance.tap("Fatma Yilmaz", "Aanwezig")
    expect(count(page)).to_have_text("1 tik wacht.")
    look(page, "o2-attendance-logged-out")
    log_in_again(page, attendance.email)
    # Back on the page, the waiting tap is on the screen and goes out.
    expect(page.get_by_role("group", name="Fatma Yilmaz").get_by_label("Aanwezig")).to_be_checked()
    attendance.assert_saved("Fatma Yilmaz", "Aanwezig")


def test_attendance_drops_a_refused_tap_and_says_so(attendance: Attendance) -> None:
    page = attendance.page
    reason = "De bijeenkomst is nog niet begonnen."
    page.route(ATTENDANCE, refuse(409, {"message": reason}))
    attendance.tap("Marieke de Wit", "Afgemeld")
    expect(dropped(page)).to_have_text(f"Niet bewaard: Marieke de Wit, afgemeld. {reason}")
    expect(
        page.get_by_role("group", name="Marieke de Wit").get_by_label("Afgemeld")
    ).not_to_be_checked()
    expect(count(page)).to_be_empty()
    look(page, "o3-attendance-refused")
    page.unroute(ATTENDANCE)
    page.reload()
    expect(dropped(page)).to_be_hidden()


# --- the tally -------------------------------------------------------------------------------

JEROEN = "jeroen@helmond-peel.example"
TALLY = re.compile(re.escape(TALLY_LOG) + "$")


@pytest.fixture
def tally(browser: Browser, server: Server):
    page = log_in(browser, server, JEROEN)
    page.goto("/doorverwijzen/")
    expect(page.locator("[data-tally]")).to_be_visible()
    yield page
    page.context.close()


def test_the_tally_waits_offline_and_counts_each_tap_once(tally: Page) -> None:
    statuses = answers(tally, TALLY)
    tally.context.set_offline(True)
    tap(tally, "digid", "Informatiepunt Digitale Overheid", warm=False)
    tap(tally, "language", "Taalhuis-inloopspreekuur", warm=True)
    expect(count(tally)).to_have_text("2 tikken wachten op verbinding.")
    tally.context.set_offline(False)
    settled(tally)
    expect(count(tally)).to_be_empty()
    assert statuses == [201, 201]


def test_the_tally_survives_an_expired_csrf_token(tally: Page) -> None:
    statuses = answers(tally, TALLY)
    expire_csrf(tally)
    tap(tally, "child", "BoekStart", warm=False)
    expect(tally.locator("[data-today]")).to_be_visible()
    assert statuses == [403, 201]


def test_the_tally_waits_for_a_new_login(tally: Page) -> None:
    statuses = answers(tally, TALLY)
    end_session(tally)
    tap(tally, "digid", "Informatiepunt Digitale Overheid", warm=True)
    expect(count(tally)).to_have_text("1 tik wacht.")
    expect(tally.locator("[data-outbox]")).to_have_attribute("data-state", "login")
    log_in_again(tally, JEROEN)
    settled(tally)
    assert statuses[-1] == 201
    assert (
        tally.evaluate("Object.keys(localStorage).filter(k => k.startsWith('balie.outbox.'))") == []
    )


def test_the_tally_drops_a_refused_tap_and_says_so(tally: Page) -> None:
    tally.route(TALLY, refuse(404, {"error": "Dit aanbod is niet gevonden."}))
    tap(tally, "child", "BoekStart", warm=True)
    expect(dropped(tally)).to_have_text(
        re.compile(r"^Niet bewaard: .+ → BoekStart.*, warm\. Dit aanbod is niet gevonden\.$")
    )
    expect(tally.locator("[data-confirm]")).to_be_hidden()
    expect(count(tally)).to_be_empty()
    look(tally, "o4-tally-refused")


# --- the player's notes ----------------------------------------------------------------------

MARIEKE = "marieke@helmond-peel.example"


@pytest.fixture
def player(browser: Browser, server: Server):
    page = log_in(browser, server, MARIEKE)
    page.goto("/leren/")
    page.locator(".balie-card", has_text="de Bibliotheek op school").get_by_role(
        "link", name=re.compile(r"^Openen")
    ).click()
    expect(page.locator("form[data-note] textarea")).to_be_visible()
    yield page
    page.context.close()


def note(page: Page):
    return page.locator("form[data-note] textarea")


def note_status(page: Page):
    return page.locator("[data-note-status]")


def saved_note(page: Page) -> str:
    """The note as the server has it (a fresh GET, not the page that may show a draft)."""
    html = page.request.get(page.url).text()
    return re.search(r"<textarea[^>]*>([^<]*)</textarea>", html).group(1)


def test_a_note_waits_offline_and_goes_out_when_back(player: Page) -> None:
    player.context.set_offline(True)
    note(player).fill("Zonder verbinding geschreven.")
    expect(note_status(player)).to_contain_text("Geen verbinding", timeout=15_000)
    expect(count(player)).to_have_text(
        re.compile(r"^\d+ wijziging(en)? wacht(en)? op verbinding\.$")
    )
    look(player, "o5-player-offline")
    player.context.set_offline(False)
    expect(note_status(player)).to_contain_text("Opgeslagen om", timeout=20_000)
    assert saved_note(player) == "Zonder verbinding geschreven."


def test_a_note_survives_an_expired_csrf_token(player: Page) -> None:
    statuses = answers(player, PLAYER)  # the time on the step may go first
    expire_csrf(player)
    note(player).fill("Na een verlopen token.")
    expect(note_status(player)).to_contain_text("Opgeslagen om", timeout=15_000)
    assert statuses[0] == 403
    assert statuses[-1] == 200
    assert saved_note(player) == "Na een verlopen token."


def test_a_note_waits_for_a_new_login(player: Page) -> None:
    end_session(player)
    note(player).fill("Geschreven toen de sessie al voorbij was.")
    expect(player.locator("[data-outbox-login]")).to_be_visible(timeout=15_000)
    look(player, "o6-player-logged-out")
    log_in_again(player, MARIEKE)
    expect(note(player)).to_have_value("Geschreven toen de sessie al voorbij was.")
    expect(note_status(player)).to_contain_text("Opgeslagen om", timeout=15_000)
    assert saved_note(player) == "Geschreven toen de sessie al voorbij was."


def test_a_note_refused_for_good_is_dropped_and_said(player: Page) -> None:
    # A newer version was saved in another window: this one is refused (409), for real.
    csrf = player.locator("[data-outbox]").get_attribute("data-csrf")
    newer = player.request.post(
        player.locator("form[data-note]").get_attribute("action"),
        form={"body": "Nieuwer, uit een ander venster.", "revision": str(10**15)},
        headers={"X-CSRFToken": csrf},
    )
    assert newer.status == 200
    note(player).fill("Ouder dan wat er al staat.")
    expect(note_status(player)).to_contain_text("in een ander venster", timeout=15_000)
    assert saved_note(player) == "Nieuwer, uit een ander venster."
