// The demo panel's report-detail steps: finish one screening at a time, walk the candidate's
// ID verification through Checkr's verification.* events, grade the report with Assess, and
// play an enrolled employee's continuous check (a new report, a continuous_check.* webhook)
// and run a subscription's next occurrence.
// Like the rest of the panel it plays Checkr's side through the proxy's /demo endpoints.

const CANDIDATE = "A-1042";
const $ = (id) => document.getElementById(id);
let verification = null;

function say(text) {
  $("demo-message").textContent = text;
}

function current() {
  const params = new URLSearchParams(location.search);
  return { account: params.get("account") || "acme" };
}

async function adminToken() {
  const response = await fetch(`/demo/session?account=${current().account}&role=admin`, { method: "POST" });
  if (!response.ok) throw new Error(`no demo session (${response.status})`);
  return (await response.json()).token;
}

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${await adminToken()}` } });
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

async function control(path, body) {
  const response = await fetch(`/demo/sandbox/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(text || response.statusText);
  return text ? JSON.parse(text) : null;
}

/** The newest order with a report, as the admin sees it. */
async function latestReport() {
  const orders = await api(`/api/candidates/${CANDIDATE}/orders`);
  return orders.find((order) => order.report_id) || null;
}

async function finishScreening(result) {
  const order = await latestReport();
  if (!order) return say("Complete an invitation first.");
  const details = await api(`/api/orders/${order.id}/screenings`);
  const next = details.screenings.find((screening) => screening.status === "pending");
  if (!next) return say("No pending screening (they are read shortly after each report event).");
  await control(`screenings/${next.id}/complete`, { result });
  say(`${next.name} finished: ${result}`);
}

async function verify(event) {
  const order = await latestReport();
  if (!order) return say("Complete an invitation first.");
  if (event !== "created" && !verification) return say("Start an ID verification first.");
  const answer = await control(`reports/${order.report_id}/verifications`, {
    event,
    verification_type: "id",
    ...(event === "created" ? {} : { id: verification }),
  });
  verification = answer.verification.id;
  say(`Sent verification.${event}`);
}

async function assess(assessment) {
  const order = await latestReport();
  if (!order) return say("Complete an invitation first.");
  await control(`reports/${order.report_id}/assessment`, { assessment });
  say(`Assess: ${assessment}`);
}

async function enrolment() {
  const listed = await api(`/api/candidates/${CANDIDATE}/continuous-checks`);
  return listed[0] || null;
}

async function continuousReport(result) {
  const enrolled = await enrolment();
  if (!enrolled) return say("Enrol the candidate in a continuous check first (as adjudicator or admin).");
  await control(`continuous_checks/${enrolled.id}/report`, { result });
  say(`${enrolled.label} reported: ${result}`);
}

async function continuousEvent(type) {
  const enrolled = await enrolment();
  if (!enrolled) return say("Enrol the candidate in a continuous check first (as adjudicator or admin).");
  await control(`continuous_checks/${enrolled.id}/events`, { type });
  say(`Sent continuous_check.${type}`);
}

async function runSubscription() {
  const listed = await api(`/api/candidates/${CANDIDATE}/subscriptions`);
  const active = listed.find((subscription) => subscription.status === "active");
  if (!active) return say("Create a subscription first (as adjudicator or admin).");
  await control(`subscriptions/${active.id}/run`, {});
  say(`Subscription ran: ${active.package}`);
}

const STEPS = [
  ["Finish next screening (clear)", () => finishScreening("clear")],
  ["Finish next screening (consider)", () => finishScreening("consider")],
  ["Candidate asked for ID verification", () => verify("created")],
  ["Candidate completes ID verification", () => verify("completed")],
  ["Checkr processes ID verification", () => verify("processed")],
  ["Assess: eligible", () => assess("eligible")],
  ["Assess: review", () => assess("review")],
  ["Assess: escalated", () => assess("escalated")],
  ["Continuous check finds a record", () => continuousReport("consider")],
  ["Continuous check reports clear", () => continuousReport("clear")],
  ["Checkr asks to confirm the enrolment", () => continuousEvent("confirmation_required")],
  ["Subscription runs now", () => runSubscription()],
];

for (const [label, run] of STEPS) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.addEventListener("click", async () => {
    try {
      await run();
    } catch (error) {
      say(`Not possible now: ${error.message}`);
    }
  });
  $("demo-details").append(button);
}
