//! Which order a webhook event or a read is about: the rules every store follows, so SQLite
//! and PostgreSQL link events to orders alike. A store only finds the candidates (by id,
//! within the provider account the event came from) and asks these functions.

use super::events::{Event, EventKind, EventObject};
use super::order::OrderStep;

/// What an event concerns, and so what a store must find to apply it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// `account.credentialed`: the ATS account linked to the event's Checkr account.
    Credentialed,
    /// `token.deauthorized`: the connection whose token is this (revoked) access code.
    Revoked(&'a str),
    /// An invitation event: the order linked to this invitation.
    Invitation(&'a str),
    /// A report event: the order linked to this report; if none is, what `unlinked` says.
    Report {
        /// The report's id.
        id: &'a str,
        /// What to do when no order is linked to the report yet.
        unlinked: Unlinked<'a>,
    },
    /// Nothing to apply: a type bgcheck ignores, or an object without the id it needs.
    Nothing,
}

/// A report that no order is linked to yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlinked<'a> {
    /// A bare reference (webhooks without the object): only a read of the report can tell
    /// whether, and to which order, it belongs.
    ReadFirst,
    /// The report beat `invitation.completed`: it belongs to the order this matches.
    Match(ReportMatch<'a>),
}

/// What an order must be to take a report nothing linked it to: invited, still without a
/// report, for the report's candidate and package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportMatch<'a> {
    /// The report's provider candidate; a store looks orders up by it.
    pub candidate_id: Option<&'a str>,
    /// The report's package slug.
    pub package: Option<&'a str>,
}

impl<'a> ReportMatch<'a> {
    /// The match for a report object (from an event or a read).
    pub fn of(report: &'a EventObject) -> Self {
        Self {
            candidate_id: report.candidate_id.as_deref(),
            package: report.package.as_deref(),
        }
    }

    /// Whether an order (its provider candidate, package, step and report) takes the report.
    /// A report naming no candidate or no package matches nothing.
    pub fn takes(
        &self,
        candidate_id: Option<&str>,
        package: &str,
        step: OrderStep,
        report_id: Option<&str>,
    ) -> bool {
        report_id.is_none()
            && step == OrderStep::Invited
            && self.candidate_id.is_some()
            && self.candidate_id == candidate_id
            && self.package == Some(package)
    }
}

/// What `event` concerns.
pub fn subject(event: &Event) -> Subject<'_> {
    let object = &event.data.object;
    match event.kind() {
        EventKind::AccountCredentialed => Subject::Credentialed,
        EventKind::TokenDeauthorized => object
            .access_code
            .as_deref()
            .map_or(Subject::Nothing, Subject::Revoked),
        EventKind::InvitationCreated
        | EventKind::InvitationCompleted
        | EventKind::InvitationExpired
        | EventKind::InvitationDeleted => object
            .id
            .as_deref()
            .map_or(Subject::Nothing, Subject::Invitation),
        EventKind::ReportCreated
        | EventKind::ReportUpdated
        | EventKind::ReportUpgraded
        | EventKind::ReportCompleted
        | EventKind::ReportCanceled
        | EventKind::ReportSuspended
        | EventKind::ReportResumed
        | EventKind::ReportDisputed
        | EventKind::ReportPreAdverseAction
        | EventKind::ReportPostAdverseAction
        | EventKind::ReportEngaged => match object.id.as_deref() {
            Some(id) => Subject::Report {
                id,
                unlinked: if object.is_bare() {
                    Unlinked::ReadFirst
                } else {
                    Unlinked::Match(ReportMatch::of(object))
                },
            },
            None => Subject::Nothing,
        },
        EventKind::Other => Subject::Nothing,
    }
}

// serde_json, used to write the events, is a native dependency only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn event(type_name: &str, object: serde_json::Value) -> Event {
        serde_json::from_value(serde_json::json!({
            "id": "evt_1", "object": "event", "type": type_name,
            "created_at": "2026-11-20T10:00:00Z", "account_id": "acct_1",
            "data": {"object": object}
        }))
        .unwrap_or_else(|error| panic!("test event: {error}"))
    }

    #[test]
    fn a_report_with_its_fields_links_by_candidate_and_package() {
        let report = event(
            "report.completed",
            serde_json::json!({"id": "rpt_1", "object": "report", "status": "complete",
                "candidate_id": "cand_1", "package": "basic"}),
        );
        assert_eq!(
            subject(&report),
            Subject::Report {
                id: "rpt_1",
                unlinked: Unlinked::Match(ReportMatch {
                    candidate_id: Some("cand_1"),
                    package: Some("basic"),
                }),
            }
        );
    }

    #[test]
    fn a_bare_report_reference_is_read_before_it_links_anything() {
        let bare = event(
            "report.completed",
            serde_json::json!({"id": "rpt_1", "object": "report"}),
        );
        assert_eq!(
            subject(&bare),
            Subject::Report {
                id: "rpt_1",
                unlinked: Unlinked::ReadFirst,
            }
        );
    }

    #[test]
    fn events_without_the_id_they_need_concern_nothing() {
        let invitation = event(
            "invitation.completed",
            serde_json::json!({"object": "invitation"}),
        );
        let revoked = event("token.deauthorized", serde_json::json!({}));
        let unknown = event("candidate.created", serde_json::json!({"id": "cand_1"}));
        assert_eq!(subject(&invitation), Subject::Nothing);
        assert_eq!(subject(&revoked), Subject::Nothing);
        assert_eq!(subject(&unknown), Subject::Nothing);
    }

    #[test]
    fn only_an_invited_order_of_the_same_candidate_and_package_without_a_report_takes_it() {
        let found = ReportMatch {
            candidate_id: Some("cand_1"),
            package: Some("basic"),
        };
        let invited = OrderStep::Invited;
        assert!(found.takes(Some("cand_1"), "basic", invited, None));
        assert!(!found.takes(Some("cand_1"), "basic", invited, Some("rpt_0")));
        assert!(!found.takes(Some("cand_1"), "pro", invited, None));
        assert!(!found.takes(Some("cand_2"), "basic", invited, None));
        assert!(!found.takes(Some("cand_1"), "basic", OrderStep::Drafted, None));
        let nameless = ReportMatch {
            candidate_id: None,
            package: Some("basic"),
        };
        assert!(!nameless.takes(None, "basic", invited, None));
    }
}
