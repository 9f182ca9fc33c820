// Clinic mode at scale, in Debian's headless Chromium: a large workbook
// dropped in, every packet made and downloaded (in parts of 2,000 packets
// past 2,000: all-packets-1-of-5.zip, …), while the
// memory of the tab is read from /proc once a second (issue 27: 2,500 rows
// used to end in "unreachable" with nothing downloaded, 2,000 rows took
// 4.5 GB).
//
//   node web/tests/scale.mjs OUTDIR --workbook FILE [--dist web/dist] [--date 2026-11-23] [--chromium PATH]
//
// Reads every downloaded part with unzip where the browser put it (some GB
// in all: not copied), and writes the report.csv of the last to OUTDIR. Prints one JSON line: {"ok", "failures", "checks",
// "facts"}; exits 1 when a check failed. The tab is the renderer process:
// the page and its workers (the WebAssembly cores) live there. The browser
// process, which keeps the download's Blob (on disk once it is large), is
// a figure, not a check.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { scriptArgs } from './args.mjs';
import { checker } from './results.mjs';
import { serveSite } from './site.mjs';

const argv = process.argv.slice(2);
const at = argv.indexOf('--workbook');
const workbook = at >= 0 ? path.resolve(argv.splice(at, 2)[1]) : null;
const { dist, DATE, browserPath, out } = scriptArgs('scale.mjs', argv);
if (!workbook) {
  console.error('usage: node scale.mjs OUTDIR --workbook FILE [--dist DIR] [--date YYYY-MM-DD]');
  process.exit(2);
}

// The tab's budget: what a clinic's ordinary computer gives one tab.
const TAB_BUDGET = 1024 * 1024 * 1024;

const { failures, checks, facts, check } = checker();

/** Every process under this one, with its parent, command line and resident bytes. */
function processes() {
  const all = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      all.push({ pid: Number(pid), ppid, cmd, rss: rss ? Number(rss[1]) * 1024 : 0 });
    } catch {
      // Gone meanwhile.
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) if (!mine.has(p.pid) && mine.has(p.ppid)) { mine.add(p.pid); grew = true; }
  }
  return all.filter((p) => p.pid !== process.pid && mine.has(p.pid));
}

/**
 * Resident bytes now: the tab (the largest renderer: the others are the
 * browser's own pages and a spare), and the browser process.
 */
function memory() {
  const ps = processes();
  const renderer = Math.max(0, ...ps.filter((p) => p.cmd.includes('--type=renderer')).map((p) => p.rss));
  const browser = ps.filter((p) => p.cmd.includes('chrom') && !p.cmd.includes('--type=')).reduce((a, p) => a + p.rss, 0);
  return { renderer, browser };
}

const { server, origin } = await serveSite(dist);
const browser = await chromium.launch({
  executablePath: browserPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const peak = { renderer: 0, browser: 0 };
let sampler = null;
try {
  const context = await browser.newContext({ locale: 'en-US', acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${origin}/?date=${DATE}&mode=clinic`);
  await page.waitForFunction(() => document.documentElement.dataset.worker === 'ready', null, { timeout: 300_000 });
  facts.idle = memory();
  await page.setInputFiles('#clinic-input', workbook);
  await page.waitForSelector('#clinic-summary', { timeout: 600_000 });
  facts.summary = await page.locator('#clinic-summary').textContent();
  const rows = Number((/of ([\d,]+) records/.exec(facts.summary) || [])[1].replace(/,/g, ''));
  sampler = setInterval(() => {
    const m = memory();
    peak.renderer = Math.max(peak.renderer, m.renderer);
    peak.browser = Math.max(peak.browser, m.browser);
  }, 1000);
  const started = Date.now();
  // A long run downloads in parts (all-packets-1-of-5.zip, …): every one.
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await page.click('#make-packets');
  // Done, or stopped: a status marked as an error (a file the core refused
  // is said in its own words, not "Something went wrong").
  await page.waitForFunction(() => {
    const status = document.querySelector('#clinic-status');
    return /^Done/.test(status.textContent) || status.classList.contains('error');
  }, null, { timeout: 3 * 3600_000, polling: 1000 });
  const files = [];
  for (const d of downloads) files.push({ name: d.suggestedFilename(), file: await d.path() });
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  // Each part read where the browser put it (some GB in all: not copied
  // again), with unzip, before the browser goes and takes them.
  facts.files = files.map((f) => f.name);
  facts.entries = 0;
  facts.bundle_bytes = 0;
  let report = '';
  for (const { file } of files) {
    const listing = execFileSync('unzip', ['-l', file], { maxBuffer: 64 << 20 }).toString();
    facts.entries += listing.split('\n').filter((l) => l.endsWith('.zip')).length;
    facts.bundle_bytes += fs.statSync(file).size;
    if (listing.includes(' report.csv')) report = execFileSync('unzip', ['-p', file, 'report.csv'], { maxBuffer: 64 << 20 }).toString();
  }
  facts.report_built = report.split('\n').filter((l) => l.includes(',built,')).length;
  fs.writeFileSync(path.join(out, 'report.csv'), report);
  const built = JSON.parse(await page.evaluate(() => document.documentElement.dataset.built || '{}'));
  facts.rows = rows;
  facts.seconds = seconds;
  facts.packets_per_second = Math.round((built.total / (built.ms / 1000)) * 10) / 10;
  facts.workers = Number(await page.evaluate(() => document.documentElement.dataset.workers));
  facts.wasm_mb = (built.wasm || []).map((b) => Math.round(b / 1e6));
  facts.peak_renderer_mb = Math.round(peak.renderer / 1e6);
  facts.peak_browser_mb = Math.round(peak.browser / 1e6);
  facts.status = await page.locator('#clinic-status').textContent();
  const parts = Math.ceil(rows / 2000);
  check('parts_of_2000', files.length === parts && (parts === 1
    ? files[0].name === 'all-packets.zip'
    : files.every((f, i) => f.name === `all-packets-${i + 1}-of-${parts}.zip`)), JSON.stringify(facts.files));
  check('every_row_built', built.total === rows && facts.status.startsWith('Done'), JSON.stringify({ rows, built, status: facts.status }));
  check('bundle_downloaded_whole', facts.bundle_bytes === built.bytes, JSON.stringify({ file: facts.bundle_bytes, page: built.bytes }));
  check('unzip_lists_a_packet_per_row', facts.entries === rows && report !== '', JSON.stringify({ rows, entries: facts.entries }));
  check('report_says_every_row_built', facts.report_built === rows, String(facts.report_built));
  check('tab_under_1_gb', peak.renderer > 0 && peak.renderer < TAB_BUDGET, `${facts.peak_renderer_mb} MB`);
  check('a_worker_per_core', facts.workers >= Math.min(2, (await page.evaluate(() => navigator.hardwareConcurrency))), String(facts.workers));
  check('no_script_errors', pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));
  await context.close();
} catch (err) {
  failures.push(`stopped: ${err.message.split('\n')[0]}`);
} finally {
  if (sampler) clearInterval(sampler);
  await browser.close().catch(() => {});
  server.close();
}
const result = { ok: failures.length === 0, failures, checks, facts, out };
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
