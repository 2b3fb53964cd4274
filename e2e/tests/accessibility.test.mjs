// The accessibility gate: axe-core (WCAG 2.1 A/AA) finds nothing inside the widget, its shadow
// root included, and nothing scrolls sideways, in each state at 1300 px and at 320 px, and the
// same for a page of <bgcheck-badge> elements (the demo's pipeline). The
// connection states (not connected, disconnected) are audited in connection.test.mjs, where
// they happen.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, auditState, choosePackage, launch, openPage, sandbox, step } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await sandbox("DELETE", "faults");
  await browser.close();
});

const candidate = (customId) => ({
  first_name: "Jordan", no_middle_name: true, last_name: "Rivera", email: "jordan.rivera@example.com",
  custom_id: customId, work_location: { country: "US", state: "CA", city: "Oakland" },
});

test("the order form, loaded and after an invalid submit, passes axe at both widths", async () => {
  const page = await openPage(browser, { account: "acme", role: "recruiter", customId: "E2E-A11Y-FORM" });
  const company = page.getByLabel("Company", { exact: true });
  await company.locator("option:nth-child(2)").waitFor({ state: "attached" });
  const failures = await auditState(page, "60-a11y-form");

  await page.getByLabel("First name").fill("");
  await page.getByRole("button", { name: "Order check" }).click();
  await page.getByText("Please fix the following:").waitFor();
  failures.push(...await auditState(page, "61-a11y-invalid-submit"));
  assert.deepEqual(failures, []);
  await page.close();
});

test("an order list with several badges passes axe at both widths", async () => {
  const { body: catalog } = await api("blue-bakery", "recruiter", "GET", "/api/catalog");
  const steps = ["report_clear", "report_consider", "report_clear_with_canceled", null];
  for (const name of steps) {
    const placed = await api("blue-bakery", "recruiter", "POST", "/api/orders", {
      candidate: candidate("E2E-A11Y-LIST"), package: catalog.packages[0].slug,
    });
    assert.equal(placed.status, 201);
    if (name) await step("blue-bakery", "E2E-A11Y-LIST", name);
  }
  const page = await openPage(browser, { account: "blue-bakery", role: "recruiter", customId: "E2E-A11Y-LIST" });
  await page.locator("bgcheck-order").getByText("Complete w Canceled").first().waitFor();
  await page.locator("bgcheck-order").getByText("Invitation Sent").first().waitFor();
  await choosePackage(page);
  const failures = await auditState(page, "62-a11y-order-list");
  assert.deepEqual(failures, []);
  await page.close();
});

test("a failed order with Retry passes axe at both widths", async () => {
  await sandbox("POST", "faults", {
    account_id: "acct_no_nodes",
    fail_step: { endpoint: "invitations", status: 400, message: "Package is temporarily unavailable for this account" },
  });
  const { body: catalog } = await api("corner-cafe", "recruiter", "GET", "/api/catalog");
  await api("corner-cafe", "recruiter", "POST", "/api/orders", {
    candidate: candidate("E2E-A11Y-FAILED"), package: catalog.packages[0].slug,
  });
  await sandbox("DELETE", "faults");
  const page = await openPage(browser, { account: "corner-cafe", role: "recruiter", customId: "E2E-A11Y-FAILED" });
  await page.getByRole("button", { name: /^Retry/ }).waitFor();
  const failures = await auditState(page, "63-a11y-failed-with-retry");
  assert.deepEqual(failures, []);
  await page.close();
});

test("a pipeline page of badges, in their different states, passes axe at both widths", async () => {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1200 } });
  await page.goto(`${BASE}/www/pipeline.html?account=blue-bakery`);
  await page.waitForFunction(() => document.documentElement.dataset.seeded === "true", null, { timeout: 60_000 });
  await page.getByRole("button", { name: "Background check: Needs Review" }).waitFor();
  // Every badge has its answer: the audit covers what a user reads, not the loading dots.
  await page.waitForFunction(() => [...document.querySelectorAll("bgcheck-badge")].every((badge) => {
    const state = badge.shadowRoot?.querySelector(".bgc-line")?.dataset.state;
    return state !== undefined && state !== "loading";
  }), null, { timeout: 10_000 });
  // The rows hold all 50 badges; axe looks into each one's shadow root.
  const failures = await auditState(page, "64-a11y-pipeline", "#pipeline-rows");
  assert.deepEqual(failures, []);
  await page.close();
});
