//! A stand-in for KarmaCheck's API, served by the same sandbox process under
//! [`KARMACHECK_PREFIX`], with its own state, credentials and error shape
//! (`{message, error, statusCode}`).
//!
//! - `POST /auth/api` exchanges an API key and client access token for a bearer JWT that
//!   expires (after [`TOKEN_LIFETIME`] seconds of the sandbox's KarmaCheck clock);
//! - `GET /package/min/list` lists the group's packages;
//! - `POST /case/create` and `GET /case/id/{caseId}` (see [`cases`]);
//! - webhooks with per-subscription HTTP Basic credentials (see [`webhooks`]);
//! - `/sandbox/...` controls (no auth): move a case to any state of the lifecycle, subscribe,
//!   hold, release and redeliver events, fail the next case creation, advance the clock.

mod auth;
mod cases;
mod webhooks;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

/// Where the KarmaCheck API is mounted in the sandbox.
pub const KARMACHECK_PREFIX: &str = "/karmacheck";

/// How long a bearer token is good for, in seconds.
pub const TOKEN_LIFETIME: i64 = 3600;

/// What a caller needs to act as one KarmaCheck customer group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCredentials {
    /// The API key.
    pub api_key: String,
    /// The group's client access token.
    pub client_access_token: String,
    /// The group, as `POST /auth/api` reports it.
    pub group_profile_id: String,
}

/// One package of a group.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Package {
    pub(crate) id: String,
    pub(crate) name: String,
}

pub(crate) struct Group {
    pub(crate) credentials: GroupCredentials,
    pub(crate) packages: Vec<Package>,
}

/// The sandbox's KarmaCheck state.
#[derive(Default)]
pub(crate) struct KarmaState {
    pub(crate) groups: Vec<Group>,
    /// Issued bearer tokens: token → (group index, expiry in clock seconds).
    pub(crate) tokens: HashMap<String, (usize, i64)>,
    /// Seconds added to the wall clock by the control API.
    pub(crate) clock_offset: i64,
    pub(crate) cases: Vec<cases::Case>,
    pub(crate) subscriptions: Vec<webhooks::Subscription>,
    pub(crate) events: Vec<webhooks::KarmaEvent>,
    /// Wakes the delivery task.
    pub(crate) wake: Arc<tokio::sync::Notify>,
    /// The answer the next `POST /case/create` gets instead of a case.
    pub(crate) next_create_fault: Option<KarmaError>,
}

impl KarmaState {
    pub(crate) fn now(&self) -> i64 {
        super::clock::now_seconds() + self.clock_offset
    }

    /// Moves a case and announces the change.
    pub(crate) fn set_case_state(
        &mut self,
        index: usize,
        state: crate::domain::karmacheck::CaseState,
        now: i64,
    ) {
        if let Some(case) = self.cases.get_mut(index) {
            case.state = state;
            case.modified = now;
            self.emit_case_change(index);
        }
    }
}

/// KarmaCheck's timestamps (ISO 8601, as the sandbox writes them: whole seconds, UTC).
pub(crate) fn timestamp(unix_seconds: i64) -> String {
    super::clock::rfc3339_seconds(unix_seconds)
}

/// The KarmaCheck half of the sandbox; cloning shares the same state.
#[derive(Clone)]
pub struct KarmaCheckSandbox {
    state: Arc<Mutex<KarmaState>>,
}

impl Default for KarmaCheckSandbox {
    fn default() -> Self {
        Self::new()
    }
}

/// The demo group's fixed credentials, so a demo can print them.
pub const DEMO_GROUP: (&str, &str) = ("kc_sandbox_api_key_demo", "kc_sandbox_client_token_demo");

