//! Accounts and webhooks end to end: signed deliveries from the sandbox folded into orders,
//! OAuth connection and credentialing, deauthorization, role-gated report links, sessions.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use bgcheck::proxy::crypto::sign_hex;
use bgcheck::proxy::identity::Role;
use reqwest::Method;
use serde_json::{Value, json};
use support::{Harness, first_package, us_order};

/// Places a US order for `custom_id` on the no-hierarchy demo account; returns the invitation id.
async fn order(harness: &Harness, custom_id: &str) -> String {
    let package = first_package(harness, "blue-bakery").await;
    let (status, order) = harness
        .post("blue-bakery", "/api/orders", &us_order(custom_id, &package))
        .await;
    assert_eq!(status, 201, "{order}");
    order["invitation_id"].as_str().unwrap().to_owned()
}

async fn set_customer_type(harness: &Harness, customer_type: &str) {
    let (status, body) = harness
        .send_as(
            "blue-bakery",
            Role::Admin,
            Method::PUT,
            "/api/account/settings",
            &json!({"customer_type": customer_type}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

fn client_secret(harness: &Harness) -> String {
    let dir = harness.running.state.data_dir();
    std::fs::read_to_string(dir.join("sandbox-client-secret"))
        .unwrap()
        .trim()
        .to_owned()
}

/// Drives one row of the seed's webhook table through the sandbox and checks the label the
/// proxy then shows, for combined and for segregated customers.
async fn check_row(steps: &[&str], combined: &str, segregated: &str) {
    let harness = Harness::start().await;
    let invitation = order(&harness, "ROW-1").await;
    for step in steps {
        harness.step(&invitation, step).await;
    }
    // A label can also be an intermediate one (Pending before a suspension and after its
    // resumption): wait until the proxy holds what Checkr holds, then read the label.
    let checkr = harness
        .http
        .get(harness.sandbox(&format!(
            "/v1/invitations/{invitation}?include_deleted=true"
        )))
        .basic_auth("sandbox_key_no_hierarchy", Some(""))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let report = match checkr["report_id"].as_str() {
        Some(report_id) => harness
            .http
            .get(harness.sandbox(&format!("/v1/reports/{report_id}")))
            .basic_auth("sandbox_key_no_hierarchy", Some(""))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap(),
        None => Value::Null,
    };
    harness
        .wait_for("blue-bakery", Role::Admin, "ROW-1", |order| {
            let status = &order["status"];
            let report_matches = if report.is_null() {
                status["report"].is_null()
            } else {
                status["report"]["status"] == report["status"]
                    && status["report"]["adjudication"] == report["adjudication"]
                    && status["report"]["includes_canceled"]
                        == report["includes_canceled"].as_bool().unwrap_or(false)
            };
            // Checkr keeps a canceled invitation's status and sets `deleted_at`.
            let invitation_status = if checkr["deleted_at"].is_null() {
                checkr["status"].clone()
            } else {
                Value::from("deleted")
            };
            status["invitation"]["status"] == invitation_status && report_matches
        })
        .await;
    let settled = harness
        .wait_for("blue-bakery", Role::Recruiter, "ROW-1", |order| {
            order["badge"]["label"] == combined
        })
        .await;
    assert_eq!(settled["badge"]["label"], combined, "combined label");
    set_customer_type(&harness, "segregated").await;
    let (_, orders) = harness
        .get("blue-bakery", "/api/candidates/ROW-1/orders")
        .await;
    assert_eq!(orders[0]["badge"]["label"], segregated, "segregated label");
    harness.stop().await;
}

macro_rules! seed_row {
    ($name:ident, [$($step:literal),*], $combined:literal, $segregated:literal) => {
        #[tokio::test]
        async fn $name() {
            check_row(&[$($step),*], $combined, $segregated).await;
        }
    };
}

seed_row!(
    row_invitation_created_shows_invitation_sent,
    [],
    "Invitation Sent",
    "Invitation Sent"
);
seed_row!(
    row_invitation_completed_shows_pending,
    ["invitation_completed"],
    "Pending",
    "Pending"
);
seed_row!(
    row_invitation_expired_shows_invitation_expired,
    ["invitation_expired"],
    "Invitation Expired",
    "Invitation Expired"
);
seed_row!(
    row_invitation_deleted_shows_invitation_canceled,
    ["invitation_deleted"],
    "Invitation Canceled",
    "Invitation Canceled"
);
seed_row!(
    row_report_completed_clear_shows_clear,
    ["report_clear"],
    "Clear",
    "Clear"
);
seed_row!(
    row_report_completed_clear_with_canceled_screenings,
    ["report_clear_with_canceled"],
    "Complete w Canceled",
    "Pending"
);
seed_row!(
    row_report_completed_with_every_screening_canceled,
    ["report_all_canceled_on_complete"],
    "Canceled",
    "Canceled"
);
seed_row!(
    row_report_completed_consider_shows_needs_review,
    ["report_consider"],
    "Needs Review",
    "Pending"
);
seed_row!(
    row_report_pre_adverse_action,
    ["report_consider", "report_pre_adverse_action"],
    "Pre Adverse Action",
    "Pending"
);
seed_row!(
    row_report_post_adverse_action_shows_not_eligible,
    [
        "report_consider",
        "report_pre_adverse_action",
        "report_post_adverse_action"
    ],
    "Not Eligible",
    "Not Eligible"
);
seed_row!(
    row_report_engaged_shows_clear,
    ["report_consider", "report_engaged"],
    "Clear",
    "Clear"
);
seed_row!(
    row_report_suspended_shows_suspended,
    ["report_suspended"],
    "Suspended",
    "Suspended"
);
seed_row!(
    row_report_resumed_shows_pending,
    ["report_suspended", "report_resumed"],
    "Pending",
    "Pending"
);
seed_row!(
    row_report_disputed,
    ["report_consider", "report_disputed"],
    "Disputed",
    "Pending"
);
seed_row!(
    row_report_canceled_shows_canceled,
    ["report_canceled"],
    "Canceled",
    "Canceled"
);
seed_row!(
    row_report_updated_completes_assess_reports,
    ["report_assess_completed"],
    "Clear",
    "Clear"
);

async fn deliver(harness: &Harness, body: &str, signature: Option<&str>) -> u16 {
    let mut request = harness
        .http
        .post(harness.url("/webhooks/checkr"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("X-Checkr-Signature", signature);
    }
    request.send().await.unwrap().status().as_u16()
}

fn expired_event(invitation: &str, id: &str) -> String {
    json!({"id": id, "object": "event", "type": "invitation.expired", "created_at": "2099-01-01T00:00:00Z",
        "account_id": "acct_no_hierarchy", "data": {"object": {"id": invitation, "object": "invitation", "status": "expired"}}})
    .to_string()
}

#[tokio::test]
async fn webhooks_without_a_valid_signature_are_refused_and_change_nothing() {
    let harness = Harness::start().await;
    let invitation = order(&harness, "SIG-1").await;
    let secret = client_secret(&harness);
    let body = expired_event(&invitation, "evt_forged");
    let valid = sign_hex(secret.as_bytes(), body.as_bytes());
    let tampered_body = body.replace("expired\"}", "expired\",\"x\":1}");
    let cases: [(&str, &str, Option<String>); 6] = [
        ("missing", body.as_str(), None),
        (
            "wrong key",
            body.as_str(),
            Some(sign_hex(b"not-the-secret", body.as_bytes())),
        ),
        ("tampered body", tampered_body.as_str(), Some(valid.clone())),
        ("bad hex", body.as_str(), Some("zz".repeat(32))),
        ("empty", body.as_str(), Some(String::new())),
        ("truncated", body.as_str(), Some(valid[..40].to_owned())),
    ];
    for (case, body, signature) in cases {
        assert_eq!(
            deliver(&harness, body, signature.as_deref()).await,
            401,
            "{case}"
        );
    }
    let (_, orders) = harness
        .get("blue-bakery", "/api/candidates/SIG-1/orders")
        .await;
    assert_eq!(
        orders[0]["badge"]["label"], "Invitation Sent",
        "no refused delivery was applied"
    );

    assert_eq!(
        deliver(&harness, &body, Some(&valid)).await,
        200,
        "the genuine one is accepted"
    );
    let (_, orders) = harness
        .get("blue-bakery", "/api/candidates/SIG-1/orders")
        .await;
    assert_eq!(orders[0]["badge"]["label"], "Invitation Expired");
    harness.stop().await;
}

#[tokio::test]
async fn a_signed_but_malformed_body_is_a_400_and_an_unknown_type_is_kept() {
    let harness = Harness::start().await;
    let secret = client_secret(&harness);
    let junk = "{\"id\": 5}";
    assert_eq!(
        deliver(
            &harness,
            junk,
            Some(&sign_hex(secret.as_bytes(), junk.as_bytes()))
        )
        .await,
        400
    );
    let unknown = json!({"id": "evt_new", "object": "event", "type": "form_i9.created",
        "created_at": "2026-11-21T10:00:00Z", "account_id": "acct_no_hierarchy", "data": {"object": {"id": "i9_1"}}})
    .to_string();
    assert_eq!(
        deliver(
            &harness,
            &unknown,
            Some(&sign_hex(secret.as_bytes(), unknown.as_bytes()))
        )
        .await,
        200
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_duplicate_event_is_acknowledged_and_not_applied_again() {
    let harness = Harness::start().await;
    let invitation = order(&harness, "DUP-1").await;
    let secret = client_secret(&harness);
    let expired = expired_event(&invitation, "evt_once");
    let signature = sign_hex(secret.as_bytes(), expired.as_bytes());
    assert_eq!(deliver(&harness, &expired, Some(&signature)).await, 200);
    let (_, first) = harness
        .get("blue-bakery", "/api/candidates/DUP-1/orders")
        .await;
    assert_eq!(
        deliver(&harness, &expired, Some(&signature)).await,
        200,
        "redelivery is acknowledged"
    );
    let (_, second) = harness
        .get("blue-bakery", "/api/candidates/DUP-1/orders")
        .await;
    assert_eq!(
        first[0]["updated_at"], second[0]["updated_at"],
        "and changes nothing"
    );
    harness.stop().await;
}

#[tokio::test]
async fn deliveries_in_reverse_order_and_twice_end_in_the_right_badge() {
    let harness = Harness::start().await;
    let invitation = order(&harness, "ORD-1").await;
    let control = |path: &str| harness.sandbox(path);
    harness
        .http
        .post(control("/sandbox/delivery"))
        .json(&json!({"hold": true}))
        .send()
        .await
        .unwrap();
    for step in [
        "report_consider",
        "report_pre_adverse_action",
        "report_post_adverse_action",
    ] {
        harness.step(&invitation, step).await;
    }
    harness
        .http
        .post(control("/sandbox/delivery"))
        .json(&json!({"hold": true, "duplicate": true}))
        .send()
        .await
        .unwrap();
    let released: Value = harness
        .http
        .post(control("/sandbox/delivery/release"))
        .json(&json!({"reverse": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(released["released"].as_u64().unwrap() >= 5, "{released}");
    let settled = harness
        .wait_for("blue-bakery", Role::Recruiter, "ORD-1", |order| {
            order["badge"]["label"] == "Not Eligible"
        })
        .await;
    assert_eq!(settled["badge"]["is_final"], true);

    // Doubled live deliveries: the next step's events each arrive twice.
    harness
        .http
        .post(control("/sandbox/delivery"))
        .json(&json!({"duplicate": true}))
        .send()
        .await
        .unwrap();
    let second = order(&harness, "ORD-2").await;
    harness.step(&second, "report_clear").await;
    harness
        .wait_for("blue-bakery", Role::Recruiter, "ORD-2", |order| {
            order["badge"]["label"] == "Clear"
        })
        .await;
    harness.stop().await;
}

#[tokio::test]
async fn only_adjudicators_and_admins_get_the_report_link() {
    let harness = Harness::start().await;
    let invitation = order(&harness, "LINK-1").await;
    harness.step(&invitation, "report_clear").await;
    let as_recruiter = harness
        .wait_for("blue-bakery", Role::Recruiter, "LINK-1", |order| {
            order["badge"]["label"] == "Clear"
        })
        .await;
    assert!(as_recruiter["report_url"].is_null(), "{as_recruiter}");
    let (_, as_adjudicator) = harness
        .get_as(
            "blue-bakery",
            Role::Adjudicator,
            "/api/candidates/LINK-1/orders",
        )
        .await;
    let link = as_adjudicator[0]["report_url"].as_str().unwrap();
    assert!(
        link.ends_with(&format!(
            "/reports/{}",
            as_adjudicator[0]["report_id"].as_str().unwrap()
        )),
        "{link}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn eta_from_report_updated_is_shown_to_the_day() {
    let harness = Harness::start().await;
    let invitation = order(&harness, "ETA-1").await;
    harness.step(&invitation, "invitation_completed").await;
    harness.step(&invitation, "report_eta").await;
    let settled = harness
        .wait_for("blue-bakery", Role::Recruiter, "ETA-1", |order| {
            order["eta"].is_string()
        })
        .await;
    assert_eq!(settled["eta"], "Dec 4, 2026");
    harness.stop().await;
}

#[tokio::test]
async fn segregated_customers_see_why_screenings_were_canceled_and_combined_do_not() {
    let harness = Harness::start().await;
    let invitation = order(&harness, "CAN-1").await;
    set_customer_type(&harness, "segregated").await;
    harness
        .step(&invitation, "report_clear_with_canceled")
        .await;
    let settled = harness
        .wait_for("blue-bakery", Role::Recruiter, "CAN-1", |order| {
            order["cancellation_reasons"]
                .as_array()
                .is_some_and(|reasons| !reasons.is_empty())
        })
        .await;
    assert_eq!(settled["badge"]["label"], "Pending");
    set_customer_type(&harness, "combined").await;
    let (_, combined) = harness
        .get("blue-bakery", "/api/candidates/CAN-1/orders")
        .await;
    assert_eq!(combined[0]["cancellation_reasons"], json!([]));
    assert_eq!(combined[0]["badge"]["canceled_indicator"], true);
    harness.stop().await;
}

#[tokio::test]
async fn a_session_for_one_account_cannot_see_another_accounts_orders() {
    let harness = Harness::start().await;
    order(&harness, "ISO-1").await;
    let (status, other) = harness
        .get("corner-cafe", "/api/candidates/ISO-1/orders")
        .await;
    assert_eq!((status, other), (200, json!([])));

    let token = harness.token("corner-cafe");
    let (payload, signature) = token.split_once('.').unwrap();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = String::from_utf8(engine.decode(payload).unwrap())
        .unwrap()
        .replace("corner-cafe", "blue-bakery");
    let forged = format!("{}.{signature}", engine.encode(claims));
    let response = harness
        .http
        .get(harness.url("/api/candidates/ISO-1/orders"))
        .bearer_auth(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        401,
        "a token edited to name another account is refused"
    );
    harness.stop().await;
}

#[tokio::test]
async fn the_ats_backend_mints_sessions_with_the_shared_secret_only() {
    let harness = Harness::start().await;
    let secret = std::fs::read_to_string(
        harness
            .running
            .state
            .data_dir()
            .to_path_buf()
            .join("session.secret"),
    )
    .unwrap();
    let request = json!({"account_id": "new-ats-customer", "account_name": "New Co", "user_id": "u1", "role": "admin"});
    let refused = harness
        .http
        .post(harness.url("/api/sessions"))
        .bearer_auth("guess")
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let malformed = harness
        .http
        .post(harness.url("/api/sessions"))
        .bearer_auth(secret.trim())
        .header("content-type", "application/json")
        .body("{\"account_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(
        body["code"], "malformed_request",
        "the API's own error shape"
    );
    let minted: Value = harness
        .http
        .post(harness.url("/api/sessions"))
        .bearer_auth(secret.trim())
        .json(&request)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session: Value = harness
        .http
        .get(harness.url("/api/session"))
        .bearer_auth(minted["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["account_id"], "new-ats-customer");
    assert_eq!(session["connection"], "not_connected");
    assert!(
        session["connect"]["signup_url"].is_string(),
        "admins get the connect links: {session}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn sign_up_connects_then_ordering_waits_for_credentialing() {
    let harness = Harness::start().await;
    let (_, session) = harness
        .get_as("fresh-start", Role::Admin, "/api/session")
        .await;
    assert_eq!(session["connection"], "not_connected");
    let (status, refused) = harness.get("fresh-start", "/api/catalog").await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("not_connected"))
    );

    let authorized = harness
        .authorize(
            session["connect"]["signup_url"].as_str().unwrap(),
            "no_hierarchy",
        )
        .await;
    let page = harness.callback(&authorized).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Connected to Checkr"));

    let (status, waiting) = harness.get("fresh-start", "/api/catalog").await;
    assert_eq!(
        (status, waiting["code"].as_str()),
        (409, Some("awaiting_credentialing")),
        "{waiting}"
    );
    assert!(waiting["message"].as_str().unwrap().contains("1 to 3 days"));

    let mut credentialed = false;
    for _ in 0..80 {
        let (_, session) = harness.get("fresh-start", "/api/session").await;
        if session["credentialed"] == true {
            credentialed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        credentialed,
        "account.credentialed arrived and opened ordering"
    );
    let package = first_package(&harness, "fresh-start").await;
    let (status, placed) = harness
        .post("fresh-start", "/api/orders", &us_order("NEW-1", &package))
        .await;
    assert_eq!(status, 201, "{placed}");
    harness.stop().await;
}

#[tokio::test]
async fn a_reused_code_and_a_tampered_state_are_refused() {
    let harness = Harness::start().await;
    let (_, first) = harness
        .get_as("fresh-start", Role::Admin, "/api/session")
        .await;
    let (_, second) = harness
        .get_as("fresh-start", Role::Admin, "/api/session")
        .await;

    let mut authorized = harness
        .authorize(second["connect"]["signin_url"].as_str().unwrap(), "tree")
        .await;
    let genuine = authorized.callback.clone();
    authorized.callback = genuine.replacen("state=", "state=x", 1);
    let refused = harness.callback(&authorized).await;
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("invalid, was already used or has expired")
    );

    let authorized = harness
        .authorize(first["connect"]["signin_url"].as_str().unwrap(), "tree")
        .await;
    assert_eq!(harness.callback(&authorized).await.status(), 200);
    let again = harness.callback(&authorized).await;
    assert_eq!(again.status(), 400, "a state works once");
    harness.stop().await;
}

#[tokio::test]
async fn deauthorization_from_checkr_stops_ordering_with_a_reconnect_message() {
    let harness = Harness::start().await;
    let package = first_package(&harness, "blue-bakery").await;
    let revoked = harness
        .http
        .post(harness.sandbox("/oauth/deauthorize"))
        .basic_auth("sandbox_key_no_hierarchy", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let mut refused = Value::Null;
    for _ in 0..80 {
        let (status, body) = harness
            .post("blue-bakery", "/api/orders", &us_order("DEA-1", &package))
            .await;
        if status == 409 {
            refused = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(refused["code"], "disconnected", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("reconnect"));
    let (_, session) = harness
        .get_as("blue-bakery", Role::Admin, "/api/session")
        .await;
    assert_eq!(session["connection"], "deauthorized");
    assert!(
        session["connect"]["signin_url"].is_string(),
        "an admin is offered a way back"
    );
    harness.stop().await;
}

#[tokio::test]
async fn unlinking_from_the_ats_deauthorizes_at_checkr_and_only_admins_may() {
    let harness = Harness::start().await;
    let (status, _) = harness
        .send_as(
            "corner-cafe",
            Role::Recruiter,
            Method::POST,
            "/api/account/disconnect",
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = harness
        .send_as(
            "corner-cafe",
            Role::Admin,
            Method::POST,
            "/api/account/disconnect",
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = harness.get("corner-cafe", "/api/catalog").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("disconnected")));
    let direct = harness
        .http
        .get(harness.sandbox("/v1/packages"))
        .basic_auth("sandbox_key_no_nodes", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(
        direct.status(),
        401,
        "the token was revoked at the provider"
    );
    harness.stop().await;
}

#[tokio::test]
async fn the_database_file_never_holds_an_access_token_readably() {
    let harness = Harness::start().await;
    order(&harness, "ENC-1").await;
    let dir = harness.running.state.data_dir().to_path_buf();
    let haystack = harness.database_text().await;
    assert!(
        haystack.contains("blue-bakery"),
        "the file does hold the accounts"
    );
    assert!(
        !haystack.contains("sandbox_key_"),
        "but no token in plaintext"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("encryption.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the generated key is readable by its owner only"
        );
    }
    harness.stop().await;
}

#[tokio::test]
async fn the_live_stream_sends_badge_changes_as_webhooks_arrive() {
    let harness = Harness::start().await;
    let invitation = order(&harness, "LIVE-1").await;
    let token = harness.token("blue-bakery");
    let response = harness
        .http
        .get(harness.url(&format!("/api/events?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut response = response;
    harness.step(&invitation, "report_clear").await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !seen.contains("\"label\":\"Clear\"") {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("an update in time")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: order"));
    let refused = harness
        .http
        .get(harness.url("/api/events?token=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    harness.stop().await;
}
