//! The Checkr-shaped API: Basic auth, rate-limit headers, faults, Idempotency-Key, and the
//! resources the proxy uses. Handlers stay thin; rules live in small functions beside them.

mod tags;

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sandbox;
use super::clock;
use super::error::ApiError;
use super::model::{Candidate, Invitation, InvitationStatus, ScreeningKind, WorkLocation};
use super::state::{
    FailEndpoint, IdempotencyBegin, RateHeaders, RequestRecord, State as SandboxState,
};

/// Bodies above this are refused; the sandbox only ever receives small JSON documents.
const MAX_BODY: usize = 1 << 20;
const DEFAULT_PER_PAGE: usize = 25;
const MAX_PER_PAGE: usize = 100;

/// Who is calling and under which host name, established by [`gate`] for the handlers.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) account_id: String,
    pub(crate) host: String,
}

/// The Checkr routes, already wrapped in the gate. `/oauth/*` is not Basic-authenticated by
/// an account key, so it will be merged beside this router rather than inside it.
pub(crate) fn routes(sandbox: Sandbox) -> Router<Sandbox> {
    Router::new()
        .route("/v1/packages", get(list_packages))
        .route("/v1/nodes", get(list_nodes))
        .route("/v1/candidates", post(create_candidate))
        .route(
            "/v1/candidates/{id}",
            get(get_candidate).post(update_candidate),
        )
        .route(
            "/v1/invitations",
            post(create_invitation).get(list_invitations),
        )
        .route(
            "/v1/invitations/{id}",
            get(get_invitation).delete(cancel_invitation),
        )
        .route("/v1/reports/{id}", get(get_report))
        .route("/v1/ssn_traces/{id}", get(get_ssn_trace))
        .route(
            "/v1/national_criminal_searches/{id}",
            get(get_national_criminal_search),
        )
        .route(
            "/v1/county_criminal_searches/{id}",
            get(get_county_criminal_search),
        )
        .route(
            "/v1/motor_vehicle_reports/{id}",
            get(get_motor_vehicle_report),
        )
        .merge(tags::routes())
        .merge(super::continuous::routes())
        .merge(super::subscriptions::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(sandbox, gate))
}

async fn not_found() -> ApiError {
    ApiError::NotFound("Resource not found")
}

pub(crate) fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost")
        .to_owned()
}

/// The Basic-auth username when the password is empty, as Checkr expects.
fn basic_username(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (username, password) = decoded.split_once(':')?;
    (!username.is_empty() && password.is_empty()).then(|| username.to_owned())
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for byte in text.bytes().filter(|&byte| byte != b'=') {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

fn json_body_for_log(bytes: &Bytes) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

fn set_rate_headers(response: &mut Response, rate: RateHeaders) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", i64::from(rate.limit)),
        ("x-ratelimit-remaining", i64::from(rate.remaining)),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    // Checkr documents the reset as an ISO 8601 instant, e.g. `2018-02-02T16:39:00Z`.
    if let Ok(reset) = HeaderValue::from_str(&clock::rfc3339_seconds(rate.reset)) {
        headers.insert("x-ratelimit-reset", reset);
    }
}

/// Authenticates, logs, applies faults and idempotency, then runs the handler.
async fn gate(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let idempotency_key = parts
        .headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(body, MAX_BODY).await;
    let logged_body = bytes.as_ref().map(json_body_for_log).unwrap_or(Value::Null);
    let account_id = basic_username(&parts.headers)
        .and_then(|key| sandbox.with_state(|state| state.account_for_key(&key)));
    let seq = sandbox.with_state(|state| {
        state.log_request(RequestRecord {
            seq: 0,
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            account_id: account_id.clone(),
            idempotency_key: idempotency_key.clone(),
            body: logged_body,
            status: 0,
        })
    });

    let (mut response, rate) = match (account_id.as_deref(), bytes) {
        (None, _) => (
            ApiError::BadAuthentication.into_response(),
            SandboxState::rate_for_unknown_caller(),
        ),
        (Some(_), Err(_)) => (
            ApiError::BadRequest("Request body too large".into()).into_response(),
            SandboxState::rate_for_unknown_caller(),
        ),
        (Some(account_id), Ok(bytes)) => {
            let endpoint = FailEndpoint::of(&parts.method, parts.uri.path());
            let admission = sandbox.with_state(|state| state.admit(account_id, endpoint));
            let response = match admission.verdict {
                Err(error) => {
                    pause(admission.latency).await;
                    error.into_response()
                }
                Ok(()) => {
                    parts.extensions.insert(Caller {
                        account_id: account_id.to_owned(),
                        host: host_of(&parts.headers),
                    });
                    let key = idempotency_key.filter(|_| parts.method == Method::POST);
                    let call = Call {
                        account_id,
                        key,
                        endpoint,
                        latency: admission.latency,
                    };
                    run_idempotent(&sandbox, call, parts, bytes, next).await
                }
            };
            (response, admission.rate)
        }
    };
    set_rate_headers(&mut response, rate);
    let status = response.status().as_u16();
    sandbox.with_state(|state| state.finish_request(seq, account_id.as_deref(), status));
    response
}

/// Who calls which breakable endpoint, with which `Idempotency-Key`.
struct Call<'a> {
    account_id: &'a str,
    key: Option<String>,
    endpoint: Option<FailEndpoint>,
    /// Injected slowness, spent while the request's key is in flight (a repeat meanwhile
    /// gets Checkr's 409).
    latency: std::time::Duration,
}

