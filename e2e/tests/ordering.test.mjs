// A combined customer with an account hierarchy: order through the cascading picker, watch
// the badge move as Checkr's webhooks arrive, and see the widget's events reach the host page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { choosePackage, launch, openPage, shot, step, submitOrder } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test("a recruiter orders through the node picker and follows the badge to Complete w Canceled", async () => {
  const page = await openPage(browser, { account: "acme", role: "recruiter", customId: "E2E-ORDER" });
  const company = page.getByLabel("Company", { exact: true });
  await company.locator("option:nth-child(2)").waitFor({ state: "attached" });
  await shot(page, "01-order-form-with-picker");
  await company.selectOption({ index: 1 });
  await page.getByLabel("Region", { exact: true }).waitFor();
  await choosePackage(page);
  await submitOrder(page);
  await page.locator("bgcheck-order").getByText("Invitation Sent").first().waitFor();
  await shot(page, "02-invitation-sent");

  await step("acme", "E2E-ORDER", "invitation_completed");
  await page.locator("bgcheck-order").getByText("Pending", { exact: true }).first().waitFor();
  await step("acme", "E2E-ORDER", "report_eta");
  await page.getByText("Estimated completion: Dec 4, 2026").waitFor();
  await shot(page, "03-pending-with-eta");

  await step("acme", "E2E-ORDER", "report_clear_with_canceled");
  await page.locator("bgcheck-order").getByText("Complete w Canceled").first().waitFor();
  await page.getByRole("img", { name: "Includes canceled screenings" }).first().waitFor();
  await shot(page, "04-complete-with-canceled");

  const types = page.widgetEvents.map((event) => event.type);
  assert.ok(types.includes("bgcheck:ready"), `ready reached the host: ${types}`);
  const ordered = page.widgetEvents.find((event) => event.type === "bgcheck:ordered");
  assert.ok(ordered?.detail?.orderId, "ordered carries the order id");
  assert.ok(page.widgetEvents.some((event) => event.type === "bgcheck:status" && event.detail.label === "Complete w Canceled"));
  await page.getByText("Moved Jordan Rivera to Decision").waitFor();
  await page.close();
});

test("pre-adverse action shows for combined customers", async () => {
  const page = await openPage(browser, { account: "acme", role: "recruiter", customId: "E2E-ADVERSE" });
  const company = page.getByLabel("Company", { exact: true });
  await company.locator("option:nth-child(2)").waitFor({ state: "attached" });
  await company.selectOption({ index: 1 });
  await choosePackage(page);
  await submitOrder(page);
  await page.locator("bgcheck-order").getByText("Invitation Sent").first().waitFor();
  await step("acme", "E2E-ADVERSE", "report_consider");
  await page.locator("bgcheck-order").getByText("Needs Review").first().waitFor();
  await step("acme", "E2E-ADVERSE", "report_pre_adverse_action");
  await page.locator("bgcheck-order").getByText("Pre Adverse Action").first().waitFor();
  await shot(page, "05-pre-adverse-action");
  await page.close();
});
