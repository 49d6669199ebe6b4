// The counter: the registration form without page loads.
//
// - Every button of a form marked data-in-place (add a person, add a child,
//   remove, read the MRZ, register) is sent with fetch; the server answers with
//   the same page it would show without JavaScript, and its form replaces this
//   one in place. Focus goes where the clerk continues; an error summary takes
//   the focus. Registered: the draft is deleted and the household page opens.
// - The Ukrainian passport spelling (KMU 2010) is suggested while Cyrillic is
//   typed and taken over without a round trip.
// - Duplicate hints appear right under the names being typed, with the decision
//   (open the existing household, add the person there, or a reason).
// - The MRZ is read once, when a complete layout is there (TD1 3×30, TD2 2×36,
//   TD3 2×44), whether a reader types it at once, line by line, or a person by hand.
// - Every change is kept as an encrypted draft on the tablet (drafts.js).
// - The document type follows the age until the clerk chooses one.
//
// The form works without this file; the server checks everything again.
(function () {
  "use strict";

  var form = document.querySelector("form[data-duplicate-check]");
  if (!form || !window.fetch) { return; }
  var inPlace = form.hasAttribute("data-in-place");
  var drafts = window.arrivalDrafts;
  var draftName = form.getAttribute("data-draft");
  var NAME_FIELDS = ["family_name", "given_names", "family_name_cyrillic", "given_names_cyrillic"];
  var PROBE_FIELDS = NAME_FIELDS.concat(["date_of_birth", "birth_year", "sex"]);

  // -- small helpers ----------------------------------------------------------

  function blocks() { return Array.prototype.slice.call(form.querySelectorAll(".person")); }
  function fieldOf(block, name) { return block.querySelector('[name$="-' + name + '"]'); }
  function valueOf(block, name) {
    var input = fieldOf(block, name);
    return input ? input.value.trim() : "";
  }
  function contact() { document.dispatchEvent(new CustomEvent("arrival:server-contact")); }
  function visible(element) { return !!(element && element.getClientRects().length); }
  function day(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return parts ? parts[3] + "." + parts[2] + "." + parts[1] : "";
  }
  function focusOn(element) {
    if (!element) { return; }
    var details = element.closest("details");
    while (details) {
      details.open = true;
      details = details.parentElement ? details.parentElement.closest("details") : null;
    }
    element.focus({ preventScroll: true });
    element.scrollIntoView({ block: "center" });
  }

  // Where the clerk continues in a person's block: the first of these still empty.
  var NEXT = ["family_name", "given_names", "sex", "date_of_birth", "relation"];
  function nextToFill(block) {
    for (var i = 0; i < NEXT.length; i++) {
      var input = fieldOf(block, NEXT[i]);
      if (input && !input.value.trim()) {
        if (NEXT[i] === "date_of_birth" && valueOf(block, "birth_year")) { continue; }
        return input;
      }
    }
    return form.querySelector('button[value="add_member"]');
  }

  // -- the compact row of each person ---------------------------------------------

  function optionText(select) {
    return select && select.value && select.selectedIndex >= 0 ?
      select.options[select.selectedIndex].text : "";
  }

  function updateRow(block) {
    var row = block.querySelector(".person-row");
    if (!row) { return; }
    var family = valueOf(block, "family_name") || valueOf(block, "family_name_cyrillic");
    var given = valueOf(block, "given_names") || valueOf(block, "given_names_cyrillic");
    var name = row.querySelector(".person-name");
    name.textContent = family || given ? family + ", " + given : name.getAttribute("data-empty");
    var year = valueOf(block, "birth_year");
    row.querySelector(".person-born").textContent =
      day(valueOf(block, "date_of_birth")) || (year ? "~" + year : "");
    row.querySelector(".person-sex").textContent = optionText(fieldOf(block, "sex"));
    row.querySelector(".person-relation").textContent = optionText(fieldOf(block, "relation"));
  }

  // -- the document type follows the age ----------------------------------------

  function ageOf(block) {
    var born = valueOf(block, "date_of_birth");
    var year = parseInt(valueOf(block, "birth_year"), 10);
    var today = new Date();
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(born);
    if (parts) {
      var age = today.getFullYear() - parseInt(parts[1], 10);
      var month = today.getMonth() + 1, date = today.getDate();
      var bm = parseInt(parts[2], 10), bd = parseInt(parts[3], 10);
      if (month < bm || (month === bm && date < bd)) { age -= 1; }
      return age;
    }
    return year > 1900 ? today.getFullYear() - year : null;
  }

  function documentFollowsAge(block) {
    var type = fieldOf(block, "document-type");
    var number = fieldOf(block, "document-number");
    if (!type || type.dataset.chosen || (number && number.value.trim())) { return; }
    var age = ageOf(block);
    if (age === null) { return; }
    type.value = age < 18 ? "none" : "biometric_passport";
  }

  // -- the Ukrainian passport spelling -------------------------------------------

  var transliterate = form.getAttribute("data-transliterate");
  var suggestTimers = new WeakMap();

  function suggest(block) {
    var box = block.querySelector(".suggestion");
    if (!box || !transliterate) { return; }
    var wanted = [["family_name", "family_name_cyrillic"], ["given_names", "given_names_cyrillic"]]
      .filter(function (pair) { return !valueOf(block, pair[0]) && valueOf(block, pair[1]); });
    if (!wanted.length) { box.hidden = true; return; }
    Promise.all(wanted.map(function (pair) {
      return fetch(transliterate + "?text=" + encodeURIComponent(valueOf(block, pair[1])),
                   { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { latin: "" }; })
        .then(function (body) { return [pair[0], body.latin || ""]; });
    })).then(function (found) {
      contact();
      var target = box.querySelector(".suggested");
      target.textContent = "";
      found.filter(function (item) { return item[1]; }).forEach(function (item, i) {
        if (i) { target.appendChild(document.createTextNode(", ")); }
        var strong = document.createElement("strong");
        strong.setAttribute("data-field", item[0]);
        strong.textContent = item[1];
        target.appendChild(strong);
      });
      box.hidden = !target.children.length;
    }).catch(function () { /* offline: the server suggests on the next round trip */ });
  }

  function acceptSpelling(block) {
    var box = block.querySelector(".suggestion");
    box.querySelectorAll("strong[data-field]").forEach(function (strong) {
      var input = fieldOf(block, strong.getAttribute("data-field"));
      if (input && !input.value.trim()) { input.value = strong.textContent; }
    });
    box.hidden = true;
    updateRow(block);
    check(block);
    saveDraft();
    focusOn(nextToFill(block));
  }

  // -- duplicate hints -------------------------------------------------------------

  var duplicatesUrl = form.getAttribute("data-duplicate-check");
  var householdUrl = form.getAttribute("data-household-url");
  var addMemberUrl = form.getAttribute("data-add-member-url");

  function probeOf(block) {
    var probe = {};
    PROBE_FIELDS.forEach(function (name) {
      var value = valueOf(block, name);
      if (value) { probe[name] = name === "birth_year" ? parseInt(value, 10) : value; }
    });
    var number = valueOf(block, "document-number");
    if (number) { probe.document = { number: number }; }
    return probe;
  }

  function link(href, text, className) {
    var a = document.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener";
    a.textContent = text;
    if (className) { a.className = className; }
    return a;
  }

  function renderHints(block, candidates) {
    var box = block.querySelector(".live-hints");
    box.textContent = "";
    var decision = form.querySelector("#duplicate-decision");
    var likely = candidates.filter(function (c) { return c.likely; });
    markRow(block, likely.length > 0);
    if (!candidates.length) {
      if (decision && block.contains(decision) && !likely.length) { hideDecision(decision); }
      return;
    }
    var wrapper = document.createElement("div");
    wrapper.className = "candidates";
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = box.getAttribute("data-title");
    title.appendChild(strong);
    wrapper.appendChild(title);
    var list = document.createElement("ul");
    candidates.slice(0, 5).forEach(function (candidate) {
      var item = document.createElement("li");
      var person = candidate.person || {};
      item.appendChild(document.createTextNode(
        (person.family_name || "") + ", " + (person.given_names || "") + " · " +
        (day(person.date_of_birth) || ("~" + (person.birth_year || "?"))) + " · "));
      item.appendChild(link(householdUrl.replace("REF", encodeURIComponent(candidate.household_ref)),
                            candidate.household_ref));
      item.appendChild(document.createTextNode(" · " + Math.round(candidate.score * 100) + " %"));
      if (candidate.likely) { item.className = "likely"; }
      list.appendChild(item);
    });
    wrapper.appendChild(list);
    box.appendChild(wrapper);
    if (likely.length && decision) { showDecision(block, decision, likely); }
  }

  // The person's row says so too when the block is closed.
  function markRow(block, likely) {
    var row = block.querySelector(".person-row");
    if (!row) { return; }
    var badge = row.querySelector(".badge-duplicate");
    if (likely && !badge) {
      badge = document.createElement("span");
      badge.className = "badge badge-error badge-duplicate";
      badge.textContent = form.getAttribute("data-duplicate-label") || "?";
      row.appendChild(badge);
    } else if (!likely && badge) {
      badge.remove();
    }
  }

  // The decision about a likely duplicate moves into the block of that person.
  function showDecision(block, decision, likely) {
    var links = decision.querySelector(".decision-links");
    links.textContent = "";
    var refs = [];
    likely.forEach(function (c) { if (refs.indexOf(c.household_ref) < 0) { refs.push(c.household_ref); } });
    refs.forEach(function (ref) {
      var item = document.createElement("li");
      var open = decision.getAttribute("data-open") || "Open household %s";
      var add = decision.getAttribute("data-add") || "Add the person to %s";
      item.appendChild(link(householdUrl.replace("REF", encodeURIComponent(ref)),
                            open.replace("%s", ref), "button secondary"));
      item.appendChild(link(addMemberUrl.replace("REF", encodeURIComponent(ref)),
                            add.replace("%s", ref), "button secondary"));
      links.appendChild(item);
    });
    var hints = block.querySelector(".live-hints");
    if (hints.nextElementSibling !== decision) { hints.after(decision); }
    decision.hidden = false;
  }

  function hideDecision(decision) {
    var reason = decision.querySelector("input, textarea");
    if (reason && reason.value.trim()) { return; }  // a reason typed stays where it is
    decision.hidden = true;
  }

  // Checks waiting to be sent, and those on their way: a submit cancels the first
  // and the household page opens only after the second (on SQLite a check still
  // running would hold the write lock the household page needs for its audit entry).
  var checkTimers = new Map();
  var checksInFlight = new Set();
  function cancelChecks() {
    checkTimers.forEach(function (timer) { window.clearTimeout(timer); });
    checkTimers.clear();
  }
  function check(block) {
    var probe = probeOf(block);
    if (!(probe.family_name || probe.family_name_cyrillic || probe.document)) { return; }
    var request = fetch(duplicatesUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.arrivalCsrfToken() },
      body: JSON.stringify(probe)
    }).then(function (response) {
      return response.ok ? response.json() : { candidates: [] };
    }).then(function (body) {
      contact();
      if (block.isConnected) { renderHints(block, body.candidates || []); }
    }).catch(function () { /* offline: the submit checks again */ });
    checksInFlight.add(request);
    request.then(function () { checksInFlight.delete(request); });
  }

  // -- the machine-readable zone ----------------------------------------------------

  var WEIGHTS = [7, 3, 1];
  function checkDigit(text) {
    var sum = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i), value;
      if (c >= "0" && c <= "9") { value = c.charCodeAt(0) - 48; }
      else if (c >= "A" && c <= "Z") { value = c.charCodeAt(0) - 55; }
      else { value = 0; }
      sum += value * WEIGHTS[i % 3];
    }
    return String(sum % 10);
  }
  function digitOk(field, digit) { return checkDigit(field) === (digit === "<" ? "0" : digit); }

  // Every check digit of a layout right: the text is surely complete (used when the
  // lines came without breaks, where the length alone could mislead).
  var LAYOUTS = {
    TD3: { lines: 2, width: 44, valid: function (l) {
      var b = l[1];
      return digitOk(b.slice(0, 9), b[9]) && digitOk(b.slice(13, 19), b[19]) &&
        digitOk(b.slice(21, 27), b[27]) &&
        digitOk(b.slice(0, 10) + b.slice(13, 20) + b.slice(21, 43), b[43]);
    } },
    TD2: { lines: 2, width: 36, valid: function (l) {
      var b = l[1];
      return digitOk(b.slice(0, 9), b[9]) && digitOk(b.slice(13, 19), b[19]) &&
        digitOk(b.slice(21, 27), b[27]) &&
        digitOk(b.slice(0, 10) + b.slice(13, 20) + b.slice(21, 35), b[35]);
    } },
    TD1: { lines: 3, width: 30, valid: function (l) {
      var a = l[0], b = l[1];
      return digitOk(a.slice(5, 14), a[14]) && digitOk(b.slice(0, 6), b[6]) &&
        digitOk(b.slice(8, 14), b[14]) &&
        digitOk(a.slice(5, 30) + b.slice(0, 7) + b.slice(8, 15) + b.slice(18, 29), b[29]);
    } }
  };

  // The lines as the server reads them: a line break ends a line, spaces are dropped.
  function mrzLines(text) {
    return text.toUpperCase().split(/\r?\n/).map(function (line) {
      return line.replace(/\s+/g, "");
    }).filter(Boolean);
  }

  // The layout the text completes, or null while more is to come. ended: the last
  // line was closed with Enter. Like the server, the second line decides (it ends
  // with a check digit, so its length is reliable; a reader may cut the fillers
  // off a name line): a passport's second line is not complete at 36 characters.
  function completeLayout(text, ended) {
    var lines = mrzLines(text);
    if (lines.length === 1) {  // no line breaks at all (pasted, or a reader without Enter)
      var all = lines[0];
      for (var name in LAYOUTS) {
        var layout = LAYOUTS[name];
        if (all.length === layout.lines * layout.width) {
          var cut = [];
          for (var i = 0; i < layout.lines; i++) { cut.push(all.slice(i * layout.width, (i + 1) * layout.width)); }
          if (layout.valid(cut)) { return name; }
        }
      }
      return null;
    }
    var a = lines[0], b = lines[1];
    if (lines.length === 2) {
      if (b.length === 44 && a.length <= 44) { return "TD3"; }
      if (b.length === 36 && a.length <= 36 &&
          (a.length === 36 || ended || (a.charAt(0) !== "P" && LAYOUTS.TD2.valid(lines)))) {
        return "TD2";
      }
      return null;
    }
    if (lines.length === 3 && b.length === 30 && a.length <= 30 &&
        (lines[2].length === 30 || ended)) {
      return "TD1";
    }
    return null;
  }

  var mrzSent = new WeakMap();  // textarea → the text already sent
  function mrzTyped(block, textarea, ended) {
    var text = mrzLines(textarea.value).join("\n");
    if (!completeLayout(textarea.value, ended) || mrzSent.get(textarea) === text) { return; }
    mrzSent.set(textarea, text);
    var button = block.querySelector('button[value^="read_mrz"]');
    if (!button) { return; }
    if (inPlace) { send(button.value); } else { form.requestSubmit(button); }
  }

  // -- sending in place -------------------------------------------------------------

  var pending = null;
  var status = function () { return form.querySelector(".draft-status"); };

  function values() {
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.type === "submit" || element.type === "button") { return; }
      var key = element.name + (element.type === "checkbox" ? "=" + element.value : "");
      seen[key] = element.type === "checkbox" ? element.checked : element.value;
    });
    return seen;
  }

  function restoreTyped(before, now) {
    // What was typed while the server answered stays (same names only).
    Object.keys(now).forEach(function (key) {
      if (now[key] === before[key]) { return; }
      var parts = key.split("=");
      var selector = '[name="' + parts[0] + '"]' + (parts.length > 1 ? '[value="' + parts[1] + '"]' : "");
      var element = form.querySelector(selector);
      if (!element) { return; }
      if (element.type === "checkbox") { element.checked = now[key]; } else { element.value = now[key]; }
    });
  }

  function entriesOf(data) {
    var list = [];
    data.forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "action" && typeof value === "string") {
        list.push([name, value]);
      }
    });
    return list;
  }

  function send(action, entries) {
    if (pending) { return pending; }
    cancelChecks();
    var data;
    if (entries) {
      data = new FormData();
      entries.forEach(function (pair) { data.append(pair[0], pair[1]); });
      data.set("csrf_token", form.querySelector('[name="csrf_token"]').value);
    } else {
      data = new FormData(form);
    }
    data.set("action", action);
    var before = values();
    form.setAttribute("aria-busy", "true");
    pending = fetch(window.location.pathname, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Arrival-In-Place": "1" }
    }).then(function (response) {
      if (action === "save" && outbox && outbox.isNetworkFailure(response.status)) {
        throw new Error("server unreachable");  // the proxy answered: queued like offline
      }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        return response.json().then(function (body) { return registered(body.location); });
      }
      return response.text().then(function (html) {
        contact();
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .querySelector("form.household-form");
        if (!fresh) {  // the session has ended: the draft is kept, show the sign-in page
          // (a draft being restored is not overwritten by the empty form it was meant for)
          var keep = action === "refresh" ? Promise.resolve() : saveDraft();
          return keep.then(function () { window.location.reload(); });
        }
        // DOMParser reads without scripting: what is meant for pages without
        // JavaScript (noscript) would otherwise become part of this one.
        fresh.querySelectorAll("noscript").forEach(function (node) { node.remove(); });
        var now = values();
        form.replaceChildren.apply(form, Array.prototype.slice.call(fresh.childNodes).map(
          function (node) { return document.adoptNode(node); }));
        if (action.indexOf("remove") !== 0) { restoreTyped(before, now); }
        enhance();
        afterSwap(action);
        saveDraft();
      });
    }).catch(function () {
      if (action === "save" && queueable()) { return queue(data); }
      var box = status();
      if (box) {
        box.hidden = false;
        box.querySelector("p").textContent = form.getAttribute("data-offline") ||
          "Keine Verbindung – die Eingaben bleiben gespeichert. / No connection – your entries stay saved.";
      }
    }).then(function () {
      form.removeAttribute("aria-busy");
      pending = null;
    });
    return pending;
  }

  // -- the offline queue (js/outbox.js) --------------------------------------------

  var outbox = window.arrivalOutbox;
  var formPath = form.getAttribute("data-outbox-path") || "/households/new";
  var fromOutbox = new URLSearchParams(window.location.search).get("outbox");
  function queueable() { return !!outbox && window.location.pathname === formPath; }

  // A registration that could not be sent: kept on the tablet with its idempotency
  // key, then a fresh form for the next family (the card follows after the sync).
  function queue(data) {
    var entries = entriesOf(data);
    var first = blocks()[0];
    var label = (valueOf(first, "family_name") || valueOf(first, "family_name_cyrillic")) + ", " +
      (valueOf(first, "given_names") || valueOf(first, "given_names_cyrillic")) +
      (blocks().length > 1 ? " (+" + (blocks().length - 1) + ")" : "");
    var key = form.querySelector('[name="idempotency_key"]').value;
    // An entry opened from the queue is replaced by what the clerk decided (same key).
    var replaced = fromOutbox ? outbox.update(fromOutbox, { state: "done", doneAt: Date.now(),
                                                            answer: { result: "resent" } })
      : Promise.resolve();
    return replaced.then(function () {
      return outbox.enqueue("household", { kind: "household", url: formPath, entries: entries,
                                           key: key, label: label });
    }).then(function () {
      return drafts && draftName ? drafts.remove(draftName) : null;
    }).then(function () {
      window.sessionStorage.setItem("arrival-queued", label);
      window.location.assign(formPath);
    });
  }

  function showQueued() {
    var label = window.sessionStorage.getItem("arrival-queued");
    if (!label || !outbox) { return; }
    window.sessionStorage.removeItem("arrival-queued");
    var texts = JSON.parse(document.querySelector('meta[name="outbox"]').getAttribute("data-texts"));
    var notice = document.createElement("p");
    notice.className = "flash flash-info outbox-queued";
    notice.setAttribute("role", "status");
    notice.textContent = label + " · " + texts.queued;
    form.parentNode.insertBefore(notice, form);
  }

  // An entry the server answered with a likely duplicate, errors or a conflict:
  // the form opens with it, and the server's answer (candidates, errors) in place.
  function openFromOutbox() {
    if (!fromOutbox || !outbox) { return false; }
    outbox.all().then(function (records) {
      var record = records.filter(function (r) { return r.id === fromOutbox; })[0];
      return record ? outbox.open(record) : null;
    }).then(function (data) {
      if (!data) { return; }
      var entries = data.entries.filter(function (pair) { return pair[0] !== "idempotency_key"; });
      entries.push(["idempotency_key", data.key]);
      send("save", entries);
    });
    return true;
  }

  function registered(location) {
    if (fromOutbox && outbox) {  // the entry of the queue is answered for good
      var ref = decodeURIComponent(location.split("/").pop());
      var then = function () { fromOutbox = null; return registered(location); };
      return outbox.update(fromOutbox, { state: "done", doneAt: Date.now(),
                                         answer: { result: "created", ref: ref, location: location } })
        .then(then, then);
    }
    var go = function () { window.location.assign(location); };
    var forget = function () {
      return drafts && draftName ? drafts.remove(draftName) : Promise.resolve();
    };
    return Promise.all(Array.from(checksInFlight)).then(forget).then(go, go);
  }

  function afterSwap(action) {
    var summary = form.querySelector("#error-summary");
    if (summary) { summary.focus(); summary.scrollIntoView({ block: "start" }); return; }
    var kind = action.split(":")[0];
    var list = blocks();
    if (kind === "add_member" || kind === "add_child") {
      focusOn(nextToFill(list[list.length - 1]));
    } else if (kind === "read_mrz") {
      var index = parseInt(action.split(":")[1], 10);
      var block = list[Math.min(index, list.length - 1)];
      var mrz = block && block.querySelector("textarea.mrz");
      if (mrz && mrz.getAttribute("aria-invalid") === "true") { focusOn(mrz); }
      else if (block && index > 0 && !nextToFill(block).matches("input")) {
        focusOn(fieldOf(block, "relation"));  // the document cannot say how they are related
      } else if (block) { focusOn(nextToFill(block)); }
    } else if (kind === "remove") {
      focusOn(form.querySelector('button[value="add_member"]'));
    }
  }

  // -- drafts -------------------------------------------------------------------------

  var draftTimer = null;
  function saveDraft() {
    window.clearTimeout(draftTimer);
    if (!drafts || !draftName) { return Promise.resolve(); }
    var data = entriesOf(new FormData(form));
    return drafts.save(draftName, data).then(function (saved) {
      // For tests and the curious: which family the last saved draft holds.
      if (saved) {
        var first = blocks()[0], last = blocks()[blocks().length - 1];
        form.dataset.draftSaved = valueOf(first, "family_name") + "|" + valueOf(last, "given_names");
      }
      return saved;
    });
  }
  function saveSoon() {
    window.clearTimeout(draftTimer);
    draftTimer = window.setTimeout(saveDraft, 250);
  }

  function restoreDraft() {
    if (!drafts || !draftName || form.getAttribute("data-fresh") !== "true") { return; }
    drafts.load(draftName).then(function (draft) {
      if (!draft || !draft.data || !draft.data.length) { return; }
      return send("refresh", draft.data).then(function () {
        var box = status();
        if (!box) { return; }
        var when = new Date(draft.savedAt);
        var time = ("0" + when.getHours()).slice(-2) + ":" + ("0" + when.getMinutes()).slice(-2);
        box.querySelector("p").textContent = box.getAttribute("data-restored").replace("TIME", time);
        box.hidden = false;
        form.setAttribute("data-restored", "true");
      });
    });
  }

  form.addEventListener("click", function (event) {
    if (!event.target.closest("[data-discard-draft]")) { return; }
    var reload = function () { window.location.assign(window.location.pathname); };
    drafts.remove(draftName).then(reload, reload);
  });

  document.addEventListener("arrival:idle-expired", function (event) {
    event.detail.waitFor.push(saveDraft());
  });

  // -- wiring -------------------------------------------------------------------------

  function enhance() {
    blocks().forEach(function (block) {
      if (NAME_FIELDS.some(function (name) { return valueOf(block, name); })) { check(block); }
    });
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var action = submitter && submitter.name === "action" ? submitter.value : "save";
    if (action.indexOf("accept_latin") === 0) {
      event.preventDefault();
      acceptSpelling(submitter.closest(".person"));
      return;
    }
    if (!inPlace) { return; }
    event.preventDefault();
    send(action);
  });

  form.addEventListener("change", function (event) {
    if (event.isTrusted && event.target.matches('[name$="-document-type"]')) {
      event.target.dataset.chosen = "true";
    }
    var block = event.target.closest(".person");
    if (block) { updateRow(block); }
    saveSoon();
  });

  form.addEventListener("input", function (event) {
    saveSoon();
    var block = event.target.closest(".person");
    if (!block) { return; }
    if (event.target.matches("textarea.mrz")) { mrzTyped(block, event.target); return; }
    updateRow(block);
    var name = (event.target.name || "").split("-").pop();
    if (name === "date_of_birth" || name === "birth_year") { documentFollowsAge(block); }
    if (/_cyrillic$/.test(name) || name === "family_name" || name === "given_names") {
      window.clearTimeout(suggestTimers.get(block));
      suggestTimers.set(block, window.setTimeout(function () { suggest(block); }, 300));
    }
    if (PROBE_FIELDS.indexOf(name) < 0 && name !== "number") { return; }
    window.clearTimeout(checkTimers.get(block));
    checkTimers.set(block, window.setTimeout(function () {
      checkTimers.delete(block);
      check(block);
    }, 400));
  });

  // A reader that ends its last line with Enter: the lines typed so far are all
  // there is (decided now, before the next line's characters arrive).
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches("textarea.mrz") &&
        target.selectionStart === target.value.length) {
      mrzTyped(target.closest(".person"), target, true);
    }
  });

  window.arrivalIntake = { completeLayout: completeLayout };
  // A fresh form gets its own idempotency key here too: offline, the page comes
  // from the service worker's copy, and every registration needs a key of its own.
  var keyField = form.querySelector('[name="idempotency_key"]');
  if (keyField && form.getAttribute("data-fresh") === "true" && window.crypto && window.crypto.randomUUID) {
    keyField.value = window.crypto.randomUUID();
  }
  showQueued();
  enhance();
  if (!openFromOutbox()) { restoreDraft(); }
  if (form.getAttribute("data-fresh") === "true" && !form.querySelector("#error-summary")) {
    var first = blocks()[0];
    var mrz = first && first.querySelector("textarea.mrz");
    if (visible(mrz)) { mrz.focus(); }
  }
})();
