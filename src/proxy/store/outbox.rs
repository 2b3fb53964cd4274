//! The outbox of webhooks to the ATS backend: what both stores write, in the same transaction
//! as the change that causes it, and what the delivery worker reads back.
//!
//! The payloads are built here, once, so both backends send the same thing. They carry ids,
//! the badge and connection states, and the applicant id (`custom_id`); never a candidate's
//! name, contact details, or a provider's error text (which may quote them).

use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::checkr::CustomerType;
use crate::domain::order::{OrderStep, order_badge};
use crate::domain::time::Timestamp;

use super::audit::{AuditEntry, AuditOutcome};
use super::{ConnectionState, OrderRecord};
use crate::domain::manage::AuditAction;

pub(super) mod karmacheck;

/// Event types sent to the ATS backend.
pub mod types {
    /// An order was submitted.
    pub const ORDER_CREATED: &str = "order.created";
    /// An order's badge (label, tone or finality) changed.
    pub const ORDER_STATUS_CHANGED: &str = "order.status_changed";
    /// Checkr refused or failed a step of placing the order.
    pub const ORDER_FAILED: &str = "order.failed";
    /// The account was linked to a Checkr account.
    pub const ACCOUNT_CONNECTED: &str = "account.connected";
    /// The linked Checkr account may order.
    pub const ACCOUNT_CREDENTIALED: &str = "account.credentialed";
    /// The link ended (disconnected here, or the token was revoked at Checkr).
    pub const ACCOUNT_DISCONNECTED: &str = "account.disconnected";
}

/// One event ready to be written to the outbox.
#[derive(Debug, Clone)]
pub(super) struct NewEvent {
    /// `msg_…`: the `webhook-id`, the same on every attempt so the receiver can deduplicate.
    pub event_id: String,
    /// The ATS account it concerns.
    pub account_id: String,
    /// The order it concerns, if any.
    pub order_id: Option<String>,
    /// Events with the same key are delivered one after the other, in the order written.
    pub order_key: String,
    /// The event type.
    pub event_type: &'static str,
    /// The JSON body sent, byte for byte.
    pub body: String,
    /// When it was written (RFC 3339).
    pub created_at: String,
}

impl NewEvent {
    fn new(
        account_id: &str,
        order_id: Option<&str>,
        event_type: &'static str,
        data: Value,
    ) -> Self {
        let created_at = Timestamp::from_unix_seconds(super::super::unix_seconds())
            .as_str()
            .to_owned();
        let body = json!({ "type": event_type, "timestamp": created_at, "data": data });
        Self {
            event_id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
            account_id: account_id.to_owned(),
            order_id: order_id.map(str::to_owned),
            order_key: match order_id {
                Some(order) => format!("order:{order}"),
                None => format!("account:{account_id}"),
            },
            event_type,
            body: body.to_string(),
            created_at,
        }
    }
}

/// The badge as announced: compared with the last one sent to decide whether it changed.
pub(super) fn badge_key(order: &OrderRecord, customer: CustomerType) -> String {
    let badge = order_badge(order.step, &order.folded.status, customer);
    format!("{}|{}|{}", badge.label, badge.tone.as_str(), badge.is_final)
}

fn order_data(order: &OrderRecord, customer: CustomerType) -> Value {
    // The ATS backend acts for the customer as a whole, so it gets the badge an adjudicator
    // of this customer type sees.
    let badge = order_badge(order.step, &order.folded.status, customer);
    json!({
        "order_id": order.id,
        "account_id": order.account_id,
        "applicant_id": order.custom_id,
        "package": order.draft.package,
        "step": order.step.as_str(),
        "status": {
            "label": badge.label,
            "tone": badge.tone.as_str(),
            "final": badge.is_final,
            "canceled_indicator": badge.canceled_indicator,
        },
        "invitation_id": order.invitation_id,
        "report_id": order.report_id,
    })
}

