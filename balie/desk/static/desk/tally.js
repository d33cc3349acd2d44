/* The referral tally on the desk PC or tablet: three taps (need, offer, warm or not).
 *
 * Every tap gets an id made here (client_id) and goes into the outbox (balie/outbox.js) at
 * once, which sends it, keeps it while the connection, the session or the token is missing,
 * and says how many wait. The server counts a client_id once, so a tap sent twice (its answer
 * was lost) is never doubled. An undo goes through the same outbox: a tap not sent yet is
 * sent and then undone. Branch and channel are chosen once per device and kept in
 * localStorage. */
(function () {
  "use strict";
  var form = document.querySelector("[data-tally]");
  if (!form) return;
  var d = form.dataset;
  var DEVICE = "balie.tally.device." + d.library;
  var confirmBox = document.querySelector("[data-confirm]");
  var labelEl = confirmBox.querySelector("[data-label]");
  var todayEl = confirmBox.querySelector("[data-today]");
  var undoButton = confirmBox.querySelector("[data-undo]");
  var bookLink = confirmBox.querySelector("[data-book]");
  var bookBase = bookLink.getAttribute("href");
  var errorEl = document.querySelector("[data-error]");
  var branch = form.querySelector("select[name=branch]");
  var channel = form.querySelector("select[name=channel]");
  var offerBox = form.querySelector("[data-offers]");
  var moreOffers = form.querySelector("[data-more-offers]");
  var deviceSummary = form.querySelector("[data-device-summary]");
  var sentTaps = {}; // client_id -> the tap and its undo token, for taps the server answered
  var current = null; // the tap on the screen
  var undoTimer = null;

  form.classList.add("balie-tally--js");

  // --- the device: branch and channel ----------------------------------------------------
  (function restoreDevice() {
    var saved = {};
    try { saved = JSON.parse(localStorage.getItem(DEVICE) || "{}") || {}; } catch (e) { saved = {}; }
    function pick(select, value) {
      if (!select || value === undefined) return;
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === String(value)) { select.value = String(value); return; }
      }
    }
    pick(branch, saved.branch);
    pick(channel, saved.channel);
    showDevice();
  })();
  function showDevice() {
    function chosen(select) { return select ? select.options[select.selectedIndex].text.trim() : ""; }
    if (deviceSummary) deviceSummary.textContent = chosen(branch) + ", " + chosen(channel).toLowerCase();
  }
  function saveDevice() {
    showDevice();
    try {
      localStorage.setItem(DEVICE, JSON.stringify({
        branch: branch ? branch.value : "", channel: channel ? channel.value : ""
      }));
    } catch (e) { /* the choice stays for this page */ }
  }
  if (branch) branch.addEventListener("change", saveDevice);
  if (channel) channel.addEventListener("change", saveDevice);

  // --- the screen ------------------------------------------------------------------------
  function showError(text) {
    errorEl.textContent = text || "";
    errorEl.hidden = !text;
  }
  function showToday(count) {
    if (typeof count !== "number") return;
    todayEl.textContent = d.msgToday.replace("%s", count);
    todayEl.hidden = false;
  }
  // The offers that fit the need come first; the first few are in view, the rest behind "Meer".
  function sortOffers(need) {
    var tiles = Array.prototype.slice.call(form.querySelectorAll("[data-offers] > label, [data-more-offers] > label"));
    var first = parseInt(offerBox.dataset.first, 10) || tiles.length;
    function fits(tile) { return !!need && (tile.dataset.needs || "").split(" ").indexOf(need) >= 0; }
    tiles.sort(function (a, b) {
      return (fits(b) - fits(a)) || (a.dataset.index - b.dataset.index);
    });
    tiles.forEach(function (tile, at) {
      var fit = fits(tile);
      tile.classList.toggle("balie-tile--fits", fit);
      tile.querySelector("[data-fit]").hidden = !fit;
      (at < first || !moreOffers ? offerBox : moreOffers).appendChild(tile);
    });
  }
  function steps() {
    form.classList.toggle("balie-tally--need", !!form.querySelector("input[name=need]:checked"));
    form.classList.toggle("balie-tally--offer", !!form.querySelector("input[name=offer]:checked"));
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "need") sortOffers(event.target.value);
    steps();
    showError("");
  });

  function text(input) {
    return input.closest("label").querySelector("span").textContent.trim();
  }

  // --- sending ---------------------------------------------------------------------------
  var box = window.balieOutbox({
    kind: "tally." + d.library,
    sent: function (item, data) {
      if (item.undo) { // the team's count goes back
        if (item.tap === current) showToday(data.today);
        return;
      }
      if (item.undone) { undo(item, data.undo); return; } // undone while on its way
      sentTaps[item.key] = { key: item.key, label: item.label, token: data.undo };
      if (item.key === current) {
        showToday(data.today);
        if (data.book_url) {
          bookLink.href = data.book_url;
          bookLink.hidden = false;
        }
      }
    },
    dropped: function (item) {
      if (!item.undo && item.key === current) confirmBox.hidden = true;
    }
  });
  function undo(tap, token) {
    box.put({
      key: "undo." + tap.key, tap: tap.key, undo: true, url: d.undoUrl, json: { token: token },
      label: d.msgUndo + ": " + tap.label
    });
  }

  // --- tapping ---------------------------------------------------------------------------
  var clicked = null; // for browsers without event.submitter
  form.addEventListener("click", function (event) {
    clicked = event.target.closest ? event.target.closest("[data-warm]") : null;
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var need = form.querySelector("input[name=need]:checked");
    var offer = form.querySelector("input[name=offer]:checked");
    var button = event.submitter || clicked;
    if (!button || !button.hasAttribute("data-warm")) return;
    if (!need || !offer) { showError(d.msgChoose); return; }
    showError("");
    var warm = button.getAttribute("data-warm") === "1";
    var tap = {
      client_id: box.uuid(),
      need: need.value,
      offer: parseInt(offer.value, 10),
      warm: warm,
      branch: branch && branch.value ? parseInt(branch.value, 10) : null,
      channel: channel ? channel.value : "desk",
      tapped_at: new Date().toISOString()
    };
    var label = text(need) + " → " + text(offer) + ", " + (warm ? d.msgWarm : d.msgNotWarm);
    current = tap.client_id;
    labelEl.textContent = d.msgCounted + ": " + label;
    todayEl.hidden = true;
    bookLink.hidden = true;
    bookLink.href = bookBase;
    undoButton.hidden = false;
    confirmBox.hidden = false;
    clearTimeout(undoTimer);
    undoTimer = setTimeout(function () { undoButton.hidden = true; }, (parseInt(d.undoSeconds, 10) || 120) * 1000);

    need.checked = false;
    offer.checked = false;
    // The next customer starts from the few choices in view again.
    Array.prototype.forEach.call(form.querySelectorAll("details"), function (more) { more.open = false; });
    sortOffers("");
    steps();
    confirmBox.scrollIntoView({ block: "nearest" });
    box.put({ key: tap.client_id, url: d.logUrl, json: tap, label: label });
  });

  undoButton.addEventListener("click", function () {
    var id = current;
    if (!id) return;
    var waiting = box.get(id);
    if (waiting) {
      waiting.undone = true; // still on its way: it is sent, then undone
      box.put(waiting);
    } else if (sentTaps[id]) {
      undo(sentTaps[id], sentTaps[id].token);
    }
    clearTimeout(undoTimer);
    undoButton.hidden = true;
    bookLink.hidden = true;
    labelEl.textContent = d.msgUndone;
    todayEl.hidden = true;
  });
})();
