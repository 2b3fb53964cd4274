// Kept for pages that still add <script type="module" src="/www/embed.js">: the loader is
// now /pkg/embed.js (see the README's embedding section), which this only forwards to.
export * from "../pkg/embed.js";
