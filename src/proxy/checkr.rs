//! A client for the parts of Checkr's API the proxy uses.
//!
//! Lists are read in full: page 1 with `per_page=100` tells the `count`, and the remaining
//! pages are fetched concurrently (bounded); without a `count` the client follows `next_href`.
//! Reads are retried on 5xx, timeouts and connection failures with backoff; a 429 waits for
//! `X-Ratelimit-Reset`. Writes carry an `Idempotency-Key` chosen by the caller per order step,
//! so a repeated step can never create a second candidate or invitation.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::stream::{self, StreamExt, TryStreamExt};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::events::EventObject;
use crate::domain::hierarchy::{Hierarchy, Node, Package};
use crate::domain::validation::{InvitationRequest, ValidCandidate};

use super::secret::Secret;

/// The largest page Checkr serves.
pub const MAX_PER_PAGE: usize = 100;

/// Most pages one list may span (50,000 items): a `count` or a chain of `next_href` beyond it
/// is not trusted, since it would have the proxy allocate and fetch without bound.
pub const MAX_PAGES: usize = 500;

fn too_many_pages(pages: usize) -> CheckrError {
    CheckrError::Decode(format!(
        "Checkr's list spans {pages} pages, more than the {MAX_PAGES} the proxy reads"
    ))
}

/// Checkr's answer when an account has no Account Hierarchy.
const HIERARCHY_NOT_ENABLED: &str = "not enabled for Hierarchy";

/// How the client retries and pages.
#[derive(Debug, Clone)]
pub struct ClientPolicy {
    /// Attempts for a read, counting the first.
    pub read_attempts: u32,
    /// Delay before the first retry; doubles each time.
    pub backoff: Duration,
    /// Longest wait for a rate-limit reset before giving up.
    pub max_rate_limit_wait: Duration,
    /// Times a request waits out a 429 before giving up.
    pub rate_limit_attempts: u32,
    /// Pages of one list fetched at the same time.
    pub page_concurrency: usize,
    /// Deadline for one HTTP request.
    pub request_timeout: Duration,
}

impl Default for ClientPolicy {
    fn default() -> Self {
        Self {
            read_attempts: 4,
            backoff: Duration::from_millis(100),
            max_rate_limit_wait: Duration::from_secs(10),
            rate_limit_attempts: 5,
            page_concurrency: 16,
            request_timeout: Duration::from_secs(15),
        }
    }
}

/// What went wrong talking to Checkr. Messages are the provider's own where it gave one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckrError {
    /// A 4xx: the request was refused; `message` is Checkr's explanation.
    #[error("{message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Checkr's `error` / `errors` text.
        message: String,
    },
    /// 401/403 on credentials: the account's token no longer works.
    #[error("{message}")]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// Checkr's text.
        message: String,
    },
    /// A 5xx that outlasted the retries.
    #[error("{message}")]
    Unavailable {
        /// HTTP status.
        status: u16,
        /// Checkr's text, or the status reason.
        message: String,
    },
    /// Still rate-limited after waiting.
    #[error("Checkr is limiting how fast requests may be sent")]
    RateLimited,
    /// No answer within the deadline.
    #[error("Checkr did not answer in time")]
    Timeout,
    /// No connection.
    #[error("Checkr could not be reached: {0}")]
    Transport(String),
    /// An answer that is not what Checkr documents.
    #[error("Checkr's answer could not be read: {0}")]
    Decode(String),
}

