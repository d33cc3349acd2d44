/* Shared desk PCs (balie/security/idle.py): warn two minutes before the session ends for lack
   of activity, and keep it alive while the person is really here (typing, clicking,
   scrolling). When the time is up, reload: the server shows the login page and says why. */
(function () {
  "use strict";
  var box = document.getElementById("balie-idle");
  if (!box) { return; }
  var limitMs = Number(box.dataset.seconds) * 1000;
  var warnMs = Number(box.dataset.warnSeconds) * 1000;
  var PING_MS = 60 * 1000;
  var serverSeen = Date.now();  // this page's request counted as activity
  var lastInput = 0;

  function keepAlive() {
    serverSeen = Date.now();
    return fetch(box.dataset.keepAlive, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": box.dataset.csrf, "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status !== 204) { window.location.reload(); }
    }).catch(function () { /* offline for a moment: try again at the next input */ });
  }

  ["keydown", "pointerdown", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () { lastInput = Date.now(); }, { passive: true });
  });

  document.getElementById("balie-idle-stay").addEventListener("click", function () {
    box.hidden = true;
    keepAlive();
  });

  setInterval(function () {
    var now = Date.now();
    if (box.hidden && lastInput > serverSeen && now - serverSeen >= PING_MS) { keepAlive(); }
    var left = limitMs - (now - serverSeen);
    if (left <= 0) { window.location.reload(); return; }
    if (left <= warnMs && box.hidden) {
      box.hidden = false;
      document.getElementById("balie-idle-stay").focus();
    }
  }, 1000);
})();
