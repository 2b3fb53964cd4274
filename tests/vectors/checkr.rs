//! The rows of the "Webhooks and Status Mappings" table of Checkr's Partner Certification
//! Requirements v1.8, each as the lifecycle path that ends in that row's webhook.

use bgcheck::domain::checkr::CustomerType;
use bgcheck::domain::events::{Event, EventData, EventObject, FoldedOrder};

/// One webhook in a lifecycle path.
pub struct Step {
    /// The event type.
    pub kind: &'static str,
    /// The object's `status`.
    pub status: &'static str,
    /// The report's `result`, when the row gives one.
    pub result: Option<&'static str>,
    /// The report's `adjudication`, when the row gives one.
    pub adjudication: Option<&'static str>,
    /// The report's `includes_canceled`; `None` leaves the field out of the payload.
    pub includes_canceled: Option<bool>,
}

/// One row of the seed table.
pub struct Row {
    /// The events, in the order Checkr would create them; the last is the row's webhook.
    pub path: &'static [Step],
    /// The label for combined customers (the table's ¹, or its only label).
    pub combined: &'static str,
    /// The label for segregated customers (the table's ², or its only label).
    pub segregated: &'static str,
    /// Whether combined customers see the canceled-screenings indicator.
    pub indicator: bool,
}

const fn invitation(kind: &'static str, status: &'static str) -> Step {
    Step {
        kind,
        status,
        result: None,
        adjudication: None,
        includes_canceled: None,
    }
}

const fn report(
    kind: &'static str,
    status: &'static str,
    result: Option<&'static str>,
    adjudication: Option<&'static str>,
    includes_canceled: Option<bool>,
) -> Step {
    Step {
        kind,
        status,
        result,
        adjudication,
        includes_canceled,
    }
}

/// The common start of every report path: invited, completed, report created.
pub const INVITED: Step = invitation("invitation.created", "pending");
/// The candidate finished the invitation.
pub const COMPLETED: Step = invitation("invitation.completed", "completed");
/// Checkr created the report.
pub const REPORT_CREATED: Step = report("report.created", "pending", None, None, None);
/// A report completed with a consider result.
pub const CONSIDER: Step = report(
    "report.completed",
    "complete",
    Some("consider"),
    None,
    Some(false),
);

/// Builds the `index`-th event of a path (ids and times follow the index).
pub fn event(index: usize, step: &Step) -> Event {
    let is_report = step.kind.starts_with("report.");
    let object = EventObject {
        id: Some(if is_report { "rpt_1" } else { "inv_1" }.to_owned()),
        object: Some(if is_report { "report" } else { "invitation" }.to_owned()),
        status: Some(step.status.to_owned()),
        result: step.result.map(str::to_owned),
        adjudication: step.adjudication.map(str::to_owned),
        includes_canceled: step.includes_canceled,
        report_id: (step.kind == "invitation.completed").then(|| "rpt_1".to_owned()),
        ..EventObject::default()
    };
    Event {
        id: format!("evt_{index}"),
        type_name: step.kind.to_owned(),
        created_at: bgcheck::domain::time::Timestamp::parse(&format!(
            "2026-11-21T10:{:02}:00Z",
            index
        ))
        .expect("fixture timestamps are valid"),
        account_id: Some("acct_customer".to_owned()),
        data: EventData { object },
    }
}

/// Folds events given as indexes into `row.path`, in the order given.
pub fn fold(row: &Row, order: &[usize]) -> FoldedOrder {
    let mut folded = FoldedOrder::default();
    for &index in order {
        folded.apply(&event(index, &row.path[index]));
    }
    folded
}

