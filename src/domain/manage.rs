//! Managing placed orders: which orders can be canceled or resent, who may read the order
//! history, and the rules for report tags. Shared by the proxy (which enforces them) and the
//! widget (which offers only what the proxy will accept).

use serde::{Deserialize, Serialize};

use super::checkr::{InvitationStatus, OrderStatus};
use super::order::OrderStep;
use super::view::Role;

/// Why an order's invitation cannot be canceled now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCancelable {
    /// No invitation exists yet (the order is still being placed or failed).
    NotInvited,
    /// The candidate finished the invitation; a report is under way.
    Completed,
    /// Seven days passed; Checkr no longer holds it open.
    Expired,
    /// Already canceled.
    AlreadyCanceled,
}

impl NotCancelable {
    /// The sentence the user reads.
    pub const fn message(self) -> &'static str {
        match self {
            NotCancelable::NotInvited => {
                "This order has no invitation yet; retry it or wait until it is sent."
            }
            NotCancelable::Completed => {
                "The candidate already completed this invitation, so it can no longer be canceled."
            }
            NotCancelable::Expired => {
                "This invitation already expired; resend it to invite the candidate again."
            }
            NotCancelable::AlreadyCanceled => "This invitation was already canceled.",
        }
    }
}

/// Whether the order's invitation is pending and so may be canceled; returns its id.
pub fn cancelable(
    step: OrderStep,
    invitation_id: Option<&str>,
    status: &OrderStatus,
) -> Result<String, NotCancelable> {
    let id = match (step, invitation_id) {
        (OrderStep::Invited, Some(id)) => id,
        (
            OrderStep::Drafted
            | OrderStep::CandidateFailed
            | OrderStep::CandidateCreated
            | OrderStep::InvitationFailed
            | OrderStep::Invited,
            _,
        ) => return Err(NotCancelable::NotInvited),
    };
    if status.report.is_some() {
        return Err(NotCancelable::Completed);
    }
    match status
        .invitation
        .as_ref()
        .map(|invitation| invitation.status)
    {
        None | Some(InvitationStatus::Pending) => Ok(id.to_owned()),
        Some(InvitationStatus::Completed) => Err(NotCancelable::Completed),
        Some(InvitationStatus::Expired) => Err(NotCancelable::Expired),
        Some(InvitationStatus::Deleted) => Err(NotCancelable::AlreadyCanceled),
    }
}

/// What resending an order takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResendPlan {
    /// Cancel this still-pending invitation first, then invite again.
    CancelThenInvite(String),
    /// The invitation is already expired or canceled: only invite again.
    Invite,
}

/// Whether the order can be resent: its invitation is pending, expired or canceled, and the
/// candidate has not completed it.
pub fn resendable(
    step: OrderStep,
    invitation_id: Option<&str>,
    status: &OrderStatus,
) -> Result<ResendPlan, NotCancelable> {
    match cancelable(step, invitation_id, status) {
        Ok(id) => Ok(ResendPlan::CancelThenInvite(id)),
        Err(NotCancelable::Expired | NotCancelable::AlreadyCanceled) => Ok(ResendPlan::Invite),
        Err(other @ (NotCancelable::NotInvited | NotCancelable::Completed)) => Err(other),
    }
}

/// Whether this role may read order history and the account's audit log: those who answer
/// for the account's use of background checks, not every recruiter.
pub const fn reads_audit(role: Role) -> bool {
    match role {
        Role::Recruiter => false,
        Role::Adjudicator | Role::Admin => true,
    }
}

/// What an audit row records, by its stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// An order was placed.
    Ordered,
    /// A failed order was sent again.
    Retried,
    /// A pending invitation was canceled.
    Canceled,
    /// An invitation was canceled (if still pending) and a new one sent.
    Resent,
    /// The report's tags were changed.
    Tagged,
    /// Something was enrolled (continuous checks, subscriptions).
    Enrolled,
    /// An admin unlinked the Checkr account.
    Disconnected,
    /// A message to the ATS backend was delivered, or an attempt failed.
    Delivered,
}

impl AuditAction {
    /// Every action, for parsing.
    pub const ALL: [AuditAction; 8] = [
        AuditAction::Ordered,
        AuditAction::Retried,
        AuditAction::Canceled,
        AuditAction::Resent,
        AuditAction::Tagged,
        AuditAction::Enrolled,
        AuditAction::Disconnected,
        AuditAction::Delivered,
    ];

    /// The stored and wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::Ordered => "ordered",
            AuditAction::Retried => "retried",
            AuditAction::Canceled => "canceled",
            AuditAction::Resent => "resent",
            AuditAction::Tagged => "tagged",
            AuditAction::Enrolled => "enrolled",
            AuditAction::Disconnected => "disconnected",
            AuditAction::Delivered => "delivered",
        }
    }

    /// What the widget's history says was done.
    pub const fn label(self) -> &'static str {
        match self {
            AuditAction::Ordered => "Ordered",
            AuditAction::Retried => "Retried",
            AuditAction::Canceled => "Canceled the invitation",
            AuditAction::Resent => "Resent the invitation",
            AuditAction::Tagged => "Changed the tags",
            AuditAction::Enrolled => "Enrolled",
            AuditAction::Disconnected => "Unlinked the Checkr account",
            AuditAction::Delivered => "Notified the ATS",
        }
    }

    /// Parses [`AuditAction::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == name)
    }
}

/// The most tags one report carries through bgcheck.
pub const MAX_TAGS: usize = 10;
/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;

/// Why a tag list was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagProblem {
    /// More than [`MAX_TAGS`].
    TooMany,
    /// A tag that is empty once trimmed.
    Empty,
    /// A tag longer than [`MAX_TAG_CHARS`].
    TooLong(String),
    /// A tag with a control character (line breaks and the like).
    Control(String),
}

