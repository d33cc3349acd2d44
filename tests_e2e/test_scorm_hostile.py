"""A hostile SCORM package, built here, in the player of a logged-in learner: its JavaScript
tries to read the learner's notes, count a referral in their name, read Balie's page around
it and Balie's cookies, and fake a "passed" to the player. Every try fails: the package runs
on the content host, another origin without Balie's cookies, under a policy that keeps its
requests there (balie/scorm/content.py). A friendly package in the same player still
finishes its step."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from balie.serving import ROOT
from tests_e2e.conftest import Server, axe_violations
from tests_e2e.test_scorm import log_in

pytestmark = pytest.mark.e2e

MANIFEST = """<?xml version="1.0"?>
<manifest identifier="{name}" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org"><title>{title}</title>
      <item identifier="item" identifierref="sco"><title>{title}</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/><file href="sco.js"/>
    </resource>
  </resources>
</manifest>
"""
PAGE = """<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{title}</title>
<script src="sco.js" defer></script></head><body><h1>{title}</h1><pre id="results"></pre>
</body></html>"""

# Every try ends in a line of `results`: what happened. "blocked" is what Balie needs.
HOSTILE_JS = """
(function () {
  var balie = %(balie)s;
  var results = {};
  function note(name, value) {
    results[name] = value;
    document.getElementById("results").textContent = JSON.stringify(results);
  }
  function attempt(name, promise) {
    return promise.then(function (response) {
      return response.text().then(function (text) {
        note(name, "read " + response.status + " " + text.slice(0, 80));
      });
    }, function (error) { note(name, "blocked: " + error.name); });
  }
  function sync(name, read) {
    try { note(name, "read " + String(read()).slice(0, 80)); }
    catch (error) { note(name, "blocked: " + error.name); }
  }
  sync("cookie", function () { return document.cookie || "(none)"; });
  sync("top document", function () { return window.top.document.body.innerHTML; });
  sync("top location", function () { return window.top.location.href; });
  sync("parent origin", function () { return window.parent.location.origin; });
  sync("parent cookie", function () { return window.parent.document.cookie || "(none)"; });
  // A fake "passed" straight to Balie's player page.
  window.top.postMessage({type: "commit", showing: 0, sequence: 999,
                          cmi: {core: {lesson_status: "passed"}}}, "*");
  var form = document.createElement("form");
  form.method = "post";
  form.action = balie + "/doorverwijzen/tellen";
  form.target = "_blank";
  document.body.appendChild(form);
  try { form.submit(); note("referral form", "submitted"); }
  catch (error) { note("referral form", "blocked: " + error.name); }
  Promise.all([
    attempt("notes", fetch(balie + "/leren/aantekeningen/", {credentials: "include"})),
    attempt("notes no-cors", fetch(balie + "/leren/aantekeningen/",
                                   {credentials: "include", mode: "no-cors"})),
    attempt("referral", fetch(balie + "/doorverwijzen/tellen", {
      method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({client_id: "6d3c1f0e-5d0a-4d4b-9d55-0c3f3d5c2a11", need: "digital",
                            warm: false, offer: 1})})),
  ]).then(function () { note("done", true); });
})();
"""
FRIENDLY_JS = """
(function () {
  var api = window.parent.API;
  api.LMSInitialize("");
  api.LMSSetValue("cmi.core.lesson_location", "einde");
  api.LMSSetValue("cmi.core.lesson_status", "completed");
  api.LMSCommit("");
  document.getElementById("results").textContent = "klaar";
})();
"""
IMPORT = """
import io, sys
from pathlib import Path
from balie.learning.models import Module
from balie.orgs.models import User
from balie.scorm.actions import import_package
from balie.demo.scorm import EDITOR_EMAIL, MODULE_CODE
demo = Module.objects.get(code=MODULE_CODE, title__startswith="Voorbeeld")
module, _ = Module.objects.get_or_create(
    programme=demo.programme, code="%(code)s", title="%(title)s",
    defaults={"theme": demo.theme, "position": demo.position + 1},
)
step = module.steps.first()
if step is None:
    step = import_package(io.BytesIO(Path(%(zip)r).read_bytes()), module=module,
                          by=User.objects.get(email=EDITOR_EMAIL)).step
print(step.pk)
"""
COUNT = """
from balie.desk.models import Referral
from balie.learning.models import StepProgress
print(Referral.objects.count(), StepProgress.objects.filter(
    step_id=%(step)s, seen_at__isnull=False).count())
"""


def shell(server: Server, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "balie", "shell", "-c", code],
        env=server.env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def add_package(server: Server, tmp_path: Path, code: str, title: str, script: str) -> int:
    path = tmp_path / f"{code}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST.format(name=code, title=title))
        archive.writestr("index.html", PAGE.format(title=title))
        archive.writestr("sco.js", script)
    return int(shell(server, IMPORT % {"code": code, "title": title, "zip": str(path)}))


def counts(server: Server, step: int) -> tuple[int, int]:
    referrals, done = shell(server, COUNT % {"step": step}).split()
    return int(referrals), int(done)


def test_a_hostile_package_reaches_nothing_of_balie(
    page: Page, server: Server, tmp_path: Path
) -> None:
    server.manage("load_scorm_demo")
    script = HOSTILE_JS % {"balie": json.dumps(server.url)}
    hostile = add_package(server, tmp_path, "V8", "Vijandig pakket", script)
    friendly = add_package(server, tmp_path, "V9", "Gewoon pakket", FRIENDLY_JS)
    referrals_before, _ = counts(server, hostile)
    log_in(page)

    page.goto(f"/leren/stappen/{hostile}/")
    package = page.frame_locator("iframe.balie-scorm__frame").frame_locator("iframe")
    expect(package.locator("#results")).to_contain_text('"done":true')
    results = json.loads(package.locator("#results").text_content())
    print("\nhostile package:", json.dumps(results, indent=1))  # noqa: T201 - for the report
    assert results["cookie"] == "read (none)"
    assert results["top document"] == "blocked: SecurityError"
    assert results["top location"] == "blocked: SecurityError"
    # The package's parent is Balie's run-time frame on the content host: no cookie there.
    assert results["parent origin"] == f"read http://localhost:{server.port}"
    assert results["parent cookie"] == "read (none)"
    for name in ("notes", "notes no-cors", "referral"):
        assert results[name] == "blocked: TypeError", name
    assert page.context.pages == [page], "the form opened a window"
    assert any("connect-src" in message for message in page.csp_violations)
    assert any("form-action" in message for message in page.csp_violations)
    # Nothing counted, the fake "passed" did not finish the step, Balie's page unchanged.
    page.wait_for_timeout(3000)
    assert counts(server, hostile) == (referrals_before, 0)
    expect(page.locator("[data-scorm-status]")).not_to_contain_text("Klaar")
    expect(page.locator("#step-title")).to_have_text("Vijandig pakket")

    page.goto(f"/leren/stappen/{friendly}/")
    package = page.frame_locator("iframe.balie-scorm__frame").frame_locator("iframe")
    expect(package.locator("#results")).to_have_text("klaar")
    expect(page.locator("[data-scorm-status]")).to_contain_text(
        "Klaar. Volgens het pakket heb je het afgerond."
    )
    assert counts(server, friendly)[1] == 1
    assert axe_violations(page) == []
    # Chromium may report the hostile page's refusals late; the friendly page has none.
    hostile_targets = ("/leren/aantekeningen/", "/doorverwijzen/tellen")
    assert all(any(t in m for t in hostile_targets) for m in page.csp_violations)
