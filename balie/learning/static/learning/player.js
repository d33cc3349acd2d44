/* The module player: honest time on task, and notes that are never lost. Both go out through
 * the outbox (balie/outbox.js), which keeps them on this device until the server answers.
 *
 * Time: a second counts only while the page is visible and the learner was active recently
 * (input, scrolling, or a video playing). The browser reports the visit's running total; the
 * server credits only growth, never more than the time since the step was shown, so a repeat
 * or late report adds nothing. Reports of earlier pages that never arrived go out now.
 *
 * Notes: every edit is kept at once, then saved to the server a moment later with an
 * increasing revision number; a save that arrives twice or late changes nothing there.
 */
(function () {
  "use strict";
  if (!document.querySelector("[data-outbox]")) return;
  var HEARTBEAT_MS = 20000;
  var notes = {}; // step -> the note form's handlers

  // The note form on this page an item is for (a waiting one may be of another step).
  function noteOf(item) { return item.note && notes[item.note]; }
  var box = window.balieOutbox({
    kind: "player",
    sending: function (item) { if (noteOf(item)) noteOf(item).sending(); },
    sent: function (item, data) { if (noteOf(item)) noteOf(item).sent(data); },
    waiting: function () {
      Object.keys(notes).forEach(function (step) { notes[step].waiting(); });
    },
    dropped: function (item, data, status) {
      return noteOf(item) ? noteOf(item).dropped(status) : item.label;
    }
  });

  /* ---- time on task ---------------------------------------------------------------- */
  // A SCORM package reports its own time (balie/scorm), so its step has no time address.
  var player = document.querySelector(".balie-player");
  if (player && player.dataset.timeUrl) {
    var token = player.dataset.visitToken;
    var url = player.dataset.timeUrl;
    var idleMs = (parseInt(player.dataset.idleSeconds, 10) || 90) * 1000;
    var active = 0, lastInput = Date.now();
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
      // The running total replaces the one waiting; it goes out with the next heartbeat.
      box.put({
        key: "time." + token, url: url, fields: { token: token, active_seconds: active },
        label: player.dataset.msgTime
      }, { later: true });
    }, 1000);
    setInterval(box.flush, HEARTBEAT_MS);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") box.beacon();
  });
  window.addEventListener("pagehide", box.beacon);

  /* ---- notes ----------------------------------------------------------------------- */
  document.querySelectorAll("form[data-note]").forEach(function (noteForm) {
    var text = noteForm.querySelector("textarea");
    var status = noteForm.querySelector("[data-note-status]");
    var step = noteForm.dataset.step;
    var key = "note." + step;
    var serverRevision = parseInt(noteForm.dataset.revision, 10) || 0;
    var timer = null;
    var say = function (name, time) {
      status.textContent = (noteForm.dataset["msg" + name] || "").replace("{time}", time || "");
      noteForm.dataset.state = name.toLowerCase();
    };
    notes[step] = {
      sending: function () { say("Saving"); },
      sent: function (answer) {
        serverRevision = Math.max(serverRevision, answer.revision);
        if (box.get(key)) say("Pending"); else say("Saved", answer.saved_at);
      },
      waiting: function () { if (box.get(key)) say("Offline"); },
      // A newer version was saved elsewhere (409), or this one can never be (too long, 400):
      // said beside the note itself, where the text still is.
      dropped: function (status) {
        say(status === 409 ? "Conflict" : "Invalid");
        return false;
      }
    };
    var draft = box.get(key);
    if (draft && draft.fields.revision > serverRevision) {
      text.value = draft.fields.body;
      say("Pending");
    } else if (draft) {
      box.remove(key);
    }

    function save() {
      clearTimeout(timer);
      box.flush();
    }
    text.addEventListener("input", function () {
      var revision = Math.max(Date.now(), serverRevision + 1);
      box.put({
        key: key, note: step, url: noteForm.action,
        fields: { body: text.value, revision: revision },
        label: noteForm.dataset.msgLabel + ": “" + text.value.slice(0, 40) + "…”"
      }, { later: true });
      say("Pending");
      clearTimeout(timer);
      timer = setTimeout(save, 800);
    });
    noteForm.addEventListener("submit", function (e) { e.preventDefault(); save(); });
  });
})();
