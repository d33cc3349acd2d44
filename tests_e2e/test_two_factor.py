"""A POI adviser turns on two-step verification with an authenticator app (the test plays the
app: it reads the key from the page), logs out, and logs in with password and code."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, expect

from balie.security import totp
from tests_e2e.conftest import Server, look
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e

# An adviser no other browser test logs in as: after this test, Rob needs a code.
EMAIL = "rob@probiblio.example"


def app_code(secret: str) -> str:
    """The code for the next 30-second step: the server accepts one step of clock drift, and
    the step of the set-up code is used up."""
    return totp.code_at(secret, totp.counter_at(time.time()) + 1)


def test_an_adviser_turns_on_two_step_verification(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, EMAIL)
    page.goto("/tweestapsverificatie/")
    expect(page.locator("[data-two-factor='off']")).to_be_visible()
    page.locator("a[href='/tweestapsverificatie/aanzetten/']").click()

    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    look(page, "2fa-1-turn-on")
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    page.locator("#id_code").fill(totp.now_code(secret))
    page.locator("form.balie-form button[type='submit']").click()

    codes = page.locator("[data-recovery-codes] li")
    expect(codes).to_have_count(10)
    look(page, "2fa-2-recovery-codes")
    page.locator("[data-recovery-codes] ~ p a").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.locator("form[action='/uitloggen/'] button").click()
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill("balie-demo")
    page.get_by_role("button", name="Inloggen").click()

    expect(page).to_have_url(f"{server.url}/inloggen/code/?next=%2F")
    look(page, "2fa-3-code-step")
    page.locator("#id_code").fill("000000")
    page.locator("form:has(#id_code) button[type='submit']").click()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    look(page, "2fa-4-wrong-code")

    page.locator("#id_code").fill(app_code(secret))
    page.locator("form:has(#id_code) button[type='submit']").click()
    expect(page).to_have_url(f"{server.url}/cohorten/")  # an adviser lands on the cohorts
    page.goto("/tweestapsverificatie/")
    expect(page.locator("[data-two-factor='on']")).to_be_visible()
    page.context.close()
