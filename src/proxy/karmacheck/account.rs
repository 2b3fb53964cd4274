//! Connecting an account to KarmaCheck: the admin enters the API key and client access token
//! the customer got from KarmaCheck; the proxy checks them with KarmaCheck, seals them, and
//! makes the login KarmaCheck's webhook subscription will present (HTTP Basic).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::put;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::super::AppState;
use super::super::crypto::{digest, random_token};
use super::super::error::{ApiError, ApiJson};
use super::super::oauth::AccountManager;
use super::super::secret::Secret;
use super::super::store::{ConnectionState, KarmaCheckCredentials, NewKarmaCheckConnection};

/// The account routes, under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/account/karmacheck",
        put(connect).get(show).delete(disconnect),
    )
}

/// Longest credential accepted; KarmaCheck's are well under this.
const CREDENTIAL_LIMIT: usize = 512;

/// What the admin enters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    api_key: String,
    client_access_token: String,
}

/// Where and how KarmaCheck's webhook subscription must deliver.
#[derive(Serialize)]
struct WebhookLogin {
    url: String,
    username: String,
    /// Shown once, at connection: only its digest is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

/// The connection as the admin may see it: never the API key or the client access token.
#[derive(Serialize)]
struct ConnectionView {
    provider: &'static str,
    connected_at: String,
    webhook: WebhookLogin,
}

fn checked(name: &str, value: &str) -> Result<Secret, ApiError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ApiError::MalformedRequest(format!(
            "{name} is empty: paste the value KarmaCheck gave the customer"
        )));
    }
    if trimmed.len() > CREDENTIAL_LIMIT || trimmed.chars().any(char::is_control) {
        return Err(ApiError::MalformedRequest(format!(
            "{name} does not look like a KarmaCheck credential"
        )));
    }
    Ok(Secret::new(trimmed))
}

fn webhook_url(state: &AppState) -> String {
    format!("{}/webhooks/karmacheck", state.public_url)
}

/// `PUT /api/account/karmacheck` (admins): connects the account to KarmaCheck, once
/// KarmaCheck accepts the credentials; nothing is stored when it does not.
async fn connect(
    State(state): State<AppState>,
    AccountManager(identity): AccountManager,
    ApiJson(request): ApiJson<ConnectRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let credentials = KarmaCheckCredentials {
        api_key: checked("api_key", &request.api_key)?,
        client_access_token: checked("client_access_token", &request.client_access_token)?,
    };
    let account = state
        .store
        .account(&identity.account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    if account.connection == ConnectionState::Connected {
        return Err(ApiError::Conflict(
            "this account is connected to Checkr; disconnect it from Checkr before connecting \
             it to KarmaCheck"
                .to_owned(),
        ));
    }
    state.karmacheck.authenticate(&credentials).await?;
    let password = random_token(24);
    let connection = NewKarmaCheckConnection {
        credentials,
        webhook_username: format!("bgcheck-{}", random_token(9)),
        webhook_password_digest: digest(&password),
        connected_at: state.now(),
    };
    let username = connection.webhook_username.clone();
    let connected_at = connection.connected_at.clone();
    if !state
        .store
        .save_karmacheck_connection(&identity.account_id, connection)
        .await?
    {
        return Err(ApiError::NotFound("account"));
    }
    state.forget_catalog(&identity.account_id);
    // A bearer token of the previous credentials must not outlive them.
    state.karmacheck.forget(&identity.account_id);
    tracing::info!(account = %identity.account_id, "account connected to KarmaCheck");
    let view = ConnectionView {
        provider: "karmacheck",
        connected_at,
        webhook: WebhookLogin {
            url: webhook_url(&state),
            username,
            password: Some(password),
        },
    };
    // The answer holds the webhook password once: no cache may keep it.
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(view)))
}

/// `GET /api/account/karmacheck` (admins): the account's KarmaCheck connection, without its
/// secrets.
async fn show(
    State(state): State<AppState>,
    AccountManager(identity): AccountManager,
) -> Result<Json<ConnectionView>, ApiError> {
    let connection = state
        .store
        .karmacheck_connection(&identity.account_id)
        .await?
        .ok_or(ApiError::NotFound("KarmaCheck connection"))?;
    Ok(Json(ConnectionView {
        provider: "karmacheck",
        connected_at: connection.connected_at,
        webhook: WebhookLogin {
            url: webhook_url(&state),
            username: connection.webhook_username,
            password: None,
        },
    }))
}

/// `DELETE /api/account/karmacheck` (admins): forgets the credentials and the webhook login;
/// KarmaCheck's deliveries for the account are refused from then on.
async fn disconnect(
    State(state): State<AppState>,
    AccountManager(identity): AccountManager,
) -> Result<StatusCode, ApiError> {
    if state
        .store
        .forget_karmacheck_connection(&identity.account_id)
        .await?
    {
        state.forget_catalog(&identity.account_id);
        state.karmacheck.forget(&identity.account_id);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("KarmaCheck connection"))
    }
}

/// The HTTP status and error code of a KarmaCheck failure.
pub(in super::super) fn status_and_code(
    error: &super::KarmaCheckError,
) -> (StatusCode, &'static str) {
    use super::KarmaCheckError;
    match error {
        KarmaCheckError::NotConfigured => (StatusCode::CONFLICT, "karmacheck_not_configured"),
        KarmaCheckError::Unauthorized { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "karmacheck_credentials_refused",
        ),
        KarmaCheckError::Rejected { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "provider_rejected"),
        KarmaCheckError::Unavailable { .. } => (StatusCode::BAD_GATEWAY, "provider_unavailable"),
        KarmaCheckError::Unreachable => (StatusCode::BAD_GATEWAY, "provider_unreachable"),
        KarmaCheckError::Decode(_) => (StatusCode::BAD_GATEWAY, "provider_response_invalid"),
    }
}