impl KarmaCheckSandbox {
    /// A sandbox with one seeded group ([`DEMO_GROUP`]) and its packages.
    pub fn new() -> Self {
        let mut state = KarmaState::default();
        state.groups.push(seeded_group(DEMO_GROUP.0, DEMO_GROUP.1));
        Self {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// The seeded demo group.
    pub fn demo_group(&self) -> GroupCredentials {
        self.with_state(|state| state.groups.first().map(|group| group.credentials.clone()))
            .unwrap_or_else(|| GroupCredentials {
                api_key: DEMO_GROUP.0.to_owned(),
                client_access_token: DEMO_GROUP.1.to_owned(),
                group_profile_id: String::new(),
            })
    }

    /// A new group with its own credentials and the standard packages.
    pub fn create_group(&self) -> GroupCredentials {
        let group = seeded_group(&random_secret("kc_key"), &random_secret("kc_token"));
        let credentials = group.credentials.clone();
        self.with_state(|state| state.groups.push(group));
        credentials
    }

    /// Delivers webhooks as events are emitted, until the task is aborted.
    pub async fn deliver_webhooks(self) {
        self.deliver_forever().await;
    }

    /// The KarmaCheck API and its controls, to be nested under [`KARMACHECK_PREFIX`].
    pub fn router(&self) -> Router {
        Router::new()
            .route("/auth/api", post(auth::authenticate))
            .route("/package/min/list", get(list_packages))
            .route("/case/create", post(cases::create))
            .route("/case/id/{case_id}", get(cases::read))
            .route("/sandbox/clock/advance", post(advance_clock))
            .route("/sandbox/cases", get(cases::list))
            .route("/sandbox/cases/{case_id}/status", post(cases::set_status))
            .route("/sandbox/subscriptions", post(webhooks::subscribe))
            .route("/sandbox/events", get(webhooks::list))
            .route("/sandbox/webhooks/deliver", post(webhooks::deliver))
            .route(
                "/sandbox/events/{message_id}/redeliver",
                post(webhooks::redeliver),
            )
            .route("/sandbox/faults/create", post(fail_next_create))
            .fallback(not_found)
            .with_state(self.clone())
    }

    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut KarmaState) -> R) -> R {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }
}

fn seeded_group(api_key: &str, client_access_token: &str) -> Group {
    Group {
        credentials: GroupCredentials {
            api_key: api_key.to_owned(),
            client_access_token: client_access_token.to_owned(),
            group_profile_id: uuid::Uuid::new_v4().to_string(),
        },
        packages: ["Basic Criminal", "Standard Employment", "Driver Plus"]
            .iter()
            .map(|name| Package {
                id: uuid::Uuid::new_v4().to_string(),
                name: (*name).to_owned(),
            })
            .collect(),
    }
}

fn random_secret(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// A failure as KarmaCheck answers it: `{message, error, statusCode}`.
#[derive(Debug, Clone)]
pub(crate) struct KarmaError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl KarmaError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized")
    }
}

impl IntoResponse for KarmaError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "message": self.message,
            "error": self.status.canonical_reason().unwrap_or("Error"),
            "statusCode": self.status.as_u16(),
        });
        (self.status, Json(body)).into_response()
    }
}

async fn not_found() -> KarmaError {
    KarmaError::new(StatusCode::NOT_FOUND, "Cannot find this resource")
}

async fn list_packages(
    axum::extract::State(sandbox): axum::extract::State<KarmaCheckSandbox>,
    headers: axum::http::HeaderMap,
) -> Result<Json<Vec<Package>>, KarmaError> {
    sandbox.with_state(|state| {
        let group = auth::bearer_group(state, &headers)?;
        Ok(Json(state.groups[group].packages.clone()))
    })
}

#[derive(Deserialize)]
struct Fault {
    status: u16,
    message: String,
}

/// `POST /sandbox/faults/create` (control): the next case creation fails with this answer.
async fn fail_next_create(
    axum::extract::State(sandbox): axum::extract::State<KarmaCheckSandbox>,
    Json(fault): Json<Fault>,
) -> StatusCode {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    sandbox
        .with_state(|state| state.next_create_fault = Some(KarmaError::new(status, fault.message)));
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Advance {
    seconds: i64,
}

async fn advance_clock(
    axum::extract::State(sandbox): axum::extract::State<KarmaCheckSandbox>,
    Json(advance): Json<Advance>,
) -> StatusCode {
    sandbox.with_state(|state| state.clock_offset += advance.seconds.max(0));
    StatusCode::NO_CONTENT
}
