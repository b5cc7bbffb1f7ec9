/* Kỹ Năng Số offline (docs/offline.md): registers the service worker after the page has loaded, shows
   "Save to read offline", and keeps the forms marked data-offline (lesson complete, quizzes, tutorial
   done) that are sent while offline, to send them again when the connection returns. Without this
   script (or a service worker) every page and form works as before. */
(function () {
  "use strict";
  var sw = navigator.serviceWorker;
  if (!sw || !window.fetch || !window.localStorage || !window.crypto) return;
  var QUEUE = "kns-offline-queue";
  var KEEP_MS = 30 * 24 * 3600 * 1000;
  var MAX_TRIES = 5;
  var body = document.body;
  var owner = body.getAttribute("data-offline-owner"); // null on the offline page itself
  var status = document.getElementById("offline-status");
  var saveBox = document.querySelector("[data-offline-save]");
  var sending = false;

  function say(name) {
    var text = status && status.getAttribute("data-" + name);
    if (text) {
      status.textContent = text;
      status.hidden = false;
    }
  }

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function queueRead() {
    try {
      var items = JSON.parse(localStorage.getItem(QUEUE) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function queueWrite(items) {
    if (items.length) localStorage.setItem(QUEUE, JSON.stringify(items));
    else localStorage.removeItem(QUEUE);
  }

  function queueUpdate(key, change) {
    // Read again: another tab may have changed the queue meanwhile.
    queueWrite(queueRead().reduce(function (kept, item) {
      if (item.key !== key) kept.push(item);
      else if (change && change(item)) kept.push(item);
      return kept;
    }, []));
  }

  // Every submission carries its own key; offline, it is kept instead of sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-offline") || event.defaultPrevented) return;
    var field = form.querySelector("input[name=idempotency_key]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "idempotency_key";
      form.appendChild(field);
    }
    field.value = newKey();
    if (navigator.onLine || owner === null) return; // sent now, as without this script
    event.preventDefault();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") fields.push([name, String(value)]);
    });
    var items = queueRead();
    items.push({ url: form.action, fields: fields, key: field.value, owner: owner, page: location.pathname, at: Date.now(), tries: 0 });
    queueWrite(items);
    say("queued");
  });

  function send(item, csrf) {
    var data = new URLSearchParams();
    item.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.set("csrfmiddlewaretoken", csrf);
    data.set("idempotency_key", item.key);
    return fetch(item.url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Idempotency-Key": item.key },
    }).then(function (response) {
      // 403: the token was refused (try again later, a few times); anything but a server error is an answer.
      if (response.status === 403 || response.status >= 500) {
        queueUpdate(item.key, function (kept) {
          kept.tries = (kept.tries || 0) + 1;
          return kept.tries < MAX_TRIES;
        });
        return false;
      }
      queueUpdate(item.key, null);
      return true;
    });
  }

  // Sends what this person kept, one at a time, with a fresh token; others' submissions wait for them.
  function replay() {
    var old = Date.now() - KEEP_MS;
    var items = queueRead().filter(function (item) { return item && item.at > old && item.key; });
    queueWrite(items);
    if (sending || !items.length || !navigator.onLine) return;
    sending = true;
    var sentHere = false;
    var sent = false;
    fetch("/offline/session", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (session) {
        return items.filter(function (item) { return item.owner === session.owner; }).reduce(function (chain, item) {
          return chain.then(function () {
            return send(item, session.csrf).then(function (done) {
              sent = sent || done;
              sentHere = sentHere || (done && item.page === location.pathname);
            });
          });
        }, Promise.resolve());
      })
      .catch(function () {}) // offline again: next time
      .then(function () {
        sending = false;
        if (sentHere) location.reload();
        else if (sent) say("sent");
      });
  }

  function assets() {
    var urls = Array.prototype.map.call(document.images, function (image) { return image.currentSrc || image.src; });
    document.querySelectorAll("link[rel=stylesheet]").forEach(function (link) { urls.push(link.href); });
    return urls.filter(Boolean);
  }

  function save(worker) {
    worker.postMessage({ type: "save", url: location.href, assets: assets() });
  }

  sw.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "saved" && data.manual) say(data.saved ? "saved" : "unsaved");
  });

  window.addEventListener("online", replay);
  window.addEventListener("load", function () {
    var controlled = Boolean(sw.controller);
    sw.register("/sw.js").then(function () { return sw.ready; }).then(function (registration) {
      var worker = registration.active;
      if (owner !== null) worker.postMessage({ type: "owner", owner: owner });
      if (!saveBox) return;
      saveBox.hidden = false;
      saveBox.querySelector("button").addEventListener("click", function () {
        worker.postMessage({ type: "save", url: location.href, assets: assets(), manual: true });
      });
      // A first visit (the worker was not there when this page and its pictures came), or a page
      // showing a message (not kept as it is): kept as it reads next time.
      if (!controlled || document.querySelector(".messages")) save(worker);
    }).catch(function () {});
    replay();
  });
})();
