// Connecting through the Checkr-hosted sign-up, waiting for credentialing, and the message a
// customer sees after disconnecting in Checkr.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, auditState, launch, openPage, shot } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test("an admin connects by sign-up, waits for approval, orders, and sees the disconnection message", async () => {
  const page = await openPage(browser, { account: "fresh-start", role: "admin", customId: "E2E-CONNECT" });
  await page.getByText("This account is not connected to Checkr yet.").waitFor();
  await shot(page, "40-not-connected");
  const failures = await auditState(page, "40-a11y-not-connected");

  const [checkr] = await Promise.all([
    page.waitForEvent("popup"),
    page.getByRole("button", { name: "Sign up with Checkr" }).click(),
  ]);
  await checkr.getByRole("button", { name: "Create account and connect" }).click();
  await checkr.getByText("Connected to Checkr").waitFor();
  await shot(checkr, "41-connected-page");
  await checkr.close();

  await page.getByText("Checkr is reviewing this account").waitFor({ timeout: 15_000 });
  await shot(page, "42-awaiting-approval");
  await page.getByRole("button", { name: "Order check" }).waitFor({ timeout: 30_000 });
  await shot(page, "43-approved");

  const response = await fetch(`${BASE}/demo/deauthorize?account=fresh-start`, { method: "POST" });
  if (response.status !== 204) throw new Error(`deauthorize: ${response.status}`);
  await page.reload();
  await page.getByText("This account is no longer connected to Checkr").waitFor();
  await page.getByRole("button", { name: "Reconnect: sign in to Checkr" }).waitFor();
  await shot(page, "44-disconnected");
  failures.push(...await auditState(page, "44-a11y-disconnected"));
  assert.deepEqual(failures, [], "axe finds nothing and nothing scrolls sideways");
  await page.close();
});
