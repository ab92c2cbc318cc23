// The case form's fieldsets for one case type (data-for-case-type="prisoner_of_war") show only
// while that type is chosen. A fieldset that holds a value, or an error, stays shown whatever
// the type: nothing typed is hidden from the person who typed it. Without JavaScript every
// fieldset shows, labelled with its type.
"use strict";

function holdsSomething(fieldset) {
  if (fieldset.querySelector("[aria-invalid=true]")) return true;
  return Array.from(fieldset.querySelectorAll("input:not([type=hidden]), textarea, select")).some(
    (control) => (control.tagName === "SELECT" ? control.selectedIndex > 0 : control.value.trim() !== ""),
  );
}

document.addEventListener("DOMContentLoaded", () => {
  const type = document.querySelector("form.case-form select[name=case_type]");
  if (!type) return;
  const fieldsets = document.querySelectorAll("form.case-form fieldset[data-for-case-type]");
  const fit = () => {
    fieldsets.forEach((fieldset) => {
      fieldset.hidden = fieldset.dataset.forCaseType !== type.value && !holdsSomething(fieldset);
    });
  };
  fit();
  type.addEventListener("change", fit);
});
