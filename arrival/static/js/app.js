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
