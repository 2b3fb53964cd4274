//! The proxy's real answers to every call the widget reads, kept in
//! `tests/fixtures/proxy-responses.json`. The widget reads that JSON by hand
//! (`src/widget/decode.rs`); `tests/widget.rs` runs the same file through those readers, so a
//! change to the proxy's wire shape fails here first (the file differs) and there next (if
//! the widget can no longer read it), instead of drifting apart silently.
//!
//! After a deliberate change to the wire shape, rewrite the file with
//! `BGCHECK_UPDATE_FIXTURES=1 cargo test --test wire_fixtures` and review its diff.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use bgcheck::proxy::identity::Role;
use reqwest::Method;
use serde_json::{Map, Value, json};
use support::{Harness, first_package, us_order};

const FIXTURE: &str = "tests/fixtures/proxy-responses.json";
const UPDATE: &str = "BGCHECK_UPDATE_FIXTURES";

/// The responses, by name, each with the reader the widget applies to it.
#[derive(Default)]
struct Recorded(BTreeMap<String, Value>);

impl Recorded {
    /// Keeps `body` under `name`; `decoder` names the widget's reader for it (see the wasm
    /// side in tests/widget.rs).
    fn keep(&mut self, name: &str, decoder: &str, status: u16, body: Value) {
        self.0.insert(
            name.to_owned(),
            json!({"decoder": decoder, "status": status, "body": body}),
        );
    }
}

/// Replaces what differs from run to run (ids the proxy and sandbox draw at random, wherever
/// they appear, the loopback ports, timestamps taken from the clock, OAuth states) with stable
/// placeholders. The same id always gets the same placeholder, so the fixture still shows
/// which ids agree.
struct Normaliser {
    hosts: Vec<(String, String)>,
    ids: Vec<(String, String)>,
}

impl Normaliser {
    /// Notes every id in `value`, numbered in order of first appearance.
    fn collect(&mut self, key: Option<&str>, value: &Value) {
        match value {
            Value::Object(object) => {
                for (k, v) in object {
                    self.collect(Some(k), v);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.collect(key, v)),
            Value::String(text)
                if matches!(
                    key,
                    Some("id" | "candidate_id" | "invitation_id" | "report_id")
                ) && !self.ids.iter().any(|(id, _)| id == text) =>
            {
                let placeholder = format!("<id-{}>", self.ids.len() + 1);
                self.ids.push((text.clone(), placeholder));
            }
            _ => {}
        }
    }

    fn value(&self, key: Option<&str>, value: &Value) -> Value {
        match value {
            Value::Object(object) => Value::Object(
                object
                    .iter()
                    .map(|(k, v)| (k.clone(), self.value(Some(k), v)))
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(key, v)).collect()),
            Value::String(text) => Value::String(self.text(key, text)),
            other => other.clone(),
        }
    }

    fn text(&self, key: Option<&str>, text: &str) -> String {
        if matches!(key, Some("created_at" | "updated_at" | "completed_at")) {
            return "<time>".to_owned();
        }
        let mut text = text.to_owned();
        for (volatile, placeholder) in self.hosts.iter().chain(&self.ids) {
            text = text.replace(volatile.as_str(), placeholder);
        }
        // The connect links carry a signed, expiring ticket (and the flow a state) minted
        // per request.
        for marker in ["ticket=", "state="] {
            if let Some((start, _)) = text.split_once(marker) {
                return format!("{start}{marker}<token>");
            }
        }
        text
    }
}

