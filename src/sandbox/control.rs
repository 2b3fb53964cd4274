//! The control API under `/sandbox`: faults, the request log, candidates, the event outbox,
//! the lifecycle driver, webhook settings per account and the event clock. Unauthenticated on purpose: it exists only in the sandbox.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::api::host_of;
use super::error::ApiError;
use super::lifecycle::{self, Step};
use super::state::{FailEndpoint, FailStep};
use super::{Sandbox, SandboxAccount};

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route(
            "/sandbox/faults",
            post(set_faults).delete(clear_faults).get(get_faults),
        )
        .route(
            "/sandbox/requests",
            get(list_requests).delete(clear_requests),
        )
        .route("/sandbox/candidates", get(list_candidates))
        .route("/sandbox/invitations", get(list_invitations))
        .route("/sandbox/idempotency/expire", post(expire_idempotency))
        .route("/sandbox/events", get(list_events))
        .route("/sandbox/accounts", get(list_accounts))
        .route(
            "/sandbox/accounts/{id}/webhook_settings",
            post(set_webhook_settings),
        )
        .route("/sandbox/clock", post(set_clock))
        .route("/sandbox/invitations/{id}/steps", post(run_step))
        .route("/sandbox/apply/{id}", get(apply_page))
}

/// Distinguishes an omitted field (outer `None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsPatch {
    #[serde(default, deserialize_with = "present")]
    account_id: Option<Option<String>>,
    latency_ms: Option<u64>,
    fail_every: Option<u64>,
    rate_limit_burst: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    fail_step: Option<Option<FailStep>>,
    #[serde(default, deserialize_with = "present")]
    hold: Option<Option<FailEndpoint>>,
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|error| ApiError::BadRequest(format!("Invalid JSON body: {error}")))
}

async fn set_faults(State(sandbox): State<Sandbox>, bytes: Bytes) -> Result<StatusCode, ApiError> {
    let patch: FaultsPatch = parse(&bytes)?;
    if let Some(Some(step)) = &patch.fail_step
        && StatusCode::from_u16(step.status).is_err()
    {
        return Err(ApiError::BadRequest(format!(
            "fail_step.status {} is not an HTTP status",
            step.status
        )));
    }
    sandbox.with_state(|state| {
        let faults = state.faults_mut(patch.account_id.flatten());
        if let Some(latency_ms) = patch.latency_ms {
            faults.latency_ms = latency_ms;
        }
        if let Some(fail_every) = patch.fail_every {
            faults.fail_every = fail_every;
            // A new period starts counting from the next request.
            faults.seen = 0;
        }
        if let Some(burst) = patch.rate_limit_burst {
            faults.rate_limit_burst = burst;
        }
        if let Some(fail_step) = patch.fail_step {
            faults.fail_step = fail_step;
        }
        if let Some(hold) = patch.hold {
            faults.hold = hold;
        }
    });
    Ok(StatusCode::NO_CONTENT)
}

async fn clear_faults(State(sandbox): State<Sandbox>) -> StatusCode {
    sandbox.with_state(|state| state.clear_faults());
    StatusCode::NO_CONTENT
}

async fn get_faults(State(sandbox): State<Sandbox>) -> Json<Value> {
    Json(sandbox.with_state(|state| state.faults_json()))
}

#[derive(Deserialize)]
struct AccountFilter {
    account_id: Option<String>,
}

async fn list_requests(
    State(sandbox): State<Sandbox>,
    Query(filter): Query<AccountFilter>,
) -> Json<Value> {
    let records = sandbox.with_state(|state| state.requests(filter.account_id.as_deref()));
    Json(json!(records))
}

async fn clear_requests(State(sandbox): State<Sandbox>) -> StatusCode {
    sandbox.with_state(|state| state.clear_requests());
    StatusCode::NO_CONTENT
}

async fn list_candidates(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(filter): Query<AccountFilter>,
) -> Json<Value> {
    let host = host_of(&headers);
    let candidates: Vec<Value> = sandbox.with_state(|state| {
        let mut accounts: Vec<_> = state
            .accounts
            .values()
            .filter(|account| {
                filter
                    .account_id
                    .as_ref()
                    .is_none_or(|id| &account.id == id)
            })
            .collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        accounts
            .into_iter()
            .flat_map(|account| account.candidates.iter())
            .map(|candidate| candidate.to_json(&host))
            .collect()
    });
    Json(Value::Array(candidates))
}

