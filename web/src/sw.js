// The service worker: keeps a copy of the site's own files so that the page
// opens again with the network off, and nothing else. web/build copies this
// file to the site's root (a worker controls the folder it is served from and
// those below it) and fills in VERSION and FILES.
//
// What it never does: store or even see patient data. It answers only GET
// requests for the exact files in FILES, on this origin; everything else
// (blob: and data: downloads, anything the page makes, any other address or
// method) goes past it untouched. Nothing is ever put in the cache but the
// files fetched at install.
//
// Updates: a new build has a new VERSION, so the browser installs a new
// worker beside the old one. It waits (no skipWaiting) until no tab runs the
// old page, so a page never mixes old and new files (app.js with another
// build's wasm or worker); then it takes over and deletes the old cache.

const VERSION = 'unbuilt'; // web/build: a hash of the site's files
const FILES = []; // web/build: every file of the site, relative to this one

const PREFIX = 'second-opinion-site-';
const CACHE = PREFIX + VERSION;
const SCOPE = new URL('./', self.location.href).pathname;
const OWN = new Set(FILES);

self.addEventListener('install', (event) => {
  // cache: 'no-cache' asks the server whether each file changed: the copy
  // the page has just loaded comes from the browser's HTTP cache (a 304, not
  // a second download of the wasm), and a file changed since is fetched anew.
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES.map((f) => new Request(f, { cache: 'no-cache' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    // The first time, take the open page too, so it works offline at once.
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  let file = decodeURIComponent(url.pathname.slice(SCOPE.length));
  if (file === '') file = 'index.html';
  if (!OWN.has(file)) return;
  // The page's own queries (?lang=es, ?mode=clinic, ?date=) open the same file.
  event.respondWith(
    caches.open(CACHE)
      .then((cache) => cache.match(file))
      .then((hit) => hit || fetch(request)),
  );
});
