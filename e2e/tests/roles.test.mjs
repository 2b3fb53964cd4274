// The Dashboard link is for users with adjudication rights only.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, launch, openPage, shot, step } from "../support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test("a recruiter sees no report link and an adjudicator does", async () => {
  const { body: catalog } = await api("blue-bakery", "recruiter", "GET", "/api/catalog");
  const placed = await api("blue-bakery", "recruiter", "POST", "/api/orders", {
    candidate: { first_name: "Jordan", no_middle_name: true, last_name: "Rivera", email: "jordan.rivera@example.com",
      custom_id: "E2E-ROLES", work_location: { country: "US", state: "CA", city: "Oakland" } },
    package: catalog.packages[0].slug,
  });
  assert.equal(placed.status, 201);
  await step("blue-bakery", "E2E-ROLES", "report_clear");

  const recruiter = await openPage(browser, { account: "blue-bakery", role: "recruiter", customId: "E2E-ROLES" });
  await recruiter.locator("bgcheck-order").getByText("Clear", { exact: true }).first().waitFor();
  assert.equal(await recruiter.getByRole("link", { name: "Open the report in the Checkr Dashboard" }).count(), 0);
  await shot(recruiter, "30-recruiter-no-link");
  await recruiter.close();

  const adjudicator = await openPage(browser, { account: "blue-bakery", role: "adjudicator", customId: "E2E-ROLES" });
  const link = adjudicator.getByRole("link", { name: "Open the report in the Checkr Dashboard" });
  await link.waitFor();
  assert.match(await link.getAttribute("href"), /\/dashboard\/reports\//);
  await shot(adjudicator, "31-adjudicator-link");
  await adjudicator.close();
});
