// Starts the SPA: loads the wasm-bindgen glue and the WebAssembly, then removes the
// loading notice. A file rather than an inline script, so that the Content-Security-Policy
// can refuse every inline script. `cargo xtask spa` rewrites the two file names below to
// their fingerprinted forms.
import init from '/crm_frontend.js';

init({ module_or_path: '/crm_frontend_bg.wasm' })
  .then(() => {
    const boot = document.getElementById('boot');
    if (boot) boot.remove();
  })
  .catch((e) => {
    console.error(e);
    const boot = document.getElementById('boot');
    if (boot) {
      boot.textContent = 'Impossible de charger l’application. Rechargez la page. · The app could not load; reload the page.';
    }
  });
