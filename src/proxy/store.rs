//! Durable state: ATS accounts and their provider connection, candidates, orders.
//!
//! SQLite in WAL mode is the embedded default; PostgreSQL serves several proxy instances behind
//! a load balancer. Everything above this module goes through the methods of [`Store`], which
//! dispatches to one or the other; no SQL leaves this module.

use serde::{Deserialize, Serialize};

use crate::domain::checkr::CustomerType;
use crate::domain::connection::LinkDecision;
use crate::domain::events::FoldedOrder;
use crate::domain::order::OrderStep;
use crate::domain::validation::{OrderDraft, Region};

use super::crypto::Vault;
use super::secret::Secret;

mod audit;
mod karmacheck;
mod oauth;
mod outbox;
mod postgres;
mod reads;
mod sealing;
mod sqlite;

pub use audit::{AuditEntry, AuditOutcome, AuditRecord, OrderOrigin};
pub use karmacheck::{
    CaseDraft, CaseEventRecorded, CaseOrder, CaseRead, KarmaCheckConnection, KarmaCheckCredentials,
    NewKarmaCheckConnection,
};
pub use oauth::PendingConnection;
pub use outbox::{AttemptResult, DeliveryAttempt, NextStep, OutboxDelivery};
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

/// Handle to the database; cheap to clone. Access tokens pass through a [`Vault`], so the
/// database never holds one readably.
///
/// One API over two backends: SQLite (one file, one proxy process) and PostgreSQL (shared
/// by several instances, see [`Store::connect`]).
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PostgresStore),
}

/// Something every instance sharing a PostgreSQL store must hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// An order changed: each instance loads it and tells its own live widgets.
    Order {
        /// The ATS account.
        account_id: String,
        /// The order.
        order_id: String,
    },
    /// The account's connection changed: its cached catalog is stale everywhere.
    Catalog {
        /// The ATS account.
        account_id: String,
    },
}

/// Whether `--database-url` names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and applies pending
    /// migrations.
    pub fn open(path: &std::path::Path, vault: Vault) -> anyhow::Result<Self> {
        Ok(Self {
            backend: Backend::Sqlite(sqlite::SqliteStore::open(path, vault)?),
        })
    }

    /// Connects to the PostgreSQL server at `url` (`postgres://…`), applies pending
    /// migrations under an advisory lock (so instances starting together migrate once) and
    /// checks the sealing key.
    pub async fn connect(url: &Secret, vault: Vault) -> anyhow::Result<Self> {
        Ok(Self {
            backend: Backend::Postgres(postgres::PostgresStore::connect(url, vault).await?),
        })
    }

    /// Whether other proxy instances may share this store (PostgreSQL): then live changes
    /// travel through [`Store::announce`] and [`Store::notices`].
    pub fn is_shared(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(_) => false,
            Backend::Postgres(_) => true,
        }
    }

    /// Tells every instance sharing the store (this one included) about `notice`, in the
    /// order announced; nothing for SQLite, whose one process tells itself.
    pub fn announce(&self, notice: Notice) {
        match &self.backend {
            Backend::Sqlite(_) => {}
            Backend::Postgres(store) => store.announce(notice),
        }
    }

    /// Every instance's notices, from the moment this returns until the receiver is
    /// dropped; `None` for SQLite. A dropped database connection is opened again; notices
    /// sent meanwhile are lost (widgets refresh their list when their own stream reconnects).
    pub async fn notices(
        &self,
    ) -> anyhow::Result<Option<tokio::sync::mpsc::UnboundedReceiver<Notice>>> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(store) => Ok(Some(postgres::listen(store.url().clone()).await?)),
        }
    }
}

