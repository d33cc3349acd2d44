"""Small SCORM packages built in memory for the tests, friendly and hostile."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

# The public sample packages (README.md there says where they come from), copied from the
# team's shared fixtures so that the tests need nothing outside the repository.
FIXTURES = Path(__file__).resolve().parent / "fixtures"

MANIFEST_12 = """<?xml version="1.0"?>
<manifest identifier="test" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>{title}</title>
      <item identifier="item_1" identifierref="sco"{parameters}><title>Start</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco" type="webcontent" adlcp:scormtype="sco" href="{href}">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""
PAGE = b"<!DOCTYPE html><html><head><title>SCO</title></head><body>Hallo</body></html>"


def manifest(title: str = "Testpakket", href: str = "index.html", parameters: str = "") -> str:
    extra = f' parameters="{parameters}"' if parameters else ""
    return MANIFEST_12.format(title=title, href=href, parameters=extra)


def build(files: dict[str, bytes | str], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def package(**files: bytes | str) -> bytes:
    """A valid one-SCO SCORM 1.2 package, with `files` added or replaced."""
    return build({"imsmanifest.xml": manifest(), "index.html": PAGE, **files})


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def lying_bomb(real_bytes: int, claimed_bytes: int) -> bytes:
    """A package whose index.html unpacks to `real_bytes` zeros while the zip's central
    directory says it holds `claimed_bytes`."""
    data = bytearray(build({"imsmanifest.xml": manifest(), "index.html": b"\0" * real_bytes}))
    directory = data.rfind(b"PK\x01\x02")
    while directory != -1:
        name_length = int.from_bytes(data[directory + 28 : directory + 30], "little")
        name = bytes(data[directory + 46 : directory + 46 + name_length])
        if name == b"index.html":
            data[directory + 24 : directory + 28] = claimed_bytes.to_bytes(4, "little")
            break
        directory = data.rfind(b"PK\x01\x02", 0, directory)
    return bytes(data)


# --- Packages of several SCOs, with sequencing --------------------------------------------

MANIFEST_2004 = """<?xml version="1.0"?>
<manifest identifier="seq" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>{title}</title>
{items}
      <imsss:sequencing>{sequencing}</imsss:sequencing>
    </organization>
  </organizations>
  <resources>
{resources}
  </resources>
</manifest>
"""


def sco_page(name: str) -> bytes:
    """A SCO page that the browser tests drive: buttons that set a bookmark, finish, pass,
    fail or ask for the next part, through the run-time API the player gives it (SCORM
    2004)."""
    return f"""<!DOCTYPE html><html lang="en"><head><title>{name}</title></head><body>
<h1>{name}</h1><p id="where"></p>
<button id="bookmark">Bookmark</button> <button id="finish">Finish</button>
<button id="pass">Pass</button> <button id="fail">Fail</button>
<button id="continue">Continue</button>
<script src="sco.js"></script></body></html>""".encode()


SCO_SCRIPT = b"""
var api = window.parent.API_1484_11;
api.Initialize("");
document.getElementById("where").textContent = "location=" + api.GetValue("cmi.location")
  + " threshold=" + api.GetValue("cmi.completion_threshold")
  + " passing=" + api.GetValue("cmi.scaled_passing_score")
  + " objectives=" + api.GetValue("cmi.objectives._count");
function finish(success, scaled) {
  if (scaled !== null) api.SetValue("cmi.score.scaled", scaled);
  if (success) api.SetValue("cmi.success_status", success);
  api.SetValue("cmi.completion_status", "completed");
  api.Commit("");
}
document.getElementById("bookmark").onclick = function () {
  api.SetValue("cmi.location", "page-" + document.title);
  api.Commit("");
};
document.getElementById("finish").onclick = function () { finish("", null); };
document.getElementById("continue").onclick = function () {
  api.SetValue("adl.nav.request", "continue");
  api.Terminate("");
};
document.getElementById("pass").onclick = function () {
  api.SetValue("cmi.interactions.0.id", "q1");
  api.SetValue("cmi.interactions.0.type", "choice");
  api.SetValue("cmi.interactions.0.learner_response", "b");
  api.SetValue("cmi.interactions.0.result", "correct");
  finish("", "0.9");
};
document.getElementById("fail").onclick = function () {
  api.SetValue("cmi.interactions.0.id", "q1");
  api.SetValue("cmi.interactions.0.type", "choice");
  api.SetValue("cmi.interactions.0.learner_response", "a");
  api.SetValue("cmi.interactions.0.result", "incorrect");
  finish("", "0.3");
};
"""


def package_2004(
    items: list[tuple[str, str, str]], *, sequencing: str = "", title: str = "Volgorde"
) -> bytes:
    """A SCORM 2004 package: `items` are (identifier, title, extra item XML) of SCOs, each
    with its own page; `sequencing` goes in the organisation's imsss:sequencing."""
    item_xml = "\n".join(
        f'      <item identifier="{i}" identifierref="r_{i}"><title>{t}</title>{extra}</item>'
        for i, t, extra in items
    )
    resources = "\n".join(
        f'    <resource identifier="r_{i}" type="webcontent" adlcp:scormType="sco" '
        f'href="{i}.html"><file href="{i}.html"/><file href="sco.js"/></resource>'
        for i, _, _ in items
    )
    manifest = MANIFEST_2004.format(
        title=title, items=item_xml, sequencing=sequencing, resources=resources
    )
    files: dict[str, bytes | str] = {"imsmanifest.xml": manifest, "sco.js": SCO_SCRIPT}
    for identifier, name, _ in items:
        files[f"{identifier}.html"] = sco_page(name)
    return build(files)


FORCED_ORDER = '<imsss:controlMode choice="false" flow="true"/>'
PASSING = (
    '<imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="pass" '
    'satisfiedByMeasure="true"><imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>'
    "</imsss:primaryObjective></imsss:objectives></imsss:sequencing>"
)
LEFT_OUT_OF_SATISFIED = (
    '<imsss:sequencing><imsss:rollupRules rollupObjectiveSatisfied="false"/></imsss:sequencing>'
)


def three_in_order() -> bytes:
    """Three SCOs in forced order (choice off, flow on)."""
    return package_2004(
        [("one", "Deel een", ""), ("two", "Deel twee", ""), ("three", "Deel drie", "")],
        sequencing=FORCED_ORDER,
        title="Drie delen op volgorde",
    )


def with_post_test() -> bytes:
    """Content that does not count for satisfied, and a post-test with a passing score of
    0.8 (its primary objective is satisfied by measure)."""
    return package_2004(
        [("content", "Uitleg", LEFT_OUT_OF_SATISFIED), ("test", "Eindtoets", PASSING)],
        title="Uitleg met eindtoets",
    )
