// What hosts get: the split, pre-compressed release build behind the one loader script. A
// badge page loads the badge bundle only; the order form's bundle arrives when an order form
// appears; a page with a status list and badges runs one bundle for both. Under a strict CSP with Subresource Integrity on the script tag the widget runs,
// and a loader that does not match the pinned hash does not.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { BASE, launch } from "../support.mjs";

const SESSION = "/demo/session?account=blue-bakery&role=recruiter";
const FULL_WASM = /^\/pkg\/bgcheck\.[0-9a-f]{16}\.wasm$/;
const BADGE_WASM = /^\/pkg\/bgcheck-badge\.[0-9a-f]{16}\.wasm$/;
const STATUS_WASM = /^\/pkg\/bgcheck-status\.[0-9a-f]{16}\.wasm$/;
const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
  + "connect-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/** A host page at a same-origin URL nothing else serves, with `body` and the loader tag. */
async function hostPage(page, path, { body, integrity }) {
  const tag = integrity
    ? `<script type="module" src="/pkg/embed.js" integrity="${integrity}"></script>`
    : `<script type="module" src="/pkg/embed.js"></script>`;
  await page.route(`${BASE}${path}`, (route) => route.fulfill({
    contentType: "text/html",
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="${STRICT_CSP}">
      <title>host page</title>${tag}</head><body>${body}</body></html>`,
  }));
}

/** The pkg/ files the page fetched, by path, with how each came over the wire. */
function recordWidgetFiles(page) {
  const files = new Map();
  page.on("response", async (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith("/pkg/")) files.set(path, (await response.allHeaders())["content-encoding"] ?? "identity");
  });
  return files;
}

const badgeShows = (page, id) => page.waitForFunction((id) => {
  const line = document.querySelector(`bgcheck-badge[custom-id="${id}"]`)?.shadowRoot?.querySelector(".bgc-line");
  return line && line.dataset.state !== "loading";
}, id, { timeout: 30_000 });

test("a badge page loads no order form code until an order form appears, then the form arrives", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const files = recordWidgetFiles(page);
  await hostPage(page, "/host/badges.html", {
    body: `<bgcheck-badge session-path="${SESSION}" custom-id="P-001"></bgcheck-badge>`,
  });
  await page.goto(`${BASE}/host/badges.html`);
  await badgeShows(page, "P-001");
  const fetched = [...files.keys()];
  assert.ok(fetched.some((path) => BADGE_WASM.test(path)), `the badge bundle loads: ${fetched}`);
  assert.ok(!fetched.some((path) => FULL_WASM.test(path) || STATUS_WASM.test(path)), `nothing bigger: ${fetched}`);
  for (const [path, encoding] of files) assert.ok(["br", "gzip"].includes(encoding), `${path} came ${encoding}`);

  await page.evaluate((session) => {
    const order = document.createElement("bgcheck-order");
    order.setAttribute("session-path", session);
    order.setAttribute("custom-id", "LAZY-1");
    document.body.append(order);
  }, SESSION);
  const select = page.getByLabel("Package", { exact: true });
  await select.locator("option:nth-child(2)").waitFor({ state: "attached", timeout: 30_000 });
  assert.ok([...files.keys()].some((path) => FULL_WASM.test(path)), "the order form's bundle arrived with the form");
  // The badge keeps working in the bundle it started in.
  assert.notEqual(await page.locator("bgcheck-badge").evaluate((badge) => badge.shadowRoot.querySelector(".bgc-line").dataset.state), "loading");
  await context.close();
});

test("under a strict CSP with SRI on the script tag the widget runs, and a tampered loader does not", async () => {
  const loader = Buffer.from(await (await fetch(`${BASE}/pkg/embed.js`)).arrayBuffer());
  const integrity = `sha384-${createHash("sha384").update(loader).digest("base64")}`;

  const context = await browser.newContext();
  const page = await context.newPage();
  const files = recordWidgetFiles(page);
  const violations = [];
  await page.exposeFunction("recordViolation", (text) => violations.push(text));
  await page.addInitScript(() => document.addEventListener("securitypolicyviolation",
    (event) => window.recordViolation(`${event.violatedDirective} ${event.blockedURI}`)));
  await hostPage(page, "/host/strict.html", {
    integrity,
    body: `<bgcheck-status session-path="${SESSION}" custom-id="P-001"></bgcheck-status>
           <bgcheck-badge session-path="${SESSION}" custom-id="P-002"></bgcheck-badge>`,
  });
  await page.goto(`${BASE}/host/strict.html`);
  await badgeShows(page, "P-002");
  await page.locator("bgcheck-status").getByRole("heading", { name: "Background checks" }).waitFor({ timeout: 30_000 });
  assert.deepEqual(violations, [], "nothing the policy had to block");
  const wasm = [...files.keys()].filter((path) => path.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `one bundle serves the status list and the badge: ${wasm}`);
  assert.match(wasm[0], STATUS_WASM);

  const wrong = `sha384-${createHash("sha384").update("another release").digest("base64")}`;
  const tampered = await context.newPage();
  const errors = [];
  tampered.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  await hostPage(tampered, "/host/tampered.html", {
    integrity: wrong,
    body: `<bgcheck-badge session-path="${SESSION}" custom-id="P-001"></bgcheck-badge>`,
  });
  await tampered.goto(`${BASE}/host/tampered.html`);
  await tampered.waitForLoadState("networkidle");
  assert.equal(await tampered.evaluate(() => customElements.get("bgcheck-badge")), undefined, "the loader never ran");
  assert.ok(errors.some((text) => /integrity/i.test(text)), `the browser says why: ${errors}`);
  await context.close();
});

test("a page that mounts from code gets the widget from the loader's mount, in the bundle its view needs", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const files = recordWidgetFiles(page);
  await hostPage(page, "/host/code.html", { body: `<div id="cell"></div>` });
  await page.goto(`${BASE}/host/code.html`);
  const unmount = await page.evaluate(async (session) => {
    const { mount } = await import("/pkg/embed.js");
    const handle = await mount(document.getElementById("cell"), { sessionPath: session, customId: "P-003", view: "badge" });
    return typeof handle.unmount;
  }, SESSION);
  assert.equal(unmount, "function", "mount resolves to the widget's handle");
  await page.waitForFunction(() => {
    const line = document.getElementById("cell").shadowRoot?.querySelector(".bgc-line");
    return line && line.dataset.state !== "loading";
  }, null, { timeout: 30_000 });
  const wasm = [...files.keys()].filter((path) => path.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `${wasm}`);
  assert.match(wasm[0], BADGE_WASM);
  await context.close();
});
