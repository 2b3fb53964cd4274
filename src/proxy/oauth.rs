//! Connecting a customer's Checkr account (R1–R3): the hosted sign-up and sign-in flows,
//! the code exchange, unlinking, and the account settings an admin changes.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::domain::checkr::CustomerType;
use crate::domain::connection::LinkDecision;

use super::AppState;
use super::crypto::{digest, random_token, same_secret};
use super::error::{ApiError, ApiJson};
use super::identity::Identity;
use super::secret::Secret;
use super::store::{ConnectionState, LinkOutcome, PendingConnection};

/// How long Checkr's hosted pages may take between the start and the callback.
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

/// How long a connect link from the widget stays usable: long enough to click, short enough
/// that a leaked link is soon worthless. It works once either way.
const TICKET_SECONDS: u64 = 10 * 60;

/// The cookie that binds a flow to the browser that started it.
const BROWSER_COOKIE: &str = "bgcheck_oauth";

/// A connect link's payload: which admin of which ATS account asked for which flow. Signed
/// with its own derived key, spent at first use.
#[derive(Serialize, Deserialize)]
struct StartTicket {
    typ: TicketType,
    account_id: String,
    user_id: String,
    flow: Flow,
    expires_at: u64,
    nonce: String,
}

/// The `state` sent through Checkr: only a reference to the stored flow, which holds the
/// account, the admin and the browser binding.
#[derive(Serialize, Deserialize)]
struct StateClaims {
    typ: TicketType,
    nonce: String,
}

/// The type claim of the two signed values, so neither can stand in for the other even if
/// keys were ever shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TicketType {
    OauthStart,
    OauthState,
}

/// The sign-up and sign-in links an admin may open.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectLinks {
    /// Starts the Checkr-hosted sign-up.
    pub signup_url: String,
    /// Starts the Checkr-hosted sign-in.
    pub signin_url: String,
}

impl AppState {
    fn start_url(&self, flow: Flow, account_id: &str, user_id: &str) -> String {
        let ticket = StartTicket {
            typ: TicketType::OauthStart,
            account_id: account_id.to_owned(),
            user_id: user_id.to_owned(),
            flow,
            expires_at: super::unix_now() + TICKET_SECONDS,
            nonce: random_token(16),
        };
        let signed = self
            .oauth_tickets
            .sign(&serde_json::to_vec(&ticket).unwrap_or_default());
        format!("{}/oauth/checkr/start?ticket={signed}", self.public_url)
    }

    /// Fresh single-use sign-up and sign-in links for this admin of this account.
    pub fn connect_links(&self, account_id: &str, user_id: &str) -> ConnectLinks {
        ConnectLinks {
            signup_url: self.start_url(Flow::Signup, account_id, user_id),
            signin_url: self.start_url(Flow::Signin, account_id, user_id),
        }
    }

    fn authorize_url(&self, flow: Flow, state: &str) -> String {
        format!(
            "{}/authorize/{}/{}?scope=read_write&state={}&redirect_uri={}",
            self.partner_base,
            self.client_id,
            flow.path(),
            state,
            url_encode(&self.redirect_uri()),
        )
    }

    fn redirect_uri(&self) -> String {
        format!("{}/oauth/checkr/callback", self.public_url)
    }

