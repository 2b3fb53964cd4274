//! Checkr webhook events and how they fold into an order's [`OrderStatus`].
//!
//! Checkr retries deliveries for a day and promises no ordering, so folding must be
//! idempotent and order-independent: each object (the invitation, the report, the ETA)
//! keeps the `(created_at, id)` of the event that last set it, and only a later event may
//! overwrite it. A repeated or older event therefore changes nothing, and any permutation of
//! the same events ends in the same state.

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

use super::checkr::{
    Adjudication, Assessment, InvitationState, InvitationStatus, OrderStatus, ReportResult,
    ReportState, ReportStatus,
};
use super::time::Timestamp;

/// A webhook event in Checkr's envelope: `{id, object: "event", type, created_at, account_id,
/// data: {object}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Unique per event; a redelivery carries the same id.
    pub id: String,
    /// The event type as sent, e.g. `report.completed`; see [`Event::kind`].
    #[serde(rename = "type")]
    pub type_name: String,
    /// When Checkr created the event.
    pub created_at: Timestamp,
    /// The customer's Checkr account, except on `token.deauthorized` where it is the
    /// partner's own account.
    #[serde(default)]
    pub account_id: Option<String>,
    /// The payload.
    pub data: EventData,
}

/// The `data` member of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventData {
    /// The object the event is about.
    pub object: EventObject,
}

/// The fields of an event's object that bgcheck reads; everything else is ignored.
///
/// Enum-like fields stay strings here so that a value this version does not know never makes
/// a whole event undecodable; they are interpreted when folded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventObject {
    /// The object's id.
    #[serde(default)]
    pub id: Option<String>,
    /// Its kind: `invitation`, `report`, `account`, …
    #[serde(default)]
    pub object: Option<String>,
    /// Invitation or report status.
    #[serde(default)]
    pub status: Option<String>,
    /// Report result.
    #[serde(default)]
    pub result: Option<String>,
    /// Report adjudication.
    #[serde(default)]
    pub adjudication: Option<String>,
    /// Report assessment (Assess customers).
    #[serde(default)]
    pub assessment: Option<String>,
    /// Whether the report completed with canceled screenings; absent means false.
    #[serde(default)]
    pub includes_canceled: Option<bool>,
    /// The report's ETA.
    #[serde(default)]
    pub estimated_completion_time: Option<String>,
    /// On an invitation: the report it produced.
    #[serde(default)]
    pub report_id: Option<String>,
    /// The candidate the object belongs to.
    #[serde(default)]
    pub candidate_id: Option<String>,
    /// The package slug.
    #[serde(default)]
    pub package: Option<String>,
    /// On `token.deauthorized`: the revoked access token, the only way to find the customer.
    #[serde(default)]
    pub access_code: Option<String>,
}

/// The event types bgcheck acts on, parsed from [`Event::type_name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `invitation.created`
    InvitationCreated,
    /// `invitation.completed`
    InvitationCompleted,
    /// `invitation.expired`
    InvitationExpired,
    /// `invitation.deleted`
    InvitationDeleted,
    /// `report.created`
    ReportCreated,
    /// `report.updated` (also the completion event for Assess customers)
    ReportUpdated,
    /// `report.upgraded`
    ReportUpgraded,
    /// `report.completed`
    ReportCompleted,
    /// `report.canceled`
    ReportCanceled,
    /// `report.suspended`
    ReportSuspended,
    /// `report.resumed`
    ReportResumed,
    /// `report.disputed`
    ReportDisputed,
    /// `report.pre_adverse_action`
    ReportPreAdverseAction,
    /// `report.post_adverse_action`
    ReportPostAdverseAction,
    /// `report.engaged`
    ReportEngaged,
    /// `account.credentialed`
    AccountCredentialed,
    /// `token.deauthorized`
    TokenDeauthorized,
    /// Any other type: acknowledged and kept, not folded.
    Other,
}

impl EventKind {
    /// Parses a type name; unknown names are [`EventKind::Other`].
    pub fn parse(type_name: &str) -> Self {
        ALL_KINDS
            .iter()
            .copied()
            .find(|kind| kind.as_str() == type_name)
            .unwrap_or(EventKind::Other)
    }

