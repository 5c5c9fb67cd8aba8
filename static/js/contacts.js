// The contacts page: scan another participant's badge with the phone camera; both opted in → exchanged.
(function () {
  "use strict";
  var M = JSON.parse(document.getElementById("contacts-messages").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var $ = function (id) { return document.getElementById(id); };
  var toggle = $("contacts-camera-toggle"), note = $("contacts-camera-note"), box = $("contacts-camera-box");
  var result = $("contacts-result"), camera = null, last = "", lastAt = 0;

  function post(url, body, type) {
    return fetch(url, { method: "POST", credentials: "same-origin", body: body,
                        headers: { "X-CSRFToken": csrf, "Content-Type": type, "Accept": "application/json" } })
      .then(function (r) { return r.json().catch(function () { return {}; }); });
  }

  function onCode(code) {
    var now = Date.now();
    if (code === last && now - lastAt < 4000) return;   // the badge is still in front of the lens
    last = code; lastAt = now;
    post(M.scan, JSON.stringify({ code: code }), "application/json").then(function (data) {
      result.dataset.status = data.status || "error";
      result.textContent = data.message || M.unavailable;
      if (data.status === "added") setTimeout(function () { location.reload(); }, 1500);
    }, function () { result.dataset.status = "error"; result.textContent = M.error; });
  }

  function decode(blob) {
    return post(M.decode, blob, "image/jpeg").then(function (data) { return data.codes || []; });
  }

  function stop() {
    if (camera) camera.stop();
    box.hidden = true;
    toggle.textContent = M.camera_on;
  }

  if (window.DoorCamera.unavailableReason()) {
    toggle.disabled = true;
    note.hidden = false;
    note.textContent = M.camera_unavailable;
    return;
  }
  toggle.addEventListener("click", function () {
    if (camera && camera.running()) { stop(); return; }
    camera = camera || new window.DoorCamera.Camera($("contacts-video"), { onCode: onCode, decode: decode });
    box.hidden = false;
    toggle.textContent = M.camera_off;
    camera.start().catch(function () { stop(); note.hidden = false; note.textContent = M.camera_unavailable; });
  });
  document.addEventListener("visibilitychange", function () { if (document.hidden) stop(); });
  window.contactsPage = { onCode: onCode };
})();