/// Reads the live stream until an `order` event's data satisfies `done`.
async fn streamed_order(stream: &mut reqwest::Response, done: impl Fn(&Value) -> bool) -> Value {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        for frame in seen.split("\n\n") {
            if !frame.lines().any(|line| line.trim() == "event: order") {
                continue;
            }
            if let Some(data) = frame.lines().find_map(|line| line.strip_prefix("data:")) {
                let order: Value = serde_json::from_str(data.trim()).unwrap();
                if done(&order) {
                    return order;
                }
            }
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the order event in time")
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn record(harness: &Harness) -> Recorded {
    let mut kept = Recorded::default();

    // GET /api/session in its states.
    let (status, body) = harness.get("blue-bakery", "/api/session").await;
    kept.keep("session_connected_recruiter", "session", status, body);
    let (status, body) = harness
        .get_as("fresh-start", Role::Admin, "/api/session")
        .await;
    kept.keep("session_not_connected_admin", "session", status, body);
    let (status, body) = harness
        .send_as(
            "corner-cafe",
            Role::Admin,
            Method::PUT,
            "/api/account/settings",
            &json!({"customer_type": "segregated"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = harness.get("corner-cafe", "/api/session").await;
    kept.keep("session_segregated_recruiter", "session", status, body);

    // GET /api/catalog, flat and with a hierarchy.
    let (status, body) = harness.get("blue-bakery", "/api/catalog").await;
    kept.keep("catalog_no_hierarchy", "catalog", status, body);
    let (status, body) = harness.get("acme", "/api/catalog").await;
    kept.keep("catalog_hierarchy", "catalog", status, body);

    // A field error: the hierarchy account's order without a node.
    let (status, body) = harness
        .post("acme", "/api/orders", &us_order("FIX-0", "tasker_standard"))
        .await;
    kept.keep("error_field", "error_body", status, body);

    // A created order, then its live update and the reads that show it.
    let package = first_package(harness, "blue-bakery").await;
    let token = harness.token("blue-bakery");
    let mut stream = harness
        .http
        .get(harness.url(&format!("/api/events?token={token}&custom_id=FIX-1")))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let (status, created) = harness
        .post("blue-bakery", "/api/orders", &us_order("FIX-1", &package))
        .await;
    assert_eq!(status, 201, "{created}");
    kept.keep("order_created", "order", status, created.clone());
    harness
        .step(created["invitation_id"].as_str().unwrap(), "report_clear")
        .await;
    let event = streamed_order(&mut stream, |order| order["badge"]["label"] == "Clear").await;
    kept.keep("event_order_clear", "order", 200, event);
    let (status, body) = harness
        .get("blue-bakery", "/api/candidates/FIX-1/orders")
        .await;
    kept.keep("candidate_orders_recruiter", "orders", status, body);
    let (status, body) = harness
        .get_as("blue-bakery", Role::Admin, "/api/candidates/FIX-1/orders")
        .await;
    kept.keep("candidate_orders_admin", "orders", status, body);
    let (status, body) = harness
        .get(
            "blue-bakery",
            "/api/orders?custom_id=FIX-1&custom_id=NOBODY",
        )
        .await;
    kept.keep("orders_by_candidate", "orders_by_candidate", status, body);

    // A provider refusal part-way, which keeps the order for a retry.
    harness
        .fault(json!({"account_id": "acct_no_hierarchy",
            "fail_step": {"endpoint": "invitations", "status": 400,
                "message": "Package is temporarily unavailable"}}))
        .await;
    let (status, body) = harness
        .post("blue-bakery", "/api/orders", &us_order("FIX-2", &package))
        .await;
    kept.keep("error_provider_refused", "error_body", status, body.clone());
    harness.clear_faults().await;
    let retry = format!(
        "/api/orders/{}/retry",
        body["order"]["id"].as_str().unwrap()
    );
    let (status, body) = harness.post("blue-bakery", &retry, &json!({})).await;
    kept.keep("order_retried", "order", status, body);

    // Deauthorized last: the account orders nothing after it.
    let revoked = harness
        .http
        .post(harness.sandbox("/oauth/deauthorize"))
        .basic_auth("sandbox_key_no_hierarchy", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let mut session = Value::Null;
    for _ in 0..100 {
        let (status, body) = harness
            .get_as("blue-bakery", Role::Admin, "/api/session")
            .await;
        session = json!([status, body]);
        if body["connection"] == "deauthorized" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(session[1]["connection"], "deauthorized", "{session}");
    kept.keep(
        "session_deauthorized_admin",
        "session",
        200,
        session[1].clone(),
    );
    let (status, body) = harness
        .post("blue-bakery", "/api/orders", &us_order("FIX-3", &package))
        .await;
    kept.keep("error_disconnected", "error_body", status, body);
    kept
}

#[tokio::test]
async fn the_widgets_fixture_matches_what_the_proxy_answers() {
    let harness = Harness::start().await;
    let recorded = record(&harness).await;
    let mut normaliser = Normaliser {
        hosts: vec![
            (harness.running.address.to_string(), "<proxy>".to_owned()),
            (
                harness.running.sandbox_address.unwrap().to_string(),
                "<sandbox>".to_owned(),
            ),
        ],
        ids: Vec::new(),
    };
    for entry in recorded.0.values() {
        normaliser.collect(None, entry);
    }
    let mut entries = Map::new();
    for (name, entry) in &recorded.0 {
        entries.insert(name.clone(), normaliser.value(None, entry));
    }
    harness.stop().await;
    let actual = format!(
        "{}\n",
        serde_json::to_string_pretty(&Value::Object(entries)).unwrap()
    );

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os(UPDATE).is_some_and(|set| set == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != actual {
        let first_difference = committed
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (was, now))| was != now)
            .map_or_else(
                || "one file is a prefix of the other".to_owned(),
                |(line, (was, now))| {
                    format!("line {}:\n  fixture: {was}\n  proxy:   {now}", line + 1)
                },
            );
        panic!(
            "the proxy's responses no longer match {FIXTURE}, which the widget's decoders are \
             tested against ({first_difference}).\nIf the change is deliberate, rerun with \
             {UPDATE}=1 to rewrite the fixture, review its diff, and check the widget still \
             reads it (cargo test --target wasm32-unknown-unknown --test widget)."
        );
    }
}
