//! Webhook events recorded as one batch, as the group-commit writer hands them to the store
//! when deliveries arrive together: each event must end as if recorded alone, in order. Runs
//! on the store the run asks for (`BGCHECK_TEST_STORE=postgres`: PostgreSQL, whose common
//! batches take a path of their own).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bgcheck::domain::events::Event;
use bgcheck::proxy::store::EventRecorded;
use serde_json::{Value, json};
use support::{Harness, first_package, us_order};

const ACCOUNT: &str = "blue-bakery";

async fn provider_account(harness: &Harness) -> String {
    harness
        .running
        .state
        .store()
        .account(ACCOUNT)
        .await
        .unwrap()
        .unwrap()
        .checkr_account_id
        .unwrap()
}

async fn place(harness: &Harness, custom_id: &str) -> Value {
    let package = first_package(harness, ACCOUNT).await;
    let (status, order) = harness
        .post(ACCOUNT, "/api/orders", &us_order(custom_id, &package))
        .await;
    assert_eq!(status, 201, "{order}");
    order
}

async fn badge(harness: &Harness, custom_id: &str) -> String {
    let (status, orders) = harness
        .get(ACCOUNT, &format!("/api/candidates/{custom_id}/orders"))
        .await;
    assert_eq!(status, 200, "{orders}");
    orders[0]["badge"]["label"].as_str().unwrap().to_owned()
}

fn event(id: &str, type_name: &str, seconds: u32, provider: &str, object: Value) -> Value {
    json!({"id": id, "object": "event", "type": type_name,
        "created_at": format!("2030-01-01T00:00:{seconds:02}Z"), "account_id": provider,
        "data": {"object": object}})
}

async fn record(harness: &Harness, events: &[Value]) -> Vec<EventRecorded> {
    let batch = events
        .iter()
        .map(|body| {
            let event: Event = serde_json::from_value(body.clone()).unwrap();
            (event, body.to_string(), "2030-01-01T00:01:00Z".to_owned())
        })
        .collect();
    harness
        .running
        .state
        .store()
        .record_events(batch)
        .await
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

fn changed_ids(recorded: &EventRecorded) -> Option<Vec<String>> {
    match recorded {
        EventRecorded::Stored { changed } => {
            Some(changed.iter().map(|order| order.id.clone()).collect())
        }
        EventRecorded::Duplicate => None,
    }
}

#[tokio::test]
async fn a_redelivery_inside_one_batch_is_a_duplicate_and_each_order_gets_its_own_event() {
    let harness = Harness::start().await;
    let provider = provider_account(&harness).await;
    let first = place(&harness, "B-1").await;
    let second = place(&harness, "B-2").await;
    let expired = |id: &str, invitation: &Value, seconds| {
        event(
            id,
            "invitation.expired",
            seconds,
            &provider,
            json!({"id": invitation, "object": "invitation", "status": "expired"}),
        )
    };
    let recorded = record(
        &harness,
        &[
            expired("evt_batch_1", &first["invitation_id"], 1),
            expired("evt_batch_1", &first["invitation_id"], 1),
            expired("evt_batch_2", &second["invitation_id"], 2),
            expired("evt_batch_3", &json!("nobodys_invitation"), 3),
        ],
    )
    .await;
    let ids: Vec<Option<Vec<String>>> = recorded.iter().map(changed_ids).collect();
    assert_eq!(
        ids,
        vec![
            Some(vec![first["id"].as_str().unwrap().to_owned()]),
            None,
            Some(vec![second["id"].as_str().unwrap().to_owned()]),
            Some(vec![]),
        ]
    );
    assert_eq!(badge(&harness, "B-1").await, "Invitation Expired");
    assert_eq!(badge(&harness, "B-2").await, "Invitation Expired");
    harness.stop().await;
}

#[tokio::test]
async fn a_batch_that_links_a_report_and_then_completes_it_ends_clear() {
    let harness = Harness::start().await;
    let provider = provider_account(&harness).await;
    let order = place(&harness, "B-3").await;
    let report = json!({"id": "rpt_batch", "object": "report", "status": "complete",
        "result": "clear", "candidate_id": order["candidate_id"], "package": order["package"]});
    let recorded = record(
        &harness,
        &[
            event(
                "evt_link",
                "invitation.completed",
                1,
                &provider,
                json!({"id": order["invitation_id"], "object": "invitation",
                    "status": "completed", "report_id": "rpt_batch"}),
            ),
            event("evt_done", "report.completed", 2, &provider, report),
        ],
    )
    .await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(changed_ids(&recorded[0]), Some(vec![order_id.clone()]));
    assert_eq!(changed_ids(&recorded[1]), Some(vec![order_id]));
    assert_eq!(badge(&harness, "B-3").await, "Clear");
    harness.stop().await;
}
