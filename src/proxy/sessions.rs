//! Widget sessions: short-lived signed tokens naming one ATS account, one user and a role.
//!
//! The ATS backend mints them server to server (`POST /api/sessions` with the shared session
//! secret as a bearer token), the way a partner backend asks Checkr for an embed session
//! token, and hands them to its page. The browser can read a token but not forge or widen
//! one, so the proxy never takes an account id from the browser.

use axum::Json;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson};
use super::identity::{Identity, Role};

/// How long a widget session lasts; the widget fetches a new one when it expires.
pub const SESSION_SECONDS: u64 = 15 * 60;

/// The one value of a session's type claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SessionType {
    WidgetSession,
}

/// What a widget session names. `typ` says what the token is for, beside the key derived
/// for sessions alone, so no other signed value of the proxy can pass for one.
#[derive(Serialize, Deserialize)]
struct Claims {
    typ: SessionType,
    account_id: String,
    user_id: String,
    role: Role,
    expires_at: u64,
}

impl AppState {
    /// A signed session for this identity, valid for [`SESSION_SECONDS`].
    pub fn mint_session(&self, identity: &Identity) -> (String, u64) {
        let expires_at = self.clock.now() + SESSION_SECONDS;
        let claims = Claims {
            typ: SessionType::WidgetSession,
            account_id: identity.account_id.clone(),
            user_id: identity.user_id.clone(),
            role: identity.role,
            expires_at,
        };
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        (self.sessions.sign(&payload), expires_at)
    }

    /// The identity a session token names, if it is genuine and unexpired.
    pub fn verify_session(&self, token: &str) -> Option<Identity> {
        self.verify_session_until(token)
            .map(|(identity, _)| identity)
    }

    /// [`AppState::verify_session`], with when the session expires (Unix seconds), for
    /// what must end with it.
    pub fn verify_session_until(&self, token: &str) -> Option<(Identity, u64)> {
        let payload = self.sessions.verify(token)?;
        let claims: Claims = serde_json::from_slice(&payload).ok()?;
        if claims.typ != SessionType::WidgetSession {
            return None;
        }
        let identity = Identity {
            account_id: claims.account_id,
            user_id: claims.user_id,
            role: claims.role,
        };
        (claims.expires_at > self.clock.now()).then_some((identity, claims.expires_at))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

impl FromRequestParts<AppState> for Identity {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        bearer(&parts.headers)
            .and_then(|token| state.verify_session(token))
            .ok_or(ApiError::Unauthenticated)
    }
}

/// A server-to-server caller that presented the shared session secret: the ATS backend.
pub struct AtsBackend;

impl FromRequestParts<AppState> for AtsBackend {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match bearer(&parts.headers) {
            Some(presented) if super::crypto::same_secret(&state.session_secret, presented) => {
                Ok(AtsBackend)
            }
            Some(_) | None => Err(ApiError::InvalidSessionSecret),
        }
    }
}

/// What the ATS backend asks for.
#[derive(Deserialize)]
pub struct SessionRequest {
    account_id: String,
    #[serde(default)]
    account_name: Option<String>,
    user_id: String,
    role: Role,
}

/// What it gets back.
#[derive(Serialize)]
pub struct SessionResponse {
    token: String,
    expires_at: u64,
}

/// `POST /api/sessions`: server to server, authenticated by the shared session secret.
/// The secret is checked before the body is read, so a caller with the wrong secret learns
/// nothing about what the endpoint accepts.
pub async fn create_session(
    State(state): State<AppState>,
    _backend: AtsBackend,
    ApiJson(request): ApiJson<SessionRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    if request.account_id.trim().is_empty() || request.user_id.trim().is_empty() {
        return Err(ApiError::MalformedRequest(
            "account_id and user_id are required".to_owned(),
        ));
    }
    let name = request
        .account_name
        .as_deref()
        .unwrap_or(&request.account_id);
    state
        .store
        .ensure_account(&request.account_id, name)
        .await?;
    let identity = Identity {
        account_id: request.account_id,
        user_id: request.user_id,
        role: request.role,
    };
    let (token, expires_at) = state.mint_session(&identity);
    Ok(Json(SessionResponse { token, expires_at }))
}

/// Which demo user the demo page wants a session for.
#[derive(Deserialize)]
pub struct DemoSessionQuery {
    #[serde(default = "default_demo_account")]
    account: String,
    #[serde(default = "default_demo_role")]
    role: Role,
}

fn default_demo_account() -> String {
    "acme".to_owned()
}

fn default_demo_role() -> Role {
    Role::Recruiter
}

/// `POST /demo/session` (sandbox mode only): plays the ATS backend for the demo page, with
/// one user per role.
pub async fn demo_session(
    State(state): State<AppState>,
    Query(query): Query<DemoSessionQuery>,
) -> Result<Json<SessionResponse>, ApiError> {
    // Sessions are minted for the demo's own accounts only, never for a real tenant that
    // happens to be in the same store.
    if !super::is_demo_account(&query.account) {
        return Err(ApiError::NotFound("demo account"));
    }
    let user_id = match query.role {
        Role::Recruiter => "rita.recruiter",
        Role::Adjudicator => "adam.adjudicator",
        Role::Admin => "alex.admin",
    };
    let identity = Identity {
        account_id: query.account,
        user_id: user_id.to_owned(),
        role: query.role,
    };
    let (token, expires_at) = state.mint_session(&identity);
    Ok(Json(SessionResponse { token, expires_at }))
}
