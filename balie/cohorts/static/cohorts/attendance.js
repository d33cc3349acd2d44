/* Attendance on the adviser's tablet: every tap is kept in localStorage at once and sent to
 * the server with an increasing number, so a tap repeated after a Wi-Fi drop, or one that
 * arrives late, never overwrites a newer one. Waiting taps are sent again when the
 * connection comes back, and when the page is opened again. Before the meeting starts the
 * server refuses taps (409, with the reason); the page opens by itself at the start. */
(function () {
  "use strict";
  var notice = document.querySelector("[data-opens-at]");
  if (notice && notice.dataset.opensAt) {
    var wait = parseInt(notice.dataset.opensAt, 10) * 1000 - Date.now();
    // Within a day: reload at the start (setTimeout cannot wait much longer than that).
    if (wait > 0 && wait < 86400000) setTimeout(function () { location.reload(); }, wait + 1000);
  }
  var list = document.querySelector("[data-attendance]");
  if (!list) return;
  var url = list.dataset.url;
  var key = "balie.attendance." + list.dataset.meeting;
  var csrf = list.querySelector("input[name=csrfmiddlewaretoken]").value;
  var sync = document.querySelector("[data-sync]");
  var busy = false, retryMs = 2000, timer = null;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
  }
  function store(queue) {
    try { localStorage.setItem(key, JSON.stringify(queue)); } catch (e) { /* kept in memory */ }
  }
  function say(name) { sync.textContent = sync.dataset["msg" + name] || ""; }

  function flush() {
    var queue = load();
    var people = Object.keys(queue);
    if (!people.length) { say("Saved"); return; }
    if (busy) return;
    busy = true;
    say("Pending");
    var person = people[0], tap = queue[person];
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("person", person);
    body.append("status", tap.status);
    body.append("revision", tap.revision);
    fetch(url, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
      busy = false;
      if (r.status >= 500) throw new Error("server");
      var now = load();
      if (now[person] && now[person].revision <= tap.revision) { delete now[person]; store(now); }
      retryMs = 2000;
      if (r.status === 409) {
        // Not open (yet): the tap is not kept; say why, in the server's words.
        var input = list.querySelector('[data-person="' + person + '"] input:checked');
        if (input) input.checked = false;
        return r.json().then(function (data) { sync.textContent = data.message; });
      }
      flush();
    }).catch(function () {
      busy = false;
      say("Offline");
      retryMs = Math.min(retryMs * 2, 30000);
      clearTimeout(timer);
      timer = setTimeout(flush, retryMs);
    });
  }

  // Taps that were waiting when the page was closed come back on the screen, then go out.
  var waiting = load();
  Object.keys(waiting).forEach(function (person) {
    var input = list.querySelector('[data-person="' + person + '"] input[value="' +
                                   waiting[person].status + '"]');
    if (input) input.checked = true;
  });

  list.addEventListener("change", function (event) {
    var choices = event.target.closest("[data-person]");
    if (!choices) return;
    var queue = load();
    var last = parseInt(choices.dataset.revision, 10) || 0;
    var revision = Math.max(Date.now(), last + 1);
    choices.dataset.revision = revision;
    queue[choices.dataset.person] = { status: event.target.value, revision: revision };
    store(queue);
    flush();
  });
  window.addEventListener("online", flush);
  flush();
})();
