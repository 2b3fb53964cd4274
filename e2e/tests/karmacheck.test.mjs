// A KarmaCheck case ordered from the demo's KarmaCheck account, moved to Placed by the
// sandbox and reopened for review: each change travels sandbox → webhook → proxy → badge.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, launch, openPage, shot } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test("a KarmaCheck case goes to Placed and back to Needs review", async () => {
  const page = await openPage(browser, { account: "harbor-health", role: "recruiter" });
  const panel = page.locator("#demo-karmacheck");
  await panel.waitFor();
  await panel.getByRole("button", { name: "Order a KarmaCheck case" }).click();
  const newest = panel.locator("[data-kc-badge]").first();
  await assert.doesNotReject(newest.filter({ hasText: "Invitation sent" }).waitFor());

  await panel.getByLabel("Case state").selectOption("placed");
  await panel.getByRole("button", { name: "Move the case" }).click();
  await newest.filter({ hasText: "Placed" }).waitFor();
  await shot(page, "60-karmacheck-placed");

  await panel.getByRole("button", { name: "Reopen for review" }).click();
  await newest.filter({ hasText: "Needs review" }).waitFor();
  await shot(page, "61-karmacheck-needs-review");

  const { body: orders } = await api("harbor-health", "recruiter", "GET", "/api/karmacheck/candidates/A-1042/orders");
  assert.equal(orders[0].overall_status, "needs_review");
  assert.equal(orders[0].badge.tone, "attention");
  await page.close();
});

test("the widget orders a KarmaCheck case and its badge follows the case to Placed and back", async () => {
  const page = await openPage(browser, { account: "harbor-health", role: "recruiter" });
  const widget = page.locator("bgcheck-order");
  await widget.getByRole("heading", { name: "Order a background check through KarmaCheck" }).waitFor();
  // No Checkr connect flow, hierarchy or work location for a KarmaCheck account.
  assert.equal(await widget.getByText("not connected to Checkr").count(), 0);
  assert.equal(await widget.locator('[data-field="country"]').count(), 0);
  const packages = widget.locator('select[data-field="package"] option:not([value=""])');
  await widget.locator('select[data-field="package"]').selectOption(await packages.first().getAttribute("value"));
  // The applicant's name and email come from the page's attributes; KarmaCheck gets a new
  // email so this case does not meet the first test's case (a 409).
  await widget.getByLabel("Email").fill("jordan.rivera+widget@example.com");
  await widget.getByRole("button", { name: "Order check" }).click();
  await widget.getByText("Status: Invitation sent").waitFor();
  const row = widget.locator('[data-provider="karmacheck"]').first();
  await row.locator("[data-badge]").filter({ hasText: "Invitation sent" }).waitFor();
  const ordered = page.widgetEvents.find((event) => event.type === "bgcheck:ordered");
  assert.equal(ordered?.detail.provider, "karmacheck");

  const panel = page.locator("#demo-karmacheck");
  await panel.getByLabel("Case state").selectOption("placed");
  await panel.getByRole("button", { name: "Move the case" }).click();
  await panel.locator("[data-kc-badge]").first().filter({ hasText: "Placed" }).waitFor();
  // The widget reads the applicant's cases again every 10 s while one can still move.
  await row.locator("[data-badge]").filter({ hasText: "Placed" }).waitFor({ timeout: 25_000 });
  await shot(page, "62-karmacheck-widget-placed");

  await panel.getByRole("button", { name: "Reopen for review" }).click();
  // Once every case is final, every 30 s: a placed case can still be reopened.
  await row.locator("[data-badge]").filter({ hasText: "Needs review" }).waitFor({ timeout: 50_000 });
  // The confirmation above the form follows the case too.
  await widget.getByText("Status: Needs review").waitFor();
  await shot(page, "63-karmacheck-widget-needs-review");
  const status = page.widgetEvents.filter((event) => event.type === "bgcheck:status").map((event) => event.detail);
  assert.deepEqual(
    status.map(({ label, final, provider }) => [label, final, provider]).slice(-2),
    [["Placed", true, "karmacheck"], ["Needs review", true, "karmacheck"]],
  );
  await page.close();
});
