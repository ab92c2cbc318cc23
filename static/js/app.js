// Small progressive enhancements. No inline scripts: the CSP allows only files from 'self'.
"use strict";

// The main menu is a <details> (it folds and unfolds without JavaScript). On a wide screen it
// stays open: CSS shows it where ::details-content is known, this opens it everywhere else. On
// a phone, Escape folds it and gives the focus back to "Menu".
function enhanceSiteMenu(menu) {
  const wide = window.matchMedia("(min-width: 768px)");
  const fit = () => { menu.open = wide.matches; };
  fit();
  wide.addEventListener("change", fit);
  menu.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || wide.matches || !menu.open) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
}

// A table wider than the screen scrolls inside its .table-scroll box. While it does, the box
// takes the focus so the arrow keys can scroll it (a table without links has nothing else to
// focus); while it fits, it stays out of the Tab order.
function focusWhileScrolling(box) {
  const fit = () => {
    if (box.scrollWidth > box.clientWidth) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
  };
  fit();
  new ResizeObserver(fit).observe(box);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-site-menu]").forEach(enhanceSiteMenu);
  document.querySelectorAll(".table-scroll").forEach(focusWhileScrolling);
  // Buttons that need a second thought carry data-confirm="question".
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
  // "Select all" checkboxes for bulk actions: data-select-all="name-of-checkboxes".
  document.querySelectorAll("[data-select-all]").forEach((box) => {
    box.addEventListener("change", () => {
      document.querySelectorAll(`input[name="${box.dataset.selectAll}"]`).forEach((item) => {
        item.checked = box.checked;
      });
    });
  });
  // A refused form's error summary takes the focus, so that a screen reader reads it first.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
  // Progress bars that poll a JSON endpoint: data-progress-url, data-done-url.
  document.querySelectorAll("[data-progress-url]").forEach((bar) => {
    const label = document.getElementById(bar.dataset.progressLabel || "");
    const poll = async () => {
      const response = await fetch(bar.dataset.progressUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const state = await response.json();
      if (state.total) { bar.max = state.total; bar.value = state.done; }
      if (label) label.textContent = state.message || "";
      if (state.finished) {
        if (bar.dataset.doneUrl) window.location.assign(bar.dataset.doneUrl);
        return;
      }
      window.setTimeout(poll, 500);
    };
    poll();
  });
});
