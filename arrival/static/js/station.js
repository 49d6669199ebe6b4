// Scan station: answers in place without reloading, then is ready for the next
// card by itself. Handheld scanners type the code and Enter into the focused
// field; the camera (jsQR from the lock file) is offered where the browser has one.
(function () {
  "use strict";

  var station = document.querySelector(".station");
  if (!station || !window.fetch) { return; }
  var form = station.querySelector(".scan-form");
  var input = form.querySelector("#code");
  var answerBox = station.querySelector(".answer");
  var resetTimer = null;
  var busy = false;
  // The texts come from the page, in the user's language.
  var TEXT = JSON.parse(document.getElementById("station-texts").textContent);

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function clock(iso) {
    var date = new Date(iso);
    return date.toLocaleString("de-DE", { day: "2-digit", month: "2-digit",
                                          hour: "2-digit", minute: "2-digit" });
  }

  function show(answer) {
    answerBox.className = "answer answer-" + answer.result;
    answerBox.textContent = "";
    answerBox.appendChild(element("p", "answer-title", TEXT[answer.result]));
    var reason = answer.reason in TEXT.reasons ? TEXT.reasons[answer.reason] : answer.reason;
    if (answer.last_delivery_at) { reason += " · " + TEXT.last + " " + clock(answer.last_delivery_at); }
    if (reason) { answerBox.appendChild(element("p", "answer-reason", reason)); }
    if (answer.hint) { answerBox.appendChild(element("p", "answer-hint", answer.hint)); }
    if (answer.person) {
      if (answer.person.photo_url) {
        // Only accounts that see identity get a photo address; loading it is audited.
        var photo = element("img", "answer-photo");
        photo.src = answer.person.photo_url;
        photo.alt = TEXT.photoOf + " " + answer.person.first_name;
        photo.width = 120;
        answerBox.insertBefore(photo, answerBox.firstChild); // top right, beside the headline
      }
      var who = answer.person.first_name + " · " + TEXT.household + " " + answer.person.household_size;
      if (answer.person.members) { who += ": " + answer.person.members.join(", "); }
      answerBox.appendChild(element("p", "answer-person", who));
    }
    (answer.instructions || []).forEach(function (text) {
      answerBox.appendChild(element("p", "answer-instruction", text));
    });
    if (answer.delivery_id) { offerVoid(answer.delivery_id); }
    window.clearTimeout(resetTimer);
    resetTimer = window.setTimeout(function () {
      answerBox.className = "answer";
      answerBox.textContent = "";
    }, answer.result === "red" ? 6000 : 3500);
  }

  function offerVoid(deliveryId) {
    var seconds = parseInt(station.getAttribute("data-void-seconds"), 10) || 120;
    var box = element("div", "void-form");
    var label = element("label", null, TEXT.voidLabel);
    var reason = element("input");
    reason.id = "void-reason";
    reason.maxLength = 200;
    label.htmlFor = reason.id;
    var button = element("button", "secondary", TEXT.voidButton);
    button.type = "button";
    button.addEventListener("click", function () {
      if (!reason.value.trim()) { reason.focus(); return; }
      var url = station.getAttribute("data-void-url").replace(/\/0\/void$/, "/" + deliveryId + "/void");
      post(url, { reason: reason.value.trim() }).then(function () {
        box.textContent = TEXT.voided;
        input.focus();
      });
    });
    reason.addEventListener("focus", function () { window.clearTimeout(resetTimer); });
    box.appendChild(label);
    box.appendChild(reason);
    box.appendChild(button);
    answerBox.appendChild(box);
    window.setTimeout(function () { if (box.parentNode) { box.remove(); } }, seconds * 1000);
  }

  function post(url, body, key) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": window.arrivalCsrfToken() };
    if (key) { headers["Idempotency-Key"] = key; }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers,
                        body: JSON.stringify(body) });
  }

  // One key per scan, sent online and kept with the scan when it is queued offline:
  // a scan the server recorded but whose answer was lost is not recorded twice.
  function scanKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // -- offline (issue 14): the station's small card list and its own deliveries --------

  var outbox = window.arrivalOutbox;
  var site = station.getAttribute("data-site");
  var service = station.getAttribute("data-service");
  var point = station.getAttribute("data-point");
  var stationId = ["station", service, site || "-", point].join("|");
  var cards = null;  // { byToken: {hash: entry}, byNumber: {hash: entry}, scope }
  var recent = [];   // this station's deliveries of today: [{holder, at}]
  var refreshTimer = null;

  function index(list) {
    var byToken = {}, byNumber = {};
    (list.entries || []).forEach(function (entry) { byToken[entry.h] = entry; byNumber[entry.n] = entry; });
    return { byToken: byToken, byNumber: byNumber, household: !!list.household_scope,
             limited: !!list.limited,
             at: list.generated_at };
  }

  function refreshList() {
    window.clearTimeout(refreshTimer);
    var url = station.getAttribute("data-list-url") + "?service_type=" + encodeURIComponent(service) +
      (site ? "&site_id=" + encodeURIComponent(site) : "");
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (list) {
      if (!list) { return; }
      cards = index(list);
      station.setAttribute("data-list-size", String((list.entries || []).length));
      if (outbox) { return outbox.keep(stationId + "|list", list); }
    }).catch(function () {}).then(function () {
      refreshTimer = window.setTimeout(refreshList, 180000);
    });
  }

  function today(ms) { return new Date(ms).toDateString(); }

  function sha256(text) {
    return window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (digest) {
      return Array.prototype.map.call(new Uint8Array(digest), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
    });
  }

  function lookup(code) {
    var upper = code.trim().toUpperCase();
    if (/^ARV1-[A-Z2-7]{32}$/.test(upper)) {
      return sha256(upper).then(function (hash) { return cards && cards.byToken[hash]; });
    }
    var plain = upper.replace(/[^A-Z0-9]/g, "");
    if (plain.length !== 10 || plain.charAt(0) !== "K") { return Promise.resolve(null); }
    var number = plain.charAt(0) + "-" + plain.slice(1, 5) + "-" + plain.slice(5, 9) + "-" + plain.charAt(9);
    return sha256(number).then(function (hash) { return cards && cards.byNumber[hash]; });
  }

  // Decided against the list and this station's own deliveries; handed out amber
  // and queued (the server checks the rules when it receives it).
  function decideOffline(code, key) {
    if (!outbox || !cards) { return Promise.resolve({ result: "red", reason: "offline" }); }
    return lookup(code).then(function (entry) {
      if (!entry) { return { result: "red", reason: "unknown_card" }; }
      if (entry.s !== "active") { return { result: "red", reason: "card_" + entry.s }; }
      var holder = cards.household ? entry.g : entry.h;
      var person = { first_name: entry.f, household_size: entry.k };
      var now = Date.now();
      var earlier = recent.filter(function (r) { return r.holder === holder && today(r.at) === today(now); });
      if (earlier.length && cards.limited) {
        return { result: "red", reason: "limit_reached", person: person,
                 last_delivery_at: new Date(earlier[earlier.length - 1].at).toISOString() };
      }
      recent.push({ holder: holder, at: now });
      recent = recent.filter(function (r) { return now - r.at < 24 * 3600 * 1000; });
      return outbox.keep(stationId + "|recent", recent).then(function () {
        return outbox.enqueue("scan", {
          kind: "scan", url: station.getAttribute("data-offline-url"), label: entry.f, key: key,
          body: { code: code, service_type: service, point: point,
                  site_id: site ? parseInt(site, 10) : null, scanned_at: new Date(now).toISOString() }
        });
      }).then(function () {
        return { result: "amber", reason: "offline_pending", person: person, offline: true };
      });
    });
  }

  if (outbox) {
    Promise.all([outbox.recall(stationId + "|list"), outbox.recall(stationId + "|recent")]).then(function (found) {
      if (found[0] && !cards) { cards = index(found[0]); }
      recent = found[1] || recent;
    }).then(refreshList);
  }

  function submit(code) {
    if (busy || !code) { return; }
    busy = true;
    var key = scanKey();
    post(station.getAttribute("data-scan-url"), {
      code: code, service_type: service,
      point: point, site_id: site ? parseInt(site, 10) : null
    }, key).then(function (response) {
      if (response.status === 429) { return { result: "red", reason: "too_many_requests" }; }
      if (response.status === 401) { window.location.reload(); return null; }
      if (response.status >= 502 && response.status <= 504) { return decideOffline(code, key); }
      return response.json();
    }, function () { return decideOffline(code, key); })
      .then(function (answer) { if (answer) { show(answer); } })
      .catch(function () { show({ result: "red", reason: "offline" }); })
      .then(function () { busy = false; input.value = ""; input.focus(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit(input.value.trim());
  });

  // The camera, where the device has one (js/camera-scan.js): each code read is a scan.
  if (window.arrivalCameraScan) {
    window.arrivalCameraScan({
      toggle: station.querySelector(".camera-toggle"), video: station.querySelector("video.camera"),
      onCode: submit
    });
  }

  // A handheld scanner types into whatever has focus: keep it on the code field.
  document.addEventListener("click", function (event) {
    if (!event.target.closest("input, select, textarea, button, a")) { input.focus(); }
  });
})();
