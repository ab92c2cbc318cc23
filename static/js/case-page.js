// The case page's action links ("Log contact", "Add note", ...) name the id of their form. The
// link alone jumps to the form, which may be folded in a <details>; this opens it and puts the
// focus in its first field, so that one can type at once. Arriving with such a fragment in the
// address (a bookmark, the back button) does the same.
"use strict";

function openForm(id) {
  const target = id && document.getElementById(id);
  if (!target) return false;
  const details = target.closest("details");
  if (details) details.open = true;
  const first = target.querySelector(
    "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])",
  );
  if (first) first.focus();
  return Boolean(first);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("a[data-opens-form]").forEach((link) => {
    link.addEventListener("click", (event) => {
      const id = decodeURIComponent(link.hash.slice(1));
      if (!openForm(id)) return;
      // The focus scrolled the field into view; keep the fragment in the address for "back".
      event.preventDefault();
      history.pushState(null, "", link.hash);
    });
  });
  // A refused form's error summary has the focus already (app.js): leave it there.
  if (!document.querySelector("[data-error-summary]") && location.hash) {
    const id = decodeURIComponent(location.hash.slice(1));
    if (document.querySelector(`a[data-opens-form][href="#${CSS.escape(id)}"]`)) openForm(id);
  }
});