impl CheckrError {
    /// The HTTP status Checkr answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            CheckrError::Rejected { status, .. }
            | CheckrError::Unauthorized { status, .. }
            | CheckrError::Unavailable { status, .. } => Some(*status),
            CheckrError::RateLimited => Some(429),
            CheckrError::Timeout | CheckrError::Transport(_) | CheckrError::Decode(_) => None,
        }
    }

    /// A sentence for the recruiter: what happened and what to do.
    pub fn user_message(&self) -> String {
        match self {
            CheckrError::Rejected { message, .. } => format!("Checkr refused the request: {message}"),
            CheckrError::Unauthorized { .. } => {
                "Checkr no longer accepts this account's connection; an admin needs to reconnect it."
                    .to_owned()
            }
            CheckrError::Unavailable { .. }
            | CheckrError::Timeout
            | CheckrError::Transport(_)
            | CheckrError::Decode(_) => {
                format!("Checkr is not responding properly right now ({self}). Try again in a moment.")
            }
            CheckrError::RateLimited => {
                "Checkr is busy right now. Try again in a minute.".to_owned()
            }
        }
    }

    /// Whether repeating the same request may succeed.
    fn is_transient(&self) -> bool {
        match self {
            CheckrError::Unavailable { .. } | CheckrError::Timeout | CheckrError::Transport(_) => {
                true
            }
            CheckrError::Rejected { .. }
            | CheckrError::Unauthorized { .. }
            | CheckrError::RateLimited
            | CheckrError::Decode(_) => false,
        }
    }
}

/// One page of a Checkr list.
#[derive(Debug, Deserialize)]
struct Page<T> {
    data: Vec<T>,
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    next_href: Option<String>,
}

/// Checkr's error bodies: `{"error": "..."}` or `{"errors": [...]}`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
}

fn flatten_messages(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => into.push(text.clone()),
        serde_json::Value::Array(items) => {
            for item in items {
                flatten_messages(item, into);
            }
        }
        serde_json::Value::Object(fields) => {
            for (field, item) in fields {
                let mut inner = Vec::new();
                flatten_messages(item, &mut inner);
                into.extend(inner.into_iter().map(|text| format!("{field} {text}")));
            }
        }
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {}
    }
}

fn error_message(status: StatusCode, body: &[u8]) -> String {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let mut messages = Vec::new();
    for value in [parsed.error, parsed.errors].into_iter().flatten() {
        flatten_messages(&value, &mut messages);
    }
    if messages.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("no explanation given")
            .to_owned()
    } else {
        messages.join("; ")
    }
}

/// A created candidate.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedCandidate {
    /// Checkr's candidate id.
    pub id: String,
}

/// A created invitation.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedInvitation {
    /// Checkr's invitation id.
    pub id: String,
    /// Where the candidate completes it.
    #[serde(default)]
    pub invitation_url: Option<String>,
}

/// A Checkr API client bound to one base URL; cheap to clone.
#[derive(Debug, Clone)]
pub struct CheckrClient {
    http: reqwest::Client,
    base: String,
    policy: ClientPolicy,
}

