/* Idle sign-out warning, and keeping what was typed across a sign-out.
   The server ends a session after IDLE minutes without a request. Two minutes before, this
   offers "Stay signed in". If time runs out, the page's unsaved form fields are kept in this
   tab's sessionStorage (gone when the tab closes), and put back after signing in again. */
(function () {
  "use strict";
  var body = document.body;
  var errorSummary = document.getElementById("error-summary");
  if (errorSummary) {
    errorSummary.focus();
    // A link in the summary puts focus in its field: the field itself, or the first choice of a
    // group (a fieldset cannot take focus). Its label or legend is scrolled into view with it.
    errorSummary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      var control = target.matches("input, textarea, select") ? target : target.querySelector("input, textarea, select");
      if (!control) { return; }
      event.preventDefault();
      var label = target.tagName === "FIELDSET" ? target.querySelector("legend")
        : document.querySelector("label[for='" + CSS.escape(control.id) + "']");
      (label || target).scrollIntoView();
      control.focus({ preventScroll: true });
    });
  }

  var storeKey = "decision-aid:unsaved:" + window.location.pathname;
  restore();

  var idleMinutes = parseFloat(body.dataset.idleMinutes || "0");
  if (!idleMinutes) { return; }
  var warning = document.getElementById("idle-warning");
  var countdown = warning && warning.querySelector("[data-countdown]");
  var idleMs = idleMinutes * 60 * 1000;
  var warnMs = Math.max(idleMs - 2 * 60 * 1000, idleMs * 0.8);
  var started = Date.now();
  var ticker = null;

  function schedule() {
    started = Date.now();
    if (warning) { warning.hidden = true; }
    window.clearInterval(ticker);
    ticker = window.setInterval(tick, 1000);
  }

  function tick() {
    var elapsed = Date.now() - started;
    if (elapsed >= idleMs - 1000) {
      window.clearInterval(ticker);
      keepTyped();
      var next = window.location.pathname + window.location.search;
      window.location.assign(body.dataset.login + "?ended=idle&next=" + encodeURIComponent(next));
    } else if (elapsed >= warnMs && warning && warning.hidden) {
      warning.hidden = false;
      warning.querySelector("[data-stay]").focus();
    }
    if (countdown && !warning.hidden) {
      var left = Math.max(0, Math.round((idleMs - elapsed) / 1000));
      countdown.textContent = Math.floor(left / 60) + " min " + (left % 60) + " s";
    }
  }

  function keepTyped() {
    var saved = [];
    document.querySelectorAll("main form[method='post'] input, main form[method='post'] textarea").forEach(function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "password" || el.type === "submit") { return; }
      if ((el.type === "radio" || el.type === "checkbox")) {
        saved.push({ name: el.name, value: el.value, checked: el.checked });
      } else {
        saved.push({ name: el.name, value: el.value });
      }
    });
    if (saved.length) { window.sessionStorage.setItem(storeKey, JSON.stringify(saved)); }
  }

  function restore() {
    var raw = window.sessionStorage.getItem(storeKey);
    if (!raw) { return; }
    window.sessionStorage.removeItem(storeKey);
    var saved;
    try { saved = JSON.parse(raw); } catch (e) { return; }
    // The page's own forms (inside <main>), not the header's sign-out form.
    var forms = document.querySelectorAll("main form[method='post']");
    var restoredInto = null;
    saved.forEach(function (item) {
      forms.forEach(function (form) {
        form.querySelectorAll("[name='" + CSS.escape(item.name) + "']").forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") {
            if (el.value === item.value) { el.checked = item.checked; }
          } else {
            el.value = item.value;
          }
          restoredInto = restoredInto || form;
        });
      });
    });
    if (!restoredInto) { return; }
    var note = document.createElement("div");
    note.className = "restored";
    note.setAttribute("role", "status");
    note.tabIndex = -1;
    note.textContent = "You were signed out while this page was open. What you had typed is back " +
      "in the form below, but it is not saved yet: check it, then save.";
    restoredInto.parentNode.insertBefore(note, restoredInto);
    // Read out on arrival: focus the note, unless an error summary already has focus.
    if (!errorSummary) { note.focus(); }
  }

  if (warning) {
    warning.querySelector("[data-stay]").addEventListener("click", function () {
      fetch(body.dataset.keepAlive, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": body.dataset.csrf }
      }).then(function (response) {
        if (response.ok) { schedule(); }
      });
    });
  }
  schedule();
}());
