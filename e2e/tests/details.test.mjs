// Report details in the widget (issue 15): the screenings list under an order, opened with
// the keyboard; the line under the badge while the candidate owes an ID verification; and
// the Assess grade as its own tag, driven from the demo panel's buttons; and enrolment in
// continuous checks, whose report then joins the applicant's orders.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { choosePackage, launch, openPage, shot, step, submitOrder } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test("screenings open from the keyboard, the progress line follows the ID verification, Assess is a tag", async () => {
  const page = await openPage(browser, { account: "blue-bakery", role: "adjudicator", customId: "A-1042" });
  await choosePackage(page);
  await submitOrder(page);
  await page.locator("bgcheck-order").getByText("Invitation Sent").first().waitFor();
  await step("blue-bakery", "A-1042", "invitation_completed");

  const panel = page.locator(".demo-panel");
  await panel.getByRole("button", { name: "Candidate asked for ID verification" }).click();
  await page.getByText("Waiting for the candidate's ID verification").waitFor();
  await panel.getByRole("button", { name: "Candidate completes ID verification" }).click();
  await page.getByText("Checkr is reviewing the candidate's ID verification").waitFor();
  await panel.getByRole("button", { name: "Checkr processes ID verification" }).click();
  await page.getByText("Checkr is reviewing the candidate's ID verification").waitFor({ state: "detached" });

  const toggle = page.getByRole("button", { name: "Show screenings" });
  await toggle.focus();
  await page.keyboard.press("Enter");
  const hide = page.getByRole("button", { name: "Hide screenings" });
  await hide.waitFor();
  assert.equal(await hide.getAttribute("aria-expanded"), "true");
  await page.getByText("SSN trace: In progress").waitFor();

  await panel.getByRole("button", { name: "Finish next screening (clear)" }).click();
  await page.getByText("SSN trace: Complete, Clear").waitFor();
  await page.getByText(/1 of \d+ screenings finished/).waitFor();
  await shot(page, "80-screenings-and-progress");

  await panel.getByRole("button", { name: "Assess: escalated" }).click();
  await page.getByText("Assess: Escalated").waitFor();
  await shot(page, "81-assess-tag");
  await page.close();
});

test("an adjudicator enrols the employee in continuous checks and subscribes them; both reports join the orders", async () => {
  const page = await openPage(browser, { account: "blue-bakery", role: "adjudicator", customId: "A-1042" });
  await page.getByRole("button", { name: "Show enrolments" }).click();
  await page.getByText("Not enrolled in continuous checks.").waitFor();
  await page.getByRole("button", { name: "Enrol", exact: true }).click();
  await page.getByText("evergreen consent to continuous checks; it is required").waitFor();
  await page.getByLabel("The employee gave evergreen consent to continuous checks").check();
  await page.getByRole("button", { name: "Enrol", exact: true }).click();
  await page.getByText("Enrolled: Continuous criminal (C-Crim)").waitFor();

  await page.locator(".demo-panel").getByRole("button", { name: "Continuous check finds a record" }).click();
  await page.getByText("Continuous criminal check (C-Crim)").waitFor();
  await shot(page, "82-continuous-enrolled-and-report");

  // A yearly subscription of the first package, starting tomorrow; running it adds an order.
  await page.getByRole("button", { name: "Show subscriptions" }).click();
  await page.getByText("No subscriptions.").waitFor();
  const form = page.locator(".bgc-subscription-form");
  const packages = form.getByLabel("Package");
  await packages.locator("option:nth-child(2)").waitFor({ state: "attached" });
  await packages.selectOption({ index: 1 });
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  await form.getByLabel("First run").fill(tomorrow);
  await page.getByRole("button", { name: "Subscribe" }).click();
  await page.getByText("Subscribed: every year").waitFor();
  await page.getByText(`next run ${tomorrow}`).waitFor();
  const before = await page.locator("li.bgc-order").count();
  await page.locator(".demo-panel").getByRole("button", { name: "Subscription runs now" }).click();
  await page.waitForFunction((count) => {
    const root = document.querySelector("bgcheck-order").shadowRoot;
    return root.querySelectorAll("li.bgc-order").length > count;
  }, before);
  await shot(page, "83-subscription");
  await page.close();
});
