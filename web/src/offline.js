// Registers the service worker (sw.js at the site's root), which keeps the
// site's own files so that the page opens again offline and can be
// installed. It holds no patient data (see sw.js).
//
// Service workers run only in a secure context: https, or http on this
// computer (localhost, 127.0.0.1). Anywhere else (a file:// page, a plain
// http intranet address) this does nothing and the page works as before,
// online only.

const root = new URL('../', import.meta.url);

function register() {
  try {
    navigator.serviceWorker
      .register(new URL('sw.js', root), { scope: root.href })
      .catch(() => {});
  } catch {
    // A browser that refuses service workers here (a private window, a policy).
  }
}

const web = location.protocol === 'https:' || location.protocol === 'http:';
if (web && window.isSecureContext && 'serviceWorker' in navigator) {
  // Only once the page has started (app.js sets data-ready): the worker then
  // copies the wasm from the browser's HTTP cache instead of downloading it a
  // second time while the page's own download is still under way.
  const html = document.documentElement;
  if (html.dataset.ready) {
    register();
  } else {
    const watch = new MutationObserver(() => {
      if (!html.dataset.ready) return;
      watch.disconnect();
      register();
    });
    watch.observe(html, { attributes: true, attributeFilter: ['data-ready'] });
  }
}