/// Writes, for each listed method, a public `Store` method that runs the backend's own.
macro_rules! dispatch {
    ($($(#[$attribute:meta])* fn $name:ident(&self $(, $arg:ident: $type:ty)*) -> $output:ty;)*) => {
        impl Store {
            $(
                $(#[$attribute])*
                pub async fn $name(&self $(, $arg: $type)*) -> anyhow::Result<$output> {
                    match &self.backend {
                        Backend::Sqlite(store) => store.$name($($arg),*).await,
                        Backend::Postgres(store) => store.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

dispatch! {
    /// Whether the database answers (for `/healthz` and `/readyz`).
    fn ping(&self) -> ();
    /// Inserts the account or replaces its fields.
    fn upsert_account(&self, account: AccountRecord) -> ();
    /// Creates the account if the ATS names one this proxy has not seen; never changes an
    /// existing one.
    fn ensure_account(&self, id: &str, name: &str) -> ();
    /// Changes how the account's users are told about results.
    fn set_customer_type(&self, id: &str, customer_type: CustomerType) -> bool;
    /// The account with this ATS id.
    fn account(&self, id: &str) -> Option<AccountRecord>;
    /// The provider candidate already created for this applicant in this region (R7, R9).
    fn candidate(&self, account_id: &str, custom_id: &str, region: Region) -> Option<KnownCandidate>;
    /// Creates an order in the `Drafted` step, claimed by its creator's `lease`, with fresh
    /// Idempotency-Keys for its steps. Its id needs no coordination between instances.
    #[allow(clippy::too_many_arguments)]
    fn insert_order(
        &self,
        account_id: &str,
        origin: &OrderOrigin,
        custom_id: &str,
        region: Region,
        draft: &OrderDraft,
        lease: &LeaseGrant,
        now: &str
    ) -> OrderRecord;
    /// Records a created (or reused) candidate on the order and, for reuse by later orders,
    /// against the applicant and region with the details it was sent, in one transaction,
    /// before the invitation is tried. `false` when `owner` no longer holds the order.
    fn record_candidate(
        &self,
        order: &OrderRecord,
        owner: &str,
        candidate_id: &str,
        details: &serde_json::Map<String, serde_json::Value>,
        now: &str
    ) -> bool;
    /// Notes that the invitation is about to be sent (the first time only: Checkr's replay
    /// window runs from then). `false` when `owner` no longer holds the order.
    fn mark_invitation_sending(&self, order_id: &str, owner: &str, unix_now: i64) -> bool;
    /// Records a created invitation and the status it starts in, releases the lease, and
    /// folds in the invitation's (and its report's) events that arrived before the order was
    /// linked to them. `None` when `owner` no longer holds the order.
    fn record_invitation(
        &self,
        order_id: &str,
        owner: &str,
        invitation_id: &str,
        invitation_url: Option<&str>,
        folded: &FoldedOrder,
        now: &str
    ) -> Option<OrderRecord>;
    /// Records a failed step with the provider's explanation and releases the lease. `false`
    /// when `owner` no longer holds the order.
    fn record_failure(
        &self,
        order_id: &str,
        owner: &str,
        step: OrderStep,
        failure: &Failure,
        now: &str
    ) -> bool;
    /// Checkr asked to wait: the order stays in its sending step, marked busy, and the lease
    /// becomes the time of the next automatic attempt (the reconciler takes it from there).
    /// `false` when `owner` no longer holds the order.
    fn record_busy(&self, order_id: &str, owner: &str, retry_at: i64, now: &str) -> bool;
    /// Claims an order for sending, atomically: only a failed step or a sending step whose
    /// lease is free (never held, or expired at `unix_now`) can be claimed, and the claim moves
    /// it to the step it is sent from, so every viewer sees "Sending".
    fn claim_order(
        &self,
        account_id: &str,
        order_id: &str,
        lease: &LeaseGrant,
        unix_now: i64,
        now: &str,
        audit: &AuditEntry
    ) -> Claim;
    /// Orders stopped on their way (a sending step whose lease is free at `unix_now`), as
    /// `(account, order)` ids, oldest first: what the reconciler resumes.
    fn stalled_orders(&self, unix_now: i64) -> Vec<(String, String)>;
    /// Voids every sender's lease, only at start. One proxy process owns a SQLite file, so
    /// any lease in it belongs to a run that has ended; a shared PostgreSQL store voids none
    /// (another instance may be sending) and lets them expire instead.
    fn release_all_leases(&self) -> usize;
    /// Whether any order of the account is already linked to this invitation.
    fn invitation_is_linked(&self, account_id: &str, invitation_id: &str) -> bool;
    /// Counts one more attempt at placing the order.
    fn count_attempt(&self, order_id: &str) -> u32;
    /// One order of an account.
    fn order(&self, account_id: &str, order_id: &str) -> Option<OrderRecord>;
    /// Every order of one applicant, newest first.
    fn orders_for_candidate(&self, account_id: &str, custom_id: &str) -> Vec<OrderRecord>;
    /// Every order of several applicants, newest first, in one query.
    fn orders_for_candidates(&self, account_id: &str, custom_ids: &[String]) -> Vec<OrderRecord>;
    /// Records webhook events and applies them, all in one transaction (one disk sync for
    /// the batch); each event runs in its own savepoint, so one that fails leaves the others
    /// recorded. When this returns, every `Ok` in it is durable and its effects are visible.
    fn record_events(
        &self,
        batch: Vec<(crate::domain::events::Event, String, String)>
    ) -> Vec<anyhow::Result<EventRecorded>>;
    /// Blanks the raw bodies of webhook events received before `before` (RFC 3339); their
    /// id, type, object and time stay for deduplication. Returns how many were pruned.
    fn prune_event_payloads(&self, before: &str) -> usize;
    /// Replaces the screenings kept for an order (read from `report_id` at `now`).
    fn set_screenings(
        &self,
        order_id: &str,
        report_id: &str,
        screenings: Vec<crate::domain::screening::Screening>,
        now: &str
    ) -> ();
    /// The screenings kept for an order, once read.
    fn screenings(&self, order_id: &str) -> Option<CachedScreenings>;
    /// The order of a Checkr account linked to `report_id`.
    fn order_for_report(&self, checkr_account_id: &str, report_id: &str) -> Option<OrderRecord>;
    /// Records a verification's stage for an order; never moves a stage back.
    fn record_verification(
        &self,
        order_id: &str,
        verification: crate::domain::progress::VerificationState,
        now: &str
    ) -> ();
    /// The `(type, created_at)` of the webhook events a Checkr account sent about one object
    /// whose type starts with `prefix`, newest first.
    fn events_about(&self, checkr_account_id: &str, object_id: &str, prefix: &str) -> Vec<(String, String)>;
    /// Makes sure a report Checkr started by itself (continuous check, subscription) has an
    /// order of the applicant its candidate belongs to, linked to it before its first event
    /// is folded; `true` when one was created.
    fn ensure_monitoring_order(
        &self,
        checkr_account_id: &str,
        candidate_id: &str,
        package: &str,
        report_id: &str,
        ordered_by: &str,
        now: &str
    ) -> bool;
    /// Whether the account enrols employees in continuous checks automatically.
    fn auto_enrolment(&self, account_id: &str) -> bool;
    /// Turns automatic enrolment in continuous checks on or off.
    fn set_auto_enrolment(&self, account_id: &str, on: bool, now: &str) -> ();
    /// Remembers a Checkr subscription made for an applicant.
    fn record_subscription(&self, account_id: &str, custom_id: &str, subscription_id: &str, now: &str) -> ();
    /// The Checkr subscriptions made for an applicant, oldest first.
    fn subscription_ids(&self, account_id: &str, custom_id: &str) -> Vec<String>;
    /// The verifications recorded for an order.
    fn verifications(&self, order_id: &str) -> Vec<crate::domain::progress::VerificationState>;
    /// Stores why screenings of an order's report were canceled.
    fn set_cancellation_reasons(&self, order_id: &str, reasons: Vec<String>) -> Option<OrderRecord>;
    /// Links the ATS account to a provider account after OAuth, as
    /// [`crate::domain::connection::decide_link`] rules; nothing changes unless the decision
    /// links. Ordering waits for `account.credentialed` unless it already arrived for that
    /// provider account, and a token whose `token.deauthorized` overtook this callback is
    /// stored as deauthorized.
    fn connect_account(&self, id: &str, checkr_account_id: &str, token: &Secret) -> LinkOutcome;
    /// Marks the account disconnected and forgets its token.
    fn disconnect_account(&self, id: &str) -> ();
    /// Reads that are due at `now_unix` (all of them with `include_backed_off`, as at start).
    fn due_reads(&self, now_unix: i64, include_backed_off: bool) -> Vec<PendingRead>;
    /// The request to read `object_id`, if one is open.
    fn pending_read(&self, object_id: &str) -> Option<PendingRead>;
    /// Records a failed read: tried again at `retry_at` (Unix seconds), or at once if an event
    /// about the object arrived meanwhile; `give_up` drops the request.
    fn read_failed(&self, read: &PendingRead, error: &str, retry_at: i64, give_up: bool) -> ();
    /// The access token of the connected ATS account linked to this Checkr account.
    fn token_for_checkr_account(&self, checkr_account_id: &str) -> Option<Secret>;
    /// Folds an object read from Checkr into the order it belongs to (linking a report found
    /// only by the read) and closes the request, unless an event about the object arrived
    /// after the read began.
    fn apply_read(
        &self,
        read: &PendingRead,
        object: crate::domain::events::EventObject,
        now: String
    ) -> ReadApplied;
    /// Marks a start ticket used; `false` when it already was. Spent tickets are kept until
    /// they would have expired anyway.
    fn spend_ticket(&self, nonce: &str, expires_at: u64, now: u64) -> bool;
    /// Stores a started flow under the digest of its state nonce.
    fn save_pending_connection(
        &self,
        nonce_digest: &str,
        pending: PendingConnection,
        now: u64
    ) -> ();
    /// Takes a started flow out of the store: a state is good for one callback, whatever
    /// that callback then decides.
    fn take_pending_connection(&self, nonce_digest: &str) -> Option<PendingConnection>;
    /// Appends one audit row on its own (changes write theirs in their own transaction).
    fn append_audit(&self, entry: AuditEntry) -> ();
    /// An order's audit rows, oldest first.
    fn order_history(&self, account_id: &str, order_id: &str) -> Vec<AuditRecord>;
    /// Up to `limit` audit rows of the account at or after `since_unix`, after `after_seq`.
    fn audit_page(&self, account_id: &str, since_unix: i64, after_seq: i64, limit: i64) -> Vec<AuditRecord>;
    /// Folds Checkr's answer to a cancellation into the order, with its audit row.
    fn record_cancellation(
        &self,
        account_id: &str,
        order_id: &str,
        invitation: crate::domain::events::EventObject,
        now: String,
        audit: AuditEntry
    ) -> Option<OrderRecord>;
    /// Links a resent order to the one it replaces, with the audit rows of both.
    /// The order this one was resent from, if it was.
    fn resent_from(&self, account_id: &str, order_id: &str) -> Option<String>;
    /// Records the report's tags as last set, with the audit row.
    fn set_order_tags(
        &self,
        account_id: &str,
        order_id: &str,
        tags: Vec<String>,
        now: String,
        audit: AuditEntry
    ) -> Option<OrderRecord>;
}

dispatch! {
    /// Stores the account's KarmaCheck connection (replacing an earlier one); `false` when
    /// the account does not exist.
    fn save_karmacheck_connection(&self, account_id: &str, connection: NewKarmaCheckConnection) -> bool;
    /// The account's KarmaCheck connection, credentials opened.
    fn karmacheck_connection(&self, account_id: &str) -> Option<KarmaCheckConnection>;
    /// The account and password digest a KarmaCheck webhook username belongs to.
    fn karmacheck_webhook_login(&self, username: &str) -> Option<(String, String)>;
    /// Forgets the account's KarmaCheck connection; `false` when it had none.
    fn forget_karmacheck_connection(&self, account_id: &str) -> bool;
    /// Creates a KarmaCheck order in the `Sending` step, its draft sealed.
    fn insert_case_order(&self, account_id: &str, ordered_by: &str, custom_id: &str, draft: &CaseDraft, now: &str) -> CaseOrder;
    /// Saves a KarmaCheck order's step, case, failure, attempts and status.
    fn save_case_order(&self, order: &CaseOrder) -> ();
    /// Moves a failed (or duplicate-email) KarmaCheck order, or one left `Sending` since
    /// before `stale_before` (its sender died), back to `Sending`, counting the attempt;
    /// `None` when it is not waiting to be sent again.
    fn claim_case_order(&self, account_id: &str, order_id: &str, stale_before: &str, now: &str) -> Option<CaseOrder>;
    /// One KarmaCheck order of an account.
    fn case_order(&self, account_id: &str, order_id: &str) -> Option<CaseOrder>;
    /// Every KarmaCheck order of one applicant, newest first.
    fn case_orders_for_candidate(&self, account_id: &str, custom_id: &str) -> Vec<CaseOrder>;
    /// The account's KarmaCheck order holding this case.
    fn case_order_by_case(&self, account_id: &str, case_id: &str) -> Option<CaseOrder>;
    /// Whether this KarmaCheck webhook `messageId` was already recorded for the account.
    fn case_event_seen(&self, account_id: &str, message_id: &str) -> bool;
    /// Records a KarmaCheck webhook and applies the case read made for it, in one
    /// transaction; a read older than the one applied is not applied.
    fn record_case_event(&self, account_id: &str, message_id: &str, event: &str, case: Option<(String, CaseRead)>, now: &str) -> CaseEventRecorded;
}

dispatch! {
    /// Turns writing webhooks for the ATS backend on (`--ats-webhook-url` given) or off; on
    /// SQLite it also voids delivery leases left by an earlier run.
    fn set_ats_outbox(&self, enabled: bool) -> ();
    /// Claims up to `limit` due outbox rows for `owner` until `lease_until` (Unix seconds): due,
    /// not held by a live lease, and with no undelivered earlier row of the same order.
    fn claim_deliveries(&self, owner: &str, unix_now: i64, lease_until: i64, limit: u32) -> Vec<OutboxDelivery>;
    /// When the next undelivered row is due (Unix seconds), if any.
    fn next_delivery_due(&self) -> Option<i64>;
    /// Records a delivery attempt and settles its row, if `owner` still holds it.
    fn record_delivery(&self, delivery: &OutboxDelivery, owner: &str, result: &AttemptResult) -> ();
    /// Deletes outbox rows delivered before `before` (RFC 3339); attempts stay on record.
    fn prune_delivered(&self, before: &str) -> usize;
    /// The account's webhook delivery attempts at or after `since` (RFC 3339), oldest first.
    fn delivery_attempts(&self, account_id: &str, since: &str, limit: u32) -> Vec<DeliveryAttempt>;
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

/// The screenings last read for an order's report.
#[derive(Debug, Clone)]
pub struct CachedScreenings {
    /// The report they belong to.
    pub report_id: String,
    /// As Checkr's screening resources said.
    pub screenings: Vec<crate::domain::screening::Screening>,
    /// When they were read (RFC 3339).
    pub fetched_at: String,
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
