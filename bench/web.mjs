// Times the browser edition in Debian's headless Chromium: opening the page
// until the form is usable, one packet from the form, and N packets in
// clinic mode (a generated intake of N fictional patients).
//
//   web/build && (cd web/tests && npm ci) && node bench/web.mjs [N]
//
// Prints one JSON line of seconds. One run; the machines are noisy.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.resolve('web/tests/package.json'));
const { chromium } = require('playwright-core');
const n = Number(process.argv[2] || 100);
const dist = path.resolve('web/dist');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = path.join(dist, rel === '/' ? 'index.html' : rel);
  if (!file.startsWith(dist) || !fs.existsSync(file)) { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'so-web-bench-'));
const sample = JSON.parse(fs.readFileSync('samples/patient.json', 'utf8'));
const many = Array.from({ length: n }, (_, i) => ({ ...sample, packet_id: `BENCH-${i + 1}` }));
fs.writeFileSync(path.join(tmp, 'many.json'), JSON.stringify(many));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ acceptDownloads: true });
const page = await context.newPage();
const secs = (t) => Math.round((performance.now() - t) / 10) / 100;
let t = performance.now();
await page.goto(`${origin}/?date=2026-11-23`);
await page.waitForFunction(() => document.documentElement.dataset.ready === 'yes', null, { timeout: 300_000 });
const open = secs(t);
await page.setInputFiles('#open-file', 'samples/patient.json');
await page.waitForFunction(() => document.querySelector('#in-patient_name').value !== '');
t = performance.now();
await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.click('#make-packet')]);
const one = secs(t);
await page.click('#mode-clinic');
await page.waitForFunction(() => document.documentElement.dataset.worker === 'ready', null, { timeout: 300_000 });
await page.setInputFiles('#clinic-input', path.join(tmp, 'many.json'));
await page.waitForSelector('#clinic-summary', { timeout: 300_000 });
t = performance.now();
await Promise.all([page.waitForEvent('download', { timeout: 1_800_000 }), page.click('#make-packets')]);
const batch = secs(t);
console.log(JSON.stringify({ open_to_usable_form_s: open, one_packet_s: one, packets: n, batch_s: batch, packets_per_s: Math.round((n / batch) * 10) / 10 }));
await browser.close();
server.close();
fs.rmSync(tmp, { recursive: true, force: true });
