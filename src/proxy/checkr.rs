//! A client for the parts of Checkr's API the proxy uses.
//!
//! Lists are read in full: page 1 with `per_page=100` tells the `count`, and the remaining
//! pages are fetched concurrently (bounded); without a `count` the client follows `next_href`.
//! Reads are retried on 5xx, timeouts and connection failures, following Checkr's suggested
//! back-off (2 s, 5 s, 10 s, 30 s). A 429, and a 409 saying the same `Idempotency-Key` is still
//! being processed, are waited out for reads and writes alike: until `X-Ratelimit-Reset` when
//! Checkr gives a usable one (ISO 8601, as documented, or Unix seconds), otherwise by the
//! back-off; every wait is capped and jittered so many waiting clients do not return together.
//! Writes carry an `Idempotency-Key` chosen by the caller per order step, so a repeated step
//! can never create a second candidate or invitation.

mod manage;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::domain::time::Timestamp;

use futures::stream::{self, StreamExt, TryStreamExt};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::events::EventObject;
use crate::domain::hierarchy::{Hierarchy, Node, Package};
use crate::domain::screening::{SCREENING_FIELDS, Screening, ScreeningResource};
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

/// Checkr's suggested back-off between attempts, in units of [`ClientPolicy::backoff`].
const SUGGESTED_BACKOFF: [u32; 4] = [2, 5, 10, 30];

/// How the client retries and pages.
#[derive(Debug, Clone)]
pub struct ClientPolicy {
    /// Attempts for a read, counting the first.
    pub read_attempts: u32,
    /// The unit of Checkr's suggested back-off (2, 5, 10, then 30 units): one second against
    /// Checkr; tests shorten it so they never wait real seconds.
    pub backoff: Duration,
    /// The longest single wait, whatever `X-Ratelimit-Reset` or the back-off says. With the
    /// default attempts this keeps an order's waits well inside the API's 60 s deadline; the
    /// reconciler takes the longer waits.
    pub max_rate_limit_wait: Duration,
    /// Times a request waits out a 429 or an in-flight 409 before giving up (the order is
    /// then left for the reconciler, which keeps following the back-off).
    pub rate_limit_attempts: u32,
    /// Pages of one list fetched at the same time.
    pub page_concurrency: usize,
    /// Deadline for one HTTP request.
    pub request_timeout: Duration,
}

impl ClientPolicy {
    /// The wait before retry number `retry` (0 for the first): Checkr's reset time when it
    /// gave a usable one, else the suggested back-off; capped, then jittered by up to a
    /// quarter (still within the cap).
    pub fn wait(&self, retry: u32, reset: Option<Duration>) -> Duration {
        let step = SUGGESTED_BACKOFF
            .get(retry as usize)
            .or(SUGGESTED_BACKOFF.last())
            .copied()
            .unwrap_or(1);
        let base = reset
            .unwrap_or_else(|| self.backoff.saturating_mul(step))
            .min(self.max_rate_limit_wait);
        let jitter = base.mul_f64(fastrand::f64() / 4.0);
        base.saturating_add(jitter).min(self.max_rate_limit_wait)
    }
}

impl Default for ClientPolicy {
    fn default() -> Self {
        Self {
            read_attempts: 4,
            backoff: Duration::from_secs(1),
            max_rate_limit_wait: Duration::from_secs(10),
            rate_limit_attempts: 3,
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
    /// Checkr is busy: still rate-limited (429), or still processing an earlier request with
    /// the same `Idempotency-Key` (409), after waiting. Nothing was refused; repeating the
    /// same request later is safe.
    #[error("Checkr is busy")]
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
            // An order keeps being retried by the proxy (its view says `busy`); this sentence
            // is for calls nobody repeats by themselves, such as loading the catalog.
            CheckrError::RateLimited => {
                "Checkr is busy right now. Try again in a minute.".to_owned()
            }
        }
    }

