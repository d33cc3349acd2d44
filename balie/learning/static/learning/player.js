/* The module player: honest time on task, and notes that are never lost.
 *
 * Time: a second counts only while the page is visible and the learner was active recently
 * (input, scrolling, or a video playing). The browser reports the visit's running total; the
 * server credits only growth, never more than the time since the step was shown, so a repeat
 * or late report adds nothing. Totals that could not be sent wait in localStorage.
 *
 * Notes: every edit is kept in localStorage at once, then saved to the server a moment later
 * with an increasing revision number; a save that arrives twice or late changes nothing there.
 */
(function () {
  "use strict";
  var csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!csrfInput) return;
  var csrf = csrfInput.value;
  var TIME_KEY = "balie.time";
  var HEARTBEAT_MS = 20000;

  function form(fields) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    Object.keys(fields).forEach(function (k) { data.append(k, fields[k]); });
    return data;
  }
  function post(url, fields) {
    return fetch(url, {
      method: "POST", body: form(fields), credentials: "same-origin", keepalive: true,
      headers: { "X-Requested-With": "fetch" },
    });
  }
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage full or disabled: the server copy still counts */ }
  }

  /* ---- time on task ---------------------------------------------------------------- */
  function pendingTimes() { return load(TIME_KEY) || {}; }
  function rememberTime(token, url, active) {
    var all = pendingTimes();
    all[token] = { url: url, active: active };
    store(TIME_KEY, all);
  }
  function forgetTime(token, active) {
    var all = pendingTimes();
    if (all[token] && all[token].active <= active) { delete all[token]; store(TIME_KEY, all); }
  }
  function sendTime(token, url, active) {
    return post(url, { token: token, active_seconds: active }).then(function (r) {
      // 2xx: credited; 4xx: this report can never count (stale page, not yours): drop it.
      // 429 ("too many a minute") and 5xx: keep it and send it again later.
      if (r.status < 500 && r.status !== 429) forgetTime(token, active);
      return r.ok;
    }, function () { return false; });
  }
  // Reports from earlier pages that never arrived (connection lost, browser closed).
  Object.keys(pendingTimes()).forEach(function (token) {
    var p = pendingTimes()[token];
    sendTime(token, p.url, p.active);
  });

  // A SCORM package reports its own time (balie/scorm), so its step has no time address.
  var player = document.querySelector(".balie-player");
  if (player && player.dataset.timeUrl) {
    var token = player.dataset.visitToken;
    var url = player.dataset.timeUrl;
    var idleMs = (parseInt(player.dataset.idleSeconds, 10) || 90) * 1000;
    var active = 0, sent = 0, lastInput = Date.now();
    var touch = function () { lastInput = Date.now(); };
    ["pointerdown", "pointermove", "keydown", "scroll", "wheel", "touchstart", "input"].forEach(
      function (ev) { window.addEventListener(ev, touch, { passive: true, capture: true }); }
    );
    var playing = function () {
      return Array.prototype.some.call(document.querySelectorAll("video, audio"), function (m) {
        return !m.paused && !m.ended;
      });
    };
    setInterval(function () {
      if (document.visibilityState !== "visible") return;
      if (Date.now() - lastInput > idleMs && !playing()) return;
      active += 1;
      rememberTime(token, url, active);
    }, 1000);
    var beat = function () {
      if (active <= sent) return;
      var total = active;
      sendTime(token, url, total).then(function (ok) { if (ok) sent = Math.max(sent, total); });
    };
    setInterval(beat, HEARTBEAT_MS);
    var leave = function () {
      if (active <= sent) return;
      if (navigator.sendBeacon(url, form({ token: token, active_seconds: active }))) sent = active;
    };
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") leave();
    });
    window.addEventListener("pagehide", leave);
  }

  /* ---- notes ----------------------------------------------------------------------- */
  document.querySelectorAll("form[data-note]").forEach(function (noteForm) {
    var text = noteForm.querySelector("textarea");
    var status = noteForm.querySelector("[data-note-status]");
    var key = "balie.note." + noteForm.dataset.step;
    var serverRevision = parseInt(noteForm.dataset.revision, 10) || 0;
    var timer = null, busy = false, retryMs = 3000;
    var say = function (name, time) {
      status.textContent = (noteForm.dataset["msg" + name] || "").replace("{time}", time || "");
      noteForm.dataset.state = name.toLowerCase();
    };
    var draft = load(key);
    if (draft && draft.revision > serverRevision) {
      text.value = draft.body;
      say("Pending");
      schedule(0);
    } else if (draft) {
      store(key, null);
    }

    function schedule(ms) {
      clearTimeout(timer);
      timer = setTimeout(save, ms);
    }
    function save() {
      var d = load(key);
      if (!d || d.revision <= serverRevision) return;
      if (busy) { schedule(500); return; }
      busy = true;
      say("Saving");
      post(noteForm.action, { body: d.body, revision: d.revision }).then(function (r) {
        if (r.status === 429) throw new Error("retry");  // too many a minute: as if offline
        busy = false;
        return r.json().then(function (answer) {
          if (r.ok) {
            serverRevision = Math.max(serverRevision, answer.revision);
            var now = load(key);
            if (now && now.revision <= serverRevision) store(key, null);
            if (now && now.revision > serverRevision) { schedule(0); return; }
            say("Saved", answer.saved_at);
            retryMs = 3000;
          } else if (r.status === 409) {
            say("Conflict");
          } else {
            say("Invalid");
          }
        });
      }).catch(function () {
        busy = false;
        say("Offline");
        retryMs = Math.min(retryMs * 2, 60000);
        schedule(retryMs);
      });
    }
    text.addEventListener("input", function () {
      var revision = Math.max(Date.now(), serverRevision + 1);
      store(key, { body: text.value, revision: revision });
      say("Pending");
      schedule(800);
    });
    noteForm.addEventListener("submit", function (e) { e.preventDefault(); schedule(0); });
    window.addEventListener("online", function () { schedule(0); });
    window.addEventListener("pagehide", function () {
      var d = load(key);
      if (d && d.revision > serverRevision) {
        navigator.sendBeacon(noteForm.action, form({ body: d.body, revision: d.revision }));
      }
    });
  });
})();
