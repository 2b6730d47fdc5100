/* Idle sign-out warning, and keeping what was typed across an idle sign-out.
   The server ends a session after IDLE minutes without a request. Two minutes before, this
   offers "Stay signed in". If time runs out, the page's unsaved form fields are kept in this
   tab's sessionStorage (gone when the tab closes), the session is ended on the server, and the
   tab goes to the sign-in page. The kept text is given back only to the same clinician of the
   same clinic (the opaque data-owner of their pages), only on that page, and for KEEP_MS at
   most; a sign-in by anyone else, signing out, or its age throws it away. */
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

  var STORE = "decision-aid:kept-typing";
  var KEEP_MS = 30 * 60 * 1000;  // a clinician back within half an hour still finds their typing
  var owner = body.dataset.owner || "";  // empty when nobody is signed in (the sign-in page)
  restore();
  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", forget);
  });

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
      endSession();
    } else if (elapsed >= warnMs && warning && warning.hidden) {
      warning.hidden = false;
      warning.querySelector("[data-stay]").focus();
    }
    if (countdown && !warning.hidden) {
      var left = Math.max(0, Math.round((idleMs - elapsed) / 1000));
      countdown.textContent = Math.floor(left / 60) + " min " + (left % 60) + " s";
    }
  }

  // The countdown is over: the server ends the session (so the sign-in page finds nobody to renew),
  // unless the clinician has been working in another tab; then count down again from what is left.
  function endSession() {
    fetch(body.dataset.idleEnd, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": body.dataset.csrf }
    }).then(function (response) {
      if (response.status !== 200 || response.redirected) { toSignIn(); return; }
      return response.json().then(function (answer) {
        forget();
        schedule();
        started = Date.now() - (idleMs - answer.seconds_left * 1000);
      });
    }).catch(toSignIn);
  }

  function toSignIn() {
    // The typing is kept (keepTyped): forms.js need not ask before this navigation.
    document.dispatchEvent(new CustomEvent("decision-aid:leaving"));
    var next = window.location.pathname + window.location.search;
    window.location.assign(body.dataset.login + "?ended=idle&next=" + encodeURIComponent(next));
  }

  function keepTyped() {
    var fields = [];
    document.querySelectorAll("main form[method='post'] input, main form[method='post'] textarea").forEach(function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "password" || el.type === "submit") { return; }
      if ((el.type === "radio" || el.type === "checkbox")) {
        fields.push({ name: el.name, value: el.value, checked: el.checked });
      } else {
        fields.push({ name: el.name, value: el.value });
      }
    });
    forget();
    if (fields.length) {
      window.sessionStorage.setItem(STORE, JSON.stringify(
        { owner: owner, path: window.location.pathname, at: Date.now(), fields: fields }));
    }
  }

  function forget() {
    window.sessionStorage.removeItem(STORE);
    // Earlier versions kept typing under one key per page, with no owner: never leave it behind.
    Object.keys(window.sessionStorage).forEach(function (key) {
      if (key.indexOf("decision-aid:unsaved:") === 0) { window.sessionStorage.removeItem(key); }
    });
  }

  function restore() {
    var kept;
    try { kept = JSON.parse(window.sessionStorage.getItem(STORE)); } catch (e) { kept = null; }
    if (!kept) { forget(); return; }
    var age = Date.now() - kept.at;
    if (!(age >= 0 && age < KEEP_MS) || (owner && kept.owner !== owner)) { forget(); return; }
    if (!owner) {  // the sign-in page: keep it for its owner, but not beyond its time
      window.setTimeout(forget, KEEP_MS - age);
      return;
    }
    if (kept.path !== window.location.pathname) { return; }
    forget();
    // The page's own forms (inside <main>), not the header's sign-out form.
    var forms = document.querySelectorAll("main form[method='post']");
    var restoredInto = null;
    kept.fields.forEach(function (item) {
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
