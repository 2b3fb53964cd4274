//! The proxy's logs, captured across a whole flow at the most verbose level, never contain
//! candidate PII, tokens or secrets (the certification's Application Data Security answers).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use bgcheck::proxy::identity::Role;
use serde_json::json;
use support::{Harness, first_package};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_full_flow_logs_no_candidate_details_tokens_or_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("bgcheck=trace,tower_http=trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    // Webhooks to the ATS backend on, to a URL that carries the receiver's own token.
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!(
        "http://{}/hooks?token=ats-receiver-token-3141",
        receiver.local_addr().unwrap()
    );
    let hooks = axum::Router::new().route(
        "/hooks",
        axum::routing::post(|| async { axum::http::StatusCode::NO_CONTENT }),
    );
    tokio::spawn(async move { axum::serve(receiver, hooks).await });
    let hook_secret = "whsec_bG9nZ2luZy10ZXN0LWF0cy13ZWJob29rLXNlY3JldA==";
    let harness = Harness::start_configured(None, |config| {
        config.ats_webhook_url = Some(bgcheck::proxy::secret::Secret::new(hook_url));
        config.ats_webhook_secret = Some(bgcheck::proxy::secret::Secret::new(hook_secret));
    })
    .await;
    let package = first_package(&harness, "blue-bakery").await;
    let order = json!({
        "candidate": {
            "first_name": "Quintessa", "middle_name": "Marguerite", "last_name": "Vandersloot",
            "email": "quintessa.vandersloot@example.org", "phone": "+1 415 555 0199",
            "zipcode": "94110", "custom_id": "LOG-1",
            "work_location": {"country": "US", "state": "CA", "city": "San Francisco"}
        },
        "package": package
    });
    let (status, placed) = harness.post("blue-bakery", "/api/orders", &order).await;
    assert_eq!(status, 201, "{placed}");
    let invitation = placed["invitation_id"].as_str().unwrap().to_owned();
    for step in ["report_clear_with_canceled", "report_engaged"] {
        harness.step(&invitation, step).await;
    }
    harness
        .wait_for("blue-bakery", Role::Recruiter, "LOG-1", |order| {
            order["badge"]["label"] == "Clear"
        })
        .await;

    // A refused order with PII, an OAuth connection (code, state, new token), a live stream.
    let mut refused = order.clone();
    refused["candidate"]["ssn"] = json!("123-45-6789");
    harness.post("blue-bakery", "/api/orders", &refused).await;
    let (_, session) = harness
        .get_as("fresh-start", Role::Admin, "/api/session")
        .await;
    let authorized = harness
        .authorize(session["connect"]["signup_url"].as_str().unwrap(), "tree")
        .await;
    assert_eq!(harness.callback(&authorized).await.status(), 200);
    let callback = authorized.callback.clone();
    let session_token = harness.token("blue-bakery");
    let live = harness
        .http
        .get(harness.url(&format!("/api/events?token={session_token}")))
        .send()
        .await
        .unwrap();
    drop(live);
    let code = reqwest::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "code")
        .unwrap()
        .1
        .into_owned();
    let state = reqwest::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "state")
        .unwrap()
        .1
        .into_owned();
    let binding = authorized.cookie.split_once('=').unwrap().1.to_owned();

    let dir = harness.running.state.data_dir().to_path_buf();
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    let secrets = [
        read("sandbox-client-secret"),
        read("session.secret"),
        read("encryption.key"),
    ];
    harness.stop().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("order created")
            && logs.contains("webhook recorded")
            && logs.contains("ATS webhook delivered"),
        "the flow was logged"
    );
    let forbidden = [
        "Quintessa",
        "Marguerite",
        "Vandersloot",
        "quintessa.vandersloot",
        "555 0199",
        "4155550199",
        "123-45-6789",
        "sandbox_key_",
        "ats-receiver-token-3141",
        hook_secret,
        "bG9nZ2luZy10ZXN0LWF0cy13ZWJob29r",
        &session_token,
        &code,
        &state,
        &binding,
    ];
    for needle in forbidden.iter().map(|s| s.to_string()).chain(secrets) {
        assert!(!logs.contains(&needle), "the logs contain {needle:?}");
    }
}
