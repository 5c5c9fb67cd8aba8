// Service worker of the door page for event {{ slug|tojson }}: the page opens even when the network is down.
// Network first for the page and its files (always fresh when online), the cached copy when not.
// The API is never cached: the page itself queues scans offline.
"use strict";
var CACHE = "seminar-door-" + {{ slug|tojson }} + "-v1";
var SHELL = {{ shell|tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (resp) {
        if (resp.ok && !resp.redirected) return cache.put(url, resp);
      }).catch(function () {});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function networkFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    var timeout = new Promise(function (resolve, reject) { setTimeout(reject, 4000); });
    return Promise.race([fetch(request), timeout]).then(function (resp) {
      if (resp.ok && !resp.redirected) cache.put(request, resp.clone());
      return resp;
    }).catch(function () {
      return cache.match(request, { ignoreSearch: true }).then(function (hit) {
        return hit || Response.error();
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/api/") === 0) return;
  var inShell = SHELL.indexOf(url.pathname) >= 0;
  if (event.request.mode === "navigate" || inShell) event.respondWith(networkFirst(event.request));
});
