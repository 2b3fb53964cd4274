//! KarmaCheck end to end: an account connected to KarmaCheck (credentials sealed at rest),
//! the KarmaCheck sandbox beside the Checkr one.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bgcheck::proxy::identity::Role;
use bgcheck::sandbox::karmacheck::GroupCredentials;
use reqwest::Method;
use serde_json::{Value, json};
use support::{Harness, sandbox_get};

/// The not-connected demo account, which the tests connect to KarmaCheck.
const ACCOUNT: &str = "fresh-start";

fn new_group(harness: &Harness) -> GroupCredentials {
    harness
        .running
        .sandbox
        .as_ref()
        .unwrap()
        .karmacheck()
        .create_group()
}

async fn connect(harness: &Harness, account: &str, group: &GroupCredentials) -> (u16, Value) {
    harness
        .send_as(
            account,
            Role::Admin,
            Method::PUT,
            "/api/account/karmacheck",
            &json!({
                "api_key": group.api_key,
                "client_access_token": group.client_access_token,
            }),
        )
        .await
}

#[tokio::test]
async fn an_admin_connects_an_account_to_karmacheck_and_its_secrets_are_never_shown_or_stored_readably()
 {
    let harness = Harness::start().await;
    let group = new_group(&harness);

    let (status, connected) = connect(&harness, ACCOUNT, &group).await;
    assert_eq!(status, 200, "{connected}");
    assert_eq!(connected["provider"], "karmacheck");
    assert_eq!(
        connected["webhook"]["url"],
        harness.url("/webhooks/karmacheck")
    );
    let password = connected["webhook"]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    let username = connected["webhook"]["username"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        password.len() >= 32,
        "a guessable webhook password: {password}"
    );
    let answer = connected.to_string();
    assert!(!answer.contains(&group.api_key) && !answer.contains(&group.client_access_token));

    let (status, shown) = harness
        .get_as(ACCOUNT, Role::Admin, "/api/account/karmacheck")
        .await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["webhook"]["username"], username.as_str());
    assert!(shown["webhook"].get("password").is_none(), "{shown}");
    let shown = shown.to_string();
    assert!(!shown.contains(&group.api_key) && !shown.contains(&group.client_access_token));

    let stored = harness.database_text().await;
    for secret in [&group.api_key, &group.client_access_token, &password] {
        assert!(
            !stored.contains(secret.as_str()),
            "{secret} is readable at rest"
        );
    }
    harness.stop().await;
}

#[tokio::test]
async fn credentials_karmacheck_refuses_are_not_stored_and_the_admin_is_told_why() {
    let harness = Harness::start().await;
    let mut group = new_group(&harness);
    group.client_access_token.push('x');

    let (status, refused) = connect(&harness, ACCOUNT, &group).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["code"], "karmacheck_credentials_refused");
    assert!(
        refused["message"].as_str().unwrap().contains("KarmaCheck"),
        "{refused}"
    );
    assert_eq!(refused["provider"]["status"], 401);
    let (status, _) = harness
        .get_as(ACCOUNT, Role::Admin, "/api/account/karmacheck")
        .await;
    assert_eq!(status, 404);
    assert!(!harness.database_text().await.contains(&group.api_key));
    harness.stop().await;
}

