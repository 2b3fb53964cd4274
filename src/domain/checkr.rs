//! Checkr's invitation and report states, and the badge each one shows.
//!
//! The mapping follows the "Webhooks and Status Mappings" table of Checkr's Partner
//! Certification Requirements v1.8. Its label column has two variants: one for customers whose
//! recruiters also adjudicate ([`CustomerType::Combined`]) and one for customers who keep those
//! roles apart ([`CustomerType::Segregated`]), who must not see a result before adjudication.

use serde::{Deserialize, Serialize};

use super::badge::{Badge, Tone};
use super::time::{Date, Timestamp};

/// Who does what at the customer; chosen per customer account by an ATS admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerType {
    /// Recruiters adjudicate too and use the Checkr Dashboard (the table's ¹).
    #[default]
    Combined,
    /// Recruiting and adjudication are separate roles (the table's ²).
    Segregated,
}

impl CustomerType {
    /// Segregated customers' recruiters cannot open the Dashboard, so they are told why
    /// screenings were canceled; combined customers read it in the Dashboard.
    pub const fn shows_cancellation_reason(self) -> bool {
        match self {
            CustomerType::Combined => false,
            CustomerType::Segregated => true,
        }
    }

    /// The stable name used on the wire and in settings.
    pub const fn as_str(self) -> &'static str {
        match self {
            CustomerType::Combined => "combined",
            CustomerType::Segregated => "segregated",
        }
    }
}

/// An invitation's state. `Deleted` is what Checkr calls a canceled invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Sent; the candidate has not finished it.
    Pending,
    /// The candidate finished it and a report was created.
    Completed,
    /// Seven days passed without the candidate finishing it.
    Expired,
    /// Canceled from the Dashboard or the API.
    Deleted,
}

/// A report's `status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Screenings are running.
    Pending,
    /// Waiting on a review-action decision (newer accounts only).
    Paused,
    /// At least one screening finished; the rest finished or were canceled.
    Complete,
    /// Stopped on an exception the candidate did not resolve.
    Suspended,
    /// The candidate disputed the report.
    Dispute,
    /// Every screening was canceled before any finished.
    Canceled,
    /// A status this version does not know; shown as in progress rather than guessed at.
    #[serde(other)]
    Unrecognized,
}

/// A report's `result` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportResult {
    /// No records found.
    Clear,
    /// Records found that someone must review.
    Consider,
}

/// A report's `adjudication` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjudication {
    /// An adjudicator engaged the candidate: cleared to proceed.
    Engaged,
    /// The pre-adverse-action notice was sent.
    PreAdverseAction,
    /// The adverse action was finalised.
    PostAdverseAction,
}

/// A report's `assessment` field (Checkr Assess customers only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// The customer's rules found nothing to review.
    Eligible,
    /// The customer's rules flag something to review.
    Review,
    /// The customer's rules escalate the report.
    Escalated,
}

/// The parts of a report that decide its badge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportState {
    /// Checkr's report id.
    pub id: String,
    /// The `status` field.
    pub status: ReportStatus,
    /// The `result` field; absent while pending and for fully canceled reports.
    #[serde(default)]
    pub result: Option<ReportResult>,
    /// The `adjudication` field.
    #[serde(default)]
    pub adjudication: Option<Adjudication>,
    /// The `assessment` field.
    #[serde(default)]
    pub assessment: Option<Assessment>,
    /// Whether any screening was canceled ("Complete Now"); absent means false.
    #[serde(default)]
    pub includes_canceled: bool,
}

/// The parts of an invitation the widget shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationState {
    /// Checkr's invitation id.
    pub id: String,
    /// Where the invitation stands.
    pub status: InvitationStatus,
    /// The report the completed invitation produced, once known.
    #[serde(default)]
    pub report_id: Option<String>,
}

/// Everything known about one order's progress at Checkr, folded from webhooks
/// (see [`crate::domain::events`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStatus {
    /// The latest invitation state, if any event about it arrived.
    #[serde(default)]
    pub invitation: Option<InvitationState>,
    /// The latest report state, if any event about it arrived.
    #[serde(default)]
    pub report: Option<ReportState>,
    /// Checkr's estimate of when the report completes.
    #[serde(default)]
    pub estimated_completion_time: Option<Timestamp>,
}

impl OrderStatus {
    /// The badge for this order, or `None` before Checkr has said anything about it.
    pub fn badge(&self, customer: CustomerType) -> Option<Badge> {
        match (&self.report, &self.invitation) {
            (Some(report), _) => Some(report_badge(report, customer)),
            (None, Some(invitation)) => Some(invitation_badge(invitation.status)),
            (None, None) => None,
        }
    }

