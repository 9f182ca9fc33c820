// The browser edition's speed against the command line's, on the same
// packets and the same cores (issue 27 aims at 80 % of the CLI's
// throughput in clinic mode):
//
// 1. one core: the WebAssembly core in Node (web/dist/pkg, exactly what the
//    page's workers run) against `second-opinion build --jobs 1`, as CPU
//    seconds per packet (CPU time, not wall time: the machines are shared);
// 2. all cores: clinic mode in Debian's headless Chromium (a worker per
//    core, web/tests/scale.mjs, which also reads the tab's memory) against
//    `second-opinion build --bundle`, as packets per second.
//
//   web/build && cargo build --release && (cd web/tests && npm ci)
//   node bench/web.mjs [N]          # N packets for step 2 (default 600)
//
// The intake is samples/patient.json N times over, each with a packet id
// and a name of its own. Prints one JSON line. One run; compare the ratios,
// not the figures across days (bench/PROFILE.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const n = Number(process.argv[2] || 600);
const DATE = '2026-11-23';
const cli = path.join(root, 'target/release/second-opinion');
const pkg = path.join(root, 'web/dist/pkg');
for (const need of [cli, pkg]) {
  if (!fs.existsSync(need)) {
    console.error(`bench/web.mjs: no ${path.relative(root, need)}: run web/build and cargo build --release first`);
    process.exit(2);
  }
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'so-web-bench-'));
const sample = JSON.parse(fs.readFileSync(path.join(root, 'samples/patient.json'), 'utf8'));
/** An intake of `count` patients in a file of its own. */
function intake(count) {
  const many = Array.from({ length: count }, (_, i) => ({
    ...sample,
    packet_id: `BENCH-${String(i + 1).padStart(5, '0')}`,
    patient_name: `Ada Q. Bench${i + 1}`,
  }));
  const file = path.join(tmp, `many-${count}.json`);
  fs.writeFileSync(file, JSON.stringify(many));
  return file;
}

/** CPU seconds (user + system) and wall seconds of the CLI on `args`. */
function cliRun(args) {
  const out = fs.mkdtempSync(path.join(tmp, 'out-'));
  const t = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%U %S', cli, 'build', ...args, '--quiet', '--date', DATE, '-o', out],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  if (run.status !== 0) throw new Error(`second-opinion build failed: ${run.stderr}`);
  const said = run.stderr.toString().trim().split('\n').pop();
  const wall = (performance.now() - t) / 1000;
  fs.rmSync(out, { recursive: true, force: true });
  const [user, sys] = said.split(' ').map(Number);
  return { cpu: user + sys, wall };
}

// 1. One core. The wasm: eight packets to warm up (V8 compiles the hot
// functions again, optimised, in the background meanwhile), then `single`
// measured. The CLI: its fixed cost (fonts, the template check) taken out
// by running it on a tenth as many.
const single = 60;
const so = await import(pathToFileURL(path.join(pkg, 'second_opinion_web.js')));
const parts = fs.readdirSync(pkg).filter((f) => /_bg(\.\d)?\.wasm$/.test(f)).sort();
so.initSync({ module: Buffer.concat(parts.map((p) => fs.readFileSync(path.join(pkg, p)))) });
const batch = new so.Batch(JSON.stringify({ date: DATE }));
const file = intake(single + 8);
batch.add_input(path.basename(file), fs.readFileSync(file));
batch.prepare();
for (let k = 0; k < 8; k += 1) batch.build_packet(k);
const before = process.cpuUsage();
for (let k = 8; k < single + 8; k += 1) batch.build_packet(k);
const used = process.cpuUsage(before);
const wasmCpu = (used.user + used.system) / 1e6 / single;
const small = cliRun([intake(single / 10), '--jobs', '1']);
const large = cliRun([intake(single), '--jobs', '1']);
const cliCpu = (large.cpu - small.cpu) / (single - single / 10);

// 2. All cores.
const all = intake(n);
const cliAll = cliRun([all, '--bundle']);
const scaleOut = path.join(tmp, 'scale');
let browser;
try {
  const said = execFileSync('node', [path.join(root, 'web/tests/scale.mjs'), scaleOut, '--workbook', all, '--date', DATE],
    { cwd: root, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  browser = JSON.parse(said.trim().split('\n').pop());
} catch (err) {
  browser = JSON.parse(String(err.stdout || '{}').trim().split('\n').pop() || '{}');
}
fs.rmSync(tmp, { recursive: true, force: true });
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const browserRate = browser.facts && browser.facts.packets_per_second;
console.log(JSON.stringify({
  one_core: {
    wasm_cpu_s_per_packet: round(wasmCpu),
    cli_cpu_s_per_packet: round(cliCpu),
    wasm_over_cli: round(wasmCpu / cliCpu, 2),
  },
  all_cores: {
    packets: n,
    cores: os.availableParallelism(),
    cli_packets_per_s: round(n / cliAll.wall, 1),
    browser_packets_per_s: browserRate,
    browser_workers: browser.facts && browser.facts.workers,
    browser_peak_tab_mb: browser.facts && browser.facts.peak_renderer_mb,
    browser_share_of_cli: browserRate ? round(browserRate / (n / cliAll.wall), 2) : null,
    browser_checks_ok: browser.ok === true,
  },
}));
