// Pre-registration on a phone: what is typed is kept in this tab (sessionStorage)
// while typing, so a reload or a browser that dropped the page loses nothing. Not
// needed for the form to work; the receipt page deletes it. Several persons are
// restored by sending the kept fields to the server once (action "refresh":
// nothing is stored, the page comes back with every person's block filled).
(function () {
  "use strict";
  var KEY = "arrival-pre";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) { return; }
  if (document.querySelector("[data-keep-done]")) { store.removeItem(KEY); return; }
  var form = document.querySelector("form[data-keep]");
  if (!form) { return; }

  function pairs() {
    var kept = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "website" || el.type === "submit" || el.type === "button") { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      kept.push([el.name, el.value]);
    });
    return kept;
  }
  function save() {
    try { store.setItem(KEY, JSON.stringify(pairs())); } catch (e) { /* full: not kept */ }
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", save);

  if (form.getAttribute("data-fresh") !== "true") { save(); return; }
  var kept;
  try { kept = JSON.parse(store.getItem(KEY) || "null"); } catch (e) { kept = null; }
  if (!kept || !kept.some(function (p) { return p[0] !== "count" && p[1]; })) { return; }
  var count = kept.filter(function (p) { return p[0] === "count"; })[0];
  if (count && count[1] !== "1") {  // more persons than this page has: the server adds the blocks
    var restore = document.createElement("form");
    restore.method = "post";
    restore.action = form.getAttribute("action");  // form.action is the button named "action"
    restore.hidden = true;
    kept.concat([["action", "refresh"]]).forEach(function (p) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = p[0]; input.value = p[1];
      restore.appendChild(input);
    });
    document.body.appendChild(restore);
    restore.submit();
    return;
  }
  kept.forEach(function (p) {
    var fields = form.querySelectorAll('[name="' + p[0] + '"]');
    Array.prototype.forEach.call(fields, function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.value === p[1]) { el.checked = true; }
      } else if (el.type !== "hidden") {
        el.value = p[1];
      }
    });
  });
})();
