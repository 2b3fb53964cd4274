//! Connecting a customer's Checkr account (R1–R3): the hosted sign-up and sign-in flows,
//! the code exchange, unlinking, and the account settings an admin changes.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::domain::checkr::CustomerType;

use super::AppState;
use super::crypto::random_token;
use super::error::{ApiError, ApiJson};
use super::identity::Identity;

/// How long a sign-up or sign-in link stays usable.
const STATE_SECONDS: u64 = 15 * 60;

/// Which hosted flow to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Create a Checkr account on the fly (Checkr credentials it in 1–3 days).
    Signup,
    /// Link an existing Checkr account.
    Signin,
}

impl Flow {
    const fn path(self) -> &'static str {
        match self {
            Flow::Signup => "signup",
            Flow::Signin => "signin",
        }
    }
}

/// What `state` carries through Checkr and back: which ATS account asked, until when, and a
/// nonce so no two links are alike. Signed, so the callback can trust it.
#[derive(Serialize, Deserialize)]
struct OAuthState {
    account_id: String,
    expires_at: u64,
    nonce: String,
}

/// The sign-up and sign-in links an admin may open.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectLinks {
    /// Checkr-hosted sign-up.
    pub signup_url: String,
    /// Checkr-hosted sign-in.
    pub signin_url: String,
}

impl AppState {
    fn authorize_url(&self, flow: Flow, account_id: &str) -> String {
        let state = OAuthState {
            account_id: account_id.to_owned(),
            expires_at: super::unix_now() + STATE_SECONDS,
            nonce: random_token(12),
        };
        let signed = self
            .sessions
            .sign(&serde_json::to_vec(&state).unwrap_or_default());
        format!(
            "{}/authorize/{}/{}?scope=read_write&state={}&redirect_uri={}",
            self.partner_base,
            self.client_id,
            flow.path(),
            signed,
            url_encode(&self.redirect_uri()),
        )
    }

    /// Fresh sign-up and sign-in links bound to this account.
    pub fn connect_links(&self, account_id: &str) -> ConnectLinks {
        ConnectLinks {
            signup_url: self.authorize_url(Flow::Signup, account_id),
            signin_url: self.authorize_url(Flow::Signin, account_id),
        }
    }

    fn redirect_uri(&self) -> String {
        format!("{}/oauth/checkr/callback", self.public_url)
    }
}

fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Query of the OAuth callback.
#[derive(Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{title}</title>\
         <body style=\"font-family:system-ui;max-width:32rem;margin:4rem auto\"><h1>{title}</h1>\
         <p>{message}</p></body></html>",
        title = escape(title),
        message = escape(message)
    );
    (status, Html(body)).into_response()
}

/// `GET /oauth/checkr/callback`: exchanges the code and links the account from `state`.
pub async fn callback(State(state): State<AppState>, Query(query): Query<Callback>) -> Response {
    if let Some(error) = query.error {
        return page(
            StatusCode::BAD_REQUEST,
            "Not connected",
            &format!("Checkr reported: {error}. Close this tab and try again."),
        );
    }
    let Some(claims) = query
        .state
        .as_deref()
        .and_then(|signed| state.sessions.verify(signed))
        .and_then(|payload| serde_json::from_slice::<OAuthState>(&payload).ok())
        .filter(|claims| claims.expires_at > super::unix_now())
    else {
        tracing::warn!("OAuth callback with an invalid or expired state");
        return page(
            StatusCode::BAD_REQUEST,
            "Link expired",
            "This connection link is invalid or has expired. Start again from the background-check panel.",
        );
    };
    let Some(code) = query.code.filter(|code| !code.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Not connected",
            "Checkr did not send an authorization code.",
        );
    };
    let grant = match state
        .checkr
        .exchange_code(&state.client_id, &state.client_secret, &code)
        .await
    {
        Ok(grant) => grant,
        Err(error) => {
            tracing::warn!(account = %claims.account_id, error = %error, "OAuth code exchange refused");
            return page(
                StatusCode::BAD_REQUEST,
                "Not connected",
                &format!(
                    "Checkr refused the connection: {error}. Start again from the background-check panel."
                ),
            );
        }
    };
    let token = super::secret::Secret::new(grant.access_token);
    let connection = match state
        .store
        .connect_account(&claims.account_id, &grant.checkr_account_id, &token)
        .await
    {
        Ok(connection) => connection,
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "storing the connection failed");
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Not connected",
                "The connection could not be saved. Try again.",
            );
        }
    };
    state.catalogs.forget(&claims.account_id);
    // Reads of this account's objects that waited for a connection can go now.
    state.wake_reads();
    if connection == super::store::ConnectionState::Deauthorized {
        tracing::warn!(account = %claims.account_id, "the new connection was already revoked at Checkr");
        return page(
            StatusCode::CONFLICT,
            "Not connected",
            "Checkr reports this connection as already disconnected. Start again from the background-check panel.",
        );
    }
    tracing::info!(account = %claims.account_id, checkr_account = %grant.checkr_account_id, "account connected");
    page(
        StatusCode::OK,
        "Connected to Checkr",
        "Your Checkr account is linked. Ordering opens as soon as Checkr approves the account (immediately for existing accounts, 1 to 3 days for new ones). You can close this tab.",
    )
}

/// `POST /api/account/disconnect` (admins): unlinks from the ATS side.
pub async fn disconnect(
    State(state): State<AppState>,
    identity: Identity,
) -> Result<StatusCode, ApiError> {
    if !identity.role.manages_account() {
        return Err(ApiError::Forbidden);
    }
    let account = state
        .store
        .account(&identity.account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    if let Some(token) = &account.access_token {
        match state.checkr.deauthorize(token).await {
            // Already revoked on Checkr's side: unlinking here is still what the admin wants.
            Ok(()) | Err(super::checkr::CheckrError::Unauthorized { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    state.store.disconnect_account(&account.id).await?;
    state.catalogs.forget(&account.id);
    tracing::info!(account = %account.id, "account unlinked");
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PUT /api/account/settings`.
#[derive(Deserialize)]
pub struct Settings {
    customer_type: CustomerType,
}

/// `PUT /api/account/settings` (admins): combined or segregated recruiting and adjudication.
pub async fn update_settings(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(settings): ApiJson<Settings>,
) -> Result<StatusCode, ApiError> {
    if !identity.role.manages_account() {
        return Err(ApiError::Forbidden);
    }
    if state
        .store
        .set_customer_type(&identity.account_id, settings.customer_type)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("account"))
    }
}
