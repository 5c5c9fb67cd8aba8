// The organiser's questions: show a question only when the earlier answer it depends on is given.
// The server decides again on submit (a hidden question is never required, its answer dropped);
// without this script every question is simply shown.
(function () {
  "use strict";
  function answers(form, id) {
    var box = document.getElementById("question-" + id);
    if (!box || box.hidden) { return []; }
    var values = [];
    form.querySelectorAll('[name="q_' + id + '"]').forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { return; }
      if (input.value.trim()) { values.push(input.value.trim()); }
    });
    return values;
  }
  function update(form) {
    // Document order: a question's condition always refers to one above it.
    form.querySelectorAll("[data-show-if]").forEach(function (box) {
      var shown = answers(form, box.dataset.showIf).indexOf(box.dataset.showValue) !== -1;
      box.hidden = !shown;
      box.querySelectorAll("input, textarea, select").forEach(function (input) { input.disabled = !shown || input.dataset.full === "1"; });
    });
  }
  document.querySelectorAll("[data-questions]").forEach(function (root) {
    var form = root.closest("form") || root;
    form.querySelectorAll("[data-show-if] input[disabled]").forEach(function (input) { input.dataset.full = "1"; });
    form.addEventListener("change", function () { update(form); });
    form.addEventListener("input", function () { update(form); });
    update(form);
  });
})();