/// `order.created`, or `order.status_changed`.
pub(super) fn order_event(
    event_type: &'static str,
    order: &OrderRecord,
    customer: CustomerType,
) -> NewEvent {
    NewEvent::new(
        &order.account_id,
        Some(&order.id),
        event_type,
        order_data(order, customer),
    )
}

/// `order.failed`: which step failed and the provider's HTTP status, not its message.
pub(super) fn order_failed(order: &OrderRecord, customer: CustomerType) -> NewEvent {
    let mut data = order_data(order, customer);
    let failed_step = match order.step {
        OrderStep::CandidateFailed => "candidate",
        OrderStep::InvitationFailed => "invitation",
        OrderStep::Drafted | OrderStep::CandidateCreated | OrderStep::Invited => "unknown",
    };
    data["failure"] = json!({
        "step": failed_step,
        "provider_status": order.failure.as_ref().and_then(|failure| failure.status),
    });
    NewEvent::new(
        &order.account_id,
        Some(&order.id),
        types::ORDER_FAILED,
        data,
    )
}

/// An account's link as last announced to the ATS backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AccountLink {
    /// Link state.
    pub connection: ConnectionState,
    /// Whether it may order.
    pub credentialed: bool,
}

impl AccountLink {
    /// Parses the stored connection name.
    pub fn new(connection: &str, credentialed: bool) -> Self {
        Self {
            connection: ConnectionState::parse(connection),
            credentialed,
        }
    }

    fn connected(self) -> bool {
        self.connection == ConnectionState::Connected
    }
}

/// The events that take an account from its last announced link to its current one.
pub(super) fn account_events(
    account_id: &str,
    before: Option<AccountLink>,
    now: AccountLink,
) -> Vec<NewEvent> {
    // Nothing announced yet (an account linked before the outbox was on): announce where it
    // stands, as if it had been the opposite.
    let before = before.unwrap_or(AccountLink {
        connection: if now.connected() {
            ConnectionState::NotConnected
        } else {
            ConnectionState::Connected
        },
        credentialed: false,
    });
    let data = json!({
        "account_id": account_id,
        "connection": now.connection.as_str(),
        "credentialed": now.credentialed && now.connected(),
    });
    let mut events = Vec::new();
    if now.connected() && !before.connected() {
        events.push(types::ACCOUNT_CONNECTED);
    }
    if now.connected() && now.credentialed && !(before.connected() && before.credentialed) {
        events.push(types::ACCOUNT_CREDENTIALED);
    }
    if before.connected() && !now.connected() {
        events.push(types::ACCOUNT_DISCONNECTED);
    }
    events
        .into_iter()
        .map(|event_type| NewEvent::new(account_id, None, event_type, data.clone()))
        .collect()
}

/// One claimed outbox row, to be delivered.
#[derive(Debug, Clone)]
pub struct OutboxDelivery {
    /// Position in the outbox.
    pub seq: i64,
    /// The `webhook-id`.
    pub event_id: String,
    /// The ATS account.
    pub account_id: String,
    /// The order, for order events.
    pub order_id: Option<String>,
    /// The event type.
    pub event_type: String,
    /// The JSON body, sent byte for byte.
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// How one delivery attempt ended, as the worker records it.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    /// When it was made (RFC 3339, on the proxy's clock).
    pub attempted_at: String,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why no answer came (timeout, connection refused), without the URL.
    pub error: Option<String>,
    /// What the row becomes.
    pub next: NextStep,
}

/// What happens to an outbox row after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// A 2xx came back: done.
    Delivered,
    /// Tried again at this Unix second.
    RetryAt(i64),
    /// The retry schedule is used up: the row stays, marked failed, and later events of the
    /// same order go ahead.
    GiveUp,
}

impl NextStep {
    pub(super) const fn state(self) -> &'static str {
        match self {
            NextStep::Delivered => "delivered",
            NextStep::RetryAt(_) => "pending",
            NextStep::GiveUp => "failed",
        }
    }

    pub(super) const fn retry_at(self) -> Option<i64> {
        match self {
            NextStep::RetryAt(at) => Some(at),
            NextStep::Delivered | NextStep::GiveUp => None,
        }
    }
}

