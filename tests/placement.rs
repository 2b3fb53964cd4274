//! Placing orders as Checkr really behaves: busy answers, keys still in flight, two senders at
//! once, crashes between the two calls, the 24-hour replay window, and corrected candidate
//! details. Real proxy, real sandbox, real SQLite; the reconciler's clock is driven by the
//! test, and nothing waits on a timer: held Checkr answers are released when the test says.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bgcheck::domain::validation::{OrderDraft, OrderRules, validate_order};
use bgcheck::proxy::checkr::{CheckrClient, ClientPolicy};
use bgcheck::proxy::identity::Role;
use bgcheck::proxy::placement::{LEASE_SECONDS, reconcile};
use bgcheck::proxy::secret::Secret;
use serde_json::{Value, json};
use support::{Harness, first_package, us_order};

const ACCOUNT: &str = "blue-bakery";
const CHECKR_ACCOUNT: &str = "acct_no_hierarchy";

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Polls the sandbox's request log until `done` holds for it; the log is the sandbox's own
/// record, so this waits for an event, not for a guessed time.
async fn until_upstream(harness: &Harness, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..2_000 {
        let log = harness.upstream(CHECKR_ACCOUNT).await;
        if done(&log) {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!(
        "the sandbox never saw the expected requests: {:?}",
        harness.upstream(CHECKR_ACCOUNT).await
    );
}

fn invitation_posts(log: &[Value]) -> Vec<&Value> {
    log.iter()
        .filter(|request| request["method"] == "POST" && request["path"] == "/v1/invitations")
        .collect()
}

async fn sandbox_invitations(harness: &Harness) -> Vec<Value> {
    harness
        .http
        .get(harness.sandbox(&format!("/sandbox/invitations?account_id={CHECKR_ACCOUNT}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn orders_of(harness: &Harness, custom_id: &str, role: Role) -> Value {
    let (status, orders) = harness
        .get_as(
            ACCOUNT,
            role,
            &format!("/api/candidates/{custom_id}/orders"),
        )
        .await;
    assert_eq!(status, 200, "{orders}");
    orders
}

fn is_uuid_v4(key: &Value) -> bool {
    key.as_str()
        .and_then(|key| uuid::Uuid::parse_str(key).ok())
        .is_some_and(|key| key.get_version_num() == 4)
}

#[tokio::test]
async fn each_step_sends_its_own_random_uuid_and_a_retry_repeats_it() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT,
            "fail_step": {"endpoint": "invitations", "status": 400, "message": "Package is paused"}}))
        .await;
    let (status, failed) = harness
        .post(ACCOUNT, "/api/orders", &us_order("A-1", &package))
        .await;
    assert_eq!(status, 422, "{failed}");
    harness.clear_faults().await;
    let order_id = failed["order"]["id"].as_str().unwrap();
    let (status, _) = harness
        .post(
            ACCOUNT,
            &format!("/api/orders/{order_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = harness
        .post(ACCOUNT, "/api/orders", &us_order("A-2", &package))
        .await;
    assert_eq!(status, 201);

    let log = harness.upstream(CHECKR_ACCOUNT).await;
    let keys: Vec<&Value> = log
        .iter()
        .filter(|request| request["method"] == "POST")
        .map(|request| &request["idempotency_key"])
        .collect();
    assert_eq!(
        keys.len(),
        5,
        "two candidates, three invitation attempts: {log:?}"
    );
    assert!(keys.iter().all(|key| is_uuid_v4(key)), "{keys:?}");
    let invitations = invitation_posts(&log);
    assert_eq!(
        invitations[0]["idempotency_key"], invitations[1]["idempotency_key"],
        "the retry repeats the invitation step's key"
    );
    let distinct: std::collections::HashSet<&str> =
        keys.iter().map(|key| key.as_str().unwrap()).collect();
    assert_eq!(
        distinct.len(),
        4,
        "no key is shared between steps or orders"
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_rate_limited_order_waits_out_checkr_and_is_sent() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "rate_limit_burst": 2}))
        .await;
    let (status, order) = harness
        .post(ACCOUNT, "/api/orders", &us_order("A-3", &package))
        .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["badge"]["label"], "Invitation Sent");
    let statuses: Vec<Value> = harness
        .upstream(CHECKR_ACCOUNT)
        .await
        .into_iter()
        .filter(|request| request["method"] == "POST")
        .map(|request| request["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [429, 429, 201, 201],
        "waited, then sent once each"
    );
    harness.stop().await;
}

#[tokio::test]
async fn checkr_busy_beyond_the_waits_keeps_the_order_sending_and_the_reconciler_sends_it() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "rate_limit_burst": 50}))
        .await;
    let (status, order) = harness
        .post(ACCOUNT, "/api/orders", &us_order("A-4", &package))
        .await;
    assert_eq!(status, 202, "accepted, not refused: {order}");
    assert_eq!(order["busy"], true);
    assert_eq!(order["badge"]["label"], "Sending");
    assert_eq!(order["can_retry"], false, "the proxy retries by itself");
    assert_eq!(order["failure"], Value::Null);
    let seen = orders_of(&harness, "A-4", Role::Adjudicator).await;
    assert_eq!(seen[0]["busy"], true, "every viewer sees it: {seen}");

    harness.clear_faults().await;
    let later = unix_now() + 31;
    let resumed = reconcile(&harness.running.state, later).await.unwrap();
    assert_eq!(resumed, 1);
    let seen = orders_of(&harness, "A-4", Role::Recruiter).await;
    assert_eq!(seen[0]["step"], "invited", "{seen}");
    assert_eq!(seen[0]["busy"], false);
    assert_eq!(seen[0]["badge"]["label"], "Invitation Sent");
    assert_eq!(sandbox_invitations(&harness).await.len(), 1);

    // The order's history says who placed it and that the proxy, not a person, resumed it.
    let order_id = order["id"].as_str().unwrap();
    let (status, history) = harness
        .get_as(
            ACCOUNT,
            Role::Admin,
            &format!("/api/orders/{order_id}/history"),
        )
        .await;
    assert_eq!(status, 200, "{history}");
    let steps: Vec<(&str, &str)> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().unwrap(),
                entry["actor"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(steps.len(), 2, "{history}");
    assert_eq!(steps[0].0, "ordered");
    assert_ne!(steps[0].1, "proxy");
    assert_eq!(steps[1], ("retried", "proxy"));
    harness.stop().await;
}

