//! The partner side of the sandbox: the hosted sign-up and sign-in pages, `/oauth/tokens`
//! and `/oauth/deauthorize`, credentialing, and delivery of every event as a signed webhook.
//!
//! Delivery follows Checkr's rules: the body is the compact JSON of the event, signed with
//! hex HMAC-SHA256 under the partner app's client secret in `X-Checkr-Signature`; anything but
//! a 2xx is retried. On request the sandbox holds events back (to release them later, in
//! reverse) or sends each one twice, so out-of-order and duplicate handling can be shown.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;

use super::{Sandbox, SandboxAccount, SandboxEvent};

/// How long an authorization code stays valid, as Checkr documents.
const CODE_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// The partner's own Checkr account, named on `token.deauthorized`.
const PARTNER_ACCOUNT_ID: &str = "acct_partner_bgcheck";
/// Attempts per webhook before the sandbox gives up (Checkr keeps trying for a day).
const DELIVERY_ATTEMPTS: u32 = 30;

/// The partner application the proxy registers, as in Checkr's partner settings.
#[derive(Debug, Clone)]
pub struct PartnerApp {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret; also the webhook signing key.
    pub client_secret: String,
    /// Where webhooks go.
    pub webhook_url: String,
    /// Delay between a sign-up and its `account.credentialed` (sign-in credentials at once).
    pub credential_delay: Duration,
}

#[derive(Debug)]
struct PendingCode {
    account_id: String,
    access_token: String,
    flow: Flow,
    issued: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Flow {
    Signup,
    Signin,
}

/// Delivery switches set through `POST /sandbox/delivery`.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
struct DeliveryMode {
    #[serde(default)]
    hold: bool,
    #[serde(default)]
    duplicate: bool,
}

/// Partner-side state, beside the API state.
#[derive(Debug, Default)]
pub(crate) struct Partner {
    app: Option<PartnerApp>,
    codes: HashMap<String, PendingCode>,
    next_code: u64,
    mode: DeliveryMode,
    held: Vec<SandboxEvent>,
    delivered: u64,
}

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route(
            "/authorize/{client_id}/{flow}",
            get(authorize_page).post(authorize),
        )
        .route("/oauth/tokens", post(tokens))
        .route("/oauth/deauthorize", post(deauthorize))
        .route("/dashboard/reports/{id}", get(dashboard_report))
        .route("/sandbox/delivery", post(set_delivery).get(delivery_status))
        .route("/sandbox/delivery/release", post(release))
}

impl Sandbox {
    /// Registers the partner app: its credentials, webhook URL and credentialing delay.
    pub fn register_partner(&self, app: PartnerApp) {
        self.with_partner(|partner| partner.app = Some(app));
    }

    fn is_partner(&self, client_id: &str) -> bool {
        self.with_partner(|partner| {
            partner
                .app
                .as_ref()
                .is_some_and(|app| app.client_id == client_id)
        })
    }

    pub(crate) fn with_partner<T>(&self, work: impl FnOnce(&mut Partner) -> T) -> T {
        let mut guard = self
            .partner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        work(&mut guard)
    }

