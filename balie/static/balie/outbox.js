/* The outbox: the one offline queue of every page that writes in the background (the tally,
 * attendance, the learning player's time on task and notes).
 *
 * A page puts items in; each is kept in localStorage at once (per person and per page kind,
 * so that the next person at a shared PC never sends them) and the items are sent in order.
 * An item leaves the outbox only when the server has answered it:
 *   2xx          sent: out. If the page changed the item meanwhile, the newer one is sent.
 *   403 from the CSRF check (header X-Balie-Csrf-Failure): a fresh token from the page's
 *                token address, then the item again.
 *   401, or a redirect (the login page after the session ended): kept; the person is asked
 *                to log in again, with a link that comes back here; sent after that.
 *   final        a status the page calls final (by default 400, 404, 409, 410, 422): the
 *                server will never take it. Out, and the person is told what and why.
 *   otherwise    (no connection, 5xx, 429, another 4xx) kept, and tried again after a pause
 *                that grows to a minute (429: its Retry-After), at once when the connection
 *                comes back and when the page is opened again.
 * Every endpoint is idempotent by a key the item carries (a tap's client_id, a revision, a
 * visit's running total), so an item that is sent twice because its answer got lost counts
 * once. The status line (an aria-live region, includes/outbox.html) shows how many wait.
 *
 * Use: var box = balieOutbox({kind: "tally.12", sent: fn, dropped: fn, ...});
 *      box.put({url: "...", json: {...}} or {url: "...", fields: {...}}, {later: true});
 */
