"""Packages of several SCOs in the module player: a SCORM 2004 course in forced order (the
learner cannot skip ahead, and each SCO resumes on its own bookmark), and a course with a
post-test that is failed (the step is not done; "Opnieuw proberen") and then passed (done).
The packages are built in code (balie/scorm/tests/zips.py): their pages have buttons that
call the run-time as a course would."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FrameLocator, Page, Response, expect

from tests_e2e.conftest import Server, look
from tests_e2e.test_scorm import come_back_later, log_in

pytestmark = pytest.mark.e2e

ORDERED = "Voorbeeld: drie delen op volgorde"
TESTED = "Voorbeeld: uitleg met eindtoets"
IMPORT = f"""
import io
from balie.learning.models import Module
from balie.orgs.models import User
from balie.scorm.actions import import_package
from balie.demo.scorm import EDITOR_EMAIL, MODULE_CODE
from balie.scorm.tests import zips
demo = Module.objects.get(code=MODULE_CODE, title__startswith="Voorbeeld")
editor = User.objects.get(email=EDITOR_EMAIL)
for code, title, data in (("V3", "{ORDERED}", zips.three_in_order()),
                          ("V4", "{TESTED}", zips.with_post_test())):
    module, _ = Module.objects.get_or_create(
        programme=demo.programme, code=code, title=title,
        defaults={{"theme": demo.theme, "position": demo.position + 2}},
    )
    if not module.steps.exists():
        import_package(io.BytesIO(data), module=module, by=editor)
