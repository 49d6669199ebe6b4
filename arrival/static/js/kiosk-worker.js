// Service worker of the assembly-point kiosk only (registered with the kiosk page's
// own path as scope). It keeps the kiosk page and its assets so that the page
// opens when the server is down; the list itself is kept by kiosk.js.
"use strict";

var CACHE = "arrival-kiosk-v1";
var ASSETS = ["/static/css/app.css", "/static/css/gate.css", "/static/js/kiosk.js",
              "/static/vendor/noto-sans/noto-sans.css"];

self.addEventListener("install", function (event) {
  // The kiosk page itself (the scope is its path) and its assets.
  var page = new URL(self.registration.scope).pathname;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all([page].concat(ASSETS).map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (response.ok && !response.redirected) { return cache.put(url, response); }
        return null;
      }).catch(function () { return null; });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("arrival-kiosk-") === 0 && key !== CACHE;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && /\/kiosk$/.test(url.pathname)) {
    // Network first; the last page that loaded (it holds no names) when offline.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname).then(function (cached) {
        return cached || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1 || url.pathname.indexOf("/static/vendor/noto-sans/") === 0) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () { return caches.match(url.pathname); }));
  }
});
