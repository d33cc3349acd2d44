/* Plays a SCORM package in the module player with scorm-again.
 *
 * The page has a [data-scorm-start] box with an empty iframe. This asks Balie for the launch
 * data (the learner's saved run-time data and a signed session ticket), creates the API the
 * package looks for in its parent window (window.API for SCORM 1.2, window.API_1484_11 for
 * 2004) and only then loads the package into the iframe.
 *
 * Commits go to Balie every few seconds while values change, and once more when the package
 * finishes (scorm-again sends that one by sendBeacon). Each carries the session ticket and
 * scorm-again's commit number, so Balie keeps the newest and ignores repeats.
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-scorm-start]");
  if (!box) return;
  var frame = box.querySelector("iframe");
  var status = box.querySelector("[data-scorm-status]");

  function say(message) {
    if (message) status.textContent = message;
  }

  function settings(start) {
    return {
      lmsCommitUrl: start.commitUrl,
      autocommit: true,
      autocommitSeconds: 5,
      // scorm-again counts the session's time itself and sends the running total with every
      // commit, so time is kept even for a package that never reports it.
      selfReportSessionTime: true,
      alwaysSendTotalTime: true,
      logLevel: 4,
      requestHandler: function (commit, metadata) {
        return {
          token: start.token,
          sequence: metadata && metadata.sequence ? metadata.sequence : 0,
          cmi: commit.cmi,
        };
      },
      xhrResponseHandler: function (xhr) {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (xhr.status >= 200 && xhr.status < 300 && answer && answer.result === true) {
          if (answer.stepDone) done();
          return { result: "true", errorCode: 0 };
        }
        say(answer && answer.error ? answer.error : box.dataset.msgFailed);
        return { result: "false", errorCode: 101 };
      },
    };
  }

  function done() {
    if (box.dataset.done === "true") return;
    box.dataset.done = "true";
    say(box.dataset.msgDone);
  }

  // Starts a package page: fresh launch data (the attempt so far and a new session ticket),
  // a new API for it, then the page. Every item of a package shares the one attempt.
  function launch(url) {
    fetch(box.dataset.scormStart, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("start " + response.status);
      return response.json();
    }).then(function (start) {
      var is2004 = start.version === "2004";
      var Api = is2004 ? window.Scorm2004API : window.Scorm12API;
      var api = new Api(settings(start));
      api.loadFromJSON(start.cmi);
      if (is2004) window.API_1484_11 = api; else window.API = api;
      frame.src = url || start.launchUrl;
    }).catch(function () {
      say(box.dataset.msgFailed);
    });
  }

  // A package of several items lists them; choosing one first unloads the page that is
  // open (so a SCO can finish and send its last commit), then starts the chosen one.
  var links = box.querySelectorAll("[data-scorm-item]");
  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      Array.prototype.forEach.call(links, function (other) {
        other.removeAttribute("aria-current");
      });
      link.setAttribute("aria-current", "page");
      frame.addEventListener("load", function unloaded() {
        frame.removeEventListener("load", unloaded);
        launch(link.href);
      });
      frame.src = "about:blank";
    });
  });

  launch(null);
})();
