// The packet maker, off the page's thread. Every use of the WebAssembly core
// happens here, so the page never freezes while a packet is made (issue 27):
//
// - the page's own worker ("engine") loads the core, reporting the bytes as
//   they arrive, then checks the form as it is typed and makes the patient's
//   packet; it hands the compiled module back, so that clinic workers start
//   from it without loading anything again;
// - clinic mode runs one worker per core (app.js's pool). Each is fed the
//   same files and builds the packets it is given by number; one of them
//   (the first) also takes every packet, straight from the others through
//   a MessageChannel, in input order into the bundle, which grows as a Blob
//   (kept by the browser, on disk once large), so nothing here or in the
//   page grows with the number of rows. The page only hands out numbers.
//
// Messages carry an id; the answer carries the same id, with ok true and a
// value, or ok false and a message. When the core refused, the message is
// its JSON ({"error": …}, {"checked": …} or {"problem": …}: a code and its
// parameters, never English to show), handed on parsed as `coded` for the
// page to word in its language (words.js). Cancelling ends the workers
// (worker.terminate()).

import init, * as so from '../pkg/second_opinion_web.js';

let memory = null; // the module's memory, from init()
let batch = null; // clinic mode: this worker's Batch

// Packets per part of the bundle: a long run downloads in parts, each a
// whole ZIP of about 1 GB (a browser holds a download until it is saved,
// and a private window keeps it in memory: 4.5 GB in one file was
// cancelled there); runs up to this size give the one all-packets.zip.
const PART = 2000;

// Clinic mode, the first worker: the packets built (here or by the others,
// whose ports deliver theirs straight here, never through the page), taken
// in input order into the bundle, which grows as a Blob (the browser keeps
// a large one on disk) so that this worker holds at most 32 MB of it.
const bundle = {
  total: 0,
  recorded: 0,
  built: new Map(), // k -> the packet's ZIP, or null when it failed
  blob: null,
  parts: [],
  held: 0,
  bytes: 0,
  done: null, // resolves once every packet is recorded (or one could not be)
  failed: null,
  start(total) {
    Object.assign(this, { total, recorded: 0, built: new Map(), blob: new Blob([]), parts: [], held: 0, bytes: 0, failed: null });
    let resolve;
    this.done = new Promise((r) => { resolve = r; });
    this.done.resolve = resolve;
    if (total === 0) resolve();
  },
  /** The current part's file name: all-packets.zip when there is one part. */
  partName() {
    const parts = Math.max(1, Math.ceil(this.total / PART));
    if (parts === 1) return 'all-packets.zip';
    return `all-packets-${Math.floor((this.recorded - 1) / PART) + 1}-of-${parts}.zip`;
  },
  /** The current part as one Blob; the next part starts empty. */
  take() {
    const whole = new Blob([this.blob, ...this.parts], { type: 'application/zip' });
    this.blob = new Blob([]);
    this.parts = [];
    this.held = 0;
    return whole;
  },
  add(piece) {
    if (!piece.byteLength) return;
    this.parts.push(piece);
    this.held += piece.byteLength;
    this.bytes += piece.byteLength;
    if (this.held >= 32e6) { this.blob = new Blob([this.blob, ...this.parts]); this.parts = []; this.held = 0; }
  },
  /** A packet built (its ZIP, or null): recorded once every one before it is. */
  deliver(k, zip) {
    if (this.failed) return;
    this.built.set(k, zip);
    try {
      while (this.built.has(this.recorded)) {
        const next = this.built.get(this.recorded);
        this.built.delete(this.recorded);
        this.add(batch.record_packet(this.recorded, next || undefined));
        this.recorded += 1;
        if (this.recorded % PART === 0 && this.recorded < this.total) {
          // A part is whole: it goes to the page, which downloads it.
          this.add(batch.cut_bundle());
          postMessage({ type: 'part', name: this.partName(), blob: this.take() });
        }
        postMessage({ type: 'recorded', done: this.recorded, total: this.total, wasm: memory ? memory.buffer.byteLength : 0 });
      }
    } catch (err) {
      // The bundle cannot go on: finish() says why.
      this.failed = err;
      this.done.resolve();
      return;
    }
    if (this.recorded === this.total) this.done.resolve();
  },
};
let toFirst = null; // the other workers: their port to the first one

/** A copy that owns its buffer, so handing it over never touches the module's memory. */
function own(a) {
  return memory && a.buffer === memory.buffer ? a.slice() : a;
}

function errorText(err) {
  return err && err.message ? err.message : String(err);
}

/**
 * Why the core could not start, for the page to word: `network` (a part
 * that did not download: offline, a server error), `memory` (the browser
 * could not give WebAssembly its memory), or `other`.
 */
function startFailure(err) {
  if (err && (err.network || err.name === 'TypeError' && /fetch|network/i.test(errorText(err)))) return 'network';
  if (err && (err.name === 'RangeError' || /out of memory|memory access|could not allocate/i.test(errorText(err)))) return 'memory';
  return 'other';
}

