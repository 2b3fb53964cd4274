//! The line under the badge of an open report, over real HTTP: `verification.*` webhooks
//! from the sandbox and the report's screenings, served with the order's screenings.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use bgcheck::proxy::identity::Role;
use serde_json::{Value, json};
use support::{Harness, first_package, us_order};

const ACCOUNT: &str = "blue-bakery";

async fn details_when(harness: &Harness, order_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let path = format!("/api/orders/{order_id}/screenings");
    for _ in 0..100 {
        let (status, answer) = harness.get_as(ACCOUNT, Role::Recruiter, &path).await;
        assert_eq!(status, 200, "{answer}");
        if done(&answer) {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, answer) = harness.get_as(ACCOUNT, Role::Recruiter, &path).await;
    panic!("never reached the expected state: {answer}");
}

async fn verification(harness: &Harness, report_id: &str, body: Value) -> (u16, Value) {
    let response = harness
        .http
        .post(harness.sandbox(&format!("/sandbox/reports/{report_id}/verifications")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_line_under_the_badge_follows_the_candidates_id_verification_then_the_screenings() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    let (status, order) = harness
        .post(ACCOUNT, "/api/orders", &us_order("PRG-1", &package))
        .await;
    assert_eq!(status, 201, "{order}");
    let order_id = order["id"].as_str().unwrap().to_owned();
    let created = harness
        .step(
            order["invitation_id"].as_str().unwrap(),
            "invitation_completed",
        )
        .await;
    let report_id = created["report"]["id"].as_str().unwrap().to_owned();
    let badge_before = harness
        .wait_for(ACCOUNT, Role::Recruiter, "PRG-1", |order| {
            order["report_id"] == report_id.as_str()
        })
        .await["badge"]
        .clone();

    let (status, answer) = verification(
        &harness,
        &report_id,
        json!({"event": "created", "verification_type": "id"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let verification_id = answer["verification"]["id"].as_str().unwrap().to_owned();
    details_when(&harness, &order_id, |answer| {
        answer["progress"] == "Waiting for the candidate's ID verification"
    })
    .await;
    // The badge keeps the seed's mapping.
    let listed = harness
        .wait_for(ACCOUNT, Role::Recruiter, "PRG-1", |_| true)
        .await;
    assert_eq!(listed["badge"], badge_before);

    verification(
        &harness,
        &report_id,
        json!({"event": "completed", "id": verification_id}),
    )
    .await;
    details_when(&harness, &order_id, |answer| {
        answer["progress"] == "Checkr is reviewing the candidate's ID verification"
    })
    .await;
    verification(
        &harness,
        &report_id,
        json!({"event": "processed", "id": verification_id}),
    )
    .await;
    let answer = details_when(&harness, &order_id, |answer| {
        !answer["progress"]
            .as_str()
            .is_some_and(|line| line.contains("ID verification"))
            && !answer["screenings"].as_array().unwrap().is_empty()
    })
    .await;
    assert_eq!(answer["progress"], Value::Null, "no screening finished yet");

    // One screening finishes: the line counts it.
    let first = answer["screenings"][0]["id"].as_str().unwrap().to_owned();
    let response = harness
        .http
        .post(harness.sandbox(&format!("/sandbox/screenings/{first}/complete")))
        .json(&json!({"result": "clear"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let total = answer["screenings"].as_array().unwrap().len();
    let expected = format!("1 of {total} screenings finished");
    details_when(&harness, &order_id, |answer| {
        answer["progress"] == expected.as_str()
    })
    .await;

    // The candidate's own verification link is never kept.
    let stored = harness.database_text().await;
    assert!(
        !stored.contains("/sandbox/verify/"),
        "the verification_url was stored"
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_late_created_event_does_not_move_a_verification_back() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    let (_, order) = harness
        .post(ACCOUNT, "/api/orders", &us_order("PRG-2", &package))
        .await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let created = harness
        .step(
            order["invitation_id"].as_str().unwrap(),
            "invitation_completed",
        )
        .await;
    let report_id = created["report"]["id"].as_str().unwrap().to_owned();
    harness
        .wait_for(ACCOUNT, Role::Recruiter, "PRG-2", |order| {
            order["report_id"] == report_id.as_str()
        })
        .await;
    let (_, answer) = verification(&harness, &report_id, json!({"event": "created"})).await;
    let id = answer["verification"]["id"].as_str().unwrap().to_owned();
    verification(
        &harness,
        &report_id,
        json!({"event": "completed", "id": id}),
    )
    .await;
    details_when(&harness, &order_id, |answer| {
        answer["progress"] == "Checkr is reviewing the candidate's ID verification"
    })
    .await;
    // Redelivered out of order: `created` again, under a new event id.
    verification(&harness, &report_id, json!({"event": "created", "id": id})).await;
    // A later event proves the redelivery was processed before it.
    let (_, other) = verification(
        &harness,
        &report_id,
        json!({"event": "created", "verification_type": "document"}),
    )
    .await;
    assert!(other["verification"]["id"].is_string());
    details_when(&harness, &order_id, |answer| {
        answer["progress"] == "Waiting for the candidate's document upload"
    })
    .await;
    harness.stop().await;
}
