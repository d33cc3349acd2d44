"""A desk worker counts referrals on the tally: three taps, undo, and a tap made while the
connection is down, kept and sent later — counted once."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests_e2e.conftest import Server, look
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e

TALLY_LOG = "/doorverwijzen/tellen"


def today_count(page: Page) -> int:
    today = page.locator("[data-today]")
    expect(today).to_be_visible()
    return int(re.search(r"\d+", today.inner_text()).group())


def tap(page: Page, need: str, offer: str, warm: bool) -> int:
    """Three clicks: the need, the offer, warm or not — and "Meer" first for a need or an
    offer that is not among the first few. Answers the number of clicks."""
    clicks = 3
    need_tile = page.locator(f"label.balie-tile:has(input[name=need][value={need}])")
    if not need_tile.is_visible():
        page.locator("[data-step=need] details > summary").click()
        clicks += 1
    need_tile.click()
    offer_tile = page.locator("[data-step=offer] label.balie-tile", has_text=offer)
    if not offer_tile.is_visible():
        page.locator("[data-step=offer] details > summary").click()
        clicks += 1
    offer_tile.click()
    page.locator(f"[data-warm='{1 if warm else 0}']").click()
    return clicks


def test_counting_undoing_and_counting_offline(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "jeroen@helmond-peel.example")
    sent: list[dict] = []
    page.on(
        "request",
        lambda r: (
            sent.append(json.loads(r.post_data or "{}"))
            if r.method == "POST" and r.url.endswith(TALLY_LOG)
            else None
        ),
    )
    page.goto("/doorverwijzen/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # The branch is filled in from Jeroen's own branch.
    expect(page.locator("select[name=branch] option:checked")).to_have_text("Helmond")
    look(page, "80-desk-tally")

    # A warm referral to the Taalhuis, which takes appointments: three clicks, then counted.
    tap(page, "language", "Taalhuis-inloopspreekuur", warm=True)
    expect(page.locator("[data-confirm]")).to_be_visible()
    expect(page.locator("[data-label]")).to_contain_text("Taalhuis-inloopspreekuur")
    counted = today_count(page)
    book = page.locator("[data-book]")
    expect(book).to_be_visible()
    assert re.search(r"/afspraak/\?referral=[0-9a-f-]{36}$", book.get_attribute("href"))
    look(page, "81-desk-tally-counted")

    # Undo: the team's count goes back.
    page.locator("[data-undo]").click()
    expect(book).to_be_hidden()
    expect(page.locator("[data-today]")).to_contain_text(str(counted - 1))
    expect(page.locator("[data-outbox-count]")).to_be_hidden()

    # The connection drops: the tap waits on the device, then goes out once.
    page.context.set_offline(True)
    tap(page, "digid", "Informatiepunt Digitale Overheid", warm=False)
    expect(page.locator("[data-label]")).to_contain_text("Informatiepunt Digitale Overheid")
    pending = page.locator("[data-outbox-count]")
    expect(pending).to_be_visible()
    expect(pending).to_have_text("1 tik wacht op verbinding.")
    look(page, "82-desk-tally-offline")
    page.context.set_offline(False)
    expect(pending).to_be_hidden(timeout=20_000)
    expect(page.locator("[data-today]")).to_contain_text(str(counted))

    # The same tap sent again (its answer lost, say) is not counted twice.
    offline_tap = sent[-1]
    assert offline_tap["need"] == "digid"
    csrf = page.locator("[data-tally] input[name=csrfmiddlewaretoken]").input_value()
    again = page.request.post(
        TALLY_LOG,
        data=json.dumps(offline_tap),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    assert again.status == 200
    assert again.json()["today"] == counted
    page.context.close()


def test_the_tally_on_a_tablet_and_the_offer_list(browser: Browser, server: Server) -> None:
    page = log_in(
        browser, server, "jeroen@helmond-peel.example", viewport={"width": 768, "height": 1024}
    )
    page.goto("/doorverwijzen/")
    tap(page, "child", "BoekStart", warm=True)
    expect(page.locator("[data-today]")).to_be_visible()
    expect(page.locator("[data-book]")).to_be_hidden()  # BoekStart takes no appointments
    look(page, "83-desk-tally-tablet")
    page.goto("/aanbod/")
    expect(page.locator("[data-offer]").first).to_be_visible()
    look(page, "84-desk-offers-tablet")
    page.context.close()

    manager = log_in(browser, server, "hans@helmond-peel.example")
    manager.goto("/aanbod/")
    expect(manager.locator("[data-offer-new]")).to_be_visible()
    look(manager, "85-desk-offers-manager")
    manager.locator("[data-offer-new]").click()
    look(manager, "86-desk-offer-new")
    manager.context.close()