    /// The browser-binding cookie; `Secure` whenever the proxy is reached over HTTPS.
    /// `SameSite=Lax` because Checkr's redirect back is a cross-site top-level navigation.
    fn browser_cookie(&self, value: &str, max_age: u64) -> String {
        let secure = if self.public_url.starts_with("https://") {
            "; Secure"
        } else {
            ""
        };
        format!(
            "{BROWSER_COOKIE}={value}; Path=/oauth/checkr; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
        )
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

/// Query of the start endpoint.
#[derive(Deserialize)]
pub struct Start {
    #[serde(default)]
    ticket: Option<String>,
}

/// `GET /oauth/checkr/start?ticket=…`: spends a connect link, remembers the flow under a
/// fresh state bound to this browser by a cookie, and sends the browser on to Checkr.
pub async fn start(State(state): State<AppState>, Query(query): Query<Start>) -> Response {
    let now = super::unix_now();
    let Some(ticket) = query
        .ticket
        .as_deref()
        .and_then(|signed| state.oauth_tickets.verify(signed))
        .and_then(|payload| serde_json::from_slice::<StartTicket>(&payload).ok())
        .filter(|ticket| ticket.typ == TicketType::OauthStart && ticket.expires_at > now)
    else {
        return page(
            StatusCode::BAD_REQUEST,
            "Link expired",
            "This connection link is invalid or has expired. Start again from the background-check panel.",
        );
    };
    match state
        .store
        .spend_ticket(&ticket.nonce, ticket.expires_at, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(account = %ticket.account_id, "OAuth connect link used twice");
            return page(
                StatusCode::BAD_REQUEST,
                "Link already used",
                "Each connection link works once. Start again from the background-check panel.",
            );
        }
        Err(error) => return storage_failed(&error),
    }
    // One provider per account: a KarmaCheck account is disconnected from it first.
    match state.store.karmacheck_connection(&ticket.account_id).await {
        Ok(None) => {}
        Ok(Some(_)) => {
            return page(
                StatusCode::CONFLICT,
                "Connected to KarmaCheck",
                "This account orders through KarmaCheck. An admin disconnects it from KarmaCheck before connecting it to Checkr.",
            );
        }
        Err(error) => return storage_failed(&error),
    }
    let (nonce, browser) = (random_token(24), random_token(32));
    let pending = PendingConnection {
        account_id: ticket.account_id,
        user_id: ticket.user_id,
        browser_digest: digest(&browser),
        expires_at: now + STATE_SECONDS,
    };
    if let Err(error) = state
        .store
        .save_pending_connection(&digest(&nonce), pending, now)
        .await
    {
        return storage_failed(&error);
    }
    let claims = StateClaims {
        typ: TicketType::OauthState,
        nonce,
    };
    let signed = state
        .oauth_states
        .sign(&serde_json::to_vec(&claims).unwrap_or_default());
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, state.authorize_url(ticket.flow, &signed)),
            (
                header::SET_COOKIE,
                state.browser_cookie(&browser, STATE_SECONDS),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

fn storage_failed(error: &anyhow::Error) -> Response {
    tracing::error!(error = %format!("{error:#}"), "OAuth state storage failed");
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Not connected",
        "The connection could not be started. Try again in a moment.",
    )
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

/// The browser-binding cookie the request carries, if any.
fn browser_binding(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == BROWSER_COOKIE).then(|| value.to_owned())
        })
}

/// The flow this callback completes: its state must be genuine, unused, unexpired and come
/// back to the browser that started it.
async fn pending_flow(
    state: &AppState,
    signed_state: Option<&str>,
    headers: &HeaderMap,
) -> Result<PendingConnection, Response> {
    let invalid = || {
        page(
            StatusCode::BAD_REQUEST,
            "Link expired",
            "This connection link is invalid, was already used or has expired. Start again from the background-check panel.",
        )
    };
    let claims = signed_state
        .and_then(|signed| state.oauth_states.verify(signed))
        .and_then(|payload| serde_json::from_slice::<StateClaims>(&payload).ok())
        .filter(|claims| claims.typ == TicketType::OauthState)
        .ok_or_else(invalid)?;
    let pending = state
        .store
        .take_pending_connection(&digest(&claims.nonce))
        .await
        .map_err(|error| storage_failed(&error))?
        .ok_or_else(invalid)?;
    if pending.expires_at <= super::unix_now() {
        return Err(invalid());
    }
    let same_browser = browser_binding(headers).is_some_and(|binding| {
        same_secret(
            &Secret::new(pending.browser_digest.clone()),
            &digest(&binding),
        )
    });
    if !same_browser {
        tracing::warn!(account = %pending.account_id, "OAuth callback from another browser than the one that started it");
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Not connected",
            "This connection was started in another browser. Start again from the background-check panel, in this browser.",
        ));
    }
    Ok(pending)
}

/// `GET /oauth/checkr/callback`: exchanges the code and links the account the stored flow
/// names.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Response {
    let outcome = complete(&state, &headers, query).await;
    // The binding has served its one use, whatever the outcome.
    let mut response = outcome.unwrap_or_else(|refusal| refusal);
    if let Ok(cookie) = HeaderValue::from_str(&state.browser_cookie("", 0)) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

