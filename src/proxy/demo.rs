//! Demo-only endpoints, routed only while the proxy runs against its embedded sandbox (see
//! [`super::app`]): they let the demo page drive the sandbox from its own origin (its CSP
//! allows no other), for the demo accounts only.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;

/// The sandbox controls the demo page and the end-to-end tests use. The sandbox's keys
/// (`accounts`) and its request log (`requests`) stay on the sandbox's own port.
const DEMO_CONTROLS: [fn(&str) -> bool; 11] = [
    |path| path == "faults",
    |path| path == "delivery" || path == "delivery/release",
    |path| path == "candidates",
    |path| one_id_between(path, "invitations/", "/steps"),
    |path| one_id_between(path, "screenings/", "/complete"),
    |path| one_id_between(path, "reports/", "/verifications"),
    |path| one_id_between(path, "reports/", "/assessment"),
    |path| one_id_between(path, "continuous_checks/", "/report"),
    |path| one_id_between(path, "continuous_checks/", "/events"),
    |path| one_id_between(path, "subscriptions/", "/run"),
    // KarmaCheck's lifecycle control: moves a case to any state of the seed.
    |path| one_id_between(path, "karmacheck/cases/", "/status"),
];

/// Whether `path` is `prefix`, one path segment, then `suffix`.
fn one_id_between(path: &str, prefix: &str, suffix: &str) -> bool {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// `/demo/sandbox/{*path}`: the sandbox's control API (faults, lifecycle steps, delivery).
pub async fn sandbox_control(
    State(state): State<AppState>,
    method: Method,
    Path(path): Path<String>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !DEMO_CONTROLS.iter().any(|allowed| allowed(&path)) {
        return Err(ApiError::NotFound("page"));
    }
    let mut url = match path.strip_prefix("karmacheck/") {
        Some(rest) => format!(
            "{}{}/sandbox/{rest}",
            state.checkr.base(),
            crate::sandbox::KARMACHECK_PREFIX
        ),
        None => format!("{}/sandbox/{path}", state.checkr.base()),
    };
    if let Some(query) = query {
        url = format!("{url}?{query}");
    }
    let mut request = reqwest::Client::new().request(method, url).body(body);
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        request = request.header(header::CONTENT_TYPE, content_type.as_bytes());
    }
    let response = request
        .send()
        .await
        .map_err(|error| ApiError::Internal(error.into()))?;
    let status =
        StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let bytes = response
        .bytes()
        .await
        .map_err(|error| ApiError::Internal(error.into()))?;
    Ok((status, [(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// Which demo account the customer disconnects.
#[derive(Deserialize)]
pub struct DeauthorizeQuery {
    account: String,
}

/// `POST /demo/deauthorize?account=…`: plays the customer disconnecting the partner app in
/// Checkr's Dashboard; the sandbox revokes the token and sends `token.deauthorized`.
pub async fn deauthorize(
    State(state): State<AppState>,
    Query(query): Query<DeauthorizeQuery>,
) -> Result<StatusCode, ApiError> {
    if !super::is_demo_account(&query.account) {
        return Err(ApiError::NotFound("demo account"));
    }
    let account = state
        .store
        .account(&query.account)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let token = account
        .access_token
        .ok_or_else(|| ApiError::Conflict("This account is not connected.".to_owned()))?;
    state.checkr.deauthorize(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}