    /// Whether Checkr only asked to wait: the request can be repeated unchanged later.
    pub fn is_busy(&self) -> bool {
        matches!(self, CheckrError::RateLimited)
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

/// A created (or listed) invitation.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedInvitation {
    /// Checkr's invitation id.
    pub id: String,
    /// Where the candidate completes it.
    #[serde(default)]
    pub invitation_url: Option<String>,
    /// The package slug.
    #[serde(default)]
    pub package: Option<String>,
    /// `pending`, `completed` or `expired`.
    #[serde(default)]
    pub status: Option<String>,
    /// When Checkr created it (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
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

    /// Sends `build()` until it succeeds, waiting out 429s and in-flight 409s and (when
    /// `retry_transient`) retrying 5xx, timeouts and connection failures, all by Checkr's
    /// suggested back-off.
    async fn send(
        &self,
        build: impl Fn() -> RequestBuilder,
        retry_transient: bool,
    ) -> Result<Vec<u8>, CheckrError> {
        let mut transient_failures = 0;
        let mut busy_waits = 0;
        loop {
            let outcome = self.send_once(build()).await;
            match outcome {
                Ok(body) => return Ok(body),
                Err(Attempt::Busy { reset }) => {
                    if busy_waits >= self.policy.rate_limit_attempts {
                        return Err(CheckrError::RateLimited);
                    }
                    let wait = self.policy.wait(busy_waits, reset);
                    busy_waits += 1;
                    tracing::warn!(wait_ms = wait.as_millis() as u64, "Checkr is busy; waiting");
                    tokio::time::sleep(wait).await;
                }
                Err(Attempt::Failed(error)) => {
                    if !(retry_transient
                        && error.is_transient()
                        && transient_failures + 1 < self.policy.read_attempts)
                    {
                        return Err(error);
                    }
                    let delay = self.policy.wait(transient_failures, None);
                    transient_failures += 1;
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
            return Err(Attempt::Busy {
                reset: reset_wait(response.headers(), SystemTime::now()),
            });
        }
        let body = response.bytes().await.map_err(transport_failure)?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let message = error_message(status, &body);
        if status == StatusCode::CONFLICT && still_processing(&message) {
            // Checkr has the first request with this key and has not finished it: the answer
            // will be replayed once it has, so this is a wait, not a refusal.
            return Err(Attempt::Busy { reset: None });
        }
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
                // A write is repeated only after a 429 (Checkr did not process it) or an
                // in-flight 409 (Checkr will replay its answer); other failures go back to the
                // user, whose retry reuses the same key.
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

    /// `POST /v1/candidates/{id}`: changes the named fields of an existing candidate. Once a
    /// report exists Checkr refuses changes to most non-null fields (email and phone stay
    /// changeable).
    pub async fn update_candidate(
        &self,
        token: &Secret,
        candidate_id: &str,
        changes: &serde_json::Map<String, serde_json::Value>,
        idempotency_key: &str,
    ) -> Result<CreatedCandidate, CheckrError> {
        let path = format!("/v1/candidates/{}", url_segment(candidate_id));
        self.post(token, &path, changes, idempotency_key).await
    }

    /// Every invitation of a candidate (`GET /v1/invitations?candidate_id=`), to find out
    /// whether an invitation whose answer was lost exists after all.
    pub async fn invitations_for_candidate(
        &self,
        token: &Secret,
        candidate_id: &str,
    ) -> Result<Vec<CreatedInvitation>, CheckrError> {
        let query = format!("candidate_id={}", url_segment(candidate_id));
        self.list_all(token, "/v1/invitations", &query).await
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

    /// `GET {path}` under the API base, as JSON.
    pub async fn get_value(
        &self,
        token: &Secret,
        path: &str,
    ) -> Result<serde_json::Value, CheckrError> {
        self.get(token, &format!("{}{path}", self.base)).await
    }

    /// `POST {path}` under the API base with a JSON body and an `Idempotency-Key`.
    pub async fn post_value(
        &self,
        token: &Secret,
        path: &str,
        body: &serde_json::Value,
        idempotency_key: &str,
    ) -> Result<serde_json::Value, CheckrError> {
        self.post(token, path, body, idempotency_key).await
    }

    /// `DELETE {path}` under the API base; Checkr answers with the object as it ends.
    pub async fn delete_value(
        &self,
        token: &Secret,
        path: &str,
    ) -> Result<serde_json::Value, CheckrError> {
        let url = format!("{}{path}", self.base);
        let body = self
            .send(|| self.request(Method::DELETE, &url, token), false)
            .await?;
        serde_json::from_slice(&body).map_err(|error| CheckrError::Decode(error.to_string()))
    }

    /// The screenings a report names, each read from its own collection (Checkr has no
    /// generic screening resource). `known` are the ids a full report event already carried
    /// (see [`screening_ids`]); without them the report itself is read first.
    pub async fn screenings(
        &self,
        token: &Secret,
        report_id: &str,
        known: Option<Vec<(&'static str, String)>>,
    ) -> Result<Vec<Screening>, CheckrError> {
        let ids = match known {
            Some(ids) => ids,
            None => {
                let report: serde_json::Value = self
                    .get(token, &format!("{}/v1/reports/{report_id}", self.base))
                    .await?;
                screening_ids(&report)
            }
        };
        let urls: Vec<String> = ids
            .into_iter()
            .map(|(collection, id)| format!("{}/v1/{collection}/{id}", self.base))
            .collect();
        let resources: Vec<serde_json::Value> = stream::iter(urls)
            .map(|url| async move { self.get::<serde_json::Value>(token, &url).await })
            .buffered(self.policy.page_concurrency.max(1))
            .try_collect()
            .await?;
        Ok(resources
            .into_iter()
            .filter_map(|resource| serde_json::from_value::<ScreeningResource>(resource).ok())
            .filter_map(|resource| resource.screening())
            .collect())
    }

    /// The `cancellation_reason_description` (or reason code) of every canceled screening of
    /// a report, read from the screening resources, since the report itself does not carry
    /// them.
    pub async fn cancellation_reasons(
        &self,
        token: &Secret,
        report_id: &str,
    ) -> Result<Vec<String>, CheckrError> {
        let mut reasons: Vec<String> = self
            .screenings(token, report_id, None)
            .await?
            .into_iter()
            .filter_map(|screening| screening.cancellation_reason)
            .collect();
        reasons.sort();
        reasons.dedup();
        Ok(reasons)
    }
}

/// The screening ids a report object names, with the collection each is read from. Ids
/// that are not plain Checkr ids are left out: nothing else goes into a URL path.
pub fn screening_ids(report: &serde_json::Value) -> Vec<(&'static str, String)> {
    let mut ids = Vec::new();
    for (field, collection, _) in SCREENING_FIELDS {
        match &report[field] {
            serde_json::Value::String(id) => ids.push((collection, id.clone())),
            serde_json::Value::Array(listed) => ids.extend(
                listed
                    .iter()
                    .filter_map(|id| id.as_str())
                    .map(|id| (collection, id.to_owned())),
            ),
            _absent => {}
        }
    }
    ids.retain(|(_, id)| is_plain_id(id));
    ids
}

/// Checkr's ids are hex; anything else from a report is never put into a URL path.
fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

enum Attempt {
    /// Checkr asked to wait: until `reset` when it said, else by the back-off.
    Busy {
        reset: Option<Duration>,
    },
    Failed(CheckrError),
}

/// Whether a 409's text says an earlier request with the same `Idempotency-Key` is still
/// running (transient), rather than that the key was reused for another request (permanent).
fn still_processing(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("still being processed")
        || (message.contains("idempotency")
            && (message.contains("in progress") || message.contains("in flight")))
}

/// The time until `X-Ratelimit-Reset`, which Checkr documents as an ISO 8601 instant
/// (`2018-02-02T16:39:00Z`) and some gateways send as Unix seconds. `None` when the header is
/// absent or unreadable, so the caller falls back to the back-off; a reset already past is a
/// short pause rather than none, so a burst is not answered with a burst.
fn reset_wait(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    const MINIMUM_MILLIS: i64 = 50;
    let text = headers.get("x-ratelimit-reset")?.to_str().ok()?.trim();
    let reset_millis = if text.bytes().all(|byte| byte.is_ascii_digit()) {
        text.parse::<i64>().ok()?.checked_mul(1000)?
    } else {
        let instant = Timestamp::parse(text).ok()?;
        instant.unix_seconds().checked_mul(1000)?
    };
    let now_millis = i64::try_from(now.duration_since(UNIX_EPOCH).ok()?.as_millis()).ok()?;
    let wait = reset_millis.saturating_sub(now_millis).max(MINIMUM_MILLIS);
    Some(Duration::from_millis(u64::try_from(wait).ok()?))
}

/// Checkr's ids are alphanumeric; anything else is percent-encoded so an odd id cannot change
/// the path or query it is placed in.
fn url_segment(id: &str) -> String {
    id.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
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

    fn reset_header(value: &str) -> reqwest::header::HeaderMap {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(value) = reqwest::header::HeaderValue::from_str(value) {
            headers.insert("x-ratelimit-reset", value);
        }
        headers
    }

    fn at(unix_seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix_seconds)
    }

    #[test]
    fn the_reset_time_is_read_as_checkr_documents_it_and_as_unix_seconds() {
        // 2018-02-02T16:39:00Z is 1517589540.
        let now = at(1_517_589_530);
        let iso = reset_wait(&reset_header("2018-02-02T16:39:00Z"), now);
        assert_eq!(iso, Some(Duration::from_secs(10)));
        let unix = reset_wait(&reset_header("1517589540"), now);
        assert_eq!(unix, Some(Duration::from_secs(10)));
        let offset = reset_wait(&reset_header("2018-02-02T17:39:00+01:00"), now);
        assert_eq!(offset, Some(Duration::from_secs(10)));
    }

    #[test]
    fn a_reset_in_the_past_is_a_short_pause_and_odd_values_fall_back_to_the_back_off() {
        let now = at(1_517_589_600);
        let past = reset_wait(&reset_header("2018-02-02T16:39:00Z"), now);
        assert_eq!(past, Some(Duration::from_millis(50)));
        for odd in [
            "",
            "soon",
            "inf",
            "NaN",
            "-5",
            "1e400",
            "99999999999999999999999",
            "9223372036854775807",
            "2018-13-45T99:99:99Z",
            "１２３",
        ] {
            let wait = reset_wait(&reset_header(odd), now);
            let policy = ClientPolicy::default();
            let chosen = policy.wait(0, wait);
            assert!(
                chosen <= policy.max_rate_limit_wait,
                "{odd:?} led to a wait of {chosen:?}"
            );
        }
        assert_eq!(reset_wait(&reqwest::header::HeaderMap::new(), now), None);
    }

    #[test]
    fn waits_follow_checkrs_back_off_capped_and_jittered() {
        let policy = ClientPolicy {
            backoff: Duration::from_millis(100),
            max_rate_limit_wait: Duration::from_secs(2),
            ..ClientPolicy::default()
        };
        for (retry, units) in [(0, 2), (1, 5), (2, 10), (3, 20), (9, 20)] {
            for _ in 0..50 {
                let wait = policy.wait(retry, None);
                let base = Duration::from_millis(100 * units).min(Duration::from_secs(2));
                assert!(
                    wait >= base && wait <= (base + base / 4).min(Duration::from_secs(2)),
                    "retry {retry}: {wait:?}"
                );
            }
        }
        let far = policy.wait(0, Some(Duration::from_secs(3_600)));
        assert_eq!(
            far,
            Duration::from_secs(2),
            "a reset an hour away is capped"
        );
        let waits: std::collections::HashSet<Duration> =
            (0..20).map(|_| policy.wait(1, None)).collect();
        assert!(waits.len() > 1, "waits are jittered");
    }

    #[test]
    fn only_an_in_flight_idempotency_conflict_is_a_wait() {
        assert!(still_processing(
            "A request with this Idempotency-Key is still being processed"
        ));
        assert!(!still_processing(
            "Idempotency-Key reused with a different request"
        ));
        assert!(!still_processing(
            "Duplicate candidate detected. No more than 2 duplicate candidates can be created within a 24 hour period"
        ));
    }
}
