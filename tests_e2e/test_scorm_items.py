"""A package of several plain pages (assets, no SCO): the player lists its items, choosing
one loads it in the frame, and Next marks the step seen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests_e2e.conftest import Server, look
from tests_e2e.test_scorm import log_in

pytestmark = pytest.mark.e2e

OWN_MODULE = "Voorbeeld: een pakket van losse pagina's"
# A module of its own, so that the other SCORM browser tests (which add steps to the demo's
# module) and this one do not depend on their order.
IMPORT = f"""
import io
from pathlib import Path
from balie.learning.models import Module
from balie.orgs.models import User
from balie.scorm.actions import import_package
from balie.demo.scorm import EDITOR_EMAIL, MODULE_CODE
demo = Module.objects.get(code=MODULE_CODE, title__startswith="Voorbeeld")
module, _ = Module.objects.get_or_create(
    programme=demo.programme, code="V2", title="{OWN_MODULE}",
    defaults={{"theme": demo.theme, "position": demo.position + 1}},
)
if not module.steps.exists():
    data = Path("balie/scorm/tests/fixtures/ContentPackagingOneFilePerSCO_SCORM12.zip")
    import_package(io.BytesIO(data.read_bytes()), module=module,
                   by=User.objects.get(email=EDITOR_EMAIL), title="Golf in losse pagina's")
"""


def test_a_learner_chooses_items_of_a_package_of_plain_pages(page: Page, server: Server) -> None:
    server.manage("load_scorm_demo")
    server.manage("shell", "-c", IMPORT)
    log_in(page)
    page.get_by_role("link", name=re.compile(OWN_MODULE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Golf in losse pagina's")

    items = page.locator(".balie-scorm__items")
    expect(items.get_by_role("link")).to_have_count(18)
    # The package plays inside Balie's run-time frame on the content host.
    frame = page.frame_locator("iframe.balie-scorm__frame").locator("iframe")
    expect(frame).to_have_attribute("src", re.compile("Playing/Playing.html$"))
    expect(items.get_by_role("link", name="How to Play")).to_have_attribute("aria-current", "page")

    items.get_by_role("link", name="Par", exact=True).click()
    expect(frame).to_have_attribute("src", re.compile("Playing/Par.html$"))
    expect(items.get_by_role("link", name="Par", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(items.locator("[aria-current]")).to_have_count(1)
    expect(
        page.frame_locator("iframe.balie-scorm__frame").frame_locator("iframe").locator("body")
    ).to_contain_text("Par")
    look(page, "scorm-04-items")

    step_url = page.url
    # By keyboard: headless Chromium may drop a mouse click just below a cross-origin frame
    # when Playwright has scrolled the button into view.
    page.get_by_role("button", name="Module afronden").press("Enter")
    # the module's only step counted (a busy machine may take more than the default 5 s)
    expect(page).to_have_url(re.compile(r"/klaar/$"), timeout=15_000)
    page.goto(step_url)
    expect(page.locator(".balie-steplist__item--current.balie-steplist__item--seen")).to_have_count(
        1
    )
