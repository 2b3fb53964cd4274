//! Each role receives only what it may see, over real HTTP: every row of the seed's status
//! table is driven through the sandbox for a segregated customer, and the JSON its recruiter
//! receives (the order answer, the candidate's list and every live-stream event) holds no
//! result, adjudication or assessment until an adjudicator engages, while its adjudicator
//! receives them. No one receives the candidate's invitation URL.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use bgcheck::proxy::identity::Role;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use support::{Harness, first_package, us_order};

const ACCOUNT: &str = "blue-bakery";

/// Values, as they appear in JSON, that a segregated customer's recruiter never receives
/// before engagement: results and adjudications the seed's ² column shows as "Pending", the
/// dispute status (only a consider result can be disputed), and every Assess verdict.
const WITHHELD: [&str; 7] = [
    "\"consider\"",
    "\"pre_adverse_action\"",
    "\"dispute\"",
    "\"paused\"",
    "\"eligible\"",
    "\"review\"",
    "\"escalated\"",
];

/// An open `/api/events` stream and what has been read of it.
struct Events {
    response: Response,
    buffer: String,
}

impl Events {
    async fn open(harness: &Harness, role: Role) -> Self {
        let token = harness.token_as(ACCOUNT, role);
        let response = harness
            .http
            .get(harness.url(&format!("/api/events?token={token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// Every order event up to and including the first one for `custom_id`.
    async fn until(&mut self, custom_id: &str) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut events = Vec::new();
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let Some(data) = frame.lines().find_map(|line| line.strip_prefix("data: ")) else {
                    continue; // a keep-alive comment
                };
                let event: Value = serde_json::from_str(data).unwrap();
                let done = event["custom_id"] == custom_id;
                events.push(event);
                if done {
                    return events;
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .expect("the event in time")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

async fn set_customer_type(harness: &Harness, customer_type: &str) {
    let (status, body) = harness
        .send_as(
            ACCOUNT,
            Role::Admin,
            Method::PUT,
            "/api/account/settings",
            &json!({"customer_type": customer_type}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

/// Places an order as the recruiter; returns the order answer.
async fn place(harness: &Harness, custom_id: &str) -> Value {
    let package = first_package(harness, ACCOUNT).await;
    let (status, order) = harness
        .post(ACCOUNT, "/api/orders", &us_order(custom_id, &package))
        .await;
    assert_eq!(status, 201, "{order}");
    order
}

async fn delivery(harness: &Harness, path: &str, body: Value) {
    let response = harness
        .http
        .post(harness.sandbox(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}");
}

async fn list(harness: &Harness, role: Role, custom_id: &str) -> Value {
    let (status, orders) = harness
        .get_as(
            ACCOUNT,
            role,
            &format!("/api/candidates/{custom_id}/orders"),
        )
        .await;
    assert_eq!(status, 200, "{orders}");
    orders[0].clone()
}

/// Whether screenings were canceled, so the proxy goes on to read why and sends the order again.
fn has_canceled_screenings(order: &Value) -> bool {
    let report = &order["status"]["report"];
    report["includes_canceled"] == true || report["status"] == "canceled"
}

/// What a segregated customer's recruiter may hold of one order, checked on one payload.
fn assert_recruiter_may_hold(order: &Value) {
    let json = order.to_string();
    assert!(
        order.get("invitation_url").is_none(),
        "no invitation URL: {json}"
    );
    assert!(order["report_url"].is_null(), "no report link: {json}");
    let report = &order["status"]["report"];
    if report["adjudication"] == "engaged" {
        return;
    }
    for value in WITHHELD {
        assert!(
            !json.contains(value),
            "the recruiter receives {value}: {json}"
        );
    }
    if order["badge"]["label"] == "Pending" && report.is_object() {
        for field in ["result", "adjudication", "assessment"] {
            assert!(
                report[field].is_null(),
                "a Pending report shows no {field}: {json}"
            );
        }
        assert_ne!(
            report["includes_canceled"], true,
            "a Pending report does not hint at canceled screenings: {json}"
        );
    }
}

/// Drives one row of the seed's table for a segregated customer, with the recruiter and the
/// adjudicator each following the live stream, and checks what each of them received.
async fn check_row(steps: &[&str], segregated: &str, revealed: &[&str]) {
    let harness = Harness::start().await;
    set_customer_type(&harness, "segregated").await;
    let mut recruiter = Events::open(&harness, Role::Recruiter).await;
    let mut adjudicator = Events::open(&harness, Role::Adjudicator).await;

    // Held, then released one by one: once released, every webhook of the row is applied.
    delivery(&harness, "/sandbox/delivery", json!({"hold": true})).await;
    let answer = place(&harness, "ROW-1").await;
    assert_recruiter_may_hold(&answer);
    let invitation = answer["invitation_id"].as_str().unwrap().to_owned();
    for step in steps {
        harness.step(&invitation, step).await;
    }
    delivery(&harness, "/sandbox/delivery/release", json!({})).await;
    // Reading why screenings were canceled sends the order once more, afterwards.
    harness
        .wait_for(ACCOUNT, Role::Adjudicator, "ROW-1", |order| {
            !has_canceled_screenings(order)
                || order["cancellation_reasons"]
                    .as_array()
                    .is_some_and(|reasons| !reasons.is_empty())
        })
        .await;
    // Reads of Checkr the fold asked for settle the row after the webhooks; once none is
    // left, the row's last change is made.
    for _ in 0..200 {
        let store = harness.running.state.store();
        if store.due_reads(i64::MAX, true).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Events arrive in the order they were sent, so a later order's event closes the row's.
    place(&harness, "SENTINEL").await;

    let recruiter_events = recruiter.until("SENTINEL").await;
    let row_events: Vec<&Value> = recruiter_events
        .iter()
        .filter(|event| event["custom_id"] == "ROW-1")
        .collect();
    assert!(
        !row_events.is_empty(),
        "the recruiter follows the order live"
    );
    for event in &row_events {
        assert_recruiter_may_hold(event);
    }
    let as_recruiter = list(&harness, Role::Recruiter, "ROW-1").await;
    assert_recruiter_may_hold(&as_recruiter);
    assert_eq!(as_recruiter["badge"]["label"], segregated, "{as_recruiter}");

    let adjudicator_events = adjudicator.until("SENTINEL").await;
    let as_adjudicator = list(&harness, Role::Adjudicator, "ROW-1").await;
    assert_eq!(
        as_adjudicator["badge"]["label"], segregated,
        "{as_adjudicator}"
    );
    assert!(
        as_adjudicator.get("invitation_url").is_none(),
        "{as_adjudicator}"
    );
    let last_event = adjudicator_events
        .iter()
        .rev()
        .find(|event| event["custom_id"] == "ROW-1")
        .expect("the adjudicator follows the order live");
    for value in revealed {
        for (what, payload) in [("list", &as_adjudicator), ("live event", last_event)] {
            assert!(
                payload.to_string().contains(value),
                "the adjudicator's {what} holds {value}: {payload}"
            );
        }
    }
    if as_adjudicator["status"]["report"].is_object() {
        assert!(as_adjudicator["report_url"].is_string(), "{as_adjudicator}");
    }
    harness.stop().await;
}

macro_rules! seed_row {
    ($name:ident, [$($step:literal),*], $segregated:literal, [$($revealed:literal),*]) => {
        #[tokio::test]
        async fn $name() {
            check_row(&[$($step),*], $segregated, &[$($revealed),*]).await;
        }
    };
}

seed_row!(
    invitation_created_is_the_same_for_every_role,
    [],
    "Invitation Sent",
    []
);
seed_row!(
    invitation_completed_is_the_same_for_every_role,
    ["invitation_completed"],
    "Pending",
    []
);
seed_row!(
    invitation_expired_is_the_same_for_every_role,
    ["invitation_expired"],
    "Invitation Expired",
    ["\"expired\""]
);
seed_row!(
    invitation_deleted_is_the_same_for_every_role,
    ["invitation_deleted"],
    "Invitation Canceled",
    ["\"deleted\""]
);
seed_row!(
    a_clear_report_is_clear_for_every_role,
    ["report_clear"],
    "Clear",
    ["\"result\":\"clear\""]
);
seed_row!(
    a_clear_report_with_canceled_screenings_is_withheld_from_recruiters,
    ["report_clear_with_canceled"],
    "Pending",
    ["\"result\":\"clear\"", "\"includes_canceled\":true"]
);
seed_row!(
    a_report_with_every_screening_canceled_is_canceled_for_every_role,
    ["report_all_canceled_on_complete"],
    "Canceled",
    ["\"includes_canceled\":true"]
);
seed_row!(
    a_consider_result_is_withheld_from_recruiters,
    ["report_consider"],
    "Pending",
    ["\"consider\""]
);
seed_row!(
    pre_adverse_action_is_withheld_from_recruiters,
    ["report_consider", "report_pre_adverse_action"],
    "Pending",
    ["\"consider\"", "\"pre_adverse_action\""]
);
seed_row!(
    post_adverse_action_shows_not_eligible_without_the_result,
    [
        "report_consider",
        "report_pre_adverse_action",
        "report_post_adverse_action"
    ],
    "Not Eligible",
    ["\"consider\"", "\"post_adverse_action\""]
);
seed_row!(
    an_engaged_report_is_released_to_recruiters,
    ["report_consider", "report_engaged"],
    "Clear",
    ["\"consider\"", "\"engaged\""]
);
seed_row!(
    an_engaged_report_with_canceled_screenings_is_released_to_recruiters,
    ["report_clear_with_canceled", "report_engaged"],
    "Clear",
    ["\"result\":\"clear\"", "\"engaged\""]
);
seed_row!(
    a_suspended_report_is_suspended_for_every_role,
    ["report_suspended"],
    "Suspended",
    ["\"suspended\""]
);
seed_row!(
    a_resumed_report_is_pending_for_every_role,
    ["report_suspended", "report_resumed"],
    "Pending",
    []
);
seed_row!(
    a_dispute_is_withheld_from_recruiters,
    ["report_consider", "report_disputed"],
    "Pending",
    ["\"dispute\""]
);
seed_row!(
    a_canceled_report_is_canceled_for_every_role,
    ["report_canceled"],
    "Canceled",
    ["\"status\":\"canceled\""]
);
seed_row!(
    an_assess_verdict_is_withheld_from_recruiters,
    ["report_assess_completed"],
    "Clear",
    ["\"eligible\""]
);

#[tokio::test]
async fn a_combined_customers_recruiter_adjudicates_and_receives_the_result() {
    let harness = Harness::start().await;
    let mut recruiter = Events::open(&harness, Role::Recruiter).await;
    let answer = place(&harness, "COMBINED-1").await;
    let invitation = answer["invitation_id"].as_str().unwrap().to_owned();
    harness.step(&invitation, "report_consider").await;
    let listed = harness
        .wait_for(ACCOUNT, Role::Recruiter, "COMBINED-1", |order| {
            order["badge"]["label"] == "Needs Review"
        })
        .await;
    assert_eq!(listed["status"]["report"]["result"], "consider");
    assert!(
        listed["report_url"].is_null(),
        "still no Dashboard link (R15)"
    );
    place(&harness, "SENTINEL").await;
    let events = recruiter.until("SENTINEL").await;
    assert!(
        events
            .iter()
            .any(|event| event["status"]["report"]["result"] == "consider"),
        "the live stream carries it too"
    );
    harness.stop().await;
}