/** The core's coded refusal in an error, parsed; null for any other error. */
function coded(err) {
  try {
    const value = JSON.parse(errorText(err));
    return value && typeof value === 'object' && (value.error || value.checked || value.problem) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Fetches the core, posting how many bytes have arrived, and compiles it as
 * it streams in. web/build cuts the wasm into parts of at most 20 MB (static
 * hosts refuse larger files: Cloudflare Pages, 25 MiB); they are fetched in
 * turn into one stream, which WebAssembly.compileStreaming reads as one
 * application/wasm response. `size` is the whole wasm's size, which
 * web/build stamps (a compressing server's Content-Length counts the
 * compressed bytes, the stream the plain ones).
 */
async function load(parts, size) {
  let got = 0;
  let said = 0;
  postMessage({ type: 'progress', got, total: size });
  const stream = new ReadableStream({
    async start(controller) {
      try {
        for (const url of parts) {
          const response = await fetch(url);
          if (!response.ok || !response.body) throw Object.assign(new Error(`${url.split('/').pop()}: ${response.status}`), { network: true });
          const reader = response.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            got += value.byteLength;
            controller.enqueue(value);
            const now = performance.now();
            if (now - said > 100) { said = now; postMessage({ type: 'progress', got, total: size }); }
          }
        }
        postMessage({ type: 'progress', got, total: size, done: true });
        controller.close();
      } catch (err) {
        controller.error(err);
      }
    },
  });
  return WebAssembly.compileStreaming(new Response(stream, { headers: { 'Content-Type': 'application/wasm' } }));
}

/** Clinic mode: a fresh Batch fed every file of the job. */
function loadJob(job) {
  if (batch && typeof batch.free === 'function') batch.free();
  toFirst = null;
  batch = new so.Batch(job.options);
  if (job.clinic) {
    const logo = batch.set_clinic(job.clinic);
    if (logo) {
      const base = logo.split(/[\\/]/).pop().toLowerCase();
      const file = job.logos.find((f) => f.name.toLowerCase() === base);
      if (!file) throw Object.assign(new Error(`logo ${base} missing`), { needLogo: base });
      batch.set_logo(file.bytes);
    }
  }
  if (job.templatesZip) batch.add_templates_zip(job.templatesZip);
  for (const f of job.templates) batch.add_template(f.path, f.bytes);
  const checked = { records: 0, good: 0, problems: [], warnings: [], record_warnings: [] };
  for (const input of job.inputs) {
    const r = JSON.parse(batch.add_input(input.name, input.bytes));
    checked.records += r.records;
    checked.good += r.good;
    for (const p of r.problems) checked.problems.push({ file: input.name, ...p });
    for (const w of r.warnings) checked.warnings.push({ ...w, file: input.name });
    for (const w of r.record_warnings) checked.record_warnings.push({ file: input.name, ...w });
  }
  const total = job.build ? batch.prepare() : 0;
  return { checked, total };
}

const handlers = {
  check(m) {
    return JSON.parse(so.check_intake(m.record, m.options));
  },
  /** A file the person opened: what the core finds in it (a coded error when it is not an intake). */
  checkFile(m) {
    return JSON.parse(so.check_file(m.name, m.bytes, m.options));
  },
  /** A saved record as the form holds it: choices and lists read by the core's rules. */
  formValues(m) {
    return JSON.parse(so.form_values(m.record));
  },
  make(m) {
    let packet;
    try {
      packet = so.make_packet(m.record, m.options);
    } catch (err) {
      // The form's problems come back as the checked result.
      const refusal = coded(err);
      if (refusal && refusal.checked) return { checked: refusal.checked };
      throw err;
    }
    const value = { name: packet.name, zip: own(packet.zip), pdf: own(packet.pdf) };
    if (typeof packet.free === 'function') packet.free();
    return [value, [value.zip.buffer, value.pdf.buffer]];
  },
  load(m) {
    return loadJob(m.job);
  },
  /** The first worker: a port another worker delivers its packets through. */
  connect(m) {
    m.port.onmessage = (e) => bundle.deliver(e.data.k, e.data.zip);
    return true;
  },
  /** Another worker: the port to the first one. */
  deliverTo(m) {
    toFirst = m.port;
    return true;
  },
  build(m) {
    // The module's memory (it never shrinks), for the page to show.
    const wasm = memory ? memory.buffer.byteLength : 0;
    let zip = null;
    try {
      zip = batch.build_packet(m.k);
    } catch {
      // Failed: the first worker finds the problem again for the report.
    }
    if (toFirst) {
      batch.forget_packet(m.k);
      toFirst.postMessage({ k: m.k, zip }, zip ? [zip.buffer] : []);
    } else {
      bundle.deliver(m.k, zip);
    }
    return { wasm };
  },
  /** The first worker, before any packet: the bundle is opened. */
  open(m) {
    bundle.start(m.total);
    return true;
  },
  /** The first worker: once every packet is in, the report and the whole bundle. */
  async finish() {
    await bundle.done;
    if (bundle.failed) throw bundle.failed;
    bundle.add(batch.finish_bundle());
    const name = bundle.partName();
    const whole = bundle.take();
    const report = own(batch.report());
    const bytes = bundle.bytes;
    bundle.start(0);
    return [{ bundle: whole, name, bytes, report }, [report.buffer]];
  },
};

let ready = null;

self.onmessage = async (e) => {
  const m = e.data;
  if (m.type === 'init') {
    ready = (async () => {
      const module = m.module || await load(m.parts, m.size);
      const exports = await init({ module_or_path: module });
      memory = exports && exports.memory;
      // The page keeps the compiled module for the clinic workers.
      postMessage({ type: 'ready', module: m.module ? null : module });
    })().catch((err) => postMessage({ type: 'failed', message: errorText(err), reason: startFailure(err) }));
    return;
  }
  await ready;
  const handler = handlers[m.type];
  if (!handler) return;
  try {
    const out = await handler(m);
    const [value, transfer] = Array.isArray(out) ? out : [out, []];
    postMessage({ id: m.id, ok: true, value }, transfer);
  } catch (err) {
    postMessage({ id: m.id, ok: false, message: errorText(err), coded: coded(err), needLogo: err && err.needLogo });
  }
};
