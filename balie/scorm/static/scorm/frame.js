/* The run-time frame: Balie's page on the content host (balie/scorm/content.py) between the
 * player page and the package.
 *
 * One frame plays one SCO. It holds scorm-again's API object where a package looks for it
 * (window.API for SCORM 1.2, window.API_1484_11 for 2004, in the package's parent window),
 * loaded with that SCO's saved run-time data and what the manifest says about finishing it,
 * and loads the SCO's page into its own frame, on the same origin. It has no cookies and no
 * session: every commit goes to the player page on Balie's origin with postMessage, and that
 * page sends it to Balie with its CSRF token and the showing's ticket; so does a SCO's
 * request for the next or previous part, which the player page checks like a commit and
 * follows when the course opens that part. It listens only to Balie's page.
 *
 * When the tab closes or reloads, a SCO typically saves one last time from its unload handler,
 * and the player page is going too: that message may never be handled. So the frame also
 * sends its newest commit itself when it goes, with sendBeacon to the content host
 * ("afscheid", balie/scorm/content.py), with the showing's ticket; Balie ignores it when the
 * player page already saved it.
 */
(function () {
  "use strict";
  var balie = document.documentElement.getAttribute("data-balie-origin");
  var frame = document.querySelector("iframe");
  var base = location.pathname;  // "/<ticket>/"; the package's files are under "f/"
  var started = false;
  var last = null;  // the newest commit, for the last send when the page goes
  var leaving = false;

  function farewell() {
    if (!last || !navigator.sendBeacon) return;
    navigator.sendBeacon(base + "afscheid", JSON.stringify(last));
    last = null;
  }

  function tell(message) {
    window.parent.postMessage(message, balie);
  }

  // scorm-again's HTTP service, replaced: a commit becomes a message to the player page.
  // The SCO is told "saved" at once; if Balie refuses, the player page says so.
  function messenger(showing, token) {
    return {
      reportsRequestCompletion: false,
      updateSettings: function () {},
      processHttpRequest: function (url, params, immediate, apiLog, listeners, metadata) {
        var commit = {
          sequence: metadata && metadata.sequence ? metadata.sequence : 0,
          cmi: params && params.cmi ? params.cmi : {},
        };
        tell({ type: "commit", showing: showing, sequence: commit.sequence, cmi: commit.cmi });
        last = { token: token, sequence: commit.sequence, cmi: commit.cmi };
        if (leaving) farewell();  // the SCO's own goodbye, after the page began to go
        return { result: "true", errorCode: 0 };
      },
    };
  }

  function start(message) {
    var is2004 = typeof window.Scorm2004API === "function";
    var Api = is2004 ? window.Scorm2004API : window.Scorm12API;
    var api = new Api({
      lmsCommitUrl: "postMessage",  // any address: messenger() does the sending
      httpService: messenger(message.showing, message.token),
      autocommit: true,
      autocommitSeconds: 2,
      // scorm-again counts the session's time itself and sends the running total with every
      // commit, so time is kept even for a package that never reports it.
      selfReportSessionTime: true,
      alwaysSendTotalTime: true,
      logLevel: 4,
    });
    api.loadFromJSON(message.cmi);
    if (is2004) {
      window.API_1484_11 = api;
      // A SCO that asks for the next or previous part when it ends (adl.nav.request): the
      // player page decides whether that part opens, and opens it in a new frame.
      api.on("SequenceNext", function () {
        tell({ type: "navigate", showing: message.showing, request: "continue" });
      });
      api.on("SequencePrevious", function () {
        tell({ type: "navigate", showing: message.showing, request: "previous" });
      });
    } else {
      window.API = api;
    }
    var target = new URL("f/" + message.launch, location.origin + base);
    if (target.origin !== location.origin || target.pathname.indexOf(base + "f/") !== 0) return;
    frame.src = target.href;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== balie || event.source !== window.parent) return;
    var message = event.data;
    if (started || !message || message.type !== "start" || typeof message.launch !== "string") {
      return;
    }
    started = true;
    start(message);
  });
  window.addEventListener("pagehide", function () {
    leaving = true;
    farewell();
  });
  tell({ type: "ready" });
})();
