/* Plays a SCORM package in the module player, one SCO at a time.
 *
 * The package runs on the content host, a different origin without Balie's cookies
 * (balie/scorm/content.py), inside Balie's run-time frame (frame.js) that holds scorm-again.
 * This page has a [data-scorm-start] box with that frame, the package's items (when it has
 * several), Previous/Next part buttons and a hidden "Try again" form. To open an item, it asks
 * Balie for its launch data (that SCO's saved run-time data, a signed session ticket bound to
 * that SCO's attempt and the frame's signed address; Balie refuses an item the course does
 * not open now with 409 and the reason), loads the frame, and when the frame says it is ready,
 * hands it the launch data. Switching to another item loads a new frame for it.
 *
 * The frame sends every commit here with postMessage, and a SCO's request for the next or
 * previous part (adl.nav.request) too; this page checks where each message comes from and
 * sends the commits to Balie with its CSRF token and the showing's ticket, one after the
 * other, so Balie keeps the newest and ignores repeats. The answer brings the list as it
 * stands, so Next opens as soon as a SCO is done. Beside the commits, this page counts the
 * seconds the SCO is open and visible and sends them every 30 seconds (and when the page
 * goes or another part opens): time on task for a package that never calls the run-time.
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
  var showings = [];  // every showing of this page, by number: launch data, origin, seconds
  var current = null;  // the showing in the frame now
  var pending = Promise.resolve();  // the requests to Balie, one after the other
  var BEAT_SECONDS = 30;
  var NAVIGATION = { "continue": "next", previous: "previous" };

  function say(message) {
    if (message) status.textContent = message;
  }

  function done() {
    if (box.dataset.done === "true") return;
    box.dataset.done = "true";
    say(box.dataset.msgDone);
  }

  // Sends a commit or a beat of `showing` after the ones before it; the answer's list counts
  // only while that showing is the one in the frame.
  function send(showing, body) {
    var text = JSON.stringify(body);
    pending = pending.then(function () {
      return fetch(showing.start.commitUrl, {
        method: "POST",
        credentials: "same-origin",
        // A commit may still be on its way when the learner leaves the page; keepalive takes
        // bodies up to 64 kB.
        keepalive: text.length < 60000,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": box.dataset.csrf,
        },
        body: text,
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (answer) {
          if (response.ok && answer && answer.result === true) {
            if (answer.state && showing === current) show(answer.state);
            if (answer.stepDone) done();
            return;
          }
          say(answer && answer.error ? answer.error : box.dataset.msgFailed);
        });
      }).catch(function () {
        say(box.dataset.msgFailed);
      });
    });
    return pending;
  }

  function beat(showing) {
    // A package of plain pages has the module player's own heartbeat instead.
    if (!showing || !showing.started || !("scormBeats" in box.dataset)) return;
    send(showing, { token: showing.start.token, beat: showing.seconds });
  }

  window.setInterval(function () {
    if (!current || !current.started || document.visibilityState !== "visible") return;
    current.seconds += 1;
    if (current.seconds % BEAT_SECONDS === 0) beat(current);
  }, 1000);
  window.addEventListener("pagehide", function () { beat(current); });

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

  // Opens one item: once the commits on their way are saved, fresh launch data (that SCO's
  // attempt and a new ticket), then a new run-time frame for it.
  function launch(sco) {
    var url = box.dataset.scormStart + (sco ? "?sco=" + encodeURIComponent(sco) : "");
    pending.then(function () {
      return fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
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
      current = {
        number: showings.length,
        start: start,
        origin: new URL(start.frameUrl).origin,
        started: false,
        seconds: 0,
      };
      showings.push(current);
      show(start.state);
      frame.src = start.frameUrl;
    }).catch(function () {
      say(box.dataset.msgFailed);
    });
  }

  // Going to another item first unloads the frame that is open (so a SCO can finish and
  // send its last commit), then starts the chosen one.
  function go(item) {
    if (!item || !item.available) return;
    beat(current);
    current = null;
    frame.addEventListener("load", function unloaded() {
      frame.removeEventListener("load", unloaded);
      launch(item.id);
    });
    frame.src = "about:blank";
  }

  // Only the run-time frame of this page, from the origin of the showing it names.
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || typeof message !== "object") return;
    if (message.type === "ready") {
      if (current && !current.started && event.origin === current.origin) {
        current.started = true;
        frame.contentWindow.postMessage({
          type: "start",
          showing: current.number,
          cmi: current.start.cmi,
          launch: current.start.launch,
          // For the frame's last commit when the page goes (frame.js): bound to this SCO's
          // attempt, it writes nothing else.
          token: current.start.token,
        }, current.origin);
      }
      return;
    }
    var showing = showings[message.showing];
    if (!showing || event.origin !== showing.origin) return;
    if (message.type === "commit" && typeof message.sequence === "number"
        && message.cmi && typeof message.cmi === "object") {
      send(showing, { token: showing.start.token, sequence: message.sequence, cmi: message.cmi });
    } else if (message.type === "navigate" && showing === current
        && Object.prototype.hasOwnProperty.call(NAVIGATION, message.request)) {
      // After the SCO's last commit is saved, the list says whether that part opens.
      var direction = NAVIGATION[message.request];
      pending.then(function () {
        if (showing === current) go(state && state[direction]);
      });
    }
  });

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
