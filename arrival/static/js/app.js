// Arrival: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Shared tablets: when the server-side idle timeout has passed, reload so the
  // screen shows the sign-in page instead of the previous user's data. The timer
  // counts from the last activity (a key, a tap, typing), not from the page load:
  // activity tells the server too (a keep-alive request at most every few
  // seconds), a warning shows a minute before the end, and what a form holds is
  // kept as a draft on the tablet (drafts.js) when the time is up.
  var meta = document.querySelector('meta[name="idle-timeout-seconds"]');
  var seconds = meta ? parseInt(meta.getAttribute("content"), 10) : 0;
  if (seconds > 0) {
    var owner = document.querySelector('meta[name="draft-owner"]');
    var keepaliveUrl = owner ? owner.getAttribute("data-keepalive") : null;
    var timeout = seconds * 1000;
    var grace = 5000;  // the reload comes just after the server has ended the session
    var pingEvery = Math.min(30000, timeout / 4);
    var lastContact = Date.now();  // the server saw this session (the page load)
    var lastPing = 0;
    var warning = document.getElementById("idle-warning");
    var warnTimer = null;
    var endTimer = null;

    var schedule = function () {
      window.clearTimeout(warnTimer);
      window.clearTimeout(endTimer);
      var warnAt = Math.max(timeout - 60000, timeout / 2);
      warnTimer = window.setTimeout(function () {
        if (warning) { warning.hidden = false; }
      }, Math.max(0, lastContact + warnAt - Date.now()));
      endTimer = window.setTimeout(expire, Math.max(0, lastContact + timeout + grace - Date.now()));
    };

    var expire = function () {
      // Let a form save its draft first (intake.js listens), then show the sign-in page.
      var event = new CustomEvent("arrival:idle-expired", { detail: { waitFor: [] } });
      document.dispatchEvent(event);
      Promise.all(event.detail.waitFor).then(reload, reload);
    };
    var reload = function () { window.location.reload(); };

    var ping = function () {
      lastPing = Date.now();
      var sent = Date.now();
      fetch(keepaliveUrl, { credentials: "same-origin", cache: "no-store", redirect: "manual" }).then(function (response) {
        if (response.status === 204) {
          lastContact = sent;
          schedule();
        } else {
          expire();  // the server has ended the session already
        }
      }).catch(function () { /* offline: the timer runs on, the draft is kept */ });
    };

    var activity = function () {
      if (warning) { warning.hidden = true; }
      if (keepaliveUrl && Date.now() - lastPing >= pingEvery) { ping(); }
    };
    ["keydown", "pointerdown", "input", "wheel"].forEach(function (name) {
      document.addEventListener(name, activity, { capture: true, passive: true });
    });
    // Requests the page makes itself (duplicate hints, in-place actions) count too.
    document.addEventListener("arrival:server-contact", function () {
      lastContact = Date.now();
      schedule();
    });
    if (warning) {
      warning.querySelector("button").addEventListener("click", function () {
        warning.hidden = true;
        ping();
      });
    }
    schedule();
  }

  // A wide table scrolls sideways inside .table-wrap (portrait tablet). A region
  // that scrolls must be reachable and scrollable by keyboard (WCAG 2.1.1) and
  // have a name; a table that fits gets no extra tab stop.
  function markScrollingTables() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      var caption = wrap.querySelector("caption");
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (caption) { wrap.setAttribute("aria-label", caption.textContent.trim()); }
      } else {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }
  markScrollingTables();
  window.addEventListener("resize", markScrollingTables);

  // The CSRF token for fetch() calls made by page scripts.
  window.arrivalCsrfToken = function () {
    var tag = document.querySelector('meta[name="csrf-token"]');
    return tag ? tag.getAttribute("content") : "";
  };
})();
