//! The one error type of the sandbox: every failure leaves as Checkr's `{"error": "..."}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A failed sandbox request, with the status and message Checkr would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// Missing or unknown credentials.
    BadAuthentication,
    /// The request itself is wrong.
    BadRequest(String),
    /// The account may not use this feature.
    Forbidden(&'static str),
    /// The named resource does not exist for this account.
    NotFound(&'static str),
    /// The request conflicts with the current state.
    Conflict(String),
    /// The rate limit is exhausted (injected by a fault).
    TooManyRequests,
    /// A server failure (injected by a fault).
    Internal,
    /// An arbitrary status and message chosen through the control API.
    Injected {
        /// Status to answer with.
        status: StatusCode,
        /// Text of the `error` field.
        message: String,
    },
}

impl ApiError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::BadAuthentication => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Injected { status, .. } => *status,
        }
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            Self::BadAuthentication => "Bad authentication error",
            Self::BadRequest(message) | Self::Conflict(message) => message,
            Self::Forbidden(message) | Self::NotFound(message) => message,
            Self::TooManyRequests => "Too Many Requests",
            Self::Internal => "Internal Server Error",
            Self::Injected { message, .. } => message,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status(),
            Json(serde_json::json!({ "error": self.message() })),
        )
            .into_response()
    }
}
