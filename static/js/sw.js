/* Kỹ Năng Số's service worker (docs/offline.md), served at /sw.js by core.offline (scope "/"),
   which writes self.KNS (the offline page, the session address, the pages' owner header) above.

   Keeps: tutorials and lessons opened or saved, for one person at a time (PAGES: only responses that
   name their owner in the header, forgotten when another owner shows up); static files and images
   (ASSETS: the same for everybody); the offline page, fetched without cookies. Never touches the
   admin (so neither preview), the account, learning actions, certificates, the inbox or documents. */
"use strict";

var VERSION = "1";
var PAGES = "kns-pages-" + VERSION;
var ASSETS = "kns-assets-" + VERSION;
var META = "kns-meta";
var OWNER_KEY = "/__kns-owner";
var MAX_PAGES = 60;
var MAX_ASSETS = 300;
var CONFIG = self.KNS || { offline: "/offline/", session: "/offline/session", header: "X-Offline-Page", save: "X-Offline-Save" };
// Never answered from a cache; the admin is not even looked at (its navigations are left to the browser).
var ADMIN = /^\/admin(\/|$)/;
var PERSONAL = /^\/(account|learn|inbox|certificates|documents|c|r|s|unsubscribe|offline\/session)(\/|$)/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(ASSETS)
      .then(function (cache) {
        return fetch(CONFIG.offline, { credentials: "omit" }).then(function (response) {
          return response.ok ? cache.put(CONFIG.offline, response) : undefined;
        });
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  var kept = [PAGES, ASSETS, META];
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names.map(function (name) {
            return kept.indexOf(name) < 0 ? caches.delete(name) : undefined;
          })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function trim(cache, max) {
  return cache.keys().then(function (keys) {
    // Oldest first (a cache lists entries in the order they were put).
    return Promise.all(
      keys.slice(0, Math.max(0, keys.length - max)).map(function (key) {
        return cache.delete(key);
      })
    );
  });
}

// Whose pages PAGES holds: a different owner (another person, or signed out) empties it first.
function ownerSet(owner) {
  return caches.open(META).then(function (meta) {
    return meta.match(OWNER_KEY).then(function (stored) {
      return (stored ? stored.text() : Promise.resolve(null)).then(function (previous) {
        if (previous === owner) return false;
        return caches
          .delete(PAGES)
          .then(function () {
            return meta.put(OWNER_KEY, new Response(owner));
          })
          .then(function () {
            return true;
          });
      });
    });
  });
}

// Keeps a page only if it names its owner (tutorials, lessons) and is a plain 200 of this site.
function pageKeep(url, response) {
  var owner = response.headers.get(CONFIG.header);
  if (owner === null || response.status !== 200 || response.redirected || response.type !== "basic") {
    return Promise.resolve(false);
  }
  var copy = response.clone();
  return ownerSet(owner)
    .then(function () {
      return caches.open(PAGES);
    })
    .then(function (cache) {
      return cache.put(url, copy).then(function () {
        return trim(cache, MAX_PAGES);
      });
    })
    .then(function () {
      return true;
    });
}

function assetKeep(request, options) {
  return fetch(request, options).then(function (response) {
    if (response.status === 200 && response.type === "basic") {
      var copy = response.clone();
      caches.open(ASSETS).then(function (cache) {
        return cache.put(request, copy).then(function () {
          return trim(cache, MAX_ASSETS);
        });
      });
    }
    return response;
  });
}

function offlinePage() {
  return caches.match(CONFIG.offline, { cacheName: ASSETS }).then(function (page) {
    return page || Response.error();
  });
}

function navigation(request, keep) {
  return fetch(request)
    .then(function (response) {
      if (keep) pageKeep(request.url.split("#")[0], response);
      return response;
    })
    .catch(function () {
      if (!keep) return offlinePage();
      return caches.match(request.url.split("#")[0], { cacheName: PAGES, ignoreVary: true }).then(function (page) {
        return page || offlinePage();
      });
    });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || ADMIN.test(url.pathname)) return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(request, !PERSONAL.test(url.pathname)));
  } else if (url.pathname.indexOf("/media/") === 0) {
    // Renditions have names of their own: the first copy is the copy.
    event.respondWith(
      caches.match(request, { cacheName: ASSETS }).then(function (hit) {
        return hit || assetKeep(request);
      })
    );
  } else if (url.pathname.indexOf("/static/") === 0) {
    // The cached copy now, a fresh one for next time (unhashed names in development).
    event.respondWith(
      caches.match(request, { cacheName: ASSETS }).then(function (hit) {
        var fresh = assetKeep(request).catch(function () {
          return hit || Response.error();
        });
        return hit || fresh;
      })
    );
  }
});

// "Save to read offline" (and a first visit, which the worker did not see): the page and its pictures.
function save(data, client) {
  var url = String(data.url).split("#")[0];
  var headers = {};
  headers[CONFIG.save] = "1"; // a copy to keep, not a view (core.page_views does not count it)
  return fetch(url, { credentials: "same-origin", headers: headers })
    .then(function (response) {
      return pageKeep(url, response);
    })
    .then(function (saved) {
      var assets = (data.assets || []).filter(function (asset) {
        return new URL(asset, self.location.href).origin === self.location.origin;
      });
      return Promise.all(
        assets.map(function (asset) {
          return caches.match(asset, { cacheName: ASSETS }).then(function (hit) {
            return hit || assetKeep(asset, { cache: "force-cache" }); // what the page just loaded
          });
        })
      ).then(function () {
        return saved;
      });
    })
    .catch(function () {
      return false;
    })
    .then(function (saved) {
      if (client) client.postMessage({ type: "saved", url: url, saved: saved, manual: Boolean(data.manual) });
    });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "owner") event.waitUntil(ownerSet(String(data.owner)));
  else if (data.type === "save") event.waitUntil(save(data, event.source));
});
