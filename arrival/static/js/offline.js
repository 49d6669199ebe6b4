// The queue list (/offline): this account's entries from the on-device store, each
// with the server's answer once there is one. Built from the store in the page,
// so it opens offline as well (the service worker keeps the page).
(function () {
  "use strict";

  var page = document.querySelector(".outbox-page");
  var outbox = window.arrivalOutbox;
  if (!page || !outbox) { return; }
  var TEXT = JSON.parse(document.querySelector('meta[name="outbox"]').getAttribute("data-texts"));
  var body = page.querySelector(".outbox-list tbody");
  var summary = page.querySelector(".outbox-summary");
  var householdUrl = page.getAttribute("data-household-url");
  var formUrl = page.getAttribute("data-form-url");

  function cell(row, text, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    if (text) { td.textContent = text; }
    row.appendChild(td);
    return td;
  }
  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.className = "button secondary";
    a.textContent = text;
    return a;
  }
  function time(ms) {
    var d = new Date(ms);
    return ("0" + d.getDate()).slice(-2) + "." + ("0" + (d.getMonth() + 1)).slice(-2) + ". " +
      ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function stateText(record) {
    var answer = record.answer || {};
    if (record.state === "done" && answer.result === "created") { return TEXT.created.replace("%s", answer.ref); }
    if (record.state === "pending") {
      var text = TEXT.pending + (record.kind === "household" ? " · " + TEXT.cardLater : "");
      return record.attempts ? text + " · " + TEXT.attempts.replace("%d", record.attempts) : text;
    }
    if (record.kind === "boarding" && record.state === "violation") { return TEXT.notBoarded; }
    var base = TEXT[record.state] || record.state;
    if (record.state === "duplicate" && answer.candidates && answer.candidates.length) {
      base += ": " + answer.candidates.join(", ");
    }
    if (record.state === "invalid" && answer.errors && answer.errors.length) {
      base += ": " + answer.errors.join(" · ");
    }
    return base;
  }

  function render(records) {
    var shown = records.slice().reverse();
    Promise.all(shown.map(function (r) { return outbox.open(r); })).then(function (datas) {
      body.textContent = "";
      var waiting = 0;
      shown.forEach(function (record, i) {
        var data = datas[i];
        if (record.state === "pending") { waiting++; }
        var row = document.createElement("tr");
        row.className = "outbox-entry outbox-" + record.state;
        row.setAttribute("data-kind", record.kind);
        row.setAttribute("data-id", record.id);
        cell(row, time(record.createdAt));
        cell(row, (TEXT[record.kind] || record.kind) + (data && data.label ? ": " + data.label : "") +
             (data ? "" : " · " + TEXT.unreadable));
        cell(row, stateText(record), "outbox-state-text");
        var actions = cell(row, "");
        var answer = record.answer || {};
        if (record.state === "done" && answer.ref) {
          actions.appendChild(link(householdUrl.replace("REF", encodeURIComponent(answer.ref)), TEXT.printCards));
        } else if (["duplicate", "invalid", "conflict"].indexOf(record.state) >= 0 && record.kind === "household") {
          actions.appendChild(link(formUrl + "?outbox=" + encodeURIComponent(record.id), TEXT.open));
        }
        body.appendChild(row);
      });
      summary.textContent = shown.length ? TEXT.pending + ": " + waiting : TEXT.empty;
    });
  }

  page.querySelector("#outbox-send").addEventListener("click", function () { outbox.replay(); });
  outbox.onChange(render);
})();
