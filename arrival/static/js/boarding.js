// Boarding at the bus: the scan-station pattern of station.js (a handheld scanner
// types the code and Enter into #code, the camera through jsQR, the answer in the
// .answer live region, then ready for the next card). Every scan is one POST to
// the batch's boarding API with its own Idempotency-Key, so the scan station's
// offline queue can take `send(request)` over and replay a request unchanged.
(function () {
  "use strict";

  var station = document.querySelector(".station.boarding");
  if (!station || !window.fetch) { return; }
  var form = station.querySelector(".scan-form");
  if (!form) { return; }
  var input = form.querySelector("#code");
  var answerBox = station.querySelector(".answer");
  var resetTimer = null;
  var busy = false;
  var TEXT = JSON.parse(document.getElementById("station-texts").textContent);

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "b-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  // One request as the offline queue keeps it: url, body, idempotency key.
  function boardingRequest(code) {
    return { url: station.getAttribute("data-scan-url"), body: { code: code }, key: newKey() };
  }

  // The one place that talks to the server (the offline queue replaces it).
  function send(request) {
    return fetch(request.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.arrivalCsrfToken(),
                 "Idempotency-Key": request.key },
      body: JSON.stringify(request.body)
    });
  }
  window.arrivalBoarding = { request: boardingRequest, send: send, show: show };

  function show(answer) {
    answerBox.className = "answer answer-" + answer.result;
    answerBox.textContent = "";
    answerBox.appendChild(element("p", "answer-title", TEXT[answer.result]));
    var reason = answer.reason === "queued" ? TEXT.queued
      : answer.reason in TEXT.reasons ? TEXT.reasons[answer.reason] : answer.reason;
    if (reason) { answerBox.appendChild(element("p", "answer-reason", reason)); }
    if (answer.person) {
      var who = answer.person.name || answer.person.first_name;
      if (answer.person.household_ref) { who += " · " + answer.person.household_ref; }
      answerBox.appendChild(element("p", "answer-person", who));
      var row = station.querySelector('tr[data-person="' + answer.person.public_id + '"] .boarded-mark');
      if (row && answer.result !== "red") { row.textContent = "✓"; }
    }
    if (answer.counts) {
      station.querySelector("#count-boarded").textContent = answer.counts.boarded;
      station.querySelector("#count-missing").textContent = answer.counts.missing;
    }
    window.clearTimeout(resetTimer);
    resetTimer = window.setTimeout(function () {
      answerBox.className = "answer";
      answerBox.textContent = "";
    }, answer.result === "red" ? 6000 : 3500);
  }

  // Offline (issue 14): the request goes into the tablet's queue (js/outbox.js) with
  // its idempotency key and is replayed unchanged when the network returns; the
  // server boards then, and the queue list shows its answer.
  function keep(request, code) {
    var outbox = window.arrivalOutbox;
    if (!outbox) { return Promise.resolve({ result: "red", reason: "offline" }); }
    return outbox.enqueue("boarding", { kind: "boarding", url: request.url, body: request.body,
                                        key: request.key, label: code })
      .then(function () { return { result: "amber", reason: "queued" }; });
  }

  function submit(code) {
    if (busy || !code) { return; }
    busy = true;
    var request = boardingRequest(code);
    var offline = window.arrivalOutbox && window.arrivalOutbox.isNetworkFailure;
    (navigator.onLine === false ? Promise.reject(new Error("offline")) : send(request))
      .then(function (response) {
        if (offline && offline(response.status)) { return keep(request, code); }
        if (response.status === 429) { return { result: "red", reason: "too_many_requests" }; }
        if (response.status === 401) { window.location.reload(); return null; }
        return response.json();
      }, function () { return keep(request, code); })
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

  document.addEventListener("click", function (event) {
    if (!event.target.closest("input, select, textarea, button, a")) { input.focus(); }
  });
})();
