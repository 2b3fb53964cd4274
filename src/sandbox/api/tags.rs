//! Report tags, as Checkr keeps them: `GET`, `POST` and `DELETE /v1/reports/{id}/tags`. A
//! write names one tag (`{"tag": "…"}`) and answers with the report's tags as a list page.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::Sandbox;
use super::super::error::ApiError;
use super::{Caller, list, paginate, parse_body, required};

pub(super) fn routes() -> Router<Sandbox> {
    Router::new().route(
        "/v1/reports/{id}/tags",
        get(list_tags).post(add_tag).delete(remove_tag),
    )
}

#[derive(Deserialize)]
struct TagBody {
    #[serde(default)]
    tag: Option<String>,
}

/// One page of the report's tags, as every tags endpoint answers.
fn page_of(
    tags: &[String],
    params: &HashMap<String, String>,
    caller: &Caller,
    id: &str,
) -> Result<Json<Value>, ApiError> {
    let path = format!("/v1/reports/{id}/tags");
    let page = paginate(tags.len(), params, &caller.host, &path, "")?;
    let data = tags[page.start..page.end]
        .iter()
        .map(|name| json!({ "name": name }))
        .collect();
    Ok(list(data, tags.len(), page))
}

fn tags_of<'a>(
    state: &'a mut super::SandboxState,
    caller: &Caller,
    id: &str,
) -> Result<&'a mut Vec<String>, ApiError> {
    state
        .account_mut(&caller.account_id)?
        .reports
        .iter_mut()
        .find(|report| report.id == id)
        .map(|report| &mut report.tags)
        .ok_or(ApiError::NotFound("Report not found"))
}

async fn list_tags(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let tags = tags_of(state, &caller, &id)?.clone();
        page_of(&tags, &params, &caller, &id)
    })
}

async fn add_tag(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body: TagBody = parse_body(&bytes)?;
    let tag = required(body.tag, "tag is required")?;
    sandbox.with_state(|state| {
        let tags = tags_of(state, &caller, &id)?;
        // Adding a tag the report has changes nothing: tags are a set.
        if !tags.contains(&tag) {
            tags.push(tag);
        }
        let tags = tags.clone();
        Ok((StatusCode::CREATED, page_of(&tags, &params, &caller, &id)?))
    })
}

async fn remove_tag(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: TagBody = parse_body(&bytes)?;
    let tag = required(body.tag, "tag is required")?;
    sandbox.with_state(|state| {
        let tags = tags_of(state, &caller, &id)?;
        tags.retain(|known| *known != tag);
        let tags = tags.clone();
        page_of(&tags, &params, &caller, &id)
    })
}
