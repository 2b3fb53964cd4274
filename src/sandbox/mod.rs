//! An embedded stand-in for Checkr's API, so the proxy runs and is tested offline.
//!
//! [`Sandbox::router`] serves two surfaces:
//! - the Checkr API (`/v1/...`): HTTP Basic auth with an account key, Checkr's envelopes,
//!   error texts and rate-limit headers, `Idempotency-Key` replay;
//! - the control API (`/sandbox/...`, no auth): fault injection (including answers held
//!   while their Idempotency-Key stays in flight), the request log, the candidate and
//!   invitation lists, expiry of Checkr's 24-hour key replay, the event outbox, a lifecycle
//!   driver that walks an invitation and its report through every row of Checkr's webhook
//!   table, a per-account `include_object` switch (bare webhooks) and a frozen event clock
//!   (many events in one second).
//!
//! Like Checkr's, event times are whole seconds and every id is 24 random hex digits, so
//! neither tells the order of two events of one second.
//!
//! Every state change that Checkr would announce by webhook is kept as a [`SandboxEvent`] in
//! an outbox. A deliverer either drains it with [`Sandbox::take_undelivered`] (each event is
//! handed out once) or listens live on [`Sandbox::subscribe`]; both see the same payloads,
//! whose compact JSON serialization is the body to sign.

mod api;
mod clock;
mod continuous;
mod control;
mod data;
mod error;
pub mod karmacheck;
mod lifecycle;
mod model;
mod partner;
mod screenings;
mod started_reports;
mod state;
mod subscriptions;

pub use karmacheck::{KARMACHECK_PREFIX, KarmaCheckSandbox};
pub use partner::PartnerApp;

use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use state::State;

/// The four data sets a sandbox account can be seeded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SandboxAccount {
    /// Six packages; Hierarchy not enabled, so `GET /v1/nodes` answers 403.
    NoHierarchy,
    /// Six packages; Hierarchy enabled but without nodes.
    NoNodes,
    /// Eight packages and a four-tier Company → Region → State → Site tree.
    Tree,
    /// 2,500 packages and 1,000 nodes, for pagination and volume.
    Large,
}

impl SandboxAccount {
    /// Every data set, in declaration order.
    pub const ALL: [Self; 4] = [Self::NoHierarchy, Self::NoNodes, Self::Tree, Self::Large];

    /// The snake_case name used in keys, account ids and JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoHierarchy => "no_hierarchy",
            Self::NoNodes => "no_nodes",
            Self::Tree => "tree",
            Self::Large => "large",
        }
    }
}

/// What a caller needs to act as one sandbox account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCredentials {
    /// The secret key (or access token) to send as the Basic-auth username.
    pub api_key: String,
    /// The account id Checkr would report, e.g. in webhooks.
    pub account_id: String,
}

/// One event as Checkr would deliver it by webhook.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SandboxEvent {
    /// 24 random hex digits, as Checkr's.
    pub id: String,
    /// e.g. `report.completed`.
    pub event_type: String,
    /// The account the event belongs to.
    pub account_id: String,
    /// RFC 3339 UTC to the whole second, as Checkr's: events of one second share it.
    pub created_at: String,
    /// The full envelope `{id, object: "event", type, created_at, account_id, data: {object}}`.
    pub payload: serde_json::Value,
}

/// An in-memory Checkr sandbox; cloning shares the same state.
#[derive(Clone)]
pub struct Sandbox {
    state: Arc<Mutex<State>>,
    partner: Arc<Mutex<partner::Partner>>,
    karmacheck: KarmaCheckSandbox,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A sandbox with the four standard accounts (`sandbox_key_<data set>` / `acct_<data set>`).
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(State::new())),
            partner: Arc::new(Mutex::new(partner::Partner::default())),
            karmacheck: KarmaCheckSandbox::new(),
        }
    }

    /// The Checkr API and the control API, with state applied.
    pub fn router(&self) -> axum::Router {
        api::routes(self.clone())
            .merge(control::routes())
            .merge(screenings::routes())
            .merge(continuous::control_routes())
            .merge(subscriptions::control_routes())
            .merge(partner::routes())
            .with_state(self.clone())
            .nest(KARMACHECK_PREFIX, self.karmacheck.router())
    }

    /// The KarmaCheck half of the sandbox.
    pub fn karmacheck(&self) -> &KarmaCheckSandbox {
        &self.karmacheck
    }

    /// Serves [`Self::router`] on `listener` until the task is dropped or aborted.
    /// Also delivers events as signed webhooks to the registered partner app.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let delivery = tokio::spawn(self.clone().deliver_forever());
        let karmacheck_delivery = tokio::spawn(self.karmacheck.clone().deliver_webhooks());
        let served = axum::serve(listener, self.router()).await;
        delivery.abort();
        karmacheck_delivery.abort();
        served
    }

    /// Credentials of the seeded account with this data set (fixed, so a demo can print them).
    pub fn account(&self, which: SandboxAccount) -> AccountCredentials {
        State::seeded(which)
    }

    /// A new, empty account with this data set and its own key and id.
    pub fn create_account(&self, which: SandboxAccount) -> AccountCredentials {
        self.with_state(|state| state.create_account(which))
    }

    /// Events not yet handed out by this method, oldest first; each is returned once.
    pub fn take_undelivered(&self) -> Vec<SandboxEvent> {
        self.with_state(State::take_undelivered)
    }

    /// Every event from now on, as it is emitted (a lagging receiver loses the oldest ones;
    /// the outbox still has them).
    pub fn subscribe(&self) -> broadcast::Receiver<SandboxEvent> {
        self.with_state(|state| state.subscribe())
    }

    // A panic while holding the lock leaves plain data behind, still usable.
    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }
}
