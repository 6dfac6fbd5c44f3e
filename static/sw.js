// 学分银行移动应用: the service worker (served by views/mobile.py as /sw.js, which puts
// VERSION and SHELL above this file).
//
// - Online, every request goes to the network as if there were no worker; pages the server
//   marks X-Offline-Keep (the learner's own pages under /me/) are copied into the cache on
//   the way, with the time they were saved.
// - Offline, a kept page is answered from the cache, marked as a saved copy (the page's
//   script shows when it was saved); any other page gets the offline page.
// - The cache belongs to one account (X-Offline-Owner): a page of anyone else, or of
//   nobody (logged out), empties it first. Logging out also clears it (Clear-Site-Data).
// - Updates: a new version installs beside the running one and waits; the page offers
//   to switch (static/app.js), so no open page ever mixes two versions.
const SHELL_CACHE = "cb-shell-" + VERSION;
const PAGES_CACHE = "cb-pages";
const OWNER_KEY = "/__offline_owner__";
const MAX_PAGES = 60;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("cb-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "skip-waiting") self.skipWaiting();
  if (data.type === "keep" && Array.isArray(data.urls)) event.waitUntil(keepAll(data.urls.slice(0, 30)));
  if (data.type === "forget") event.waitUntil(caches.delete(PAGES_CACHE));
});

function sameOrigin(url) { return new URL(url, self.location.href).origin === self.location.origin; }

function storedOwner(cache) {
  return cache.match(OWNER_KEY).then(function (r) { return r ? r.text() : null; });
}

// Keeps a copy of a kept page, for its owner only: a page of another account, or of
// nobody, empties the cache first.
function remember(request, response) {
  var owner = response.headers.get("X-Offline-Owner");
  if (!owner) return Promise.resolve();
  return caches.open(PAGES_CACHE).then(function (cache) {
    return storedOwner(cache).then(function (previous) {
      if (owner !== "-" && (previous === null || previous === owner)) return cache;
      return caches.delete(PAGES_CACHE).then(function () { return owner === "-" ? null : caches.open(PAGES_CACHE); });
    });
  }).then(function (cache) {
    if (!cache || response.headers.get("X-Offline-Keep") !== "1") return null;
    return response.text().then(function (html) {
      var copy = new Response(html, {headers: {"Content-Type": "text/html; charset=utf-8",
                                               "X-Saved-At": new Date().toISOString()}});
      return Promise.all([cache.put(OWNER_KEY, new Response(owner)), cache.put(request.url, copy)])
        .then(function () { return trim(cache); });
    });
  });
}

function trim(cache) {
  return cache.keys().then(function (keys) {
    var pages = keys.filter(function (k) { return new URL(k.url).pathname !== OWNER_KEY; });
    return Promise.all(pages.slice(0, Math.max(0, pages.length - MAX_PAGES)).map(function (k) { return cache.delete(k); }));
  });
}

// The learner's record pages linked from a kept page, fetched and kept in the background.
function keepAll(urls) {
  return Promise.all(urls.filter(sameOrigin).map(function (url) {
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (response.ok) return remember(new Request(url), response);
    }).catch(function () {});
  }));
}

// A saved copy says so: the <body> carries the time it was saved (static/app.js shows it).
function markedCopy(cached) {
  var saved = cached.headers.get("X-Saved-At") || "";
  return cached.text().then(function (html) {
    return new Response(html.replace("<body", '<body data-offline-saved="' + saved + '"'), {
      headers: {"Content-Type": "text/html; charset=utf-8"}
    });
  });
}

function offlinePage(request) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.match(request.url).then(function (hit) { return hit || cache.match(request.url, {ignoreSearch: true}); });
  }).then(function (cached) {
    if (cached) return markedCopy(cached);
    return caches.match(SHELL[0]);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !sameOrigin(request.url)) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      event.waitUntil(remember(request, response.clone()).catch(function () {}));
      return response;
    }).catch(function () { return offlinePage(request); }));
    return;
  }
  // Style, script and images: the network first; the copy kept at install when offline.
  if (SHELL.indexOf(new URL(request.url).pathname) >= 0) {
    event.respondWith(fetch(request).catch(function () {
      return caches.open(SHELL_CACHE).then(function (cache) { return cache.match(request, {ignoreSearch: true}); });
    }));
  }
});
