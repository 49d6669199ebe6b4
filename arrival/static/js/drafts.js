// Form drafts on the tablet (IndexedDB through the `idb` package), readable only by
// the account that wrote them.
//
// The server hands the signed-in account its draft key (GET /session/draft-key,
// never cached); the page keeps it in memory only and stores nothing but
// AES-GCM ciphertext, the account's owner tag (not its name) and the key's id.
// Another account on the same tablet has another key and another tag: it
// neither finds nor could decrypt the draft. Signing out deletes this account's
// drafts here, and the server gives the account a new key, so a draft left on
// another tablet is unreadable too. See arrival/auth/drafts.py.
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="draft-owner"]');
  if (!meta) { return; }
  var owner = meta.getAttribute("content");
  var keyUrl = meta.getAttribute("data-key");
  var DB_NAME = "arrival-drafts";
  var STORE = "drafts";
  var usable = !!(window.idb && window.crypto && window.crypto.subtle && window.indexedDB);

  // The one on-device store. Each version only adds to the one before: an app
  // update migrates what is there (drafts, the offline queue), never recreates it.
  //   1: drafts
  //   2: outbox (the offline queue, js/outbox.js), keys (the queue key per account,
  //      non-extractable), lists (the scan stations' card lists, encrypted)
  var DB_VERSION = 2;
  var database = null;
  function db() {
    if (!database) {
      database = window.idb.openDB(DB_NAME, DB_VERSION, {
        upgrade: function (store, oldVersion) {
          if (oldVersion < 1) {
            var drafts = store.createObjectStore(STORE, { keyPath: "id" });
            drafts.createIndex("owner", "owner");
          }
          if (oldVersion < 2) {
            var outbox = store.createObjectStore("outbox", { keyPath: "id" });
            outbox.createIndex("owner", "owner");
            store.createObjectStore("keys", { keyPath: "owner" });
            store.createObjectStore("lists", { keyPath: "id" });
          }
        },
        blocking: function () {  // a newer version of the app opened the store: let it
          database.then(function (open) { open.close(); });
          database = null;
        }
      });
    }
    return database;
  }

  function bytes(base64) {
    var text = atob(base64);
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
    return out;
  }

  var keyPromise = null;
  function key() {
    if (!keyPromise) {
      keyPromise = (!usable || !keyUrl) ? Promise.resolve(null) :
        fetch(keyUrl, { credentials: "same-origin", cache: "no-store",
                        headers: { "Accept": "application/json" } })
          .then(function (response) {
            var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
            return response.ok && json ? response.json() : null;
          })
          .then(function (body) {
            if (!body || body.owner !== owner) { return null; }
            return window.crypto.subtle.importKey("raw", bytes(body.key), "AES-GCM", false,
                                                  ["encrypt", "decrypt"])
              .then(function (cryptoKey) { return { key: cryptoKey, kid: body.kid }; });
          })
          .catch(function () { return null; });
    }
    return keyPromise;
  }

  function recordId(name) { return owner + ":" + name; }
  function context(name) { return new TextEncoder().encode(owner + "|" + name); }

  // One write after the other: a slow encryption never overwrites a newer draft.
  var queue = Promise.resolve();

  function save(name, data) {
    queue = queue.then(function () {
      return key().then(function (k) {
        if (!k) { return false; }
        var iv = window.crypto.getRandomValues(new Uint8Array(12));
        var savedAt = Date.now();
        var plain = new TextEncoder().encode(JSON.stringify({ savedAt: savedAt, data: data }));
        return window.crypto.subtle.encrypt(
          { name: "AES-GCM", iv: iv, additionalData: context(name) }, k.key, plain
        ).then(function (ciphertext) {
          return db().then(function (store) {
            return store.put(STORE, { id: recordId(name), owner: owner, kid: k.kid, iv: iv,
                                      ciphertext: ciphertext, savedAt: savedAt });
          });
        }).then(function () { return true; });
      });
    }).catch(function () { return false; });
    return queue;
  }

  function load(name) {
    if (!usable) { return Promise.resolve(null); }
    return queue.then(function () {
      return Promise.all([key(), db().then(function (store) {
        return store.get(STORE, recordId(name));
      })]);
    }).then(function (found) {
      var k = found[0], record = found[1];
      if (!record || !k) { return null; }
      if (record.kid !== k.kid) {  // written under a key the account no longer has
        return remove(name).then(function () { return null; });
      }
      return window.crypto.subtle.decrypt(
        { name: "AES-GCM", iv: record.iv, additionalData: context(name) }, k.key,
        record.ciphertext
      ).then(function (plain) {
        return JSON.parse(new TextDecoder().decode(plain));
      }, function () {
        return remove(name).then(function () { return null; });
      });
    }).catch(function () { return null; });
  }

  function remove(name) {
    if (!usable) { return Promise.resolve(); }
    queue = queue.then(function () {
      return db().then(function (store) { return store.delete(STORE, recordId(name)); });
    }).catch(function () {});
    return queue;
  }

  function removeAll() {
    if (!usable) { return Promise.resolve(); }
    queue = queue.then(function () {
      return db().then(function (store) {
        return store.getAllKeysFromIndex(STORE, "owner", owner).then(function (ids) {
          var tx = store.transaction(STORE, "readwrite");
          ids.forEach(function (id) { tx.store.delete(id); });
          return tx.done;
        });
      });
    }).catch(function () {});
    return queue;
  }

  // Signing out: nothing of this account stays readable on the tablet.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-sign-out]") || form.dataset.draftsCleared) {
      return;
    }
    event.preventDefault();
    var go = function () { form.dataset.draftsCleared = "1"; form.submit(); };
    // The offline queue stays (encrypted, for the same account's next sign-in);
    // its key and the cached pages go (js/outbox.js).
    var outbox = window.arrivalOutbox;
    Promise.all([removeAll(), outbox ? outbox.signOut() : null]).then(go, go);
  }, true);

  window.arrivalDrafts = { available: usable, save: save, load: load, remove: remove,
                           removeAll: removeAll, db: db, owner: owner };
})();