(function () {
  "use strict";
  var FINAL = [400, 404, 409, 410, 422];
  var FIRST_PAUSE = 2000;
  var LONGEST_PAUSE = 60000;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function outbox(options) {
    var region = document.querySelector("[data-outbox]");
    var d = region.dataset;
    var KEY = "balie.outbox." + d.user + "." + options.kind;
    var final = options.final || FINAL;
    var countEl = region.querySelector("[data-outbox-count]");
    var loginEl = region.querySelector("[data-outbox-login]");
    var droppedEl = document.querySelector("[data-outbox-dropped]");
    var token = d.csrf;
    var memory = [];
    var busy = false;
    var state = "ok"; // ok, offline (kept, tried again later) or login
    var pause = FIRST_PAUSE;
    var timer = null;
    var sentSome = false;

    // --- storage ----------------------------------------------------------------------
    function load() {
      try {
        var items = JSON.parse(localStorage.getItem(KEY) || "[]");
        return Array.isArray(items) ? items : [];
      } catch (e) { return memory; }
    }
    function store(items) {
      memory = items;
      try {
        if (items.length) localStorage.setItem(KEY, JSON.stringify(items));
        else localStorage.removeItem(KEY);
      } catch (e) { /* storage full or disabled: kept in memory for this page */ }
    }
    function at(items, key) {
      for (var i = 0; i < items.length; i++) if (items[i].key === key) return i;
      return -1;
    }
    function get(key) {
      var items = load();
      var i = at(items, key);
      return i < 0 ? null : items[i];
    }
    // Puts an item in, or replaces the waiting one with the same key (a newer version of the
    // same thing: a person's attendance, a note, a visit's time). Every version gets its own
    // id; an answer takes an item out only when it answered that very version.
    function put(item, how) {
      var items = load();
      item.key = item.key || uuid();
      item.id = uuid();
      var i = at(items, item.key);
      if (i < 0) items.push(item); else items[i] = item;
      store(items);
      render();
      if (!(how && how.later)) flush();
      return item;
    }
    function remove(key, id) {
      var items = load();
      var i = at(items, key);
      if (i >= 0 && (id === undefined || items[i].id === id)) {
        items.splice(i, 1);
        store(items);
      }
      render();
    }

    // --- the screen -------------------------------------------------------------------
    function count(name, n) {
      var text = n === 1 ? d[name + "One"] : d[name + "Many"];
      return (text || "").replace("%s", n);
    }
    function render() {
      var n = load().length;
      var text = "";
      if (state === "login") text = count("msgLogin", n);
      else if (state === "offline" && n) text = count("msgWaiting", n);
      else if (busy && d.msgSending) text = d.msgSending;
      else if (!n && sentSome && d.msgSaved) text = d.msgSaved;
      if (countEl.textContent !== text) countEl.textContent = text;
      loginEl.hidden = state !== "login";
      region.dataset.state = state;
      region.dataset.waiting = n;
    }
    function tell(text) {
      var line = document.createElement("p");
      line.textContent = text;
      droppedEl.appendChild(line);
      droppedEl.hidden = false;
    }

    // --- sending ----------------------------------------------------------------------
    function post(item) {
      var headers = { "Accept": "application/json", "X-CSRFToken": token, "X-Requested-With": "fetch" };
      var body;
      if (item.json) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(item.json);
      } else {
        body = new FormData();
        Object.keys(item.fields).forEach(function (k) { body.append(k, item.fields[k]); });
      }
      // Not following a redirect: one here is the login page (the session ended).
      return fetch(item.url, {
        method: "POST", credentials: "same-origin", redirect: "manual", headers: headers, body: body
      });
    }
    function loggedOut(response) {
      return response.type === "opaqueredirect" || response.status === 401;
    }
    function freshToken() {
      return fetch(d.tokenUrl, {
        credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (loggedOut(response)) return "login";
        if (!response.ok) throw new Error("no token");
        return response.json().then(function (data) { token = data.token; return "ok"; });
      });
    }
    function read(response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) return Promise.resolve({});
      return response.json().catch(function () { return {}; });
    }
    // The answer to one item: {kind: sent|final|login|later, status, data, wait}.
    function attempt(item, renewed) {
      return post(item).then(function (response) {
        if (loggedOut(response)) return { kind: "login" };
        if (response.status === 403 && response.headers.get("X-Balie-Csrf-Failure")) {
          if (renewed) return { kind: "later" };
          return freshToken().then(function (result) {
            return result === "login" ? { kind: "login" } : attempt(item, true);
          });
        }
        return read(response).then(function (data) {
          var kind = "later";
          if (response.ok) kind = "sent";
          else if (final.indexOf(response.status) >= 0) kind = "final";
          var wait = parseInt(response.headers.get("Retry-After"), 10) * 1000;
          return { kind: kind, status: response.status, data: data, wait: wait || 0 };
        });
      });
    }
    // Why the server refused an item, in its own words when it gave them.
    function reason(data) {
      if (data.error) return data.error;
      if (data.message) return data.message;
      if (data.errors) {
        return Object.keys(data.errors).map(function (k) { return [].concat(data.errors[k]).join(" "); }).join(" ");
      }
      return d.msgRefused;
    }

    function later(wait) {
      clearTimeout(timer);
      timer = setTimeout(flush, wait || pause);
      pause = Math.min(pause * 2, LONGEST_PAUSE);
    }
    function flush() {
      clearTimeout(timer);
      timer = null;
      if (busy) return;
      var items = load();
      if (!items.length) { state = "ok"; render(); return; }
      var item = items[0];
      busy = true;
      render();
      if (options.sending) options.sending(item);
      attempt(item, false).then(null, function () { return { kind: "later" }; }).then(function (answer) {
        busy = false;
        if (answer.kind === "sent" || answer.kind === "final") {
          state = "ok";
          pause = FIRST_PAUSE;
          remove(item.key, item.id);
          if (answer.kind === "sent") {
            sentSome = true;
            if (options.sent) options.sent(item, answer.data, answer.status);
          } else {
            var what = options.dropped ? options.dropped(item, answer.data, answer.status) : null;
            if (what !== false) {
              tell(d.msgDropped.replace("%(what)s", what || item.label || "")
                .replace("%(why)s", reason(answer.data)));
            }
          }
          flush();
          return;
        }
        state = answer.kind === "login" ? "login" : "offline";
        render();
        if (options.waiting) options.waiting(item, state);
        later(state === "login" ? LONGEST_PAUSE / 2 : answer.wait);
      });
    }

    // Leaving the page: one last try by sendBeacon for the items sent as a form (a beacon
    // cannot carry the CSRF header, so the token goes in the form). They stay in the outbox
    // until an answer is read: the next page sends them again, and the server counts them once.
    function beacon() {
      load().forEach(function (item) {
        if (!item.fields || !navigator.sendBeacon) return;
        var body = new FormData();
        body.append("csrfmiddlewaretoken", token);
        Object.keys(item.fields).forEach(function (k) { body.append(k, item.fields[k]); });
        navigator.sendBeacon(item.url, body);
      });
    }

    window.addEventListener("online", function () { pause = FIRST_PAUSE; flush(); });
    // Logged in again in another tab, or back at the tablet: try at once.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && state !== "ok") flush();
    });
    // Another tab of the same page changed the outbox.
    window.addEventListener("storage", function (event) { if (event.key === KEY) render(); });
    setTimeout(flush, 0);

    return { put: put, get: get, remove: remove, items: load, flush: flush, beacon: beacon, uuid: uuid };
  }

  window.balieOutbox = outbox;
})();
