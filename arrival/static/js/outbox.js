// The offline queue ("outbox") of the tablet (issue 14), in the same on-device
// store as the drafts (js/drafts.js, IndexedDB through `idb`).
//
// - A write that cannot reach the server (offline, a network error, 502/503/504) is
//   kept here with its idempotency key, encrypted (AES-GCM) under the account's
//   queue key, tagged with the account's owner tag (not its name). The key comes
//   from the server (GET /api/v1/offline/key) to a signed-in session only and is
//   kept on the tablet as a non-extractable key while that account is signed in;
//   signing out deletes it (the entries stay, unreadable, for the next sign-in of
//   the same account). Another account finds neither the entries nor the key.
// - The queue is sent in order when the network returns, on request and at every
//   page load, with backoff (2 s, 4 s, … up to a minute). An entry leaves the queue
//   only when the server has answered it for good; its answer is kept for a day
//   (created: the reference; duplicate, invalid, conflict: the clerk decides).
// - The badge in the top bar says how many are waiting; /offline lists them.
//
// Kinds: "household" (the registration form, posted as the form would be),
// "scan" (a delivery handed out offline), "gate" (a gate scan).
(function () {
  "use strict";

  var drafts = window.arrivalDrafts;
  var meta = document.querySelector('meta[name="outbox"]');
  if (!drafts || !drafts.available || !meta) { return; }
  var owner = drafts.owner;
  var keyUrl = meta.getAttribute("content");
  var TEXT = JSON.parse(meta.getAttribute("data-texts") || "{}");
  var KEEP_DONE_MS = 24 * 3600 * 1000;
  var OPEN = ["pending", "sending"];

  function csrf() { return window.arrivalCsrfToken ? window.arrivalCsrfToken() : ""; }
  function uuid() {
    if (window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function bytes(base64) {
    var text = atob(base64);
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
    return out;
  }

  // -- the key --------------------------------------------------------------------

  var keyPromise = null;
  function fetchKey() {
    return fetch(keyUrl, { credentials: "same-origin", cache: "no-store",
                           headers: { "Accept": "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
        return response.ok && json && !response.redirected ? response.json() : null;
      })
      .then(function (body) {
        if (!body || body.owner !== owner) { return null; }
        return window.crypto.subtle.importKey("raw", bytes(body.key), "AES-GCM", false,
                                              ["encrypt", "decrypt"])
          .then(function (cryptoKey) {
            var record = { owner: owner, kid: body.kid, key: cryptoKey };
            return drafts.db().then(function (store) { return store.put("keys", record); })
              .then(function () { return record; });
          });
      });
  }
  function key() {
    if (!keyPromise) {
      keyPromise = drafts.db().then(function (store) { return store.get("keys", owner); })
        .then(function (stored) {
          return stored || fetchKey();  // the account's key does not change: one fetch
        })
        .catch(function () { return null; });
      keyPromise.then(function (found) { if (!found) { keyPromise = null; } });
    }
    return keyPromise;
  }

  function context(id) { return new TextEncoder().encode(owner + "|outbox|" + id); }
  function seal(id, data) {
    return key().then(function (k) {
      if (!k) { throw new Error("no key"); }
      var iv = window.crypto.getRandomValues(new Uint8Array(12));
      return window.crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: context(id) },
                                          k.key, new TextEncoder().encode(JSON.stringify(data)))
        .then(function (ciphertext) { return { kid: k.kid, iv: iv, ciphertext: ciphertext }; });
    });
  }
  function open(record) {
    return key().then(function (k) {
      if (!k || k.kid !== record.kid) { return null; }
      return window.crypto.subtle.decrypt({ name: "AES-GCM", iv: record.iv,
                                            additionalData: context(record.id) },
                                          k.key, record.ciphertext)
        .then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); },
              function () { return null; });
    });
  }

  // -- the store --------------------------------------------------------------------

  var counter = 0;
  function all() {
    return drafts.db().then(function (store) {
      return store.getAllFromIndex("outbox", "owner", owner);
    }).then(function (records) {
      return records.sort(function (a, b) { return a.seq - b.seq; });
    });
  }
  function put(record) {
    return drafts.db().then(function (store) { return store.put("outbox", record); });
  }

  // What the server is sent (data: encrypted) and what the list shows before
  // decryption (kind, state, answer: no personal data).
  function enqueue(kind, data) {
    var id = uuid();
    var created = Date.now();
    data.key = data.key || uuid();
    return seal(id, data).then(function (sealed) {
      var record = { id: id, owner: owner, kind: kind, seq: created * 1000 + (counter++ % 1000),
                     createdAt: created, state: "pending", attempts: 0, nextAt: 0,
                     answer: null, kid: sealed.kid, iv: sealed.iv, ciphertext: sealed.ciphertext };
      return put(record).then(function () { changed(); schedule(0); return record; });
    });
  }

  function update(id, changes) {
    return drafts.db().then(function (store) {
      var tx = store.transaction("outbox", "readwrite");
      return tx.store.get(id).then(function (record) {
        if (!record || record.owner !== owner) { return null; }
        Object.keys(changes).forEach(function (name) { record[name] = changes[name]; });
        return tx.store.put(record).then(function () { return tx.done; })
          .then(function () { return record; });
      });
    }).then(function (record) { changed(); return record; });
  }

  function purge() {
    var old = Date.now() - KEEP_DONE_MS;
    return all().then(function (records) {
      return Promise.all(records.filter(function (r) {
        return r.state === "done" && (r.doneAt || r.createdAt) < old;
      }).map(function (r) {
        return drafts.db().then(function (store) { return store.delete("outbox", r.id); });
      }));
    });
  }

  // -- sending ----------------------------------------------------------------------

  function SendError(retry) { this.retry = retry; }

  function sendHousehold(data) {
    var body = new FormData();
    data.entries.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.set("csrf_token", csrf());
    body.set("action", "save");
    body.set("idempotency_key", data.key);
    return fetch(data.url, { method: "POST", body: body, credentials: "same-origin",
                             headers: { "X-Arrival-In-Place": "1" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.status >= 500 || response.status === 429) { throw new SendError(true); }
        if (type.indexOf("application/json") === 0 && response.ok) {
          return response.json().then(function (answer) {
            var ref = decodeURIComponent(answer.location.split("/").pop());
            return { state: "done", answer: { result: "created", ref: ref, location: answer.location } };
          });
        }
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var form = page.querySelector("form.household-form");
          if (!form) { throw new SendError(false); }  // signed out: wait for the next sign-in
          if (response.status === 409) {
            var refs = [];
            page.querySelectorAll("#duplicate-decision a, .candidates a").forEach(function (a) {
              var ref = decodeURIComponent(a.getAttribute("href").split("/").pop());
              if (/^H/.test(ref) && refs.indexOf(ref) < 0) { refs.push(ref); }
            });
            return { state: "duplicate", answer: { result: "duplicate", candidates: refs.slice(0, 3) } };
          }
          var keyField = form.querySelector('[name="idempotency_key"]');
          if (keyField && keyField.value && keyField.value !== data.key) {
            return { state: "conflict", answer: { result: "conflict" } };
          }
          var errors = [];
          page.querySelectorAll("#error-summary li").forEach(function (li) {
            errors.push(li.textContent.trim());
          });
          return { state: "invalid", answer: { result: "invalid", errors: errors.slice(0, 5) } };
        });
      });
  }

  function sendJson(data) {
    return fetch(data.url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(data.body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(),
                 "Idempotency-Key": data.key }
    }).then(function (response) {
      if (response.status >= 500 || response.status === 429) { throw new SendError(true); }
      if (response.status === 401 || response.status === 403 || response.redirected) {
        throw new SendError(false);
      }
      return response.json().then(function (answer) {
        if (response.status === 422 || response.status === 400) {
          return { state: "invalid", answer: { result: "invalid", errors: [answer.message || ""] } };
        }
        // A boarding the bus refused (a card not on its list) needs a look, like a
        // delivery that broke a rule.
        var violation = answer.result === "violation" || answer.result === "refused" ||
          (data.kind === "boarding" && answer.result === "red");
        return { state: violation ? "violation" : "done",
                 answer: { result: answer.result, reason: answer.reason } };
      });
    });
  }

  var running = null;
  var timer = null;
  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(replay, delay);
  }

  // One entry after the other, oldest first. A network error or a server busy
  // stops the round: the rest waits, in order, for the next try.
  function replay() {
    if (running) { return running; }
    running = all().then(function (records) {
      var waiting = records.filter(function (r) { return OPEN.indexOf(r.state) >= 0; });
      var chain = Promise.resolve(true);
      waiting.forEach(function (record) {
        chain = chain.then(function (go) {
          if (!go) { return false; }
          return open(record).then(function (data) {
            if (!data) { return false; }  // not readable now (no key yet): wait
            var sending = data.kind === "household" || record.kind === "household" ?
              sendHousehold(data) : sendJson(data);
            return sending.then(function (outcome) {
              outcome.doneAt = Date.now();
              outcome.attempts = record.attempts + 1;
              return update(record.id, outcome).then(function () { return true; });
            }, function (error) {
              var attempts = record.attempts + 1;
              var retry = error instanceof SendError ? error.retry : true;
              return update(record.id, { attempts: attempts, lastTry: Date.now() }).then(function () {
                if (retry) {
                  var delay = Math.min(60000, 2000 * Math.pow(2, Math.min(attempts - 1, 5)));
                  schedule(delay * (0.75 + Math.random() / 2));
                }
                return false;
              });
            });
          });
        });
      });
      return chain;
    }).catch(function () { return false; }).then(function (result) {
      running = null;
      changed();
      return result;
    });
    return running;
  }

  // -- the badge ----------------------------------------------------------------------

  var listeners = [];
  function changed() {
    all().then(function (records) {
      var waiting = records.filter(function (r) { return OPEN.indexOf(r.state) >= 0; }).length;
      var attention = records.filter(function (r) {
        return ["duplicate", "invalid", "conflict"].indexOf(r.state) >= 0;
      }).length;
      var badge = document.getElementById("outbox-badge");
      if (badge) {
        badge.hidden = !(waiting || attention || !navigator.onLine);
        badge.classList.toggle("badge-attention", attention > 0);
        badge.querySelector(".outbox-count").textContent = TEXT.waiting.replace("%d", waiting);
        badge.querySelector(".outbox-state").textContent = navigator.onLine ?
          (attention ? " · " + TEXT.attention.replace("%d", attention) : "") : " · " + TEXT.offline;
        badge.setAttribute("data-waiting", String(waiting));
      }
      listeners.forEach(function (listener) { listener(records); });
    }).catch(function () {});
  }

  function signOut() {
    var caches = window.caches ? window.caches.delete("arrival-pages") : Promise.resolve();
    return Promise.all([caches, drafts.db().then(function (store) {
      return store.delete("keys", owner);
    })]).catch(function () {});
  }

  window.addEventListener("online", function () { changed(); schedule(300); });
  window.addEventListener("offline", changed);

  // The service worker of the app shell (js/offline-worker.js, Workbox), where the
  // page asks for it: the registration form, the scan and gate stations, this list.
  var worker = meta.getAttribute("data-worker");
  if (worker && navigator.serviceWorker && document.body.hasAttribute("data-offline-shell")) {
    var firstVisit = !navigator.serviceWorker.controller;
    navigator.serviceWorker.register(worker, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // This page loaded before the worker was there: keep it now, so that it opens
      // offline from the first visit on.
      if (firstVisit && window.caches && !/[?&]outbox=/.test(window.location.search)) {
        return window.caches.open("arrival-pages").then(function (cache) {
          return fetch(window.location.href, { credentials: "same-origin" }).then(function (response) {
            if (response.ok && !response.redirected) { return cache.put(window.location.href, response); }
          });
        });
      }
    }).catch(function () {});
  }

  // Small encrypted records of the pages (the scan station's card list and its own
  // recent deliveries), under the same key and owner tag as the queue.
  function keep(name, data) {
    var id = owner + ":" + name;
    return seal(id, data).then(function (sealed) {
      sealed.id = id;
      sealed.owner = owner;
      return drafts.db().then(function (store) { return store.put("lists", sealed); });
    }).catch(function () {});
  }
  function recall(name) {
    var id = owner + ":" + name;
    return drafts.db().then(function (store) { return store.get("lists", id); })
      .then(function (record) { return record ? open(record) : null; })
      .catch(function () { return null; });
  }

  window.arrivalOutbox = {
    keep: keep, recall: recall,
    enqueue: enqueue, all: all, open: open, update: update, replay: replay,
    onChange: function (listener) { listeners.push(listener); changed(); },
    signOut: signOut, key: key,
    isNetworkFailure: function (status) { return status === 502 || status === 503 || status === 504; }
  };

  key();
  purge().then(changed);
  schedule(500);
})();
