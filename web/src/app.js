// The page: the patient form and clinic mode. Everything runs here, in this
// browser: the intake is checked and the packet made by the WebAssembly
// build of the same core the command-line tool uses, in Web Workers
// (worker.js), so the page never freezes. Nothing is sent anywhere and
// nothing is stored (no local storage, cookies or IndexedDB).
//
// The form is drawn from fields.json (the core's field table, written by
// web/build), which is small: the page is usable while the core, the
// largest file by far, still loads in the worker (issue 27).

import { LANGUAGES, GROUPS, FIELD_WORDS, CHOICE_WORDS, UI, wordGaps, choiceGaps, problemGaps, problemText, problemPlace, placeWords } from './words.js';

// The wasm's parts (web/build cuts it into files of at most 20 MB, under
// static hosts' per-file limits), stamped by web/build; an unbuilt copy
// names the whole file.
const WASM_PARTS = ['second_opinion_web_bg.wasm']; // web/build: the parts, in order
const WASM_URLS = WASM_PARTS.map((p) => String(new URL(`../pkg/${p}`, import.meta.url)));
const FIELDS_URL = new URL('../fields.json', import.meta.url);
const WORKER_URL = new URL('./worker.js', import.meta.url);

const params = new URLSearchParams(location.search);
const state = {
  lang: LANGUAGES.includes(params.get('lang')) ? params.get('lang') : (/^es\b/i.test(navigator.language || '') ? 'es' : 'en'),
  mode: params.get('mode') === 'clinic' ? 'clinic' : 'patient',
  date: runDate(params.get('date')),
  spec: null,          // the core's field table (fields.json, the same as so.fields())
  module: null,        // the compiled WebAssembly.Module, shared with the clinic workers
  touched: new Set(),  // fields the person has left, whose problems show as they type
  showAll: false,      // after a first "Make my packet", every problem shows
  lastCheck: null,
  clinic: { inputs: [], profile: [], templates: [], templatesZip: null, checked: null },
};

// ---------------------------------------------------------------- helpers