async fn run_idempotent(
    sandbox: &Sandbox,
    call: Call<'_>,
    parts: axum::http::request::Parts,
    bytes: Bytes,
    next: Next,
) -> Response {
    let Call {
        account_id,
        key,
        endpoint,
        latency,
    } = call;
    let Some(key) = key else {
        pause(latency).await;
        let response = next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
        wait_while_held(sandbox, account_id, endpoint).await;
        return response;
    };
    let fingerprint = format!(
        "{} {} {}",
        parts.method,
        parts.uri,
        String::from_utf8_lossy(&bytes)
    );
    match sandbox.with_state(|state| state.idempotency_begin(account_id, &key, fingerprint)) {
        IdempotencyBegin::Refuse(error) => return error.into_response(),
        IdempotencyBegin::Replay { status, body } => {
            return (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        }
        IdempotencyBegin::Proceed => {}
    }
    let mut guard = InFlight {
        sandbox,
        account_id,
        key: &key,
        armed: true,
    };
    pause(latency).await;
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if !status.is_success() {
        return response;
    }
    let (response_parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return ApiError::Internal.into_response();
    };
    guard.armed = false;
    // The work is done; the answer is stored once any hold on the endpoint is lifted. That
    // happens in its own task, as at Checkr: a client hanging up meanwhile changes nothing,
    // and until then the key is in flight (409 to a repeat).
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    let (owner, account, stored_key, stored_body) = (
        sandbox.clone(),
        account_id.to_owned(),
        key.clone(),
        body.clone(),
    );
    tokio::spawn(async move {
        wait_while_held(&owner, &account, endpoint).await;
        owner.with_state(|state| {
            state.idempotency_finish(&account, &stored_key, status, Some(stored_body));
        });
        let _ = done.send(());
    });
    let _ = finished.await;
    Response::from_parts(response_parts, Body::from(body))
}

async fn pause(latency: std::time::Duration) {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
}

/// Holds a processed request's answer while a `hold` fault names its endpoint.
async fn wait_while_held(sandbox: &Sandbox, account_id: &str, endpoint: Option<FailEndpoint>) {
    let Some(endpoint) = endpoint else { return };
    while sandbox.with_state(|state| state.is_held(account_id, endpoint)) {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Frees an Idempotency-Key whose request ended without a stored answer: an error, or the
/// client hanging up mid-request (a dropped future would otherwise block the key forever).
struct InFlight<'a> {
    sandbox: &'a Sandbox,
    account_id: &'a str,
    key: &'a str,
    armed: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.sandbox.with_state(|state| {
                state.idempotency_finish(
                    self.account_id,
                    self.key,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                );
            });
        }
    }
}

