// The demo page's controls: which ATS user and customer account the widget runs as, and a
// panel that plays Checkr's side through the proxy's sandbox-only /demo endpoints.

const CANDIDATE = "A-1042";
const STEPS = [
  ["invitation_completed", "Candidate completes invitation"],
  ["report_eta", "ETA update"],
  ["report_clear", "Report clear"],
  ["report_clear_with_canceled", "Complete Now (canceled screenings)"],
  ["report_all_canceled_on_complete", "Complete Now (all canceled)"],
  ["report_consider", "Report consider"],
  ["report_engaged", "Adjudicator engages"],
  ["report_pre_adverse_action", "Pre-adverse action"],
  ["report_post_adverse_action", "Post-adverse action"],
  ["report_suspended", "Suspend"],
  ["report_resumed", "Resume"],
  ["report_disputed", "Candidate disputes"],
  ["report_canceled", "Cancel report"],
  ["report_assess_completed", "Assess completion"],
  ["invitation_expired", "Expire invitation"],
  ["invitation_deleted", "Cancel invitation"],
];

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const current = {
  account: params.get("account") || "acme",
  role: params.get("role") || "recruiter",
};

function say(text) {
  $("demo-message").textContent = text;
}

function log(text) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} · ${text}`;
  $("ats-activity").prepend(item);
}

async function session(role) {
  const response = await fetch(`/demo/session?account=${current.account}&role=${role}`, { method: "POST" });
  if (!response.ok) throw new Error(`no demo session (${response.status})`);
  return (await response.json()).token;
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(text || response.statusText);
  return text ? JSON.parse(text) : null;
}

function remountWidget() {
  // A fresh element re-reads everything, as a host page would after switching context.
  const old = $("background-check");
  const fresh = old.cloneNode(false);
  fresh.setAttribute("session-path", `/demo/session?account=${current.account}&role=${current.role}`);
  old.replaceWith(fresh);
  listen(fresh);
}

function remember() {
  const query = new URLSearchParams(current);
  history.replaceState(null, "", `?${query}`);
}

async function latestInvitation() {
  const token = await session(current.role);
  const response = await fetch(`/api/candidates/${CANDIDATE}/orders`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) return null;
  const orders = await response.json();
  const placed = orders.find((order) => order.invitation_id);
  $("demo-invitation").textContent = placed ? `${placed.invitation_id} (${placed.badge.label})` : "none yet";
  return placed ? placed.invitation_id : null;
}

async function runStep(step) {
  const invitation = await latestInvitation();
  if (!invitation) return say("Order a check first.");
  try {
    await call("POST", `/demo/sandbox/invitations/${invitation}/steps`, { step, eta: etaInAWeek() });
    say(`Sent: ${step}`);
  } catch (error) {
    say(`Not possible now: ${error.message}`);
  }
  setTimeout(latestInvitation, 500);
}

function etaInAWeek() {
  const day = new Date(Date.now() + 7 * 86400000);
  return `${day.toISOString().slice(0, 10)}T00:00:00Z`;
}

async function setCustomerType(type) {
  try {
    const admin = await session("admin");
    const response = await fetch("/api/account/settings", {
      method: "PUT",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ customer_type: type }),
    });
    if (!response.ok) throw new Error(await response.text());
    say(`Customer type: ${type}`);
    remountWidget();
  } catch (error) {
    say(`Could not change the customer type: ${error.message}`);
  }
}

async function syncCustomerType() {
  try {
    const token = await session(current.role);
    const response = await fetch("/api/session", { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) return;
    const { customer_type } = await response.json();
    for (const radio of document.querySelectorAll("input[name=demo-customer-type]")) {
      radio.checked = radio.value === customer_type;
    }
  } catch {
    // The panel still works; the radios may just show the default.
  }
}

function listen(element) {
  element.addEventListener("bgcheck:ready", () => log("Background-check widget ready"));
  element.addEventListener("bgcheck:ordered", (event) => {
    log(`Ordered ${event.detail.package} (order ${event.detail.orderId})`);
    latestInvitation();
  });
  element.addEventListener("bgcheck:status", (event) => {
    log(`Status of ${event.detail.orderId}: ${event.detail.label}${event.detail.final ? " (final)" : ""}`);
    if (event.detail.final) {
      $("stage-check").className = "done";
      $("stage-decision").className = "current";
      log("Moved Jordan Rivera to Decision");
    }
  });
  element.addEventListener("bgcheck:error", (event) => log(`Widget error: ${event.detail.message}`));
}

function setUp() {
  $("demo-role").value = current.role;
  $("demo-account").value = current.account;
  $("demo-role").addEventListener("change", (event) => {
    current.role = event.target.value;
    remember();
    remountWidget();
  });
  $("demo-account").addEventListener("change", (event) => {
    current.account = event.target.value;
    remember();
    remountWidget();
    syncCustomerType();
    latestInvitation();
  });
  for (const radio of document.querySelectorAll("input[name=demo-customer-type]")) {
    radio.addEventListener("change", () => setCustomerType(radio.value));
  }
  for (const [step, label] of STEPS) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.step = step;
    button.addEventListener("click", () => runStep(step));
    $("demo-steps").append(button);
  }
  const delivery = () => call("POST", "/demo/sandbox/delivery", { hold: $("demo-hold").checked, duplicate: $("demo-duplicate").checked });
  $("demo-hold").addEventListener("change", () => delivery().then(() => say("Delivery updated")));
  $("demo-duplicate").addEventListener("change", () => delivery().then(() => say("Delivery updated")));
  $("demo-release").addEventListener("click", async () => {
    $("demo-hold").checked = false;
    const released = await call("POST", "/demo/sandbox/delivery/release", { reverse: true });
    say(`Released ${released.released} events, newest first`);
  });
  $("demo-fail-invitations").addEventListener("click", async () => {
    await call("POST", "/demo/sandbox/faults", {
      account_id: null,
      fail_step: { endpoint: "invitations", status: 400, message: "Package is temporarily unavailable for this account" },
    });
    say("Invitations now fail until faults are cleared");
  });
  $("demo-clear-faults").addEventListener("click", async () => {
    await call("DELETE", "/demo/sandbox/faults");
    say("Faults cleared");
  });
  $("demo-deauthorize").addEventListener("click", async () => {
    try {
      await call("POST", `/demo/deauthorize?account=${current.account}`);
      say("The customer disconnected the app in Checkr's Dashboard");
    } catch (error) {
      say(`Not connected: ${error.message}`);
    }
  });
  const widget = $("background-check");
  widget.setAttribute("session-path", `/demo/session?account=${current.account}&role=${current.role}`);
  listen(widget);
  syncCustomerType();
  latestInvitation();
}

setUp();
