//! Assess over real HTTP: the sandbox grades a report (`report.updated` with `assessment`);
//! adjudicators, admins and combined customers' recruiters receive the grade, a segregated
//! customer's recruiter does not, and the badge stays the seed's.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bgcheck::proxy::identity::Role;
use serde_json::{Value, json};
use support::{Harness, first_package, sandbox_control, set_customer_type, us_order};

const ACCOUNT: &str = "blue-bakery";

async fn assess(harness: &Harness, report_id: &str, assessment: &str) -> u16 {
    let path = format!("/sandbox/reports/{report_id}/assessment");
    sandbox_control(harness, &path, &json!({"assessment": assessment})).await
}

/// A consider report graded `review` by Assess, for a customer of `customer_type`.
async fn graded(customer_type: &str) -> Harness {
    let harness = Harness::start().await;
    set_customer_type(&harness, ACCOUNT, customer_type).await;
    let package = first_package(&harness, ACCOUNT).await;
    let (_, order) = harness
        .post(ACCOUNT, "/api/orders", &us_order("ASSESS-1", &package))
        .await;
    let outcome = harness
        .step(order["invitation_id"].as_str().unwrap(), "report_consider")
        .await;
    let report_id = outcome["report"]["id"].as_str().unwrap().to_owned();
    assert_eq!(assess(&harness, &report_id, "review").await, 200);
    harness
        .wait_for(ACCOUNT, Role::Adjudicator, "ASSESS-1", |order| {
            order["status"]["report"]["assessment"] == "review"
        })
        .await;
    harness
}

#[tokio::test]
async fn adjudicators_and_admins_receive_the_assess_grade_and_a_segregated_recruiter_does_not() {
    let harness = graded("segregated").await;
    for role in [Role::Adjudicator, Role::Admin] {
        let (_, orders) = harness
            .get_as(ACCOUNT, role, "/api/candidates/ASSESS-1/orders")
            .await;
        assert_eq!(
            orders[0]["status"]["report"]["assessment"], "review",
            "{role:?}"
        );
        // The segregated column of the seed's table: the grade changes no badge.
        assert_eq!(orders[0]["badge"]["label"], "Pending", "{role:?}");
    }
    let (_, orders) = harness
        .get_as(ACCOUNT, Role::Recruiter, "/api/candidates/ASSESS-1/orders")
        .await;
    let text = orders.to_string();
    assert!(!text.contains("\"review\""), "{text}");
    assert_eq!(orders[0]["status"]["report"]["assessment"], Value::Null);
    assert_eq!(orders[0]["badge"]["label"], "Pending");
    harness.stop().await;
}

#[tokio::test]
async fn a_combined_customers_recruiter_adjudicates_and_sees_the_grade() {
    let harness = graded("combined").await;
    let (_, orders) = harness
        .get_as(ACCOUNT, Role::Recruiter, "/api/candidates/ASSESS-1/orders")
        .await;
    assert_eq!(orders[0]["status"]["report"]["assessment"], "review");
    assert_eq!(orders[0]["badge"]["label"], "Needs Review");
    harness.stop().await;
}

#[tokio::test]
async fn a_grade_is_for_a_known_word_only() {
    let harness = Harness::start().await;
    let response = harness
        .http
        .post(harness.sandbox("/sandbox/reports/nope/assessment"))
        .json(&json!({"assessment": "eligible"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = harness
        .http
        .post(harness.sandbox("/sandbox/reports/nope/assessment"))
        .json(&json!({"assessment": "great"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    harness.stop().await;
}