struct Page {
    start: usize,
    end: usize,
    next_href: Option<String>,
    previous_href: Option<String>,
}

fn positive(params: &HashMap<String, String>, name: &str, default: usize) -> Option<usize> {
    match params.get(name) {
        None => Some(default),
        Some(text) => text.trim().parse::<usize>().ok().filter(|&n| n >= 1),
    }
}

fn paginate(
    total: usize,
    params: &HashMap<String, String>,
    host: &str,
    path: &str,
    extra: &str,
) -> Result<Page, ApiError> {
    let per_page = positive(params, "per_page", DEFAULT_PER_PAGE)
        .filter(|&n| n <= MAX_PER_PAGE)
        .ok_or_else(|| {
            ApiError::BadRequest("per_page must be an integer between 1 and 100".into())
        })?;
    let page = positive(params, "page", 1)
        .ok_or_else(|| ApiError::BadRequest("page must be a positive integer".into()))?;
    let start = page.saturating_sub(1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    let href = |n: usize| format!("http://{host}{path}?{extra}page={n}&per_page={per_page}");
    Ok(Page {
        start,
        end,
        next_href: (end < total).then(|| href(page + 1)),
        previous_href: (page > 1).then(|| href(page - 1)),
    })
}

fn list(data: Vec<Value>, count: usize, page: Page) -> Json<Value> {
    Json(json!({
        "data": data,
        "object": "list",
        "count": count,
        "next_href": page.next_href,
        "previous_href": page.previous_href,
    }))
}

async fn list_packages(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let packages = &state.account(&caller.account_id)?.data.packages;
        let page = paginate(packages.len(), &params, &caller.host, "/v1/packages", "")?;
        let data = packages[page.start..page.end]
            .iter()
            .map(|package| package.to_json(&caller.host))
            .collect();
        Ok(list(data, packages.len(), page))
    })
}

async fn list_nodes(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let include = match params.get("include").map(String::as_str) {
        None => false,
        Some("packages") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "include must be packages, not {other}"
            )));
        }
    };
    sandbox.with_state(|state| {
        let nodes = state
            .account(&caller.account_id)?
            .data
            .nodes
            .as_deref()
            .ok_or(ApiError::Forbidden(
                "Sorry, your account is not enabled for Hierarchy",
            ))?;
        let extra = if include { "include=packages&" } else { "" };
        let page = paginate(nodes.len(), &params, &caller.host, "/v1/nodes", extra)?;
        let data = nodes[page.start..page.end]
            .iter()
            .map(|node| node.to_json(include))
            .collect();
        Ok(list(data, nodes.len(), page))
    })
}

#[derive(Deserialize)]
struct NewCandidate {
    first_name: Option<String>,
    middle_name: Option<String>,
    #[serde(default)]
    no_middle_name: bool,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    zipcode: Option<String>,
    custom_id: Option<String>,
    dob: Option<String>,
    ssn: Option<String>,
    driver_license_number: Option<String>,
    driver_license_state: Option<String>,
    work_locations: Option<Vec<WorkLocation>>,
}

fn parse_body<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|error| ApiError::BadRequest(format!("Invalid JSON body: {error}")))
}

fn required(value: Option<String>, message: &str) -> Result<String, ApiError> {
    value
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .ok_or_else(|| ApiError::BadRequest(message.to_owned()))
}

/// A deliberately plain shape check: one `@`, a dotted domain, no whitespace.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= 255
        && !local.is_empty()
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

fn check_work_locations(locations: &[WorkLocation]) -> Result<(), ApiError> {
    if locations.is_empty() {
        return Err(ApiError::BadRequest("Work locations are required".into()));
    }
    for location in locations {
        if let Some(country) = &location.country
            && !(country.len() == 2 && country.chars().all(|c| c.is_ascii_alphabetic()))
        {
            return Err(ApiError::BadRequest(
                "Work location country must be a 2-letter ISO 3166 code".into(),
            ));
        }
        if location.is_us()
            && location
                .state
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
        {
            return Err(ApiError::BadRequest(
                "Work location state is required for US candidates".into(),
            ));
        }
    }
    Ok(())
}

