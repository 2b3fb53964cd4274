//! Durable state: ATS accounts and their provider connection, candidates, orders.
//!
//! SQLite in WAL mode is the embedded default. Everything above this module goes through the
//! methods of [`Store`], which is the seam a PostgreSQL implementation would fill for several
//! proxies behind a load balancer; no SQL leaves this module.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::domain::checkr::CustomerType;
use crate::domain::connection::LinkDecision;
use crate::domain::events::FoldedOrder;
use crate::domain::order::OrderStep;
use crate::domain::validation::{OrderDraft, Region};

use super::crypto::Vault;
use super::secret::Secret;

mod oauth;
mod reads;
mod sealing;
mod sqlite;

pub use oauth::PendingConnection;
pub use reads::{PendingRead, ReadApplied, ReadObject};

/// How an ATS account stands with the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// No provider account linked yet.
    NotConnected,
    /// Linked; ordering also needs credentialing.
    Connected,
    /// The customer disconnected from the provider's side.
    Deauthorized,
}

impl ConnectionState {
    /// The stored name.
    const fn as_str(self) -> &'static str {
        match self {
            ConnectionState::NotConnected => "not_connected",
            ConnectionState::Connected => "connected",
            ConnectionState::Deauthorized => "deauthorized",
        }
    }

    fn parse(name: &str) -> Self {
        match name {
            "connected" => ConnectionState::Connected,
            "deauthorized" => ConnectionState::Deauthorized,
            _unknown => ConnectionState::NotConnected,
        }
    }
}

/// An ATS customer account and its provider connection.
#[derive(Debug, Clone)]
pub struct AccountRecord {
    /// The ATS's own account id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The linked Checkr account.
    pub checkr_account_id: Option<String>,
    /// The OAuth access token (or sandbox key) for that account.
    pub access_token: Option<Secret>,
    /// Combined or segregated recruiting and adjudication.
    pub customer_type: CustomerType,
    /// Whether `account.credentialed` has arrived.
    pub credentialed: bool,
    /// Link state.
    pub connection: ConnectionState,
}

/// Why the last attempt of an order step failed, in the provider's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The provider's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong, for the user.
    pub message: String,
}

/// One order as stored.
#[derive(Debug, Clone)]
pub struct OrderRecord {
    /// Public id (`ord_…`).
    pub id: String,
    /// Owning ATS account.
    pub account_id: String,
    /// The ATS applicant id.
    pub custom_id: String,
    /// US or non-US work location.
    pub region: Region,
    /// The ATS user who ordered it.
    pub ordered_by: String,
    /// The order as submitted (never holds SSN, DOB or licence: those are refused first).
    pub draft: OrderDraft,
    /// Progress through the provider calls.
    pub step: OrderStep,
    /// The provider candidate, once created or reused.
    pub candidate_id: Option<String>,
    /// The provider invitation, once created.
    pub invitation_id: Option<String>,
    /// Where the candidate completes the invitation.
    pub invitation_url: Option<String>,
    /// The last failure, while the order is in a failed step.
    pub failure: Option<Failure>,
    /// Attempts so far (the first submit included).
    pub attempts: u32,
    /// The provider's status, folded from webhooks.
    pub folded: FoldedOrder,
    /// When it was submitted (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
    /// The provider report, once an event named it.
    pub report_id: Option<String>,
    /// Why screenings were canceled, read from the provider's screening resources.
    pub cancellation_reasons: Vec<String>,
    /// Idempotency-Keys of the order's steps (UUID v4), kept so every repeat of a step
    /// presents the same key.
    pub keys: StepKeys,
    /// When the invitation was first sent (Unix seconds): Checkr replays its answer to a
    /// repeat of the key for 24 hours from then, and no longer.
    pub invitation_first_sent: Option<i64>,
    /// Until when (Unix seconds) the current sender holds the order.
    pub lease_until: Option<i64>,
    /// Whether Checkr asked to wait (rate limit, or the same write still in flight) and the
    /// proxy is retrying by itself.
    pub busy: bool,
}

/// The Idempotency-Keys of one order's steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepKeys {
    /// Creating the candidate.
    pub candidate: String,
    /// Correcting a reused candidate's details.
    pub candidate_update: String,
    /// Creating the invitation.
    pub invitation: String,
}

impl StepKeys {
    /// Fresh random keys, in Checkr's documented format (UUID v4).
    pub fn generate() -> Self {
        Self {
            candidate: uuid::Uuid::new_v4().to_string(),
            candidate_update: uuid::Uuid::new_v4().to_string(),
            invitation: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// The right to send one order, held by `owner` until `until` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseGrant {
    /// A random token naming this placement; writes that advance the order must present it.
    pub owner: String,
    /// Expiry (Unix seconds).
    pub until: i64,
}

impl LeaseGrant {
    /// A new lease for `seconds` from `now`.
    pub fn new(now: i64, seconds: i64) -> Self {
        Self {
            owner: uuid::Uuid::new_v4().to_string(),
            until: now.saturating_add(seconds),
        }
    }
}

/// What claiming an order found.
#[derive(Debug)]
pub enum Claim {
    /// The caller now holds the order, in the step it is to be sent from.
    Claimed(OrderRecord),
    /// Someone else is sending it, or it was already placed; as it stands.
    Taken(OrderRecord),
    /// No such order in this account.
    Missing,
}

/// A candidate already created for an applicant, with what it was last sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownCandidate {
    /// The provider's candidate id.
    pub id: String,
    /// The name and contact fields last sent for it (JSON object); `None` for candidates
    /// recorded before these were kept.
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Handle to the database; cheap to clone. Access tokens pass through its [`Vault`], so the
/// file never holds one readably.
#[derive(Clone)]
pub struct Store {
    connection: Arc<Mutex<Connection>>,
    vault: Vault,
}

fn region_name(region: Region) -> &'static str {
    match region {
        Region::Us => "us",
        Region::NonUs => "non_us",
    }
}

fn parse_region(name: &str) -> Region {
    if name == "us" {
        Region::Us
    } else {
        Region::NonUs
    }
}

fn customer_type_from(name: &str) -> CustomerType {
    if name == CustomerType::Segregated.as_str() {
        CustomerType::Segregated
    } else {
        CustomerType::Combined
    }
}

/// What an OAuth callback's link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    /// Linked; the connection as it now stands (deauthorized when Checkr revoked the token
    /// before the callback stored it).
    Linked(ConnectionState),
    /// Refused by the domain rule; nothing changed.
    Refused(LinkDecision),
}

/// What recording a webhook event did.
#[derive(Debug)]
pub enum EventRecorded {
    /// Stored (and applied where it concerns an account or order); these orders changed.
    Stored {
        /// Orders whose state changed, as they now stand.
        changed: Vec<OrderRecord>,
    },
    /// This event id was recorded before; nothing was done again.
    Duplicate,
}
