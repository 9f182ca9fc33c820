// Clinic mode's worker: reads the clinic's files and builds every packet off
// the page's thread, one packet per step, so the page stays responsive and
// shows progress. Cancelling ends this worker (worker.terminate()).
// Each job is self-contained: a fresh Batch, fed every file again.

import init, * as so from '../pkg/second_opinion_web.js';

let ready = null;
let memory = null; // the module's memory, from init()

function fail(message, extra = {}) {
  postMessage({ type: 'error', message, ...extra });
}

function errorText(err) {
  return err && err.message ? err.message : String(err);
}

self.onmessage = async (e) => {
  const m = e.data;
  if (m.type === 'init') {
    ready = init({ module_or_path: m.module }).then(
      (exports) => { memory = exports && exports.memory; postMessage({ type: 'ready' }); },
      (err) => fail(`the packet maker could not start: ${errorText(err)}`),
    );
    return;
  }
  if (m.type !== 'job') return;
  await ready;
  let batch;
  try {
    batch = new so.Batch(m.options);
    if (m.clinic) {
      const logo = batch.set_clinic(m.clinic);
      if (logo) {
        const base = logo.split(/[\\/]/).pop().toLowerCase();
        const file = m.logos.find((f) => f.name.toLowerCase() === base);
        if (!file) { fail(`logo ${base} missing`, { needLogo: base }); return; }
        batch.set_logo(file.bytes);
      }
    }
    if (m.templatesZip) batch.add_templates_zip(m.templatesZip);
    for (const f of m.templates) batch.add_template(f.path, f.bytes);

    const checked = { records: 0, good: 0, problems: [], warnings: [], record_warnings: [] };
    for (const input of m.inputs) {
      const r = JSON.parse(batch.add_input(input.name, input.bytes));
      checked.records += r.records;
      checked.good += r.good;
      for (const p of r.problems) checked.problems.push({ file: input.name, ...p });
      for (const w of r.warnings) checked.warnings.push(w.includes(input.name) ? w : `${input.name}: ${w}`);
      for (const w of r.record_warnings) checked.record_warnings.push({ file: input.name, ...w });
    }
    if (!m.build) { postMessage({ type: 'done', checked }); return; }
    postMessage({ type: 'progress', stage: 'checked', checked });

    const { total } = JSON.parse(batch.prepare());
    postMessage({ type: 'progress', stage: 'build', done: 0, total });
    for (;;) {
      const step = JSON.parse(batch.build_next());
      postMessage({ type: 'progress', stage: 'build', done: step.done, total: step.total });
      if (step.finished) break;
    }
    // Copies that own their buffers, so handing them over never touches
    // the module's memory.
    const own = (a) => (memory && a.buffer === memory.buffer ? a.slice() : a);
    const bundle = own(batch.bundle());
    const report = own(batch.report());
    postMessage({ type: 'done', checked, total, bundle, report }, [bundle.buffer, report.buffer]);
  } catch (err) {
    fail(errorText(err));
  } finally {
    if (batch && typeof batch.free === 'function') batch.free();
  }
};
