/* Attendance on the adviser's tablet. Every tap goes into the outbox (balie/outbox.js) at
 * once, one waiting tap per person, with an increasing number: a tap repeated after a Wi-Fi
 * drop, or one that arrives late, never overwrites a newer one. Taps that were waiting when
 * the page was closed are on the screen again and go out. Before the meeting starts the server
 * refuses taps (409, with the reason); the page opens by itself at the start. */
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

  function row(person) { return list.querySelector('[data-person="' + person + '"]'); }
  function choice(person, status) {
    var choices = row(person);
    return choices && choices.querySelector('input[value="' + status + '"]');
  }

  var box = window.balieOutbox({
    kind: "attendance." + list.dataset.meeting,
    // Refused (not open yet, not in this cohort): the tap is not kept and leaves the screen.
    dropped: function (item) {
      var input = choice(item.fields.person, item.fields.status);
      if (input && input.checked) input.checked = false;
    }
  });

  // Taps that were waiting when the page was closed come back on the screen.
  box.items().forEach(function (item) {
    var input = choice(item.fields.person, item.fields.status);
    if (input) input.checked = true;
  });

  list.addEventListener("change", function (event) {
    var choices = event.target.closest("[data-person]");
    if (!choices) return;
    var last = parseInt(choices.dataset.revision, 10) || 0;
    var revision = Math.max(Date.now(), last + 1);
    choices.dataset.revision = revision;
    var person = choices.dataset.person;
    box.put({
      key: "person." + person,
      url: list.dataset.url,
      fields: { person: person, status: event.target.value, revision: revision },
      label: choices.querySelector("legend").textContent.trim() + ", " +
        event.target.closest("label").textContent.trim().toLowerCase()
    });
  });
})();