#[tokio::test]
async fn a_key_still_in_flight_is_waited_for_and_the_stored_answer_is_used() {
    let harness = Harness::start().await;
    let base = format!("http://{}", harness.running.sandbox_address.unwrap());
    let client = CheckrClient::new(
        base,
        ClientPolicy {
            backoff: Duration::from_millis(1),
            max_rate_limit_wait: Duration::from_millis(5),
            // Bounded only so a broken sandbox cannot hang the test.
            rate_limit_attempts: 20_000,
            ..ClientPolicy::default()
        },
    )
    .unwrap();
    let token = Secret::new("sandbox_key_no_hierarchy".to_owned());
    let draft: OrderDraft = serde_json::from_value(us_order("A-5", "basic")).unwrap();
    let valid = validate_order(&draft, OrderRules::default()).unwrap();
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "hold": "candidates"}))
        .await;
    let key = uuid::Uuid::new_v4().to_string();
    let first = tokio::spawn({
        let (client, token, candidate, key) = (
            client.clone(),
            token.clone(),
            valid.candidate().clone(),
            key.clone(),
        );
        async move { client.create_candidate(&token, &candidate, &key).await }
    });
    until_upstream(&harness, |log| log.len() == 1).await;
    let second = tokio::spawn({
        let (client, token, candidate, key) = (
            client.clone(),
            token.clone(),
            valid.candidate().clone(),
            key,
        );
        async move { client.create_candidate(&token, &candidate, &key).await }
    });
    until_upstream(&harness, |log| {
        log.iter().any(|request| request["status"] == 409)
    })
    .await;
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "hold": null}))
        .await;
    let (first, second) = (
        first.await.unwrap().unwrap(),
        second.await.unwrap().unwrap(),
    );
    assert_eq!(
        first.id, second.id,
        "the in-flight 409 was a wait, then a replay"
    );
    assert_eq!(harness.sandbox_candidates(CHECKR_ACCOUNT).await, 1);
    harness.stop().await;
}

