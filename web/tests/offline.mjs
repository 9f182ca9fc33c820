// Offline and installable, in Debian's headless Chromium.
//
//   node web/tests/offline.mjs OUTDIR [--dist web/dist] [--date 2026-11-23] [--samples samples] [--chromium /usr/bin/chromium] [--throttled-only]
//
// Serves the built site on 127.0.0.1 with the headers of its own _headers
// file (as a static host would: the page's policy on every file, the worker
// and the service worker included), then checks: every file carries the
// <meta> policy as a header; the service worker takes control; the manifest
// is linked and parses, and Chromium finds the page installable; with the
// network off and the server refusing everything, the page opens again and
// the core answers; a packet made offline downloads; requests off the
// worker's list pass it unstored; and afterwards the Cache
// API holds exactly the site's files (byte for byte, as the service worker's
// list names them) and no patient text. Prints one JSON line
// ({"ok": ..., "failures": [...], "facts": {...}}); exits 1 when a check
// failed. tests/cli/web.rs runs it after browser.mjs, on the same build.

import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { scriptArgs } from './args.mjs';
import { checker } from './results.mjs';


// ------------------------------------------------------------ arguments

// Only the throttled first load (to measure a build): --throttled-only.
const throttledOnly = process.argv.includes('--throttled-only');
const { dist, DATE, samples, browserPath, out } = scriptArgs(
  'offline.mjs',
  process.argv.slice(2).filter((a) => a !== '--throttled-only'),
);

// Typed while offline; must never be found in any cache.
const NAME = 'Offlinia Q. Cachetest';
const SAMPLE_NAME = JSON.parse(fs.readFileSync(path.join(samples, 'patient.json'), 'utf8')).patient_name;

const { failures, checks, facts, check } = checker();

// ------------------------------------------------------------ the site's own files and policy

const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const metaPolicy = (html.match(/http-equiv="Content-Security-Policy" content="([^"]*)"/) || [])[1] || '';
check('index_html_has_a_policy', metaPolicy.length > 0);

// Every file of the built site, by its path in it.
function siteFiles(dir = dist, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory()
    ? siteFiles(path.join(dir, e.name), `${prefix}${e.name}/`)
    : [`${prefix}${e.name}`]));
}
// The wasm's parts, in order (web/build cuts it under static hosts' limits).
const WASM_PARTS = siteFiles().filter((f) => /^pkg\/second_opinion_web_bg\.\d+\.wasm$/.test(f)).sort();
check('the_wasm_comes_in_parts', WASM_PARTS.length >= 1, siteFiles().join(' '));

// The service worker's list, as web/build stamped it.
const sw = fs.readFileSync(path.join(dist, 'sw.js'), 'utf8');
const version = (sw.match(/^const VERSION = '([^']*)'/m) || [])[1] || '';
const precache = JSON.parse(((sw.match(/^const FILES = (\[.*\]);$/m) || [])[1] || '[]').replace(/'/g, '"'));
facts.cache_version = version;
facts.precache = precache;
check('sw_is_stamped', /^[0-9a-f]{16}$/.test(version) && precache.length > 0, version);

function walk(dir, base = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory()
    ? walk(path.join(dir, e.name), `${base}${e.name}/`)
    : [`${base}${e.name}`]));
}
// Every file of the page is kept; the worker itself and the server
// configurations are not.
const pageFiles = walk(dist).filter((f) => f !== 'sw.js' && f !== '_headers' && !f.startsWith('config/')).sort();
check('precache_lists_every_file_of_the_page', JSON.stringify(pageFiles) === JSON.stringify([...precache].sort()),
  `site ${JSON.stringify(pageFiles)} list ${JSON.stringify(precache)}`);
const sha = (file) => crypto.createHash('sha256').update(fs.readFileSync(path.join(dist, file))).digest('hex');
const digests = Object.fromEntries(precache.map((f) => [f, sha(f)]));
facts.precache_bytes = precache.reduce((n, f) => n + fs.statSync(path.join(dist, f)).size, 0);

// ------------------------------------------------------------ the server, with the site's _headers

