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
fn a_read_is_dated_by_the_newest_event_folded_even_one_that_changed_nothing() {
    let mut folded = FoldedOrder::default();
    folded.apply(&vectors::event(5, &vectors::CONSIDER));
    assert_eq!(
        folded.apply(&vectors::event(3, &vectors::REPORT_CREATED)),
        Outcome::Stale
    );
    // A bare completion changes nothing until the report is read; that read must count as
    // newer than this event.
    let bare = EventObject {
        id: Some("rpt_1".to_owned()),
        object: Some("report".to_owned()),
        ..EventObject::default()
    };
    assert_eq!(
        folded.apply(&bare_event(
            "evt_bare",
            "report.completed",
            "2026-11-21T10:07:00Z",
            bare
        )),
        Outcome::NeedsRead
    );
    assert_eq!(
        folded.newest_report_event(),
        Some(&Timestamp::parse("2026-11-21T10:07:00Z").unwrap())
    );
    assert_eq!(folded.newest_invitation_event(), None);
    folded.apply(&vectors::event(1, &vectors::INVITED));
    assert_eq!(
        folded.newest_invitation_event(),
        Some(&Timestamp::parse("2026-11-21T10:01:00Z").unwrap())
    );
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

/// The `index`-th event of a path, stamped with the same second as every other. Its id sorts
/// before the ids of earlier events, as random ids often do, so a tie settled by id fails.
fn same_second_event(index: usize, step: &vectors::Step) -> Event {
    let mut event = vectors::event(index, step);
    event.created_at = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
    event.id = format!("{:024x}", 0xffff - index);
    event
}

/// What `GET /v1/invitations/{id}` or `GET /v1/reports/{id}` answers once the whole path has
/// happened: the object of the path's last event of that kind.
fn read_after(row: &vectors::Row, object: &str) -> EventObject {
    let index = (0..row.path.len())
        .rev()
        .find(|&index| row.path[index].kind.starts_with(&format!("{object}.")))
        .unwrap();
    let mut read = vectors::event(index, &row.path[index]).data.object;
    if row.path[index].kind == "invitation.deleted" {
        read.deleted_at = Some("2026-11-21T10:00:00Z".to_owned());
    }
    read
}

/// Folds `order` as it arrives; whenever the fold asks for a read, answers it at once with
/// the object as it stands after the whole path (every event happened in the same second,
/// before the first delivery). Returns the state and how many reads were asked for.
fn fold_with_reads(row: &vectors::Row, order: &[usize]) -> (FoldedOrder, usize) {
    let as_of = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
    let mut folded = FoldedOrder::default();
    let mut reads = 0;
    for &index in order {
        let step = &row.path[index];
        if folded.apply(&same_second_event(index, step)) == Outcome::NeedsRead {
            reads += 1;
            let object = step.kind.split('.').next().unwrap();
            folded.apply_read(&read_after(row, object), &as_of);
        }
    }
    (folded, reads)
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for shorter in permutations(n - 1) {
        for at in 0..=shorter.len() {
            let mut longer = shorter.clone();
            longer.insert(at, n - 1);
            all.push(longer);
        }
    }
    all
}

#[test]
fn every_permutation_of_every_path_in_one_second_ends_in_the_in_order_badge() {
    for row in all_rows() {
        let expected = labels(&vectors::fold(&row, &in_order(&row)));
        for order in permutations(row.path.len()) {
            let (folded, _) = fold_with_reads(&row, &order);
            assert_eq!(
                labels(&folded),
                expected,
                "{} in the order {order:?}",
                row.path.last().unwrap().kind
            );
        }
    }
}

fn in_order(row: &vectors::Row) -> Vec<usize> {
    (0..row.path.len()).collect()
}

proptest! {
    /// The same in one second, with redeliveries anywhere in the arrival order.
    #[test]
    fn same_second_arrivals_with_redeliveries_end_in_the_in_order_badge(
        row_index in 0..18usize,
        permutation_index in any::<usize>(),
        redeliveries in proptest::collection::vec((any::<usize>(), any::<usize>()), 0..6),
    ) {
        let rows = all_rows();
        let row = &rows[row_index % rows.len()];
        let expected = labels(&vectors::fold(row, &in_order(row)));
        let all = permutations(row.path.len());
        let mut order = all[permutation_index % all.len()].clone();
        for (which, at) in redeliveries {
            let event = order[which % order.len()];
            order.insert(at % (order.len() + 1), event);
        }
        prop_assert_eq!(labels(&fold_with_reads(row, &order).0), expected);
    }
}

#[test]
fn the_lifecycle_settles_same_second_ties_without_a_read_where_it_orders_them() {
    // Completed then engaged in one second, delivered the other way round.
    let row = all_rows()
        .into_iter()
        .find(|row| row.path.last().unwrap().kind == "report.engaged")
        .unwrap();
    let reversed: Vec<usize> = in_order(&row).into_iter().rev().collect();
    let (folded, reads) = fold_with_reads(&row, &reversed);
    assert_eq!(labels(&folded), ("Clear", "Clear"));
    assert_eq!(reads, 0, "no read was needed");
}

#[test]
fn a_suspension_and_a_resumption_in_one_second_ask_for_a_read() {
    let row = all_rows()
        .into_iter()
        .find(|row| row.path.last().unwrap().kind == "report.resumed")
        .unwrap();
    let mut folded = FoldedOrder::default();
    let resumed = row.path.len() - 1;
    assert_eq!(
        folded.apply(&same_second_event(resumed, &row.path[resumed])),
        Outcome::Applied
    );
    assert_eq!(
        folded.apply(&same_second_event(resumed - 1, &row.path[resumed - 1])),
        Outcome::NeedsRead,
        "the id must not decide"
    );
    assert_eq!(labels(&folded), ("Pending", "Pending"), "nothing guessed");
}

#[test]
fn a_bare_completion_asks_for_a_read_and_the_read_decides() {
    let mut folded = FoldedOrder::default();
    let reference = EventObject {
        id: Some("4722c07dd9a10c3985ae432a".to_owned()),
        object: Some("report".to_owned()),
        ..EventObject::default()
    };
    let event = bare_event(
        "0c7e2b6a9d1f4e3a8b5c6d7e",
        "report.completed",
        "2026-11-21T10:00:00Z",
        reference.clone(),
    );
    assert_eq!(folded.apply(&event), Outcome::NeedsRead);
    assert_eq!(folded.status.report, None, "no result is guessed");
    let read = EventObject {
        status: Some("complete".to_owned()),
        result: Some("consider".to_owned()),
        includes_canceled: Some(false),
        ..reference
    };
    assert_eq!(
        folded.apply_read(&read, &event.created_at),
        Outcome::Applied
    );
    assert_eq!(labels(&folded), ("Needs Review", "Pending"));
    assert_eq!(
        folded.apply(&event),
        Outcome::NeedsRead,
        "a bare event never settles"
    );
}
