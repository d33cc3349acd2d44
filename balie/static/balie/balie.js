/* Site-wide behaviour. Pages work without it; it only adds comfort. */
(function () {
  "use strict";
  // After htmx swaps in a fragment with a status message, move focus there for screen readers.
  document.addEventListener("htmx:afterSwap", function (event) {
    var status = event.detail.target.querySelector("[role=status], [role=alert]");
    if (status) { status.setAttribute("tabindex", "-1"); status.focus(); }
  });

  // The compact menu on small screens: a button opens and closes the main menu (without
  // JavaScript the whole menu shows). Escape closes it and gives the focus back to the button.
  var menu = document.querySelector("[data-menu]");
  if (menu) {
    var toggle = menu.querySelector(".balie-nav__toggle");
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("balie-nav--open", open);
    };
    toggle.hidden = false;
    menu.classList.add("balie-nav--js");
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }
})();