impl TagProblem {
    /// The sentence the user reads.
    pub fn message(&self) -> String {
        match self {
            TagProblem::TooMany => format!("Use at most {MAX_TAGS} tags."),
            TagProblem::Empty => "Tags cannot be empty.".to_owned(),
            TagProblem::TooLong(tag) => {
                format!("Tag \"{tag}\" is longer than {MAX_TAG_CHARS} characters.")
            }
            TagProblem::Control(_) => "Tags cannot contain line breaks or tabs.".to_owned(),
        }
    }
}

/// Trims each tag, drops repeats (keeping the first), and checks count and length.
pub fn normalize_tags(tags: &[String]) -> Result<Vec<String>, TagProblem> {
    let mut kept: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim();
        if tag.is_empty() {
            return Err(TagProblem::Empty);
        }
        if tag.chars().any(char::is_control) {
            return Err(TagProblem::Control(tag.to_owned()));
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(TagProblem::TooLong(tag.to_owned()));
        }
        if !kept.iter().any(|known| known == tag) {
            kept.push(tag.to_owned());
        }
    }
    if kept.len() > MAX_TAGS {
        return Err(TagProblem::TooMany);
    }
    Ok(kept)
}

/// The tags of the host attribute `tags`: a comma-separated list (`REQ-7, hm@example.com`).
/// Blank entries are dropped; the result still goes through [`normalize_tags`]. A tag that
/// itself holds a comma is passed through the JavaScript option instead.
pub fn split_tag_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The calls that turn `current` tags into `wanted`: tags to add, then tags to remove, each
/// one call at Checkr.
pub fn tag_changes(current: &[String], wanted: &[String]) -> (Vec<String>, Vec<String>) {
    let add = wanted
        .iter()
        .filter(|tag| !current.contains(tag))
        .cloned()
        .collect();
    let remove = current
        .iter()
        .filter(|tag| !wanted.contains(tag))
        .cloned()
        .collect();
    (add, remove)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkr::InvitationState;

    fn invited(status: InvitationStatus) -> OrderStatus {
        OrderStatus {
            invitation: Some(InvitationState {
                id: "inv".to_owned(),
                status,
                report_id: None,
            }),
            ..OrderStatus::default()
        }
    }

    #[test]
    fn only_a_pending_invitation_can_be_canceled() {
        let pending = invited(InvitationStatus::Pending);
        assert_eq!(
            cancelable(OrderStep::Invited, Some("inv"), &pending),
            Ok("inv".to_owned())
        );
        for (status, why) in [
            (InvitationStatus::Completed, NotCancelable::Completed),
            (InvitationStatus::Expired, NotCancelable::Expired),
            (InvitationStatus::Deleted, NotCancelable::AlreadyCanceled),
        ] {
            assert_eq!(
                cancelable(OrderStep::Invited, Some("inv"), &invited(status)),
                Err(why)
            );
        }
        assert_eq!(
            cancelable(OrderStep::InvitationFailed, None, &OrderStatus::default()),
            Err(NotCancelable::NotInvited)
        );
    }

    #[test]
    fn resending_an_expired_or_canceled_invitation_only_invites_again() {
        assert_eq!(
            resendable(
                OrderStep::Invited,
                Some("inv"),
                &invited(InvitationStatus::Pending)
            ),
            Ok(ResendPlan::CancelThenInvite("inv".to_owned()))
        );
        for status in [InvitationStatus::Expired, InvitationStatus::Deleted] {
            assert_eq!(
                resendable(OrderStep::Invited, Some("inv"), &invited(status)),
                Ok(ResendPlan::Invite)
            );
        }
        assert_eq!(
            resendable(
                OrderStep::Invited,
                Some("inv"),
                &invited(InvitationStatus::Completed)
            ),
            Err(NotCancelable::Completed)
        );
    }

    #[test]
    fn tags_are_trimmed_deduplicated_and_bounded() {
        let tags = vec![
            " req-1 ".to_owned(),
            "req-1".to_owned(),
            "hm@x.io".to_owned(),
        ];
        assert_eq!(
            normalize_tags(&tags),
            Ok(vec!["req-1".to_owned(), "hm@x.io".to_owned()])
        );
        let many: Vec<String> = (0..=MAX_TAGS).map(|n| format!("t{n}")).collect();
        assert_eq!(normalize_tags(&many), Err(TagProblem::TooMany));
        let long = "x".repeat(MAX_TAG_CHARS + 1);
        assert_eq!(
            normalize_tags(std::slice::from_ref(&long)),
            Err(TagProblem::TooLong(long))
        );
        assert_eq!(normalize_tags(&["  ".to_owned()]), Err(TagProblem::Empty));
        assert!(matches!(
            normalize_tags(&["a\nb".to_owned()]),
            Err(TagProblem::Control(_))
        ));
    }

    #[test]
    fn a_tag_attribute_is_a_comma_separated_list() {
        assert_eq!(
            split_tag_list(" REQ-7, hm@x.io ,, "),
            vec!["REQ-7", "hm@x.io"]
        );
        assert!(split_tag_list("  ").is_empty());
    }

    #[test]
    fn tag_changes_add_the_new_and_remove_the_dropped() {
        let current = vec!["a".to_owned(), "b".to_owned()];
        let wanted = vec!["b".to_owned(), "c".to_owned()];
        assert_eq!(
            tag_changes(&current, &wanted),
            (vec!["c".to_owned()], vec!["a".to_owned()])
        );
    }

    #[test]
    fn only_adjudicators_and_admins_read_the_audit_log() {
        assert!(!reads_audit(Role::Recruiter));
        assert!(reads_audit(Role::Adjudicator));
        assert!(reads_audit(Role::Admin));
    }
}