/// Asserts the labels of `row` for both customer types, in order, doubled and reversed.
pub fn check(row: &Row) {
    let in_order: Vec<usize> = (0..row.path.len()).collect();
    let doubled: Vec<usize> = in_order.iter().flat_map(|&i| [i, i]).collect();
    let reversed: Vec<usize> = in_order.iter().rev().copied().collect();
    for (how, order) in [
        ("in order", &in_order),
        ("doubled", &doubled),
        ("reversed", &reversed),
    ] {
        let folded = fold(row, order);
        let combined = folded
            .status
            .badge(CustomerType::Combined)
            .expect("a badge after events");
        let segregated = folded
            .status
            .badge(CustomerType::Segregated)
            .expect("a badge after events");
        assert_eq!(combined.label, row.combined, "combined label, events {how}");
        assert_eq!(
            segregated.label, row.segregated,
            "segregated label, events {how}"
        );
        assert_eq!(
            combined.canceled_indicator, row.indicator,
            "combined indicator, {how}"
        );
        assert!(
            !segregated.canceled_indicator || segregated.label != "Pending",
            "a segregated Pending must not hint at canceled screenings"
        );
    }
}

/// Calls `$case!(test_name, row)` once per row of the seed table, plus the Assess and
/// absent-`includes_canceled` variants the seed's text describes.
macro_rules! checkr_rows {
    ($case:ident) => {
        $case!(
            invitation_created_shows_invitation_sent,
            vectors::Row {
                path: &[vectors::INVITED],
                combined: "Invitation Sent",
                segregated: "Invitation Sent",
                indicator: false,
            }
        );
        $case!(
            invitation_completed_shows_pending,
            vectors::Row {
                path: &[vectors::INVITED, vectors::COMPLETED],
                combined: "Pending",
                segregated: "Pending",
                indicator: false,
            }
        );
        $case!(
            invitation_expired_shows_invitation_expired,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::Step {
                        kind: "invitation.expired",
                        status: "expired",
                        result: None,
                        adjudication: None,
                        includes_canceled: None
                    }
                ],
                combined: "Invitation Expired",
                segregated: "Invitation Expired",
                indicator: false,
            }
        );
        $case!(
            invitation_deleted_shows_invitation_canceled,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::Step {
                        kind: "invitation.deleted",
                        status: "pending",
                        result: None,
                        adjudication: None,
                        includes_canceled: None
                    }
                ],
                combined: "Invitation Canceled",
                segregated: "Invitation Canceled",
                indicator: false,
            }
        );
        $case!(
            report_completed_clear_without_canceled_screenings_shows_clear,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::Step {
                        kind: "report.completed",
                        status: "complete",
                        result: Some("clear"),
                        adjudication: None,
                        includes_canceled: Some(false)
                    }
                ],
                combined: "Clear",
                segregated: "Clear",
                indicator: false,
            }
        );
        $case!(
            report_completed_clear_with_canceled_screenings_shows_complete_w_canceled_or_pending,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::Step {
                        kind: "report.completed",
                        status: "complete",
                        result: Some("clear"),
                        adjudication: None,
                        includes_canceled: Some(true)
                    }
                ],
                combined: "Complete w Canceled",
                segregated: "Pending",
                indicator: true,
            }
        );
        $case!(
            report_completed_with_every_screening_canceled_shows_canceled,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::Step {
                        kind: "report.completed",
                        status: "complete",
                        result: None,
                        adjudication: None,
                        includes_canceled: Some(true)
                    }
                ],
                combined: "Canceled",
                segregated: "Canceled",
                indicator: false,
            }
        );
        $case!(
            report_completed_consider_shows_needs_review_or_pending,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::CONSIDER
                ],
                combined: "Needs Review",
                segregated: "Pending",
                indicator: false,
            }
        );
        $case!(
            report_pre_adverse_action_shows_pre_adverse_action_or_pending,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::CONSIDER,
                    vectors::Step {
                        kind: "report.pre_adverse_action",
                        status: "complete",
                        result: Some("consider"),
                        adjudication: Some("pre_adverse_action"),
                        includes_canceled: Some(false)
                    }
                ],
                combined: "Pre Adverse Action",
                segregated: "Pending",
                indicator: false,
            }
        );
        $case!(
            report_post_adverse_action_shows_not_eligible,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::CONSIDER,
                    vectors::Step {
                        kind: "report.pre_adverse_action",
                        status: "complete",
                        result: Some("consider"),
                        adjudication: Some("pre_adverse_action"),
                        includes_canceled: Some(false)
                    },
                    vectors::Step {
                        kind: "report.post_adverse_action",
                        status: "complete",
                        result: Some("consider"),
                        adjudication: Some("post_adverse_action"),
                        includes_canceled: Some(false)
                    }
                ],
                combined: "Not Eligible",
                segregated: "Not Eligible",
                indicator: false,
            }
        );
        $case!(
            report_engaged_shows_clear,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::CONSIDER,
                    vectors::Step {
                        kind: "report.engaged",
                        status: "complete",
                        result: Some("consider"),
                        adjudication: Some("engaged"),
                        includes_canceled: Some(false)
                    }
                ],
                combined: "Clear",
                segregated: "Clear",
                indicator: false,
            }
        );
        $case!(
            report_engaged_after_canceled_screenings_releases_the_pending_result,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::Step {
                        kind: "report.completed",
                        status: "complete",
                        result: Some("clear"),
                        adjudication: None,
                        includes_canceled: Some(true)
                    },
                    vectors::Step {
                        kind: "report.engaged",
                        status: "complete",
                        result: Some("clear"),
                        adjudication: Some("engaged"),
                        includes_canceled: Some(true)
                    }
                ],
                combined: "Clear",
                segregated: "Clear",
                indicator: false,
            }
        );
        $case!(
            report_suspended_shows_suspended,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::Step {
                        kind: "report.suspended",
                        status: "suspended",
                        result: None,
                        adjudication: None,
                        includes_canceled: None
                    }
                ],
                combined: "Suspended",
                segregated: "Suspended",
                indicator: false,
            }
        );
        $case!(
            report_resumed_shows_pending,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::Step {
                        kind: "report.suspended",
                        status: "suspended",
                        result: None,
                        adjudication: None,
                        includes_canceled: None
                    },
                    vectors::Step {
                        kind: "report.resumed",
                        status: "pending",
                        result: None,
                        adjudication: None,
                        includes_canceled: None
                    }
                ],
                combined: "Pending",
                segregated: "Pending",
                indicator: false,
            }
        );
        $case!(
            report_disputed_shows_disputed_or_pending,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::CONSIDER,
                    vectors::Step {
                        kind: "report.disputed",
                        status: "dispute",
                        result: None,
                        adjudication: None,
                        includes_canceled: None
                    }
                ],
                combined: "Disputed",
                segregated: "Pending",
                indicator: false,
            }
        );
        $case!(
            report_canceled_shows_canceled,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::Step {
                        kind: "report.canceled",
                        status: "canceled",
                        result: None,
                        adjudication: None,
                        includes_canceled: None
                    }
                ],
                combined: "Canceled",
                segregated: "Canceled",
                indicator: false,
            }
        );
        $case!(
            report_updated_completes_the_report_for_assess_customers,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::Step {
                        kind: "report.updated",
                        status: "complete",
                        result: Some("clear"),
                        adjudication: None,
                        includes_canceled: Some(true)
                    }
                ],
                combined: "Complete w Canceled",
                segregated: "Pending",
                indicator: true,
            }
        );
        $case!(
            report_completed_without_includes_canceled_counts_it_false,
            vectors::Row {
                path: &[
                    vectors::INVITED,
                    vectors::COMPLETED,
                    vectors::REPORT_CREATED,
                    vectors::Step {
                        kind: "report.completed",
                        status: "complete",
                        result: Some("clear"),
                        adjudication: None,
                        includes_canceled: None
                    }
                ],
                combined: "Clear",
                segregated: "Clear",
                indicator: false,
            }
        );
    };
}
