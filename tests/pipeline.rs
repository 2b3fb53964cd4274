//! Many badges on one page, proxy side: one batched status call for many applicants, and a
//! live stream that carries only the applicants it asked for, of its own account.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Harness, first_package, us_order};

/// Places a US order for `custom_id` on `account`; returns the order as the proxy answered.
async fn order(harness: &Harness, account: &str, custom_id: &str) -> Value {
    let package = first_package(harness, account).await;
    let (status, order) = harness
        .post(account, "/api/orders", &us_order(custom_id, &package))
        .await;
    assert_eq!(status, 201, "{order}");
    order
}

fn ids_query(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("custom_id={id}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn one_call_returns_each_applicants_orders_exactly_as_the_single_call_does() {
    let harness = Harness::start().await;
    order(&harness, "blue-bakery", "PIPE-1").await;
    order(&harness, "blue-bakery", "PIPE-1").await;
    order(&harness, "blue-bakery", "PIPE-2").await;

    let (status, body) = harness
        .get(
            "blue-bakery",
            "/api/orders?custom_id=PIPE-1&custom_id=PIPE-2&custom_id=NOBODY&custom_id=PIPE-1",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let candidates = body["candidates"].as_object().unwrap();
    assert_eq!(candidates.len(), 3, "each applicant once: {body}");
    for id in ["PIPE-1", "PIPE-2"] {
        let (_, single) = harness
            .get("blue-bakery", &format!("/api/candidates/{id}/orders"))
            .await;
        assert_eq!(candidates[id], single, "{id} as the single call shows it");
    }
    assert_eq!(candidates["PIPE-1"].as_array().unwrap().len(), 2);
    assert_eq!(candidates["NOBODY"], Value::Array(Vec::new()));

    let (_, other) = harness
        .get("corner-cafe", "/api/orders?custom_id=PIPE-1")
        .await;
    assert_eq!(
        other["candidates"]["PIPE-1"],
        Value::Array(Vec::new()),
        "another account's orders for the same applicant id stay out"
    );
    harness.stop().await;
}

#[tokio::test]
async fn the_batched_call_is_bounded_with_a_clear_error() {
    let harness = Harness::start().await;
    let ids: Vec<String> = (0..201).map(|n| format!("A-{n}")).collect();

    let (status, body) = harness
        .get(
            "blue-bakery",
            &format!("/api/orders?{}", ids_query(&ids[..200])),
        )
        .await;
    assert_eq!(status, 200, "200 applicants fit in one call: {body}");
    assert_eq!(body["candidates"].as_object().unwrap().len(), 200);

    let (status, body) = harness
        .get("blue-bakery", &format!("/api/orders?{}", ids_query(&ids)))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "malformed_request");
    assert!(
        body["message"].as_str().unwrap().contains("At most 200"),
        "{body}"
    );

    let (status, body) = harness.get("blue-bakery", "/api/orders").await;
    assert_eq!(status, 400, "no applicant named: {body}");
    let (status, _) = harness
        .get("blue-bakery", "/api/orders?custom_id=%20")
        .await;
    assert_eq!(status, 400, "a blank applicant id");

    let token = harness.token("blue-bakery");
    let streamed = harness
        .http
        .get(harness.url(&format!("/api/events?token={token}&{}", ids_query(&ids))))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 400, "the stream's list is bounded too");
    harness.stop().await;
}

