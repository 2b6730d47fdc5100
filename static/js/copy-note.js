/* The note for the record: a "Copy the note" button. Without script the button stays hidden and
   the note is a read-only text box to select and copy by hand. */
(function () {
  "use strict";
  var button = document.getElementById("copy-note");
  if (!button) { return; }
  var source = document.getElementById(button.dataset.copyTarget);
  var status = document.getElementById("copy-note-status");
  function said(text) { status.textContent = text; }
  function byHand() {
    source.focus();
    source.select();
    said("The note is selected: press Ctrl+C (or Cmd+C) to copy it.");
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    if (!navigator.clipboard || !window.isSecureContext) { byHand(); return; }
    navigator.clipboard.writeText(source.value).then(function () {
      said("The note is copied. Paste it into the record.");
    }, byHand);
  });
}());
