//! Finishing one screening at a time (control API): Checkr completes a report's screenings one
//! by one and announces the progress with `report.updated`, then `report.completed` once the
//! last one is done. Also the `verification.*` events of checks the candidate must complete,
//! and the Assess grade of a report.

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
    Router::new()
        .route(
            "/sandbox/screenings/{id}/complete",
            post(complete_screening),
        )
        .route(
            "/sandbox/reports/{id}/verifications",
            post(verification_event),
        )
        .route("/sandbox/reports/{id}/assessment", post(set_assessment))
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
                .find(|account| {
                    account
                        .screenings
                        .iter()
                        .any(|screening| screening.id == id)
                })
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
                return Err(ApiError::Conflict(
                    "The screening is not pending".to_owned(),
                ));
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerificationRequest {
    /// `created`, `completed` or `processed`.
    event: VerificationEvent,
    /// Checkr's `verification_type`, e.g. `id`.
    #[serde(default = "identity")]
    verification_type: String,
    /// The verification to move on; a new one for `created` when absent.
    #[serde(default)]
    id: Option<String>,
}

fn identity() -> String {
    "id".to_owned()
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum VerificationEvent {
    Created,
    Completed,
    Processed,
}

/// `POST /sandbox/reports/{id}/verifications` `{"event", "verification_type", "id"}`: emits
/// `verification.{event}` for a verification of the pending report, as Checkr does while the
/// candidate completes (and Checkr processes) a check such as an ID verification. Its
/// `verification_url` is the candidate's own link, as in Checkr's objects.
async fn verification_event(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(report_id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: VerificationRequest = serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::BadRequest(format!("Invalid JSON body: {error}")))?;
    let host = host_of(&headers);
    sandbox.with_state(|state| {
        let now = clock::rfc3339_seconds(clock::now_seconds());
        let account_id = state
            .accounts
            .values()
            .find(|account| account.report(&report_id).is_some())
            .map(|account| account.id.clone())
            .ok_or(ApiError::NotFound("Report not found"))?;
        let pending = state
            .account(&account_id)?
            .report(&report_id)
            .is_some_and(|report| report.status == ReportStatus::Pending);
        if !pending {
            return Err(ApiError::Conflict("The report is not pending".to_owned()));
        }
        let id = match (request.id, request.event) {
            (Some(id), _) => id,
            (None, VerificationEvent::Created) => state.ids.next(),
            (None, VerificationEvent::Completed | VerificationEvent::Processed) => {
                return Err(ApiError::BadRequest(
                    "id is required to move a verification on".to_owned(),
                ));
            }
        };
        let (event_type, completed, processed) = match request.event {
            VerificationEvent::Created => ("verification.created", false, false),
            VerificationEvent::Completed => ("verification.completed", true, false),
            VerificationEvent::Processed => ("verification.processed", true, true),
        };
        let at = |done: bool| done.then(|| now.clone());
        let object = json!({
            "id": id,
            "object": "verification",
            "uri": format!("http://{host}/v1/reports/{report_id}/verifications/{id}"),
            "verification_type": request.verification_type,
            "verification_url": format!("http://{host}/sandbox/verify/{id}"),
            "created_at": now,
            "completed_at": at(completed),
            "processed_at": at(processed),
        });
        let event = state.emit(&account_id, event_type, object.clone());
        Ok(Json(json!({"verification": object, "events": [event]})))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessmentRequest {
    assessment: AssessmentName,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum AssessmentName {
    Eligible,
    Review,
    Escalated,
}

/// `POST /sandbox/reports/{id}/assessment` `{"assessment": "eligible" | "review" |
/// "escalated"}`: the account's Assess rules grade the report, announced with
/// `report.updated` as Checkr does.
async fn set_assessment(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(report_id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: AssessmentRequest = serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::BadRequest(format!("Invalid JSON body: {error}")))?;
    let assessment = match request.assessment {
        AssessmentName::Eligible => "eligible",
        AssessmentName::Review => "review",
        AssessmentName::Escalated => "escalated",
    };
    let host = host_of(&headers);
    sandbox.with_state(|state| {
        let (account_id, report_json) = {
            let account = state
                .accounts
                .values_mut()
                .find(|account| account.report(&report_id).is_some())
                .ok_or(ApiError::NotFound("Report not found"))?;
            let index = account
                .reports
                .iter()
                .position(|report| report.id == report_id)
                .ok_or(ApiError::NotFound("Report not found"))?;
            if account.reports[index].status == ReportStatus::Canceled {
                return Err(ApiError::Conflict("The report was canceled".to_owned()));
            }
            account.reports[index].assessment = Some(assessment);
            let report_json = account.report_json(&account.reports[index], &host);
            (account.id.clone(), report_json)
        };
        let event = state.emit(&account_id, "report.updated", report_json.clone());
        Ok(Json(json!({"report": report_json, "events": [event]})))
    })
}
