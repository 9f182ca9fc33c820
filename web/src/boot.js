// The one classic (non-module) script of the page. Browsers do not run
// module scripts from a page opened as a file (file://), so app.js never
// starts there and "Loading…" would stay for ever: this script runs anyway
// and says, in the page's language (?lang=, else the browser's), what to do
// instead. Its words live here, not in words.js, because words.js is a
// module and cannot load on such a page either.
(function () {
  'use strict';
  if (location.protocol !== 'file:') return;
  var lang = (new URLSearchParams(location.search).get('lang') || navigator.language || 'en').toLowerCase();
  var es = /^es\b/.test(lang);
  var words = es
    ? {
      page: 'Paquete de segunda opinión',
      privacy: 'Sus respuestas se quedan en esta computadora. Nada de lo que escribe se envía a ningún lugar: esta página hace su paquete aquí mismo.',
      title: 'Esta página no funciona abierta como archivo',
      why: 'El navegador no ejecuta la página cuando se abre desde un archivo de la computadora. Hay dos maneras de usarla:',
      clinic: 'Ábrala desde la dirección web de su clínica (pida el enlace a su clínica).',
      local: 'O, en la carpeta del proyecto, ejecute estos dos comandos y abra 127.0.0.1:8000 en el navegador:',
    }
    : {
      title: 'This page does not work opened as a file',
      why: 'Browsers do not run this page when it is opened from a file on the computer. There are two ways to use it:',
      clinic: 'Open it from your clinic’s web address (ask your clinic for the link).',
      local: 'Or, in the project’s folder, run these two commands, then open 127.0.0.1:8000 in the browser:',
    };
  function show() {
    var boot = document.getElementById('boot');
    if (!boot) return;
    document.documentElement.lang = es ? 'es' : 'en';
    document.documentElement.dataset.ready = 'file';
    if (words.page) {
      document.title = words.page;
      var top = document.getElementById('title');
      if (top) top.textContent = words.page;
      var privacy = document.getElementById('privacy-text');
      if (privacy) privacy.textContent = words.privacy;
    }
    var box = document.createElement('div');
    box.id = 'boot';
    box.className = 'boot error';
    box.setAttribute('role', 'alert');
    var h = document.createElement('h2');
    h.textContent = words.title;
    var p = document.createElement('p');
    p.textContent = words.why;
    var ol = document.createElement('ol');
    var li1 = document.createElement('li');
    li1.textContent = words.clinic;
    var li2 = document.createElement('li');
    li2.textContent = words.local;
    var pre = document.createElement('pre');
    pre.textContent = 'web/build\npython3 -m http.server --bind 127.0.0.1 -d web/dist 8000';
    li2.appendChild(pre);
    ol.appendChild(li1);
    ol.appendChild(li2);
    box.appendChild(h);
    box.appendChild(p);
    box.appendChild(ol);
    boot.replaceWith(box);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
}());