async fn complete(
    state: &AppState,
    headers: &HeaderMap,
    query: Callback,
) -> Result<Response, Response> {
    if let Some(error) = query.error {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Not connected",
            &format!("Checkr reported: {error}. Close this tab and try again."),
        ));
    }
    let pending = pending_flow(state, query.state.as_deref(), headers).await?;
    let Some(code) = query.code.filter(|code| !code.is_empty()) else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Not connected",
            "Checkr did not send an authorization code.",
        ));
    };
    let grant = state
        .checkr
        .exchange_code(&state.client_id, &state.client_secret, &code)
        .await
        .map_err(|error| {
            tracing::warn!(account = %pending.account_id, error = %error, "OAuth code exchange refused");
            page(
                StatusCode::BAD_REQUEST,
                "Not connected",
                &format!(
                    "Checkr refused the connection: {error}. Start again from the background-check panel."
                ),
            )
        })?;
    let token = Secret::new(grant.access_token);
    let outcome = state
        .store
        .connect_account(&pending.account_id, &grant.checkr_account_id, &token)
        .await
        .map_err(|error| storage_failed(&error))?;
    let decision = match outcome {
        LinkOutcome::Linked(connection) => {
            state.forget_catalog(&pending.account_id);
            // Reads of this account's objects that waited for a connection can go now.
            state.wake_reads();
            if connection == ConnectionState::Deauthorized {
                tracing::warn!(account = %pending.account_id, "the new connection was already revoked at Checkr");
                return Err(page(
                    StatusCode::CONFLICT,
                    "Not connected",
                    "Checkr reports this connection as already disconnected. Start again from the background-check panel.",
                ));
            }
            tracing::info!(account = %pending.account_id, user = %pending.user_id, checkr_account = %grant.checkr_account_id, "account connected");
            return Ok(page(
                StatusCode::OK,
                "Connected to Checkr",
                "Your Checkr account is linked. Ordering opens as soon as Checkr approves the account (immediately for existing accounts, 1 to 3 days for new ones). You can close this tab.",
            ));
        }
        LinkOutcome::Refused(decision) => decision,
    };
    let message = match decision {
        LinkDecision::ConnectedElsewhere => {
            "This ATS account is already connected to a different Checkr account. An admin must disconnect it in the background-check panel before linking another one."
        }
        LinkDecision::HeldByAnotherAccount => {
            "This Checkr account is already connected to another account of this ATS. Disconnect it there first, or sign in to a different Checkr account."
        }
        LinkDecision::Connect | LinkDecision::Refresh => "The connection was not stored.",
    };
    tracing::warn!(account = %pending.account_id, checkr_account = %grant.checkr_account_id, decision = ?decision, "OAuth connection refused");
    // A grant for a Checkr account nobody here uses is given back, so no unused token stays
    // live. One another tenant uses may be that tenant's very token: kept.
    if decision == LinkDecision::ConnectedElsewhere
        && let Err(error) = state.checkr.deauthorize(&token).await
    {
        tracing::warn!(error = %error, "returning the refused grant failed");
    }
    Err(page(StatusCode::CONFLICT, "Not connected", message))
}

/// A caller whose role manages the account (admins). As an extractor it runs before the
/// body is read, so a caller without the role gets 403 whatever the body holds.
pub struct AccountManager(pub Identity);

impl FromRequestParts<AppState> for AccountManager {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let identity = Identity::from_request_parts(parts, state).await?;
        if identity.role.manages_account() {
            Ok(Self(identity))
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// `POST /api/account/disconnect` (admins): unlinks from the ATS side.
pub async fn disconnect(
    State(state): State<AppState>,
    AccountManager(identity): AccountManager,
) -> Result<StatusCode, ApiError> {
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
    super::manage::note_unlinked(&state, &identity).await;
    state.forget_catalog(&account.id);
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
    AccountManager(identity): AccountManager,
    ApiJson(settings): ApiJson<Settings>,
) -> Result<StatusCode, ApiError> {
    if state
        .store
        .set_customer_type(&identity.account_id, settings.customer_type)
        .await?
    {
        state.live.publish(
            &identity.account_id,
            super::live::LiveUpdate::CustomerType(settings.customer_type),
        );
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("account"))
    }
}