fn validate_candidate(draft: NewCandidate, id: String, now: String) -> Result<Candidate, ApiError> {
    let first_name = required(draft.first_name, "First name is required")?;
    let last_name = required(draft.last_name, "Last name is required")?;
    if last_name.chars().count() < 2 {
        return Err(ApiError::BadRequest(
            "Last name must be at least 2 characters".into(),
        ));
    }
    let email = required(draft.email, "Email is required")?;
    if !is_email(&email) {
        return Err(ApiError::BadRequest(
            "Email is not a valid email address".into(),
        ));
    }
    let work_locations = draft.work_locations.unwrap_or_default();
    check_work_locations(&work_locations)?;
    Ok(Candidate {
        id,
        created_at: now,
        first_name,
        middle_name: draft.middle_name,
        no_middle_name: draft.no_middle_name,
        last_name,
        email,
        phone: draft.phone,
        zipcode: draft.zipcode,
        custom_id: draft.custom_id,
        dob: draft.dob,
        ssn: draft.ssn,
        driver_license_number: draft.driver_license_number,
        driver_license_state: draft.driver_license_state,
        work_locations,
        report_ids: Vec::new(),
    })
}

async fn create_candidate(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let draft: NewCandidate = parse_body(&bytes)?;
    sandbox.with_state(|state| {
        state.account(&caller.account_id)?;
        let now = clock::rfc3339_seconds(clock::now_seconds());
        let candidate = validate_candidate(draft, state.ids.next(), now)?;
        let body = candidate.to_json(&caller.host);
        state
            .account_mut(&caller.account_id)?
            .candidates
            .push(candidate);
        state.emit(&caller.account_id, "candidate.created", body.clone());
        Ok((StatusCode::CREATED, Json(body)))
    })
}

async fn get_candidate(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let candidate = state
            .account(&caller.account_id)?
            .candidate(&id)
            .ok_or(ApiError::NotFound("Candidate not found"))?;
        Ok(Json(candidate.to_json(&caller.host)))
    })
}

/// Fields `POST /v1/candidates/{id}` may change; any other field is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CandidateChanges {
    first_name: Option<String>,
    middle_name: Option<String>,
    no_middle_name: Option<bool>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    zipcode: Option<String>,
    custom_id: Option<String>,
}

/// Refuses a change Checkr refuses once the candidate has a report: a field that already has
/// a different value, other than those that stay changeable (email, phone, custom_id).
fn frozen(field: &str, current: Option<&str>, wanted: Option<&str>) -> Result<(), ApiError> {
    match (current, wanted) {
        (Some(current), Some(wanted)) if current != wanted => Err(ApiError::BadRequest(format!(
            "{field} cannot be updated once a report exists"
        ))),
        _unchanged_or_new => Ok(()),
    }
}

async fn update_candidate(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let changes: CandidateChanges = parse_body(&bytes)?;
    if let Some(email) = &changes.email
        && !is_email(email.trim())
    {
        return Err(ApiError::BadRequest(
            "Email is not a valid email address".into(),
        ));
    }
    sandbox.with_state(|state| {
        let candidate = state
            .account_mut(&caller.account_id)?
            .candidates
            .iter_mut()
            .find(|candidate| candidate.id == id)
            .ok_or(ApiError::NotFound("Candidate not found"))?;
        if !candidate.report_ids.is_empty() {
            frozen(
                "first_name",
                Some(&candidate.first_name),
                changes.first_name.as_deref(),
            )?;
            frozen(
                "last_name",
                Some(&candidate.last_name),
                changes.last_name.as_deref(),
            )?;
            frozen(
                "middle_name",
                candidate.middle_name.as_deref(),
                changes.middle_name.as_deref(),
            )?;
            frozen(
                "zipcode",
                candidate.zipcode.as_deref(),
                changes.zipcode.as_deref(),
            )?;
        }
        if let Some(first_name) = changes.first_name {
            candidate.first_name = first_name.trim().to_owned();
        }
        if let Some(middle_name) = changes.middle_name {
            candidate.middle_name = Some(middle_name.trim().to_owned());
        }
        if let Some(no_middle_name) = changes.no_middle_name {
            candidate.no_middle_name = no_middle_name;
        }
        if let Some(last_name) = changes.last_name {
            candidate.last_name = last_name.trim().to_owned();
        }
        if let Some(email) = changes.email {
            candidate.email = email.trim().to_owned();
        }
        if let Some(phone) = changes.phone {
            candidate.phone = Some(phone);
        }
        if let Some(zipcode) = changes.zipcode {
            candidate.zipcode = Some(zipcode);
        }
        if let Some(custom_id) = changes.custom_id {
            candidate.custom_id = Some(custom_id);
        }
        let body = candidate.to_json(&caller.host);
        state.emit(&caller.account_id, "candidate.updated", body.clone());
        Ok(Json(body))
    })
}