// The _headers format: a path pattern, then indented "Name: value" lines.
const rules = [];
for (const line of fs.readFileSync(path.join(dist, '_headers'), 'utf8').split('\n')) {
  if (/^\s*(#|$)/.test(line)) continue;
  if (!/^\s/.test(line)) {
    const pattern = new RegExp(`^${line.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    rules.push({ pattern, headers: {} });
  } else if (rules.length) {
    const i = line.indexOf(':');
    rules[rules.length - 1].headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
}
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
// The file of the built site a request names, with the headers the site's
// own `_headers` rules give it, as a static host serves it; answers 404 and
// returns null for anything else (outside the site, missing, a folder).
function siteFile(url, res) {
  let rel = decodeURIComponent(url.pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.join(dist, path.normalize(rel).replace(/^([/\\])+/, ''));
  if (!file.startsWith(dist + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
    return null;
  }
  const headers = { 'content-type': TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream' };
  for (const rule of rules) if (rule.pattern.test(url.pathname)) Object.assign(headers, rule.headers);
  return { file, headers };
}

let down = false; // the "network" is gone: the server answers nothing
const servedWhileDown = [];
let updateChecksWhileDown = 0; // the browser's service-worker update checks
const bodies = {}; // path -> how many times its whole body was sent
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (down) {
    // The browser's own check for a new service worker (it sends
    // `Service-Worker: script`) is not the page asking for anything: DevTools'
    // offline emulation does not cover it, and with no network it fails and
    // the installed worker stays. Counted as a fact, not a request.
    if (req.headers['service-worker'] === 'script' && url.pathname === '/sw.js') {
      updateChecksWhileDown += 1;
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('offline');
      return;
    }
    servedWhileDown.push(url.pathname);
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('offline');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-type': 'text/plain' });
    res.end('static site');
    return;
  }
  const found = siteFile(url, res);
  if (!found) return;
  const { file, headers } = found;
  // Revalidation, as static servers do: an unchanged file is a 304.
  const modified = fs.statSync(file).mtime.toUTCString();
  headers['last-modified'] = modified;
  if (req.headers['if-modified-since'] === modified) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  bodies[url.pathname] = (bodies[url.pathname] || 0) + 1;
  res.writeHead(200, headers);
  fs.createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

function head(rel) {
  return new Promise((resolve, reject) => {
    http.get(`${origin}/${rel}`, (res) => { res.resume(); resolve(res.headers); }).on('error', reject);
  });
}

// ------------------------------------------------------------ the browser

// A persistent profile: Chromium never offers to install from an incognito
// context, which is what a plain newContext() is.
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'so-offline-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: browserPath,
  headless: true,
  acceptDownloads: true,
  locale: 'en-US',
  viewport: { width: 1100, height: 900 },
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});
const foreign = [];
context.on('request', (r) => {
  const u = r.url();
  if (!(u.startsWith(`${origin}/`) || u.startsWith(`blob:${origin}/`) || u.startsWith('data:'))) foreign.push(u);
});
const pageErrors = [];

async function ready(page) {
  await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 120_000 });
  return page.evaluate(() => document.documentElement.dataset.ready);
}

// What the Cache API holds, read inside the page: every cache's entries with
// the SHA-256 of each body, and whether any body holds one of `needles`.
async function cacheContents(page, needles) {
  return page.evaluate(async (needles) => {
    const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const result = { caches: {}, found: [] };
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      result.caches[name] = {};
      for (const request of await cache.keys()) {
        const body = await (await cache.match(request)).arrayBuffer();
        result.caches[name][request.url] = hex(await crypto.subtle.digest('SHA-256', body));
        const text = new TextDecoder('latin1').decode(body);
        for (const needle of needles) {
          const utf8 = String.fromCharCode(...new TextEncoder().encode(needle));
          if (text.includes(utf8) || decodeURIComponent(request.url).includes(needle)) result.found.push(`${needle} in ${request.url}`);
        }
      }
    }
    return result;
  }, needles);
}

async function run() {
  // Every file carries the page's policy as a header (the worker and the
  // service worker take theirs from it), and the types a browser needs.
  for (const rel of ['', 'src/worker.js', 'sw.js', 'src/app.js', WASM_PARTS[0], 'manifest.webmanifest']) {
    const h = await head(rel);
    check(`policy_header_on_/${rel}`, h['content-security-policy'] === metaPolicy, h['content-security-policy']);
  }
  check('wasm_type', (await head(WASM_PARTS[0]))['content-type'] === 'application/wasm');
  // Every file under static hosts' per-file limit (Cloudflare Pages: 25 MiB).
  const fileSizes = siteFiles().map((f) => [f, fs.statSync(path.join(dist, f)).size]);
  facts.largest_file = fileSizes.sort((a, b) => b[1] - a[1])[0];
  check('every_file_under_25_MiB', facts.largest_file[1] <= 25 * 1024 * 1024, JSON.stringify(facts.largest_file));
  check('manifest_type', (await head('manifest.webmanifest'))['content-type'] === 'application/manifest+json');

  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // (The probes' 404 and 405 below are expected.)
  page.on('console', (m) => { if (m.type() === 'error' && !(m.location().url || '').includes('patient=')) pageErrors.push(`console: ${m.text()}`); });
  for (const k of Object.keys(bodies)) delete bodies[k];
  const started = Date.now();
  await page.goto(`${origin}/?date=${DATE}`);
  check('page_starts_online', (await ready(page)) === 'yes');

  // The service worker installs (the whole site, wasm included) and takes
  // control of the open page.
  const controller = await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
    return navigator.serviceWorker.controller.scriptURL;
  });
  facts.seconds_to_controlled = (Date.now() - started) / 1000;
  // The worker's copy of the wasm comes from the HTTP cache: the first visit
  // downloads it once, not twice.
  facts.wasm_bodies_first_visit = WASM_PARTS.map((p) => bodies[`/${p}`] || 0);
  check('first_visit_downloads_the_wasm_once', facts.wasm_bodies_first_visit.every((n) => n === 1), JSON.stringify(bodies));
  check('service_worker_controls_the_page', controller === `${origin}/sw.js`, controller);

  // The manifest: linked, parses, and what an install needs.
  const manifest = await page.evaluate(async () => {
    const link = document.querySelector('link[rel="manifest"]');
    if (!link) return null;
    return (await fetch(link.href)).json();
  }).catch((e) => ({ error: e.message }));
  check('manifest_linked_and_parses', manifest && manifest.name && manifest.short_name && manifest.start_url
    && manifest.display === 'standalone', JSON.stringify(manifest));
  const sizes = (manifest && manifest.icons || []).filter((i) => i.type === 'image/png').map((i) => i.sizes);
  check('manifest_png_icons_192_and_512', sizes.includes('192x192') && sizes.includes('512x512'), JSON.stringify(sizes));
  const cdp = await context.newCDPSession(page);
  const app = await cdp.send('Page.getAppManifest');
  check('chromium_parses_the_manifest', app.errors.length === 0 && app.data.length > 0, JSON.stringify(app.errors));
  const installable = await cdp.send('Page.getInstallabilityErrors');
  facts.installability_errors = installable.installabilityErrors;
  check('chromium_finds_it_installable', installable.installabilityErrors.length === 0,
    JSON.stringify(installable.installabilityErrors));

  // The precache, before any patient data: exactly the site's files.
  const cacheName = `second-opinion-site-${version}`;
  const expected = Object.fromEntries(precache.map((f) => [`${origin}/${f}`, digests[f]]));
  const first = await cacheContents(page, []);
  check('cache_holds_the_site_after_install', JSON.stringify(first.caches) === JSON.stringify({ [cacheName]: expected }),
    JSON.stringify(Object.fromEntries(Object.entries(first.caches).map(([n, e]) => [n, Object.keys(e)]))));

  // Requests the worker must let pass, untouched and unstored: a GET for a
  // file not on its list and a POST, both carrying the typed name. (The page
  // itself never sends either; a careless worker that cached whatever it saw
  // would show below.)
  const probes = await page.evaluate(async (name) => {
    const q = encodeURIComponent(name);
    const a = await fetch(`not-a-site-file?patient=${q}`);
    const b = await fetch(`./?patient=${q}`, { method: 'POST', body: name });
    return [a.status, b.status];
  }, NAME);
  check('worker_lets_other_requests_pass', probes[0] === 404 && probes[1] === 405, JSON.stringify(probes));

  // No network: offline emulation, and the server answers nothing.
  await context.setOffline(true);
  down = true;
  const reopened = Date.now();
  await page.reload();
  check('page_opens_again_offline', (await ready(page)) === 'yes');
  facts.seconds_to_ready_offline = (Date.now() - reopened) / 1000;
  await page.waitForFunction(() => document.documentElement.dataset.core, null, { timeout: 120_000 });
  check('the_core_starts_offline', (await page.evaluate(() => document.documentElement.dataset.core)) === 'ready');
  check('no_loading_message_offline', (await page.locator('#boot').count()) === 0);
  // The core answers: an emptied required field is flagged when left, and
  // the flag goes once it is filled.
  const name = page.locator('#in-patient_name');
  await name.pressSequentially('x');
  await name.press('Backspace');
  await page.keyboard.press('Tab');
  await page.waitForSelector('#in-patient_name[aria-invalid="true"]', { timeout: 20_000 })
    .then(() => check('core_checks_the_form_offline', true))
    .catch(() => check('core_checks_the_form_offline', false, 'no problem shown for an empty name'));
  await name.pressSequentially(NAME);
  await page.keyboard.press('Tab');
  await page.waitForSelector('#in-patient_name:not([aria-invalid])', { timeout: 20_000 }).catch(() => {});

  // A packet, offline: the sample's answers opened, the typed name on top.
  await page.setInputFiles('#open-file', path.join(samples, 'patient.json'));
  await page.waitForFunction((n) => document.querySelector('#in-patient_name').value === n, SAMPLE_NAME);
  await name.fill('');
  await name.pressSequentially(NAME);
  await page.keyboard.press('Tab');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#make-packet')]);
  const zip = path.join(out, 'offline-packet.zip');
  await download.saveAs(zip);
  check('packet_made_offline', fs.readFileSync(zip).subarray(0, 2).toString() === 'PK');
  const saved = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#save')]);
  await saved[0].saveAs(path.join(out, 'offline-intake.json'));
  check('saved_answers_offline_hold_the_typed_name',
    JSON.parse(fs.readFileSync(path.join(out, 'offline-intake.json'), 'utf8')).patient_name === NAME);
  check('nothing_reached_the_server_offline', servedWhileDown.length === 0, servedWhileDown.join(' '));
  facts.service_worker_update_checks_offline = updateChecksWhileDown;

  // After the packet: still exactly the site's files, and no patient text.
  // (Only the typed name: the sample's own name is in the wasm, which
  // carries the sample intake.)
  const after = await cacheContents(page, [NAME, 'Cachetest']);
  check('cache_holds_only_the_site_after_a_packet', JSON.stringify(after.caches) === JSON.stringify({ [cacheName]: expected }),
    JSON.stringify(Object.fromEntries(Object.entries(after.caches).map(([n, e]) => [n, Object.keys(e)]))));
  check('no_patient_text_in_any_cache', after.found.length === 0, after.found.join('; '));
  const other = await page.evaluate(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    idb: indexedDB.databases ? (await indexedDB.databases()).length : 0,
  }));
  check('nothing_else_stored', other.local === 0 && other.session === 0 && other.idb === 0, JSON.stringify(other));
  await page.screenshot({ path: path.join(out, 'offline.png'), fullPage: false });
}


// ------------------------------------------------------------ first load, throttled

// The gzipped wasm's budget in bytes: a few percent above what web/build
// makes today (web/README.md, "Size"), so that a larger build fails here.
// 17.94 MB since the core is built for speed with SIMD (opt-level 3: a
// packet takes a quarter less CPU, for 1.2 MB more than at opt-level "s").
const WASM_GZIP_BUDGET = 18_500_000;
// 20 Mbit/s down, 40 ms latency: what the first load is measured at. The
// server paces what it sends (DevTools' network emulation covers the page's
// own requests, not those of its workers, which fetch the core).
const RATE = 20e6 / 8; // bytes a second, for every response together
const LATENCY_MS = 40;
const CHUNK = 16 * 1024;

async function throttled() {

  const gzipped = {};
  const gz = (file) => {
    if (!gzipped[file]) gzipped[file] = zlib.gzipSync(fs.readFileSync(file));
    return gzipped[file];
  };
  const wasmGzip = WASM_PARTS.reduce((sum, p) => sum + gz(path.join(dist, p)).length, 0);
  facts.wasm_bytes = WASM_PARTS.reduce((sum, p) => sum + fs.statSync(path.join(dist, p)).size, 0);
  facts.wasm_gzip_bytes = wasmGzip;
  check('wasm_within_its_gzip_budget', wasmGzip <= WASM_GZIP_BUDGET, `${wasmGzip} bytes gzipped, budget ${WASM_GZIP_BUDGET}`);

  // The same site, gzipped when the browser asks (as static hosts serve it),
  // through one 20 Mbit/s link: every chunk of every response takes its
  // turn on the link (the next free moment), after the latency.
  const sent = {}; // path -> bytes sent
  let linkFree = 0;
  const paced = (res, pathname, body) => {
    setTimeout(() => {
      let at = 0;
      const send = () => {
        if (at >= body.length) { res.end(); return; }
        const chunk = body.subarray(at, at + CHUNK);
        at += chunk.length;
        const now = performance.now();
        const start = Math.max(now, linkFree);
        linkFree = start + (chunk.length / RATE) * 1000;
        setTimeout(() => {
          sent[pathname] = (sent[pathname] || 0) + chunk.length;
          res.write(chunk, send);
        }, linkFree - now);
      };
      send();
    }, LATENCY_MS);
  };
  const zipped = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const found = siteFile(url, res);
    if (!found) return;
    const { file, headers } = found;
    if (/\bgzip\b/.test(req.headers['accept-encoding'] || '') && !file.endsWith('.png')) {
      const body = gz(file);
      res.writeHead(200, { ...headers, 'content-encoding': 'gzip', 'content-length': body.length });
      paced(res, url.pathname, body);
    } else {
      const body = fs.readFileSync(file);
      res.writeHead(200, { ...headers, 'content-length': body.length });
      paced(res, url.pathname, body);
    }
  });
  await new Promise((resolve) => zipped.listen(0, '127.0.0.1', resolve));
  const zorigin = `http://127.0.0.1:${zipped.address().port}`;
  const browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const ctx = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block', acceptDownloads: true, viewport: { width: 1100, height: 900 } });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(`throttled: ${e.message}`));
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    // What the loading message shows, seen as it changes (the bar's value
    // and max attributes, the label's words).
    await page.addInitScript(() => {
      const seen = { bar: false, value: 0, max: 0, labels: [], starting: false };
      window.__boot = seen;
      new MutationObserver(() => {
        const bar = document.getElementById('boot-progress');
        const label = document.getElementById('boot-label');
        if (bar) {
          seen.bar = true;
          seen.value = Math.max(seen.value, Number(bar.getAttribute('value')) || 0);
          seen.max = Math.max(seen.max, Number(bar.getAttribute('max')) || 0);
          seen.labelled = bar.getAttribute('aria-label') === 'Loading the packet maker';
        }
        if (label && !seen.labels.includes(label.textContent) && seen.labels.length < 200) seen.labels.push(label.textContent);
        const boot = document.getElementById('boot');
        if (boot && boot.dataset.phase === 'starting') seen.starting = true;
      }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await page.goto(`${zorigin}/?date=${DATE}`);
    // A usable form: the page started, the core answered (fields() read) and
    // the patient's name box can be typed into.
    const usable = await page.waitForFunction(() => {
      const name = document.querySelector('#in-patient_name');
      return document.documentElement.dataset.ready === 'yes' && name && !name.disabled ? performance.now() : 0;
    }, null, { timeout: 300_000, polling: 50 });
    const usableMs = Math.round(await usable.jsonValue());
    const usableBytes = Object.values(sent).reduce((a, b) => a + b, 0);
    // The form is usable while the core loads; the packet maker runs once
    // it is in (data-core="ready").
    const core = await page.waitForFunction(() => (document.documentElement.dataset.core === 'ready' ? performance.now() : 0), null, { timeout: 300_000, polling: 50 });
    const coreMs = Math.round(await core.jsonValue());
    const boot = await page.evaluate(() => window.__boot);
    const labels = boot.labels;
    const bytes = Object.values(sent).reduce((a, b) => a + b, 0);
    facts.throttled = {
      conditions: 'one 20 Mbit/s link paced by the server, 40 ms latency, gzip, no cache',
      usable_ms: usableMs,
      usable_bytes: usableBytes,
      core_ready_ms: coreMs,
      transferred_bytes: bytes,
      wasm_transferred_bytes: WASM_PARTS.reduce((sum, p) => sum + (sent[`/${p}`] || 0), 0),
      first_labels: labels.slice(0, 2),
      last_labels: labels.slice(-2),
    };
    check('loading_bar_shows', boot.bar && boot.labelled, JSON.stringify(boot));
    check('loading_bar_reaches_its_end', boot.max === facts.wasm_bytes && boot.value === boot.max, JSON.stringify({ value: boot.value, max: boot.max, wasm: facts.wasm_bytes }));
    check('loading_says_what_and_how_far', labels.some((l) => /^Loading the packet maker: [\d.,]+ of [\d.,]+ MB$/.test(l)), JSON.stringify(labels.slice(0, 5)));
    check('loading_then_says_starting', boot.starting && labels.includes('Starting…'), JSON.stringify(labels.slice(-3)));
    check('the_wasm_came_gzipped', facts.throttled.wasm_transferred_bytes > 0 && facts.throttled.wasm_transferred_bytes < facts.wasm_bytes,
      JSON.stringify(facts.throttled));
    // The form is drawn before the core arrives (it comes from fields.json,
    // a few kB): usable in well under the five seconds issue 27 asks for,
    // whatever the core's size. (How long the core takes is a figure,
    // core_ready_ms, held down by the byte budget above.)
    check('usable_form_within_5_s', usableMs < 5000, JSON.stringify(facts.throttled));
    // The time is a figure (facts.throttled.usable_ms, in the facts this
    // script writes), not a check: on a loaded 2-core machine it moves with
    // whatever else runs. What a regression would grow is the bytes, and
    // those are held to a budget (wasm_within_its_gzip_budget).
    // The packet for the sample patient, made five times in this page: how long
    // from the click to the download (a figure to compare builds by).
    await page.setInputFiles('#open-file', path.join(samples, 'patient.json'));
    await page.waitForFunction((n) => document.querySelector('#in-patient_name').value === n, SAMPLE_NAME);
    facts.throttled.packet_ms = [];
    for (let i = 0; i < 5; i += 1) {
      const t0 = Date.now();
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#make-packet')]);
      await download.path();
      facts.throttled.packet_ms.push(Date.now() - t0);
    }
    await ctx.close();
  } finally {
    await browser.close().catch(() => {});
    zipped.close();
  }
}

let crashed = null;
try {
  if (!throttledOnly) await run();
  await throttled();
} catch (err) {
  crashed = err;
  failures.push(`stopped: ${err.message.split('\n')[0]}`);
} finally {
  check('only_the_sites_own_files_requested', foreign.length === 0, foreign.join(' '));
  check('no_script_errors', pageErrors.length === 0, pageErrors.slice(0, 5).join(' | '));
  await context.close().catch(() => {});
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
const result = { ok: failures.length === 0, failures, checks, facts };
fs.writeFileSync(path.join(out, 'offline-result.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result));
if (crashed) console.error(crashed);
process.exit(result.ok ? 0 : 1);
