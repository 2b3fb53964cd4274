// An invitation that fails is kept with Checkr's message and retried with the same candidate.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, choosePackage, launch, openPage, sandbox, shot, submitOrder } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await sandbox("DELETE", "faults");
  await browser.close();
});

test("a failed invitation shows Checkr's reason and Retry places it", async () => {
  await sandbox("POST", "faults", {
    account_id: "acct_no_nodes",
    fail_step: { endpoint: "invitations", status: 400, message: "Package is temporarily unavailable for this account" },
  });
  const page = await openPage(browser, { account: "corner-cafe", role: "recruiter", customId: "E2E-RETRY" });
  await choosePackage(page);
  await submitOrder(page);
  await page.locator("bgcheck-order").getByText("Package is temporarily unavailable for this account").first().waitFor();
  // The button's name says which order it retries.
  const retry = page.getByRole("button", { name: /^Retry the .+ order$/ });
  await retry.waitFor();
  await shot(page, "20-invitation-failed");

  await sandbox("DELETE", "faults");
  await retry.click();
  await page.locator("bgcheck-order").getByText("Invitation Sent").first().waitFor();
  await shot(page, "21-retried");
  const { body: orders } = await api("corner-cafe", "recruiter", "GET", "/api/candidates/E2E-RETRY/orders");
  assert.equal(orders[0].step, "invited");
  const candidates = await sandbox("GET", "candidates?account_id=acct_no_nodes");
  assert.equal(candidates.filter((candidate) => candidate.custom_id === "E2E-RETRY").length, 1, "one candidate");
  await page.close();
});
