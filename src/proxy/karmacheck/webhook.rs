//! `POST /webhooks/karmacheck`: deliveries from the accounts' KarmaCheck webhook
//! subscriptions.
//!
//! A delivery is accepted only with the HTTP Basic username and password made for the
//! subscription at connection (wrong or missing: 401, nothing recorded). It is deduplicated by
//! `messageId`. Whatever the event, the case it names is read again (`GET /case/id/{caseId}`)
//! and the overall status taken from the read, so event names KarmaCheck has not confirmed,
//! duplicates and deliveries out of order all end in the case's current state.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::super::AppState;
use super::super::crypto::{digest, same_secret};
use super::super::secret::Secret;
use super::super::store::CaseEventRecorded;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    message_id: String,
    event: String,
    #[serde(default)]
    event_object: Option<EventObject>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventObject {
    #[serde(default)]
    case_id: Option<String>,
}

fn basic_login(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (username, password) = decoded.split_once(':')?;
    Some((username.to_owned(), password.to_owned()))
}

/// The account whose subscription presented this login.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<String, StatusCode> {
    let (username, password) = basic_login(headers).ok_or(StatusCode::UNAUTHORIZED)?;
    let (account_id, stored_digest) = state
        .store
        .karmacheck_webhook_login(&username)
        .await
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?
        .ok_or(StatusCode::UNAUTHORIZED)?;
    if same_secret(&Secret::new(stored_digest), &digest(&password)) {
        Ok(account_id)
    } else {
        Err(StatusCode::UNAUTHORIZED)
    }
}

/// Receives one delivery: 200 once recorded (or already recorded), 401 for a wrong login,
/// 400 for a body that is not KarmaCheck's envelope, 503 when the case could not be read (so
/// KarmaCheck delivers it again; nothing was recorded).
pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let account_id = match authenticate(&state, &headers).await {
        Ok(account_id) => account_id,
        Err(status) => {
            tracing::warn!(%status, "KarmaCheck webhook refused: wrong or missing login");
            return status;
        }
    };
    let Ok(envelope) = serde_json::from_slice::<Envelope>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    match state
        .store
        .case_event_seen(&account_id, &envelope.message_id)
        .await
    {
        Ok(true) => return StatusCode::OK,
        Ok(false) => {}
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    }
    let case_id = envelope
        .event_object
        .and_then(|object| object.case_id)
        .filter(|id| !id.is_empty());
    let mut read = None;
    if let Some(case_id) = case_id {
        // Only cases this account ordered are read; others are recorded and left alone.
        match state.store.case_order_by_case(&account_id, &case_id).await {
            Ok(Some(_)) => match reread(&state, &account_id, &case_id).await {
                Ok(Some(case)) => read = Some((case_id, case)),
                Ok(None) => {}
                Err(status) => return status,
            },
            Ok(None) => {}
            Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
        }
    }
    match state
        .store
        .record_case_event(
            &account_id,
            &envelope.message_id,
            &envelope.event,
            read,
            &state.now(),
        )
        .await
    {
        Ok(CaseEventRecorded::Recorded(Some(order))) => {
            tracing::info!(order = %order.id, event = %envelope.event, "KarmaCheck case changed");
            state.wake_ats_webhooks();
            StatusCode::OK
        }
        Ok(CaseEventRecorded::Recorded(None) | CaseEventRecorded::Duplicate) => StatusCode::OK,
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "recording a KarmaCheck webhook failed");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// Reads the case; `Ok(None)` for a state the lifecycle does not define (kept as it was, and
/// logged), `Err(503)` when KarmaCheck could not be asked.
async fn reread(
    state: &AppState,
    account_id: &str,
    case_id: &str,
) -> Result<Option<super::super::store::CaseRead>, StatusCode> {
    let connection = state
        .store
        .karmacheck_connection(account_id)
        .await
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let record = state
        .karmacheck
        .read_case(account_id, &connection.credentials, case_id)
        .await
        .map_err(|error| {
            tracing::warn!(status = ?error.status(), "reading a KarmaCheck case failed");
            StatusCode::SERVICE_UNAVAILABLE
        })?;
    match super::orders::case_read(&record) {
        Ok(read) => Ok(Some(read)),
        Err(error) => {
            tracing::warn!(error = %error, "a KarmaCheck case in a state the lifecycle does not define");
            Ok(None)
        }
    }
}
