// The order form by keyboard alone: an invalid submit moves focus to the first invalid field
// on screen and announces the errors; fixing them and submitting with keys places the order,
// and focus then rests on the confirmation, inside the widget.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, openPage, shot } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const focusedId = (page) =>
  page.locator("bgcheck-order").evaluate((element) => element.shadowRoot.activeElement?.id ?? "");

test("an invalid submit focuses the first invalid field, and keys alone place the order", async () => {
  const page = await openPage(browser, { account: "blue-bakery", role: "recruiter", customId: "E2E-KEYS" });
  const firstName = page.getByLabel("First name");
  await firstName.waitFor();
  await firstName.fill("");

  await page.getByRole("button", { name: "Order check" }).focus();
  await page.keyboard.press("Enter");
  await page.getByText("Please fix the following:").waitFor();
  const packages = page.getByLabel("Package", { exact: true });
  assert.equal(await focusedId(page), await packages.getAttribute("id"), "focus moved to the first invalid field on screen");
  assert.ok(await page.locator("bgcheck-order [aria-live]").count() > 0, "errors sit in a live region");
  await shot(page, "50-keyboard-invalid");

  await page.keyboard.press("ArrowDown");
  assert.notEqual(await packages.inputValue(), "", "a package was chosen with the arrow key");
  await firstName.focus();
  await page.keyboard.type("Jordan");
  await page.getByLabel("No middle name").focus();
  await page.keyboard.press("Space");
  await page.getByRole("button", { name: "Order check" }).focus();
  await page.keyboard.press("Enter");
  await page.locator("bgcheck-order").getByText("Invitation Sent").first().waitFor();
  await page.waitForFunction(() =>
    document.querySelector("bgcheck-order").shadowRoot.activeElement?.hasAttribute("data-confirmation"));
  await page.keyboard.press("Tab");
  assert.equal(
    await page.locator("bgcheck-order").evaluate((element) => element.shadowRoot.activeElement?.textContent),
    "Order another check",
    "focus stays in the widget after sending: Tab reaches the next control",
  );
  await shot(page, "51-keyboard-ordered");
  await page.close();
});
