// Roll call at the assembly point: tick by card scan or by tap; the list of those
// not yet accounted for is shared by every tablet (polled every 3 seconds).
(function () {
  "use strict";

  var root = document.querySelector(".roll-call");
  if (!root || !window.fetch) { return; }
  var list = root.querySelector(".missing-list");
  var answer = root.querySelector(".tick-answer");
  var form = root.querySelector(".tick-form");
  var input = form ? form.querySelector("#code") : null;
  var text = function (name) { return root.getAttribute("data-text-" + name); };

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }

  function render(call) {
    ["expected", "accounted", "not_expected"].forEach(function (key) {
      var cell = root.querySelector('[data-count="' + key + '"]');
      if (cell) { cell.textContent = call[key]; }
    });
    root.querySelector('[data-count="missing"]').textContent = call.missing.length;
    list.textContent = "";
    call.missing.forEach(function (row) {
      var li = element("li");
      li.setAttribute("data-person", row.person_id || "");
      li.setAttribute("data-visit", row.visit_id || "");
      li.appendChild(element("span", "who", row.name || "•"));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(element("span", "muted", row.unit || ""));
      var button = element("button", "secondary tick-button", text("tick"));
      button.type = "button";
      li.appendChild(button);
      list.appendChild(li);
    });
    if (call.state !== "open") { window.location.reload(); }
  }

  // A tick answers with the counts and whom it ticked (not the whole list): the row
  // goes at once, the next poll brings what other tablets ticked.
  function applyTick(data) {
    var call = data.roll_call;
    ["expected", "accounted", "not_expected"].forEach(function (key) {
      var cell = root.querySelector('[data-count="' + key + '"]');
      if (cell) { cell.textContent = call[key]; }
    });
    root.querySelector('[data-count="missing"]').textContent = call.missing_count;
    var selector = data.person_id ? 'li[data-person="' + data.person_id + '"]'
                                  : 'li[data-visit="' + data.visit_id + '"]';
    var row = (data.person_id || data.visit_id) ? list.querySelector(selector) : null;
    if (row) { row.parentNode.removeChild(row); }
    if (call.state !== "open") { window.location.reload(); }
  }

  function post(body) {
    return fetch(root.getAttribute("data-tick-url"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.arrivalCsrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) {
        var fields = result.data.fields || {};
        var first = Object.keys(fields)[0];
        answer.textContent = first ? fields[first][0] : (result.data.message || "");
        return;
      }
      answer.textContent = text(result.data.status === "already" ? "already"
        : result.data.status === "not_expected" ? "unexpected" : "ticked");
      applyTick(result.data);
    }).catch(function () { answer.textContent = text("offline"); });
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest(".tick-button");
    if (!button) { return; }
    var row = button.closest("li");
    var body = row.getAttribute("data-person") ? { person_id: parseInt(row.getAttribute("data-person"), 10) }
                                               : { visit_id: parseInt(row.getAttribute("data-visit"), 10) };
    button.disabled = true;
    post(body);
  });

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var code = input.value.trim();
      input.value = "";
      if (code) { post({ code: code }); }
      input.focus();
    });
  }

  window.setInterval(function () {
    fetch(root.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (call) { if (call) { render(call); } })
      .catch(function () { /* keep the list shown */ });
  }, 3000);
})();
