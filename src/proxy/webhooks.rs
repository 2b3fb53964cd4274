//! `POST /webhooks/checkr`: signed events from Checkr, recorded durably before they are
//! acknowledged (Checkr retries anything that is not a 2xx for a day).

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::domain::checkr::ReportStatus;
use crate::domain::events::Event;

use super::AppState;
use super::crypto::verify_hex;
use super::store::{EventRecorded, OrderRecord, Store};

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

/// A verified Checkr event and the body it arrived as, with credentials blanked.
pub struct CheckrWebhook {
    /// The decoded event.
    pub event: Event,
    /// The body as received, except for credentials (see [`redact_credentials`]).
    pub raw: String,
}

/// Members that carry credentials: `token.deauthorized` sends the revoked `access_code`, an
/// invitation its `invitation_url` (a bearer link into the candidate's own form), and nothing
/// that grants access may be readable in the database; a verification's `verification_url`
/// is the candidate's own link too.
const CREDENTIAL_MEMBERS: [&str; 7] = [
    "access_code",
    "invitation_url",
    "verification_url",
    "access_token",
    "refresh_token",
    "api_key",
    "client_secret",
];

/// The body to keep: the same JSON with every credential member's value replaced by
/// `"[redacted]"`, wherever it is nested.
pub fn redact_credentials(body: &[u8]) -> Result<String, WebhookRejection> {
    fn scrub(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(members) => {
                for (name, member) in members.iter_mut() {
                    if CREDENTIAL_MEMBERS.contains(&name.as_str()) {
                        *member = serde_json::Value::from("[redacted]");
                    } else {
                        scrub(member);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(scrub),
            serde_json::Value::Null
            | serde_json::Value::Bool(_)
            | serde_json::Value::Number(_)
            | serde_json::Value::String(_) => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| WebhookRejection::Malformed(error.to_string()))?;
    scrub(&mut value);
    serde_json::to_string(&value).map_err(|error| WebhookRejection::Malformed(error.to_string()))
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
        let raw = redact_credentials(&body)?;
        Ok(CheckrWebhook { event, raw })
    }
}

/// Most events one commit takes; a burst beyond it waits for the next commit.
const MAX_BATCH: usize = 256;

type Delivery = (
    Event,
    String,
    String,
    tokio::sync::oneshot::Sender<anyhow::Result<EventRecorded>>,
);

/// Group commit of webhook events: deliveries that arrive while one batch is being written go
/// into the next transaction, so many concurrent deliveries share one disk sync, and each is
/// answered only once its own batch is durable.
#[derive(Clone)]
pub struct EventWriter {
    queue: tokio::sync::mpsc::UnboundedSender<Delivery>,
}

impl EventWriter {
    /// Starts the writer task for `store`; it ends when the last handle is dropped.
    pub fn start(store: Store) -> Self {
        let (queue, mut arrivals) = tokio::sync::mpsc::unbounded_channel::<Delivery>();
        tokio::spawn(async move {
            while let Some(first) = arrivals.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match arrivals.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (events, replies): (Vec<_>, Vec<_>) = batch
                    .into_iter()
                    .map(|(event, raw, now, reply)| ((event, raw, now), reply))
                    .unzip();
                match store.record_events(events).await {
                    Ok(outcomes) => {
                        for (reply, outcome) in replies.into_iter().zip(outcomes) {
                            let _ = reply.send(outcome);
                        }
                    }
                    Err(error) => {
                        let message = format!("{error:#}");
                        for reply in replies {
                            let _ = reply.send(Err(anyhow::anyhow!("{message}")));
                        }
                    }
                }
            }
        });
        Self { queue }
    }

    /// Records one event with whatever else arrives meanwhile; resolves once it is durable.
    pub async fn record(
        &self,
        event: Event,
        raw: String,
        now: String,
    ) -> anyhow::Result<EventRecorded> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue
            .send((event, raw, now, reply))
            .map_err(|_| anyhow::anyhow!("the event writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the event writer dropped the event"))?
    }
}

/// Records the event and answers 200 only once it is durable.
pub async fn receive(State(state): State<AppState>, webhook: CheckrWebhook) -> Response {
    let (id, kind) = (webhook.event.id.clone(), webhook.event.type_name.clone());
    let verification = super::progress::is_verification_event(&kind).then(|| webhook.raw.clone());
    if kind.starts_with("report.") {
        super::screenings::note_report_event(&state, &webhook.raw);
        // Reports of continuous checks and subscriptions get an order before they are folded.
        if let Err(error) = super::monitoring::prepare(&state, &webhook.raw).await {
            tracing::warn!(event = %id, error = %format!("{error:#}"), "no order made for a report Checkr started");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    match state
        .events
        .record(webhook.event, webhook.raw, state.now())
        .await
    {
        Ok(EventRecorded::Stored { changed }) => {
            tracing::info!(event = %id, kind = %kind, orders = changed.len(), "webhook recorded");
            for order in changed {
                follow_up(&state, order);
            }
            // The event may have asked for a read of its object (stored with it).
            state.wake_reads();
            if let Some(raw) = verification
                && let Err(error) = super::progress::record(&state, &raw).await
            {
                tracing::warn!(event = %id, error = %format!("{error:#}"), "verification not recorded");
            }
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
    super::screenings::refresh_later(state, &order);
    super::continuous::after_change(state, &order);
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
