// The "Preview" of a Markdown field in the management site: the text is sent to Balie, which
// renders and sanitises it exactly as it will be shown (balie/admin_site.py), and the answer is
// put below the field. The button stays hidden without JavaScript.
(function () {
  "use strict";

  function csrfToken(box) {
    const field = box.closest("form")?.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function preview(button) {
    const box = button.closest(".balie-markdown");
    const text = box.querySelector("textarea").value;
    const out = box.querySelector(".balie-markdown__preview");
    out.hidden = false;
    if (!text.trim()) {
      out.textContent = box.dataset.empty;
      return;
    }
    try {
      const response = await fetch(box.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(box) },
        body: new URLSearchParams({ text: text }),
      });
      if (!response.ok) throw new Error(String(response.status));
      out.innerHTML = await response.text(); // sanitised by Balie (nh3), like every page
    } catch (error) {
      out.textContent = box.dataset.failed;
    }
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest(".balie-markdown__button");
    if (button) preview(button);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".balie-markdown__button").forEach(function (button) {
      button.hidden = false;
    });
  });
})();