/** The run date: ?date=YYYY-MM-DD when given (for tests), else today's local date. */
function runDate(given) {
  if (given && /^\d{4}-\d{2}-\d{2}$/.test(given)) return given;
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function t(key, vars = {}) {
  const text = UI[state.lang][key];
  if (text === undefined) throw new Error(`no words for ${key}`);
  return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

function fieldWords(name) {
  return FIELD_WORDS[name][state.lang];
}

function choiceWord(field, code) {
  return CHOICE_WORDS[field][code][state.lang];
}

/** Creates an element: el('p', {class: 'x', text: 'hi'}, child, ...). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c) node.append(c);
  return node;
}

/** Offers bytes (or a Blob, which may live on disk) as a download. */
function download(bytes, name, type) {
  const url = URL.createObjectURL(bytes instanceof Blob ? bytes : new Blob([bytes], { type }));
  const a = el('a', { href: url, download: name, class: 'hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function say(node, text, kind = 'info') {
  node.textContent = text;
  node.className = `status ${kind}`;
}

/**
 * What a failed call to the core says, in the page's language. The core
 * refuses with a code and its parameters (worker.js hands them on as
 * `coded`): a file that cannot be read ({error}), or a packet that could
 * not be built ({problem}), worded here with words.js, with the file's name
 * in clinic mode. Anything else (the page's own mistake) keeps its text.
 */
function failureText(err, { clinic = false } = {}) {
  const coded = err && err.coded;
  const found = coded && (coded.error || coded.problem);
  if (!found) return err && err.message ? err.message : String(err);
  const words = problemText(found, state.lang, { clinic });
  const file = clinic && found.file ? `${found.file}: ` : '';
  return `${file}${words.message}. ${t('hint')} ${words.hint}`;
}

function options(extra = {}) {
  return JSON.stringify({
    date: state.date,
    language: state.lang,
    large_print: document.getElementById('opt-large')?.checked ?? false,
    paper: document.getElementById('opt-paper')?.value || 'letter',
    ...extra,
  });
}

// ---------------------------------------------------------------- leaving

/*
 * Reload, Back, pull-to-refresh or closing the tab would erase the form
 * without a word: the browser asks first while the form holds answers not
 * yet saved or downloaded (the browser shows its own words; returnValue is
 * for older ones). In clinic mode only a build under way is at stake (the
 * files stay on the computer), so a finished download never asks.
 */
function leaving(e) {
  const form = document.getElementById('patient-form');
  const answers = state.unsaved && form && Object.keys(formRecord()).length > 0;
  const patientAtStake = state.mode === 'patient' ? answers : false;
  const clinicAtStake = state.mode === 'clinic' && running;
  if (!patientAtStake && !clinicAtStake) return undefined;
  e.preventDefault();
  e.returnValue = t('leave_warning');
  return e.returnValue;
}
window.addEventListener('beforeunload', leaving);

// ---------------------------------------------------------------- start

// The wasm's size before any compression: web/build stamps it here, so that
// the progress bar knows its end even when the server compresses the wasm
// (a gzip Content-Length counts the compressed bytes, the stream the
// uncompressed ones). 0 when unknown (an unbuilt copy).
const WASM_BYTES = 0; // web/build: the size of pkg/second_opinion_web_bg.wasm

/** Megabytes, one decimal, in the page's language's number format. */
function megabytes(bytes) {
  return (bytes / 1e6).toLocaleString(state.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/**
 * The boot message with a progress bar: "Loading the packet maker: 5.2 of
 * 12.3 MB" and a determinate <progress> labelled by that text, then
 * "Starting…" once every byte is in while the compile finishes. The bar is
 * named "Loading the packet maker" (its value is the bar's own); the status
 * message is aria-busy while the numbers change, so that a screen reader
 * is not told every tenth of a second, and says "Starting…" at the end.
 */
function bootProgress(boot) {
  const words = UI[state.lang];
  boot.textContent = '';
  const label = document.createElement('span');
  label.id = 'boot-label';
  label.textContent = words.loading;
  const bar = document.createElement('progress');
  bar.id = 'boot-progress';
  bar.setAttribute('aria-label', words.loading_core);
  boot.setAttribute('aria-busy', 'true');
  boot.append(label, bar);
  let shown = 0;
  return {
    update(got, total) {
      const now = performance.now();
      const done = total > 0 && got >= total;
      if (!done && now - shown < 100) return;
      shown = now;
      if (total > 0) {
        bar.max = total;
        bar.value = Math.min(got, total);
        label.textContent = `${words.loading_core}: ${words.loading_of(megabytes(got), megabytes(total))}`;
      } else {
        label.textContent = `${words.loading_core}: ${words.loading_got(megabytes(got))}`;
      }
    },
    starting() {
      if (boot.dataset.phase === 'starting') return;
      if (bar.max > 0 && bar.value < bar.max) bar.value = bar.max;
      label.textContent = words.starting;
      boot.dataset.phase = 'starting';
      boot.removeAttribute('aria-busy');
    },
    /** The core runs: the message has nothing more to say. */
    finished() {
      boot.remove();
    },
    /** The browser cannot run the core: say what to do. */
    unsupported() {
      boot.removeAttribute('aria-busy');
      boot.textContent = words.browser_too_old;
      boot.className = 'boot error';
    },
    failed(err) {
      boot.removeAttribute('aria-busy');
      boot.textContent = startFailureText(err, words);
      boot.className = 'boot error';
    },
  };
}

/**
 * A worker running the core, answering requests by id (worker.js).
 * `init` is the first message: the compiled module, or the address to
 * load it from (with progress messages on the way).
 */
function coreWorker(name, init, onProgress) {
  const w = new Worker(WORKER_URL, { type: 'module', name });
  const waiting = new Map();
  let nextId = 1;
  let ended = false;
  let refuse = null;
  let listener = null; // what the worker says unasked (clinic mode's progress)
  const ready = new Promise((resolve, reject) => {
    refuse = reject;
    w.addEventListener('message', (e) => {
      const m = e.data;
      if (m.type === 'progress') { if (onProgress) onProgress(m); return; }
      if (m.type === 'ready') { resolve(m.module); return; }
      if (m.type === 'failed') { reject(Object.assign(new Error(m.message), { reason: m.reason })); return; }
      if (m.id === undefined) { if (listener) listener(m); return; }
      const call = waiting.get(m.id);
      if (!call) return;
      waiting.delete(m.id);
      if (m.ok) call.resolve(m.value);
      else call.reject(Object.assign(new Error(m.message), { needLogo: m.needLogo, coded: m.coded }));
    });
    w.addEventListener('error', (e) => reject(new Error(e.message || 'the packet maker could not start')));
  });
  ready.catch(() => {});
  w.postMessage({ type: 'init', ...init });
  return {
    ready,
    /** Sends a request; resolves with the answer's value. */
    call(type, message = {}, transfer = []) {
      return ready.then(() => new Promise((resolve, reject) => {
        if (ended) { reject(Object.assign(new Error('cancelled'), { cancelled: true })); return; }
        const id = nextId;
        nextId += 1;
        waiting.set(id, { resolve, reject });
        w.postMessage({ ...message, type, id }, transfer);
      }));
    },
    /** Hears what the worker says unasked. */
    listen(fn) {
      listener = fn;
    },
    /** Ends the worker; every request still waiting is refused. */
    end() {
      ended = true;
      w.terminate();
      refuse(Object.assign(new Error('cancelled'), { cancelled: true }));
      for (const call of waiting.values()) call.reject(Object.assign(new Error('cancelled'), { cancelled: true }));
      waiting.clear();
    },
  };
}

/** The patient page's worker: loads the core, checks the form, makes the packet. */
const engine = { worker: null, ready: null };

// The core is built with WebAssembly SIMD (web/build): Chrome 91, Firefox
// 89, Safari 16.4 or later. This module of one SIMD function validates
// only where SIMD runs (`i8x16.splat`, `i8x16.popcnt`), so an older
// browser is told to update instead of failing to compile 40 MB.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** Whether this browser can run the core. */
function coreRunsHere() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Starts loading the core in the engine worker, the boot message showing
 * how far it is, above the form that is already usable. Once the core runs,
 * the message goes and the page says so (data-core="ready").
 */
function startEngine(progress) {
  if (!coreRunsHere()) {
    progress.unsupported();
    document.documentElement.dataset.core = 'unsupported';
    engine.ready = Promise.reject(new Error(UI[state.lang].browser_too_old));
    engine.ready.catch(() => {});
    return;
  }
  engine.worker = coreWorker('engine', { parts: WASM_URLS, size: WASM_BYTES }, (m) => {
    progress.update(m.got, m.total);
    if (m.done) progress.starting();
  });
  engine.ready = engine.worker.ready.then((module) => {
    state.module = module;
    progress.starting();
    progress.finished();
    document.documentElement.dataset.core = 'ready';
    return module;
  }, (err) => {
    progress.failed(err);
    document.documentElement.dataset.core = 'error';
    throw err;
  });
  engine.ready.catch(() => {});
}

/**
 * Why the page could not start, in the page's words: a download that
 * failed, memory, or else "reload". The browser's own text (a status code,
 * an English message) goes to the console for whoever supports the page,
 * never onto it.
 */
function startFailureText(err, words) {
  console.warn('second-opinion could not start:', err && err.message ? err.message : err);
  if (err && err.reason === 'network') return words.load_failed_network;
  if (err && err.reason === 'memory') return words.load_failed_memory;
  return words.load_failed;
}

async function start() {
  const boot = document.getElementById('boot');
  const fail = (text, err) => {
    boot.removeAttribute('aria-busy');
    boot.textContent = text;
    boot.className = 'boot error';
    document.documentElement.dataset.ready = 'error';
    throw err;
  };
  try {
    let response;
    try {
      response = await fetch(FIELDS_URL);
    } catch (err) {
      throw Object.assign(err, { reason: 'network' });
    }
    if (!response.ok) throw Object.assign(new Error(`fields.json: ${response.status}`), { reason: 'network' });
    state.spec = await response.json();
  } catch (err) {
    fail(startFailureText(err, UI[state.lang]), err);
  }
  const gaps = [...wordGaps(state.spec.fields.map((f) => f.name)), ...choiceGaps(state.spec.fields), ...problemGaps(state.spec.problem_codes || [])];
  if (gaps.length) {
    fail(`${UI[state.lang].words_missing} ${gaps.join('; ')}`, new Error(`words.js does not match fields(): ${gaps.join('; ')}`));
  }
  const progress = bootProgress(boot);
  startEngine(progress);
  try {
    render();
  } catch (err) {
    fail(startFailureText(err, UI[state.lang]), err);
  }
  document.documentElement.dataset.ready = 'yes';
}

// ---------------------------------------------------------------- layout

function render() {
  const keep = state.spec && document.getElementById('patient-form') ? formRecord() : null;
  const keepDates = keep ? allDateParts() : null;
  document.documentElement.lang = state.lang;
  document.title = t('title');
  document.getElementById('title').textContent = t('title');
  document.getElementById('privacy-text').textContent = t('privacy');
  document.getElementById('skip').textContent = state.lang === 'es' ? 'Ir al formulario' : 'Skip to the form';

  const top = document.getElementById('topbar');
  top.replaceChildren(
    el('div', { class: 'field inline' },
      el('label', { for: 'opt-lang', text: t('page_language') }),
      el('select', { id: 'opt-lang', onchange: (e) => { state.lang = e.target.value; render(); document.getElementById('opt-lang').focus(); } },
        LANGUAGES.map((l) => el('option', { value: l, selected: l === state.lang, text: CHOICE_WORDS.language[l][l] })))),
    el('nav', { class: 'modes', 'aria-label': state.lang === 'es' ? 'Modo' : 'Mode' },
      modeButton('patient', t('mode_patient')),
      modeButton('clinic', t('mode_clinic'))),
  );

  const app = document.getElementById('app');
  app.replaceChildren(state.mode === 'patient' ? patientPage() : clinicPage());
  if (keep) { fillForm(keep); restoreDateParts(keepDates); }
  if (state.mode === 'patient' && state.lastCheck) showProblems(state.lastCheck);
}

function modeButton(mode, label) {
  return el('button', {
    type: 'button', class: 'mode', 'aria-pressed': String(state.mode === mode), id: `mode-${mode}`,
    onclick: () => {
      if (state.mode === mode) return;
      if (state.mode === 'patient') { state.keptRecord = formRecord(); state.keptDates = allDateParts(); }
      state.mode = mode;
      render();
      if (mode === 'patient' && state.keptRecord) { fillForm(state.keptRecord); restoreDateParts(state.keptDates); }
      document.getElementById('main').focus();
    },
    text: label,
  });
}

// ---------------------------------------------------------------- patient form

function patientPage() {
  const form = el('form', { id: 'patient-form', novalidate: true, autocomplete: 'off', onsubmit: (e) => { e.preventDefault(); makePacket('zip'); } });
  form.append(
    // The start view: what the page is, how long it takes, what to have
    // ready, and that nothing is uploaded, before the first question.
    el('section', { class: 'start', id: 'start', 'aria-labelledby': 'start-title' },
      el('h2', { id: 'start-title', text: t('start_title') }),
      el('ul', {},
        el('li', { text: t('start_what') }),
        el('li', { text: t('start_time') }),
        el('li', { text: t('start_ready') }),
        el('li', { class: 'start-private', text: t('start_private') }))),
    el('p', { class: 'note', text: t('required_note') }),
    el('div', { id: 'summary', class: 'summary hidden', tabindex: '-1', role: 'region', 'aria-labelledby': 'summary-title' }),
  );
  for (const group of GROUPS) {
    const fields = state.spec.fields.filter((f) => FIELD_WORDS[f.name].group === group);
    if (!fields.length) continue;
    const box = el('fieldset', { class: 'group', id: `group-${group}` },
      el('legend', {}, el('h2', { text: t(`group_${group}`) })));
    for (const f of fields) box.append(control(f));
    form.append(box);
  }
  form.append(
    el('fieldset', { class: 'group', id: 'group-options' },
      el('legend', {}, el('h2', { text: t('options') })),
      el('div', { class: 'field' },
        el('input', { type: 'checkbox', id: 'opt-large', name: 'large_print' }),
        el('label', { for: 'opt-large', class: 'check', text: t('large_print') })),
      el('div', { class: 'field' },
        el('label', { for: 'opt-paper', text: t('paper') }),
        el('select', { id: 'opt-paper', name: 'paper' },
          state.spec.papers.map((p) => el('option', { value: p, text: t(`paper_${p}`) }))))),
    el('div', { class: 'actions' },
      el('button', { type: 'submit', id: 'make-packet', class: 'primary', text: t('make_packet') }),
      el('button', { type: 'button', id: 'make-pdf', text: t('make_pdf'), onclick: () => makePacket('pdf') }),
      el('button', { type: 'button', id: 'save', text: t('save'), onclick: saveAnswers }),
      el('label', { class: 'button', for: 'open-file', id: 'open-label' }, t('open')),
      el('input', { type: 'file', id: 'open-file', class: 'visually-hidden', accept: '.json,application/json', onchange: openAnswers })),
    el('p', { id: 'patient-status', class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
  form.addEventListener('input', onEdit);
  form.addEventListener('change', onEdit);
  form.addEventListener('focusout', (e) => {
    const name = e.target && (e.target.name || e.target.dataset.date);
    if (name && FIELD_WORDS[name]) { state.touched.add(name); scheduleCheck(); }
  });
  return form;
}

function describedBy(f) {
  return [`help-${f.name}`, f.example && !f.kind.startsWith('choice') && f.kind !== 'date' ? `ex-${f.name}` : null, `err-${f.name}`].filter(Boolean).join(' ');
}

function helpNodes(f) {
  const w = fieldWords(f.name);
  return [
    el('p', { class: 'help', id: `help-${f.name}`, text: w.help }),
    f.example && !f.kind.startsWith('choice') && f.kind !== 'date'
      ? el('p', { class: 'example', id: `ex-${f.name}` }, el('span', { text: `${t('example')} ` }), f.example.replace(/\n/g, ', ').replace(/; /g, ' · '))
      : null,
  ].filter(Boolean);
}

function errorNode(f) {
  return el('p', { class: 'error hidden', id: `err-${f.name}` });
}

function labelText(f) {
  const w = fieldWords(f.name);
  return [w.label, f.required ? el('span', { class: 'req', text: ` (${t('required')})` }) : null];
}

function control(f) {
  const wrap = el('div', { class: `field kind-${f.kind}`, id: `field-${f.name}`, 'data-field': f.name });
  switch (f.kind) {
    case 'date':
      wrap.append(dateControl(f));
      break;
    case 'text':
    case 'code':
    case 'multiline': {
      const attrs = {
        id: `in-${f.name}`, name: f.name, required: f.required, 'aria-required': f.required ? 'true' : null,
        'aria-describedby': describedBy(f), spellcheck: f.kind === 'code' ? 'false' : null,
      };
      let input;
      if (f.kind === 'multiline') input = el('textarea', { ...attrs, rows: '3' });
      else input = el('input', { ...attrs, type: 'text', inputmode: /phone|fax/.test(f.name) ? 'tel' : (f.name.includes('email') ? 'email' : null) });
      wrap.append(el('label', { for: input.id }, labelText(f)), ...helpNodes(f), input, errorNode(f));
      break;
    }
    case 'choice': {
      const set = el('fieldset', { class: 'choices', 'aria-describedby': describedBy(f), id: `in-${f.name}` },
        el('legend', {}, labelText(f)));
      set.append(...helpNodes(f));
      const none = el('div', { class: 'choice' },
        el('input', { type: 'radio', name: f.name, value: '', id: `in-${f.name}--`, checked: true }),
        el('label', { for: `in-${f.name}--`, text: f.name === 'language' ? t('same_as_page') : t('none_chosen') }));
      set.append(none);
      for (const code of f.choices) {
        set.append(el('div', { class: 'choice' },
          el('input', { type: 'radio', name: f.name, value: code, id: `in-${f.name}-${code}` }),
          el('label', { for: `in-${f.name}-${code}`, text: choiceWord(f.name, code) })));
      }
      set.append(errorNode(f));
      wrap.append(set);
      break;
    }
    case 'choice_list': {
      const set = el('fieldset', { class: 'choices', 'aria-describedby': describedBy(f), id: `in-${f.name}` },
        el('legend', {}, labelText(f)));
      set.append(...helpNodes(f));
      for (const code of f.choices) {
        set.append(el('div', { class: 'choice' },
          el('input', { type: 'checkbox', name: f.name, value: code, id: `in-${f.name}-${code}` }),
          el('label', { for: `in-${f.name}-${code}`, text: choiceWord(f.name, code) })));
      }
      set.append(errorNode(f));
      wrap.append(set);
      break;
    }
    case 'text_list': {
      const set = el('fieldset', { class: 'rows', 'aria-describedby': describedBy(f), id: `in-${f.name}` },
        el('legend', {}, labelText(f)));
      set.append(...helpNodes(f));
      const list = el('ol', { class: 'row-list', id: `rows-${f.name}` });
      const add = el('button', {
        type: 'button', class: 'add', id: `add-${f.name}`, text: t('add_row'),
        onclick: () => { const input = addRow(f, list, ''); input.focus(); },
      });
      set.append(list, add, errorNode(f));
      wrap.append(set);
      addRow(f, list, '');
      break;
    }
    default:
      throw new Error(`field ${f.name} has a kind the page does not know: ${f.kind}`);
  }
  return wrap;
}

// ---------------------------------------------------------------- dates

/*
 * A date is three labelled boxes, day, month and year (the memorable-date
 * pattern of GOV.UK and USWDS), not a date box: a browser's date box reads
 * and shows dates in the browser's locale, not the page's, so 14/03/1961
 * typed day-first on the Spanish page in an English browser became
 * 3 December. The boxes follow the order the page's language writes dates
 * in: Spanish day, month, year (14/03/1961); English month, day, year,
 * because this page's English is US English (US Letter paper, US insurers,
 * Medicare), where 03/14/1961 is how a date of birth is written on every
 * form the person has filled in. Under the boxes the date is named back in
 * words ("14 de marzo de 1961", "March 14, 1961"), so a swapped day and
 * month is seen before the packet is made.
 */
const DATE_PARTS = { en: ['month', 'day', 'year'], es: ['day', 'month', 'year'] };
const DATE_SIZE = { day: 2, month: 2, year: 4 };

function dateControl(f) {
  const birth = f.name === 'date_of_birth';
  const set = el('fieldset', { class: 'choices date', id: `in-${f.name}`, 'aria-describedby': `help-${f.name} ex-${f.name} err-${f.name}` },
    el('legend', {}, labelText(f)));
  set.append(...helpNodes(f), el('p', { class: 'example', id: `ex-${f.name}`, text: t('date_example') }));
  const boxes = el('div', { class: 'date-boxes' });
  for (const part of DATE_PARTS[state.lang] || DATE_PARTS.en) {
    const id = `in-${f.name}-${part}`;
    boxes.append(el('div', { class: `date-part date-${part}` },
      el('label', { for: id, text: t(`date_${part}`) }),
      el('input', {
        type: 'text', id, inputmode: 'numeric', maxlength: String(DATE_SIZE[part]), size: String(DATE_SIZE[part]),
        'data-date': f.name, 'data-part': part, spellcheck: 'false',
        // A date of birth is the one date a browser may rightly offer to
        // fill; every other date of the form is the person's own to type.
        autocomplete: birth ? `bday-${part}` : 'off',
        'aria-required': f.required ? 'true' : null,
        'aria-describedby': `said-${f.name} err-${f.name}`,
        oninput: () => syncDate(f.name),
      })));
  }
  // What the intake gets: YYYY-MM-DD once all three boxes are filled in.
  const value = el('input', { type: 'hidden', name: f.name, id: `value-${f.name}` });
  const said = el('p', { class: 'date-said', id: `said-${f.name}`, 'aria-live': 'polite' });
  set.append(boxes, value, said, errorNode(f));
  return set;
}

/** The three boxes of a date field: { day, month, year } as typed (trimmed). */
function dateParts(name) {
  const part = (p) => (document.getElementById(`in-${name}-${p}`)?.value ?? '').trim();
  return { day: part('day'), month: part('month'), year: part('year') };
}

/** YYYY-MM-DD for the boxes when all three hold numbers, else '' (none typed) or null (not a date). */
function dateValue(name) {
  const { day, month, year } = dateParts(name);
  if (!day && !month && !year) return '';
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return null;
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/** True when YYYY-MM-DD names a day the calendar has. */
function realDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  date.setUTCFullYear(y);
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Writes the boxes' date into the field's value and names it back in words. */
function syncDate(name) {
  const value = dateValue(name);
  document.getElementById(`value-${name}`).value = value || '';
  const said = document.getElementById(`said-${name}`);
  const locale = state.lang === 'es' ? 'es' : 'en-US';
  const { day, month } = dateParts(name);
  let words = '';
  if (value && realDate(value)) {
    const [y, m, d] = value.split('-').map(Number);
    const date = new Date(Date.UTC(2000, m - 1, d));
    date.setUTCFullYear(y);
    words = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date);
  } else if (/^\d{1,2}$/.test(day) && /^\d{1,2}$/.test(month) && +month >= 1 && +month <= 12 && +day >= 1 && +day <= 31) {
    // Day and month typed, year not yet: the month is named already.
    words = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2000, +month - 1, +day)));
  }
  said.textContent = words ? `${t('date_reads')} ${words}` : '';
}

/** Every date field's boxes as typed, so a half-typed date survives a language or mode switch. */
function allDateParts() {
  return Object.fromEntries(state.spec.fields.filter((f) => f.kind === 'date').map((f) => [f.name, dateParts(f.name)]));
}

function restoreDateParts(kept) {
  for (const [name, parts] of Object.entries(kept || {})) {
    for (const [part, v] of Object.entries(parts)) {
      const box = document.getElementById(`in-${name}-${part}`);
      if (box) box.value = v;
    }
    if (document.getElementById(`value-${name}`)) syncDate(name);
  }
}

/** Puts YYYY-MM-DD (from saved answers) into a date field's boxes; false when the text is not such a date (the boxes stay empty). */
function fillDate(name, value) {
  const text = value == null ? '' : String(value).trim();
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  const parts = m ? { year: m[1], month: m[2], day: m[3] } : { year: '', month: '', day: '' };
  for (const [part, v] of Object.entries(parts)) document.getElementById(`in-${name}-${part}`).value = v;
  syncDate(name);
  return !!m || text === '';
}

function addRow(f, list, value) {
  const n = list.children.length + 1;
  const id = `in-${f.name}-${n}-${Math.random().toString(36).slice(2, 8)}`;
  const input = el('input', { type: 'text', id, name: f.name, 'aria-describedby': `err-${f.name}` });
  input.value = value;
  const label = el('label', { for: id, class: 'row-label' });
  const remove = el('button', { type: 'button', class: 'remove', id: `${id}-remove` });
  const li = el('li', { class: 'row' }, label, input, remove);
  remove.addEventListener('click', () => {
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    renumber(f, list);
    if (!list.children.length) addRow(f, list, '');
    const focus = (next && next.querySelector('input')) || list.querySelector('input');
    focus.focus();
    onEdit({ target: { name: f.name } });
  });
  list.append(li);
  renumber(f, list);
  return input;
}

function renumber(f, list) {
  [...list.children].forEach((li, i) => {
    li.querySelector('label').textContent = t('row_label', { n: i + 1 });
    li.querySelector('button').textContent = t('remove_row');
    li.querySelector('button').setAttribute('aria-label', `${t('remove_row')}: ${t('row_label', { n: i + 1 })}`);
  });
}

/** The form as an intake record: empty fields left out, so the file is what a person typed. */
function formRecord() {
  const form = document.getElementById('patient-form');
  const record = {};
  for (const f of state.spec.fields) {
    switch (f.kind) {
      case 'choice': {
        const on = form.querySelector(`input[name="${f.name}"]:checked`);
        if (on && on.value) record[f.name] = on.value;
        break;
      }
      case 'choice_list': {
        const on = [...form.querySelectorAll(`input[name="${f.name}"]:checked`)].map((i) => i.value);
        if (on.length) record[f.name] = on;
        break;
      }
      case 'text_list': {
        const rows = [...form.querySelectorAll(`input[name="${f.name}"]`)].map((i) => i.value).filter((v) => v.trim() !== '');
        if (rows.length) record[f.name] = rows;
        break;
      }
      default: {
        const input = form.elements.namedItem(f.name);
        if (input && input.value !== '') record[f.name] = input.value;
      }
    }
  }
  return record;
}

/** The record to check: like formRecord, but a date the date box holds as not a real date is passed on as one. */
function checkRecord() {
  const record = formRecord();
  for (const f of state.spec.fields) {
    if (f.kind !== 'date') continue;
    // Boxes that do not make a real date (a day but no year, a 2-digit
    // year, 30 February) reach the core as a date no calendar has, so the
    // core's "is not a real calendar date" shows, as it did for a date box.
    const value = dateValue(f.name);
    if (value === null || (value && !realDate(value))) record[f.name] = '0000-00-00';
  }
  return record;
}

/**
 * A saved record as the form holds it: the core reads its choices (case,
 * spaces and punctuation ignored) and lists (an array, or a text split on
 * `;` and line breaks) by the rules checking uses, so the page keeps no
 * copy of them. Where the core cannot run (a browser too old for it, a
 * download that failed) the record is taken as saved: the page's own files are already in that shape.
 */
async function formValues(record) {
  if (!engine.worker) return record;
  // A core that could not start (a part that did not download) is said
  // above the form already; the answers still open, as saved.
  try {
    await engine.ready;
  } catch {
    return record;
  }
  return engine.worker.call('formValues', { record: JSON.stringify(record) });
}

/**
 * Fills the form from a record in the form's own shape (formRecord's, or
 * formValues'): each choice a code, each list an array; returns the date
 * fields whose text was not a date the boxes can hold.
 */
function fillForm(record) {
  const form = document.getElementById('patient-form');
  const unreadable = [];
  if (!form) return unreadable;
  for (const f of state.spec.fields) {
    const value = record[f.name];
    switch (f.kind) {
      case 'choice': {
        // No choice (or none the core could read): the radio for "not said".
        const chosen = typeof value === 'string' ? value : '';
        form.querySelectorAll(`input[name="${f.name}"]`).forEach((i) => { i.checked = i.value === chosen; });
        break;
      }
      case 'choice_list': {
        const codes = Array.isArray(value) ? value : [];
        form.querySelectorAll(`input[name="${f.name}"]`).forEach((i) => { i.checked = codes.includes(i.value); });
        break;
      }
      case 'text_list': {
        const list = document.getElementById(`rows-${f.name}`);
        list.replaceChildren();
        const rows = Array.isArray(value) ? value.filter((v) => typeof v === 'string' && v.trim() !== '') : [];
        for (const row of rows.length ? rows : ['']) addRow(f, list, row);
        break;
      }
      case 'date':
        if (!fillDate(f.name, value)) unreadable.push(f.name);
        break;
      default: {
        const input = form.elements.namedItem(f.name);
        input.value = value == null ? '' : String(value);
      }
    }
  }
  return unreadable;
}

// ---------------------------------------------------------------- checking

let checkTimer = null;

function onEdit(e) {
  const name = e && e.target && (e.target.name || e.target.dataset.date);
  if (name && FIELD_WORDS[name] && e.type === 'change') state.touched.add(name);
  // Typed since the last save or download: leaving the page now loses it.
  if (name && FIELD_WORDS[name]) state.unsaved = true;
  scheduleCheck();
}

let checksAsked = 0;

function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(async () => {
    try {
      const result = await check();
      if (!result) return; // a newer check was asked for meanwhile
      state.lastCheck = result;
      showProblems(state.lastCheck);
    } catch (err) {
      if (!err.cancelled) say(document.getElementById('patient-status'), t('failed', { reason: failureText(err) }), 'error');
    }
  }, 250);
}

/**
 * The worker checks the form as it is now; resolves with what it found,
 * or null when a newer check was asked for before this one came back.
 */
async function check() {
  checksAsked += 1;
  const mine = checksAsked;
  const result = await engine.worker.call('check', { record: JSON.stringify(checkRecord()), options: options() });
  return mine === checksAsked ? result : null;
}

/** A problem of the form in the page's language, its field named by its label; a date's problem talks about its boxes. */
function formProblemText(p) {
  const known = p.field && FIELD_WORDS[p.field];
  const spec = known && state.spec.fields.find((f) => f.name === p.field);
  return problemText(p, state.lang, { label: known ? fieldWords(p.field).label : '', boxes: !!spec && spec.kind === 'date' });
}

/** Shows each problem next to its field, worded from the core's code in the page's language. */
function showProblems(result) {
  const form = document.getElementById('patient-form');
  if (!form) return;
  const byField = new Map();
  const general = [];
  for (const p of result.problems) {
    if (p.field && FIELD_WORDS[p.field]) {
      if (!byField.has(p.field)) byField.set(p.field, []);
      byField.get(p.field).push(p);
    } else general.push(p);
  }
  for (const f of state.spec.fields) {
    const box = document.getElementById(`err-${f.name}`);
    const shown = (state.showAll || state.touched.has(f.name)) ? (byField.get(f.name) || []) : [];
    box.replaceChildren(...shown.map((p) => {
      const words = formProblemText(p);
      return el('span', { class: 'problem' },
        el('strong', { text: words.message }), ' ', el('span', { text: `${t('hint')} ${words.hint}` }));
    }));
    box.classList.toggle('hidden', shown.length === 0);
    for (const input of form.querySelectorAll(`[name="${f.name}"], [data-date="${f.name}"]`)) {
      if (shown.length) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    document.getElementById(`field-${f.name}`).classList.toggle('invalid', shown.length > 0);
  }
  const summary = document.getElementById('summary');
  const listed = state.showAll ? result.problems : [];
  if (!listed.length) {
    summary.classList.add('hidden');
    summary.replaceChildren();
    return;
  }
  summary.classList.remove('hidden');
  summary.replaceChildren(
    el('h2', { id: 'summary-title', text: t('problems_title') }),
    el('p', { text: t('problem_count', { n: listed.length }) }),
    el('ul', {}, listed.map((p) => {
      const words = formProblemText(p);
      const text = `${words.message}. ${t('hint')} ${words.hint}`;
      if (p.field && FIELD_WORDS[p.field]) {
        return el('li', {}, el('a', { href: `#field-${p.field}`, text, onclick: (e) => { e.preventDefault(); focusField(p.field); } }));
      }
      return el('li', { text });
    })),
  );
}

function focusField(name) {
  const target = document.querySelector(`#field-${name} input, #field-${name} textarea`);
  if (target) target.focus();
}

// ---------------------------------------------------------------- actions

let making = false;

async function makePacket(kind) {
  const status = document.getElementById('patient-status');
  if (making) return;
  making = true;
  try {
    // The core may still be on its way: say so, and go on once it runs.
    if (document.documentElement.dataset.core !== 'ready') say(status, t('core_wait'));
    await engine.ready;
    state.showAll = true;
    let result = null;
    while (result === null) result = await check(); // null: a newer check came first
    state.lastCheck = result;
    showProblems(state.lastCheck);
    if (state.lastCheck.problems.length) {
      say(status, t('problem_count', { n: state.lastCheck.problems.length }), 'error');
      document.getElementById('summary').focus();
      return;
    }
    say(status, t('working'));
    const packet = await engine.worker.call('make', { record: JSON.stringify(formRecord()), options: options() });
    if (packet.checked) {
      state.lastCheck = packet.checked;
      showProblems(state.lastCheck);
      say(status, t('problem_count', { n: state.lastCheck.problems.length }), 'error');
      document.getElementById('summary').focus();
    } else if (kind === 'pdf') {
      download(packet.pdf, 'packet.pdf', 'application/pdf');
      say(status, t('done_pdf'), 'ok');
    } else {
      download(packet.zip, packet.name, 'application/zip');
      say(status, t('done_zip', { name: packet.name }), 'ok');
      state.unsaved = false;
    }
  } catch (err) {
    say(status, t('failed', { reason: failureText(err) }), 'error');
  } finally {
    making = false;
  }
}

function saveAnswers() {
  const record = formRecord();
  // The packet follows the page's language when the person chose none; the
  // saved file says so, so that the CLI makes the same packet from it.
  if (!record.language && state.lang !== 'en') record.language = state.lang;
  const text = `${JSON.stringify(record, null, 2)}\n`;
  download(new TextEncoder().encode(text), 'intake.json', 'application/json');
  say(document.getElementById('patient-status'), t('saved'), 'ok');
  state.unsaved = false;
}

async function openAnswers(e) {
  const status = document.getElementById('patient-status');
  const file = e.target.files && e.target.files[0];
  e.target.value = '';
  if (!file) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let data;
    try {
      let text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      data = JSON.parse(text);
    } catch {
      throw await whyUnreadable(file.name, bytes);
    }
    if (data && !Array.isArray(data) && Array.isArray(data.patients)) data = data.patients;
    const many = Array.isArray(data) ? data.length : 1;
    if (Array.isArray(data)) data = data[0];
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error(state.lang === 'es' ? 'no contiene un paciente' : 'it holds no patient');
    // The core reads the answers: say so while it is still loading.
    if (engine.worker && document.documentElement.dataset.core !== 'ready') say(status, t('core_wait'));
    const unreadable = fillForm(await formValues(data));
    state.unsaved = false; // what is in the form is in a file already
    state.touched = new Set(Object.keys(data).filter((k) => FIELD_WORDS[k]));
    state.showAll = false;
    scheduleCheck();
    const unknown = Object.keys(data).filter((k) => !FIELD_WORDS[k]).length;
    let note = t('opened');
    if (many > 1) note += state.lang === 'es' ? ` El archivo tiene ${many} pacientes; el formulario muestra el primero. Use el modo para clínicas para todos.` : ` The file holds ${many} patients; the form shows the first. Use the clinic mode for all of them.`;
    // A date the boxes cannot hold (not YYYY-MM-DD) is said, never dropped in silence.
    if (unreadable.length) note += ` ${t('date_unreadable', { fields: unreadable.map((n) => fieldWords(n).label).join(', ') })}`;
    if (unknown) note += state.lang === 'es' ? ` ${unknown} campo(s) desconocido(s) no se cargaron.` : ` ${unknown} unknown field(s) were left out.`;
    say(status, note, 'ok');
  } catch (err) {
    say(status, t('open_failed', { reason: failureText(err) }), 'error');
  }
}

/**
 * Why a file the person opened is not JSON the form can take (not UTF-8
 * text, a syntax error): the core reads it, and its coded error says what
 * and where (line and column) in the page's language, never the browser's
 * English. Resolves with the error to throw.
 */
async function whyUnreadable(name, bytes) {
  try {
    await engine.ready;
    await engine.worker.call('checkFile', { name, bytes, options: options() });
  } catch (err) {
    if (err && err.coded) return err;
  }
  // The core read it after all (or could not start): say so plainly.
  return new Error(t('open_not_json'));
}

// ---------------------------------------------------------------- clinic mode

/**
 * Clinic mode's workers: one per core, at most four, and fewer when the
 * browser says the computer has little memory (navigator.deviceMemory, in
 * GB: each worker's core holds its own copy of the fonts and the record
 * being built, a few hundred MB at its peak). They start from the module
 * the engine compiled; cancelling ends them, and the next run starts new ones.
 */
const pool = {
  workers: [],
  size() {
    const cores = navigator.hardwareConcurrency || 2;
    const memory = navigator.deviceMemory || 8;
    return Math.max(1, Math.min(cores, 4, Math.floor(memory / 2)));
  },
  async take(n) {
    const module = await engine.ready;
    while (this.workers.length < n) {
      this.workers.push(coreWorker(`packets-${this.workers.length + 1}`, { module }));
    }
    await Promise.all(this.workers.slice(0, n).map((w) => w.ready));
    return this.workers.slice(0, n);
  },
  end() {
    for (const w of this.workers) w.end();
    this.workers = [];
  },
};

/** Starts clinic mode's workers ahead of the first run; data-worker="ready" once they run. */
function warmPool() {
  if (pool.workers.length) return;
  delete document.documentElement.dataset.worker;
  const n = pool.size();
  pool.take(n).then(() => { document.documentElement.dataset.worker = 'ready'; }, () => {});
}

/**
 * Builds every packet with the pool: the first worker read and checked the
 * files (`first`, with `total` packets to make); the others are fed the
 * same job and given a port to the first one, then each builds the next
 * packet not yet taken. The packets go from worker to worker, never
 * through the page: the first one takes them in input order (it names and
 * records them and writes them into the bundle) and says how far it is.
 * Resolves with the bundle (a Blob) and the report.
 */
async function buildAll(job, first, total, onDone, onBundling) {
  const others = total > 1 ? (await pool.take(Math.min(pool.size(), total))).slice(1) : [];
  await Promise.all(others.map(async (w) => {
    await w.call('load', { job });
    const channel = new MessageChannel();
    await first.call('connect', { port: channel.port1 }, [channel.port1]);
    await w.call('deliverTo', { port: channel.port2 }, [channel.port2]);
  }));
  const workers = [first, ...others];
  document.documentElement.dataset.workers = String(workers.length);
  const wasm = workers.map(() => 0); // each worker's module memory, in bytes
  const files = [];
  first.listen((m) => {
    if (m.type === 'part') { files.push(m.name); download(m.blob, m.name, 'application/zip'); return; }
    if (m.type !== 'recorded') return;
    wasm[0] = m.wasm;
    onDone(m.done, m.total, wasm);
  });
  await first.call('open', { total });
  let next = 0;
  await Promise.all(workers.map(async (w, i) => {
    while (next < total) {
      const k = next;
      next += 1;
      const built = await w.call('build', { k });
      if (i > 0) wasm[i] = built.wasm;
    }
  }));
  // Every packet is built: the report goes last, and the file is closed.
  onBundling();
  const { bundle, name, bytes, report } = await first.call('finish');
  files.push(name);
  return { bundle, name, files, report, bytes, wasm };
}

function clinicPage() {
  // The workers start when clinic mode is first opened (a patient never
  // needs them), from the core the page loaded; from then on clinic mode
  // works with the network off too.
  warmPool();
  const c = state.clinic;
  const page = el('section', { id: 'clinic', 'aria-labelledby': 'clinic-title' },
    el('h2', { id: 'clinic-title', text: t('mode_clinic') }),
    el('p', { class: 'lead', text: t('clinic_lead') }),
    // Its limits up front (the core's: MAX_DATA_ROWS rows per sheet,
    // MAX_INPUT_BYTES per file; and what a browser tab holds today).
    el('section', { class: 'start', id: 'clinic-start', 'aria-label': t('start_title') },
      el('ul', {},
        el('li', { text: t('clinic_start_limits') }),
        el('li', { class: 'start-private', text: t('clinic_start_private') }),
        el('li', {}, t('clinic_start_form'), ' ',
          el('a', { id: 'intake-form', href: 'intake-form.xlsx', download: 'intake-form.xlsx', text: t('clinic_start_form_link') })))),
    dropZone('inputs', 'clinic-input', t('clinic_input'), t('clinic_input_help'),
      { multiple: true, accept: '.xlsx,.xlsm,.xlsb,.xls,.ods,.csv,.txt,.tsv,.json' }),
    dropZone('profile', 'clinic-profile', t('clinic_profile'), t('clinic_profile_help'),
      { multiple: true, accept: '.json,.png,.jpg,.jpeg,.svg' }),
    dropZone('templates', 'clinic-templates', t('clinic_templates'), t('clinic_templates_help'),
      { accept: '.zip' }),
    el('div', { class: 'field' },
      el('label', { for: 'clinic-templates-folder', text: t('clinic_templates_folder') }),
      el('input', { type: 'file', id: 'clinic-templates-folder', webkitdirectory: true, multiple: true, onchange: (e) => { setTemplatesFolder(e.target.files); } })),
    el('fieldset', { class: 'group', id: 'clinic-options' },
      el('legend', {}, el('h3', { text: t('options') })),
      el('div', { class: 'field' },
        el('input', { type: 'checkbox', id: 'clinic-large', name: 'large_print' }),
        el('label', { for: 'clinic-large', class: 'check', text: t('large_print') })),
      el('div', { class: 'field' },
        el('label', { for: 'clinic-paper', text: t('paper') }),
        el('select', { id: 'clinic-paper', name: 'paper' },
          el('option', { value: '', text: t('paper_default') }),
          state.spec.papers.map((p) => el('option', { value: p, text: t(`paper_${p}`) }))))),
    el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'check-files', text: t('check_files'), onclick: () => clinicRun(false) }),
      el('button', { type: 'button', id: 'make-packets', class: 'primary', text: t('make_packets'), onclick: () => clinicRun(true) }),
      el('button', { type: 'button', id: 'cancel', text: t('cancel'), disabled: true, onclick: cancelBuild })),
    el('div', { class: 'progress-box hidden', id: 'progress-box' },
      el('label', { for: 'progress', text: t('progress') }),
      el('progress', { id: 'progress', max: '1', value: '0' }),
      el('p', { id: 'progress-text', 'aria-live': 'polite' })),
    el('p', { id: 'clinic-status', class: 'status', role: 'status', 'aria-live': 'polite' }),
    el('div', { id: 'clinic-result' }),
  );
  if (c.checked) setTimeout(() => showClinicResult(c.checked), 0);
  return page;
}

function dropZone(slot, id, label, help, inputAttrs) {
  const names = el('p', { class: 'files', id: `${id}-names`, text: fileNames(slot) });
  const input = el('input', {
    type: 'file', id, ...inputAttrs, 'aria-describedby': `${id}-help ${id}-names`,
    onchange: (e) => { takeFiles(slot, [...e.target.files].map((f) => ({ file: f, path: f.name }))); },
  });
  const zone = el('div', { class: 'drop', id: `${id}-drop`, 'data-slot': slot },
    el('label', { for: id, text: label }),
    el('p', { class: 'help', id: `${id}-help`, text: `${help} ${t('drop_here')}` }),
    input, names);
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', async (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = await droppedFiles(e.dataTransfer);
    if (slot === 'templates' && files.some((f) => f.path.includes('/'))) {
      setTemplatesFolder(files.map((f) => Object.assign(f.file, { relPath: f.path })));
    } else takeFiles(slot, files);
  });
  return zone;
}