    /// Delivers events as they are emitted, until the task is dropped.
    pub(crate) async fn deliver_forever(self) {
        let mut events = self.subscribe();
        let http = reqwest::Client::new();
        loop {
            match events.recv().await {
                Ok(event) => self.dispatch(&http, event),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "sandbox webhook delivery fell behind");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    fn dispatch(&self, http: &reqwest::Client, event: SandboxEvent) {
        let (app, mode) = self.with_partner(|partner| (partner.app.clone(), partner.mode));
        let Some(app) = app else {
            return;
        };
        if mode.hold {
            self.with_partner(|partner| partner.held.push(event));
            return;
        }
        let copies = if mode.duplicate { 2 } else { 1 };
        for _ in 0..copies {
            tokio::spawn(deliver(
                self.clone(),
                http.clone(),
                app.clone(),
                event.clone(),
            ));
        }
    }
}

fn signature(secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn deliver(sandbox: Sandbox, http: reqwest::Client, app: PartnerApp, event: SandboxEvent) {
    let body = serde_json::to_vec(&event.payload).unwrap_or_default();
    let signed = signature(&app.client_secret, &body);
    let mut wait = Duration::from_millis(100);
    for attempt in 1..=DELIVERY_ATTEMPTS {
        let response = http
            .post(&app.webhook_url)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "Checkr-Webhook/sandbox")
            .header("X-Checkr-Signature", &signed)
            .body(body.clone())
            .send()
            .await;
        match response {
            Ok(response) if response.status().is_success() => {
                sandbox.with_partner(|partner| partner.delivered += 1);
                return;
            }
            Ok(response) => {
                tracing::debug!(event = %event.id, attempt, status = %response.status(), "webhook not accepted; retrying");
            }
            Err(error) => {
                tracing::debug!(event = %event.id, attempt, error = %error, "webhook not delivered; retrying");
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(3));
    }
    tracing::warn!(event = %event.id, "sandbox gave up delivering a webhook");
}

/// Query of the authorize page.
#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    redirect_uri: Option<String>,
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn authorize_page(
    State(sandbox): State<Sandbox>,
    Path((client_id, flow)): Path<(String, Flow)>,
    Query(query): Query<AuthorizeQuery>,
) -> Response {
    let known = sandbox.is_partner(&client_id);
    if !known {
        return (
            StatusCode::NOT_FOUND,
            Html("<h1>Unknown partner application</h1>"),
        )
            .into_response();
    }
    let (title, action, note) = match flow {
        Flow::Signup => (
            "Create your Checkr account",
            "Create account and connect",
            "New accounts are reviewed before they can order (in this sandbox, a few seconds).",
        ),
        Flow::Signin => (
            "Sign in to Checkr",
            "Sign in and connect",
            "Existing accounts can order right away.",
        ),
    };
    let options: String = SandboxAccount::ALL
        .iter()
        .map(|which| format!("<option value=\"{0}\">{0}</option>", which.as_str()))
        .collect();
    let hidden = |name: &str, value: &Option<String>| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            html_escape(value.as_deref().unwrap_or_default())
        )
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{title}</title>\
         <body style=\"font-family:system-ui;max-width:30rem;margin:3rem auto\">\
         <p><strong>Checkr sandbox</strong></p><h1>{title}</h1><p>{note}</p>\
         <form method=\"post\">{state}{redirect}\
         <label>Company name <input name=\"company\" value=\"Fresh Start Staffing\"></label><br><br>\
         <label>Account data <select name=\"data_set\">{options}</select></label><br><br>\
         <button type=\"submit\" name=\"decision\" value=\"allow\">{action}</button> \
         <button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button></form></body></html>",
        state = hidden("state", &query.state),
        redirect = hidden("redirect_uri", &query.redirect_uri),
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct AuthorizeForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    redirect_uri: String,
    data_set: SandboxAccount,
    decision: String,
    /// Sign-in only: sign in to the seeded account of the data set (the one the demo's ATS
    /// accounts already use) instead of a new one, as a customer with an existing Checkr
    /// account does.
    #[serde(default)]
    existing: bool,
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let encode = |value: &str| -> String {
        value
            .bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(byte).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{}", query.join("&"))
}

async fn authorize(
    State(sandbox): State<Sandbox>,
    Path((client_id, flow)): Path<(String, Flow)>,
    Form(form): Form<AuthorizeForm>,
) -> Response {
    let known = sandbox.is_partner(&client_id);
    if !known || form.redirect_uri.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Html("<h1>Unknown partner application or redirect</h1>"),
        )
            .into_response();
    }
    if form.decision != "allow" {
        let target = with_query(
            &form.redirect_uri,
            &[("error", "access_denied"), ("state", &form.state)],
        );
        return Redirect::to(&target).into_response();
    }
    let credentials = match flow {
        Flow::Signin if form.existing => sandbox.account(form.data_set),
        Flow::Signin | Flow::Signup => sandbox.create_account(form.data_set),
    };
    let code = sandbox.with_partner(|partner| {
        partner.next_code += 1;
        let code = format!(
            "code_{:06}_{}",
            partner.next_code,
            hex::encode(rand_bytes())
        );
        partner.codes.insert(
            code.clone(),
            PendingCode {
                account_id: credentials.account_id.clone(),
                access_token: credentials.api_key.clone(),
                flow,
                issued: Instant::now(),
            },
        );
        code
    });
    let target = with_query(
        &form.redirect_uri,
        &[("code", &code), ("state", &form.state)],
    );
    Redirect::to(&target).into_response()
}

fn rand_bytes() -> [u8; 8] {
    use aes_gcm::aead::OsRng;
    use aes_gcm::aead::rand_core::RngCore;
    let mut bytes = [0u8; 8];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

#[derive(Debug, Deserialize)]
struct TokenRequest {
    client_id: String,
    client_secret: String,
    code: String,
}

fn oauth_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"errors": [message]}))).into_response()
}

