// Assembly-point kiosk: fetches the evacuation list every minute and keeps the
// latest copy on this device (localStorage), so that the list opens and shows its
// age when the network or the server is down. A small service worker (scoped to
// the kiosk page) keeps the page itself for offline opening.
(function () {
  "use strict";

  var root = document.querySelector(".kiosk");
  if (!root) { return; }
  var KEY = "arrival.kiosk." + root.getAttribute("data-site");
  var statusBox = root.querySelector(".kiosk-status");
  var list = root.querySelector(".kiosk-list");
  var REFRESH_MS = 60000;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function when(iso) {
    return new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "de-DE",
      { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
  }

  function render(copy, fresh) {
    var data = copy.data;
    Object.keys(data.counts).forEach(function (key) {
      var cell = root.querySelector('[data-count="' + key + '"]');
      if (cell) { cell.textContent = data.counts[key]; }
    });
    var minutes = Math.max(0, Math.round((Date.now() - copy.fetchedAt) / 60000));
    var text = fresh ? statusBox.getAttribute("data-text-fresh")
                     : statusBox.getAttribute("data-text-stale");
    statusBox.textContent = text.replace("{when}", when(data.generated_at)).replace("{age}", String(minutes));
    statusBox.className = "kiosk-status " + (fresh ? "kiosk-fresh" : "kiosk-stale");
    list.textContent = "";
    data.groups.forEach(function (group) {
      var section = element("section", "evac-group");
      section.appendChild(element("h2", null, (group.unit || list.getAttribute("data-text-noroom")) + " (" + group.persons.length + ")"));
      var ul = element("ul", "kiosk-persons");
      group.persons.forEach(function (person) {
        var li = element("li", (person.assistance.length ? "needs-help" : "") + (person.child_alone ? " child-alone" : ""));
        li.appendChild(element("span", "who", person.name ? person.name + " (" + person.birth_year + ")" : "•"));
        if (person.assistance.length) {
          li.appendChild(element("strong", null, " " + list.getAttribute("data-text-help") + ": " + person.assistance.join(", ")));
        }
        if (person.child_alone) { li.appendChild(element("strong", null, " " + list.getAttribute("data-text-child"))); }
        ul.appendChild(li);
      });
      section.appendChild(ul);
      list.appendChild(section);
    });
    if (data.visits.length) {
      var visits = element("section", "evac-group");
      visits.appendChild(element("h2", null, list.getAttribute("data-text-visits") + " (" + data.visits.length + ")"));
      var vl = element("ul", "kiosk-persons");
      data.visits.forEach(function (visit) {
        vl.appendChild(element("li", null, (visit.name || "•") + (visit.organisation ? " · " + visit.organisation : "")));
      });
      visits.appendChild(vl);
      list.appendChild(visits);
    }
  }

  function stored() {
    try { return JSON.parse(window.localStorage.getItem(KEY)); } catch (error) { return null; }
  }

  function showStored() {
    var copy = stored();
    if (copy && copy.data) { render(copy, false); }
    else { statusBox.textContent = statusBox.getAttribute("data-text-none"); statusBox.className = "kiosk-status kiosk-stale"; }
  }

  function refresh() {
    if (!window.fetch) { showStored(); return; }
    fetch(root.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        var copy = { fetchedAt: Date.now(), data: data };
        try { window.localStorage.setItem(KEY, JSON.stringify(copy)); } catch (error) { /* full: keep the old copy */ }
        render(copy, true);
      })
      .catch(showStored);
  }

  showStored();
  refresh();
  window.setInterval(refresh, REFRESH_MS);
  // Re-render the age of a stale copy every 30 s.
  window.setInterval(function () { if (statusBox.classList.contains("kiosk-stale")) { showStored(); } }, 30000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-worker"), { scope: root.getAttribute("data-scope") })
      .catch(function () { /* the localStorage copy still works while the page is open */ });
  }
})();