#[tokio::test]
async fn a_concurrent_double_retry_sends_one_invitation_and_every_viewer_sees_sending() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT,
            "fail_step": {"endpoint": "invitations", "status": 400, "message": "Package is paused"}}))
        .await;
    let (_, failed) = harness
        .post(ACCOUNT, "/api/orders", &us_order("A-6", &package))
        .await;
    let order_id = failed["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(failed["order"]["can_retry"], true);
    // Checkr takes its time with the first retry's invitation, until the test says.
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "fail_step": null, "hold": "invitations"}))
        .await;
    let retry_path = format!("/api/orders/{order_id}/retry");
    let first = tokio::spawn({
        let (http, url, token) = (
            harness.http.clone(),
            harness.url(&retry_path),
            harness.token(ACCOUNT),
        );
        async move {
            let response = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    });
    until_upstream(&harness, |log| invitation_posts(log).len() == 2).await;

    let (status, second) = harness.post(ACCOUNT, &retry_path, &json!({})).await;
    assert_eq!(status, 202, "the second click joins the first: {second}");
    assert_eq!(second["badge"]["label"], "Sending");
    assert_eq!(second["can_retry"], false);
    for role in [Role::Recruiter, Role::Adjudicator] {
        let seen = orders_of(&harness, "A-6", role).await;
        assert_eq!(seen[0]["badge"]["label"], "Sending", "{role:?}: {seen}");
        assert_eq!(seen[0]["can_retry"], false);
    }

    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "hold": null}))
        .await;
    let (status, placed) = first.await.unwrap();
    assert_eq!(status, 200, "{placed}");
    assert_eq!(placed["step"], "invited");
    let seen = orders_of(&harness, "A-6", Role::Recruiter).await;
    assert_eq!(seen[0]["badge"]["label"], "Invitation Sent");
    assert_eq!(seen[0]["invitation_id"], placed["invitation_id"]);
    assert_eq!(sandbox_invitations(&harness).await.len(), 1);
    let log = harness.upstream(CHECKR_ACCOUNT).await;
    assert_eq!(
        invitation_posts(&log).len(),
        2,
        "the failed one and one retry"
    );
    harness.stop().await;
}

#[tokio::test]
async fn two_retries_fired_together_end_in_one_invitation() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT,
            "fail_step": {"endpoint": "invitations", "status": 400, "message": "Package is paused"}}))
        .await;
    let (_, failed) = harness
        .post(ACCOUNT, "/api/orders", &us_order("A-7", &package))
        .await;
    harness.clear_faults().await;
    let retry_path = format!(
        "/api/orders/{}/retry",
        failed["order"]["id"].as_str().unwrap()
    );
    let empty = json!({});
    let ((a, _), (b, _)) = tokio::join!(
        harness.post(ACCOUNT, &retry_path, &empty),
        harness.post(ACCOUNT, &retry_path, &empty)
    );
    let mut statuses = [a, b];
    statuses.sort_unstable();
    // One sends; the other either joined it (202) or found it already placed (409).
    assert!(
        statuses == [200, 202] || statuses == [200, 409],
        "{statuses:?}"
    );
    let seen = orders_of(&harness, "A-7", Role::Recruiter).await;
    assert_eq!(seen[0]["badge"]["label"], "Invitation Sent");
    assert_eq!(sandbox_invitations(&harness).await.len(), 1);
    harness.stop().await;
}

/// Sends an order whose invitation Checkr creates but whose answer is held, then lets the
/// reconciler (at a driven time past the first sender's lease) take the order over while
/// Checkr still holds the key: its 409s are waits, and it ends busy, not refused.
async fn order_taken_over_while_checkr_holds_the_invitation(
    harness: &Harness,
    custom_id: &str,
    abroad: bool,
) -> (tokio::task::JoinHandle<(u16, Value)>, i64) {
    let package = first_package(harness, ACCOUNT).await;
    let mut body = us_order(custom_id, &package);
    if abroad {
        body["candidate"]["work_location"] = json!({"country": "GB", "city": "London"});
    }
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "hold": "invitations"}))
        .await;
    let first = tokio::spawn({
        let (http, url, token) = (
            harness.http.clone(),
            harness.url("/api/orders"),
            harness.token(ACCOUNT),
        );
        async move {
            let response = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    });
    until_upstream(harness, |log| invitation_posts(log).len() == 1).await;
    let after_lease = unix_now() + LEASE_SECONDS + 1;
    assert_eq!(
        reconcile(&harness.running.state, after_lease)
            .await
            .unwrap(),
        1
    );
    let log = harness.upstream(CHECKR_ACCOUNT).await;
    let conflicts = invitation_posts(&log)
        .into_iter()
        .filter(|request| request["status"] == 409)
        .count();
    assert!(conflicts > 0, "the key was in flight: {log:?}");
    let seen = orders_of(harness, custom_id, Role::Recruiter).await;
    assert_eq!(seen[0]["busy"], true, "{seen}");
    assert_eq!(
        seen[0]["failure"],
        Value::Null,
        "never 'Checkr refused the request'"
    );
    assert_eq!(seen[0]["badge"]["label"], "Sending");
    (first, after_lease)
}