/// One recorded delivery attempt, for the account's audit listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    /// When it was made (RFC 3339).
    pub attempted_at: String,
    /// The `webhook-id` of the event.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// The order, for order events.
    pub order_id: Option<String>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why no answer came.
    pub error: Option<String>,
    /// When the next attempt is due (RFC 3339); none once delivered or given up.
    pub next_retry_at: Option<String>,
}

/// The next retry time as stored with an attempt.
/// The audit row of one delivery attempt, written in the attempt's transaction so
/// `GET /api/audit` lists every attempt beside the people's actions. The detail names the
/// event and what the receiver answered, never the body.
pub(super) fn attempt_audit(
    delivery: &OutboxDelivery,
    attempt: u32,
    result: &AttemptResult,
) -> AuditEntry {
    let answer = match (result.status, result.error.as_deref()) {
        (Some(status), _) => format!("HTTP {status}"),
        (None, Some(error)) => error.to_owned(),
        (None, None) => "no answer".to_owned(),
    };
    let next = match result.next {
        NextStep::Delivered => String::new(),
        NextStep::RetryAt(_) => retry_text(result.next)
            .map(|at| format!("; next try {at}"))
            .unwrap_or_default(),
        NextStep::GiveUp => "; given up".to_owned(),
    };
    AuditEntry {
        at: result.attempted_at.clone(),
        account_id: delivery.account_id.clone(),
        actor: "proxy".to_owned(),
        role: None,
        action: AuditAction::Delivered,
        order_id: delivery.order_id.clone(),
        outcome: match result.next {
            NextStep::Delivered => AuditOutcome::Succeeded,
            NextStep::GiveUp => AuditOutcome::Refused,
            NextStep::RetryAt(_) => AuditOutcome::Failed,
        },
        detail: format!(
            "{} {} attempt {attempt}: {answer}{next}",
            delivery.event_type, delivery.event_id
        ),
    }
}

pub(super) fn retry_text(next: NextStep) -> Option<String> {
    next.retry_at()
        .map(|at| Timestamp::from_unix_seconds(at).as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(connection: ConnectionState, credentialed: bool) -> AccountLink {
        AccountLink {
            connection,
            credentialed,
        }
    }

    fn types_of(events: &[NewEvent]) -> Vec<&str> {
        events.iter().map(|event| event.event_type).collect()
    }

    #[test]
    fn account_changes_are_announced_once_each() {
        let connected = link(ConnectionState::Connected, false);
        let ready = link(ConnectionState::Connected, true);
        let gone = link(ConnectionState::Deauthorized, false);
        assert_eq!(
            types_of(&account_events("a", None, connected)),
            ["account.connected"]
        );
        assert_eq!(
            types_of(&account_events("a", Some(connected), ready)),
            ["account.credentialed"]
        );
        assert_eq!(
            types_of(&account_events("a", None, ready)),
            ["account.connected", "account.credentialed"]
        );
        assert!(account_events("a", Some(ready), ready).is_empty());
        assert_eq!(
            types_of(&account_events("a", Some(ready), gone)),
            ["account.disconnected"]
        );
        assert!(account_events("a", Some(gone), gone).is_empty());
        assert_eq!(
            types_of(&account_events("a", None, gone)),
            ["account.disconnected"],
            "linked before anything was announced"
        );
    }

    #[test]
    fn an_event_body_follows_the_standard_webhooks_shape() {
        let events = account_events("acme", None, link(ConnectionState::Connected, false));
        let body: Value = serde_json::from_str(&events[0].body).unwrap_or_default();
        assert_eq!(body["type"], "account.connected");
        assert_eq!(body["data"]["account_id"], "acme");
        assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert!(events[0].event_id.starts_with("msg_"));
        assert_eq!(events[0].order_key, "account:acme");
    }
}
