//! The proxy against the sandbox in its Checkr-like mode: events stamped to the whole second
//! with random ids, objects left out of webhooks (`include_object` off), reads that fail, and
//! webhooks that overtake the OAuth callback.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use bgcheck::proxy::checkr::ClientPolicy;
use bgcheck::proxy::crypto::{load_or_create_secret, sign_hex};
use bgcheck::proxy::identity::{Identity, Role};
use bgcheck::proxy::secret::Secret;
use bgcheck::proxy::store::{AccountRecord, ConnectionState};
use bgcheck::proxy::{Config, Running, start_with_policy};
use bgcheck::sandbox::{PartnerApp, Sandbox, SandboxAccount};
use serde_json::{Value, json};
use support::{Harness, first_package, us_order};

/// Places a US order on the no-hierarchy demo account (`acct_no_hierarchy` at the sandbox);
/// returns the invitation id.
async fn order(harness: &Harness, custom_id: &str) -> String {
    let package = first_package(harness, "blue-bakery").await;
    let (status, order) = harness
        .post("blue-bakery", "/api/orders", &us_order(custom_id, &package))
        .await;
    assert_eq!(status, 201, "{order}");
    order["invitation_id"].as_str().unwrap().to_owned()
}

async fn control(harness: &Harness, path: &str, body: Value) -> Value {
    let response = harness
        .http
        .post(harness.sandbox(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

/// The GETs of `path` the sandbox answered for the account, as their statuses.
async fn reads_of(harness: &Harness, account_id: &str, path: &str) -> Vec<u64> {
    harness
        .upstream(account_id)
        .await
        .iter()
        .filter(|request| request["method"] == "GET" && request["path"] == path)
        .map(|request| request["status"].as_u64().unwrap())
        .collect()
}

fn report_id_of(step: &Value) -> String {
    step["report"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn completed_and_engaged_in_one_second_delivered_backwards_end_clear_without_a_read() {
    let harness = Harness::start().await;
    let invitation = order(&harness, "SEC-1").await;
    control(
        &harness,
        "/sandbox/clock",
        json!({"frozen_at": "2026-11-21T10:00:00Z"}),
    )
    .await;
    control(&harness, "/sandbox/delivery", json!({"hold": true})).await;
    let completed = harness.step(&invitation, "report_consider").await;
    harness.step(&invitation, "report_engaged").await;
    // Every event of the lifecycle shares one second; arrival is the reverse of creation.
    let released = control(
        &harness,
        "/sandbox/delivery/release",
        json!({"reverse": true}),
    )
    .await;
    assert_eq!(released["released"], 4);
    let (_, orders) = harness
        .get("blue-bakery", "/api/candidates/SEC-1/orders")
        .await;
    assert_eq!(orders[0]["badge"]["label"], "Clear", "{orders}");
    let report = report_id_of(&completed);
    assert_eq!(
        reads_of(
            &harness,
            "acct_no_hierarchy",
            &format!("/v1/reports/{report}")
        )
        .await,
        Vec::<u64>::new(),
        "the lifecycle ordered them; nothing needed reading"
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_suspension_and_a_resumption_in_one_second_are_settled_by_reading_the_report() {
    let harness = Harness::start().await;
    let invitation = order(&harness, "SEC-2").await;
    control(
        &harness,
        "/sandbox/clock",
        json!({"frozen_at": "2026-11-21T10:00:00Z"}),
    )
    .await;
    control(&harness, "/sandbox/delivery", json!({"hold": true})).await;
    let suspended = harness.step(&invitation, "report_suspended").await;
    harness.step(&invitation, "report_resumed").await;
    control(
        &harness,
        "/sandbox/delivery/release",
        json!({"reverse": false}),
    )
    .await;
    // The resumption cannot be placed after the suspension by type or by time: the proxy
    // keeps "Suspended" until it has read the report, which says pending.
    let settled = harness
        .wait_for("blue-bakery", Role::Recruiter, "SEC-2", |order| {
            order["badge"]["label"] == "Pending"
        })
        .await;
    assert_eq!(settled["report_id"], suspended["report"]["id"]);
    let report = report_id_of(&suspended);
    assert_eq!(
        reads_of(
            &harness,
            "acct_no_hierarchy",
            &format!("/v1/reports/{report}")
        )
        .await,
        [200]
    );
    harness.stop().await;
}

#[tokio::test]
async fn bare_webhooks_are_settled_by_reading_the_invitation_and_the_report() {
    let harness = Harness::start().await;
    control(
        &harness,
        "/sandbox/accounts/acct_no_hierarchy/webhook_settings",
        json!({"include_object": false}),
    )
    .await;
    let invitation = order(&harness, "BARE-1").await;
    let step = harness.step(&invitation, "report_consider").await;
    let settled = harness
        .wait_for("blue-bakery", Role::Recruiter, "BARE-1", |order| {
            order["badge"]["label"] == "Needs Review"
        })
        .await;
    assert_eq!(settled["report_id"], step["report"]["id"]);
    assert!(
        !reads_of(
            &harness,
            "acct_no_hierarchy",
            &format!("/v1/invitations/{invitation}")
        )
        .await
        .is_empty(),
        "the bare invitation.completed named no report, so the invitation was read"
    );
    // An adjudication's type says all the badge needs: the webhook alone settles it.
    control(&harness, "/sandbox/delivery", json!({"hold": true})).await;
    harness.step(&invitation, "report_engaged").await;
    control(&harness, "/sandbox/delivery/release", json!({})).await;
    let (_, orders) = harness
        .get("blue-bakery", "/api/candidates/BARE-1/orders")
        .await;
    assert_eq!(orders[0]["badge"]["label"], "Clear");
    harness.stop().await;
}

#[tokio::test]
async fn a_bare_completion_with_canceled_screenings_is_read_and_shows_complete_w_canceled() {
    let harness = Harness::start().await;
    control(
        &harness,
        "/sandbox/accounts/acct_no_hierarchy/webhook_settings",
        json!({"include_object": false}),
    )
    .await;
    let invitation = order(&harness, "BARE-2").await;
    harness
        .step(&invitation, "report_clear_with_canceled")
        .await;
    let settled = harness
        .wait_for("blue-bakery", Role::Recruiter, "BARE-2", |order| {
            order["badge"]["label"] == "Complete w Canceled"
        })
        .await;
    assert_eq!(settled["badge"]["canceled_indicator"], true);
    harness.stop().await;
}

// --- A proxy that restarts against the same sandbox ---------------------------------------

const CLIENT_ID: &str = "bgcheck-restart-test";
const CLIENT_SECRET: &str = "restart-test-client-secret";

/// A sandbox of its own, so the proxy can stop and start again against the same state.
struct OwnSandbox {
    sandbox: Sandbox,
    base: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn own_sandbox() -> OwnSandbox {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = Sandbox::new();
    let task = tokio::spawn(sandbox.clone().serve(listener));
    OwnSandbox {
        sandbox,
        base,
        task,
    }
}

/// Starts the proxy on `data` against `own` as if it were Checkr, with the blue-bakery account
/// linked to the sandbox's no-hierarchy account, and points the sandbox's webhooks at it.
async fn start_against(own: &OwnSandbox, data: &Path) -> Running {
    let mut config = Config::for_data_dir(data);
    config.sandbox = false;
    config.checkr_api_base = Some(own.base.clone());
    config.checkr_client_id = Some(CLIENT_ID.to_owned());
    config.checkr_client_secret = Some(Secret::new(CLIENT_SECRET.to_owned()));
    config.encryption_key = Some(load_or_create_secret(&data.join("test.key"), 32).unwrap());
    config.session_secret = Some(load_or_create_secret(&data.join("test.session"), 32).unwrap());
    let policy = ClientPolicy {
        backoff: Duration::from_millis(5),
        ..ClientPolicy::default()
    };
    let running = start_with_policy(config, policy).await.unwrap();
    let credentials = own.sandbox.account(SandboxAccount::NoHierarchy);
    running
        .state
        .store()
        .upsert_account(AccountRecord {
            id: "blue-bakery".to_owned(),
            name: "Blue Bakery".to_owned(),
            checkr_account_id: Some(credentials.account_id),
            access_token: Some(Secret::new(credentials.api_key)),
            customer_type: bgcheck::domain::checkr::CustomerType::Combined,
            credentialed: true,
            connection: ConnectionState::Connected,
        })
        .await
        .unwrap();
    own.sandbox.register_partner(PartnerApp {
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        webhook_url: format!("http://{}/webhooks/checkr", running.address),
        credential_delay: Duration::ZERO,
    });
    running
}

fn session(running: &Running) -> String {
    running
        .state
        .mint_session(&Identity {
            account_id: "blue-bakery".to_owned(),
            user_id: "recruiter".to_owned(),
            role: Role::Recruiter,
        })
        .0
}

async fn badge(http: &reqwest::Client, running: &Running, custom_id: &str) -> Value {
    let orders: Value = http
        .get(format!(
            "http://{}/api/candidates/{custom_id}/orders",
            running.address
        ))
        .bearer_auth(session(running))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    orders[0]["badge"]["label"].clone()
}

#[tokio::test]
async fn a_read_that_fails_is_kept_and_done_after_a_restart() {
    let own = own_sandbox().await;
    let data = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let first = start_against(&own, data.path()).await;
    let sandbox = |path: &str| format!("{}{path}", own.base);

    // Order, then switch the account to bare webhooks and make every API call fail.
    let catalog: Value = http
        .get(format!("http://{}/api/catalog", first.address))
        .bearer_auth(session(&first))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let package = catalog["packages"][0]["slug"].as_str().unwrap();
    let placed: Value = http
        .post(format!("http://{}/api/orders", first.address))
        .bearer_auth(session(&first))
        .json(&us_order("LOST-1", package))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invitation = placed["invitation_id"].as_str().unwrap().to_owned();
    http.post(sandbox(
        "/sandbox/accounts/acct_no_hierarchy/webhook_settings",
    ))
    .json(&json!({"include_object": false}))
    .send()
    .await
    .unwrap();
    http.post(sandbox("/sandbox/faults"))
        .json(&json!({"account_id": "acct_no_hierarchy", "fail_every": 1}))
        .send()
        .await
        .unwrap();
    http.post(sandbox("/sandbox/delivery"))
        .json(&json!({"hold": true}))
        .send()
        .await
        .unwrap();
    http.post(sandbox(&format!("/sandbox/invitations/{invitation}/steps")))
        .json(&json!({"step": "report_clear"}))
        .send()
        .await
        .unwrap();
    // Released one by one: each is acknowledged (so Checkr would not send it again) before
    // the next, and every read the proxy then tries fails.
    let released: Value = http
        .post(sandbox("/sandbox/delivery/release"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(released["released"], 3);
    let read_failed = |requests: &Value| {
        requests.as_array().unwrap().iter().any(|request| {
            request["method"] == "GET"
                && request["path"] == format!("/v1/invitations/{invitation}")
                && request["status"] == 500
        })
    };
    let mut seen = false;
    for _ in 0..200 {
        let requests: Value = http
            .get(sandbox("/sandbox/requests?account_id=acct_no_hierarchy"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if read_failed(&requests) {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(seen, "the proxy tried to read the invitation and failed");
    assert_ne!(badge(&http, &first, "LOST-1").await, "Clear");
    first.stop().await.unwrap();

    // Checkr is healthy again and sends nothing more; the restarted proxy reads what it owes.
    http.delete(sandbox("/sandbox/faults"))
        .send()
        .await
        .unwrap();
    let second = start_against(&own, data.path()).await;
    let mut label = Value::Null;
    for _ in 0..800 {
        label = badge(&http, &second, "LOST-1").await;
        if label == "Clear" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(label, "Clear");
    second.stop().await.unwrap();
    own.task.abort();
}

// --- Webhooks that overtake the OAuth callback ---------------------------------------------

fn client_secret(harness: &Harness) -> String {
    let dir = harness.running.state.data_dir();
    std::fs::read_to_string(dir.join("sandbox-client-secret"))
        .unwrap()
        .trim()
        .to_owned()
}

async fn deliver_signed(harness: &Harness, event: &Value) -> u16 {
    let body = event.to_string();
    let signature = sign_hex(client_secret(harness).as_bytes(), body.as_bytes());
    harness
        .http
        .post(harness.url("/webhooks/checkr"))
        .header("content-type", "application/json")
        .header("X-Checkr-Signature", signature)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The hosted sign-in for `account`, like a browser: the proxy's connect link, the form,
/// then the redirect; returns the callback (with code and state, and the browser's binding
/// cookie) without visiting it.
async fn sign_in(harness: &Harness, account: &str) -> support::Authorized {
    let (_, session) = harness.get_as(account, Role::Admin, "/api/session").await;
    let url = session["connect"]["signin_url"]
        .as_str()
        .unwrap()
        .to_owned();
    harness.authorize(&url, "no_hierarchy").await
}

/// The first account a fresh sandbox creates through its hosted flows, and its token.
const FIRST_CREATED_ACCOUNT: &str = "acct_no_hierarchy_000001";
const FIRST_CREATED_TOKEN: &str = "sandbox_key_no_hierarchy_000001";

#[tokio::test]
async fn account_credentialed_before_the_callback_opens_ordering_when_the_connection_is_stored() {
    let harness = Harness::start().await;
    let callback = sign_in(&harness, "fresh-start").await;
    // The sandbox's own account.credentialed is held, so only the early one below counts.
    control(&harness, "/sandbox/delivery", json!({"hold": true})).await;
    let early = json!({"id": "5e0b1c2d3e4f5a6b7c8d9e0f", "object": "event",
        "type": "account.credentialed", "created_at": "2026-11-21T10:00:00Z",
        "account_id": FIRST_CREATED_ACCOUNT,
        "data": {"object": {"id": FIRST_CREATED_ACCOUNT, "object": "account"}}});
    assert_eq!(
        deliver_signed(&harness, &early).await,
        200,
        "recorded although no account is linked yet"
    );
    let page = harness.callback(&callback).await;
    assert_eq!(page.status(), 200);
    let (_, session) = harness.get("fresh-start", "/api/session").await;
    assert_eq!(session["connection"], "connected");
    assert_eq!(session["credentialed"], true, "{session}");
    let (status, catalog) = harness.get("fresh-start", "/api/catalog").await;
    assert_eq!(status, 200, "ordering is open at once: {catalog}");
    harness.stop().await;
}

#[tokio::test]
async fn the_deauthorization_of_an_old_token_does_not_disconnect_a_reconnected_account() {
    let harness = Harness::start().await;
    control(&harness, "/sandbox/delivery", json!({"hold": true})).await;
    // An admin unlinks (the proxy revokes the token at Checkr, which then sends
    // token.deauthorized) and links again before that webhook arrives.
    let (status, _) = harness
        .send_as(
            "blue-bakery",
            Role::Admin,
            reqwest::Method::POST,
            "/api/account/disconnect",
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let callback = sign_in(&harness, "blue-bakery").await;
    assert_eq!(harness.callback(&callback).await.status(), 200);
    // Released one by one, each acknowledged before the next: the old token's revocation
    // has been processed when this returns.
    let released = control(&harness, "/sandbox/delivery/release", json!({})).await;
    assert!(released["released"].as_u64().unwrap() >= 1, "{released}");
    let (_, session) = harness
        .get_as("blue-bakery", Role::Admin, "/api/session")
        .await;
    assert_eq!(session["connection"], "connected", "{session}");
    // The new account's own account.credentialed may come after the release.
    let mut credentialed = false;
    for _ in 0..100 {
        let (_, session) = harness
            .get_as("blue-bakery", Role::Admin, "/api/session")
            .await;
        assert_eq!(session["connection"], "connected", "{session}");
        if session["credentialed"] == true {
            credentialed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(credentialed);
    let package = first_package(&harness, "blue-bakery").await;
    let (status, placed) = harness
        .post("blue-bakery", "/api/orders", &us_order("RECON-1", &package))
        .await;
    assert_eq!(status, 201, "{placed}");
    harness.stop().await;
}

#[tokio::test]
async fn a_token_revoked_before_its_callback_is_stored_as_disconnected() {
    let harness = Harness::start().await;
    let callback = sign_in(&harness, "fresh-start").await;
    control(&harness, "/sandbox/delivery", json!({"hold": true})).await;
    let early = json!({"id": "6f1c2d3e4f5a6b7c8d9e0f1a", "object": "event",
        "type": "token.deauthorized", "created_at": "2026-11-21T10:00:00Z",
        "account_id": "acct_partner_bgcheck",
        "data": {"object": {"object": "access_token", "access_code": FIRST_CREATED_TOKEN}}});
    assert_eq!(deliver_signed(&harness, &early).await, 200);
    let page = harness.callback(&callback).await;
    assert_eq!(page.status(), 409);
    assert!(
        page.text().await.unwrap().contains("already disconnected"),
        "the admin is told, not shown a connection that does not work"
    );
    let (_, session) = harness
        .get_as("fresh-start", Role::Admin, "/api/session")
        .await;
    assert_eq!(session["connection"], "deauthorized", "{session}");
    assert!(
        session["connect"]["signin_url"].is_string(),
        "and may start again"
    );
    let (status, body) = harness.get("fresh-start", "/api/catalog").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("disconnected")));
    harness.stop().await;
}

// --- Object ids shared across Checkr accounts -------------------------------------------------

/// A `report.completed` with a consider result, correctly signed, from another customer's
/// Checkr account, about a report id that (by chance or malice) is also one of ours; dated
/// later than anything of ours, so it would win any fold it entered.
fn foreign_consider(report_id: &str) -> Value {
    json!({"id": "9a8b7c6d5e4f3a2b1c0d9e8f", "object": "event", "type": "report.completed",
        "created_at": "2099-01-01T00:00:00Z", "account_id": "acct_tree",
        "data": {"object": {"id": report_id, "object": "report", "status": "complete",
            "result": "consider", "package": "basic", "candidate_id": "e0f1a2b3c4d5e6f7a8b9c0d1"}}})
}

/// Our own report's events are held while another account's event about the same report id
/// arrives; then ours are released (`reverse` delivers the report's before the invitation's).
async fn foreign_event_before_our_link(reverse: bool) -> Value {
    let harness = Harness::start().await;
    let invitation = order(&harness, "XACCT-1").await;
    control(&harness, "/sandbox/delivery", json!({"hold": true})).await;
    let completed = harness.step(&invitation, "invitation_completed").await;
    let report = report_id_of(&completed);
    assert_eq!(
        deliver_signed(&harness, &foreign_consider(&report)).await,
        200
    );
    control(
        &harness,
        "/sandbox/delivery/release",
        json!({"reverse": reverse}),
    )
    .await;
    let (_, orders) = harness
        .get("blue-bakery", "/api/candidates/XACCT-1/orders")
        .await;
    harness.stop().await;
    orders[0].clone()
}

#[tokio::test]
async fn another_accounts_event_is_not_replayed_when_invitation_completed_links_the_report() {
    let order = foreign_event_before_our_link(false).await;
    assert_eq!(order["badge"]["label"], "Pending", "{order}");
    assert_eq!(order["status"]["invitation"]["status"], "completed");
}

#[tokio::test]
async fn another_accounts_event_is_not_replayed_when_a_report_event_links_the_report() {
    let order = foreign_event_before_our_link(true).await;
    assert_eq!(order["badge"]["label"], "Pending", "{order}");
}