    /// Checkr's name for the type (`"other"` for [`EventKind::Other`]).
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::InvitationCreated => "invitation.created",
            EventKind::InvitationCompleted => "invitation.completed",
            EventKind::InvitationExpired => "invitation.expired",
            EventKind::InvitationDeleted => "invitation.deleted",
            EventKind::ReportCreated => "report.created",
            EventKind::ReportUpdated => "report.updated",
            EventKind::ReportUpgraded => "report.upgraded",
            EventKind::ReportCompleted => "report.completed",
            EventKind::ReportCanceled => "report.canceled",
            EventKind::ReportSuspended => "report.suspended",
            EventKind::ReportResumed => "report.resumed",
            EventKind::ReportDisputed => "report.disputed",
            EventKind::ReportPreAdverseAction => "report.pre_adverse_action",
            EventKind::ReportPostAdverseAction => "report.post_adverse_action",
            EventKind::ReportEngaged => "report.engaged",
            EventKind::AccountCredentialed => "account.credentialed",
            EventKind::TokenDeauthorized => "token.deauthorized",
            EventKind::Other => "other",
        }
    }

    /// What the event says about its subject, per the seed's webhook table.
    fn subject(self) -> Subject {
        use ReportStatus as S;
        let report = |status, result, adjudication| {
            Subject::Report(Some(Implied {
                status,
                result,
                adjudication,
            }))
        };
        match self {
            EventKind::InvitationCreated => Subject::Invitation(Some(InvitationStatus::Pending)),
            EventKind::InvitationCompleted => {
                Subject::Invitation(Some(InvitationStatus::Completed))
            }
            EventKind::InvitationExpired => Subject::Invitation(Some(InvitationStatus::Expired)),
            EventKind::InvitationDeleted => Subject::Invitation(Some(InvitationStatus::Deleted)),
            EventKind::ReportCreated | EventKind::ReportResumed => report(S::Pending, None, None),
            EventKind::ReportCompleted => report(S::Complete, None, None),
            EventKind::ReportCanceled => report(S::Canceled, None, None),
            EventKind::ReportSuspended => report(S::Suspended, None, None),
            EventKind::ReportDisputed => report(S::Dispute, None, None),
            EventKind::ReportPreAdverseAction => report(
                S::Complete,
                Some(ReportResult::Consider),
                Some(Adjudication::PreAdverseAction),
            ),
            EventKind::ReportPostAdverseAction => report(
                S::Complete,
                Some(ReportResult::Consider),
                Some(Adjudication::PostAdverseAction),
            ),
            EventKind::ReportEngaged => report(S::Complete, None, Some(Adjudication::Engaged)),
            EventKind::ReportUpdated | EventKind::ReportUpgraded => Subject::Report(None),
            EventKind::AccountCredentialed | EventKind::TokenDeauthorized | EventKind::Other => {
                Subject::NotAnOrder
            }
        }
    }
}

const ALL_KINDS: [EventKind; 17] = [
    EventKind::InvitationCreated,
    EventKind::InvitationCompleted,
    EventKind::InvitationExpired,
    EventKind::InvitationDeleted,
    EventKind::ReportCreated,
    EventKind::ReportUpdated,
    EventKind::ReportUpgraded,
    EventKind::ReportCompleted,
    EventKind::ReportCanceled,
    EventKind::ReportSuspended,
    EventKind::ReportResumed,
    EventKind::ReportDisputed,
    EventKind::ReportPreAdverseAction,
    EventKind::ReportPostAdverseAction,
    EventKind::ReportEngaged,
    EventKind::AccountCredentialed,
    EventKind::TokenDeauthorized,
];

/// The report columns of the seed table, used when an event arrives without its full object.
#[derive(Debug, Clone, Copy)]
struct Implied {
    status: ReportStatus,
    result: Option<ReportResult>,
    adjudication: Option<Adjudication>,
}

#[derive(Debug, Clone, Copy)]
enum Subject {
    Invitation(Option<InvitationStatus>),
    Report(Option<Implied>),
    NotAnOrder,
}

impl Event {
    /// The parsed event type.
    pub fn kind(&self) -> EventKind {
        EventKind::parse(&self.type_name)
    }
}

/// What folding one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The order's state changed.
    Applied,
    /// This very event was already applied.
    Duplicate,
    /// A later event already set everything this one would.
    Stale,
    /// The event is not about an invitation or report, or carried nothing to apply.
    Ignored,
}

