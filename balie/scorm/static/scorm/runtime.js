/* Plays a SCORM package in the module player.
 *
 * The package runs on the content host, a different origin without Balie's cookies
 * (balie/scorm/content.py), inside Balie's run-time frame (frame.js) that holds scorm-again.
 * This page asks Balie for the launch data of a showing (the learner's saved run-time data, a
 * signed session ticket and the frame's signed address), loads the frame, and when the frame
 * says it is ready, hands it the launch data. The frame sends every commit here with
 * postMessage; this page checks where it comes from and sends it to Balie with its CSRF token
 * and the showing's ticket, so Balie keeps the newest and ignores repeats.
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-scorm-start]");
  if (!box) return;
  var frame = box.querySelector("iframe");
  var status = box.querySelector("[data-scorm-status]");
  var showings = [];  // every showing of this page, by number: launch data and origin
  var current = null;

  function say(message) {
    if (message) status.textContent = message;
  }

  function done() {
    if (box.dataset.done === "true") return;
    box.dataset.done = "true";
    say(box.dataset.msgDone);
  }

  function commit(showing, sequence, cmi) {
    var body = JSON.stringify({ token: showing.start.token, sequence: sequence, cmi: cmi });
    fetch(showing.start.commitUrl, {
      method: "POST",
      credentials: "same-origin",
      // A commit may still be on its way when the learner leaves the page; keepalive takes
      // bodies up to 64 kB.
      keepalive: body.length < 60000,
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": box.dataset.csrf,
      },
      body: body,
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (response.ok && answer && answer.result === true) {
          if (answer.stepDone) done();
          return;
        }
        say(answer && answer.error ? answer.error : box.dataset.msgFailed);
      });
    }).catch(function () {
      say(box.dataset.msgFailed);
    });
  }

  // Only the run-time frame of this page, from the origin of the showing it names.
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || typeof message !== "object") return;
    if (message.type === "ready" && current && !current.started
        && event.origin === current.origin) {
      current.started = true;
      frame.contentWindow.postMessage({
        type: "start",
        showing: current.number,
        cmi: current.start.cmi,
        launch: current.launch,
      }, current.origin);
      return;
    }
    var showing = showings[message.showing];
    if (message.type === "commit" && showing && event.origin === showing.origin
        && typeof message.sequence === "number" && message.cmi
        && typeof message.cmi === "object") {
      commit(showing, message.sequence, message.cmi);
    }
  });

  // Starts a package page: fresh launch data (the attempt so far and a new ticket), then the
  // run-time frame. Every item of a package shares the one attempt.
  function launch(item) {
    fetch(box.dataset.scormStart, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("start " + response.status);
      return response.json();
    }).then(function (start) {
      current = {
        number: showings.length,
        start: start,
        origin: new URL(start.frameUrl).origin,
        launch: item || start.launch,
        started: false,
      };
      showings.push(current);
      frame.src = start.frameUrl;
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
        launch(link.dataset.scormItem);
      });
      frame.src = "about:blank";
    });
  });

  launch(null);
})();
