// The demo panel for the KarmaCheck account (Harbor Health): orders a case for the page's
// applicant through the proxy, shows each case's badge as the proxy reports it, and plays
// KarmaCheck's side, moving a case to any state of the case lifecycle. The sandbox then sends
// its webhook to the proxy, which reads the case again.

const CANDIDATE = "A-1042";
const ACCOUNT = "harbor-health";
const STATES = [
  ["invitation_sent", "Invitation sent"],
  ["authorization_in_progress", "Authorization in progress"],
  ["processing_screenings", "Processing screenings"],
  ["waiting_for_parental_consent", "Waiting for parental consent"],
  ["verifying_candidate_input", "Verifying candidate input"],
  ["reviewing_order", "Reviewing order"],
  ["blocked", "Blocked"],
  ["canceled", "Canceled"],
  ["needs_review", "Needs review"],
  ["clear", "Clear"],
  ["placed", "Placed"],
  ["pre_adverse_action", "Pre-adverse action"],
  ["dispute_adverse_action", "Dispute adverse action"],
  ["adverse_action", "Adverse action"],
];
// Placed reopened for review: Complete, Consider, no adverse action, Open.
const REOPENED = { primary: "Complete", secondary: "Consider", result: "Open" };

const $ = (id) => document.getElementById(id);
const panel = $("demo-karmacheck");

function account() {
  return $("demo-account").value;
}

function say(text) {
  $("demo-message").textContent = text;
}

async function token() {
  const role = $("demo-role").value;
  const response = await fetch(`/demo/session?account=${ACCOUNT}&role=${role}`, { method: "POST" });
  if (!response.ok) throw new Error(`no demo session (${response.status})`);
  return (await response.json()).token;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${await token()}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function control(caseId, target) {
  const response = await fetch(`/demo/sandbox/karmacheck/cases/${encodeURIComponent(caseId)}/status`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(target),
  });
  if (!response.ok) throw new Error(await response.text());
}

function button(label, onClick, data = {}) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  Object.assign(element.dataset, data);
  element.addEventListener("click", () => onClick().catch((error) => say(error.message)));
  return element;
}

async function orders() {
  const { status, body } = await api("GET", `/api/karmacheck/candidates/${CANDIDATE}/orders`);
  if (status !== 200) throw new Error(body?.message || `orders failed (${status})`);
  return body;
}

/// Re-reads the cases until the newest shows another badge than `before` (the webhook's
/// round trip through the proxy), or a few tries passed.
async function refresh(before) {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const list = await orders();
    render(list);
    if (before === undefined || list[0]?.badge.label !== before) return list;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return orders();
}

function render(list) {
  const rows = $("demo-kc-orders");
  rows.replaceChildren();
  for (const order of list) {
    const row = document.createElement("li");
    row.dataset.order = order.id;
    const badge = document.createElement("span");
    badge.className = `bgc-badge bgc-tone-${order.badge.tone}`;
    badge.dataset.kcBadge = "";
    badge.textContent = order.badge.label;
    row.append(badge, ` ${order.badge.is_final ? "(final)" : ""}`);
    if (order.needs_override) {
      row.append(
        " KarmaCheck already has a case for this email: ",
        button("Add another case", () => retry(order.id, "add")),
        button("Replace it", () => retry(order.id, "replace")),
      );
    } else if (order.can_retry) {
      row.append(button("Retry", () => retry(order.id)));
    }
    rows.append(row);
  }
  $("demo-kc-case").textContent = list.find((order) => order.case_id)?.case_id || "none yet";
}

async function place() {
  const packages = await api("GET", "/api/karmacheck/packages");
  if (packages.status !== 200) throw new Error(packages.body?.message || "no packages");
  const { status, body } = await api("POST", "/api/karmacheck/orders", {
    custom_id: CANDIDATE,
    package_id: packages.body[0].id,
    email: "jordan.rivera@example.com",
    first_name: "Jordan",
    last_name: "Rivera",
  });
  say(status === 201 ? "KarmaCheck case ordered" : body.message);
  await refresh();
}

async function retry(id, orderOverride) {
  const { body } = await api(
    "POST",
    `/api/karmacheck/orders/${id}/retry`,
    orderOverride ? { order_override: orderOverride } : null,
  );
  say(body?.message || "Sent again");
  await refresh();
}

async function move(target) {
  const list = await orders();
  const newest = list.find((order) => order.case_id);
  if (!newest) throw new Error("Order a KarmaCheck case first");
  await control(newest.case_id, target);
  const now = await refresh(newest.badge.label);
  say(`Case is now: ${now[0]?.badge.label}`);
}

function build() {
  const legend = document.createElement("legend");
  legend.append("KarmaCheck case: ");
  const caseId = document.createElement("span");
  caseId.id = "demo-kc-case";
  caseId.textContent = "none yet";
  legend.append(caseId);
  const select = document.createElement("select");
  select.id = "demo-kc-state";
  select.setAttribute("aria-label", "Case state");
  for (const [value, label] of STATES) select.append(new Option(label, value));
  const list = document.createElement("ul");
  list.id = "demo-kc-orders";
  list.setAttribute("aria-live", "polite");
  panel.append(
    legend,
    button("Order a KarmaCheck case", place, { kc: "order" }),
    select,
    button("Move the case", () => move({ overall: select.value }), { kc: "move" }),
    button("Reopen for review", () => move(REOPENED), { kc: "reopen" }),
    list,
  );
}

function sync() {
  panel.hidden = account() !== ACCOUNT;
  if (!panel.hidden) refresh().catch((error) => say(error.message));
}

build();
$("demo-account").addEventListener("change", sync);
sync();
