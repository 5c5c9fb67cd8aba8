// The door page: scanner input that keeps focus, camera, name search, result card, offline queue.
(function () {
  "use strict";
  var root = document.getElementById("door");
  if (!root) return;
  var M = JSON.parse(document.getElementById("door-messages").textContent);
  var Store = window.DoorStore, slug = root.dataset.store || root.dataset.slug, api = root.dataset.api;
  // A room's door (one session) sends its scans elsewhere and keeps its own queue and list.
  var paths = { scan: root.dataset.scanPath || "/checkins", stats: root.dataset.statsPath || "/stats",
                snapshot: root.dataset.snapshotPath || "/door/snapshot" };
  var capacity = Number(root.dataset.capacity || 0);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var $ = function (id) { return document.getElementById(id); };
  var els = {
    code: $("door-code"), form: $("door-scan"), card: $("door-card"), queue: $("door-queue"),
    checked: $("door-checked"), total: $("door-total"), search: $("door-search-q"),
    results: $("door-results"), notes: $("door-notes"), device: $("door-device"), sound: $("door-sound"),
    camToggle: $("door-camera-toggle"), camNote: $("door-camera-note"), camBox: $("door-camera-box"),
    video: $("door-video"), keyboard: $("door-keyboard")
  };
  var state = { byKey: {}, byId: {}, salt: null, storeOk: true, flushing: false, queued: 0,
                lastCode: "", lastCodeAt: 0, camera: null, cameraWanted: false };
  var timeFormat = new Intl.DateTimeFormat(root.dataset.locale === "en" ? "en-GB" : "ru-RU",
    { timeZone: root.dataset.timezone, hour: "2-digit", minute: "2-digit" });

  function fmt(text, values) { return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k]; }); }
  function nameKey(s) { return String(s || "").trim().toLowerCase().replace(/ё/g, "е"); }

  // ------------------------------------------------------------ notes shown under the page
  function note(id, text) {
    var li = $("door-note-" + id);
    if (!text) { if (li) li.remove(); return; }
    if (!li) { li = document.createElement("li"); li.id = "door-note-" + id; els.notes.appendChild(li); }
    li.textContent = text;
  }

  // ------------------------------------------------------------ device name and sound
  var device = localStorage.getItem("door-device") || ("door-" + Math.floor(10 + Math.random() * 90));
  localStorage.setItem("door-device", device);
  els.device.value = device;
  els.device.addEventListener("change", function () {
    device = els.device.value.trim() || device;
    localStorage.setItem("door-device", device);
  });
  els.sound.checked = localStorage.getItem("door-sound") !== "off";
  els.sound.addEventListener("change", function () { localStorage.setItem("door-sound", els.sound.checked ? "on" : "off"); });

  var audio = null;
  function unlockAudio() {
    if (audio || !(window.AudioContext || window.webkitAudioContext)) return;
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
  }
  ["keydown", "pointerdown", "touchstart"].forEach(function (t) { document.addEventListener(t, unlockAudio, { passive: true }); });
  function beep(kind) {
    if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 60 : kind === "warn" ? [60, 60, 60] : [200, 80, 200]);
    if (!audio || !els.sound.checked) return;
    var tones = { ok: [[880, 0, 0.12]], warn: [[660, 0, 0.09], [660, 0.15, 0.09]], bad: [[220, 0, 0.35]] }[kind] || [];
    tones.forEach(function (t) {
      var osc = audio.createOscillator(), gain = audio.createGain(), start = audio.currentTime + t[1];
      osc.type = kind === "bad" ? "square" : "sine";
      osc.frequency.value = t[0];
      gain.gain.setValueAtTime(0.2, start);
      gain.gain.exponentialRampToValueAtTime(0.001, start + t[2]);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(start); osc.stop(start + t[2] + 0.02);
    });
  }

  // ------------------------------------------------------------ the result card
  function show(kind, status, title, person, extra) {
    var marks = { ok: "✓", warn: "!", bad: "✕", info: "⌁" };
    els.card.className = "door-card door-card-" + kind;
    els.card.dataset.status = status;
    els.card.querySelector(".door-card-mark").textContent = marks[kind];
    els.card.querySelector(".door-card-title").textContent = title;
    els.card.querySelector(".door-card-name").textContent = person && (person.full_name || person.name) || "";
    var meta = [];
    if (person && person.municipality) meta.push(person.municipality);
    if (person && person.role && kind !== "bad") meta.push(M.roles[person.role] || person.role);
    if (extra) meta.push(extra);
    els.card.querySelector(".door-card-meta").textContent = meta.join(" · ");
    if (kind !== "info") beep(kind);
  }

  function showAnswer(httpStatus, data) {
    var reg = data.registration || null;
    if (data.status === "attended") data.status = "checked_in";  // a session's door: same colours
    if (data.status === "already_attended") { data.status = "already_checked_in"; data.checked_in_at = data.attended_at; }
    if (data.status === "checked_in") {
      show("ok", "checked_in", M.checked_in, reg);
      setChecked(Number(els.checked.textContent) + 1);
    } else if (data.status === "already_checked_in") {
      show("warn", "already_checked_in", alreadyText(data.checked_in_at, data.device), reg);
    } else if (M[data.status]) {
      show("bad", data.status, M[data.status], reg);
    } else if (httpStatus === 401 || httpStatus === 403) {
      show("bad", "forbidden", M.forbidden, null);
    } else {
      show("bad", "error", M.error, null);
    }
  }

  // "Вход уже отмечен в 09:12 (door-2)": when and where the first scan happened, as far as known.
  function alreadyText(at, where) {
    if (!at) return M.already_offline;
    var time = timeFormat.format(new Date(at));
    return fmt(where ? M.already_device : M.already, { time: time, device: where });
  }

  function setChecked(n) { els.checked.textContent = String(n); }

  // ------------------------------------------------------------ talking to the server
  function request(method, path, body, contentType) {
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = ctrl && setTimeout(function () { ctrl.abort(); }, 6000);
    var headers = { "X-CSRFToken": csrf, "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
    return fetch(api + path, {
      method: method, headers: headers, credentials: "same-origin", signal: ctrl && ctrl.signal,
      body: body === undefined ? undefined : (contentType ? body : JSON.stringify(body))
    }).then(function (resp) {
      clearTimeout(timer);
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { status: resp.status, data: data };
      });
    }, function (err) { clearTimeout(timer); throw err; });
  }

  function payload(scan) {
    var body = { device: scan.device, scan_id: scan.scan_id, scanned_at: scan.scanned_at };
    if (scan.registration_id) body.registration_id = scan.registration_id; else body.code = scan.code;
    return body;
  }

  // ------------------------------------------------------------ a scan
  function scan(code, registrationId) {
    code = Store.normalise(code);
    if (!code && !registrationId) return;
    var item = { scan_id: Store.uuid(), scanned_at: new Date().toISOString(), device: device, slug: slug };
    if (registrationId) item.registration_id = registrationId; else item.code = code;
    if (navigator.onLine === false) { offlineScan(item); return; }
    request("POST", paths.scan, payload(item)).then(function (r) {
      if (r.status >= 500) { offlineScan(item); return; }
      showAnswer(r.status, r.data);
      if (state.queued) flushQueue();
    }, function () { offlineScan(item); });
  }

  function offlineScan(item) {
    if (!state.storeOk) { show("bad", "error", M.offline_noidb, null); return; }
    Store.queueAdd(item).then(updateQueue);
    offlineAnswer(item);
  }

  // Answer from the downloaded snapshot; the server has the last word when the queue is sent.
  function offlineAnswer(item) {
    var saved = M.offline_saved;
    var lookup = item.registration_id ? Promise.resolve(state.byId[item.registration_id])
      : (state.salt !== null && Store.canHash() ? Store.hashCode(state.salt, item.code).then(function (k) { return state.byKey[k]; })
        : Promise.resolve(undefined));
    var haveList = item.registration_id || (state.salt !== null && Store.canHash());
    lookup.then(function (entry) {
      if (!haveList) { show("info", "offline", saved, null, M.offline_nolist); beep("warn"); return; }
      if (!entry) { show("bad", "unknown_code", M.offline_unknown, null, saved); return; }
      if (entry.status === "cancelled") { show("bad", "cancelled", M.cancelled, entry, saved); return; }
      if (entry.status !== "confirmed") { show("bad", "not_confirmed", M.not_confirmed, entry, saved); return; }
      var key = entry.k || ("id" + entry.id);
      return Store.markOf(slug, key).then(function (mark) {
        if (entry.checked_in) {
          show("warn", "already_checked_in", alreadyText(entry.checked_in_at, entry.device), entry, saved); return;
        }
        if (mark) { show("warn", "already_checked_in", alreadyText(mark.at, mark.device), entry, saved); return; }
        if (capacity && Number(els.checked.textContent) >= capacity) { show("bad", "full", M.full, entry, saved); return; }
        Store.mark(slug, key, device);
        show("ok", "checked_in", M.checked_in, entry, saved);
        setChecked(Number(els.checked.textContent) + 1);
      });
    });
  }

  function updateQueue() {
    if (!state.storeOk) return Promise.resolve();
    return Store.queueAll(slug).then(function (items) {
      state.queued = items.length;
      els.queue.hidden = items.length === 0;
      els.queue.textContent = fmt(M.queue, { n: items.length });
    });
  }

  // Send waiting scans in order, with their scan_id and true scanned_at; the server keeps each once.
  function flushQueue() {
    if (state.flushing || !state.storeOk || navigator.onLine === false) return;
    state.flushing = true;
    var sent = 0;
    Store.queueAll(slug).then(function (items) {
      if (items.length) els.queue.textContent = fmt(M.queue_sending, { n: items.length });
      return items.reduce(function (chain, item) {
        return chain.then(function (go) {
          if (!go) return false;
          return request("POST", paths.scan, payload(item)).then(function (r) {
            if (r.status >= 500) return false;
            sent += 1;
            return Store.queueDelete(item.scan_id).then(function () { return true; });
          }, function () { return false; });
        });
      }, Promise.resolve(true));
    }).catch(function () {}).then(function () {
      state.flushing = false;
      return updateQueue();
    }).then(function () {
      if (sent) {
        note("sent", fmt(M.queue_sent, { n: sent }));
        refreshStats();
        refreshSnapshot();
      }
    });
  }

  // ------------------------------------------------------------ snapshot and counters
  function useSnapshot(data) {
    if (!data) return;
    state.salt = data.salt;
    state.byKey = {}; state.byId = {};
    (data.entries || []).forEach(function (e) { state.byKey[e.k] = e; state.byId[e.id] = e; });
    var when = data.generated_at ? timeFormat.format(new Date(data.generated_at)) : "";
    if (Store.canHash()) note("snapshot", fmt(M.offline_ready, { n: (data.entries || []).length, time: when }));
  }

  // A delta of the people changed since the version held here; nothing (304) when nothing changed.
  function mergeDelta(held, delta) {
    var byId = {};
    (held.entries || []).forEach(function (e) { byId[e.id] = e; });
    delta.entries.forEach(function (e) { byId[e.id] = e; });
    delta.entries = Object.keys(byId).map(function (id) { return byId[id]; });
    return delta;
  }

  function refreshSnapshot() {
    var since = state.snapshot && state.snapshot.version;  // only the main door's list has versions
    var path = paths.snapshot + (since ? (paths.snapshot.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(since) : "");
    return request("GET", path).then(function (r) {
      if (r.status !== 200 || !r.data.entries) return;
      var data = r.data.delta && state.snapshot ? mergeDelta(state.snapshot, r.data) : r.data;
      state.snapshot = data;
      useSnapshot(data);
      if (state.storeOk) {
        Store.snapshotPut(slug, data);
        if (!state.queued) Store.clearMarks(slug);
      }
    }, function () {});
  }

  function refreshStats() {
    request("GET", paths.stats).then(function (r) {
      if (r.status !== 200) return;
      setChecked(r.data.checked_in);
      els.total.textContent = String(r.data.confirmed);
    }, function () {});
  }

  // ------------------------------------------------------------ name search
  var searchTimer = null;
  function search() {
    var q = els.search.value.trim();
    if (!q) { els.results.innerHTML = ""; return; }
    var offline = function () {
      var key = nameKey(q);
      var found = Object.keys(state.byId).map(function (id) { return state.byId[id]; })
        .filter(function (e) { return nameKey(e.name).indexOf(key) === 0; }).slice(0, 20)
        .map(function (e) { return { id: e.id, full_name: e.name, municipality: e.municipality, role: e.role,
                                     status: e.status, checked_in_at: e.checked_in ? "—" : null }; });
      renderResults(found, true);
    };
    if (navigator.onLine === false) { offline(); return; }
    request("GET", "/door/search?q=" + encodeURIComponent(q)).then(function (r) {
      if (r.status === 200) renderResults(r.data.results || [], false); else offline();
    }, offline);
  }

  function renderResults(list, offline) {
    els.results.innerHTML = "";
    if (offline) {
      var head = document.createElement("li"); head.className = "muted"; head.textContent = M.searching_offline;
      els.results.appendChild(head);
    }
    if (!list.length) {
      var none = document.createElement("li"); none.className = "muted"; none.textContent = M.no_results;
      els.results.appendChild(none);
    }
    list.forEach(function (r) {
      var li = document.createElement("li"), text = document.createElement("div"), button = document.createElement("button");
      var name = document.createElement("strong"); name.textContent = r.full_name;
      var meta = document.createElement("small");
      var bits = [r.municipality, M.roles[r.role] || r.role];
      if (r.checked_in_at) bits.push("✓ " + (r.checked_in_at === "—" ? "" : timeFormat.format(new Date(r.checked_in_at))));
      meta.textContent = bits.filter(Boolean).join(" · ");
      text.appendChild(name); text.appendChild(meta);
      button.type = "button"; button.className = "button small primary"; button.textContent = M.check_in;
      button.addEventListener("click", function () {
        scan(null, r.id);
        setTimeout(search, 400);
        els.code.focus({ preventScroll: true });
      });
      li.appendChild(text); li.appendChild(button);
      els.results.appendChild(li);
    });
  }

  els.search.addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(search, 200); });
  els.search.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });

  // ------------------------------------------------------------ the scan input keeps the focus
  function keepFocus() {
    setTimeout(function () {
      var a = document.activeElement;
      if (document.hidden || a === els.search || (a && a.closest && a.closest(".door-settings"))) return;
      els.code.focus({ preventScroll: true });
    }, 120);
  }
  els.code.addEventListener("blur", keepFocus);
  els.form.addEventListener("submit", function (e) {
    e.preventDefault();
    var code = els.code.value;
    els.code.value = "";
    scan(code);
    els.code.focus({ preventScroll: true });
  });
  // On a phone the on-screen keyboard would hide the card: a USB/Bluetooth scanner still types.
  if (window.matchMedia && matchMedia("(pointer: coarse)").matches) {
    els.code.setAttribute("inputmode", "none");
    els.keyboard.hidden = false;
    els.keyboard.addEventListener("click", function () {
      els.code.setAttribute("inputmode", els.code.getAttribute("inputmode") === "none" ? "text" : "none");
      els.code.blur(); els.code.focus();
    });
  }
  els.code.focus({ preventScroll: true });

  // ------------------------------------------------------------ camera
  function cameraMessage(err) {
    var name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError") return M.camera_denied;
    return M.camera_nodevice;
  }
  function decodeOnServer(blob) {
    if (navigator.onLine === false) { els.camNote.hidden = false; els.camNote.textContent = M.camera_offline; return Promise.resolve([]); }
    return request("POST", "/door/decode", blob, "image/jpeg").then(function (r) { return r.data.codes || []; });
  }
  function onCameraCode(code) {
    code = Store.normalise(code);
    var now = Date.now();
    if (code === state.lastCode && now - state.lastCodeAt < 3000) return;  // the badge is still in front of the lens
    state.lastCode = code; state.lastCodeAt = now;
    scan(code);
  }
  function startCamera() {
    state.camera = state.camera || new DoorCamera.Camera(els.video, {
      onCode: onCameraCode, decode: decodeOnServer,
      onMode: function (mode) {
        els.camNote.hidden = mode !== "server";
        els.camNote.textContent = mode === "server" ? M.camera_server : "";
      }
    });
    els.camBox.hidden = false;
    els.camToggle.textContent = M.camera_off;
    state.cameraWanted = true;
    state.camera.start().catch(function (err) {
      stopCamera();
      els.camNote.hidden = false;
      els.camNote.textContent = cameraMessage(err);
    });
  }
  function stopCamera() {
    if (state.camera) state.camera.stop();
    state.cameraWanted = false;
    els.camBox.hidden = true;
    els.camToggle.textContent = M.camera_on;
  }
  var cameraReason = DoorCamera.unavailableReason();
  if (cameraReason) {
    els.camToggle.disabled = true;
    els.camNote.hidden = false;
    els.camNote.textContent = cameraReason === "http" ? fmt(M.camera_http, { host: location.host }) : M.camera_api;
  }
  els.camToggle.addEventListener("click", function () {
    if (state.camera && state.camera.running()) stopCamera(); else startCamera();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      if (state.camera && state.camera.running()) { state.camera.stop(); state.resumeCamera = true; }
    } else {
      if (state.resumeCamera && state.cameraWanted) startCamera();
      state.resumeCamera = false;
      keepFocus();
      refreshStats();
      flushQueue();
    }
  });

  // ------------------------------------------------------------ offline support and timers
  if (!window.isSecureContext) note("insecure", M.offline_insecure);
  else if (!Store.canHash()) note("crypto", M.offline_nocrypto);
  if (window.isSecureContext && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope })
      .catch(function () { note("sw", M.offline_nosw); });
  }
  window.addEventListener("online", function () { note("network", ""); flushQueue(); refreshStats(); });
  window.addEventListener("offline", function () { note("network", M.network_down); });
  if (navigator.onLine === false) note("network", M.network_down);

  Store.open().catch(function () { state.storeOk = false; note("idb", M.offline_noidb); })
    .then(function () { return state.storeOk ? Store.snapshotGet(slug) : null; })
    .then(function (data) { state.snapshot = data || null; useSnapshot(data); return updateQueue(); })
    .catch(function () {})
    .then(function () { refreshSnapshot(); flushQueue(); });
  setInterval(refreshSnapshot, 60000);
  setInterval(flushQueue, 10000);
  setInterval(refreshStats, 10000);

  window.doorPage = { scan: scan, flushQueue: flushQueue, state: state };
})();
