// Opens www/bench.html several times in headless Chromium and prints the time from script
// start to an interactive order form. Prints figures; asserts nothing.
import { phases, printBreakdown } from "./phases.mjs";
import { BASE, launch } from "./support.mjs";

const RUNS = 7;
const browser = await launch();
const figures = [];
const runs = [];
for (let run = 0; run < RUNS; run += 1) {
  // A fresh context each time: nothing cached, like a first visit.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/www/bench.html`);
  await page.waitForFunction(() => document.documentElement.dataset.interactiveMs, null, { timeout: 30_000 });
  figures.push(Number(await page.evaluate(() => document.documentElement.dataset.interactiveMs)));
  runs.push(await phases(page, "interactiveMs"));
  await context.close();
}
await browser.close();
figures.sort((a, b) => a - b);
const median = figures[Math.floor(figures.length / 2)];
console.log(`script start → interactive order form, headless Chromium, ${RUNS} cold runs:`);
console.log(`  median ${median.toFixed(1)} ms, fastest ${figures[0].toFixed(1)} ms, slowest ${figures.at(-1).toFixed(1)} ms`);
console.log("  where the time goes (medians; each phase ends when its last response or mark is in):");
printBreakdown(runs, [
  ["fetch (loader, glue, wasm)", "fetched"],
  ["compile + instantiate", "ready"],
  ["session", "session"],
  ["catalog", "catalog"],
  ["first render (form interactive)", "end"],
]);
