//! Checkr webhook events and how they fold into an order's [`OrderStatus`].
//!
//! Checkr retries deliveries for a day and promises no ordering, so folding must be
//! idempotent and order-independent: each part of the state (the invitation, the report, the
//! ETA) keeps the `created_at` and type of the event that last set it, and only a later event
//! may overwrite it. A repeated or older event therefore changes nothing.
//!
//! Checkr's `created_at` has one-second resolution and its event ids are random, so two events
//! of one object often share a second and the id says nothing about which came first. Such a
//! tie is settled by the lifecycle of the seed's webhook table ([`EventKind`]'s stage: a
//! report is created before it completes, completes before it is adjudicated). Where the
//! lifecycle cannot order the two (a suspension and a resumption in one second, or a
//! `report.updated` beside anything) and they disagree, the fold keeps what it has and answers
//! [`Outcome::NeedsRead`]: the caller reads the object from Checkr, as Checkr advises for
//! ordering doubts, and folds it with [`FoldedOrder::apply_read`]. An event whose object came
//! without the fields the fold needs (webhooks with `include_object` off carry only
//! `{id, object, uri}`) answers the same.

use std::cmp::Ordering;

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
    /// On an invitation: when it was canceled (its `status` stays `pending`).
    #[serde(default)]
    pub deleted_at: Option<String>,
}

impl EventObject {
    /// Whether this is only a reference (`{id, object, uri}`), as sent when the customer's
    /// webhook has `include_object` off: it says which object changed, not how.
    pub fn is_bare(&self) -> bool {
        self.status.is_none()
    }
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

    /// Where the event falls in its object's lifecycle, after the seed's webhook table: of two
    /// events about one object, one of a later stage always happened after one of an earlier
    /// stage. Events of one stage exclude or alternate with each other (a report is suspended
    /// and resumed, completed or canceled, engaged or pre-adverse-actioned; a dispute and a
    /// post-adverse action both follow the pre-adverse action), and `report.updated` and
    /// `report.upgraded` can happen at any point, so those cannot be ordered by type.
    pub const fn stage(self) -> Option<u8> {
        match self {
            EventKind::InvitationCreated => Some(0),
            EventKind::InvitationCompleted
            | EventKind::InvitationExpired
            | EventKind::InvitationDeleted => Some(1),
            EventKind::ReportCreated => Some(0),
            EventKind::ReportSuspended | EventKind::ReportResumed => Some(1),
            EventKind::ReportCompleted | EventKind::ReportCanceled => Some(2),
            EventKind::ReportEngaged | EventKind::ReportPreAdverseAction => Some(3),
            EventKind::ReportDisputed | EventKind::ReportPostAdverseAction => Some(4),
            EventKind::ReportUpdated | EventKind::ReportUpgraded => None,
            EventKind::AccountCredentialed | EventKind::TokenDeauthorized | EventKind::Other => {
                None
            }
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
            // A completion's result, and whatever an update changed, is only in the object.
            EventKind::ReportCompleted | EventKind::ReportUpdated | EventKind::ReportUpgraded => {
                Subject::Report(None)
            }
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

/// The report columns of the seed table, used when an event arrives without its full object
/// and the type alone decides the badge.
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
    /// The fold cannot settle this event alone: it ties with what is folded and the lifecycle
    /// does not order them, or its object came without the fields needed. Read the object
    /// from Checkr and fold it with [`FoldedOrder::apply_read`]. Parts the event did settle
    /// (another part of the state) are applied.
    NeedsRead,
}

/// Which event (or read) last set a part of the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Mark {
    at: Timestamp,
    /// Empty for a read.
    event_id: String,
    /// The event type; absent for a read, and in marks stored before types were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    /// For a read: the lifecycle stage its state shows, where that state names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    read_stage: Option<u8>,
}

impl Mark {
    fn of_event(event: &Event) -> Self {
        Self {
            at: event.created_at.clone(),
            event_id: event.id.clone(),
            kind: Some(event.type_name.clone()),
            read_stage: None,
        }
    }

    fn stage(&self) -> Option<u8> {
        match self.kind.as_deref() {
            Some(kind) => EventKind::parse(kind).stage(),
            None => self.read_stage,
        }
    }

