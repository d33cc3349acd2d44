"""Accounts that look after themselves: an adviser imports a CSV of participants, an imported
colleague opens the invitation from her e-mail, chooses a password, accepts the privacy notice
and logs in; another person chooses a new password through "Wachtwoord vergeten?"."""

from __future__ import annotations

import re
from email import message_from_bytes
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests_e2e.conftest import Server, look

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
NEW_PASSWORD = "Zomer-aan-de-balie-2026"


def new_page(browser: Browser, server: Server, size: str = "desktop") -> Page:
    context = browser.new_context(base_url=server.url, locale="nl-NL", viewport=SIZES[size])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/inloggen/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()


def mail_to(server: Server, address: str) -> str:
    """The newest e-mail to `address` that the server wrote (Django's file backend), after
    the background worker sent what was queued."""
    server.manage("db_worker", "--batch", "--no-startup-delay")
    folder = Path(server.env["BALIE_EMAIL_FILE_PATH"])
    bodies = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime):
        for raw in path.read_bytes().split(b"-" * 79):
            message = message_from_bytes(raw.strip())
            if address in (message["To"] or ""):
                charset = message.get_content_charset() or "utf-8"
                bodies.append(message.get_payload(decode=True).decode(charset))
    assert bodies, f"no e-mail to {address}"
    return bodies[-1]


def home_url(server: Server) -> re.Pattern:
    """Where a login without `next` lands: the person's home at `/` (LOGIN_REDIRECT_URL is
    still "Mijn leertraject" on branches without the per-role home)."""
    return re.compile(re.escape(server.url) + r"/(leren/)?$")


def link_in(body: str) -> str:
    """The path of the link in the e-mail (BALIE_SITE_URL is not the test server's)."""
    return "/" + re.search(r"https?://\S+", body).group(0).split("/", 3)[3]


def test_an_imported_colleague_activates_her_account(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    adviser = new_page(browser, server)
    log_in(adviser, "sanne@cubiss.example", "balie-demo")
    adviser.goto("/cohorten/")
    adviser.get_by_role("link", name="Helmond-Peel publieksservice 2026").click()
    adviser.get_by_role("link", name="Deelnemers toevoegen uit een CSV-bestand").click()
    csv = tmp_path / "deelnemers.csv"
    csv.write_text("naam,e-mail,vestiging\nYara de Wit,yara@helmond-peel.example,\n")
    adviser.get_by_label(re.compile("CSV")).set_input_files(str(csv))
    adviser.get_by_role("button", name="Inlezen").click()
    expect(adviser.get_by_text("1 mensen toegevoegd")).to_be_visible()

    body = mail_to(server, "yara@helmond-peel.example")
    assert "Beste Yara" in body
    for size in SIZES:
        page = new_page(browser, server, size)
        page.goto(link_in(body))
        expect(page.get_by_role("heading", name="Maak je account klaar")).to_be_visible()
        look(page, f"70-activate-{size}")
        page.context.close()

    page = new_page(browser, server)
    page.goto(link_in(body))
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nieuw wachtwoord bevestigen").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Maak mijn account klaar").click()
    # Without ticking the privacy box the account is not ready yet.
    expect(page.get_by_text("Lees de privacyverklaring en vink het vakje aan.")).to_be_visible()
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nieuw wachtwoord bevestigen").fill(NEW_PASSWORD)
    page.get_by_label("Ik heb de privacyverklaring gelezen").check()
    page.get_by_role("button", name="Maak mijn account klaar").click()
    expect(page).to_have_url(re.compile("/inloggen/"))
    expect(page.get_by_text("Je account is klaar")).to_be_visible()

    log_in(page, "yara@helmond-peel.example", NEW_PASSWORD)
    expect(page).to_have_url(home_url(server))
    expect(page.get_by_role("link", name=re.compile("Yara"))).to_be_visible()
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()

    # The link works once.
    used = new_page(browser, server)
    used.goto(link_in(body))
    expect(used.get_by_role("heading", name="Je account is al klaar")).to_be_visible()
    look(used, "71-activate-used")

    # Her own details.
    page.get_by_role("link", name=re.compile("Yara")).click()
    expect(page.get_by_role("heading", name="Mijn gegevens")).to_be_visible()
    look(page, "72-my-account-desktop")
    page.set_viewport_size(SIZES["phone"])
    look(page, "72-my-account-phone")