async fn list_invitations(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let status = match params.get("status").map(String::as_str) {
        None => None,
        Some("pending") => Some(InvitationStatus::Pending),
        Some("completed") => Some(InvitationStatus::Completed),
        Some("expired") => Some(InvitationStatus::Expired),
        Some(_other) => {
            return Err(ApiError::BadRequest(
                "status must be one of pending, completed, expired".into(),
            ));
        }
    };
    let candidate_id = params.get("candidate_id").cloned();
    sandbox.with_state(|state| {
        // Newest first, as Checkr lists; canceled invitations are hidden, and so are those
        // with a non-US work location (Checkr's list leaves them out).
        let matching: Vec<&Invitation> = state
            .account(&caller.account_id)?
            .invitations
            .iter()
            .rev()
            .filter(|invitation| invitation.deleted_at.is_none())
            .filter(|invitation| {
                candidate_id
                    .as_ref()
                    .is_none_or(|id| &invitation.candidate_id == id)
            })
            .filter(|invitation| status.is_none_or(|status| invitation.status == status))
            .filter(|invitation| {
                invitation
                    .work_locations
                    .first()
                    .is_none_or(WorkLocation::is_us)
            })
            .collect();
        let mut extra = String::new();
        if let Some(id) = &candidate_id {
            extra = format!("candidate_id={id}&");
        }
        let page = paginate(
            matching.len(),
            &params,
            &caller.host,
            "/v1/invitations",
            &extra,
        )?;
        let data = matching[page.start..page.end]
            .iter()
            .map(|invitation| invitation.to_json(&caller.host))
            .collect();
        Ok(list(data, matching.len(), page))
    })
}

#[derive(Deserialize)]
struct NewInvitation {
    candidate_id: Option<String>,
    package: Option<String>,
    node: Option<String>,
    work_locations: Option<Vec<WorkLocation>>,
    #[serde(default)]
    tags: Vec<String>,
}

/// An invitation request that passed every check, in Checkr's order.
struct ValidInvitation {
    candidate_id: String,
    package: String,
    node: Option<String>,
    work_locations: Vec<WorkLocation>,
    tags: Vec<String>,
}

fn validate_invitation(
    account: &super::state::Account,
    draft: NewInvitation,
) -> Result<ValidInvitation, ApiError> {
    let candidate_id = required(draft.candidate_id, "candidate_id is required")?;
    let package = required(draft.package, "package is required")?;
    let candidate = account
        .candidate(&candidate_id)
        .ok_or(ApiError::NotFound("Candidate not found"))?;
    if account.data.package(&package).is_none() {
        return Err(ApiError::NotFound("Package not found"));
    }
    let node = draft.node.filter(|node| !node.trim().is_empty());
    match &node {
        None if account.data.has_nodes() => {
            return Err(ApiError::BadRequest(
                "Node is required for accounts with hierarchy".into(),
            ));
        }
        None => {}
        Some(custom_id) => {
            let found = account
                .data
                .node(custom_id)
                .ok_or(ApiError::NotFound("Node not found"))?;
            if !found.effective_packages.is_empty() && !found.effective_packages.contains(&package)
            {
                return Err(ApiError::BadRequest(
                    "Package is not available for this node".into(),
                ));
            }
        }
    }
    let work_locations = match draft.work_locations {
        Some(locations) => {
            check_work_locations(&locations)?;
            locations
        }
        None => candidate.work_locations.clone(),
    };
    let candidate_us = candidate
        .work_locations
        .first()
        .is_none_or(WorkLocation::is_us);
    let invitation_us = work_locations.first().is_none_or(WorkLocation::is_us);
    if candidate_us != invitation_us {
        return Err(ApiError::BadRequest(
            "Candidate work location region does not match invitation work location".into(),
        ));
    }
    Ok(ValidInvitation {
        candidate_id,
        package,
        node,
        work_locations,
        tags: draft.tags,
    })
}

