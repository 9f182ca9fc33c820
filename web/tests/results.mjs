// What every browser script reports (browser.mjs, offline.mjs, scale.mjs):
// named checks, the failures among them, and facts (figures and what the
// page did), printed at the end as one JSON line.

/** A fresh record of checks: check(name, ok, detail) notes one and returns ok. */
export function checker() {
  const failures = [];
  const checks = {};
  const facts = {};
  function check(name, ok, detail = '') {
    checks[name] = !!ok;
    if (!ok) failures.push(detail ? `${name}: ${detail}` : name);
    return !!ok;
  }
  return { failures, checks, facts, check };
}