/// Which event last set a part of the state.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Mark {
    at: Timestamp,
    event_id: String,
}

/// An order's status together with what is needed to fold further events into it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoldedOrder {
    /// The current state.
    pub status: OrderStatus,
    #[serde(default)]
    invitation_mark: Option<Mark>,
    #[serde(default)]
    report_mark: Option<Mark>,
    #[serde(default)]
    eta_mark: Option<Mark>,
}

enum Step {
    Applied,
    Duplicate,
    Stale,
}

/// Replaces `target` with `value` when `mark` is later than the one stored.
fn advance<T>(stored: &mut Option<Mark>, mark: &Mark, target: &mut T, value: T) -> Step {
    match stored.as_ref() {
        Some(current) if current.event_id == mark.event_id => Step::Duplicate,
        Some(current) if current >= mark => Step::Stale,
        Some(_) | None => {
            *stored = Some(mark.clone());
            *target = value;
            Step::Applied
        }
    }
}

fn parse_word<'a, T: Deserialize<'a>>(word: Option<&'a str>) -> Option<T> {
    let deserializer: serde::de::value::StrDeserializer<'a, serde::de::value::Error> =
        word?.into_deserializer();
    T::deserialize(deserializer).ok()
}

impl FoldedOrder {
    /// Folds one event into the order. Safe to call with duplicates and in any order.
    pub fn apply(&mut self, event: &Event) -> Outcome {
        let mark = Mark {
            at: event.created_at.clone(),
            event_id: event.id.clone(),
        };
        let object = &event.data.object;
        let mut steps = Vec::with_capacity(2);
        match event.kind().subject() {
            Subject::NotAnOrder => return Outcome::Ignored,
            Subject::Invitation(implied) => {
                let status = implied.or_else(|| parse_word(object.status.as_deref()));
                if let (Some(status), Some(id)) = (status, object.id.clone()) {
                    let state = InvitationState {
                        id,
                        status,
                        report_id: object.report_id.clone(),
                    };
                    steps.push(advance(
                        &mut self.invitation_mark,
                        &mark,
                        &mut self.status.invitation,
                        Some(state),
                    ));
                }
            }
            Subject::Report(implied) => {
                if let Some(state) = report_state(object, implied) {
                    steps.push(advance(
                        &mut self.report_mark,
                        &mark,
                        &mut self.status.report,
                        Some(state),
                    ));
                }
                let eta = object
                    .estimated_completion_time
                    .as_deref()
                    .and_then(|text| Timestamp::parse(text).ok());
                if eta.is_some() {
                    steps.push(advance(
                        &mut self.eta_mark,
                        &mark,
                        &mut self.status.estimated_completion_time,
                        eta,
                    ));
                }
            }
        }
        if steps.iter().any(|step| matches!(step, Step::Applied)) {
            Outcome::Applied
        } else if steps.iter().any(|step| matches!(step, Step::Duplicate)) {
            Outcome::Duplicate
        } else if steps.is_empty() {
            Outcome::Ignored
        } else {
            Outcome::Stale
        }
    }
}

/// A full object (one with a `status`) is authoritative; a bare reference falls back to what
/// the event type itself implies.
fn report_state(object: &EventObject, implied: Option<Implied>) -> Option<ReportState> {
    let id = object.id.clone()?;
    let includes_canceled = object.includes_canceled.unwrap_or(false);
    match (object.status.as_deref(), implied) {
        (Some(status), _) => Some(ReportState {
            id,
            status: parse_word(Some(status)).unwrap_or(ReportStatus::Unrecognized),
            result: parse_word::<ReportResult>(object.result.as_deref()),
            adjudication: parse_word::<Adjudication>(object.adjudication.as_deref()),
            assessment: parse_word::<Assessment>(object.assessment.as_deref()),
            includes_canceled,
        }),
        (None, Some(implied)) => Some(ReportState {
            id,
            status: implied.status,
            result: implied.result,
            adjudication: implied.adjudication,
            assessment: None,
            includes_canceled,
        }),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_kind_round_trips_through_its_name() {
        for kind in ALL_KINDS {
            assert_eq!(EventKind::parse(kind.as_str()), kind);
        }
        assert_eq!(EventKind::parse("candidate.created"), EventKind::Other);
    }
}
