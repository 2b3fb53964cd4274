//! Checkr's webhook/status table, folded from events, for both customer types.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
#[path = "vectors/checkr.rs"]
mod vectors;

use bgcheck::domain::checkr::{CustomerType, InvitationStatus};
use bgcheck::domain::events::{Event, EventData, EventObject, FoldedOrder, Outcome};
use bgcheck::domain::time::Timestamp;
use proptest::prelude::*;

macro_rules! native_case {
    ($name:ident, $row:expr) => {
        #[test]
        fn $name() {
            vectors::check(&$row);
        }
    };
}
checkr_rows!(native_case);

fn all_rows() -> Vec<vectors::Row> {
    let mut rows = Vec::new();
    macro_rules! push {
        ($name:ident, $row:expr) => {
            rows.push($row);
        };
    }
    checkr_rows!(push);
    rows
}

fn labels(folded: &FoldedOrder) -> (&'static str, &'static str) {
    let label = |customer| {
        folded
            .status
            .badge(customer)
            .map_or("none", |badge| badge.label)
    };
    (
        label(CustomerType::Combined),
        label(CustomerType::Segregated),
    )
}

proptest! {
    /// Checkr promises no ordering and retries for a day: any arrival order, with any event
    /// delivered again anywhere, must end where the in-order sequence ends.
    #[test]
    fn any_arrival_order_with_redeliveries_ends_in_the_in_order_badge(
        row_index in 0..18usize,
        shuffle_seed in any::<u64>(),
        redeliveries in proptest::collection::vec((any::<usize>(), any::<usize>()), 0..6),
    ) {
        let rows = all_rows();
        let row = &rows[row_index % rows.len()];
        let expected = labels(&vectors::fold(row, &(0..row.path.len()).collect::<Vec<_>>()));

        let mut order: Vec<usize> = (0..row.path.len()).collect();
        let mut state = shuffle_seed | 1;
        for i in (1..order.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for (which, at) in redeliveries {
            let event = order[which % order.len()];
            order.insert(at % (order.len() + 1), event);
        }
        prop_assert_eq!(labels(&vectors::fold(row, &order)), expected);
    }
}

#[test]
fn the_table_has_a_vector_for_every_row() {
    // 15 rows in the seed table, plus the engaged-after-canceled path, the Assess completion
    // and the absent includes_canceled field; the proptest above samples all of them.
    assert_eq!(all_rows().len(), 18);
}

fn bare_event(id: &str, kind: &str, at: &str, object: EventObject) -> Event {
    Event {
        id: id.to_owned(),
        type_name: kind.to_owned(),
        created_at: Timestamp::parse(at).unwrap(),
        account_id: None,
        data: EventData { object },
    }
}

#[test]
fn a_redelivered_event_is_reported_as_duplicate_and_changes_nothing() {
    let row = &all_rows()[0];
    let event = vectors::event(0, &row.path[0]);
    let mut folded = FoldedOrder::default();
    assert_eq!(folded.apply(&event), Outcome::Applied);
    let before = folded.clone();
    assert_eq!(folded.apply(&event), Outcome::Duplicate);
    assert_eq!(folded, before);
}

#[test]
fn an_older_event_arriving_late_is_stale_and_keeps_the_newer_state() {
    let mut folded = FoldedOrder::default();
    let expired = vectors::Step {
        kind: "invitation.expired",
        status: "expired",
        result: None,
        adjudication: None,
        includes_canceled: None,
    };
    folded.apply(&vectors::event(1, &expired));
    assert_eq!(
        folded.apply(&vectors::event(0, &vectors::INVITED)),
        Outcome::Stale
    );
    assert_eq!(
        folded.status.invitation.map(|invitation| invitation.status),
        Some(InvitationStatus::Expired)
    );
}

#[test]
fn a_bare_object_reference_falls_back_to_what_the_event_type_implies() {
    let mut folded = FoldedOrder::default();
    let reference = EventObject {
        id: Some("rpt_9".to_owned()),
        object: Some("report".to_owned()),
        ..EventObject::default()
    };
    let event = bare_event(
        "evt_s",
        "report.suspended",
        "2026-11-21T10:00:00Z",
        reference,
    );
    assert_eq!(folded.apply(&event), Outcome::Applied);
    assert_eq!(labels(&folded), ("Suspended", "Suspended"));
}

#[test]
fn account_and_token_events_are_not_folded_into_orders() {
    for kind in [
        "account.credentialed",
        "token.deauthorized",
        "candidate.created",
    ] {
        let mut folded = FoldedOrder::default();
        let event = bare_event(
            "evt_a",
            kind,
            "2026-11-21T10:00:00Z",
            EventObject::default(),
        );
        assert_eq!(folded.apply(&event), Outcome::Ignored, "{kind}");
        assert_eq!(folded, FoldedOrder::default());
    }
}

#[test]
fn an_unknown_report_status_shows_pending_instead_of_failing() {
    let mut folded = FoldedOrder::default();
    let object = EventObject {
        id: Some("rpt_1".to_owned()),
        status: Some("reticulating".to_owned()),
        ..EventObject::default()
    };
    folded.apply(&bare_event(
        "evt_u",
        "report.updated",
        "2026-11-21T10:00:00Z",
        object,
    ));
    assert_eq!(labels(&folded), ("Pending", "Pending"));
}

#[test]
fn eta_comes_from_report_updated_and_shows_the_day_while_the_report_runs() {
    let mut folded = FoldedOrder::default();
    let mut object = EventObject {
        id: Some("rpt_1".to_owned()),
        status: Some("pending".to_owned()),
        estimated_completion_time: Some("2026-11-27T00:00:00Z".to_owned()),
        ..EventObject::default()
    };
    folded.apply(&bare_event(
        "evt_1",
        "report.updated",
        "2026-11-21T10:00:00Z",
        object.clone(),
    ));
    assert_eq!(
        folded.status.eta().map(|day| day.to_string()).as_deref(),
        Some("Nov 27, 2026")
    );

    object.status = Some("complete".to_owned());
    object.result = Some("clear".to_owned());
    folded.apply(&bare_event(
        "evt_2",
        "report.completed",
        "2026-11-22T10:00:00Z",
        object,
    ));
    assert_eq!(
        folded.status.eta(),
        None,
        "a finished report has no ETA to show"
    );
}

#[test]
fn a_newer_eta_replaces_an_older_one_whatever_the_arrival_order() {
    let eta = |id: &str, at: &str, day: &str| {
        let object = EventObject {
            id: Some("rpt_1".to_owned()),
            status: Some("pending".to_owned()),
            estimated_completion_time: Some(day.to_owned()),
            ..EventObject::default()
        };
        bare_event(id, "report.updated", at, object)
    };
    let early = eta("evt_1", "2026-11-21T10:00:00Z", "2026-11-27T00:00:00Z");
    let late = eta("evt_2", "2026-11-22T10:00:00Z", "2026-11-30T00:00:00Z");
    for order in [[&early, &late], [&late, &early]] {
        let mut folded = FoldedOrder::default();
        for event in order {
            folded.apply(event);
        }
        assert_eq!(
            folded.status.eta().map(|d| d.to_string()).as_deref(),
            Some("Nov 30, 2026")
        );
    }
}

#[test]
fn terminal_labels_are_final_and_waiting_ones_are_not() {
    let rows = all_rows();
    let badge_of = |row: &vectors::Row| {
        vectors::fold(row, &(0..row.path.len()).collect::<Vec<_>>())
            .status
            .badge(CustomerType::Combined)
            .unwrap()
    };
    for row in &rows {
        let badge = badge_of(row);
        let expect_final = matches!(
            badge.label,
            "Clear"
                | "Complete w Canceled"
                | "Canceled"
                | "Not Eligible"
                | "Invitation Expired"
                | "Invitation Canceled"
        );
        assert_eq!(badge.is_final, expect_final, "{}", badge.label);
    }
}

#[test]
fn a_webhook_envelope_decodes_with_unknown_fields_and_values() {
    let body = r#"{"id":"evt_1","object":"event","type":"report.completed",
        "created_at":"2026-11-21T10:00:00Z","webhook_url":"https://x.test/hook",
        "account_id":"acct_1","data":{"object":{"id":"rpt_1","object":"report",
        "status":"complete","result":"clear","adjudication":null,"package":"driver_pro",
        "includes_canceled":false,"brand_new_field":{"nested":[1,2]}}}}"#;
    let event: Event = serde_json::from_str(body).unwrap();
    let mut folded = FoldedOrder::default();
    assert_eq!(folded.apply(&event), Outcome::Applied);
    assert_eq!(labels(&folded), ("Clear", "Clear"));
}
