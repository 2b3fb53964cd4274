// Accounts without a node picker, and a segregated customer who sees Pending instead of a
// result until an adjudicator engages, plus why screenings were canceled.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, choosePackage, launch, openPage, shot, step, submitOrder } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await api("blue-bakery", "admin", "PUT", "/api/account/settings", { customer_type: "combined" });
  await browser.close();
});

test("an account without hierarchy has no picker; a segregated customer sees Pending, then Clear", async () => {
  const changed = await api("blue-bakery", "admin", "PUT", "/api/account/settings", { customer_type: "segregated" });
  assert.equal(changed.status, 204);
  const page = await openPage(browser, { account: "blue-bakery", role: "recruiter", customId: "E2E-SEG" });
  await choosePackage(page);
  assert.equal(await page.getByRole("group", { name: "Account node" }).count(), 0, "no node picker");
  await submitOrder(page);
  await page.locator("bgcheck-order").getByText("Invitation Sent").first().waitFor();

  await step("blue-bakery", "E2E-SEG", "report_clear_with_canceled");
  await page.getByText("Cancellation reason:").waitFor();
  assert.equal(await page.locator("bgcheck-order").getByText("Complete w Canceled").count(), 0, "no result before adjudication");
  await page.locator("bgcheck-order").getByText("Pending", { exact: true }).first().waitFor();
  await shot(page, "10-segregated-pending-with-reason");

  await step("blue-bakery", "E2E-SEG", "report_engaged");
  await page.locator("bgcheck-order").getByText("Clear", { exact: true }).first().waitFor();
  await shot(page, "11-segregated-engaged-clear");
  await page.close();
});

test("an account with hierarchy but no nodes has no picker either", async () => {
  const page = await openPage(browser, { account: "corner-cafe", role: "recruiter", customId: "E2E-NONODES" });
  await choosePackage(page);
  assert.equal(await page.getByRole("group", { name: "Account node" }).count(), 0);
  await page.close();
});
