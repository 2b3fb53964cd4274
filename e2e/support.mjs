// Shared set-up for the end-to-end tests: Debian's Chromium driven by Playwright against the
// running proxy named by BGCHECK_URL (the xtask starts one with its sandbox).
import { mkdirSync } from "node:fs";
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

/** Opens the demo ATS page as `role` of `account`, showing applicant `customId`. */
export async function openPage(browser, { account, role, customId }) {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1200 } });
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
