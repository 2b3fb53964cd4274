//! An order's own progress through the two provider calls that place it, and the badge it
//! shows before the provider has reported anything.
//!
//! Each step is recorded before the next is attempted, so a failure leaves the order exactly
//! where it stopped and a retry resumes there: after a failed invitation it reuses the
//! candidate already created (certification's retry requirement).
//!
//! One placement runs at a time: whoever sends an order first claims it with a [`Lease`]
//! (in the same write that moves a failed step back to a sending one). While the lease is
//! live nobody else may send it and every viewer sees "Sending"; a lease that expired means
//! the sender stopped (a crash), so the order may be claimed again.

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

    /// Whether the user may retry: a step failed, or the order stopped between steps and its
    /// sender's lease expired. Never while someone is sending it.
    pub const fn can_retry(self, lease: Lease) -> bool {
        match lease {
            Lease::Live => false,
            Lease::Free => match self {
                OrderStep::Drafted
                | OrderStep::CandidateFailed
                | OrderStep::CandidateCreated
                | OrderStep::InvitationFailed => true,
                OrderStep::Invited => false,
            },
        }
    }

    /// The step a claimed order is sent from: a failed step goes back to the sending step it
    /// failed in, so every viewer sees "Sending" while it runs. `None` once invited.
    pub const fn resume_from(self) -> Option<OrderStep> {
        match self {
            OrderStep::Drafted | OrderStep::CandidateFailed => Some(OrderStep::Drafted),
            OrderStep::CandidateCreated | OrderStep::InvitationFailed => {
                Some(OrderStep::CandidateCreated)
            }
            OrderStep::Invited => None,
        }
    }

    /// The failed step an attempt from this step ends in when the provider refuses it.
    pub const fn failed(self) -> OrderStep {
        match self {
            OrderStep::Drafted | OrderStep::CandidateFailed => OrderStep::CandidateFailed,
            OrderStep::CandidateCreated | OrderStep::InvitationFailed => {
                OrderStep::InvitationFailed
            }
            OrderStep::Invited => OrderStep::Invited,
        }
    }

    /// Whether an order in this step is on its way: if nobody holds its lease, its sender
    /// stopped part-way and the reconciler resumes it.
    pub const fn is_sending(self) -> bool {
        match self {
            OrderStep::Drafted | OrderStep::CandidateCreated => true,
            OrderStep::CandidateFailed | OrderStep::InvitationFailed | OrderStep::Invited => false,
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

/// Whether someone holds the right to send an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lease {
    /// Nobody: never claimed, released, or expired.
    Free,
    /// A sender holds it until its expiry.
    Live,
}

impl Lease {
    /// The lease of an order whose lease runs `until` (Unix seconds), seen at `now`; the
    /// caller reads the clock.
    pub const fn at(until: Option<i64>, now: i64) -> Self {
        match until {
            Some(until) if until > now => Lease::Live,
            Some(_) | None => Lease::Free,
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

    const ALL: [OrderStep; 5] = [
        OrderStep::Drafted,
        OrderStep::CandidateFailed,
        OrderStep::CandidateCreated,
        OrderStep::InvitationFailed,
        OrderStep::Invited,
    ];

    #[test]
    fn only_unfinished_orders_can_be_retried_and_retries_keep_the_candidate() {
        assert!(OrderStep::InvitationFailed.can_retry(Lease::Free));
        assert!(!OrderStep::InvitationFailed.needs_candidate());
        assert!(OrderStep::CandidateFailed.needs_candidate());
        assert!(!OrderStep::Invited.can_retry(Lease::Free));
    }

    #[test]
    fn nothing_is_retried_while_someone_is_sending_it() {
        for step in ALL {
            assert!(!step.can_retry(Lease::Live), "{step:?}");
        }
        // An order stopped between steps whose lease ran out was interrupted.
        assert!(OrderStep::Drafted.can_retry(Lease::Free));
        assert!(OrderStep::CandidateCreated.can_retry(Lease::Free));
    }

    #[test]
    fn a_claimed_order_is_sent_from_where_it_stopped_and_shows_sending() {
        for step in ALL {
            match step.resume_from() {
                Some(resumed) => {
                    assert!(resumed.is_sending(), "{step:?}");
                    assert_eq!(resumed.needs_candidate(), step.needs_candidate());
                    let badge =
                        order_badge(resumed, &OrderStatus::default(), CustomerType::Combined);
                    assert_eq!(badge.label, SENDING);
                }
                None => assert_eq!(step, OrderStep::Invited),
            }
        }
    }

    #[test]
    fn a_lease_is_live_only_before_its_expiry() {
        assert_eq!(Lease::at(None, 100), Lease::Free);
        assert_eq!(Lease::at(Some(101), 100), Lease::Live);
        assert_eq!(Lease::at(Some(100), 100), Lease::Free);
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
