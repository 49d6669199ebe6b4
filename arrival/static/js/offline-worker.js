// The app's service worker (issue 14), built on Workbox from the npm lock file
// (copied to /static/vendor/workbox/ by scripts/build_assets.py; no CDN). The
// server puts ARRIVAL_SHELL (version, pages) and ARRIVAL_MANIFEST (the shell's
// assets with their revisions) in front of this text (services/offline_views.py).
//
// - The shell's assets are precached; a new app version precaches its own and
//   removes the old caches. The on-device store (IndexedDB) is not touched here.
// - The shell's pages (registration form, scan and gate stations, the queue list)
//   are fetched from the network first and kept; offline the last copy opens.
//   Only pages that loaded as themselves are kept (never a redirect to sign-in).
// - Nothing else is kept: no household pages, no API answers, no POST.
// - The assembly-point kiosk has its own worker (gate/kiosk-worker.js, scope
//   /gate/sites/…/kiosk), which stays in charge of its pages.
/* global workbox */
"use strict";

importScripts(self.ARRIVAL_SHELL.prefix + "workbox-sw.js");
workbox.setConfig({ modulePathPrefix: self.ARRIVAL_SHELL.prefix, debug: false });

// Loaded now: a worker may load its scripts only while it is first run.
var precaching = workbox.precaching;
var routing = workbox.routing;
var strategies = workbox.strategies;
var cacheableResponse = workbox.cacheableResponse;
workbox.loadModule("workbox-expiration");

self.skipWaiting();
workbox.core.clientsClaim();

precaching.cleanupOutdatedCaches();
precaching.precacheAndRoute(self.ARRIVAL_MANIFEST, { ignoreURLParametersMatching: [/.*/] });

var PAGES = self.ARRIVAL_SHELL.pages;
var PATTERNS = (self.ARRIVAL_SHELL.patterns || []).map(function (p) { return new RegExp(p); });
function isShellPage(pathname) {
  return PAGES.indexOf(pathname) !== -1 ||
    PATTERNS.some(function (pattern) { return pattern.test(pathname); });
}
var keepOnlyThemselves = {
  cacheWillUpdate: function (param) {
    var response = param.response;
    return response && response.ok && !response.redirected ? response : null;
  }
};

routing.registerRoute(function (options) {
  var url = options.url;
  return options.request.mode === "navigate" && url.origin === self.location.origin &&
    isShellPage(url.pathname);
}, new strategies.NetworkFirst({
  cacheName: "arrival-pages",
  networkTimeoutSeconds: 6,
  plugins: [new cacheableResponse.CacheableResponsePlugin({ statuses: [200] }), keepOnlyThemselves]
}));

// The fonts the stylesheet names (many small files): kept as they are used.
routing.registerRoute(function (options) {
  return options.url.origin === self.location.origin &&
    options.url.pathname.indexOf("/static/vendor/noto-sans/files/") === 0;
}, new strategies.CacheFirst({
  cacheName: "arrival-fonts",
  plugins: [new cacheableResponse.CacheableResponsePlugin({ statuses: [200] }),
            new workbox.expiration.ExpirationPlugin({ maxEntries: 80 })]
}));

// The page may ask which version is in charge (the queue list shows it; tests too).
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "version" && event.ports && event.ports[0]) {
    event.ports[0].postMessage(self.ARRIVAL_SHELL.version);
  }
});
