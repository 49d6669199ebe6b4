// Arrival: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Shared tablets: when the server-side idle timeout has passed, reload so the
  // screen shows the sign-in page instead of the previous user's data.
  var meta = document.querySelector('meta[name="idle-timeout-seconds"]');
  if (meta) {
    var seconds = parseInt(meta.getAttribute("content"), 10);
    if (seconds > 0) {
      window.setTimeout(function () { window.location.reload(); }, (seconds + 5) * 1000);
    }
  }

  // The CSRF token for fetch() calls made by page scripts.
  window.arrivalCsrfToken = function () {
    var tag = document.querySelector('meta[name="csrf-token"]');
    return tag ? tag.getAttribute("content") : "";
  };
})();