    fn is_event(&self, event_id: &str) -> bool {
        !self.event_id.is_empty() && self.event_id == event_id
    }
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
    /// The newest `created_at` of any event folded about the invitation, applied or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invitation_seen: Option<Timestamp>,
    /// The same for the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    report_seen: Option<Timestamp>,
}

enum Step {
    Applied,
    Duplicate,
    Stale,
    Unsettled,
}

/// Replaces `target` with `value` when `mark` comes after the one stored: later in time, or in
/// the same second and later in the lifecycle. A same-second event the lifecycle cannot place
/// is [`Step::Unsettled`] unless it would change nothing.
fn advance<T: PartialEq>(stored: &mut Option<Mark>, mark: &Mark, target: &mut T, value: T) -> Step {
    let later = match stored.as_ref() {
        None => true,
        Some(current) if current.is_event(&mark.event_id) => return Step::Duplicate,
        Some(current) => match current.at.cmp_instant(&mark.at) {
            Ordering::Greater => false,
            Ordering::Less => true,
            Ordering::Equal => match (current.stage(), mark.stage()) {
                (Some(before), Some(after)) if before != after => before < after,
                (Some(_) | None, Some(_) | None) if *target == value => false,
                (Some(_) | None, Some(_) | None) => return Step::Unsettled,
            },
        },
    };
    if later {
        *stored = Some(mark.clone());
        *target = value;
        Step::Applied
    } else {
        Step::Stale
    }
}

/// Sets `target` from a read of the object, which is authoritative up to `at`. `stage` is the
/// lifecycle stage the read state shows, if it shows one: a same-second event of a later
/// stage then still follows the read, one of an earlier stage precedes it.
fn settle<T: PartialEq>(
    stored: &mut Option<Mark>,
    at: &Timestamp,
    stage: Option<u8>,
    target: &mut T,
    value: T,
) -> Step {
    let newer = stored
        .as_ref()
        .is_none_or(|current| current.at.cmp_instant(at) == Ordering::Less);
    let changed = *target != value;
    if changed || newer {
        let at = match stored.as_ref() {
            Some(current) if current.at.cmp_instant(at) == Ordering::Greater => current.at.clone(),
            Some(_) | None => at.clone(),
        };
        *stored = Some(Mark {
            at,
            event_id: String::new(),
            kind: None,
            read_stage: stage,
        });
        *target = value;
    }
    if changed { Step::Applied } else { Step::Stale }
}

fn parse_word<'a, T: Deserialize<'a>>(word: Option<&'a str>) -> Option<T> {
    let deserializer: serde::de::value::StrDeserializer<'a, serde::de::value::Error> =
        word?.into_deserializer();
    T::deserialize(deserializer).ok()
}

fn summarize(steps: &[Step]) -> Outcome {
    let any = |wanted: fn(&Step) -> bool| steps.iter().any(wanted);
    if any(|step| matches!(step, Step::Unsettled)) {
        Outcome::NeedsRead
    } else if any(|step| matches!(step, Step::Applied)) {
        Outcome::Applied
    } else if any(|step| matches!(step, Step::Duplicate)) {
        Outcome::Duplicate
    } else if steps.is_empty() {
        Outcome::Ignored
    } else {
        Outcome::Stale
    }
}

/// Keeps the later of the two instants.
fn see(seen: &mut Option<Timestamp>, at: &Timestamp) {
    if seen
        .as_ref()
        .is_none_or(|newest| newest.cmp_instant(at) == Ordering::Less)
    {
        *seen = Some(at.clone());
    }
}

fn parse_eta(object: &EventObject) -> Option<Timestamp> {
    object
        .estimated_completion_time
        .as_deref()
        .and_then(|text| Timestamp::parse(text).ok())
}

impl FoldedOrder {
    /// Folds one event into the order. Safe to call with duplicates and in any order; see
    /// [`Outcome::NeedsRead`] for the one answer that asks the caller for more.
    pub fn apply(&mut self, event: &Event) -> Outcome {
        let mark = Mark::of_event(event);
        let object = &event.data.object;
        let mut steps = Vec::with_capacity(2);
        match event.kind().subject() {
            Subject::NotAnOrder => return Outcome::Ignored,
            Subject::Invitation(implied) => {
                see(&mut self.invitation_seen, &event.created_at);
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
                    // A completion names its report; a bare one does not.
                    if status == InvitationStatus::Completed && object.report_id.is_none() {
                        steps.push(Step::Unsettled);
                    }
                }
            }
            Subject::Report(implied) => {
                see(&mut self.report_seen, &event.created_at);
                match report_state(object, implied) {
                    Some(state) => steps.push(advance(
                        &mut self.report_mark,
                        &mark,
                        &mut self.status.report,
                        Some(state),
                    )),
                    None if object.id.is_some() => steps.push(Step::Unsettled),
                    None => {}
                }
                let eta = parse_eta(object);
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
        summarize(&steps)
    }

    /// The newest `created_at` among the invitation events folded so far (applied, stale or
    /// unsettled): the `as_of` for a read of the invitation, kept here so that finding it
    /// costs no look at the stored events.
    pub fn newest_invitation_event(&self) -> Option<&Timestamp> {
        self.invitation_seen.as_ref()
    }

    /// [`FoldedOrder::newest_invitation_event`] for the report.
    pub fn newest_report_event(&self) -> Option<&Timestamp> {
        self.report_seen.as_ref()
    }

    /// Folds an invitation or report as read from Checkr (`GET /v1/invitations/{id}` with
    /// `include_deleted=true`, or `GET /v1/reports/{id}`). The read replaces what events set:
    /// it is authoritative up to `as_of`, the newest `created_at` among the events about the
    /// object recorded before the read began. The caller must not fold a read that began
    /// before an event it has since folded; later events are folded over it as usual, and a
    /// same-second one that disagrees with it asks for another read.
    pub fn apply_read(&mut self, object: &EventObject, as_of: &Timestamp) -> Outcome {
        let mut steps = Vec::with_capacity(2);
        match object.object.as_deref() {
            Some("invitation") => {
                let status = if object.deleted_at.is_some() {
                    Some(InvitationStatus::Deleted)
                } else {
                    parse_word(object.status.as_deref())
                };
                if let (Some(status), Some(id)) = (status, object.id.clone()) {
                    let state = InvitationState {
                        id,
                        status,
                        report_id: object.report_id.clone(),
                    };
                    let stage = match status {
                        InvitationStatus::Pending => EventKind::InvitationCreated.stage(),
                        InvitationStatus::Completed
                        | InvitationStatus::Expired
                        | InvitationStatus::Deleted => EventKind::InvitationCompleted.stage(),
                    };
                    steps.push(settle(
                        &mut self.invitation_mark,
                        as_of,
                        stage,
                        &mut self.status.invitation,
                        Some(state),
                    ));
                }
            }
            Some("report") => {
                if let Some(state) = report_state(object, None) {
                    let stage = report_stage(&state);
                    steps.push(settle(
                        &mut self.report_mark,
                        as_of,
                        stage,
                        &mut self.status.report,
                        Some(state),
                    ));
                    steps.push(settle(
                        &mut self.eta_mark,
                        as_of,
                        None,
                        &mut self.status.estimated_completion_time,
                        parse_eta(object),
                    ));
                }
            }
            Some(_) | None => {}
        }
        summarize(&steps)
    }
}

/// The lifecycle stage (see [`EventKind::stage`]) a report's state shows. A pending report may
/// be new or resumed, so it shows none.
fn report_stage(report: &ReportState) -> Option<u8> {
    let kind = match (report.status, report.adjudication) {
        (ReportStatus::Pending | ReportStatus::Paused | ReportStatus::Unrecognized, _) => {
            return None;
        }
        (ReportStatus::Suspended, _) => EventKind::ReportSuspended,
        (ReportStatus::Canceled, _) | (ReportStatus::Complete, None) => EventKind::ReportCompleted,
        (ReportStatus::Complete, Some(Adjudication::Engaged)) => EventKind::ReportEngaged,
        (ReportStatus::Complete, Some(Adjudication::PreAdverseAction)) => {
            EventKind::ReportPreAdverseAction
        }
        (ReportStatus::Complete, Some(Adjudication::PostAdverseAction)) => {
            EventKind::ReportPostAdverseAction
        }
        (ReportStatus::Dispute, _) => EventKind::ReportDisputed,
    };
    kind.stage()
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
