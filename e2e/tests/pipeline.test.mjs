// The demo's pipeline page: 50 applicants with a <bgcheck-badge> each, on one live connection,
// leaving the page's other requests free; a move in the sandbox changes exactly one badge.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, launch, shot, step } from "../support.mjs";

const ACCOUNT = "blue-bakery";
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/** Each badge's state and label, by applicant id. */
function badgesOnPage(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll("bgcheck-badge")].map((badge) => {
    const line = badge.shadowRoot?.querySelector(".bgc-line");
    const label = line?.querySelector("[data-badge]")?.firstChild?.textContent ?? "";
    return [badge.getAttribute("custom-id"), `${line?.dataset.state}:${label}`];
  })));
}

/** What the proxy says each badge should show. */
async function badgesFromProxy(ids) {
  const query = ids.map((id) => `custom_id=${id}`).join("&");
  const { body } = await api(ACCOUNT, "recruiter", "GET", `/api/orders?${query}`);
  return Object.fromEntries(ids.map((id) => {
    const newest = body.candidates[id][0];
    return [id, newest ? `ready:${newest.badge.label}` : "empty:Not ordered"];
  }));
}

test("50 badges share one stream, the page's own requests still answer, and a move changes one badge", async () => {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1400 } });
  const streams = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/events") streams.push(request.url());
  });
  await page.goto(`${BASE}/www/pipeline.html?account=${ACCOUNT}`);
  await page.waitForFunction(() => document.documentElement.dataset.seeded === "true", null, { timeout: 60_000 });
  assert.equal(await page.locator("bgcheck-badge").count(), 50);

  const ids = Object.keys(await badgesOnPage(page));
  let expected;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    expected = await badgesFromProxy(ids);
    if (JSON.stringify(await badgesOnPage(page)) === JSON.stringify(expected)) break;
    await page.waitForTimeout(100);
  }
  const shown = await badgesOnPage(page);
  assert.deepEqual(shown, expected, "every badge shows what the proxy holds");
  assert.ok(Object.values(shown).filter((label) => label.startsWith("ready:")).length >= 12, "seeded orders show");
  assert.ok(new Set(Object.values(shown)).size >= 6, `several different states: ${JSON.stringify(shown)}`);
  assert.equal(streams.length, 1, `one live stream for the page: ${streams}`);
  assert.ok(streams[0].includes("custom_id=P-001") && streams[0].includes("custom_id=P-050"), "it names the page's applicants");
  await page.getByRole("button", { name: "Background check: Needs Review" }).waitFor();
  await shot(page, "20-pipeline");

  const answered = await page.evaluate(async () => {
    const timeout = new Promise((resolve) => setTimeout(() => resolve("timed out"), 5000));
    const health = fetch("/healthz").then((response) => response.status);
    return Promise.race([health, timeout]);
  });
  assert.equal(answered, 200, "a same-origin request answers while the badges are open");

  assert.equal(shown["P-001"], "ready:Invitation Sent");
  await step(ACCOUNT, "P-001", "invitation_completed");
  await page.waitForFunction(() => {
    const badge = document.querySelector('bgcheck-badge[custom-id="P-001"]');
    return badge.shadowRoot.querySelector("[data-badge]").textContent.startsWith("Pending");
  }, null, { timeout: 10_000 });
  const moved = await badgesOnPage(page);
  const changed = Object.keys(moved).filter((id) => moved[id] !== shown[id]);
  assert.deepEqual(changed, ["P-001"], "exactly that badge changed");
  assert.equal(streams.length, 1, "still one stream");

  await page.locator('bgcheck-badge[custom-id="P-005"] button').click();
  await page.locator("bgcheck-status").getByText("This candidate's checks").waitFor();
  assert.equal(streams.length, 1, "the detail card joins the same stream");
  await shot(page, "21-pipeline-detail");
  await page.close();
});