#[tokio::test]
async fn an_in_flight_key_makes_a_second_sender_wait_and_one_invitation_results() {
    let harness = Harness::start().await;
    let (first, after_lease) =
        order_taken_over_while_checkr_holds_the_invitation(&harness, "A-8", false).await;
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "hold": null}))
        .await;
    let (status, superseded) = first.await.unwrap();
    assert_eq!(status, 202, "the first sender lost its lease: {superseded}");
    let resumed = reconcile(&harness.running.state, after_lease + 31)
        .await
        .unwrap();
    assert_eq!(resumed, 1);
    let seen = orders_of(&harness, "A-8", Role::Recruiter).await;
    assert_eq!(seen[0]["step"], "invited", "{seen}");
    let invitations = sandbox_invitations(&harness).await;
    assert_eq!(invitations.len(), 1, "the stored answer was replayed");
    assert_eq!(seen[0]["invitation_id"], invitations[0]["id"]);
    harness.stop().await;
}

async fn sandbox_control(
    harness: &Harness,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Value {
    let response = harness
        .http
        .request(method, harness.sandbox(path))
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

/// Waits until the sandbox has delivered every event it emitted to the proxy.
async fn until_webhooks_delivered(harness: &Harness) {
    for _ in 0..2_000 {
        let events = sandbox_control(
            harness,
            reqwest::Method::GET,
            "/sandbox/events",
            Value::Null,
        )
        .await;
        let delivery = sandbox_control(
            harness,
            reqwest::Method::GET,
            "/sandbox/delivery",
            Value::Null,
        )
        .await;
        if delivery["delivered"].as_u64() == Some(events.as_array().unwrap().len() as u64) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the sandbox never delivered every webhook");
}

#[tokio::test]
async fn after_checkrs_replay_window_the_invitation_is_looked_up_not_sent_again() {
    let harness = Harness::start().await;
    let (first, after_lease) =
        order_taken_over_while_checkr_holds_the_invitation(&harness, "A-9", false).await;
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "hold": null}))
        .await;
    first.await.unwrap();
    let invitations = sandbox_invitations(&harness).await;
    let invitation_id = invitations[0]["id"].as_str().unwrap().to_owned();
    // The candidate starts the invitation before the order knows about it: these webhooks
    // arrive while it is not linked yet.
    harness.step(&invitation_id, "invitation_completed").await;
    until_webhooks_delivered(&harness).await;
    // A day passes: Checkr forgets the key, so repeating it would invite again.
    sandbox_control(
        &harness,
        reqwest::Method::POST,
        "/sandbox/idempotency/expire",
        Value::Null,
    )
    .await;
    let next_day = after_lease + 25 * 3600;
    assert_eq!(
        reconcile(&harness.running.state, next_day).await.unwrap(),
        1
    );

    let log = harness.upstream(CHECKR_ACCOUNT).await;
    assert!(
        log.iter().any(|request| request["method"] == "GET"
            && request["path"] == "/v1/invitations"
            && request["query"]
                .as_str()
                .unwrap_or("")
                .contains("candidate_id=")),
        "the invitation was looked up: {log:?}"
    );
    assert_eq!(
        sandbox_invitations(&harness).await.len(),
        1,
        "nothing sent twice"
    );
    let seen = orders_of(&harness, "A-9", Role::Recruiter).await;
    assert_eq!(seen[0]["step"], "invited", "{seen}");
    assert_eq!(seen[0]["invitation_id"], invitation_id.as_str());
    assert_eq!(
        seen[0]["badge"]["label"], "Pending",
        "the events that arrived before the link were applied: {seen}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn past_the_replay_window_a_non_us_order_is_left_for_a_person_not_resent() {
    let harness = Harness::start().await;
    let (first, after_lease) =
        order_taken_over_while_checkr_holds_the_invitation(&harness, "A-12", true).await;
    harness
        .fault(json!({"account_id": CHECKR_ACCOUNT, "hold": null}))
        .await;
    first.await.unwrap();
    sandbox_control(
        &harness,
        reqwest::Method::POST,
        "/sandbox/idempotency/expire",
        Value::Null,
    )
    .await;
    let next_day = after_lease + 25 * 3600;
    assert_eq!(
        reconcile(&harness.running.state, next_day).await.unwrap(),
        1
    );
    // Checkr's invitation list omits non-US invitations, so nothing could be confirmed.
    assert_eq!(sandbox_invitations(&harness).await.len(), 1, "not resent");
    let seen = orders_of(&harness, "A-12", Role::Recruiter).await;
    assert_eq!(seen[0]["step"], "invitation_failed", "{seen}");
    assert_eq!(seen[0]["can_retry"], true);
    assert!(
        seen[0]["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("Checkr Dashboard"),
        "{seen}"
    );
    harness.stop().await;
}

fn corrected(custom_id: &str, package: &str, change: impl Fn(&mut Value)) -> Value {
    let mut order = us_order(custom_id, package);
    change(&mut order["candidate"]);
    order
}

#[tokio::test]
async fn a_corrected_email_updates_the_checkr_candidate_before_the_next_invitation() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    let (_, first) = harness
        .post(ACCOUNT, "/api/orders", &us_order("A-10", &package))
        .await;
    let order = corrected("A-10", &package, |candidate| {
        candidate["email"] = json!("jordan.rivera@example.org");
    });
    let (status, second) = harness.post(ACCOUNT, "/api/orders", &order).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["candidate_id"], first["candidate_id"]);

    let candidate_id = first["candidate_id"].as_str().unwrap();
    let log = harness.upstream(CHECKR_ACCOUNT).await;
    let update_path = format!("/v1/candidates/{candidate_id}");
    let updates: Vec<&Value> = log
        .iter()
        .filter(|request| request["method"] == "POST" && request["path"] == update_path.as_str())
        .collect();
    assert_eq!(updates.len(), 1, "{log:?}");
    assert_eq!(
        updates[0]["body"],
        json!({"email": "jordan.rivera@example.org"})
    );
    let update_at = log
        .iter()
        .position(|r| r["path"] == update_path.as_str())
        .unwrap();
    let invite_at = log
        .iter()
        .rposition(|r| r["path"] == "/v1/invitations")
        .unwrap();
    assert!(
        update_at < invite_at,
        "corrected before the invitation went out"
    );
    let candidate: Value = harness
        .http
        .get(harness.sandbox(&update_path))
        .basic_auth("sandbox_key_no_hierarchy", None::<&str>)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(candidate["email"], "jordan.rivera@example.org");

    // The same details again: nothing more to correct.
    harness.post(ACCOUNT, "/api/orders", &order).await;
    let log = harness.upstream(CHECKR_ACCOUNT).await;
    assert_eq!(
        log.iter()
            .filter(|r| r["path"] == update_path.as_str() && r["method"] == "POST")
            .count(),
        1
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_corrected_name_after_a_report_gets_a_new_candidate_for_the_invitation() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    let (_, first) = harness
        .post(ACCOUNT, "/api/orders", &us_order("A-11", &package))
        .await;
    harness
        .step(
            first["invitation_id"].as_str().unwrap(),
            "invitation_completed",
        )
        .await;
    let order = corrected("A-11", &package, |candidate| {
        candidate["last_name"] = json!("Rivera-Lopez");
        candidate["email"] = json!("jordan.rl@example.com");
    });
    let (status, second) = harness.post(ACCOUNT, "/api/orders", &order).await;
    assert_eq!(status, 201, "{second}");
    assert_ne!(
        second["candidate_id"], first["candidate_id"],
        "Checkr froze the name, so a new candidate was made"
    );
    let candidates: Vec<Value> = harness
        .http
        .get(harness.sandbox(&format!("/sandbox/candidates?account_id={CHECKR_ACCOUNT}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new = candidates
        .iter()
        .find(|candidate| candidate["id"] == second["candidate_id"])
        .unwrap();
    assert_eq!(new["last_name"], "Rivera-Lopez");
    assert_eq!(new["email"], "jordan.rl@example.com");
    let invitations = sandbox_invitations(&harness).await;
    let latest = invitations
        .iter()
        .find(|invitation| invitation["id"] == second["invitation_id"])
        .unwrap();
    assert_eq!(latest["candidate_id"], second["candidate_id"]);

    // Later orders with the corrected details reuse the new candidate as they are.
    let (_, third) = harness.post(ACCOUNT, "/api/orders", &order).await;
    assert_eq!(third["candidate_id"], second["candidate_id"]);
    assert_eq!(harness.sandbox_candidates(CHECKR_ACCOUNT).await, 2);
    harness.stop().await;
}