    /// The day the report is expected to complete, while that is still worth showing.
    pub fn eta(&self) -> Option<Date> {
        let report_is_open = match self.report.as_ref().map(|report| report.status) {
            None => true,
            Some(ReportStatus::Pending | ReportStatus::Paused | ReportStatus::Suspended) => true,
            Some(ReportStatus::Unrecognized) => true,
            Some(ReportStatus::Complete | ReportStatus::Dispute | ReportStatus::Canceled) => false,
        };
        let invitation_is_dead = self.invitation.as_ref().is_some_and(|invitation| {
            matches!(
                invitation.status,
                InvitationStatus::Expired | InvitationStatus::Deleted
            )
        });
        if report_is_open && !invitation_is_dead {
            self.estimated_completion_time.as_ref().map(Timestamp::date)
        } else {
            None
        }
    }
}

/// The seed's labels, spelled exactly as its "Recommended Partner Label" column.
pub mod labels {
    /// invitation.created
    pub const INVITATION_SENT: &str = "Invitation Sent";
    /// invitation.completed, report.resumed, and every ² "Pending".
    pub const PENDING: &str = "Pending";
    /// invitation.expired
    pub const INVITATION_EXPIRED: &str = "Invitation Expired";
    /// invitation.deleted
    pub const INVITATION_CANCELED: &str = "Invitation Canceled";
    /// A clear report, or an engaged one.
    pub const CLEAR: &str = "Clear";
    /// A clear report with canceled screenings, for combined customers.
    pub const COMPLETE_WITH_CANCELED: &str = "Complete w Canceled";
    /// Every screening canceled.
    pub const CANCELED: &str = "Canceled";
    /// A report with a consider result, for combined customers.
    pub const NEEDS_REVIEW: &str = "Needs Review";
    /// report.pre_adverse_action, for combined customers.
    pub const PRE_ADVERSE_ACTION: &str = "Pre Adverse Action";
    /// report.post_adverse_action
    pub const NOT_ELIGIBLE: &str = "Not Eligible";
    /// report.suspended
    pub const SUSPENDED: &str = "Suspended";
    /// report.disputed, for combined customers.
    pub const DISPUTED: &str = "Disputed";
}

const fn badge(label: &'static str, tone: Tone, is_final: bool) -> Badge {
    Badge {
        label,
        tone,
        is_final,
        canceled_indicator: false,
    }
}

/// What segregated customers see while a result waits for an adjudicator.
const AWAITING_ADJUDICATION: Badge = badge(labels::PENDING, Tone::Progress, false);

fn invitation_badge(status: InvitationStatus) -> Badge {
    match status {
        InvitationStatus::Pending => badge(labels::INVITATION_SENT, Tone::Neutral, false),
        InvitationStatus::Completed => badge(labels::PENDING, Tone::Progress, false),
        InvitationStatus::Expired => badge(labels::INVITATION_EXPIRED, Tone::Negative, true),
        InvitationStatus::Deleted => badge(labels::INVITATION_CANCELED, Tone::Negative, true),
    }
}

fn report_badge(report: &ReportState, customer: CustomerType) -> Badge {
    let for_customer = |combined: Badge| match customer {
        CustomerType::Combined => combined,
        CustomerType::Segregated => AWAITING_ADJUDICATION,
    };
    match report.status {
        ReportStatus::Pending | ReportStatus::Paused | ReportStatus::Unrecognized => {
            badge(labels::PENDING, Tone::Progress, false)
        }
        ReportStatus::Suspended => badge(labels::SUSPENDED, Tone::Attention, false),
        ReportStatus::Dispute => for_customer(badge(labels::DISPUTED, Tone::Attention, false)),
        ReportStatus::Canceled => badge(labels::CANCELED, Tone::Negative, true),
        ReportStatus::Complete => {
            match (report.adjudication, report.result, report.includes_canceled) {
                (Some(Adjudication::Engaged), _, _) => badge(labels::CLEAR, Tone::Positive, true),
                (Some(Adjudication::PostAdverseAction), _, _) => {
                    badge(labels::NOT_ELIGIBLE, Tone::Negative, true)
                }
                (Some(Adjudication::PreAdverseAction), _, _) => {
                    for_customer(badge(labels::PRE_ADVERSE_ACTION, Tone::Attention, false))
                }
                (None, Some(ReportResult::Clear), false) => {
                    badge(labels::CLEAR, Tone::Positive, true)
                }
                (None, Some(ReportResult::Clear), true) => for_customer(Badge {
                    canceled_indicator: true,
                    ..badge(labels::COMPLETE_WITH_CANCELED, Tone::Positive, true)
                }),
                (None, Some(ReportResult::Consider), _) => {
                    for_customer(badge(labels::NEEDS_REVIEW, Tone::Attention, false))
                }
                (None, None, true) => badge(labels::CANCELED, Tone::Negative, true),
                // Not a state Checkr documents: claim no result rather than invent one.
                (None, None, false) => badge(labels::PENDING, Tone::Progress, false),
            }
        }
    }
}
