//! An order's own progress through the two provider calls that place it, and the badge it
//! shows before the provider has reported anything.
//!
//! Each step is recorded before the next is attempted, so a failure leaves the order exactly
//! where it stopped and a retry resumes there: after a failed invitation it reuses the
//! candidate already created (certification's retry requirement).

use serde::{Deserialize, Serialize};

use super::badge::{Badge, Tone};
use super::checkr::{CustomerType, OrderStatus};

/// Where an order stands on our side of the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStep {
    /// Validated and stored; nothing sent yet.
    Drafted,
    /// Creating the candidate failed; retrying sends it again.
    CandidateFailed,
    /// The provider holds the candidate; the invitation is next.
    CandidateCreated,
    /// Creating the invitation failed; retrying reuses the candidate.
    InvitationFailed,
    /// The invitation exists; from here webhooks drive the status.
    Invited,
}

impl OrderStep {
    /// The stable name used in storage and on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStep::Drafted => "drafted",
            OrderStep::CandidateFailed => "candidate_failed",
            OrderStep::CandidateCreated => "candidate_created",
            OrderStep::InvitationFailed => "invitation_failed",
            OrderStep::Invited => "invited",
        }
    }

    /// Parses [`OrderStep::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [
            OrderStep::Drafted,
            OrderStep::CandidateFailed,
            OrderStep::CandidateCreated,
            OrderStep::InvitationFailed,
            OrderStep::Invited,
        ]
        .into_iter()
        .find(|step| step.as_str() == name)
    }

    /// Whether the user may retry: a step failed, or the order stopped between steps.
    pub const fn can_retry(self) -> bool {
        match self {
            OrderStep::Drafted
            | OrderStep::CandidateFailed
            | OrderStep::CandidateCreated
            | OrderStep::InvitationFailed => true,
            OrderStep::Invited => false,
        }
    }

    /// Whether the next attempt must create the candidate (otherwise it is reused).
    pub const fn needs_candidate(self) -> bool {
        match self {
            OrderStep::Drafted | OrderStep::CandidateFailed => true,
            OrderStep::CandidateCreated | OrderStep::InvitationFailed | OrderStep::Invited => false,
        }
    }
}

/// Label of an order that has not reached the provider.
pub const NOT_SENT: &str = "Not Sent";
/// Label of an order on its way to the provider.
pub const SENDING: &str = "Sending";

/// The badge for an order: the provider's status once it has one, otherwise our own step.
pub fn order_badge(step: OrderStep, status: &OrderStatus, customer: CustomerType) -> Badge {
    let own = |label, tone| Badge {
        label,
        tone,
        is_final: false,
        canceled_indicator: false,
    };
    match step {
        OrderStep::Drafted | OrderStep::CandidateCreated => own(SENDING, Tone::Progress),
        OrderStep::CandidateFailed | OrderStep::InvitationFailed => own(NOT_SENT, Tone::Negative),
        OrderStep::Invited => status
            .badge(customer)
            // Before the first webhook, the invitation we just created is simply sent.
            .unwrap_or(own(super::checkr::labels::INVITATION_SENT, Tone::Neutral)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unfinished_orders_can_be_retried_and_retries_keep_the_candidate() {
        assert!(OrderStep::InvitationFailed.can_retry());
        assert!(!OrderStep::InvitationFailed.needs_candidate());
        assert!(OrderStep::CandidateFailed.needs_candidate());
        assert!(!OrderStep::Invited.can_retry());
    }

    #[test]
    fn a_failed_order_shows_not_sent_until_retried() {
        let badge = order_badge(
            OrderStep::InvitationFailed,
            &OrderStatus::default(),
            CustomerType::Combined,
        );
        assert_eq!(badge.label, "Not Sent");
        let invited = order_badge(
            OrderStep::Invited,
            &OrderStatus::default(),
            CustomerType::Combined,
        );
        assert_eq!(invited.label, "Invitation Sent");
    }

    #[test]
    fn step_names_round_trip() {
        for name in [
            "drafted",
            "candidate_failed",
            "candidate_created",
            "invitation_failed",
            "invited",
        ] {
            assert_eq!(OrderStep::parse(name).map(OrderStep::as_str), Some(name));
        }
        assert_eq!(OrderStep::parse("sent"), None);
    }
}