async fn tokens(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    let parsed: Option<TokenRequest> = if is_form {
        serde_urlencoded_like(&body)
    } else {
        serde_json::from_slice(&body).ok()
    };
    let Some(request) = parsed else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "client_id, client_secret and code are required",
        );
    };
    let outcome = sandbox.with_partner(|partner| {
        let Some(app) = &partner.app else {
            return Err((StatusCode::UNAUTHORIZED, "Invalid client credentials"));
        };
        if app.client_id != request.client_id || app.client_secret != request.client_secret {
            return Err((StatusCode::UNAUTHORIZED, "Invalid client credentials"));
        }
        // Single use: the code is gone whether or not it is still fresh.
        let pending = partner.codes.remove(&request.code).ok_or((
            StatusCode::BAD_REQUEST,
            "Authorization code is invalid or was already used",
        ))?;
        if pending.issued.elapsed() > CODE_LIFETIME {
            return Err((StatusCode::BAD_REQUEST, "Authorization code has expired"));
        }
        Ok((pending, app.credential_delay))
    });
    let (pending, delay) = match outcome {
        Ok(found) => found,
        Err((status, message)) => return oauth_error(status, message),
    };
    let credential_in = match pending.flow {
        Flow::Signin => Duration::ZERO,
        Flow::Signup => delay,
    };
    let (sandbox_for_task, account_id) = (sandbox.clone(), pending.account_id.clone());
    tokio::spawn(async move {
        tokio::time::sleep(credential_in).await;
        sandbox_for_task.with_state(|state| {
            state.emit(
                &account_id,
                "account.credentialed",
                json!({"id": account_id, "object": "account", "adverse_action_email": null}),
            );
        });
    });
    Json(json!({
        "access_token": pending.access_token,
        "scope": "read_write",
        "checkr_account_id": pending.account_id,
    }))
    .into_response()
}

/// Minimal `application/x-www-form-urlencoded` reading for the three token fields.
fn serde_urlencoded_like(body: &[u8]) -> Option<TokenRequest> {
    let text = std::str::from_utf8(body).ok()?;
    let mut fields: HashMap<String, String> = HashMap::new();
    for pair in text.split('&') {
        let (name, value) = pair.split_once('=')?;
        let decoded = percent_decode(&value.replace('+', " "))?;
        fields.insert(name.to_owned(), decoded);
    }
    Some(TokenRequest {
        client_id: fields.remove("client_id")?,
        client_secret: fields.remove("client_secret")?,
        code: fields.remove("code")?,
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn basic_username(headers: &HeaderMap) -> Option<String> {
    let encoded = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    Some(
        decoded
            .split_once(':')
            .map_or(decoded.clone(), |(user, _)| user.to_owned()),
    )
}

async fn deauthorize(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    let Some(token) = basic_username(&headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Bad authentication error"})),
        )
            .into_response();
    };
    let revoked = sandbox.with_state(|state| {
        let account = state.revoke_key(&token)?;
        state.emit(
            PARTNER_ACCOUNT_ID,
            "token.deauthorized",
            json!({"object": "access_token", "access_code": token, "account_id": account}),
        );
        Some(())
    });
    match revoked {
        Some(()) => Json(json!({"access_token": token})).into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Bad authentication error"})),
        )
            .into_response(),
    }
}

async fn dashboard_report(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    let report: Option<Value> = sandbox.with_state(|state| {
        state.accounts.values().find_map(|account| {
            account
                .report(&id)
                .map(|report| account.report_json(report, "sandbox"))
        })
    });
    match report {
        Some(report) => Html(format!(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Report {id}</title>\
             <body style=\"font-family:system-ui;max-width:40rem;margin:3rem auto\">\
             <p><strong>Checkr Dashboard (sandbox)</strong></p><h1>Report {id}</h1><pre>{}</pre></body></html>",
            html_escape(&serde_json::to_string_pretty(&report).unwrap_or_default()),
            id = html_escape(&id),
        ))
        .into_response(),
        None => (StatusCode::NOT_FOUND, Html("<h1>No such report</h1>")).into_response(),
    }
}

async fn set_delivery(
    State(sandbox): State<Sandbox>,
    Json(mode): Json<DeliveryMode>,
) -> StatusCode {
    sandbox.with_partner(|partner| partner.mode = mode);
    StatusCode::NO_CONTENT
}

async fn delivery_status(State(sandbox): State<Sandbox>) -> Json<Value> {
    let (held, delivered, mode) =
        sandbox.with_partner(|partner| (partner.held.len(), partner.delivered, partner.mode));
    Json(
        json!({"held": held, "delivered": delivered, "hold": mode.hold, "duplicate": mode.duplicate}),
    )
}

#[derive(Debug, Default, Deserialize)]
struct ReleaseRequest {
    #[serde(default)]
    reverse: bool,
}

/// Sends every held event now, in emission order or reversed.
async fn release(
    State(sandbox): State<Sandbox>,
    Json(request): Json<ReleaseRequest>,
) -> Json<Value> {
    let (mut held, app) = sandbox.with_partner(|partner| {
        partner.mode.hold = false;
        (std::mem::take(&mut partner.held), partner.app.clone())
    });
    if request.reverse {
        held.reverse();
    }
    let count = held.len();
    if let Some(app) = app {
        let http = reqwest::Client::new();
        // One after another, so the chosen order is the order of arrival.
        for event in held {
            deliver(sandbox.clone(), http.clone(), app.clone(), event).await;
        }
    }
    Json(json!({"released": count}))
}