#[tokio::test]
async fn a_stream_gets_only_the_applicants_it_asked_for_and_nothing_from_another_account() {
    let harness = Harness::start().await;
    let token = harness.token("blue-bakery");
    let mut stream = harness
        .http
        .get(harness.url(&format!(
            "/api/events?token={token}&custom_id=WANTED&custom_id=ALSO-WANTED"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    // Changes the stream must not carry, published before the one it must.
    let elsewhere = order(&harness, "corner-cafe", "WANTED").await;
    let unasked = order(&harness, "blue-bakery", "NOT-ASKED").await;
    harness
        .step(unasked["invitation_id"].as_str().unwrap(), "report_clear")
        .await;
    let wanted = order(&harness, "blue-bakery", "WANTED").await;
    harness
        .step(wanted["invitation_id"].as_str().unwrap(), "report_clear")
        .await;

    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !seen.contains("\"label\":\"Clear\"") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the wanted applicant's update in time")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let orders: Vec<Value> = seen
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| serde_json::from_str(data.trim()).unwrap())
        .collect();
    assert!(orders.len() >= 2, "invited, then clear: {seen}");
    for streamed in &orders {
        assert_eq!(streamed["custom_id"], "WANTED", "{seen}");
        assert_eq!(streamed["id"], wanted["id"], "only this account's order");
    }
    assert!(!seen.contains(elsewhere["id"].as_str().unwrap()));
    assert!(!seen.contains(unasked["id"].as_str().unwrap()));
    harness.stop().await;
}

/// Reads `stream` until an event satisfies `wanted`; returns that event.
async fn next_event(
    stream: &mut reqwest::Response,
    buffer: &mut String,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|line| line.strip_prefix("data:")) {
                let event: Value = serde_json::from_str(data.trim()).unwrap();
                if wanted(&event) {
                    return event;
                }
            }
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the update in time")
            .unwrap()
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn a_stream_reads_badges_with_the_customer_type_an_admin_switches_to() {
    let harness = Harness::start().await;
    let token = harness.token("blue-bakery");
    let mut stream = harness
        .http
        .get(harness.url(&format!("/api/events?token={token}&custom_id=SWITCH")))
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    let placed = order(&harness, "blue-bakery", "SWITCH").await;
    harness
        .step(placed["invitation_id"].as_str().unwrap(), "report_consider")
        .await;
    next_event(&mut stream, &mut buffer, |order| {
        order["badge"]["label"] == "Needs Review"
    })
    .await;

    let (status, body) = harness
        .send_as(
            "blue-bakery",
            bgcheck::proxy::identity::Role::Admin,
            reqwest::Method::PUT,
            "/api/account/settings",
            &serde_json::json!({"customer_type": "segregated"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    harness
        .step(placed["invitation_id"].as_str().unwrap(), "report_disputed")
        .await;
    // Copies of the consider state may still be on their way; the next other state is the
    // dispute's.
    let after = next_event(&mut stream, &mut buffer, |order| {
        order["badge"]["label"] != "Needs Review"
    })
    .await;
    assert_eq!(
        after["badge"]["label"], "Pending",
        "the same open stream now reads as a segregated recruiter's (combined: Disputed)"
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_stream_starts_with_the_asked_applicants_orders_so_no_change_is_lost_before_it_opened() {
    let harness = Harness::start().await;
    let placed = order(&harness, "blue-bakery", "EARLY").await;
    order(&harness, "blue-bakery", "NOT-ASKED").await;
    harness
        .step(placed["invitation_id"].as_str().unwrap(), "report_clear")
        .await;
    harness
        .wait_for(
            "blue-bakery",
            bgcheck::proxy::identity::Role::Recruiter,
            "EARLY",
            |order| order["badge"]["label"] == "Clear",
        )
        .await;

    let token = harness.token("blue-bakery");
    let mut stream = harness
        .http
        .get(harness.url(&format!("/api/events?token={token}&custom_id=EARLY")))
        .send()
        .await
        .unwrap();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !seen.contains("\n\n") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the current state at once")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let first: Value = seen
        .lines()
        .find_map(|line| line.strip_prefix("data:"))
        .map(|data| serde_json::from_str(data.trim()).unwrap())
        .unwrap();
    assert_eq!(first["id"], placed["id"]);
    assert_eq!(first["badge"]["label"], "Clear", "as it stands now");
    assert!(!seen.contains("NOT-ASKED"));
    harness.stop().await;
}
