//! Continuous checks (C-Crim, C-MVR) as Checkr serves them: enrolment of an existing US
//! candidate (`POST /v1/candidates/{id}/continuous_checks`), the candidate's list, one check,
//! and unenrolment (`DELETE /v1/continuous_checks/{id}`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sandbox;
use super::api::Caller;
use super::clock;
use super::error::ApiError;
use super::model::{Outcome, ScreeningKind, WorkLocation};
use super::started_reports::{StartedReport, complete_at_once};

/// One enrolment.
#[derive(Debug, Clone)]
pub(crate) struct ContinuousCheck {
    pub(crate) id: String,
    pub(crate) kind: &'static str,
    pub(crate) candidate_id: String,
    pub(crate) node: Option<String>,
    pub(crate) work_locations: Vec<WorkLocation>,
    pub(crate) created_at: String,
}

impl ContinuousCheck {
    fn to_json(&self, host: &str) -> Value {
        json!({
            "id": self.id,
            "object": "continuous_check",
            "uri": format!("http://{host}/v1/continuous_checks/{}", self.id),
            "type": self.kind,
            "created_at": self.created_at,
            "candidate_id": self.candidate_id,
            "node": self.node,
            "work_locations": self.work_locations,
        })
    }
}

/// The control route: Checkr's `continuous_check.*` webhooks about an enrolment.
pub(crate) fn control_routes() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/continuous_checks/{id}/events", post(emit_event))
        .route("/sandbox/continuous_checks/{id}/report", post(new_report))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportRequest {
    result: ResultName,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ResultName {
    Clear,
    Consider,
}

/// `POST /sandbox/continuous_checks/{id}/report` `{"result": "clear" | "consider"}`: the
/// monitoring finds something to report (or confirms nothing): a new report of package
/// `continuous_check` (criminal) or `continuous_mvr`, source `continuous_check`, created and
/// completed at once, announced with `report.created` and `report.completed`.
async fn new_report(
    State(sandbox): State<Sandbox>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: ReportRequest = serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::BadRequest(format!("Invalid JSON body: {error}")))?;
    let outcome = match request.result {
        ResultName::Clear => Outcome::Clear,
        ResultName::Consider => Outcome::Consider,
    };
    let host = super::api::host_of(&headers);
    sandbox.with_state(|state| {
        let (report_id, screening_id) = (state.ids.next(), state.ids.next());
        let now = clock::rfc3339_seconds(clock::now_seconds());
        let account_id = state
            .accounts
            .values()
            .find(|account| account.continuous_checks.iter().any(|check| check.id == id))
            .map(|account| account.id.clone())
            .ok_or(ApiError::NotFound("Continuous check not found"))?;
        let account = state.account_mut(&account_id)?;
        let check = account
            .continuous_checks
            .iter()
            .find(|check| check.id == id)
            .cloned()
            .ok_or(ApiError::NotFound("Continuous check not found"))?;
        let (package, kind) = if check.kind == "mvr" {
            ("continuous_mvr", ScreeningKind::MotorVehicleReport)
        } else {
            ("continuous_check", ScreeningKind::CountyCriminalSearch)
        };
        if let Some(candidate) = account
            .candidates
            .iter_mut()
            .find(|candidate| candidate.id == check.candidate_id)
        {
            candidate.report_ids.push(report_id.clone());
        }
        let started = StartedReport {
            id: report_id,
            candidate_id: check.candidate_id,
            package: package.to_owned(),
            source: "continuous_check",
            work_locations: check.work_locations,
            screenings: vec![(screening_id, kind)],
        };
        complete_at_once(state, &account_id, started, outcome, now, &host).map(Json)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventRequest {
    #[serde(rename = "type")]
    kind: EventName,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EventName {
    SubscriptionError,
    ConfirmationRequired,
}

/// `POST /sandbox/continuous_checks/{id}/events` `{"type": "subscription_error" |
/// "confirmation_required"}`: emits `continuous_check.{type}` with the enrolment.
async fn emit_event(
    State(sandbox): State<Sandbox>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: EventRequest = serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::BadRequest(format!("Invalid JSON body: {error}")))?;
    let host = super::api::host_of(&headers);
    let event_type = match request.kind {
        EventName::SubscriptionError => "continuous_check.subscription_error",
        EventName::ConfirmationRequired => "continuous_check.confirmation_required",
    };
    sandbox.with_state(|state| {
        let (account_id, object) = state
            .accounts
            .values()
            .find_map(|account| {
                account
                    .continuous_checks
                    .iter()
                    .find(|check| check.id == id)
                    .map(|check| (account.id.clone(), check.to_json(&host)))
            })
            .ok_or(ApiError::NotFound("Continuous check not found"))?;
        let event = state.emit(&account_id, event_type, object);
        Ok(Json(json!({"events": [event]})))
    })
}

/// The Checkr routes; merged inside the API gate, which authenticates the account.
pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route(
            "/v1/candidates/{id}/continuous_checks",
            post(enrol).get(list_for_candidate),
        )
        .route("/v1/continuous_checks/{id}", get(get_check).delete(unenrol))
}

#[derive(Deserialize)]
struct NewContinuousCheck {
    #[serde(rename = "type")]
    kind: Option<String>,
    node: Option<String>,
    work_locations: Option<Vec<WorkLocation>>,
    mvr_enrollment_type: Option<String>,
}

async fn enrol(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(candidate_id): Path<String>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let draft: NewContinuousCheck = serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::BadRequest(format!("Invalid JSON body: {error}")))?;
    sandbox.with_state(|state| {
        let id = state.ids.next();
        let account = state.account_mut(&caller.account_id)?;
        let kind = match draft.kind.as_deref() {
            Some("criminal") => "criminal",
            Some("mvr") => "mvr",
            Some(_) | None => {
                return Err(ApiError::BadRequest(
                    "type must be one of: criminal, mvr".to_owned(),
                ));
            }
        };
        if let Some(enrollment) = draft.mvr_enrollment_type.as_deref()
            && (kind != "mvr" || !["commercial", "standard"].contains(&enrollment))
        {
            return Err(ApiError::BadRequest(
                "mvr_enrollment_type must be commercial or standard, for mvr checks only"
                    .to_owned(),
            ));
        }
        let candidate = account
            .candidate(&candidate_id)
            .ok_or(ApiError::NotFound("Candidate not found"))?;
        let work_locations = draft
            .work_locations
            .unwrap_or_else(|| candidate.work_locations.clone());
        if !work_locations.first().is_none_or(WorkLocation::is_us)
            || !candidate
                .work_locations
                .first()
                .is_none_or(WorkLocation::is_us)
        {
            return Err(ApiError::BadRequest(
                "Continuous checks are only available for candidates in the US".to_owned(),
            ));
        }
        let node = draft.node.filter(|node| !node.trim().is_empty());
        match &node {
            None if account.data.has_nodes() => {
                return Err(ApiError::BadRequest(
                    "Node is required for accounts with hierarchy".to_owned(),
                ));
            }
            Some(custom_id) if account.data.node(custom_id).is_none() => {
                return Err(ApiError::NotFound("Node not found"));
            }
            None | Some(_) => {}
        }
        if account
            .continuous_checks
            .iter()
            .any(|check| check.candidate_id == candidate_id && check.kind == kind)
        {
            return Err(ApiError::BadRequest(format!(
                "Candidate is already enrolled in a {kind} continuous check"
            )));
        }
        let check = ContinuousCheck {
            id,
            kind,
            candidate_id,
            node,
            work_locations,
            created_at: clock::rfc3339_seconds(clock::now_seconds()),
        };
        let body = check.to_json(&caller.host);
        account.continuous_checks.push(check);
        Ok((StatusCode::CREATED, Json(body)))
    })
}

async fn list_for_candidate(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(candidate_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let account = state.account(&caller.account_id)?;
        account
            .candidate(&candidate_id)
            .ok_or(ApiError::NotFound("Candidate not found"))?;
        let data: Vec<Value> = account
            .continuous_checks
            .iter()
            .filter(|check| check.candidate_id == candidate_id)
            .map(|check| check.to_json(&caller.host))
            .collect();
        Ok(Json(
            json!({"data": data, "object": "list", "count": data.len()}),
        ))
    })
}

async fn get_check(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        state
            .account(&caller.account_id)?
            .continuous_checks
            .iter()
            .find(|check| check.id == id)
            .map(|check| Json(check.to_json(&caller.host)))
            .ok_or(ApiError::NotFound("Continuous check not found"))
    })
}

async fn unenrol(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let account = state.account_mut(&caller.account_id)?;
        let position = account
            .continuous_checks
            .iter()
            .position(|check| check.id == id)
            .ok_or(ApiError::NotFound("Continuous check not found"))?;
        let check = account.continuous_checks.remove(position);
        Ok(Json(check.to_json(&caller.host)))
    })
}