"""


def sco_frame(page: Page) -> FrameLocator:
    """The SCO's page: inside Balie's run-time frame on the content host, in the player.
    Balie's own controls around it are pressed by keyboard: on a busy machine headless
    Chromium may send a mouse click near the cross-origin frame to the wrong place
    (test_scorm_items.py)."""
    return page.frame_locator("iframe.balie-scorm__frame").frame_locator("iframe")


def is_commit(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/commit/")


def open_module(page: Page, server: Server, title: str) -> None:
    server.manage("load_scorm_demo")
    server.manage("shell", "-c", IMPORT)
    log_in(page)
    page.get_by_role("link", name=re.compile(title)).click()


def test_forced_order_and_a_bookmark_per_sco(page: Page, server: Server) -> None:
    open_module(page, server, ORDERED)
    sco = sco_frame(page)
    items = page.locator(".balie-scorm__items")
    following = page.get_by_role("button", name="Volgend onderdeel")
    expect(sco.locator("h1")).to_have_text("Deel een")
    # The run-time is in the frame on the content host, never on Balie's own page.
    assert page.evaluate("typeof window.API_1484_11 + typeof window.API") == "undefinedundefined"
    expect(items.get_by_role("link")).to_have_count(1)  # only the first part opens
    expect(items).to_contain_text("Deel twee Maak eerst ‘Deel een’ af")
    expect(following).to_be_disabled()
    expect(page.locator("[data-scorm-nav-reason]")).to_have_text(
        "Maak eerst ‘Deel een’ af: deze cursus heeft een vaste volgorde."
    )
    look(page, "scorm-05-forced-order")

    sco.get_by_role("button", name="Bookmark").click()
    sco.get_by_role("button", name="Finish").click()
    expect(following).to_be_enabled()
    expect(items.get_by_role("link", name="Deel twee")).to_be_visible()
    expect(items).to_contain_text("Deel drie Maak eerst ‘Deel twee’ af")

    following.press("Enter")
    expect(sco.locator("h1")).to_have_text("Deel twee")
    expect(sco.locator("#where")).to_contain_text("location= ")  # its own, empty bookmark
    # The answer to a commit redraws the list: wait for it before pressing a link in the list
    # (pressed while it was redrawn, the key went nowhere now and then).
    with page.expect_response(is_commit):
        sco.get_by_role("button", name="Bookmark").click()
    expect(items.get_by_role("link", name="Deel twee")).to_have_attribute("aria-current", "page")

    items.get_by_role("link", name="Deel een").press("Enter")
    expect(sco.locator("h1")).to_have_text("Deel een")
    expect(sco.locator("#where")).to_contain_text("location=page-Deel een ")
    # Back to the second part, which saves: opened again, the step resumes the part last saved
    # (also what a part saves as the tab closes counts), on its own bookmark.
    following.press("Enter")
    expect(sco.locator("h1")).to_have_text("Deel twee")
    expect(sco.locator("#where")).to_contain_text("location=page-Deel twee ")
    with page.expect_response(is_commit):
        sco.get_by_role("button", name="Bookmark").click()
    page = come_back_later(page)
    sco = sco_frame(page)
    items = page.locator(".balie-scorm__items")
    expect(sco.locator("h1")).to_have_text("Deel twee")
    expect(sco.locator("#where")).to_contain_text("location=page-Deel twee ")
    # Going to another part empties the frames first. Once Balie's own list marks the part
    # that opens, that is done: only then look inside the new frames (a look that overlapped
    # the old frame going away once ended "Target page, context or browser has been closed").
    page.get_by_role("button", name="Vorig onderdeel").press("Enter")
    expect(items.get_by_role("link", name="Deel een")).to_have_attribute("aria-current", "page")
    expect(sco.locator("#where")).to_contain_text("location=page-Deel een ")
    # A SCO that asks for the next part when it ends (adl.nav.request) gets it.
    sco.get_by_role("button", name="Continue").click()
    expect(items.get_by_role("link", name="Deel twee")).to_have_attribute("aria-current", "page")
    expect(sco.locator("h1")).to_have_text("Deel twee")
    expect(items).to_contain_text("Deel drie Maak eerst ‘Deel twee’ af")
    expect(page.locator(".balie-steplist__item--seen")).to_have_count(0)


def test_a_failed_post_test_then_passed(page: Page, server: Server) -> None:
    open_module(page, server, TESTED)
    sco = sco_frame(page)
    expect(sco.locator("h1")).to_have_text("Uitleg")
    sco.get_by_role("button", name="Finish").click()
    expect(page.locator(".balie-scorm__items")).to_contain_text("Uitleg (klaar)")
    page.get_by_role("button", name="Volgend onderdeel").press("Enter")
    expect(sco.locator("h1")).to_have_text("Eindtoets")
    expect(sco.locator("#where")).to_contain_text("passing=0.8 objectives=1")

    sco.get_by_role("button", name="Fail").click()
    retry = page.get_by_role("button", name="Opnieuw proberen")
    expect(retry).to_be_visible()
    expect(page.locator(".balie-scorm__items")).to_contain_text("Eindtoets (niet gehaald)")
    expect(page.locator("[data-scorm-start]")).not_to_have_attribute("data-done", "true")
    look(page, "scorm-06-post-test-failed")
    page = come_back_later(page)
    expect(page.locator(".balie-steplist__item--seen")).to_have_count(0)

    page.get_by_role("button", name="Opnieuw proberen").press("Enter")
    sco = sco_frame(page)
    expect(sco.locator("h1")).to_have_text("Eindtoets")
    expect(page.get_by_role("button", name="Opnieuw proberen")).to_be_hidden()
    sco.get_by_role("button", name="Pass").click()
    expect(page.locator("[data-scorm-start]")).to_have_attribute("data-done", "true")
    page = come_back_later(page)
    expect(page.locator(".balie-steplist__item--seen")).to_have_count(1)
    # By keyboard: headless Chromium may drop a mouse click just below a cross-origin frame
    # (test_scorm_items.py).
    page.get_by_role("button", name="Module afronden").press("Enter")
    expect(page).to_have_url(re.compile(r"/klaar/$"), timeout=15_000)


def test_what_a_sco_saves_as_the_tab_closes_is_kept(page: Page, server: Server) -> None:
    """A SCO saves one last time from its unload handler, as most courses do; the player page
    is going too, so the run-time frame sends that commit itself (sendBeacon)."""
    open_module(page, server, ORDERED)
    sco = sco_frame(page)
    part = sco.locator("h1")
    expect(part).not_to_have_text("")
    title = part.text_content()
    scos = [frame for frame in page.frames if "/f/" in frame.url]
    assert len(scos) == 1, [frame.url for frame in page.frames]
    scos[0].evaluate(
        """() => {
            api.SetValue("cmi.location", "tab-closed");
            window.addEventListener("pagehide", function () { api.Terminate(""); });
        }"""
    )
    page = come_back_later(page)
    sco = sco_frame(page)
    expect(sco.locator("h1")).to_have_text(title or "")
    expect(sco.locator("#where")).to_contain_text("location=tab-closed ")
