// Runs before React mounts so a reload in the dark theme does not flash white. A separate file, not an
// inline script, so the gateway's Content-Security-Policy (script-src 'self') allows it.
(function () {
  try {
    var t = localStorage.getItem('lookalike.theme') || 'system';
    var dark = t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
    document.documentElement.classList.toggle('dark', dark);
  } catch (e) {
    /* storage can be blocked; the app applies the theme once it starts */
  }
})();
