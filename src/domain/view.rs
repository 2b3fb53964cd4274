//! What one viewer may see of an order: the one rule behind every order the proxy sends,
//! whether in a list, in the answer to placing or retrying an order, or on the live stream.
//!
//! The seed's status table has two label columns. A customer that keeps recruiting and
//! adjudication apart ([`CustomerType::Segregated`]) must not show a recruiter the report
//! result before an adjudicator engages ("leave the status as Pending"). Hiding the result
//! only in the badge is not enough: the browser holds whatever JSON it receives. So the
//! status itself is reduced, for those recruiters, to what their badge already says.

use serde::{Deserialize, Serialize};

use super::badge::Badge;
use super::checkr::{
    Adjudication, CustomerType, OrderStatus, ReportResult, ReportState, ReportStatus,
};
use super::order::{OrderStep, order_badge};
use super::time::Date;

/// What an ATS user may do in the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Orders checks and follows their status.
    Recruiter,
    /// Also sees results and report links (adjudication rights in Checkr).
    Adjudicator,
    /// Also connects, disconnects and configures the provider account.
    Admin,
}

impl Role {
    /// Every role, for parsing and for tests that go through all of them.
    pub const ALL: [Role; 3] = [Role::Recruiter, Role::Adjudicator, Role::Admin];

    /// The stable name used on the wire and in session tokens.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Recruiter => "recruiter",
            Role::Adjudicator => "adjudicator",
            Role::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// Whether this user has adjudication rights: may open reports in the Checkr Dashboard
    /// (R15) and read results before anyone engaged.
    pub const fn sees_reports(self) -> bool {
        match self {
            Role::Recruiter => false,
            Role::Adjudicator | Role::Admin => true,
        }
    }

    /// Whether this user may manage the provider connection and account settings.
    pub const fn manages_account(self) -> bool {
        match self {
            Role::Recruiter | Role::Adjudicator => false,
            Role::Admin => true,
        }
    }
}

/// Who is looking: their role, and how their customer account splits the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// The user's role.
    pub role: Role,
    /// The account's customer type.
    pub customer: CustomerType,
}

impl Viewer {
    /// Whether this viewer may read report results, adjudications and assessments as they
    /// stand. Combined customers' recruiters adjudicate too (the table's ¹), so only a
    /// segregated customer's recruiter waits for an adjudicator.
    pub const fn reads_results(self) -> bool {
        match self.customer {
            CustomerType::Combined => true,
            CustomerType::Segregated => self.role.sees_reports(),
        }
    }
}

/// An order as one viewer may see it.
///
/// There is deliberately no invitation URL here: it is the candidate's personal link into
/// Checkr's form, where whoever holds it enters the candidate's identity and signs the
/// disclosures in their name. Checkr emails it to the candidate, and no ATS user needs it
/// (resending goes through Checkr), so it stays in the proxy and no view carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderShape {
    /// The provider's state as far as the viewer may know it; the widget derives the badge
    /// from it, and it always gives the same badge as the full state would.
    pub status: OrderStatus,
    /// The badge for the viewer's customer type.
    pub badge: Badge,
    /// The expected completion day, while the report is still open (R14).
    pub eta: Option<Date>,
    /// Whether to include the Dashboard link to the report (R15).
    pub report_link: bool,
    /// Whether to include why screenings were canceled (R13: segregated customers only).
    pub cancellation_reasons: bool,
}

/// Shapes an order at `step` with provider state `status` for `viewer`.
pub fn shape_order(step: OrderStep, status: &OrderStatus, viewer: Viewer) -> OrderShape {
    let shown = if viewer.reads_results() {
        status.clone()
    } else {
        OrderStatus {
            report: status.report.as_ref().map(awaiting_adjudication),
            ..status.clone()
        }
    };
    OrderShape {
        badge: order_badge(step, &shown, viewer.customer),
        // From the full state: a report that is complete but withheld is not coming.
        eta: status.eta(),
        status: shown,
        report_link: viewer.role.sees_reports(),
        cancellation_reasons: viewer.customer.shows_cancellation_reason(),
    }
}

