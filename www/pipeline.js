// The demo ATS's pipeline page: 50 applicants of one customer account, each with a
// <bgcheck-badge>. Clicking a badge opens that applicant's full status card below the list.
// The sandbox panel (demo only) seeds orders on the first visit and moves them afterwards.

const params = new URLSearchParams(location.search);
const ACCOUNT = params.get("account") || "blue-bakery";
const SESSION_PATH = `/demo/session?account=${ACCOUNT}&role=recruiter`;

const FIRST = ["Jordan", "Sam", "Alex", "Priya", "Mateo", "Aisha", "Chen", "Noor", "Luca", "Zoe"];
const LAST = ["Rivera", "Okafor", "Nguyen", "Schmidt", "Haddad"];
const STAGES = ["Applied", "Phone screen", "Interview", "Background check", "Offer"];

/** The applicants, P-001 … P-050. */
export const APPLICANTS = Array.from({ length: 50 }, (_, index) => ({
  id: `P-${String(index + 1).padStart(3, "0")}`,
  name: `${FIRST[index % FIRST.length]} ${LAST[Math.floor(index / FIRST.length) % LAST.length]}`,
  stage: STAGES[index % STAGES.length],
}));

/** What the first visit orders, and the sandbox steps each order then goes through. */
const SEED = [
  ["P-001", [[]]],
  ["P-002", [["invitation_completed"]]],
  ["P-003", [["invitation_completed", "report_eta"]]],
  ["P-004", [["report_clear"]]],
  ["P-005", [["report_consider"]]],
  ["P-006", [["report_clear_with_canceled"]]],
  ["P-007", [["invitation_expired"]]],
  ["P-008", [["report_consider", "report_pre_adverse_action"]]],
  ["P-009", [["report_eta", "report_suspended"]]],
  ["P-010", [["report_canceled"]]],
  ["P-011", [["report_clear"], []]],
  ["P-012", [["invitation_deleted"]]],
];

const STEPS = [
  ["invitation_completed", "Candidate completes invitation"],
  ["report_eta", "ETA update"],
  ["report_clear", "Report clear"],
  ["report_clear_with_canceled", "Complete Now (canceled screenings)"],
  ["report_consider", "Report consider"],
  ["report_engaged", "Adjudicator engages"],
  ["report_pre_adverse_action", "Pre-adverse action"],
  ["report_suspended", "Suspend"],
  ["report_resumed", "Resume"],
  ["report_canceled", "Cancel report"],
  ["invitation_expired", "Expire invitation"],
];

const $ = (id) => document.getElementById(id);

function renderRows() {
  const rows = $("pipeline-rows");
  for (const applicant of APPLICANTS) {
    const row = document.createElement("tr");
    row.setAttribute("role", "row");
    row.dataset.customId = applicant.id;
    const cells = [applicant.name, applicant.id, applicant.stage].map((text) => {
      const cell = document.createElement("td");
      cell.setAttribute("role", "cell");
      cell.textContent = text;
      return cell;
    });
    const badgeCell = document.createElement("td");
    badgeCell.setAttribute("role", "cell");
    const badge = document.createElement("bgcheck-badge");
    badge.setAttribute("session-path", SESSION_PATH);
    badge.setAttribute("custom-id", applicant.id);
    badge.setAttribute("clickable", "");
    badgeCell.append(badge);
    row.append(...cells, badgeCell);
    rows.append(row);
  }
  rows.addEventListener("bgcheck:open", (event) => openDetail(event.detail.customId));
}

function openDetail(customId) {
  const applicant = APPLICANTS.find((candidate) => candidate.id === customId);
  const detail = $("pipeline-detail");
  detail.replaceChildren();
  const title = document.createElement("h2");
  title.textContent = applicant ? `${applicant.name} (${customId})` : customId;
  const card = document.createElement("bgcheck-status");
  card.setAttribute("session-path", SESSION_PATH);
  card.setAttribute("custom-id", customId);
  detail.append(title, card);
  $("demo-applicant").value = customId;
}

// ---------------------------------------------------------------------------------------
// Demo only: plays Checkr's side through the proxy's sandbox-only /demo endpoints.

function say(text) {
  $("demo-message").textContent = text;
}

let token;
async function api(method, path, body) {
  token ??= (await (await fetch(SESSION_PATH, { method: "POST" })).json()).token;
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(text || response.statusText);
  return text ? JSON.parse(text) : null;
}

async function ordersOf(ids) {
  const query = ids.map((id) => `custom_id=${encodeURIComponent(id)}`).join("&");
  return (await api("GET", `/api/orders?${query}`)).candidates;
}

async function sandboxStep(invitation, step) {
  const response = await fetch(`/demo/sandbox/invitations/${invitation}/steps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ step, eta: "2026-12-04T00:00:00Z" }),
  });
  if (!response.ok) throw new Error(await response.text());
}

/** Waits (briefly) until the proxy has applied the webhook a step caused. */
async function applied(customId, orderId, before) {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const order = (await ordersOf([customId]))[customId].find((candidate) => candidate.id === orderId);
    if (order && JSON.stringify(order.status) !== before) return order;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

const US_ORDER = (customId, name, pkg) => ({
  candidate: {
    first_name: name.split(" ")[0], no_middle_name: true, last_name: name.split(" ")[1],
    email: `${customId.toLowerCase()}@example.com`, custom_id: customId,
    work_location: { country: "US", state: "CA", city: "Oakland" },
  },
  package: pkg,
});

/** The first visit to a fresh sandbox places and moves the seed orders, in the open. */
async function seed() {
  const seededIds = SEED.map(([id]) => id);
  const existing = await ordersOf(seededIds);
  if (seededIds.some((id) => existing[id].length > 0)) return;
  say("Placing the demo orders…");
  const catalog = await api("GET", "/api/catalog");
  const pkg = catalog.packages[0].slug;
  for (const [customId, orders] of SEED) {
    const applicant = APPLICANTS.find((candidate) => candidate.id === customId);
    for (const steps of orders) {
      let order = await api("POST", "/api/orders", US_ORDER(customId, applicant.name, pkg));
      for (const step of steps) {
        try {
          const before = JSON.stringify(order.status);
          await sandboxStep(order.invitation_id, step);
          order = (await applied(customId, order.id, before)) ?? order;
        } catch (error) {
          say(`${customId}: ${step} not possible (${error.message})`);
        }
      }
    }
  }
  say("Demo orders placed.");
}

async function runStep(step) {
  const customId = $("demo-applicant").value;
  try {
    const orders = (await ordersOf([customId]))[customId];
    const invitation = orders.find((order) => order.invitation_id)?.invitation_id;
    if (!invitation) return say(`${customId} has no order yet.`);
    await sandboxStep(invitation, step);
    say(`${customId}: ${step}`);
  } catch (error) {
    say(`Not possible now: ${error.message}`);
  }
}

function setUpPanel() {
  for (const applicant of APPLICANTS) {
    const option = document.createElement("option");
    option.value = applicant.id;
    option.textContent = `${applicant.id} · ${applicant.name}`;
    $("demo-applicant").append(option);
  }
  for (const [step, label] of STEPS) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.step = step;
    button.addEventListener("click", () => runStep(step));
    $("demo-steps").append(button);
  }
}

renderRows();
setUpPanel();
seed()
  .catch((error) => say(`Could not place the demo orders: ${error.message}`))
  .finally(() => { document.documentElement.dataset.seeded = "true"; });
