/* The referral tally on the desk PC or tablet: three taps (need, offer, warm or not).
 *
 * Every tap gets an id made here (client_id) and goes into a queue in localStorage at once;
 * the queue is sent in order, again on the `online` event and every 15 seconds, and when the
 * page is opened again. The server counts a client_id once, so a tap sent twice (its answer
 * was lost) is never doubled, and a tap is only taken from the queue once the server answered.
 * An undo goes through the same queue: a tap not sent yet is sent and then undone.
 * Branch and channel are chosen once per device and kept in localStorage. */
(function () {
  "use strict";
  var form = document.querySelector("[data-tally]");
  if (!form) return;
  var d = form.dataset;
  var QUEUE = "balie.tally.queue";
  var DEVICE = "balie.tally.device." + d.library;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var confirmBox = document.querySelector("[data-confirm]");
  var labelEl = confirmBox.querySelector("[data-label]");
  var todayEl = confirmBox.querySelector("[data-today]");
  var undoButton = confirmBox.querySelector("[data-undo]");
  var bookLink = confirmBox.querySelector("[data-book]");
  var bookBase = bookLink.getAttribute("href");
  var pendingEl = document.querySelector("[data-pending]");
  var errorEl = document.querySelector("[data-error]");
  var branch = form.querySelector("select[name=branch]");
  var channel = form.querySelector("select[name=channel]");
  var offerBox = form.querySelector("[data-offers]");
  var moreOffers = form.querySelector("[data-more-offers]");
  var deviceSummary = form.querySelector("[data-device-summary]");
  var memory = [];
  var tokens = {}; // client_id -> undo token, for taps the server answered
  var current = null; // the tap on the screen
  var undoTimer = null;
  var busy = false;

  form.classList.add("balie-tally--js");

  // --- storage ---------------------------------------------------------------------------
  function load() {
    try {
      var queue = JSON.parse(localStorage.getItem(QUEUE) || "[]");
      return Array.isArray(queue) ? queue : [];
    } catch (e) { return memory; }
  }
  function store(queue) {
    memory = queue;
    try { localStorage.setItem(QUEUE, JSON.stringify(queue)); } catch (e) { /* kept in memory */ }
  }
  function find(queue, id) {
    for (var i = 0; i < queue.length; i++) if (queue[i].id === id) return i;
    return -1;
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

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
  function showPending() {
    var count = load().length;
    pendingEl.hidden = count === 0;
    pendingEl.textContent = count ? d.msgPending.replace("%s", count) : "";
  }
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
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      // Not an answer of the tally (a login page, a proxy error, a server error, "too many
      // taps a minute"): keep the tap and try again later.
      var later = response.status >= 500 || response.status === 403 || response.status === 429;
      if (type.indexOf("application/json") !== 0 || later) {
        throw new Error("retry");
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function answered(item, result) {
    var queue = load();
    var at = find(queue, item.id);
    var now = at >= 0 ? queue[at] : item;
    var refused = result.status >= 400;
    if (refused) {
      // The server will never take this one (bad input, an offer gone): say why, do not retry.
      if (at >= 0) queue.splice(at, 1);
      showError(result.data.error);
      if (item.id === current && !item.sent) confirmBox.hidden = true;
    } else if (!item.sent) {
      tokens[item.id] = result.data.undo;
      if (now.undo) {
        now.sent = true;
        now.token = result.data.undo;
      } else if (at >= 0) {
        queue.splice(at, 1);
      }
      if (item.id === current) {
        showToday(result.data.today);
        if (result.data.book_url && !now.undo) {
          bookLink.href = result.data.book_url;
          bookLink.hidden = false;
        }
      }
    } else {
      if (at >= 0) queue.splice(at, 1);
      if (item.id === current) showToday(result.data.today);
    }
    store(queue);
  }

  function flush() {
    showPending();
    if (busy) return;
    var queue = load();
    if (!queue.length) return;
    var item = queue[0];
    busy = true;
    var request = item.sent ? post(d.undoUrl, { token: item.token }) : post(d.logUrl, item.tap);
    request.then(function (result) {
      busy = false;
      answered(item, result);
      flush();
    }).catch(function () {
      busy = false;
      showPending();
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
      client_id: uuid(),
      need: need.value,
      offer: parseInt(offer.value, 10),
      warm: warm,
      branch: branch && branch.value ? parseInt(branch.value, 10) : null,
      channel: channel ? channel.value : "desk",
      tapped_at: new Date().toISOString()
    };
    var queue = load();
    queue.push({ id: tap.client_id, tap: tap, sent: false, undo: false });
    store(queue);

    current = tap.client_id;
    labelEl.textContent = d.msgCounted + ": " + text(need) + " → " + text(offer) + ", " +
      (warm ? d.msgWarm : d.msgNotWarm);
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
    flush();
  });

  undoButton.addEventListener("click", function () {
    var id = current;
    if (!id) return;
    var queue = load();
    var at = find(queue, id);
    if (at >= 0) {
      queue[at].undo = true; // still on its way: it is sent, then undone
    } else if (tokens[id]) {
      queue.push({ id: id, sent: true, undo: true, token: tokens[id] });
    }
    store(queue);
    clearTimeout(undoTimer);
    undoButton.hidden = true;
    bookLink.hidden = true;
    labelEl.textContent = d.msgUndone;
    todayEl.hidden = true;
    flush();
  });

  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  flush();
})();
