// Gate station: IN / OUT / SEEN by card (handheld scanner, camera or typed number).
// The answer names the direction; the page is ready for the next card by itself.
(function () {
  "use strict";

  var station = document.querySelector(".gate-station");
  if (!station || !window.fetch) { return; }
  var form = station.querySelector(".scan-form");
  var input = form.querySelector("#code");
  var answerBox = station.querySelector(".answer");
  var TEXT = JSON.parse(document.getElementById("gate-texts").textContent);
  var resetTimer = null;
  var busy = false;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function direction() {
    var checked = form.querySelector('input[name="direction"]:checked');
    return checked ? checked.value : "in";
  }

  function show(answer) {
    answerBox.className = "answer answer-" + answer.result;
    answerBox.textContent = "";
    var title = answer.label || TEXT.answers[answer.direction + ":" + answer.result] || answer.result;
    answerBox.appendChild(element("p", "answer-title", title));
    var reason = answer.reason_label !== undefined ? answer.reason_label : (TEXT.reasons[answer.reason] || answer.reason);
    if (answer.lives_at) { reason += " · " + TEXT.livesAt + " " + answer.lives_at; }
    if (reason) { answerBox.appendChild(element("p", "answer-reason", reason)); }
    if (answer.person) {
      if (answer.person.photo_url) {
        // Only roles that see identity get a photo address; loading it is audited.
        var photo = element("img", "answer-photo");
        photo.src = answer.person.photo_url;
        photo.alt = TEXT.photoOf + " " + (answer.person.name || "");
        photo.width = 120;
        answerBox.insertBefore(photo, answerBox.firstChild); // top right, beside the headline
      }
      var who = answer.person.name
        ? answer.person.name + " (" + answer.person.birth_year + ")" + (answer.person.unit ? " · " + TEXT.unit + " " + answer.person.unit : "")
        : answer.person.first_name + " · " + TEXT.household + " " + answer.person.household_size;
      answerBox.appendChild(element("p", "answer-person", who));
    }
    (answer.advice || []).forEach(function (text) {
      answerBox.appendChild(element("p", "answer-instruction", text));
    });
    window.clearTimeout(resetTimer);
    resetTimer = window.setTimeout(function () {
      answerBox.className = "answer";
      answerBox.textContent = "";
    }, answer.result === "green" ? 3500 : 7000);
  }

  function submit(code) {
    if (busy || !code) { return; }
    busy = true;
    var chosen = direction();
    fetch(station.getAttribute("data-scan-url"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.arrivalCsrfToken() },
      body: JSON.stringify({ code: code, direction: chosen,
                             site_id: parseInt(station.getAttribute("data-site"), 10),
                             station: station.getAttribute("data-station") })
    }).then(function (response) {
      if (response.status === 429) { return { result: "red", reason: "too_many_requests", direction: chosen }; }
      if (response.status === 401) { window.location.reload(); return null; }
      if (response.status >= 502 && response.status <= 504) { return queueOffline(code, chosen); }
      return response.json();
    }, function () { return queueOffline(code, chosen); })
      .then(function (answer) { if (answer) { show(answer); } })
      .catch(function () { show({ result: "red", reason: "offline", direction: chosen }); })
      .then(function () { busy = false; input.value = ""; input.focus(); });
  }

  // Offline (issue 14): the scan is kept in the tablet's queue with the time it was
  // made and its own idempotency key, and decided by the server when it arrives.
  function queueOffline(code, chosen) {
    var outbox = window.arrivalOutbox;
    if (!outbox) { return { result: "red", reason: "offline", direction: chosen }; }
    return outbox.enqueue("gate", {
      kind: "gate", url: station.getAttribute("data-offline-url"),
      label: TEXT.answers[chosen + ":green"] || chosen,
      body: { code: code, direction: chosen, site_id: parseInt(station.getAttribute("data-site"), 10),
              station: station.getAttribute("data-station"), scanned_at: new Date().toISOString() }
    }).then(function () {
      return { result: "amber", reason: "offline_pending", direction: chosen,
               label: TEXT.answers[chosen + ":green"], reason_label: TEXT.reasons.offline_pending };
    }, function () { return { result: "red", reason: "offline", direction: chosen }; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit(input.value.trim());
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "direction") { input.focus(); }
  });

  // The camera, where the device has one (js/camera-scan.js): each code read is a scan.
  if (window.arrivalCameraScan) {
    window.arrivalCameraScan({
      toggle: station.querySelector(".camera-toggle"), video: station.querySelector("video.camera"),
      onCode: submit
    });
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest("input, select, textarea, button, a, label")) { input.focus(); }
  });
})();
