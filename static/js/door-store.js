// The door page's memory on the device: the offline queue, the event snapshot and local marks (IndexedDB).
(function () {
  "use strict";
  var DB_NAME = "seminar-door", VERSION = 1, dbPromise = null;

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = indexedDB.open(DB_NAME, VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        db.createObjectStore("queue", { keyPath: "scan_id" });
        db.createObjectStore("snapshots", { keyPath: "slug" });
        db.createObjectStore("marks", { keyPath: "key" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return dbPromise;
  }

  function run(storeName, mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode), store = tx.objectStore(storeName), result;
        var req = action(store);
        if (req) req.onsuccess = function () { result = req.result; };
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function all(storeName) { return run(storeName, "readonly", function (s) { return s.getAll(); }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // The same normalisation as the server: no spaces or dashes, upper case.
  function normalise(code) { return String(code || "").replace(/[\s\-‐-―]+/g, "").toUpperCase(); }

  function canHash() { return !!(window.crypto && crypto.subtle && window.TextEncoder); }

  // First 32 hex characters of SHA-256(salt + code): the key of a snapshot entry.
  function hashCode(salt, code) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(salt + code)).then(function (buf) {
      return Array.prototype.map.call(new Uint8Array(buf), function (b) {
        return (b + 0x100).toString(16).slice(1);
      }).join("").slice(0, 32);
    });
  }

  window.DoorStore = {
    open: open, uuid: uuid, normalise: normalise, canHash: canHash, hashCode: hashCode,
    queueAdd: function (item) { return run("queue", "readwrite", function (s) { return s.put(item); }); },
    queueDelete: function (id) { return run("queue", "readwrite", function (s) { return s.delete(id); }); },
    queueAll: function (slug) {
      return all("queue").then(function (items) {
        return items.filter(function (i) { return i.slug === slug; })
          .sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; });
      });
    },
    snapshotPut: function (slug, data) {
      return run("snapshots", "readwrite", function (s) { return s.put({ slug: slug, data: data }); });
    },
    snapshotGet: function (slug) {
      return run("snapshots", "readonly", function (s) { return s.get(slug); }).then(function (row) {
        return row ? row.data : null;
      });
    },
    mark: function (slug, k, device) {
      return run("marks", "readwrite", function (s) {
        return s.put({ key: slug + ":" + k, slug: slug, at: new Date().toISOString(), device: device || "" });
      });
    },
    isMarked: function (slug, k) {
      return run("marks", "readonly", function (s) { return s.get(slug + ":" + k); }).then(function (row) { return !!row; });
    },
    // The local mark ({at, device}) of a person scanned offline on this device, or undefined.
    markOf: function (slug, k) {
      return run("marks", "readonly", function (s) { return s.get(slug + ":" + k); });
    },
    clearMarks: function (slug) {
      return all("marks").then(function (rows) {
        return run("marks", "readwrite", function (s) {
          rows.forEach(function (r) { if (r.slug === slug) s.delete(r.key); });
        });
      });
    }
  };
})();