async fn create_invitation(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let draft: NewInvitation = parse_body(&bytes)?;
    sandbox.with_state(|state| {
        let ValidInvitation {
            candidate_id,
            package,
            node,
            work_locations,
            tags,
        } = validate_invitation(state.account(&caller.account_id)?, draft)?;
        let now = clock::now_seconds();
        let invitation = Invitation {
            id: state.ids.next(),
            candidate_id,
            package,
            node,
            work_locations,
            tags,
            status: InvitationStatus::Pending,
            created_at: clock::rfc3339_seconds(now),
            expires_at: clock::rfc3339_seconds(now + 7 * 86_400),
            completed_at: None,
            deleted_at: None,
            report_id: None,
        };
        let body = invitation.to_json(&caller.host);
        state
            .account_mut(&caller.account_id)?
            .invitations
            .push(invitation);
        state.emit(&caller.account_id, "invitation.created", body.clone());
        Ok((StatusCode::CREATED, Json(body)))
    })
}

async fn get_invitation(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    // Checkr hides canceled invitations unless asked for them.
    let include_deleted = params.get("include_deleted").is_some_and(|v| v == "true");
    sandbox.with_state(|state| {
        let invitation = state
            .account(&caller.account_id)?
            .invitation(&id)
            .filter(|invitation| include_deleted || invitation.deleted_at.is_none())
            .ok_or(ApiError::NotFound("Invitation not found"))?;
        Ok(Json(invitation.to_json(&caller.host)))
    })
}

async fn cancel_invitation(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let now = clock::rfc3339_seconds(clock::now_seconds());
        let invitation = state
            .account_mut(&caller.account_id)?
            .invitations
            .iter_mut()
            .find(|invitation| invitation.id == id && invitation.deleted_at.is_none())
            .ok_or(ApiError::NotFound("Invitation not found"))?;
        if invitation.status != InvitationStatus::Pending {
            return Err(ApiError::BadRequest(
                "Only pending invitations can be canceled".into(),
            ));
        }
        invitation.deleted_at = Some(now);
        let body = invitation.to_json(&caller.host);
        state.emit(&caller.account_id, "invitation.deleted", body.clone());
        Ok(Json(body))
    })
}

async fn get_report(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let account = state.account(&caller.account_id)?;
        let report = account
            .report(&id)
            .ok_or(ApiError::NotFound("Report not found"))?;
        Ok(Json(account.report_json(report, &caller.host)))
    })
}

fn screening(
    sandbox: &Sandbox,
    caller: &Caller,
    id: &str,
    kind: ScreeningKind,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let screening = state
            .account(&caller.account_id)?
            .screenings
            .iter()
            .find(|screening| screening.id == id && screening.kind == kind)
            .ok_or(ApiError::NotFound("Resource not found"))?;
        Ok(Json(screening.to_json(&caller.host)))
    })
}

async fn get_ssn_trace(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    screening(&sandbox, &caller, &id, ScreeningKind::SsnTrace)
}

async fn get_national_criminal_search(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    screening(
        &sandbox,
        &caller,
        &id,
        ScreeningKind::NationalCriminalSearch,
    )
}

async fn get_county_criminal_search(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    screening(&sandbox, &caller, &id, ScreeningKind::CountyCriminalSearch)
}

async fn get_motor_vehicle_report(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    screening(&sandbox, &caller, &id, ScreeningKind::MotorVehicleReport)
}
