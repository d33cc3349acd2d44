/* Site-wide behaviour. Pages work without it; it only adds comfort. */
(function () {
  "use strict";
  // After htmx swaps in a fragment with a status message, move focus there for screen readers.
  document.addEventListener("htmx:afterSwap", function (event) {
    var status = event.detail.target.querySelector("[role=status], [role=alert]");
    if (status) { status.setAttribute("tabindex", "-1"); status.focus(); }
  });
})();