impl CheckrClient {
    /// A client for `base` (e.g. `https://api.checkr.com`).
    pub fn new(base: impl Into<String>, policy: ClientPolicy) -> Result<Self, CheckrError> {
        let http = reqwest::Client::builder()
            .timeout(policy.request_timeout)
            .user_agent(concat!("bgcheck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| CheckrError::Transport(error.to_string()))?;
        Ok(Self {
            http,
            base: base.into().trim_end_matches('/').to_owned(),
            policy,
        })
    }

    /// The base URL requests go to.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, url: &str, token: &Secret) -> RequestBuilder {
        self.http
            .request(method, url)
            .basic_auth(token.expose(), Some(""))
    }

    /// Sends `build()` until it succeeds, waiting out 429s and (when `retry_transient`)
    /// retrying 5xx, timeouts and connection failures with backoff.
    async fn send(
        &self,
        build: impl Fn() -> RequestBuilder,
        retry_transient: bool,
    ) -> Result<Vec<u8>, CheckrError> {
        let mut transient_failures = 0;
        let mut rate_limited = 0;
        loop {
            let outcome = self.send_once(build()).await;
            match outcome {
                Ok(body) => return Ok(body),
                Err(Attempt::RateLimited { wait }) => {
                    rate_limited += 1;
                    if rate_limited >= self.policy.rate_limit_attempts
                        || wait > self.policy.max_rate_limit_wait
                    {
                        return Err(CheckrError::RateLimited);
                    }
                    tracing::warn!(
                        wait_ms = wait.as_millis() as u64,
                        "Checkr rate limit; waiting"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(Attempt::Failed(error)) => {
                    transient_failures += 1;
                    if !(retry_transient
                        && error.is_transient()
                        && transient_failures < self.policy.read_attempts)
                    {
                        return Err(error);
                    }
                    let delay = self.policy.backoff * 2u32.saturating_pow(transient_failures - 1);
                    tracing::warn!(error = %error, retry_in_ms = delay.as_millis() as u64, "Checkr request failed; retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn send_once(&self, request: RequestBuilder) -> Result<Vec<u8>, Attempt> {
        let response = request.send().await.map_err(transport_failure)?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(Attempt::RateLimited {
                wait: reset_wait(response.headers()),
            });
        }
        let body = response.bytes().await.map_err(transport_failure)?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let message = error_message(status, &body);
        let code = status.as_u16();
        Err(Attempt::Failed(match status {
            StatusCode::UNAUTHORIZED => CheckrError::Unauthorized {
                status: code,
                message,
            },
            _ if status.is_server_error() => CheckrError::Unavailable {
                status: code,
                message,
            },
            _ => CheckrError::Rejected {
                status: code,
                message,
            },
        }))
    }

    async fn get<T: DeserializeOwned>(&self, token: &Secret, url: &str) -> Result<T, CheckrError> {
        let body = self
            .send(|| self.request(Method::GET, url, token), true)
            .await?;
        serde_json::from_slice(&body).map_err(|error| CheckrError::Decode(error.to_string()))
    }

    async fn post<T: DeserializeOwned>(
        &self,
        token: &Secret,
        path: &str,
        body: &impl serde::Serialize,
        idempotency_key: &str,
    ) -> Result<T, CheckrError> {
        let url = format!("{}{path}", self.base);
        let response = self
            .send(
                || {
                    self.request(Method::POST, &url, token)
                        .header("Idempotency-Key", idempotency_key)
                        .json(body)
                },
                // A write is repeated only after a 429 (Checkr did not process it); other
                // failures go back to the user, whose retry reuses the same key.
                false,
            )
            .await?;
        serde_json::from_slice(&response).map_err(|error| CheckrError::Decode(error.to_string()))
    }

    /// Whether `url` lies under the configured API base (same scheme, host and port).
    fn is_own_url(&self, url: &str) -> bool {
        url.strip_prefix(self.base.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    }

    fn page_url(&self, path: &str, extra_query: &str, page: usize) -> String {
        let separator = if extra_query.is_empty() { "" } else { "&" };
        format!(
            "{}{path}?{extra_query}{separator}page={page}&per_page={MAX_PER_PAGE}",
            self.base
        )
    }

    /// Every item of a list: page 1, then all remaining pages at once (bounded), in order.
    pub async fn list_all<T: DeserializeOwned>(
        &self,
        token: &Secret,
        path: &str,
        extra_query: &str,
    ) -> Result<Vec<T>, CheckrError> {
        let first: Page<T> = self
            .get(token, &self.page_url(path, extra_query, 1))
            .await?;
        let Some(count) = first.count else {
            return self.follow_next(token, first).await;
        };
        let pages = count.div_ceil(MAX_PER_PAGE).max(1);
        if pages > MAX_PAGES {
            return Err(too_many_pages(pages));
        }
        let mut items = first.data;
        items.reserve(count.saturating_sub(items.len()));
        let rest: Vec<Vec<T>> = stream::iter(2..=pages)
            .map(|page| {
                let url = self.page_url(path, extra_query, page);
                async move { self.get::<Page<T>>(token, &url).await.map(|page| page.data) }
            })
            .buffered(self.policy.page_concurrency.max(1))
            .try_collect()
            .await?;
        items.extend(rest.into_iter().flatten());
        Ok(items)
    }

    /// Every item of a list, one page after another by `next_href`: the fallback when a list
    /// has no `count`, and the baseline the catalog benchmark compares against.
    pub async fn list_sequential<T: DeserializeOwned>(
        &self,
        token: &Secret,
        path: &str,
        extra_query: &str,
    ) -> Result<Vec<T>, CheckrError> {
        let first: Page<T> = self
            .get(token, &self.page_url(path, extra_query, 1))
            .await?;
        self.follow_next(token, first).await
    }

    async fn follow_next<T: DeserializeOwned>(
        &self,
        token: &Secret,
        first: Page<T>,
    ) -> Result<Vec<T>, CheckrError> {
        let mut items = first.data;
        let mut next = first.next_href;
        let mut pages = 1;
        while let Some(url) = next.take() {
            // The token goes wherever `next_href` points, so it must point at the API itself.
            if !self.is_own_url(&url) {
                return Err(CheckrError::Decode(
                    "next_href points away from the configured Checkr API".to_owned(),
                ));
            }
            pages += 1;
            if pages > MAX_PAGES {
                return Err(too_many_pages(pages));
            }
            let page: Page<T> = self.get(token, &url).await?;
            if page.data.is_empty() {
                break;
            }
            items.extend(page.data);
            next = page.next_href;
        }
        Ok(items)
    }

    /// All packages of the account (R4).
    pub async fn packages(&self, token: &Secret) -> Result<Vec<Package>, CheckrError> {
        self.list_all(token, "/v1/packages", "").await
    }

    /// All nodes with their packages (R5); an account without Account Hierarchy is
    /// [`Hierarchy::NotEnabled`], not an error.
    pub async fn hierarchy(&self, token: &Secret) -> Result<Hierarchy, CheckrError> {
        match self
            .list_all::<Node>(token, "/v1/nodes", "include=packages")
            .await
        {
            Ok(nodes) => Ok(Hierarchy::Nodes(nodes)),
            Err(CheckrError::Rejected {
                status: 403,
                message,
            }) if message.contains(HIERARCHY_NOT_ENABLED) => Ok(Hierarchy::NotEnabled),
            Err(other) => Err(other),
        }
    }

    /// `POST /v1/candidates`.
    pub async fn create_candidate(
        &self,
        token: &Secret,
        candidate: &ValidCandidate,
        idempotency_key: &str,
    ) -> Result<CreatedCandidate, CheckrError> {
        self.post(token, "/v1/candidates", candidate, idempotency_key)
            .await
    }

    /// `POST /v1/invitations`.
    pub async fn create_invitation(
        &self,
        token: &Secret,
        invitation: &InvitationRequest,
        idempotency_key: &str,
    ) -> Result<CreatedInvitation, CheckrError> {
        self.post(token, "/v1/invitations", invitation, idempotency_key)
            .await
    }
}

impl CheckrClient {
    /// `GET /v1/reports/{id}`: the report as it stands now, to fold as authoritative when
    /// webhooks leave its state in doubt.
    pub async fn read_report(
        &self,
        token: &Secret,
        report_id: &str,
    ) -> Result<EventObject, CheckrError> {
        self.get(token, &format!("{}/v1/reports/{report_id}", self.base))
            .await
    }

    /// `GET /v1/invitations/{id}?include_deleted=true`: the invitation as it stands now,
    /// canceled ones included (Checkr hides those otherwise).
    pub async fn read_invitation(
        &self,
        token: &Secret,
        invitation_id: &str,
    ) -> Result<EventObject, CheckrError> {
        self.get(
            token,
            &format!(
                "{}/v1/invitations/{invitation_id}?include_deleted=true",
                self.base
            ),
        )
        .await
    }
}

/// What `POST /oauth/tokens` answers.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenGrant {
    /// The customer account's access token.
    pub access_token: String,
    /// The customer's Checkr account id, as later named in its webhooks.
    pub checkr_account_id: String,
}

/// The screening resources a report refers to, by the report field holding their ids.
const SCREENING_FIELDS: [(&str, &str); 8] = [
    ("ssn_trace_id", "ssn_traces"),
    ("sex_offender_search_id", "sex_offender_searches"),
    ("national_criminal_search_id", "national_criminal_searches"),
    ("global_watchlist_search_id", "global_watchlist_searches"),
    ("federal_criminal_search_id", "federal_criminal_searches"),
    ("motor_vehicle_report_id", "motor_vehicle_reports"),
    ("county_criminal_search_ids", "county_criminal_searches"),
    ("state_criminal_search_ids", "state_criminal_searches"),
];

impl CheckrClient {
    /// Exchanges an OAuth authorization code (R1); only the proxy ever holds the secret.
    pub async fn exchange_code(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
    ) -> Result<TokenGrant, CheckrError> {
        let url = format!("{}/oauth/tokens", self.base);
        let body = serde_json::json!({
            "client_id": client_id,
            "client_secret": client_secret.expose(),
            "code": code,
        });
        let response = self
            .send(|| self.http.post(&url).json(&body), false)
            .await?;
        serde_json::from_slice(&response).map_err(|error| CheckrError::Decode(error.to_string()))
    }

    /// Revokes the account's token (`POST /oauth/deauthorize`); Checkr then sends
    /// `token.deauthorized`.
    pub async fn deauthorize(&self, token: &Secret) -> Result<(), CheckrError> {
        let url = format!("{}/oauth/deauthorize", self.base);
        self.send(|| self.request(Method::POST, &url, token), false)
            .await
            .map(drop)
    }

    /// The `cancellation_reason_description` (or reason code) of every canceled screening of
    /// a report, read from the screening resources, since the report itself does not carry
    /// them.
    pub async fn cancellation_reasons(
        &self,
        token: &Secret,
        report_id: &str,
    ) -> Result<Vec<String>, CheckrError> {
        let report: serde_json::Value = self
            .get(token, &format!("{}/v1/reports/{report_id}", self.base))
            .await?;
        let mut urls = Vec::new();
        for (field, resource) in SCREENING_FIELDS {
            let ids: Vec<&str> = match &report[field] {
                serde_json::Value::String(id) => vec![id.as_str()],
                serde_json::Value::Array(ids) => ids.iter().filter_map(|id| id.as_str()).collect(),
                _absent => Vec::new(),
            };
            urls.extend(
                ids.into_iter()
                    .map(|id| format!("{}/v1/{resource}/{id}", self.base)),
            );
        }
        let screenings: Vec<serde_json::Value> = stream::iter(urls)
            .map(|url| async move { self.get::<serde_json::Value>(token, &url).await })
            .buffered(self.policy.page_concurrency.max(1))
            .try_collect()
            .await?;
        let mut reasons: Vec<String> = screenings
            .iter()
            .filter(|screening| screening["status"] == "canceled")
            .filter_map(|screening| {
                screening["cancellation_reason_description"]
                    .as_str()
                    .or_else(|| screening["cancellation_reason"].as_str())
                    .map(str::to_owned)
            })
            .collect();
        reasons.sort();
        reasons.dedup();
        Ok(reasons)
    }
}

enum Attempt {
    RateLimited { wait: Duration },
    Failed(CheckrError),
}

/// Time until `X-Ratelimit-Reset` (unix seconds), at least a short pause.
fn reset_wait(headers: &reqwest::header::HeaderMap) -> Duration {
    const MINIMUM: Duration = Duration::from_millis(50);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    headers
        .get("x-ratelimit-reset")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<f64>().ok())
        .map(|reset| Duration::from_secs_f64((reset - now).max(0.0)))
        .map_or(Duration::from_secs(1), |wait| wait.max(MINIMUM))
}

fn transport_failure(error: reqwest::Error) -> Attempt {
    Attempt::Failed(if error.is_timeout() {
        CheckrError::Timeout
    } else {
        CheckrError::Transport(without_url(&error))
    })
}

/// reqwest's messages include the URL; ours carry ids only, but keep logs to the cause.
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "<url>");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_body_shapes_become_one_message() {
        let single = error_message(StatusCode::BAD_REQUEST, br#"{"error":"Package not found"}"#);
        assert_eq!(single, "Package not found");
        let many = error_message(
            StatusCode::BAD_REQUEST,
            br#"{"errors":["Email is invalid","Zipcode is invalid"]}"#,
        );
        assert_eq!(many, "Email is invalid; Zipcode is invalid");
        let unknown = error_message(StatusCode::BAD_GATEWAY, b"<html>oops</html>");
        assert_eq!(unknown, "Bad Gateway");
    }
}
