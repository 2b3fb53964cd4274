// Shared set-up for the end-to-end tests: Debian's Chromium driven by Playwright against the
// running proxy named by BGCHECK_URL (the xtask starts one with its sandbox).
import { mkdirSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";

export const BASE = process.env.BGCHECK_URL;
if (!BASE) throw new Error("BGCHECK_URL is not set: run the end-to-end tests through `cargo xtask test`");

const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

// The flags this machine's closed network needs (see the toolchain notes).
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** Opens the demo ATS page as `role` of `account`, showing applicant `customId`, `width` px wide. */
export async function openPage(browser, { account, role, customId, width = 1300, prepare }) {
  const page = await browser.newPage({ viewport: { width, height: 1200 } });
  // A chance to stub or hold requests before the page loads.
  if (prepare) await prepare(page);
  const events = [];
  await page.exposeFunction("recordWidgetEvent", (type, detail) => events.push({ type, detail }));
  await page.addInitScript(() => {
    for (const type of ["bgcheck:ready", "bgcheck:ordered", "bgcheck:status", "bgcheck:error"]) {
      document.addEventListener(type, (event) => window.recordWidgetEvent(type, event.detail));
    }
  });
  await page.goto(`${BASE}/?account=${account}&role=${role}`);
  if (customId) {
    await page.locator("bgcheck-order").evaluate((element, id) => element.setAttribute("custom-id", id), customId);
  }
  page.widgetEvents = events;
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

async function session(account, role) {
  const response = await fetch(`${BASE}/demo/session?account=${account}&role=${role}`, { method: "POST" });
  if (!response.ok) throw new Error(`demo session: ${response.status}`);
  return (await response.json()).token;
}

/** Calls the widget API as `role` of `account`. */
export async function api(account, role, method, path, body) {
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${await session(account, role)}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Drives the sandbox through the proxy's demo endpoints. */
export async function sandbox(method, path, body) {
  const response = await fetch(`${BASE}/demo/sandbox/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`sandbox ${path}: ${response.status} ${await response.text()}`);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export async function latestInvitation(account, customId) {
  const { body } = await api(account, "recruiter", "GET", `/api/candidates/${customId}/orders`);
  return body.find((order) => order.invitation_id)?.invitation_id;
}

export async function step(account, customId, name) {
  const invitation = await latestInvitation(account, customId);
  return sandbox("POST", `invitations/${invitation}/steps`, { step: name, eta: "2026-12-04T00:00:00Z" });
}

/** Fills the prefilled candidate form's remaining required field and submits it. */
export async function submitOrder(page) {
  await page.getByLabel("No middle name").check();
  await page.getByRole("button", { name: "Order check" }).click();
}

/** Picks the first package the form offers. */
export async function choosePackage(page) {
  const select = page.getByLabel("Package", { exact: true });
  await select.locator("option:nth-child(2)").waitFor({ state: "attached" });
  await select.selectOption({ index: 1 });
}

// axe-core from npm (pinned in package.json), injected into the page under test.
const AXE = new URL("./node_modules/axe-core/axe.min.js", import.meta.url).pathname;
const WCAG_21_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * Runs axe-core over the widget element (its open shadow root included) for WCAG 2.1 A/AA
 * and returns the violations, one line each, so a failing assertion says what and where.
 */
export async function axeViolations(page, selector = "bgcheck-order") {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    // Evaluated through the driver: the demo page's CSP (rightly) refuses an injected <script>.
    await page.evaluate(readFileSync(AXE, "utf8"));
  }
  const violations = await page.evaluate(async ([selector, tags]) => {
    const element = document.querySelector(selector);
    const result = await window.axe.run(element, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    // A target inside a shadow root is a path of selectors: proof axe looked inside the widget.
    const inside = [...result.passes, ...result.violations]
      .some((rule) => rule.nodes.some((node) => Array.isArray(node.target[0])));
    if (!inside) return ["axe reached no element inside the widget's shadow root"];
    return result.violations.map((violation) =>
      `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => JSON.stringify(node.target)).join(", ")}`);
  }, [selector, WCAG_21_A_AA]);
  return violations;
}

/** Widths the accessibility gate checks every state at: desktop, and the 320 CSS px of WCAG 1.4.10. */
export const WIDTHS = [1300, 320];

/**
 * At each width: no axe violation inside the widget, no horizontal scrolling, and a
 * screenshot named `name-<width>`. Returns the failures instead of throwing at the first,
 * so one run reports every state.
 */
export async function auditState(page, name, selector = "bgcheck-order") {
  const failures = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 1200 });
    // One frame for the layout to follow the new width.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
    for (const violation of await axeViolations(page, selector)) failures.push(`${name} @${width}px: ${violation}`);
    const overflow = await horizontalOverflow(page, selector);
    if (overflow) failures.push(`${name} @${width}px: scrolls sideways (${overflow})`);
    await shot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1300, height: 1200 });
  return failures;
}

/** Why the page or the widget scrolls sideways, or "" when neither does. */
export async function horizontalOverflow(page, selector = "bgcheck-order") {
  return page.evaluate((selector) => {
    const html = document.documentElement;
    if (html.scrollWidth > html.clientWidth) return `page ${html.scrollWidth} > ${html.clientWidth}`;
    const host = document.querySelector(selector);
    const card = host?.shadowRoot?.querySelector(".bgc-card");
    if (card && card.scrollWidth > card.clientWidth) return `widget ${card.scrollWidth} > ${card.clientWidth}`;
    if (host && host.getBoundingClientRect().right > html.clientWidth) return "widget wider than the viewport";
    return "";
  }, selector);
}

/** Attributes of the element focused inside the widget's shadow root (null when focus is elsewhere). */
export async function focusedInWidget(page, selector = "bgcheck-order") {
  return page.locator(selector).evaluate((element) => {
    const active = element.shadowRoot.activeElement;
    if (!active) return null;
    return Object.fromEntries([...active.attributes].map((attribute) => [attribute.name, attribute.value]).concat([["tag", active.tagName.toLowerCase()]]));
  });
}
