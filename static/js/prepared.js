// A file the queue prepares (a big badge sheet): its card follows the progress every 3 s. Only the
// card is fetched again and swapped, so the page's message stays readable and a choice made in
// the form below is not lost (a reload of the whole page every 3 s did both). Without script the
// page reloads itself (<noscript> refresh).
(function () {
  "use strict";
  var card = document.querySelector(".prepared[data-follow]");
  if (!card || !window.fetch || !window.DOMParser) return;
  function follow() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".prepared");
        if (!fresh) return;  // signed out, or the file is gone: leave the card as it was
        if (fresh.innerHTML !== card.innerHTML) card.innerHTML = fresh.innerHTML;
        if (fresh.hasAttribute("data-follow")) window.setTimeout(follow, 3000);
        else card.removeAttribute("data-follow");  // ready or failed: nothing more to follow
      })
      .catch(function () { window.setTimeout(follow, 10000); });  // offline for a moment: try again later
  }
  window.setTimeout(follow, 3000);
})();
