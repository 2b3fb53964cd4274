//! Finishing one screening at a time (control API): Checkr completes a report's screenings one
//! by one and announces the progress with `report.updated`, then `report.completed` once the
//! last one is done.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sandbox;
use super::api::host_of;
use super::clock;
use super::error::ApiError;
use super::model::{Outcome, ReportStatus, ScreeningStatus};

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new().route("/sandbox/screenings/{id}/complete", post(complete_screening))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteRequest {
    result: OutcomeName,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OutcomeName {
    Clear,
    Consider,
}

/// `POST /sandbox/screenings/{id}/complete` `{"result": "clear" | "consider"}`: the screening
/// finishes; its report emits `report.updated`, or completes (`report.completed`, result
/// `consider` if any screening found something) when no screening is left pending.
async fn complete_screening(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: CompleteRequest = serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::BadRequest(format!("Invalid JSON body: {error}")))?;
    let result = match request.result {
        OutcomeName::Clear => Outcome::Clear,
        OutcomeName::Consider => Outcome::Consider,
    };
    let host = host_of(&headers);
    sandbox.with_state(|state| {
        let now = clock::rfc3339_seconds(clock::now_seconds());
        let (account_id, report_json, event_type) = {
            let account = state
                .accounts
                .values_mut()
                .find(|account| account.screenings.iter().any(|screening| screening.id == id))
                .ok_or(ApiError::NotFound("Screening not found"))?;
            let report_index = account
                .reports
                .iter()
                .position(|report| report.screening_ids.contains(&id))
                .ok_or(ApiError::NotFound("Report not found"))?;
            if account.reports[report_index].status != ReportStatus::Pending {
                return Err(ApiError::Conflict(
                    "The screening's report is not pending".to_owned(),
                ));
            }
            let screening = account
                .screenings
                .iter_mut()
                .find(|screening| screening.id == id)
                .ok_or(ApiError::NotFound("Screening not found"))?;
            if screening.status != ScreeningStatus::Pending {
                return Err(ApiError::Conflict("The screening is not pending".to_owned()));
            }
            screening.complete(result, &now);
            let report = &account.reports[report_index];
            let own: Vec<_> = account
                .screenings
                .iter()
                .filter(|screening| report.screening_ids.contains(&screening.id))
                .collect();
            let left = own
                .iter()
                .any(|screening| screening.status == ScreeningStatus::Pending);
            let found = own
                .iter()
                .any(|screening| screening.result == Some(Outcome::Consider));
            let event_type = if left {
                "report.updated"
            } else {
                let report = &mut account.reports[report_index];
                report.status = ReportStatus::Complete;
                report.result = Some(if found {
                    Outcome::Consider
                } else {
                    Outcome::Clear
                });
                report.completed_at = Some(now.clone());
                "report.completed"
            };
            let report_json = account.report_json(&account.reports[report_index], &host);
            (account.id.clone(), report_json, event_type)
        };
        let event = state.emit(&account_id, event_type, report_json.clone());
        Ok(Json(json!({"report": report_json, "events": [event]})))
    })
}
