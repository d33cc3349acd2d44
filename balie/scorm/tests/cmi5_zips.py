"""cmi5 courses built in memory for the tests (no registry ships ADL's sample courses): a
cmi5.xml and an AU page whose own script does what a real AU does with plain fetch — POST to
the fetch URL, read LMS.LaunchData and the learner preferences, keep a bookmark in its own
state, and send initialized, passed, completed and terminated with the context template."""

from __future__ import annotations

from balie.scorm.tests.zips import build

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
COURSE_ID = "https://courses.example/cmi5/balie-test"


def au(
    identifier: str,
    title: str,
    url: str = "au/index.html",
    *,
    attributes: str = 'moveOn="CompletedAndPassed" masteryScore="0.8"',
    extra: str = "",
) -> str:
    return f"""<au id="{identifier}" {attributes}>
      <title>
        <langstring lang="en-US">{title} (en)</langstring>
        <langstring lang="nl-NL">{title}</langstring>
      </title>
      <description><langstring lang="nl-NL">Een les.</langstring></description>
      <url>{url}</url>{extra}
    </au>"""


def structure(*parts: str, title: str = "Klantvragen in cmi5") -> str:
    body = "\n".join(parts) or au(f"{COURSE_ID}/au/1", "Les 1")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="{NAMESPACE}">
  <course id="{COURSE_ID}">
    <title><langstring lang="nl-NL">{title}</langstring></title>
    <description><langstring lang="nl-NL">Een proefcursus.</langstring></description>
  </course>
  {body}
</courseStructure>
"""


AU_PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Les</title></head>
<body><main>
<h1>Les</h1>
<p id="status">Bezig met starten</p>
<p id="bookmark"></p>
<button id="pass" type="button">Toets maken</button>
<button id="leave" type="button">Later verder</button>
</main>
<script>
(async function () {
  var q = new URLSearchParams(location.search);
  var endpoint = q.get("endpoint");
  var actor = JSON.parse(q.get("actor"));
  var registration = q.get("registration");
  var activityId = q.get("activityId");
  var show = function (id, text) { document.getElementById(id).textContent = text; };
  function uuid() {
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  try {
    var fetched = await (await fetch(q.get("fetch"), {method: "POST"})).json();
    var headers = {"Authorization": "Basic " + fetched["auth-token"],
                   "X-Experience-API-Version": "1.0.3"};
    var state = function (id) {
      return endpoint + "activities/state?" + new URLSearchParams({activityId: activityId,
        agent: JSON.stringify(actor), registration: registration, stateId: id});
    };
    var launchData = await (await fetch(state("LMS.LaunchData"), {headers: headers})).json();
    await fetch(endpoint + "agents/profile?" + new URLSearchParams({
      agent: JSON.stringify(actor), profileId: "cmi5LearnerPreferences"}), {headers: headers});
    var mark = await fetch(state("bookmark"), {headers: headers});
    show("bookmark", mark.ok ? "Verder bij " + (await mark.text()) : "Eerste keer");
    var started = Date.now();
    var statement = function (verb, result) {
      var context = JSON.parse(JSON.stringify(launchData.contextTemplate));
      context.registration = registration;
      context.contextActivities.category = [
        {id: "https://w3id.org/xapi/cmi5/context/categories/cmi5"}];
      if (result && ("success" in result || "completion" in result)) {
        context.contextActivities.category.push(
          {id: "https://w3id.org/xapi/cmi5/context/categories/moveon"});
      }
      if (verb === "passed" || verb === "failed") {
        context.extensions["https://w3id.org/xapi/cmi5/context/extensions/masteryscore"] =
          launchData.masteryScore;
      }
      var s = {id: uuid(), actor: actor, verb: {id: "http://adlnet.gov/expapi/verbs/" + verb},
               object: {objectType: "Activity", id: activityId}, context: context,
               timestamp: new Date().toISOString()};
      if (result) s.result = result;
      return s;
    };
    var duration = function () {
      return "PT" + Math.max(1, Math.round((Date.now() - started) / 1000)) + "S";
    };
    var send = async function (list) {
      var answer = await fetch(endpoint + "statements", {method: "POST", body: JSON.stringify(list),
        headers: Object.assign({"Content-Type": "application/json"}, headers)});
      if (!answer.ok) throw new Error("statements " + answer.status + " " + await answer.text());
    };
    await send([statement("initialized")]);
    var leave = async function (list) {
      try {
        await send(list.concat([statement("terminated", {duration: duration()})]));
        location.href = launchData.returnURL;
      } catch (error) {
        show("status", "Fout: " + error.message);
      }
    };
    document.getElementById("leave").addEventListener("click", async function () {
      await fetch(state("bookmark"), {method: "PUT", body: "vraag 2",
        headers: Object.assign({"Content-Type": "text/plain"}, headers)});
      await leave([]);
    });
    document.getElementById("pass").addEventListener("click", async function () {
      await leave([
        statement("passed", {success: true, duration: duration(),
                             score: {scaled: 0.9, raw: 9, min: 0, max: 10}}),
        statement("completed", {completion: true, duration: duration()})]);
    });
    // Only now can the learner do anything: the page says it has started.
    show("status", "Gestart: " + launchData.launchMode + ", " + launchData.moveOn + ", "
         + launchData.masteryScore);
  } catch (error) {
    show("status", "Fout: " + error.message);
  }
})();
</script>
</body></html>
"""


def course(*parts: str, files: dict[str, bytes | str] | None = None, title: str = "") -> bytes:
    """A cmi5 course zip: its cmi5.xml (one AU by default) and the AU page."""
    xml = structure(*parts, title=title) if title else structure(*parts)
    return build({"cmi5.xml": xml, "au/index.html": AU_PAGE, **(files or {})})
