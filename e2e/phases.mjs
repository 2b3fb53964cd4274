// Splits a page's start-up into phases from what the browser itself recorded: Resource Timing
// for each request and the loader's performance marks (`bgcheck:<bundle>:ready` once a bundle's
// wasm is compiled and instantiated). Times are ms since the page's bench script started.

/** Reads the marks and request timings of the page; `endKey` is the dataset key of the end. */
export async function phases(page, endKey) {
  return page.evaluate((endKey) => {
    const start = performance.getEntriesByName("bench:start")[0]?.startTime ?? 0;
    const resources = performance.getEntriesByType("resource");
    const ended = (test) => {
      const times = resources.filter((entry) => test(new URL(entry.name).pathname)).map((entry) => entry.responseEnd);
      return times.length ? Math.max(...times) - start : null;
    };
    const mark = (name) => {
      const found = performance.getEntriesByName(name)[0];
      return found ? found.startTime - start : null;
    };
    const bundleReady = ["full", "status", "badge"].map((kind) => mark(`bgcheck:${kind}:ready`)).find((at) => at !== null) ?? null;
    return {
      // The loader, the chosen bundle's glue, snippets and wasm, all on the wire (Chromium
      // compiles the wasm while it streams in, so part of compiling is inside this phase).
      fetched: ended((path) => path.startsWith("/pkg/")),
      ready: bundleReady,
      session: ended((path) => path === "/demo/session" || path === "/api/session"),
      catalog: ended((path) => path === "/api/catalog"),
      statuses: ended((path) => path.startsWith("/api/orders")),
      end: Number(document.documentElement.dataset[endKey]),
      transferred: resources
        .filter((entry) => new URL(entry.name).pathname.startsWith("/pkg/"))
        .reduce((sum, entry) => sum + entry.transferSize, 0),
    };
  }, endKey);
}

const median = (values) => {
  const known = values.filter((value) => value !== null && !Number.isNaN(value)).sort((a, b) => a - b);
  return known.length ? known[Math.floor(known.length / 2)] : null;
};

/**
 * Prints each phase's median duration: the time from the end of the previous phase (in the
 * order given) to the end of this one, so the lines add up to the median total.
 */
export function printBreakdown(runs, order) {
  let previous = 0;
  for (const [label, key] of order) {
    const at = median(runs.map((run) => run[key]));
    if (at === null) {
      console.log(`  ${label.padEnd(34)}      — (not on this page)`);
      continue;
    }
    console.log(`  ${label.padEnd(34)} ${(at - previous).toFixed(1).padStart(7)} ms   (done at ${at.toFixed(1)} ms)`);
    previous = Math.max(previous, at);
  }
  const bytes = median(runs.map((run) => run.transferred));
  console.log(`  widget bytes transferred (pkg/, as served): ${(bytes / 1000).toFixed(1)} KB`);
}
