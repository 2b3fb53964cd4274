//! `POST /webhooks/checkr`: signed events from Checkr, recorded durably before they are
//! acknowledged (Checkr retries anything that is not a 2xx for a day).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::domain::checkr::ReportStatus;
use crate::domain::events::Event;

use super::AppState;
use super::crypto::verify_hex;
use super::store::{EventRecorded, OrderRecord};

/// The header carrying the hex HMAC-SHA256 of the raw body.
pub const SIGNATURE_HEADER: &str = "x-checkr-signature";

/// Webhook bodies are single events; anything larger is not from Checkr.
const MAX_WEBHOOK_BYTES: usize = 512 * 1024;

/// Why a delivery was refused; none of these touch the store.
#[derive(Debug, thiserror::Error)]
pub enum WebhookRejection {
    /// No `X-Checkr-Signature`.
    #[error("missing X-Checkr-Signature")]
    MissingSignature,
    /// The signature is not the HMAC of this body under the client secret.
    #[error("signature does not match the body")]
    InvalidSignature,
    /// The body could not be read within the size limit.
    #[error("body unreadable or larger than {MAX_WEBHOOK_BYTES} bytes")]
    Unreadable,
    /// Signed correctly but not an event envelope.
    #[error("not a Checkr event: {0}")]
    Malformed(String),
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let status = match self {
            WebhookRejection::MissingSignature | WebhookRejection::InvalidSignature => {
                StatusCode::UNAUTHORIZED
            }
            WebhookRejection::Unreadable => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookRejection::Malformed(_) => StatusCode::BAD_REQUEST,
        };
        tracing::warn!(%status, reason = %self, "webhook refused");
        (status, Json(json!({"error": self.to_string()}))).into_response()
    }
}

/// A verified Checkr event and the exact bytes it arrived as.
pub struct CheckrWebhook {
    /// The decoded event.
    pub event: Event,
    /// The raw body, kept as received.
    pub raw: String,
}

impl FromRequest<AppState> for CheckrWebhook {
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let signature = request
            .headers()
            .get(SIGNATURE_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .ok_or(WebhookRejection::MissingSignature)?;
        let body = axum::body::to_bytes(request.into_body(), MAX_WEBHOOK_BYTES)
            .await
            .map_err(|_| WebhookRejection::Unreadable)?;
        // The signature covers the bytes as sent; nothing is parsed before it checks out.
        if !verify_hex(state.webhook_key(), &body, &signature) {
            return Err(WebhookRejection::InvalidSignature);
        }
        let event: Event = serde_json::from_slice(&body)
            .map_err(|error| WebhookRejection::Malformed(error.to_string()))?;
        let raw = String::from_utf8(Bytes::into(body))
            .map_err(|_| WebhookRejection::Malformed("body is not UTF-8".to_owned()))?;
        Ok(CheckrWebhook { event, raw })
    }
}

/// Records the event and answers 200 only once it is durable.
pub async fn receive(State(state): State<AppState>, webhook: CheckrWebhook) -> Response {
    let (id, kind) = (webhook.event.id.clone(), webhook.event.type_name.clone());
    match state
        .store
        .record_event(webhook.event, webhook.raw, state.now())
        .await
    {
        Ok(EventRecorded::Stored { changed }) => {
            tracing::info!(event = %id, kind = %kind, orders = changed.len(), "webhook recorded");
            for order in changed {
                follow_up(&state, order);
            }
            // The event may have asked for a read of its object (stored with it).
            state.wake_reads();
            StatusCode::OK.into_response()
        }
        Ok(EventRecorded::Duplicate) => {
            tracing::info!(event = %id, kind = %kind, "webhook already recorded");
            StatusCode::OK.into_response()
        }
        Err(error) => {
            tracing::error!(event = %id, error = %format!("{error:#}"), "webhook not recorded");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Tells live widgets, and reads cancellation reasons when screenings were canceled.
pub(crate) fn follow_up(state: &AppState, order: OrderRecord) {
    let canceled = order.folded.status.report.as_ref().is_some_and(|report| {
        report.includes_canceled || matches!(report.status, ReportStatus::Canceled)
    });
    state.publish(order.clone());
    if canceled && order.cancellation_reasons.is_empty() {
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(error) = fetch_cancellation_reasons(&state, &order).await {
                tracing::warn!(order = %order.id, error = %format!("{error:#}"), "cancellation reasons not read");
            }
        });
    }
}

async fn fetch_cancellation_reasons(state: &AppState, order: &OrderRecord) -> anyhow::Result<()> {
    let Some(report_id) = &order.report_id else {
        return Ok(());
    };
    let account = state
        .store
        .account(&order.account_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("account gone"))?;
    let Some(token) = account.access_token else {
        return Ok(());
    };
    let reasons = state.checkr.cancellation_reasons(&token, report_id).await?;
    if let Some(updated) = state
        .store
        .set_cancellation_reasons(&order.id, reasons)
        .await?
    {
        state.publish(updated);
    }
    Ok(())
}
