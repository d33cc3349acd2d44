"""Browser tests: a real Balie server (gunicorn, in its own process, on a database of its own
with the demo data) driven by Debian's Chromium through Playwright, with axe-core injected
into the pages. The server can be restarted mid-test to prove nothing saved is lost."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from balie.serving import BalieServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).parent / "screenshots"


class Server(BalieServer):
    """Balie served by gunicorn on its own database, as in production, with an access log."""

    def __init__(self, env: dict[str, str], log: Path = Path(os.devnull)) -> None:
        super().__init__(env, log=log, options=["--access-logfile", "-"])
        self.demo_seconds = 0.0

    def prepare(self) -> None:
        self.demo_seconds = self.load_demo()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    var = tmp_path_factory.mktemp("balie-var")
    env = {
        **os.environ,
        "BALIE_VAR_DIR": str(var),
        "BALIE_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_SETTINGS_MODULE": "balie.settings",
        # E-mails go to files there, for the tests that open them (test_accounts.py).
        "BALIE_EMAIL_FILE_PATH": str(var / "mail"),
        # As in ./scripts/demo: the management site without two-step verification.
        "BALIE_ADMIN_REQUIRES_2FA": "false",
    }
    postgres_url = os.environ.get("BALIE_DATABASE_URL", "")
    database = f"balie_e2e_{uuid.uuid4().hex[:8]}"
    admin_url = postgres_url.rsplit("/", 1)[0] + "/postgres"
    if postgres_url:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        env["BALIE_DATABASE_URL"] = postgres_url.rsplit("/", 1)[0] + f"/{database}"
    balie = Server(env=env)
    try:
        balie.prepare()
        balie.start()
        yield balie
    finally:
        balie.stop()
        if postgres_url:
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url, locale="nl-NL", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Content Security Policy violations, as Chromium reports them on the console (see look()).
    page.csp_violations = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            page.csp_violations.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations on the page, as axe-core reports them."""
    # Evaluated through the DevTools protocol: a <script> tag would be refused by Balie's CSP.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    # Balie's own document: a frame holds foreign content (a SCORM package on the content
    # host), where axe-core is not injected. Waiting for such frames to answer once never
    # ended (page.evaluate has no timeout of its own), so it is bounded here too.
    result = page.evaluate(
        """() => Promise.race([
             axe.run(document, {iframes: false, runOnly: {type: 'tag',
               values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}),
             new Promise((_, reject) => setTimeout(
               () => reject(new Error('axe-core did not finish in 60 s')), 60000)),
           ])"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def look(page: Page, name: str) -> None:
    """Check the page with axe-core and keep a screenshot to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert axe_violations(page) == [], f"accessibility problems on {name}"
    assert getattr(page, "csp_violations", []) == [], f"CSP violations on {name}"


def keep_pdf(pdf: bytes, name: str, *, pages: int = 1) -> int:
    """Keep a printed PDF to look at, as pictures of its first pages when poppler-utils'
    pdftoppm is on the machine (it is not on a fresh one); answers the PDF's page count."""
    assert pdf.startswith(b"%PDF")
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        picture = str(path.with_suffix(""))
        command = ["pdftoppm", "-png", "-r", "60", "-l", str(pages), str(path), picture]
        subprocess.run(command, check=True)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