function fileNames(slot) {
  const c = state.clinic;
  if (slot === 'inputs') return c.inputs.map((f) => f.name).join(', ');
  if (slot === 'profile') return c.profile.map((f) => f.name).join(', ');
  if (c.templatesZip) return c.templatesZip.name;
  return c.templates.length ? t('template_files', { n: c.templates.length }) : '';
}

/** Files (and folders) dropped onto a zone, with their paths inside a dropped folder. */
async function droppedFiles(dt) {
  const out = [];
  const entries = [...(dt.items || [])].map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  if (!entries.length || entries.some((e) => !e)) {
    return [...dt.files].map((f) => ({ file: f, path: f.name }));
  }
  async function walk(entry, prefix) {
    if (entry.isFile) {
      const file = await new Promise((res, rej) => entry.file(res, rej));
      out.push({ file, path: prefix + entry.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  }
  for (const entry of entries) await walk(entry, '');
  return out;
}

function takeFiles(slot, files) {
  const c = state.clinic;
  if (slot === 'inputs') c.inputs = files.map((f) => f.file);
  else if (slot === 'profile') c.profile = files.map((f) => f.file);
  else { c.templatesZip = files[0] ? files[0].file : null; c.templates = []; }
  c.checked = null;
  forgetLastRun();
  const id = { inputs: 'clinic-input', profile: 'clinic-profile', templates: 'clinic-templates' }[slot];
  document.getElementById(`${id}-names`).textContent = fileNames(slot);
  if (c.inputs.length) clinicRun(false);
}

function setTemplatesFolder(files) {
  const c = state.clinic;
  c.templates = [...files].map((f) => {
    const path = (f.relPath || f.webkitRelativePath || f.name).split('/');
    // The chosen folder itself is the root: en/checklist.typ, not my-templates/en/checklist.typ.
    return { file: f, path: path.length > 1 ? path.slice(1).join('/') : path[0] };
  });
  c.templatesZip = null;
  c.checked = null;
  forgetLastRun();
  document.getElementById('clinic-templates-names').textContent = fileNames('templates');
  if (c.inputs.length) clinicRun(false);
}

/** New files: the last run's progress, status and counts no longer describe them. */
function forgetLastRun() {
  if (running) return;
  const box = document.getElementById('progress-box');
  if (box) box.classList.add('hidden');
  const bar = document.getElementById('progress');
  if (bar) bar.value = 0;
  const text = document.getElementById('progress-text');
  if (text) text.textContent = '';
  const status = document.getElementById('clinic-status');
  if (status) say(status, '');
  const result = document.getElementById('clinic-result');
  if (result) result.replaceChildren();
}

async function clinicJob(build) {
  const c = state.clinic;
  const bytes = async (f) => new Uint8Array(await f.arrayBuffer());
  const profile = c.profile.find((f) => /\.json$/i.test(f.name)) || null;
  const others = c.profile.filter((f) => f !== profile);
  const paper = document.getElementById('clinic-paper').value;
  const opts = { date: state.date, language: state.lang, large_print: document.getElementById('clinic-large').checked };
  if (paper) opts.paper = paper;
  return {
    type: 'job',
    build,
    options: JSON.stringify(opts),
    clinic: profile ? await bytes(profile) : null,
    logos: await Promise.all(others.map(async (f) => ({ name: f.name, bytes: await bytes(f) }))),
    templatesZip: c.templatesZip ? await bytes(c.templatesZip) : null,
    templates: await Promise.all(c.templates.map(async (f) => ({ path: f.path, bytes: await bytes(f.file) }))),
    inputs: await Promise.all(c.inputs.map(async (f) => ({ name: f.name, bytes: await bytes(f) }))),
  };
}

let running = false;
let cancelled = false;

async function clinicRun(build) {
  const status = document.getElementById('clinic-status');
  if (!state.clinic.inputs.length) { say(status, t('need_input'), 'error'); return; }
  if (running) return;
  running = true;
  cancelled = false;
  const box = document.getElementById('progress-box');
  const bar = document.getElementById('progress');
  const text = document.getElementById('progress-text');
  const cancel = document.getElementById('cancel');
  document.getElementById('make-packets').disabled = true;
  document.getElementById('check-files').disabled = true;
  say(status, document.documentElement.dataset.core === 'ready' ? t('checking') : t('core_wait'));
  if (build) { cancel.disabled = false; box.classList.remove('hidden'); bar.value = 0; text.textContent = ''; }
  let lastSaid = 0;
  try {
    const job = await clinicJob(build);
    const [first] = await pool.take(1);
    if (cancelled) throw Object.assign(new Error('cancelled'), { cancelled: true });
    say(status, t('checking'));
    // Only the first worker is handed the files' bytes; the others get copies.
    const { checked, total } = await first.call('load', { job });
    state.clinic.checked = checked;
    showClinicResult(checked);
    if (!build) { say(status, ''); return; }
    say(status, t('building'));
    bar.max = Math.max(1, total);
    text.textContent = t('progress_text', { done: 0, total });
    const started = performance.now();
    const result = await buildAll(job, first, total, (done, _, wasm) => {
      bar.value = done;
      const now = Date.now();
      if (now - lastSaid > 1000 || done === total) {
        text.textContent = t('progress_text', { done, total });
        lastSaid = now;
        // For whoever watches the run (the scale test): how far, and each
        // worker's module memory in MB.
        document.documentElement.dataset.progress = JSON.stringify({ done, total, wasm_mb: wasm.map((b) => Math.round(b / 1e6)) });
      }
    }, () => say(status, t('bundling')));
    document.documentElement.dataset.built = JSON.stringify({ total, ms: Math.round(performance.now() - started), bytes: result.bytes, wasm: result.wasm });
    download(result.bundle, result.name, 'application/zip');
    if (result.files.length === 1) say(status, t('bundle_done', { total }), 'ok');
    else say(status, t('bundle_done_parts', { total, n: result.files.length, first: result.files[0], last: result.name }), 'ok');
  } catch (err) {
    if (err.cancelled || cancelled) say(status, t('cancelled'), 'info');
    else if (err.needLogo) say(status, t('need_logo', { name: err.needLogo }), 'error');
    else if (err.coded && err.coded.error) showClinicError(status, err.coded.error);
    else say(status, t('failed', { reason: failureText(err, { clinic: true }) }), 'error');
    // A worker that failed may hold half a run: start afresh (a cancel
    // has done so already).
    if (!(err.cancelled || cancelled)) { pool.end(); warmPool(); }
  } finally {
    running = false;
    cancel.disabled = true;
    document.getElementById('make-packets').disabled = false;
    document.getElementById('check-files').disabled = false;
  }
}

function cancelBuild() {
  if (!running) return;
  cancelled = true;
  pool.end();
  warmPool();
  document.getElementById('progress-box').classList.add('hidden');
}

/**
 * A file that stopped the run (a missing column, a damaged workbook, a
 * bad clinic profile or template), worded from its code: the file, what is
 * wrong and how to fix it; for a template that does not compile, the
 * details its author needs (the program's own words, which no page can
 * translate) below, folded.
 */
function showClinicError(status, e) {
  say(status, failureText({ coded: { error: e } }, { clinic: true }), 'error');
  const box = document.getElementById('clinic-result');
  if (!box) return;
  box.replaceChildren(...(e.details ? [el('details', { id: 'clinic-error-details' },
    el('summary', { text: t('template_details') }),
    el('pre', { text: e.details }))] : []));
}

/** Every problem by file, row and column, with counts; never a value. */
function showClinicResult(r) {
  const box = document.getElementById('clinic-result');
  if (!box || !r) return;
  // Each problem worded from its code; where it is, by the sheet's own
  // column letter and header when the record is a row of a table.
  const rows = r.problems.map((p) => {
    const words = problemText(p, state.lang, { clinic: true });
    return el('tr', {},
      el('td', { text: p.file || '' }), el('td', { text: placeWords(p.place, state.lang) }), el('td', { text: problemPlace(p, state.lang) }),
      el('td', { text: words.message }), el('td', { text: words.hint }));
  });
  // What the readers noticed about a file, then the notes about records
  // that can be built but miss something: all coded, worded here.
  const notes = [
    ...r.warnings.map((w) => {
      const words = problemText(w, state.lang, { clinic: true });
      return `${t('warning')} ${w.file ? `${w.file}: ` : ''}${words.message}. ${words.hint}`;
    }),
    ...(r.record_warnings || []).map((w) => {
      const words = problemText(w, state.lang, { clinic: true });
      const where = [w.file, placeWords(w.place, state.lang)].filter(Boolean).join(', ');
      return `${t('warning')} ${where ? `${where}: ` : ''}${words.message}. ${words.hint}`;
    }),
  ];
  box.replaceChildren(...[
    el('h3', { id: 'clinic-summary', text: t('summary', { good: r.good, records: r.records }) }),
    el('p', { id: 'clinic-problem-count', text: r.problems.length ? t('problems_found', { n: r.problems.length }) : t('no_problems') }),
    notes.length ? el('ul', { class: 'warnings' }, notes.map((text) => el('li', { text }))) : null,
    r.problems.length ? el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'clinic-problem-count' },
      el('table', { id: 'clinic-problems' },
        el('thead', {}, el('tr', {}, ['col_file', 'col_place', 'col_field', 'col_problem', 'col_hint'].map((k) => el('th', { scope: 'col', text: t(k) })))),
        el('tbody', {}, rows))) : null,
  ].filter(Boolean));
}

start();
