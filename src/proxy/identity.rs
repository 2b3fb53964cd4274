//! Who is calling: one ATS user of one customer account, with a role.
//!
//! Every widget endpoint takes an [`Identity`]; handlers never read an account id from the
//! request body or path. Until signed widget sessions exist, the proxy accepts only a demo
//! scheme, `Authorization: Bearer demo:<account>:<user>:<role>`, and only while it runs
//! against the embedded sandbox.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;

/// What an ATS user may do in the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Orders checks and follows their status.
    Recruiter,
    /// Also sees report links (adjudication rights in Checkr).
    Adjudicator,
    /// Also connects and configures the provider account.
    Admin,
}

impl Role {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "recruiter" => Some(Role::Recruiter),
            "adjudicator" => Some(Role::Adjudicator),
            "admin" => Some(Role::Admin),
            _unknown => None,
        }
    }
}

/// The authenticated caller of a widget endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The ATS customer account.
    pub account_id: String,
    /// The ATS user.
    pub user_id: String,
    /// Their role.
    pub role: Role,
}

impl Identity {
    fn from_demo_token(token: &str) -> Option<Self> {
        let mut parts = token.strip_prefix("demo:")?.splitn(3, ':');
        let (account_id, user_id, role) = (parts.next()?, parts.next()?, parts.next()?);
        if account_id.is_empty() || user_id.is_empty() {
            return None;
        }
        Some(Identity {
            account_id: account_id.to_owned(),
            user_id: user_id.to_owned(),
            role: Role::parse(role)?,
        })
    }
}

impl FromRequestParts<AppState> for Identity {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if !state.accepts_demo_sessions() {
            return Err(ApiError::Unauthenticated);
        }
        parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .and_then(Identity::from_demo_token)
            .ok_or(ApiError::Unauthenticated)
    }
}
