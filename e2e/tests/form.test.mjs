// The order form as people use it: one click submits even while a field is invalid and
// focused, focus lands where the outcome is, the summary follows the screen, the picker's
// selects are marked like any field, a refusal is said once, and the layout reflows.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, choosePackage, focusedInWidget, horizontalOverflow, launch, openPage, sandbox, shot, step } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await sandbox("DELETE", "faults");
  await browser.close();
});

const widgetText = (page) => page.locator("bgcheck-order").evaluate((element) => element.shadowRoot.textContent);

test("one click on Order check submits while an invalid field still has focus", async () => {
  const page = await openPage(browser, { account: "blue-bakery", role: "recruiter", customId: "E2E-ONE-CLICK" });
  await choosePackage(page);
  await page.getByLabel("No middle name").check();
  const email = page.getByLabel("Email");
  await email.fill("jordan@");
  const submit = page.getByRole("button", { name: "Order check" });
  await submit.click();
  await page.getByText("Please fix the following:").waitFor();
  assert.equal((await focusedInWidget(page))?.["data-field"], "email", "the click submitted: focus went to the field to fix");

  await email.fill("jordan.rivera@example.com");
  await submit.click();
  await page.locator("bgcheck-order").getByText("Invitation Sent").first().waitFor();
  await page.waitForFunction(() =>
    document.querySelector("bgcheck-order").shadowRoot.activeElement?.hasAttribute("data-confirmation"));
  await shot(page, "70-one-click-ordered");
  await page.close();
});

test("an invalid submit focuses the picker's first select and lists errors in screen order under visible labels", async () => {
  const page = await openPage(browser, { account: "acme", role: "recruiter", customId: "E2E-SCREEN-ORDER" });
  const company = page.getByLabel("Company", { exact: true });
  await company.locator("option:nth-child(2)").waitFor({ state: "attached" });
  await page.getByRole("button", { name: "Order check" }).click();
  await page.getByText("Please fix the following:").waitFor();

  const focused = await focusedInWidget(page);
  assert.equal(focused?.["data-field"], "node", "focus is on the picker, the first field on screen");
  assert.equal(focused?.["aria-invalid"], "true", "the picker's select is marked invalid");
  assert.equal(focused?.["aria-required"], "true");
  const described = await company.evaluate((select) => {
    const error = select.getRootNode().getElementById(select.getAttribute("aria-describedby"));
    return { text: error?.textContent, below: select.nextElementSibling === error };
  });
  assert.ok(described.text, "the select is described by its error");
  assert.ok(described.below, "the error sits directly under the select");

  const links = await page.locator("bgcheck-order .bgc-summary a").allTextContents();
  assert.deepEqual(links.slice(0, 3), ["Company", "Package", "Middle name"], `summary in screen order: ${links}`);
  await page.locator("bgcheck-order .bgc-summary a", { hasText: "Package" }).click();
  assert.equal((await focusedInWidget(page))?.["data-field"], "package", "a summary link moves focus to its field");
  await shot(page, "71-screen-order-summary");
  await page.close();
});

test("a refusal is said once, in its order row, which takes focus; Retry's success moves focus to the order", async () => {
  await sandbox("POST", "faults", {
    account_id: "acct_no_nodes",
    fail_step: { endpoint: "invitations", status: 400, message: "Package is temporarily unavailable for this account" },
  });
  const page = await openPage(browser, { account: "corner-cafe", role: "recruiter", customId: "E2E-FOCUS-REFUSED" });
  await choosePackage(page);
  await page.getByLabel("No middle name").check();
  await page.getByRole("button", { name: "Order check" }).click();
  await page.locator("bgcheck-order").getByText("Package is temporarily unavailable for this account").first().waitFor();
  await page.waitForFunction(() =>
    document.querySelector("bgcheck-order").shadowRoot.activeElement?.hasAttribute("data-failure"));
  const text = await widgetText(page);
  assert.equal(text.split("Package is temporarily unavailable for this account").length - 1, 1, `said once: ${text}`);
  assert.match(text, /HTTP 400/, "with the provider's status");

  await sandbox("DELETE", "faults");
  const retry = page.getByRole("button", { name: /^Retry the .+ order$/ });
  await retry.focus();
  await page.keyboard.press("Enter");
  await page.locator("bgcheck-order").getByText("Invitation Sent").first().waitFor();
  await page.waitForFunction(() =>
    document.querySelector("bgcheck-order").shadowRoot.activeElement?.hasAttribute("data-order"));
  await page.close();
});

test("at 320 px the form and the longest badge reflow without sideways scrolling, price in view", async () => {
  const { body: catalog } = await api("blue-bakery", "recruiter", "GET", "/api/catalog");
  const placed = await api("blue-bakery", "recruiter", "POST", "/api/orders", {
    candidate: { first_name: "Jordan", no_middle_name: true, last_name: "Rivera", email: "jordan.rivera@example.com",
      custom_id: "E2E-NARROW", work_location: { country: "US", state: "CA", city: "Oakland" } },
    package: catalog.packages[0].slug,
  });
  assert.equal(placed.status, 201);
  await step("blue-bakery", "E2E-NARROW", "report_clear_with_canceled");
  for (const width of [360, 320]) {
    const page = await openPage(browser, { account: "blue-bakery", role: "recruiter", customId: "E2E-NARROW", width });
    await page.locator("bgcheck-order").getByText("Complete w Canceled").first().waitFor();
    await choosePackage(page);
    const priced = catalog.packages.find((item) => item.price != null) ?? catalog.packages[0];
    if (priced.price != null) {
      await page.getByLabel("Package", { exact: true }).selectOption(priced.slug);
      await page.locator("bgcheck-order .bgc-price").getByText("Price:").waitFor();
    }
    assert.equal(await horizontalOverflow(page), "", `no sideways scrolling at ${width} px`);
    await shot(page, `72-narrow-${width}`);
    await page.close();
  }
});

test("an order row shows the package name once the catalog arrives after the orders", async () => {
  const { body: catalog } = await api("blue-bakery", "recruiter", "GET", "/api/catalog");
  const [package_] = catalog.packages;
  assert.notEqual(package_.slug, package_.name, "the fixture tells slug and name apart");
  const placed = await api("blue-bakery", "recruiter", "POST", "/api/orders", {
    candidate: { first_name: "Jordan", no_middle_name: true, last_name: "Rivera", email: "jordan.rivera@example.com",
      custom_id: "E2E-SLUG", work_location: { country: "US", state: "CA", city: "Oakland" } },
    package: package_.slug,
  });
  assert.equal(placed.status, 201);
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  const page = await openPage(browser, {
    account: "blue-bakery", role: "recruiter", customId: "E2E-SLUG",
    prepare: (page) => page.route("**/api/catalog", async (route) => { await released; await route.continue(); }),
  });
  const row = page.locator("bgcheck-order .bgc-order-name").first();
  await row.waitFor();
  release();
  await page.getByLabel("Package", { exact: true }).waitFor();
  await page.waitForFunction((name) =>
    document.querySelector("bgcheck-order").shadowRoot.querySelector(".bgc-order-name")?.textContent === name, package_.name);
  assert.ok(!(await widgetText(page)).includes(package_.slug), "the slug is gone");
  await page.close();
});
