/* Carnet service worker.
 *
 * Rule: health data is NEVER cached here. Only the fixed list of static files
 * below is stored; pages, documents, fragments and API answers always come from
 * the network and are never written to any cache. When the network is down, a
 * navigation gets the offline page, nothing else.
 *
 * Static files have names that change with their content (server/assets.py), filled
 * in by the server when it serves this file, and VERSION with them: a new file is a new
 * name in a new cache. Precaching takes them from the browser's HTTP cache, where the
 * page that registered this worker has just put them: nothing is downloaded twice.
 */
"use strict";

const VERSION = "__ASSETS__";
const CACHE = `carnet-static-${VERSION}`;
const OFFLINE_URL = "/offline.html";
const PRECACHE = [
  OFFLINE_URL,
  "/static/css/carnet.css",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/js/carnet.js",
  "/static/js/passkeys.js",
  "/static/js/push.js",
  "/static/js/session.js",
  "/static/js/paris-time.js",
  "/icons/icon-192.png",
  "/manifest.webmanifest",
];
const STATIC_PREFIXES = ["/static/", "/icons/"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // Hashed names never change content: the HTTP cache's copy (what the page fetched) is the file.
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    // Network only; the response is handed to the page and never stored. A whole-page form (the language, a
    // download) is a navigation too: its body goes to the network as it came, and is kept nowhere. The offline
    // page's "Réessayer" asks its address again: a GET there leads to the form (server/views/form_actions.py).
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  if (request.method !== "GET") return;
  if (STATIC_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) {
    // Cache-first from the precache; a miss goes to the network and is not stored.
    event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
  }
  // Anything else is not intercepted: the browser fetches it as usual.
});

/* Web push. The server sends only generic text (never health data):
 * {"title": "Carnet", "body": "...", "url": "/historique"}. */
self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch (error) {
    payload = {};
  }
  const title = typeof payload.title === "string" && payload.title ? payload.title : "Carnet";
  const body =
    typeof payload.body === "string" && payload.body ? payload.body : "Nouvelle activité sur votre dossier.";
  event.waitUntil(
    self.registration.showNotification(title, {
      body,
      lang: "fr",
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      tag: "carnet",
      renotify: true,
      data: { url: sameOriginUrl(payload.url) },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = sameOriginUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === target);
      if (open) return open.focus();
      return self.clients.openWindow(target);
    }),
  );
});

/* Only follow links into Carnet itself; anything else opens the home page. */
function sameOriginUrl(value) {
  try {
    const url = new URL(typeof value === "string" ? value : "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : `${self.location.origin}/`;
  } catch (error) {
    return `${self.location.origin}/`;
  }
}
