// What every page needs from script, kept out of the HTML so the Content-Security-Policy can
// forbid inline script and style: confirmations before a POST, and placements written through
// the CSS object model (grid cells of the programme, bar widths), which the policy allows.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    // A button may ask on its own (send, not preview); otherwise the form asks for all its buttons.
    var button = event.submitter;
    var question = (button && button.dataset && button.dataset.confirm) || (form.dataset && form.dataset.confirm);
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  function place(root) {
    root.querySelectorAll("[data-cols]").forEach(function (el) { el.style.setProperty("--cols", el.dataset.cols); });
    root.querySelectorAll("[data-grid-row]").forEach(function (el) { el.style.gridRow = el.dataset.gridRow; });
    root.querySelectorAll("[data-grid-column]").forEach(function (el) { el.style.gridColumn = el.dataset.gridColumn; });
    root.querySelectorAll("[data-pct]").forEach(function (el) { el.style.width = el.dataset.pct + "%"; });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { place(document); });
  } else {
    place(document);
  }
})();