/// A report as a segregated customer's recruiter may see it: everything once an adjudicator
/// engaged; before that, only what the segregated badge itself shows, and a report whose
/// badge reads "Pending" reads as a pending report, as the seed asks.
fn awaiting_adjudication(report: &ReportState) -> ReportState {
    let bare = |status| ReportState {
        id: report.id.clone(),
        status,
        result: None,
        adjudication: None,
        assessment: None,
        includes_canceled: false,
    };
    let pending = bare(ReportStatus::Pending);
    match report.status {
        // Paused waits on a review action, which hints at findings; all three read "Pending".
        ReportStatus::Pending | ReportStatus::Paused | ReportStatus::Unrecognized => pending,
        ReportStatus::Suspended => bare(ReportStatus::Suspended),
        ReportStatus::Canceled => ReportState {
            includes_canceled: report.includes_canceled,
            ..bare(ReportStatus::Canceled)
        },
        // Only a consider result can be disputed, so the status itself would tell.
        ReportStatus::Dispute => pending,
        ReportStatus::Complete => {
            match (report.adjudication, report.result, report.includes_canceled) {
                (Some(Adjudication::Engaged), _, _) => report.clone(),
                // Final, and shown to everyone as "Not Eligible"; the result stays hidden.
                (Some(Adjudication::PostAdverseAction), _, _) => ReportState {
                    adjudication: Some(Adjudication::PostAdverseAction),
                    ..bare(ReportStatus::Complete)
                },
                (Some(Adjudication::PreAdverseAction), _, _) => pending,
                // The badge says "Clear" to everyone, so the result says no more than it.
                (None, Some(ReportResult::Clear), false) => ReportState {
                    result: Some(ReportResult::Clear),
                    ..bare(ReportStatus::Complete)
                },
                (None, Some(ReportResult::Clear), true) => pending,
                (None, Some(ReportResult::Consider), _) => pending,
                // Every screening canceled: "Canceled" to everyone.
                (None, None, true) => ReportState {
                    includes_canceled: true,
                    ..bare(ReportStatus::Complete)
                },
                (None, None, false) => pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkr::{Assessment, InvitationState, InvitationStatus};

    fn with_report(
        status: ReportStatus,
        result: Option<ReportResult>,
        adjudication: Option<Adjudication>,
        includes_canceled: bool,
    ) -> OrderStatus {
        OrderStatus {
            invitation: Some(InvitationState {
                id: "inv_1".to_owned(),
                status: InvitationStatus::Completed,
                report_id: Some("rpt_1".to_owned()),
            }),
            report: Some(ReportState {
                id: "rpt_1".to_owned(),
                status,
                result,
                adjudication,
                assessment: Some(Assessment::Review),
                includes_canceled,
            }),
            estimated_completion_time: None,
        }
    }

    const SEGREGATED_RECRUITER: Viewer = Viewer {
        role: Role::Recruiter,
        customer: CustomerType::Segregated,
    };

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn a_segregated_recruiter_sees_a_consider_report_as_pending_with_nothing_behind_it() {
        let full = with_report(
            ReportStatus::Complete,
            Some(ReportResult::Consider),
            None,
            false,
        );
        let shape = shape_order(OrderStep::Invited, &full, SEGREGATED_RECRUITER);
        let report = shape.status.report.expect("the report stays, by id");
        assert_eq!(report.status, ReportStatus::Pending);
        assert_eq!(report.result, None);
        assert_eq!(report.assessment, None);
        assert_eq!(shape.badge.label, "Pending");
        assert!(!shape.report_link);
    }

    #[test]
    fn an_engaged_report_is_shown_whole_to_a_segregated_recruiter() {
        let full = with_report(
            ReportStatus::Complete,
            Some(ReportResult::Consider),
            Some(Adjudication::Engaged),
            false,
        );
        let shape = shape_order(OrderStep::Invited, &full, SEGREGATED_RECRUITER);
        assert_eq!(shape.status, full);
        assert_eq!(shape.badge.label, "Clear");
    }

    #[test]
    fn adjudicators_and_combined_recruiters_see_the_state_as_it_is() {
        let full = with_report(
            ReportStatus::Complete,
            Some(ReportResult::Consider),
            Some(Adjudication::PreAdverseAction),
            false,
        );
        for viewer in [
            Viewer {
                role: Role::Adjudicator,
                customer: CustomerType::Segregated,
            },
            Viewer {
                role: Role::Admin,
                customer: CustomerType::Segregated,
            },
            Viewer {
                role: Role::Recruiter,
                customer: CustomerType::Combined,
            },
        ] {
            assert_eq!(
                shape_order(OrderStep::Invited, &full, viewer).status,
                full,
                "{viewer:?}"
            );
        }
    }

    #[test]
    fn only_roles_with_adjudication_rights_get_the_report_link() {
        let status = OrderStatus::default();
        for (role, link) in [
            (Role::Recruiter, false),
            (Role::Adjudicator, true),
            (Role::Admin, true),
        ] {
            for customer in [CustomerType::Combined, CustomerType::Segregated] {
                let shape = shape_order(OrderStep::Invited, &status, Viewer { role, customer });
                assert_eq!(shape.report_link, link, "{role:?} of {customer:?}");
            }
        }
    }

    #[test]
    fn a_withheld_complete_report_shows_no_eta() {
        let mut full = with_report(
            ReportStatus::Complete,
            Some(ReportResult::Consider),
            None,
            false,
        );
        full.estimated_completion_time =
            Some(crate::domain::time::Timestamp::parse("2026-12-04T00:00:00Z").expect("valid"));
        let shape = shape_order(OrderStep::Invited, &full, SEGREGATED_RECRUITER);
        assert_eq!(shape.eta, None);
    }
}
