// Balie's script for the management site (loaded by templates/admin/base_site.html):
// 1. the "Preview" of a Markdown field: the text is sent to Balie, which renders and sanitises
//    it exactly as it will be shown (balie/admin_site.py); the button stays hidden without JS;
// 2. names for the controls that Django admin leaves unnamed for assistive technology: the
//    inputs in the rows of a tabular inline or an editable list (named after their column),
//    the search icons of the "choose" boxes (an aria-label on a plain span counts for nothing)
//    and the autocomplete boxes (select2 names them after their empty selection).
(function () {
  "use strict";

  function csrfToken(box) {
    const form = box.closest("form");
    const field = form && form.querySelector("[name=csrfmiddlewaretoken]");
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
      out.innerHTML = await response.text(); // sanitised by Balie (nh3), as on every page
    } catch (error) {
      out.textContent = box.dataset.failed;
    }
  }

  function nameTabularControls(root) {
    root.querySelectorAll(".tabular td, #result_list td").forEach(function (cell) {
      const table = cell.closest("table");
      const header = table.tHead && table.tHead.rows[0].cells[cell.cellIndex];
      const name = header && header.textContent.trim();
      if (!name) return;
      cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (control) {
        if (!control.labels || control.labels.length === 0) control.setAttribute("aria-label", name);
      });
    });
  }

  function nameSearchIcons() {
    document.querySelectorAll(".search-label-icon[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = select.labels && select.labels[0];
      const box = select.nextElementSibling;
      const selection = box && box.querySelector(".select2-selection");
      const rendered = box && box.querySelector(".select2-selection__rendered");
      if (!label || !selection || !rendered) return;
      label.id = label.id || select.id + "_label";
      selection.setAttribute("aria-labelledby", label.id + " " + rendered.id);
      rendered.setAttribute("aria-labelledby", label.id);
    });
  }

  function nameDrawnWidgets() {
    nameSearchIcons();
    nameAutocompletes(document);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest(".balie-markdown__button");
    if (button) preview(button);
  });
  document.addEventListener("formset:added", function (event) {
    nameTabularControls(event.target);
    setTimeout(function () { nameAutocompletes(event.target); }, 0);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".balie-markdown__button").forEach(function (button) {
      button.hidden = false;
    });
    nameTabularControls(document);
  });
  // The "choose" and autocomplete boxes are drawn by Django's scripts when the page is ready,
  // so they are named after the page has loaded.
  window.addEventListener("load", function () { setTimeout(nameDrawnWidgets, 0); });
})();