async fn list_invitations(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(filter): Query<AccountFilter>,
) -> Json<Value> {
    let host = host_of(&headers);
    let invitations: Vec<Value> = sandbox.with_state(|state| {
        let mut accounts: Vec<_> = state
            .accounts
            .values()
            .filter(|account| {
                filter
                    .account_id
                    .as_ref()
                    .is_none_or(|id| &account.id == id)
            })
            .collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        accounts
            .into_iter()
            .flat_map(|account| account.invitations.iter())
            .map(|invitation| invitation.to_json(&host))
            .collect()
    });
    Json(Value::Array(invitations))
}

/// Lets 24 hours pass for idempotency: every stored answer is forgotten, so a repeated key
/// runs the request again, as at Checkr after its replay window.
async fn expire_idempotency(State(sandbox): State<Sandbox>) -> Json<Value> {
    let forgotten = sandbox.with_state(|state| state.expire_idempotency_keys());
    Json(json!({ "forgotten": forgotten }))
}

async fn list_events(
    State(sandbox): State<Sandbox>,
    Query(filter): Query<AccountFilter>,
) -> Json<Value> {
    Json(Value::Array(sandbox.with_state(|state| {
        state.events(filter.account_id.as_deref())
    })))
}

async fn list_accounts(State(sandbox): State<Sandbox>) -> Json<Value> {
    let seeded: Vec<Value> = SandboxAccount::ALL
        .iter()
        .map(|&which| {
            let credentials = sandbox.account(which);
            json!({
                "data_set": which,
                "api_key": credentials.api_key,
                "account_id": credentials.account_id,
            })
        })
        .collect();
    Json(Value::Array(seeded))
}

/// A customer's own webhook settings at Checkr, as far as delivery shape goes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSettings {
    include_object: bool,
}

/// `POST /sandbox/accounts/{id}/webhook_settings`: with `include_object` false, this account's
/// events carry only `{id, object, uri}` in `data.object`.
async fn set_webhook_settings(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<StatusCode, ApiError> {
    let settings: WebhookSettings = parse(&bytes)?;
    sandbox.with_state(|state| {
        let account = state
            .accounts
            .get_mut(&id)
            .ok_or(ApiError::NotFound("Account not found"))?;
        account.include_object = settings.include_object;
        Ok(StatusCode::NO_CONTENT)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    frozen_at: Option<String>,
}

/// `POST /sandbox/clock`: `{"frozen_at": "2026-11-21T10:00:00Z"}` stamps every later event
/// with that second (as when Checkr emits several in one second); `null` follows the clock
/// again.
async fn set_clock(State(sandbox): State<Sandbox>, bytes: Bytes) -> Result<StatusCode, ApiError> {
    let request: ClockRequest = parse(&bytes)?;
    let second = request
        .frozen_at
        .map(|text| {
            crate::domain::time::Timestamp::parse(&text)
                .map(|at| at.unix_seconds())
                .map_err(|_| ApiError::BadRequest(format!("frozen_at is not RFC 3339: {text}")))
        })
        .transpose()?;
    sandbox.with_state(|state| state.freeze_event_clock(second));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepRequest {
    step: String,
    eta: Option<String>,
}

async fn run_step(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: StepRequest = parse(&bytes)?;
    let step: Step = serde_json::from_value(Value::String(request.step.clone()))
        .map_err(|_| ApiError::BadRequest(format!("Unknown step: {}", request.step)))?;
    let host = host_of(&headers);
    let outcome =
        sandbox.with_state(|state| lifecycle::apply(state, &id, step, request.eta, &host))?;
    Ok(Json(json!({
        "invitation": outcome.invitation,
        "report": outcome.report,
        "events": outcome.events,
    })))
}

/// Stands in for the hosted apply page the invitation link points at.
async fn apply_page(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Html<String> {
    let status = sandbox.with_state(|state| {
        state
            .accounts
            .values()
            .find_map(|account| account.invitation(&id))
            .map(|invitation| format!("{:?}", invitation.status).to_lowercase())
    });
    // The id is echoed only when it names a real invitation, so nothing user-supplied is
    // written into the page.
    let body = match status {
        Some(status) => format!(
            "<!doctype html><title>Sandbox invitation</title><h1>Sandbox invitation {id}</h1>\
             <p>Status: {status}. Drive it with POST /sandbox/invitations/{id}/steps.</p>"
        ),
        None => {
            "<!doctype html><title>Sandbox invitation</title><p>No such invitation.</p>".to_owned()
        }
    };
    Html(body)
}
