//! Screening-level statuses and results over real HTTP: the proxy reads each screening from
//! the sandbox's per-type resources when report events arrive, keeps them with the order, and
//! serves `GET /api/orders/{id}/screenings` shaped for each role.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use bgcheck::proxy::identity::Role;
use serde_json::{Value, json};
use support::{Harness, place_us_order, sandbox_control, set_customer_type};

const ACCOUNT: &str = "blue-bakery";

/// The order's screenings as `role` sees them, once `done` holds (the proxy reads them in
/// the background after the webhook); panics after a few seconds.
async fn screenings_when(
    harness: &Harness,
    role: Role,
    order_id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/orders/{order_id}/screenings");
    for _ in 0..100 {
        let (status, answer) = harness.get_as(ACCOUNT, role, &path).await;
        assert_eq!(status, 200, "{answer}");
        if done(&answer) {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, answer) = harness.get_as(ACCOUNT, role, &path).await;
    panic!("the screenings never reached the expected state: {answer}");
}

fn statuses(answer: &Value) -> Vec<(String, String)> {
    answer["screenings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|screening| {
            (
                screening["name"].as_str().unwrap().to_owned(),
                screening["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn complete_screening(harness: &Harness, screening_id: &str, result: &str) -> u16 {
    let path = format!("/sandbox/screenings/{screening_id}/complete");
    sandbox_control(harness, &path, &json!({"result": result})).await
}

fn reads_of_screenings(requests: &[Value]) -> usize {
    requests
        .iter()
        .filter(|request| {
            let path = request["path"].as_str().unwrap_or_default();
            request["method"] == "GET"
                && [
                    "/v1/ssn_traces/",
                    "/v1/county_criminal_searches/",
                    "/v1/national_criminal_searches/",
                    "/v1/motor_vehicle_reports/",
                ]
                .iter()
                .any(|prefix| path.starts_with(prefix))
        })
        .count()
}

#[tokio::test]
async fn an_order_without_a_report_has_no_screenings_yet() {
    let harness = Harness::start().await;
    let (_, order) = place_us_order(&harness, ACCOUNT, "SCR-0").await;
    let (status, answer) = harness
        .get_as(
            ACCOUNT,
            Role::Recruiter,
            &format!("/api/orders/{}/screenings", order["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["report_id"], Value::Null);
    assert_eq!(answer["fetched_at"], Value::Null);
    assert_eq!(answer["screenings"], json!([]));
    harness.stop().await;
}

#[tokio::test]
async fn screenings_follow_report_events_one_by_one() {
    let harness = Harness::start().await;
    let (_, order) = place_us_order(&harness, ACCOUNT, "SCR-1").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let invitation = order["invitation_id"].as_str().unwrap().to_owned();
    let created = harness.step(&invitation, "invitation_completed").await;
    let report = &created["report"];

    let answer = screenings_when(&harness, Role::Adjudicator, &order_id, |answer| {
        !answer["screenings"].as_array().unwrap().is_empty()
    })
    .await;
    assert_eq!(answer["report_id"], report["id"]);
    let listed = statuses(&answer);
    assert_eq!(listed[0], ("SSN trace".to_owned(), "pending".to_owned()));
    assert!(
        listed.iter().all(|(_, status)| status == "pending"),
        "{answer}"
    );

    // One search finds a record: `report.updated` makes the proxy read again.
    let search = answer["screenings"][1].clone();
    let search_id = search["id"].as_str().unwrap();
    assert_eq!(
        complete_screening(&harness, search_id, "consider").await,
        200
    );
    let answer = screenings_when(&harness, Role::Adjudicator, &order_id, |answer| {
        answer["screenings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|screening| screening["id"] == search_id && screening["status"] == "complete")
    })
    .await;
    let found = answer["screenings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|screening| screening["id"] == search_id)
        .unwrap();
    assert_eq!(found["result"], "consider");
    assert_eq!(found["name"], search["name"]);
    assert_eq!(found["status"], "complete");
    // A screening finishes once.
    assert_eq!(complete_screening(&harness, search_id, "clear").await, 409);
    harness.stop().await;
}

#[tokio::test]
async fn opening_the_list_again_does_not_read_checkr_again() {
    let harness = Harness::start().await;
    let (_, order) = place_us_order(&harness, ACCOUNT, "SCR-2").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    harness
        .step(order["invitation_id"].as_str().unwrap(), "report_clear")
        .await;
    screenings_when(&harness, Role::Admin, &order_id, |answer| {
        let listed = statuses(answer);
        !listed.is_empty() && listed.iter().all(|(_, status)| status == "complete")
    })
    .await;
    // Let any read the last events started finish before counting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = reads_of_screenings(&harness.upstream("acct_no_hierarchy").await);
    for _ in 0..3 {
        let (status, _) = harness
            .get_as(
                ACCOUNT,
                Role::Recruiter,
                &format!("/api/orders/{order_id}/screenings"),
            )
            .await;
        assert_eq!(status, 200);
    }
    let after = reads_of_screenings(&harness.upstream("acct_no_hierarchy").await);
    assert!(
        before > 0,
        "the screenings were read from Checkr's resources"
    );
    assert_eq!(before, after, "page loads answer from what the proxy kept");
    harness.stop().await;
}

#[tokio::test]
async fn a_segregated_recruiter_sees_statuses_but_not_results_and_everyone_sees_why_one_was_canceled()
 {
    let harness = Harness::start().await;
    set_customer_type(&harness, ACCOUNT, "segregated").await;
    let (_, order) = place_us_order(&harness, ACCOUNT, "SCR-3").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    harness
        .step(
            order["invitation_id"].as_str().unwrap(),
            "report_clear_with_canceled",
        )
        .await;
    let adjudicator = screenings_when(&harness, Role::Adjudicator, &order_id, |answer| {
        statuses(answer)
            .iter()
            .any(|(_, status)| status == "canceled")
    })
    .await;
    assert_eq!(adjudicator["results_shown"], true);
    assert_eq!(adjudicator["screenings"][0]["result"], "clear");

    let (status, recruiter) = harness
        .get_as(
            ACCOUNT,
            Role::Recruiter,
            &format!("/api/orders/{order_id}/screenings"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(recruiter["results_shown"], false);
    assert_eq!(statuses(&recruiter), statuses(&adjudicator));
    for screening in recruiter["screenings"].as_array().unwrap() {
        assert_eq!(screening["result"], Value::Null, "{recruiter}");
        if screening["status"] == "canceled" {
            assert_eq!(
                screening["cancellation_reason"],
                "The customer completed the report before this screening finished"
            );
        }
    }
    harness.stop().await;
}

#[tokio::test]
async fn another_accounts_order_is_not_found() {
    let harness = Harness::start().await;
    let (_, order) = place_us_order(&harness, ACCOUNT, "SCR-4").await;
    let (status, answer) = harness
        .get_as(
            "corner-cafe",
            Role::Admin,
            &format!("/api/orders/{}/screenings", order["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(status, 404, "{answer}");
    harness.stop().await;
}

#[tokio::test]
async fn bare_report_events_still_bring_the_screenings_by_reading_the_report() {
    let harness = Harness::start().await;
    let response = harness
        .http
        .post(harness.sandbox("/sandbox/accounts/acct_no_hierarchy/webhook_settings"))
        .json(&json!({"include_object": false}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let (_, order) = place_us_order(&harness, ACCOUNT, "SCR-5").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    harness
        .step(order["invitation_id"].as_str().unwrap(), "report_consider")
        .await;
    let answer = screenings_when(&harness, Role::Adjudicator, &order_id, |answer| {
        let listed = statuses(answer);
        !listed.is_empty() && listed.iter().all(|(_, status)| status == "complete")
    })
    .await;
    assert!(
        answer["screenings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|screening| screening["result"] == "consider"),
        "{answer}"
    );
    harness.stop().await;
}
