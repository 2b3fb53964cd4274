// Opens www/bench-badges.html (200 badges) in fresh contexts and prints what the page cost:
// live streams and proxy requests while loading, time to every badge showing its status, and
// a same-origin fetch with the badges open against the same fetch on an empty page.
// Prints figures; asserts nothing.
import { phases, printBreakdown } from "./phases.mjs";
import { BASE, launch } from "./support.mjs";

const RUNS = 7;
const BADGES = 200;
const FETCHES = 9;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values) =>
  `median ${median(values).toFixed(1)} ms, fastest ${Math.min(...values).toFixed(1)} ms, slowest ${Math.max(...values).toFixed(1)} ms`;

/** Times `fetch('/healthz')` from the page, one after another; 8 s counts as no answer. */
async function fetchTimes(page) {
  return page.evaluate(async (times) => {
    const figures = [];
    for (let index = 0; index < times; index += 1) {
      const started = performance.now();
      const answer = await Promise.race([
        fetch("/healthz", { cache: "no-store" }).then((response) => response.text()),
        new Promise((resolve) => setTimeout(() => resolve(null), 8000)),
      ]);
      figures.push(answer === null ? 8000 : performance.now() - started);
    }
    return figures;
  }, FETCHES);
}

const browser = await launch();
const loads = [];
const runs = [];
const streams = [];
const proxyCalls = [];
const hostCalls = [];
const busyFetches = [];
const emptyFetches = [];
for (let run = 0; run < RUNS; run += 1) {
  // A fresh context each time: nothing cached, like a first visit.
  const context = await browser.newContext();
  const page = await context.newPage();
  let loading = true;
  const seen = { streams: 0, proxy: 0, host: 0 };
  page.on("request", (request) => {
    if (!loading) return;
    const path = new URL(request.url()).pathname;
    if (path === "/api/events") seen.streams += 1;
    if (path.startsWith("/api/")) seen.proxy += 1;
    if (path === "/demo/session") seen.host += 1;
  });
  await page.goto(`${BASE}/www/bench-badges.html?count=${BADGES}`);
  await page.waitForFunction(() => document.documentElement.dataset.readyMs, null, { timeout: 60_000 });
  loading = false;
  loads.push(Number(await page.evaluate(() => document.documentElement.dataset.readyMs)));
  runs.push(await phases(page, "readyMs"));
  streams.push(seen.streams);
  proxyCalls.push(seen.proxy);
  hostCalls.push(seen.host);
  busyFetches.push(...(await fetchTimes(page)));
  await context.close();

  const empty = await browser.newContext();
  const emptyPage = await empty.newPage();
  await emptyPage.goto(`${BASE}/www/bench-badges.html?count=0`);
  await emptyPage.waitForFunction(() => document.documentElement.dataset.readyMs, null, { timeout: 30_000 });
  emptyFetches.push(...(await fetchTimes(emptyPage)));
  await empty.close();
}
await browser.close();
console.log(`${BADGES} badges on one page, headless Chromium, ${RUNS} cold runs:`);
console.log(`  live streams opened while loading, per run: ${streams.join(", ")}`);
console.log(`  requests to the proxy's /api while loading (the stream included), per run: ${proxyCalls.join(", ")}`);
console.log(`  requests to the host's session endpoint while loading, per run: ${hostCalls.join(", ")}`);
console.log(`  script start → every badge showing its status: ${spread(loads)}`);
console.log("  where the time goes (medians; each phase ends when its last response or mark is in):");
printBreakdown(runs, [
  ["fetch (loader, glue, wasm)", "fetched"],
  ["compile + instantiate", "ready"],
  ["session", "session"],
  ["statuses (one batched call)", "statuses"],
  ["first render (every badge ready)", "end"],
]);
console.log(`  same-origin fetch('/healthz') with the ${BADGES} badges open: ${spread(busyFetches)}`);
console.log(`  same-origin fetch('/healthz') on an empty page:          ${spread(emptyFetches)}`);
