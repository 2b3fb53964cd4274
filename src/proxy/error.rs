//! The one error type of the widget API, and the JSON body every failure becomes.

use axum::Json;
use axum::extract::Request;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::validation::FieldErrors;

use super::checkr::CheckrError;
use super::orders::OrderView;

/// JSON bodies whose rejections come back in the API's own error shape.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Everything a widget call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no valid widget session.
    #[error("sign in again: this session is missing or has expired")]
    Unauthenticated,
    /// 401: a server-to-server call without the shared session secret.
    #[error(
        "this endpoint is for the ATS backend: send the proxy's session secret (its --session-secret) as `Authorization: Bearer <secret>`"
    )]
    InvalidSessionSecret,
    /// 429: the user already has as many live streams open as one user may.
    #[error(
        "this user already has {0} live status streams open; close another tab with the widget and try again"
    )]
    TooManyStreams(usize),
    /// 403: the caller's role does not allow this.
    #[error("your role does not allow this; ask an admin")]
    Forbidden,
    /// 400: the body was not the JSON the endpoint takes.
    #[error("{0}")]
    MalformedRequest(String),
    /// 422: one or more fields failed validation; nothing was sent to the provider.
    #[error("some fields need attention")]
    Invalid(FieldErrors),
    /// 404: no such thing in this account.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: the account cannot order yet, or any more.
    #[error("{}", .0.message())]
    AccountNotReady(AccountProblem),
    /// 409: the request does not fit the current state.
    #[error("{0}")]
    Conflict(String),
    /// The provider refused or failed; `order` is the order as kept, so it can be retried.
    #[error("{source}")]
    Provider {
        /// What the provider said.
        source: CheckrError,
        /// The order the failure belongs to, if any.
        order: Option<Box<OrderView>>,
    },
    /// KarmaCheck refused or failed.
    #[error("{0}")]
    KarmaCheck(#[from] super::karmacheck::KarmaCheckError),
    /// 500: a bug or a storage failure; details go to the log, not the browser.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<CheckrError> for ApiError {
    fn from(source: CheckrError) -> Self {
        ApiError::Provider {
            source,
            order: None,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::MalformedRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::MalformedRequest(rejection.body_text())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        ApiError::Internal(error.into())
    }
}

/// Why an account cannot order (R2, R3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountProblem {
    /// No Checkr account linked yet.
    NotConnected,
    /// Linked, but `account.credentialed` has not arrived.
    AwaitingCredentialing,
    /// The customer disconnected it from Checkr's side, or an admin unlinked it.
    Disconnected,
}

impl AccountProblem {
    /// The error code the widget switches on.
    pub const fn code(self) -> &'static str {
        match self {
            AccountProblem::NotConnected => "not_connected",
            AccountProblem::AwaitingCredentialing => "awaiting_credentialing",
            AccountProblem::Disconnected => "disconnected",
        }
    }

    /// What the user is told.
    pub const fn message(self) -> &'static str {
        match self {
            AccountProblem::NotConnected => {
                "Background checks are not set up yet: an admin needs to connect a Checkr account."
            }
            AccountProblem::AwaitingCredentialing => {
                "Checkr is reviewing this account; ordering opens once it is approved (this can take 1 to 3 days)."
            }
            AccountProblem::Disconnected => {
                "This account is no longer connected to Checkr. An admin can reconnect it to order again."
            }
        }
    }
}

/// The provider's own words, passed to the user as R10 asks.
#[derive(Debug, Serialize)]
struct ProviderDetail {
    status: Option<u16>,
    message: String,
}

#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a FieldErrors>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<ProviderDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order: Option<&'a OrderView>,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::InvalidSessionSecret => (StatusCode::UNAUTHORIZED, "invalid_session_secret"),
            ApiError::TooManyStreams(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_streams"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::MalformedRequest(_) => (StatusCode::BAD_REQUEST, "malformed_request"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::AccountNotReady(problem) => (StatusCode::CONFLICT, problem.code()),
            ApiError::Provider { source, .. } => match source {
                CheckrError::Rejected { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "provider_rejected")
                }
                CheckrError::Unavailable { .. } => {
                    (StatusCode::BAD_GATEWAY, "provider_unavailable")
                }
                CheckrError::RateLimited => (StatusCode::SERVICE_UNAVAILABLE, "provider_busy"),
                CheckrError::Timeout => (StatusCode::GATEWAY_TIMEOUT, "provider_timeout"),
                CheckrError::Transport(_) => (StatusCode::BAD_GATEWAY, "provider_unreachable"),
                CheckrError::Unauthorized { .. } => {
                    (StatusCode::BAD_GATEWAY, "provider_unauthorized")
                }
                CheckrError::Decode(_) => (StatusCode::BAD_GATEWAY, "provider_response_invalid"),
            },
            ApiError::KarmaCheck(source) => super::karmacheck::account::status_and_code(source),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(error) = &self {
            tracing::error!(error = %format!("{error:#}"), "internal error");
        }
        let provider = match &self {
            ApiError::Provider { source, .. } => Some(ProviderDetail {
                status: source.status(),
                message: source.to_string(),
            }),
            ApiError::KarmaCheck(source) => source.status().map(|status| ProviderDetail {
                status: Some(status),
                message: source.to_string(),
            }),
            ApiError::Unauthenticated
            | ApiError::InvalidSessionSecret
            | ApiError::TooManyStreams(_)
            | ApiError::Forbidden
            | ApiError::MalformedRequest(_)
            | ApiError::Invalid(_)
            | ApiError::NotFound(_)
            | ApiError::Conflict(_)
            | ApiError::AccountNotReady(_)
            | ApiError::Internal(_) => None,
        };
        let message = match &self {
            ApiError::Provider { source, .. } => source.user_message(),
            other => other.to_string(),
        };
        let body = ErrorBody {
            code,
            message,
            fields: match &self {
                ApiError::Invalid(fields) => Some(fields),
                _other => None,
            },
            provider,
            order: match &self {
                ApiError::Provider { order, .. } => order.as_deref(),
                _other => None,
            },
        };
        (status, Json(body)).into_response()
    }
}

/// The answer for a path under `/api` that names no endpoint.
pub async fn no_such_endpoint() -> ApiError {
    ApiError::NotFound("API endpoint")
}

/// Largest plain-text error body that is carried over as a message; axum's own are one line.
const PLAIN_ERROR_LIMIT: usize = 4 * 1024;

/// Gives every failure under `/api` the API's JSON shape, including those answered before a
/// handler runs: a path that does not decode, a method the endpoint does not take, a body
/// over the size limit. Answers already in JSON pass through untouched.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, PLAIN_ERROR_LIMIT)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let (code, fallback) = match status {
        StatusCode::BAD_REQUEST => ("malformed_request", "the request could not be read"),
        StatusCode::NOT_FOUND => ("not_found", "not found"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this endpoint does not take this method; see /api/openapi.json",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body is too large: API requests are a few hundred bytes",
        ),
        _ if status.is_server_error() => ("internal", "internal error"),
        _ => ("malformed_request", "the request was refused"),
    };
    let message = match status {
        // axum's body is empty and tower-http's terse; these say more.
        StatusCode::METHOD_NOT_ALLOWED | StatusCode::PAYLOAD_TOO_LARGE => fallback.to_owned(),
        _ if text.is_empty() => fallback.to_owned(),
        _ => text,
    };
    let body = ErrorBody {
        code,
        message,
        fields: None,
        provider: None,
        order: None,
    };
    // Keep headers such as `Allow`, but not the old body's type and length.
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    (parts, Json(body)).into_response()
}
