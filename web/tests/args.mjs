// The arguments both browser scripts take (browser.mjs, offline.mjs):
// OUTDIR [--dist DIR] [--date YYYY-MM-DD] [--samples DIR] [--chromium PATH].
// Makes OUTDIR; a missing OUTDIR prints the usage and exits 2.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function scriptArgs(script, args) {
  const argv = [...args];
  const flag = (name, fallback) => {
    const i = argv.indexOf(name);
    if (i < 0) return fallback;
    const value = argv[i + 1];
    argv.splice(i, 2);
    return value;
  };
  const dist = path.resolve(flag('--dist', path.join(repo, 'web', 'dist')));
  const DATE = flag('--date', '2026-11-23');
  const samples = path.resolve(flag('--samples', path.join(repo, 'samples')));
  const browserPath = flag('--chromium', '/usr/bin/chromium');
  const out = argv[0] ? path.resolve(argv[0]) : null;
  if (!out) {
    console.error(`usage: node ${script} OUTDIR [--dist DIR] [--date YYYY-MM-DD] [--samples DIR]`);
    process.exit(2);
  }
  fs.mkdirSync(out, { recursive: true });
  return { dist, DATE, samples, browserPath, out };
}
