//! `POST /auth/api` and the bearer tokens it hands out.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::{KarmaCheckSandbox, KarmaError, KarmaState, TOKEN_LIFETIME};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AuthRequest {
    api_key: Option<String>,
    client_access_token: Option<String>,
}

/// Exchanges the group's API key and client access token for a bearer JWT.
pub(super) async fn authenticate(
    State(sandbox): State<KarmaCheckSandbox>,
    body: Result<Json<AuthRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, KarmaError> {
    let Json(request) =
        body.map_err(|rejection| KarmaError::new(StatusCode::BAD_REQUEST, rejection.body_text()))?;
    let (Some(api_key), Some(client_access_token)) = (request.api_key, request.client_access_token)
    else {
        return Err(KarmaError::new(
            StatusCode::BAD_REQUEST,
            "apiKey and clientAccessToken are required",
        ));
    };
    sandbox.with_state(|state| {
        let index = state
            .groups
            .iter()
            .position(|group| {
                group.credentials.api_key == api_key
                    && group.credentials.client_access_token == client_access_token
            })
            .ok_or_else(KarmaError::unauthorized)?;
        let expires = state.now() + TOKEN_LIFETIME;
        let group_profile_id = state.groups[index].credentials.group_profile_id.clone();
        let token = jwt(&group_profile_id, expires);
        state.tokens.insert(token.clone(), (index, expires));
        Ok(Json(serde_json::json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "username": format!("api-{group_profile_id}"),
            "token": token,
            "groupProfileId": group_profile_id,
        })))
    })
}

/// A token shaped like a JWT (header, claims with `exp`, signature); the sandbox checks it by
/// lookup, so the signature is only random bytes.
fn jwt(group_profile_id: &str, expires: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        serde_json::json!({"sub": group_profile_id, "exp": expires, "jti": uuid::Uuid::new_v4().to_string()})
            .to_string(),
    );
    let signature = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes());
    format!("{header}.{claims}.{signature}")
}

/// The group a live bearer token belongs to; 401 for a missing, unknown or expired one.
pub(crate) fn bearer_group(state: &KarmaState, headers: &HeaderMap) -> Result<usize, KarmaError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(KarmaError::unauthorized)?;
    match state.tokens.get(token) {
        Some((group, expires)) if *expires > state.now() => Ok(*group),
        Some(_) | None => Err(KarmaError::unauthorized()),
    }
}
