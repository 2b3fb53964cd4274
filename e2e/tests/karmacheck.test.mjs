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
