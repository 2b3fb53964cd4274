// Managing placed orders from the widget: tags from the host page, cancel and resend behind a
// confirmation, tags changed later on the report, and the order history for admins.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, auditState, choosePackage, focusedInWidget, launch, openPage, step, submitOrder } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const ACCOUNT = "blue-bakery";
const APPLICANT = "E2E-MANAGE";

async function orders() {
  const { body } = await api(ACCOUNT, "admin", "GET", `/api/candidates/${APPLICANT}/orders`);
  return body;
}

async function until(condition, what) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never happened: ${what}`);
}

test("an admin cancels, resends, tags and reads the history of an order", async () => {
  const page = await openPage(browser, { account: ACCOUNT, role: "admin", customId: APPLICANT });
  const widget = page.locator("bgcheck-order");
  await widget.evaluate((element) => element.setAttribute("tags", "REQ-7, hm@example.com"));
  await choosePackage(page);
  await submitOrder(page);
  await widget.getByText("Invitation Sent").first().waitFor();
  // The row shows up in the list and in the form's confirmation.
  await widget.getByText("Tags: REQ-7, hm@example.com").first().waitFor();

  // Cancel: asked first, the safe answer focused.
  await widget.getByRole("button", { name: "Cancel invitation" }).first().click();
  const confirm = widget.getByRole("alertdialog", { name: "Cancel invitation" });
  await confirm.waitFor();
  assert.equal((await focusedInWidget(page))?.["data-keep"], "", "the safe answer has focus");
  assert.deepEqual(await auditState(page, "60-cancel-confirmation"), []);
  await confirm.getByRole("button", { name: "Yes, cancel it" }).click();
  await widget.getByText("Invitation Canceled").first().waitFor();

  // Resend: a new order above the canceled one.
  const before = (await orders()).length;
  await widget.getByRole("button", { name: "Resend invitation" }).first().click();
  await widget.getByRole("alertdialog", { name: "Resend invitation" }).getByRole("button", { name: "Yes, resend" }).click();
  await until(async () => {
    const now = await orders();
    return now.length === before + 1 && now[0].badge.label === "Invitation Sent";
  }, "a new order, sent");
  await widget.getByText("Invitation Sent").first().waitFor();
  const [fresh, canceled] = await orders();
  assert.equal(canceled.badge.label, "Invitation Canceled");
  assert.equal(fresh.badge.label, "Invitation Sent");
  assert.deepEqual(fresh.tags, ["REQ-7", "hm@example.com"], "the resend carries the tags");

  // Tags live on the report: once the candidate completes, they can be changed.
  await step(ACCOUNT, APPLICANT, "invitation_completed");
  await until(async () => Boolean((await orders())[0].report_id), "the report is known");
  const tagged = await api(ACCOUNT, "recruiter", "PUT", `/api/orders/${fresh.id}/tags`, { tags: ["REQ-7", "To Review"] });
  assert.equal(tagged.status, 200, JSON.stringify(tagged.body));
  await widget.getByText("Tags: REQ-7, To Review").first().waitFor();

  // History, for admins and adjudicators.
  const newRow = widget.locator(`.bgc-list [data-order="${fresh.id}"]`);
  await newRow.getByRole("button", { name: "Show history" }).click();
  await newRow.getByText(/Changed the tags · \+1 -1 of 2 wanted/).waitFor();
  const oldRow = widget.locator(`.bgc-list [data-order="${canceled.id}"]`);
  await oldRow.getByRole("button", { name: "Show history" }).click();
  await oldRow.getByText(/Canceled the invitation/).waitFor();
  await oldRow.getByText(/Resent the invitation · resent as/).waitFor();
  assert.deepEqual(await auditState(page, "61-history"), []);

  const recruiter = await api(ACCOUNT, "recruiter", "GET", `/api/orders/${fresh.id}/history`);
  assert.equal(recruiter.status, 403);
  await page.close();
});
