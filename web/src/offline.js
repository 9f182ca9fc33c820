// Registers the service worker (sw.js at the site's root), which keeps the
// site's own files so that the page opens again offline and can be
// installed. It holds no patient data (see sw.js).
//
// Service workers run only in a secure context: https, or http on this
// computer (localhost, 127.0.0.1). Anywhere else (a file:// page, a plain
// http intranet address) this does nothing and the page works as before,
// online only.

const root = new URL('../', import.meta.url);

try {
  const web = location.protocol === 'https:' || location.protocol === 'http:';
  if (web && window.isSecureContext && 'serviceWorker' in navigator) {
    navigator.serviceWorker
      .register(new URL('sw.js', root), { scope: root.href })
      .catch(() => {});
  }
} catch {
  // A browser that refuses service workers here (a private window, a policy).
}
