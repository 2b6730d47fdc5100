/* "Check what we discussed": each item's answer and explanation show as soon as the item is
   answered, so the patient need not press "Show the answers" and wait for the page to reload.
   Without script that button still shows them all. The words are the page's own (hidden until
   then, in its language); this only picks data-right ("That's right.") or data-wrong ("Not
   quite.") as the server does. */
(function () {
  "use strict";
  function show(box, value) {
    var kind = value === "unsure" ? "none" : (value === box.dataset.answer ? "right" : "wrong");
    box.querySelector("[data-verdict]").textContent =
      kind === "right" ? box.dataset.right : (kind === "wrong" ? box.dataset.wrong : "");
    box.className = "feedback feedback-" + kind;
    box.hidden = false;
  }
  document.querySelectorAll("[data-quiz-feedback]").forEach(function (box) {
    document.querySelectorAll('input[name="' + box.dataset.quizFeedback + '"]').forEach(function (input) {
      if (input.checked) { show(box, input.value); }
      input.addEventListener("change", function () { show(box, input.value); });
    });
  });
})();