#[tokio::test]
async fn an_empty_credential_is_refused_before_karmacheck_is_asked() {
    let harness = Harness::start().await;
    let (status, body) = harness
        .send_as(
            ACCOUNT,
            Role::Admin,
            Method::PUT,
            "/api/account/karmacheck",
            &json!({"api_key": "  ", "client_access_token": "token"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("api_key"),
        "{body}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn only_admins_connect_or_see_the_karmacheck_connection() {
    let harness = Harness::start().await;
    let group = new_group(&harness);
    for role in [Role::Recruiter, Role::Adjudicator] {
        let (status, _) = harness
            .send_as(
                ACCOUNT,
                role,
                Method::PUT,
                "/api/account/karmacheck",
                &json!({"api_key": group.api_key, "client_access_token": group.client_access_token}),
            )
            .await;
        assert_eq!(status, 403, "{role:?}");
        let (status, _) = harness
            .get_as(ACCOUNT, role, "/api/account/karmacheck")
            .await;
        assert_eq!(status, 403, "{role:?}");
    }
    harness.stop().await;
}

#[tokio::test]
async fn an_account_connected_to_checkr_is_not_also_connected_to_karmacheck() {
    let harness = Harness::start().await;
    let group = new_group(&harness);
    let (status, body) = connect(&harness, "blue-bakery", &group).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("Checkr"),
        "{body}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn disconnecting_karmacheck_forgets_the_credentials() {
    let harness = Harness::start().await;
    let group = new_group(&harness);
    assert_eq!(connect(&harness, ACCOUNT, &group).await.0, 200);

    let (status, _) = harness
        .send_as(
            ACCOUNT,
            Role::Admin,
            Method::DELETE,
            "/api/account/karmacheck",
            &Value::Null,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = harness
        .get_as(ACCOUNT, Role::Admin, "/api/account/karmacheck")
        .await;
    assert_eq!(status, 404);
    harness.stop().await;
}

/// The webhook login the proxy made for a connected account.
struct Login {
    url: String,
    username: String,
    password: String,
}

/// Connects `fresh-start` to a new KarmaCheck group whose subscription holds its events
/// until the test releases them (so no delivery races the test).
async fn connected(harness: &Harness) -> (GroupCredentials, Login) {
    let group = new_group(harness);
    let (status, body) = connect(harness, ACCOUNT, &group).await;
    assert_eq!(status, 200, "{body}");
    let login = Login {
        url: body["webhook"]["url"].as_str().unwrap().to_owned(),
        username: body["webhook"]["username"].as_str().unwrap().to_owned(),
        password: body["webhook"]["password"].as_str().unwrap().to_owned(),
    };
    let response = harness
        .http
        .post(harness.sandbox("/karmacheck/sandbox/subscriptions"))
        .json(&json!({
            "group_profile_id": group.group_profile_id,
            "url": login.url,
            "username": login.username,
            "password": login.password,
            "hold": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    (group, login)
}

async fn first_karmacheck_package(harness: &Harness) -> String {
    let (status, packages) = harness.get(ACCOUNT, "/api/karmacheck/packages").await;
    assert_eq!(status, 200, "{packages}");
    packages[0]["id"].as_str().unwrap().to_owned()
}

fn case_order(custom_id: &str, package: &str, email: &str) -> Value {
    json!({
        "custom_id": custom_id,
        "package_id": package,
        "email": email,
        "first_name": "Ana-María",
        "last_name": "O'Neil, Jr.",
    })
}

/// Places an order and returns its view.
async fn order(harness: &Harness, custom_id: &str, email: &str) -> Value {
    let package = first_karmacheck_package(harness).await;
    let (status, order) = harness
        .post(
            ACCOUNT,
            "/api/karmacheck/orders",
            &case_order(custom_id, &package, email),
        )
        .await;
    assert_eq!(status, 201, "{order}");
    order
}

/// Moves the sandbox case to `target` (an overall status, or the four attributes).
async fn move_case(harness: &Harness, case_id: &str, target: Value) {
    let response = harness
        .http
        .post(harness.sandbox(&format!("/karmacheck/sandbox/cases/{case_id}/status")))
        .json(&target)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

/// Releases every held event to the proxy, in order; asserts each was accepted.
async fn deliver(harness: &Harness) -> usize {
    let delivered: Vec<Value> = harness
        .http
        .post(harness.sandbox("/karmacheck/sandbox/webhooks/deliver"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for attempt in &delivered {
        assert_eq!(attempt["status"], 200, "{attempt}");
    }
    delivered.len()
}

async fn badges(harness: &Harness, custom_id: &str) -> Vec<Value> {
    let (status, orders) = harness
        .get(
            ACCOUNT,
            &format!("/api/karmacheck/candidates/{custom_id}/orders"),
        )
        .await;
    assert_eq!(status, 200, "{orders}");
    orders.as_array().unwrap().clone()
}

async fn badge(harness: &Harness, custom_id: &str) -> (String, String, bool) {
    let orders = badges(harness, custom_id).await;
    let badge = &orders[0]["badge"];
    (
        badge["label"].as_str().unwrap().to_owned(),
        badge["tone"].as_str().unwrap().to_owned(),
        badge["is_final"].as_bool().unwrap(),
    )
}

/// The seed's three tables, row by row: the overall status the control drives the case to,
/// and the badge label and finality the seed gives it (with the tone the widget styles).
const SEED_ROWS: [(&str, &str, &str, bool); 14] = [
    ("invitation_sent", "Invitation sent", "neutral", false),
    (
        "authorization_in_progress",
        "Authorization in progress",
        "neutral",
        false,
    ),
    (
        "processing_screenings",
        "Processing screenings",
        "progress",
        false,
    ),
    (
        "waiting_for_parental_consent",
        "Waiting for parental consent",
        "neutral",
        false,
    ),
    (
        "verifying_candidate_input",
        "Verifying candidate input",
        "neutral",
        false,
    ),
    ("reviewing_order", "Reviewing order", "neutral", false),
    ("blocked", "Blocked", "attention", false),
    ("canceled", "Canceled", "negative", true),
    ("needs_review", "Needs review", "attention", true),
    ("clear", "Clear", "positive", true),
    ("placed", "Placed", "positive", true),
    (
        "pre_adverse_action",
        "Pre-adverse action",
        "attention",
        false,
    ),
    (
        "dispute_adverse_action",
        "Dispute adverse action",
        "attention",
        false,
    ),
    ("adverse_action", "Adverse action", "negative", true),
];

#[tokio::test]
async fn every_row_of_the_seed_reaches_the_badge_through_a_karmacheck_webhook() {
    let harness = Harness::start().await;
    connected(&harness).await;
    let placed = order(&harness, "app-rows", "rows@example.com").await;
    assert_eq!(placed["badge"]["label"], "Invitation sent", "{placed}");
    let case_id = placed["case_id"].as_str().unwrap().to_owned();
    // Backwards through the table, so every row is a change from the one before.
    for (overall, label, tone, is_final) in SEED_ROWS.iter().rev() {
        move_case(&harness, &case_id, json!({"overall": overall})).await;
        assert!(deliver(&harness).await >= 1);
        assert_eq!(
            badge(&harness, "app-rows").await,
            (label.to_string(), tone.to_string(), *is_final),
            "{overall}"
        );
    }
    harness.stop().await;
}

#[tokio::test]
async fn the_seeds_alternative_combinations_map_to_the_same_rows() {
    let harness = Harness::start().await;
    connected(&harness).await;
    let placed = order(&harness, "app-alt", "alt@example.com").await;
    let case_id = placed["case_id"].as_str().unwrap().to_owned();
    let rows = [
        (
            json!({"primary": "Complete", "secondary": "Consider", "adverse_action": "Cancel", "result": "Open"}),
            "Needs review",
        ),
        (
            json!({"primary": "Adjudicated", "adverse_action": "Cancel", "result": "Placed"}),
            "Placed",
        ),
        (
            json!({"primary": "Complete", "adverse_action": "Pre-Adverse", "result": "Pre-Adverse Action"}),
            "Pre-adverse action",
        ),
        (
            json!({"primary": "Complete", "adverse_action": "Dispute", "result": "Dispute Adverse Action"}),
            "Dispute adverse action",
        ),
    ];
    for (target, label) in rows {
        move_case(&harness, &case_id, target.clone()).await;
        deliver(&harness).await;
        assert_eq!(badge(&harness, "app-alt").await.0, label, "{target}");
    }
    harness.stop().await;
}

#[tokio::test]
async fn a_placed_case_reopened_for_review_shows_needs_review_again() {
    let harness = Harness::start().await;
    connected(&harness).await;
    let placed = order(&harness, "app-rev", "rev@example.com").await;
    let case_id = placed["case_id"].as_str().unwrap().to_owned();
    move_case(&harness, &case_id, json!({"overall": "placed"})).await;
    deliver(&harness).await;
    assert_eq!(badge(&harness, "app-rev").await.0, "Placed");

    move_case(
        &harness,
        &case_id,
        json!({"primary": "Complete", "secondary": "Consider", "result": "Open"}),
    )
    .await;
    deliver(&harness).await;
    assert_eq!(
        badge(&harness, "app-rev").await,
        ("Needs review".to_owned(), "attention".to_owned(), true)
    );
    harness.stop().await;
}

async fn events(harness: &Harness) -> Vec<Value> {
    sandbox_get(harness, "/karmacheck/sandbox/events").await
}

async fn post_webhook(harness: &Harness, login: &Login, password: &str, body: &Value) -> u16 {
    harness
        .http
        .post(&login.url)
        .basic_auth(&login.username, Some(password))
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn duplicate_and_out_of_order_deliveries_end_in_the_cases_current_state() {
    let harness = Harness::start().await;
    let (_, login) = connected(&harness).await;
    let placed = order(&harness, "app-order", "order@example.com").await;
    let case_id = placed["case_id"].as_str().unwrap().to_owned();
    deliver(&harness).await;
    move_case(&harness, &case_id, json!({"overall": "clear"})).await;
    move_case(&harness, &case_id, json!({"overall": "placed"})).await;
    let all = events(&harness).await;
    let (clear, placed_event) = (&all[all.len() - 2]["body"], &all[all.len() - 1]["body"]);

    // The later event first, then the earlier one, then the later one again.
    for body in [placed_event, clear, placed_event] {
        assert_eq!(
            post_webhook(&harness, &login, &login.password, body).await,
            200
        );
        assert_eq!(badge(&harness, "app-order").await.0, "Placed");
    }
    harness.stop().await;
}

#[tokio::test]
async fn a_webhook_with_a_wrong_credential_is_refused_and_nothing_is_recorded() {
    let harness = Harness::start().await;
    let (_, login) = connected(&harness).await;
    let placed = order(&harness, "app-cred", "cred@example.com").await;
    let case_id = placed["case_id"].as_str().unwrap().to_owned();
    deliver(&harness).await;
    move_case(&harness, &case_id, json!({"overall": "placed"})).await;
    let all = events(&harness).await;
    let body = &all[all.len() - 1]["body"];

    assert_eq!(
        post_webhook(&harness, &login, "not-the-password", body).await,
        401
    );
    let unauthenticated = harness
        .http
        .post(&login.url)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert_eq!(badge(&harness, "app-cred").await.0, "Invitation sent");

    // Not recorded: the same message with the right login is applied, not taken as a repeat.
    assert_eq!(
        post_webhook(&harness, &login, &login.password, body).await,
        200
    );
    assert_eq!(badge(&harness, "app-cred").await.0, "Placed");
    harness.stop().await;
}

#[tokio::test]
async fn a_second_case_for_the_same_email_asks_to_add_or_replace() {
    let harness = Harness::start().await;
    connected(&harness).await;
    let first = order(&harness, "app-dup", "dup@example.com").await;
    let package = first_karmacheck_package(&harness).await;
    let (status, refused) = harness
        .post(
            ACCOUNT,
            "/api/karmacheck/orders",
            &case_order("app-dup", &package, "dup@example.com"),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["code"], "karmacheck_duplicate_email");
    assert_eq!(refused["order"]["needs_override"], true);
    assert_eq!(refused["order"]["badge"]["label"], "Not Sent");
    let second = refused["order"]["id"].as_str().unwrap().to_owned();

    let retry = format!("/api/karmacheck/orders/{second}/retry");
    let (status, _) = harness.post(ACCOUNT, &retry, &json!({})).await;
    assert_eq!(status, 409, "a retry without a choice is not sent");
    let (status, replaced) = harness
        .post(ACCOUNT, &retry, &json!({"order_override": "replace"}))
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["attempts"], 2);
    deliver(&harness).await;

    let orders = badges(&harness, "app-dup").await;
    assert_eq!(orders.len(), 2, "several cases per applicant");
    let old = orders.iter().find(|o| o["id"] == first["id"]).unwrap();
    assert_eq!(
        old["badge"]["label"], "Canceled",
        "the replaced case is canceled"
    );
    let new = orders.iter().find(|o| o["id"] == second.as_str()).unwrap();
    assert_eq!(new["badge"]["label"], "Invitation sent");

    let (status, added) = harness
        .post(
            ACCOUNT,
            "/api/karmacheck/orders",
            &case_order("app-dup", &package, "dup@example.com"),
        )
        .await;
    assert_eq!(status, 409);
    let third = added["order"]["id"].as_str().unwrap();
    let (status, _) = harness
        .post(
            ACCOUNT,
            &format!("/api/karmacheck/orders/{third}/retry"),
            &json!({"order_override": "add"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(badges(&harness, "app-dup").await.len(), 3);
    harness.stop().await;
}

#[tokio::test]
async fn a_failed_karmacheck_order_is_kept_and_sent_again() {
    let harness = Harness::start().await;
    connected(&harness).await;
    let package = first_karmacheck_package(&harness).await;
    let response = harness
        .http
        .post(harness.sandbox("/karmacheck/sandbox/faults/create"))
        .json(&json!({"status": 500, "message": "Internal server error"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, failed) = harness
        .post(
            ACCOUNT,
            "/api/karmacheck/orders",
            &case_order("app-fail", &package, "fail@example.com"),
        )
        .await;
    assert_eq!(status, 502, "{failed}");
    assert_eq!(failed["order"]["step"], "failed");
    assert_eq!(failed["order"]["can_retry"], true);
    let id = failed["order"]["id"].as_str().unwrap();

    let (status, sent) = harness
        .post(
            ACCOUNT,
            &format!("/api/karmacheck/orders/{id}/retry"),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["step"], "created");
    assert_eq!(sent["badge"]["label"], "Invitation sent");
    harness.stop().await;
}

#[tokio::test]
async fn names_karmacheck_would_refuse_are_caught_before_anything_is_sent() {
    let harness = Harness::start().await;
    connected(&harness).await;
    let package = first_karmacheck_package(&harness).await;
    let mut draft = case_order("app-name", &package, "name@example.com");
    draft["first_name"] = json!("Ana<script>");
    let (status, refused) = harness
        .post(ACCOUNT, "/api/karmacheck/orders", &draft)
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["fields"]["first_name"].is_string(), "{refused}");
    assert!(badges(&harness, "app-name").await.is_empty());
    harness.stop().await;
}

#[tokio::test]
async fn an_expired_karmacheck_token_is_renewed_without_the_user_noticing() {
    let harness = Harness::start().await;
    connected(&harness).await;
    first_karmacheck_package(&harness).await;
    let response = harness
        .http
        .post(harness.sandbox("/karmacheck/sandbox/clock/advance"))
        .json(&json!({"seconds": 7200}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    order(&harness, "app-expired", "expired@example.com").await;
    harness.stop().await;
}

/// The ATS backend's webhook endpoint: accepts everything and keeps the bodies.
async fn ats_receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let kept = std::sync::Arc::clone(&bodies);
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |body: String| {
            let kept = std::sync::Arc::clone(&kept);
            async move {
                kept.lock()
                    .unwrap()
                    .push(serde_json::from_str::<Value>(&body).unwrap());
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, bodies)
}

#[tokio::test]
async fn the_ats_backend_hears_each_karmacheck_status_change_including_a_reversal() {
    let (url, bodies) = ats_receiver().await;
    let database_url = if std::env::var("BGCHECK_TEST_STORE").as_deref() == Ok("postgres") {
        support::fresh_postgres_database().await
    } else {
        None
    };
    let harness = Harness::start_configured(database_url, |config| {
        config.ats_webhook_url = Some(bgcheck::proxy::secret::Secret::new(url));
        config.ats_webhook_secret = Some(bgcheck::proxy::secret::Secret::new(
            "whsec_C2FuZGJveC1hdHMtd2ViaG9vay1zZWNyZXQtMzI=",
        ));
    })
    .await;
    connected(&harness).await;
    let placed = order(&harness, "app-ats", "ats@example.com").await;
    let case_id = placed["case_id"].as_str().unwrap().to_owned();
    move_case(&harness, &case_id, json!({"overall": "placed"})).await;
    deliver(&harness).await;
    move_case(
        &harness,
        &case_id,
        json!({"primary": "Complete", "secondary": "Consider", "result": "Open"}),
    )
    .await;
    deliver(&harness).await;

    let wanted = ["Sending", "Invitation sent", "Placed", "Needs review"];
    let mut orders = Vec::new();
    for _ in 0..400 {
        orders = bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|body| body["data"]["order_id"] == placed["id"])
            .cloned()
            .collect::<Vec<_>>();
        if orders.len() >= wanted.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let labels: Vec<&str> = orders
        .iter()
        .map(|body| body["data"]["status"]["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, wanted, "{orders:#?}");
    assert_eq!(orders[0]["type"], "order.created");
    let last = &orders[3]["data"];
    assert_eq!(last["provider"], "karmacheck");
    assert_eq!(last["overall_status"], "needs_review");
    assert_eq!(last["status"]["final"], true);
    assert!(
        !orders
            .iter()
            .any(|body| body.to_string().contains("ats@example.com")),
        "no candidate contact details reach the ATS backend"
    );
    harness.stop().await;
}

#[tokio::test]
async fn the_demo_page_moves_a_karmacheck_case_but_reaches_no_other_karmacheck_control() {
    let harness = Harness::start().await;
    let account = "harbor-health";
    let (status, packages) = harness.get(account, "/api/karmacheck/packages").await;
    assert_eq!(status, 200, "{packages}");
    let package = packages[0]["id"].as_str().unwrap();
    let (status, placed) = harness
        .post(
            account,
            "/api/karmacheck/orders",
            &case_order("A-demo", package, "demo@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    let case_id = placed["case_id"].as_str().unwrap();

    let moved = harness
        .http
        .post(harness.url(&format!("/demo/sandbox/karmacheck/cases/{case_id}/status")))
        .json(&json!({"overall": "placed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
    // The demo account's subscription delivers live; the proxy reads the case again.
    let mut label = String::new();
    for _ in 0..200 {
        let (_, orders) = harness
            .get(account, "/api/karmacheck/candidates/A-demo/orders")
            .await;
        label = orders[0]["badge"]["label"].as_str().unwrap().to_owned();
        if label == "Placed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(label, "Placed");

    for path in [
        "karmacheck/events",
        "karmacheck/subscriptions",
        "karmacheck/webhooks/deliver",
    ] {
        let refused = harness
            .http
            .post(harness.url(&format!("/demo/sandbox/{path}")))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 404, "{path}");
    }
    harness.stop().await;
}

#[tokio::test]
async fn a_key_rotation_keeps_the_karmacheck_credentials() {
    use bgcheck::proxy::checkr::ClientPolicy;
    use bgcheck::proxy::secret::Secret;
    use bgcheck::proxy::store::{KarmaCheckCredentials, NewKarmaCheckConnection};
    use bgcheck::proxy::{Config, start_with_policy};

    let data = tempfile::tempdir().unwrap();
    let config = |key: u8, previous: Option<u8>| {
        let mut config = Config::for_data_dir(data.path());
        config.encryption_key = Some(Secret::new(format!("{key:02x}").repeat(32)));
        config.previous_encryption_key =
            previous.map(|key| Secret::new(format!("{key:02x}").repeat(32)));
        config
    };
    let running = start_with_policy(config(1, None), ClientPolicy::default())
        .await
        .unwrap();
    let store = running.state.store();
    store.ensure_account("tenant", "Tenant").await.unwrap();
    let saved = store
        .save_karmacheck_connection(
            "tenant",
            NewKarmaCheckConnection {
                credentials: KarmaCheckCredentials {
                    api_key: Secret::new("kc_key_rotation"),
                    client_access_token: Secret::new("kc_token_rotation"),
                },
                webhook_username: "bgcheck-rotation".to_owned(),
                webhook_password_digest: "digest".to_owned(),
                connected_at: "2026-12-01T12:00:00Z".to_owned(),
            },
        )
        .await
        .unwrap();
    assert!(saved);
    running.stop().await.unwrap();

    // Started once with the new key and the old one: everything is sealed again.
    let running = start_with_policy(config(2, Some(1)), ClientPolicy::default())
        .await
        .unwrap();
    running.stop().await.unwrap();
    let running = start_with_policy(config(2, None), ClientPolicy::default())
        .await
        .unwrap();
    let connection = running
        .state
        .store()
        .karmacheck_connection("tenant")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(connection.credentials.api_key.expose(), "kc_key_rotation");
    assert_eq!(
        connection.credentials.client_access_token.expose(),
        "kc_token_rotation"
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn an_order_left_sending_by_a_sender_that_died_can_be_sent_again_later() {
    use bgcheck::proxy::store::CaseDraft;

    let harness = Harness::start().await;
    connected(&harness).await;
    let package = first_karmacheck_package(&harness).await;
    let now = bgcheck::domain::time::Timestamp::from_unix_seconds(
        i64::try_from(harness.running.state.clock().now()).unwrap(),
    );
    // As a proxy that died between writing the order and KarmaCheck's answer leaves it.
    let stuck = harness
        .running
        .state
        .store()
        .insert_case_order(
            ACCOUNT,
            "recruiter",
            "app-stuck",
            &CaseDraft {
                package_id: package,
                email: "stuck@example.com".to_owned(),
                given_name: "Sam".to_owned(),
                family_name: "Lee".to_owned(),
                middle_name: None,
                phone: None,
            },
            now.as_str(),
        )
        .await
        .unwrap();
    let retry = format!("/api/karmacheck/orders/{}/retry", stuck.id);
    assert_eq!(badges(&harness, "app-stuck").await[0]["can_retry"], false);
    let (status, _) = harness.post(ACCOUNT, &retry, &Value::Null).await;
    assert_eq!(status, 409, "a sender may still be at work");

    harness
        .running
        .state
        .clock()
        .advance(std::time::Duration::from_secs(121));
    assert_eq!(badges(&harness, "app-stuck").await[0]["can_retry"], true);
    let (status, sent) = harness.post(ACCOUNT, &retry, &Value::Null).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["badge"]["label"], "Invitation sent");
    harness.stop().await;
}

/// Signs in to the KarmaCheck sandbox as `group`; the bearer token.
async fn sandbox_token(harness: &Harness, group: &GroupCredentials) -> String {
    let answer: Value = harness
        .http
        .post(harness.sandbox("/karmacheck/auth/api"))
        .json(&json!({"apiKey": group.api_key, "clientAccessToken": group.client_access_token}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["groupProfileId"], group.group_profile_id.as_str());
    assert_eq!(
        answer["token"].as_str().unwrap().split('.').count(),
        3,
        "a JWT"
    );
    answer["token"].as_str().unwrap().to_owned()
}

async fn karma_error(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["statusCode"], status, "{body}");
    assert!(
        body["message"].is_string() && body["error"].is_string(),
        "{body}"
    );
    body
}

#[tokio::test]
async fn the_karmacheck_sandbox_answers_as_karmacheck_does() {
    let harness = Harness::start().await;
    let group = new_group(&harness);
    let other = new_group(&harness);
    let token = sandbox_token(&harness, &group).await;
    let http = &harness.http;

    let wrong = http
        .post(harness.sandbox("/karmacheck/auth/api"))
        .json(&json!({"apiKey": group.api_key, "clientAccessToken": other.client_access_token}))
        .send()
        .await
        .unwrap();
    karma_error(wrong, 401).await;
    let anonymous = http
        .get(harness.sandbox("/karmacheck/package/min/list"))
        .send()
        .await
        .unwrap();
    karma_error(anonymous, 401).await;

    let packages: Value = http
        .get(harness.sandbox("/karmacheck/package/min/list"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let package = packages[0]["id"].as_str().unwrap();
    let create = |body: Value| {
        http.post(harness.sandbox("/karmacheck/case/create"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let missing = karma_error(create(json!({"packageId": package})).await.unwrap(), 400).await;
    assert!(
        missing["message"].as_str().unwrap().contains("email"),
        "{missing}"
    );
    let bad_name = json!({"packageId": package, "email": "a@example.com", "givenName": "A<b>",
                          "familyName": "B", "autoProcess": false});
    karma_error(create(bad_name).await.unwrap(), 400).await;

    let good = json!({"packageId": package, "email": "a@example.com", "givenName": "A",
                      "familyName": "B", "autoProcess": false});
    let created = create(good.clone()).await.unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let case_id = created["caseId"].as_str().unwrap();
    assert!(created["caseInvitationId"].is_string());
    karma_error(create(good).await.unwrap(), 409).await;

    let case: Value = http
        .get(harness.sandbox(&format!("/karmacheck/case/id/{case_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["caseStatusId"], "d894b8a0-937e-46b1-8799-15bad611844f");
    assert_eq!(
        case["secondaryCaseStatusId"],
        "8e0c9756-a42f-4a7d-b8e2-412a0f6b9dea"
    );
    assert_eq!(case["resultTypeId"], "8c94f0d9-57c9-4c7b-be95-5ec309cff330");

    // Another group's token does not see the case.
    let other_token = sandbox_token(&harness, &other).await;
    let hidden = http
        .get(harness.sandbox(&format!("/karmacheck/case/id/{case_id}")))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap();
    karma_error(hidden, 404).await;

    // A state the lifecycle does not define is refused by the control.
    let undefined = http
        .post(harness.sandbox(&format!("/karmacheck/sandbox/cases/{case_id}/status")))
        .json(&json!({"primary": "Pending", "result": "Placed"}))
        .send()
        .await
        .unwrap();
    karma_error(undefined, 400).await;

    // Tokens expire.
    http.post(harness.sandbox("/karmacheck/sandbox/clock/advance"))
        .json(&json!({"seconds": 3601}))
        .send()
        .await
        .unwrap();
    let expired = http
        .get(harness.sandbox("/karmacheck/package/min/list"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    karma_error(expired, 401).await;
    harness.stop().await;
}

#[derive(Clone, Default)]
struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_karmacheck_flow_logs_no_credentials_tokens_or_candidate_details() {
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("bgcheck=trace,tower_http=trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let harness = Harness::start().await;
    let mut wrong = new_group(&harness);
    wrong.api_key.push_str("-wrong");
    assert_eq!(connect(&harness, ACCOUNT, &wrong).await.0, 422);
    let (group, login) = connected(&harness).await;
    let package = first_karmacheck_package(&harness).await;
    let draft = json!({
        "custom_id": "app-logs", "package_id": package, "email": "quintessa.kc@example.org",
        "first_name": "Quintessa", "middle_name": "Marguerite", "last_name": "Vandersloot",
        "phone": "+14155550199",
    });
    let (status, placed) = harness
        .post(ACCOUNT, "/api/karmacheck/orders", &draft)
        .await;
    assert_eq!(status, 201, "{placed}");
    let (status, _) = harness
        .post(ACCOUNT, "/api/karmacheck/orders", &draft)
        .await;
    assert_eq!(status, 409);
    let case_id = placed["case_id"].as_str().unwrap();
    move_case(&harness, case_id, json!({"overall": "placed"})).await;
    let all = events(&harness).await;
    let body = &all[all.len() - 1]["body"];
    assert_eq!(
        post_webhook(&harness, &login, "guessed-password", body).await,
        401
    );
    deliver(&harness).await;
    harness.stop().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("KarmaCheck case changed"),
        "the flow was logged"
    );
    for secret in [
        group.api_key.as_str(),
        group.client_access_token.as_str(),
        wrong.api_key.as_str(),
        login.password.as_str(),
        "guessed-password",
        "quintessa.kc@example.org",
        "Quintessa",
        "Marguerite",
        "Vandersloot",
        "4155550199",
        // Any bearer JWT: its header always starts so.
        "eyJhbGci",
    ] {
        assert!(!logs.contains(secret), "{secret} reached the logs");
    }
}

#[tokio::test]
async fn the_session_of_a_karmacheck_account_names_its_provider_and_offers_no_checkr_connect() {
    let harness = Harness::start().await;
    let (status, before) = harness.get_as(ACCOUNT, Role::Admin, "/api/session").await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["provider"], "checkr");
    assert_eq!(before["connection"], "not_connected");
    assert!(before.get("connect").is_some(), "{before}");

    let group = new_group(&harness);
    let (status, body) = connect(&harness, ACCOUNT, &group).await;
    assert_eq!(status, 200, "{body}");
    for role in [Role::Admin, Role::Recruiter] {
        let (status, session) = harness.get_as(ACCOUNT, role, "/api/session").await;
        assert_eq!(status, 200, "{session}");
        assert_eq!(session["provider"], "karmacheck", "{session}");
        assert_eq!(session["connection"], "connected", "{session}");
        assert_eq!(session["credentialed"], true, "{session}");
        assert!(session.get("connect").is_none(), "{session}");
    }
}
