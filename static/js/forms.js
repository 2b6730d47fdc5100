/* Nothing typed is lost, nothing is cut.
   1. Long text fields (data-max-chars) count down: "N characters left" (the words from the
      note's data-left and data-over, in the page's language), a visible warning from
      90 % of the limit, and "N too many" past it. Nothing is cut: the server refuses text over
      the limit with a message. The live region speaks only when the state changes (near the
      limit, over it, back under), not at every key.
   2. Leaving a step form (data-warn-unsaved) with changes by a link or by closing the tab asks
      first. Submitting the form (any of its buttons, the step bar too) does not ask, nor does the
      idle sign-out, which keeps the typing itself (session.js sends "decision-aid:leaving"). */
(function () {
  "use strict";
  var NEAR = 0.9;

  function counter(field) {
    var limit = parseInt(field.dataset.maxChars, 10);
    var note = document.getElementById(field.id + "-count");
    if (!limit || !note || !note.dataset.left || !note.dataset.over) { return; }
    var live = document.createElement("span");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    note.insertAdjacentElement("afterend", live);
    var state = null;
    function update() {
      var length = field.value.length;
      var left = limit - length;
      var next = left < 0 ? "over" : (length >= limit * NEAR ? "near" : "ok");
      // The words are the page's (data-left, data-over, in its language); numbers in Western digits.
      var words = left < 0 ? note.dataset.over : note.dataset.left;
      note.textContent = words.replace("{count}", Math.abs(left).toLocaleString("en-GB"));
      note.classList.toggle("char-count-near", next === "near");
      note.classList.toggle("char-count-over", next === "over");
      if (state !== null && next !== state) { live.textContent = note.textContent; }
      state = next;
    }
    field.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("[data-max-chars]").forEach(counter);

  function changed(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") { return false; }
      if (el.type === "radio" || el.type === "checkbox") { return el.checked !== el.defaultChecked; }
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return el.value !== el.defaultValue;
    });
  }

  var forms = document.querySelectorAll("form[data-warn-unsaved]");
  if (!forms.length) { return; }
  var leaving = false;  // on purpose: the form is being saved, or the idle sign-out keeps the typing
  forms.forEach(function (form) {
    form.addEventListener("submit", function () { leaving = true; });
  });
  document.addEventListener("decision-aid:leaving", function () { leaving = true; });
  // Back from the browser's history cache: the page is live again, so ask again next time.
  window.addEventListener("pageshow", function () { leaving = false; });
  window.addEventListener("beforeunload", function (event) {
    if (leaving || !Array.prototype.some.call(forms, changed)) { return; }
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to ask
  });
}());

/* 3. A question's details (data-details-for="<question name>") are in the page for everyone;
      with script they are hidden until the answer data-details-when is chosen. The server
      ignores them otherwise, so hiding them loses nothing. */
(function () {
  "use strict";
  document.querySelectorAll("[data-details-for]").forEach(function (details) {
    var radios = document.querySelectorAll('input[type="radio"][name="' + details.dataset.detailsFor + '"]');
    function update() {
      var shown = Array.prototype.some.call(radios, function (r) {
        return r.checked && r.value === details.dataset.detailsWhen;
      });
      details.hidden = !shown;
    }
    radios.forEach(function (r) { r.addEventListener("change", update); });
    update();
  });
}());
