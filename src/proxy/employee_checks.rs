//! What continuous checks and subscriptions share: both act, through Checkr, on the existing
//! US Checkr candidate of an applicant who became an employee, and answer in the same shapes.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::domain::validation::Region;

use super::AppState;
use super::checkr::CheckrError;
use super::error::ApiError;
use super::store::OrderRecord;

/// Checkr's refusal or failure, not tied to any order.
pub(super) fn provider(source: CheckrError) -> ApiError {
    ApiError::Provider {
        source,
        order: None,
    }
}

/// The 422 answer in the API's error shape, for the request's own fields.
pub(super) fn invalid(errors: Vec<(&'static str, &'static str)>) -> Response {
    let fields: Map<String, Value> = errors
        .into_iter()
        .map(|(field, message)| (field.to_owned(), Value::from(message)))
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "code": "invalid",
            "message": "some fields need attention",
            "fields": fields,
        })),
    )
        .into_response()
}

/// The id of the applicant's US Checkr candidate; without one, a conflict that says
/// `abroad` when the applicant's checks are outside the US and `unordered` otherwise.
pub(super) async fn us_candidate_id(
    state: &AppState,
    account_id: &str,
    custom_id: &str,
    abroad: &str,
    unordered: &str,
) -> Result<String, ApiError> {
    if let Some(candidate) = state
        .store
        .candidate(account_id, custom_id, Region::Us)
        .await?
    {
        return Ok(candidate.id);
    }
    let is_abroad = state
        .store
        .candidate(account_id, custom_id, Region::NonUs)
        .await?
        .is_some();
    Err(ApiError::Conflict(
        if is_abroad { abroad } else { unordered }.to_owned(),
    ))
}

/// Hierarchy accounts name the node and work location, as the applicant's latest US order
/// did; `body` gets both when that order had a node.
pub(super) fn name_node(body: &mut Value, orders: &[OrderRecord]) {
    if let Some(order) = orders.iter().find(|order| order.region == Region::Us)
        && let Some(node) = &order.draft.node
    {
        body["node"] = Value::from(node.as_str());
        body["work_locations"] = json!([order.draft.candidate.work_location]);
    }
}
