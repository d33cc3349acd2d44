/* Plays a SCORM package in the module player with scorm-again, one SCO at a time.
 *
 * The page has a [data-scorm-start] box with an empty iframe, the package's items (when it
 * has several), Previous/Next part buttons and a hidden "Try again" form. For the item to
 * open, this asks Balie for its launch data (that SCO's saved run-time data and a signed
 * session ticket), creates the API the package looks for in its parent window (window.API
 * for SCORM 1.2, window.API_1484_11 for 2004) and only then loads the SCO into the iframe.
 * Balie refuses (409, with the reason) an item the course does not open now.
 *
 * Commits go to Balie every few seconds while values change, and once more when the SCO
 * finishes (scorm-again sends that one by sendBeacon). Each carries the session ticket and
 * scorm-again's commit number, so Balie keeps the newest and ignores repeats; the answer
 * brings the list as it stands, so Next opens as soon as a SCO is done. Beside the commits,
 * the page counts the seconds the SCO is open and visible and sends them every 30 seconds
 * (and when the page goes): time on task for a package that never calls the run-time.
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-scorm-start]");
  if (!box) return;
  var frame = box.querySelector("iframe");
  var status = box.querySelector("[data-scorm-status]");
  var list = box.querySelector("[data-scorm-list]");
  var previousButton = box.querySelector("[data-scorm-previous]");
  var nextButton = box.querySelector("[data-scorm-next]");
  var navReason = box.querySelector("[data-scorm-nav-reason]");
  var retry = box.querySelector("[data-scorm-retry]");
  var state = null;
  var session = null; // {token, commitUrl, seconds, shownAt}
  var BEAT_SECONDS = 30;

  function say(message) {
    if (message) status.textContent = message;
  }

  function send(body, beacon) {
    if (!session) return null;
    var text = JSON.stringify(body);
    if (beacon && navigator.sendBeacon) {
      navigator.sendBeacon(session.commitUrl, new Blob([text], { type: "text/plain" }));
      return null;
    }
    return fetch(session.commitUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: text,
    }).then(function (response) { return response.json(); });
  }

  function beat(beacon) {
    // A package of plain pages has the module player's own heartbeat instead.
    if (!session || !("scormBeats" in box.dataset)) return;
    var sent = send({ token: session.token, beat: session.seconds }, beacon);
    if (sent) sent.then(function (answer) { if (answer && answer.stepDone) done(); })
      .catch(function () { /* the next beat carries the running total */ });
  }

  window.setInterval(function () {
    if (!session || document.visibilityState !== "visible") return;
    session.seconds += 1;
    if (session.seconds % BEAT_SECONDS === 0) beat(false);
  }, 1000);
  window.addEventListener("pagehide", function () { beat(true); });

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
          if (answer.state) show(answer.state);
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

  function find(id) {
    if (!state) return null;
    for (var i = 0; i < state.items.length; i += 1) {
      if (state.items[i].id === id) return state.items[i];
    }
    return null;
  }

  // The list, Previous/Next and "Try again" as Balie says they stand now.
  function show(next) {
    state = next;
    if (list) {
      state.items.forEach(function (item) {
        var entry = list.querySelector('[data-scorm-entry="' + CSS.escape(item.id) + '"]');
        if (!entry) return;
        entry.textContent = "";
        var label;
        if (item.available) {
          label = document.createElement("a");
          label.className = "utrecht-link";
          label.href = item.url;
          label.dataset.scormItem = "";
          label.dataset.sco = item.id;
          if (item.id === state.current) label.setAttribute("aria-current", "page");
          entry.appendChild(label);
        } else {
          label = document.createElement("span");
          label.className = "balie-scorm__closed";
          entry.appendChild(label);
          var reason = document.createElement("span");
          reason.className = "balie-scorm__reason";
          reason.textContent = item.reason;
          entry.appendChild(document.createTextNode(" "));
          entry.appendChild(reason);
        }
        label.textContent = item.title;
        if (item.status) {
          var mark = document.createElement("span");
          mark.className = "balie-scorm__status";
          mark.textContent = "(" + item.status + ")";
          entry.appendChild(document.createTextNode(" "));
          entry.appendChild(mark);
        }
      });
    }
    previousButton.disabled = !(state.previous && state.previous.available);
    nextButton.disabled = !(state.next && state.next.available);
    navReason.textContent = state.next && !state.next.available ? state.next.reason : "";
    retry.hidden = !state.current_failed;
    retry.querySelector("[name=sco]").value = state.current;
  }

  // Opens one item: fresh launch data (that SCO's attempt and a new session ticket), a new
  // API for it, then its page.
  function launch(sco) {
    var url = box.dataset.scormStart + (sco ? "?sco=" + encodeURIComponent(sco) : "");
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.status === 409) {
          show(body.state);
          say(body.error);
          return null;
        }
        if (!response.ok) throw new Error("start " + response.status);
        return body;
      });
    }).then(function (start) {
      if (!start) return;
      var is2004 = start.version === "2004";
      var Api = is2004 ? window.Scorm2004API : window.Scorm12API;
      var api = new Api(settings(start));
      api.loadFromJSON(start.cmi);
      if (is2004) {
        window.API_1484_11 = api;
        // A SCO that asks for the next or previous part when it ends gets it.
        api.on("SequenceNext", function () { go(state && state.next); });
        api.on("SequencePrevious", function () { go(state && state.previous); });
      } else {
        window.API = api;
      }
      session = { token: start.token, commitUrl: start.commitUrl, seconds: 0 };
      show(start.state);
      frame.src = start.launchUrl;
    }).catch(function () {
      say(box.dataset.msgFailed);
    });
  }

  // Going to another item first unloads the page that is open (so a SCO can finish and
  // send its last commit), then starts the chosen one.
  function go(item) {
    if (!item || !item.available) return;
    beat(true);
    session = null;
    frame.addEventListener("load", function unloaded() {
      frame.removeEventListener("load", unloaded);
      launch(item.id);
    });
    frame.src = "about:blank";
  }

  if (list) {
    list.addEventListener("click", function (event) {
      var link = event.target.closest("[data-scorm-item]");
      if (!link) return;
      event.preventDefault();
      go(find(link.dataset.sco));
    });
  }
  previousButton.addEventListener("click", function () { go(state && state.previous); });
  nextButton.addEventListener("click", function () { go(state && state.next); });

  launch(box.dataset.scormSco);
})();
