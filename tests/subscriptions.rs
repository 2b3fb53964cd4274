//! Subscriptions over real HTTP against the sandbox: a package re-run for an employee at an
//! interval (US only), listed with its next run, changed, canceled; its reports join the
//! applicant's orders.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bgcheck::proxy::identity::Role;
use reqwest::Method;
use serde_json::{Value, json};
use support::{Harness, place_abroad_order, place_us_order};

const ACCOUNT: &str = "blue-bakery";
const PATH: &str = "/api/candidates/EMP-1/subscriptions";

/// A date `days` from now, as `YYYY-MM-DD`.
fn in_days(days: i64) -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    bgcheck::domain::subscription::Day::of_unix_seconds(seconds + days * 86_400).to_iso()
}

async fn send(
    harness: &Harness,
    role: Role,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    harness.send_as(ACCOUNT, role, method, path, &body).await
}

#[tokio::test]
async fn an_adjudicator_subscribes_an_employee_changes_the_interval_and_cancels() {
    let harness = Harness::start().await;
    let (package, _) = place_us_order(&harness, ACCOUNT, "EMP-1").await;
    let start = in_days(10);
    let (status, created) = send(
        &harness,
        Role::Adjudicator,
        Method::POST,
        PATH,
        json!({"package": package, "start_date": start, "interval_count": 1, "interval_unit": "year"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "active");
    assert_eq!(created["next_occurrence_date"], start.as_str());
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, listed) = harness.get_as(ACCOUNT, Role::Recruiter, PATH).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["interval_unit"], "year");

    let (status, changed) = send(
        &harness,
        Role::Adjudicator,
        Method::POST,
        &format!("{PATH}/{id}"),
        json!({"interval_count": 6, "interval_unit": "month"}),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["interval_count"], 6);
    assert_eq!(changed["interval_unit"], "month");

    let (status, ended) = send(
        &harness,
        Role::Adjudicator,
        Method::DELETE,
        &format!("{PATH}/{id}"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["status"], "inactive");
    assert!(ended["canceled_at"].is_string());
    assert_eq!(ended["next_occurrence_date"], Value::Null);
    harness.stop().await;
}

#[tokio::test]
async fn bad_requests_get_field_errors_and_nothing_reaches_checkr() {
    let harness = Harness::start().await;
    place_us_order(&harness, ACCOUNT, "EMP-1").await;
    let (status, answer) = send(
        &harness,
        Role::Admin,
        Method::POST,
        PATH,
        json!({"package": "", "start_date": in_days(-1), "interval_count": 0, "interval_unit": "fortnight"}),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    for field in ["package", "start_date", "interval_count", "interval_unit"] {
        assert!(answer["fields"][field].is_string(), "{field}: {answer}");
    }
    let sent = harness
        .upstream_posts("acct_no_hierarchy", "/v1/subscriptions")
        .await;
    assert!(sent.is_empty());
    let (status, _) = send(
        &harness,
        Role::Recruiter,
        Method::POST,
        PATH,
        json!({"package": "x", "start_date": in_days(1), "interval_count": 1, "interval_unit": "year"}),
    )
    .await;
    assert_eq!(status, 403);
    harness.stop().await;
}

#[tokio::test]
async fn only_employees_in_the_us_can_be_subscribed_and_others_subscriptions_are_not_found() {
    let harness = Harness::start().await;
    let package = place_abroad_order(&harness, ACCOUNT, "EMP-GB").await;
    let body = json!({"package": package, "start_date": in_days(1), "interval_count": 1, "interval_unit": "year"});
    let (status, answer) = send(
        &harness,
        Role::Admin,
        Method::POST,
        "/api/candidates/EMP-GB/subscriptions",
        body.clone(),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("US work locations only")
    );

    place_us_order(&harness, ACCOUNT, "EMP-1").await;
    let (_, created) = send(&harness, Role::Admin, Method::POST, PATH, body).await;
    let id = created["id"].as_str().unwrap();
    let (status, _) = send(
        &harness,
        Role::Admin,
        Method::DELETE,
        &format!("/api/candidates/EMP-GB/subscriptions/{id}"),
        json!({}),
    )
    .await;
    assert_eq!(status, 404);
    harness.stop().await;
}

#[tokio::test]
async fn a_report_of_a_subscription_joins_the_applicants_orders_and_the_next_run_moves_on() {
    let harness = Harness::start().await;
    let (package, _) = place_us_order(&harness, ACCOUNT, "EMP-1").await;
    let today = in_days(0);
    let (_, created) = send(
        &harness,
        Role::Admin,
        Method::POST,
        PATH,
        json!({"package": package, "start_date": today, "interval_count": 1, "interval_unit": "week"}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let response = harness
        .http
        .post(harness.sandbox(&format!("/sandbox/subscriptions/{id}/run")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let run: Value = response.json().await.unwrap();
    let order = harness
        .wait_for(ACCOUNT, Role::Admin, "EMP-1", |order| {
            order["ordered_by"] == "Checkr subscription" && order["badge"]["label"] == "Clear"
        })
        .await;
    assert_eq!(order["report_id"], run["report"]["id"]);
    let (_, listed) = harness.get_as(ACCOUNT, Role::Admin, PATH).await;
    assert_eq!(listed[0]["next_occurrence_date"], in_days(7).as_str());
    harness.stop().await;
}
