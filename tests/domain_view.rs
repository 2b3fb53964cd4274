//! Every row of the seed's status table, shaped for every role of both customer types: the
//! badge each viewer derives from what they receive is the seed's label for their customer
//! type, and a segregated customer's recruiter receives no result, adjudication or
//! assessment before an adjudicator engages.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
#[allow(dead_code)]
#[path = "vectors/checkr.rs"]
mod vectors;

use bgcheck::domain::checkr::{Assessment, CustomerType, OrderStatus};
use bgcheck::domain::order::OrderStep;
use bgcheck::domain::view::{Role, Viewer, shape_order};

/// Values a segregated recruiter's badge never shows before engagement, as they appear in JSON.
const WITHHELD: [&str; 7] = [
    "\"consider\"",
    "\"pre_adverse_action\"",
    "\"dispute\"",
    "\"paused\"",
    "\"eligible\"",
    "\"review\"",
    "\"escalated\"",
];

/// The row's full state, with an Assess verdict on its report (the vectors leave it out) so
/// that withholding it is checked on every row.
fn full_status(row: &vectors::Row) -> OrderStatus {
    let steps: Vec<usize> = (0..row.path.len()).collect();
    let mut status = vectors::fold(row, &steps).status;
    if let Some(report) = status.report.as_mut() {
        report.assessment = Some(Assessment::Review);
    }
    status
}

fn check_row(row: &vectors::Row) {
    let full = full_status(row);
    let engaged = row.path.iter().any(|step| step.kind == "report.engaged");
    for customer in [CustomerType::Combined, CustomerType::Segregated] {
        let label = match customer {
            CustomerType::Combined => row.combined,
            CustomerType::Segregated => row.segregated,
        };
        for role in Role::ALL {
            let viewer = Viewer { role, customer };
            let shape = shape_order(OrderStep::Invited, &full, viewer);
            let derived = shape.status.badge(customer).expect("a badge after events");
            assert_eq!(derived.label, label, "{viewer:?} derives the seed's label");
            assert_eq!(
                shape.badge.label, label,
                "{viewer:?} is sent the seed's label"
            );
            let indicator = row.indicator && customer == CustomerType::Combined;
            assert_eq!(
                derived.canceled_indicator, indicator,
                "{viewer:?} indicator"
            );
            assert_eq!(
                derived,
                full.badge(customer).expect("a badge after events"),
                "{viewer:?}: same badge as the full state, indicator and finality included"
            );
            let json = serde_json::to_string(&shape.status).unwrap();
            if viewer.role == Role::Recruiter && customer == CustomerType::Segregated && !engaged {
                for value in WITHHELD {
                    assert!(!json.contains(value), "{viewer:?} receives {value}: {json}");
                }
                if label == "Pending" {
                    let report = shape.status.report.as_ref();
                    assert!(
                        report.is_none_or(|report| report.result.is_none()
                            && report.adjudication.is_none()
                            && !report.includes_canceled),
                        "a Pending report carries nothing behind it: {json}"
                    );
                }
            } else {
                assert_eq!(shape.status, full, "{viewer:?} sees the state as it is");
            }
        }
    }
}

macro_rules! view_case {
    ($name:ident, $row:expr) => {
        #[test]
        fn $name() {
            check_row(&$row);
        }
    };
}
checkr_rows!(view_case);
