// `?count=N` (default 200) badges of applicants P-001…, on one session. Writes the time from
// this script's start until every badge has announced `bgcheck:ready` (it shows a status or
// an error) into data-ready-ms; `?count=0` is the empty page the fetch timing compares with.
(() => {
  // The zero of the phases e2e/bench-badges.mjs prints.
  const started = performance.mark("bench:start").startTime;
  const count = Number(new URLSearchParams(location.search).get("count") ?? 200);
  const ready = new Set();
  const done = (elapsed) => {
    document.getElementById("bench-result").textContent = `${elapsed} ms`;
    document.documentElement.dataset.readyMs = elapsed;
  };
  document.addEventListener("bgcheck:ready", (event) => {
    ready.add(event.target);
    if (ready.size === count) done((performance.now() - started).toFixed(1));
  });
  document.addEventListener("DOMContentLoaded", () => {
    const list = document.getElementById("bench-list");
    for (let index = 1; index <= count; index += 1) {
      const item = document.createElement("li");
      const badge = document.createElement("bgcheck-badge");
      badge.setAttribute("session-path", "/demo/session?account=blue-bakery&role=recruiter");
      badge.setAttribute("custom-id", `P-${String(index).padStart(3, "0")}`);
      item.append(badge);
      list.append(item);
    }
    if (count === 0) done("0");
  });
})();
