// Intake form enhancements: live duplicate hints while typing, and reading the
// MRZ as soon as a document reader has typed its last line. The form works
// without this file; the server checks everything again on submit.
(function () {
  "use strict";

  var form = document.querySelector("form[data-duplicate-check]");
  if (!form || !window.fetch) { return; }
  var endpoint = form.getAttribute("data-duplicate-check");
  var FIELDS = ["family_name", "given_names", "family_name_cyrillic", "given_names_cyrillic",
                "date_of_birth", "birth_year", "sex"];

  function valueOf(fieldset, name) {
    var input = fieldset.querySelector('[name$="-' + name + '"]');
    return input ? input.value.trim() : "";
  }

  function probeOf(fieldset) {
    var probe = {};
    FIELDS.forEach(function (name) {
      var value = valueOf(fieldset, name);
      if (value) { probe[name] = name === "birth_year" ? parseInt(value, 10) : value; }
    });
    var number = fieldset.querySelector('[name$="-document-number"]');
    if (number && number.value.trim()) { probe.document = { number: number.value.trim() }; }
    return probe;
  }

  function day(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return parts ? parts[3] + "." + parts[2] + "." + parts[1] : iso;
  }

  function render(box, candidates) {
    box.textContent = "";
    if (!candidates.length) { return; }
    var wrapper = document.createElement("div");
    wrapper.className = "candidates";
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = box.getAttribute("data-title") || "Möglicherweise schon registriert:";
    title.appendChild(strong);
    wrapper.appendChild(title);
    var list = document.createElement("ul");
    candidates.slice(0, 5).forEach(function (candidate) {
      var item = document.createElement("li");
      var person = candidate.person || {};
      var link = document.createElement("a");
      link.href = "/households/" + encodeURIComponent(candidate.household_ref);
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = candidate.household_ref;
      item.appendChild(document.createTextNode(
        (person.family_name || "") + ", " + (person.given_names || "") + " · " +
        (day(person.date_of_birth) || ("~" + (person.birth_year || "?"))) + " · "));
      item.appendChild(link);
      item.appendChild(document.createTextNode(" · " + Math.round(candidate.score * 100) + " %"));
      if (candidate.likely) { item.className = "likely"; }
      list.appendChild(item);
    });
    wrapper.appendChild(list);
    box.appendChild(wrapper);
  }

  var timers = new WeakMap();
  function check(fieldset) {
    var box = fieldset.querySelector(".live-hints");
    var probe = probeOf(fieldset);
    if (!box || !(probe.family_name || probe.family_name_cyrillic || probe.document)) { return; }
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.arrivalCsrfToken() },
      body: JSON.stringify(probe)
    }).then(function (response) {
      return response.ok ? response.json() : { candidates: [] };
    }).then(function (body) { render(box, body.candidates || []); })
      .catch(function () { /* offline: the submit checks again */ });
  }

  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset.person");
    if (!fieldset) { return; }
    if (event.target.matches("textarea.mrz")) {
      var lines = event.target.value.trim().split(/\s*\n\s*/);
      var complete = (lines.length === 2 && lines[1].length >= 36) ||
                     (lines.length === 3 && lines[2].length >= 30);
      var button = fieldset.querySelector('button[value^="read_mrz"]');
      if (complete && button) { form.requestSubmit(button); }
      return;
    }
    window.clearTimeout(timers.get(fieldset));
    timers.set(fieldset, window.setTimeout(function () { check(fieldset); }, 400));
  });
})();
