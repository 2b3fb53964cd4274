// The one script an ATS page adds: <script type="module" src="/www/embed.js"></script>.
// It loads the widget from ../pkg (same origin, no other host) and, on load, defines
// <bgcheck-order>, <bgcheck-status> and <bgcheck-badge>. Pages that mount from code import
// `mount` from here.
// Under a strict CSP the page needs script-src 'self' 'wasm-unsafe-eval'; styles are
// constructed stylesheets, so style-src needs nothing extra (or pass a `nonce`).
import init, { mount, defineElements } from "../pkg/bgcheck.js";

await init();

export { mount, defineElements };