def test_a_forgotten_password_is_chosen_again(browser: Browser, server: Server) -> None:
    for size in SIZES:
        page = new_page(browser, server, size)
        page.goto("/inloggen/")
        page.get_by_role("link", name="Wachtwoord vergeten?").click()
        expect(page.get_by_role("heading", name="Wachtwoord vergeten?")).to_be_visible()
        look(page, f"73-password-reset-{size}")
        page.context.close()

    page = new_page(browser, server)
    page.goto("/wachtwoord-vergeten/")
    page.get_by_label("E-mailadres").fill("Bas@Helmond-Peel.example")
    page.get_by_role("button", name="Stuur mij een link").click()
    expect(page.get_by_role("heading", name="Kijk in je e-mail")).to_be_visible()
    look(page, "74-password-reset-sent")

    page.goto(link_in(mail_to(server, "bas@helmond-peel.example")))
    expect(page.get_by_role("heading", name="Kies een nieuw wachtwoord")).to_be_visible()
    look(page, "75-password-reset-confirm")
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nieuw wachtwoord bevestigen").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sla mijn nieuwe wachtwoord op").click()
    expect(page.get_by_role("heading", name="Je wachtwoord is veranderd")).to_be_visible()
    look(page, "76-password-reset-complete")

    log_in(page, "bas@helmond-peel.example", NEW_PASSWORD)
    expect(page).to_have_url(home_url(server))
    expect(page.get_by_role("link", name=re.compile("Bas"))).to_be_visible()


def test_a_manager_keeps_the_team(browser: Browser, server: Server) -> None:
    page = new_page(browser, server)
    log_in(page, "hans@helmond-peel.example", "balie-demo")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Ons team").click()
    expect(page.get_by_role("heading", name=re.compile("Ons team"))).to_be_visible()
    look(page, "77-team-desktop")
    page.set_viewport_size(SIZES["phone"])
    look(page, "77-team-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls
    page.set_viewport_size(SIZES["desktop"])
    page.get_by_role("link", name="Collega toevoegen").click()
    page.get_by_label("Naam").fill("Kees Verhoeven")
    page.get_by_label("E-mailadres").fill("kees@helmond-peel.example")
    look(page, "78-team-add")
    page.get_by_role("button", name="Toevoegen en uitnodiging sturen").click()
    expect(page.get_by_text("Kees Verhoeven staat in het team")).to_be_visible()
    invitation = mail_to(server, "kees@helmond-peel.example")
    assert "Beste Kees" in invitation

    # A broken link (or an expired one) says so, and offers a new one.
    other = new_page(browser, server)
    uid = link_in(invitation).split("/")[2]
    other.goto(f"/activeren/{uid}/1-verlopen/")
    expect(other.get_by_role("heading", name="Deze link werkt niet meer")).to_be_visible()
    look(other, "80-activate-expired")
    other.get_by_role("button", name="Stuur mij een nieuwe link").click()
    expect(other.get_by_role("heading", name="Kijk in je e-mail")).to_be_visible()
    look(other, "81-activate-new-link-sent")
    assert link_in(mail_to(server, "kees@helmond-peel.example")) != link_in(invitation)
    other.goto("/privacy/")
    look(other, "82-privacy-notice-desktop")
    other.set_viewport_size(SIZES["phone"])
    look(other, "82-privacy-notice-phone")

    # The warning before an idle session ends (shown at once here, instead of after 28 minutes).
    page.evaluate("document.getElementById('balie-idle').hidden = false")
    look(page, "83-idle-warning")
    page.get_by_role("button", name="Blijf ingelogd").click()
    expect(page.get_by_role("alertdialog")).to_be_hidden()

    page.get_by_role("link", name="Toegang beëindigen Kees Verhoeven").click()
    expect(page.get_by_role("heading", name="Weet je het zeker?")).to_be_visible()
    look(page, "79-team-end")
    page.get_by_role("button", name="Ja, beëindig de toegang").click()
    expect(page.get_by_text("Kees Verhoeven heeft geen toegang meer")).to_be_visible()
