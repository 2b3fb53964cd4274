//! Subscriptions as Checkr serves them (`/v1/subscriptions`): a package re-run for a US
//! candidate at an interval, updated with `POST /v1/subscriptions/{id}` and canceled with
//! `DELETE` (status `inactive`, `canceled_at`). The control route runs one occurrence: a
//! report of the package with source `recurrence`, and the next date moves on.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::subscription::{Day, IntervalUnit, next_occurrence};

use super::Sandbox;
use super::api::Caller;
use super::clock;
use super::error::ApiError;
use super::model::{Outcome, WorkLocation};
use super::started_reports::{StartedReport, complete_at_once};

/// One subscription.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    id: String,
    active: bool,
    created_at: String,
    canceled_at: Option<String>,
    package: String,
    interval_count: u32,
    interval_unit: IntervalUnit,
    start_date: Day,
    /// Occurrences already run move the next one on.
    runs: u32,
    candidate_id: String,
    node: Option<String>,
    work_locations: Vec<WorkLocation>,
}

impl Subscription {
    fn next(&self) -> Day {
        let today = Day::of_unix_seconds(clock::now_seconds());
        let mut after_runs = self.start_date;
        for _ in 0..self.runs {
            after_runs = after_runs.advance(self.interval_count, self.interval_unit);
        }
        next_occurrence(after_runs, self.interval_count, self.interval_unit, today)
    }

    fn to_json(&self, host: &str) -> Value {
        json!({
            "id": self.id,
            "object": "subscription",
            "uri": format!("http://{host}/v1/subscriptions/{}", self.id),
            "status": if self.active { "active" } else { "inactive" },
            "created_at": self.created_at,
            "canceled_at": self.canceled_at,
            "package": self.package,
            "interval_count": self.interval_count,
            "interval_unit": self.interval_unit.as_str(),
            "start_date": self.start_date.to_iso(),
            "next_occurrence_date": if self.active { Some(self.next().to_iso()) } else { None },
            "candidate_id": self.candidate_id,
            "node": self.node,
            "work_locations": self.work_locations,
        })
    }
}

/// The Checkr routes; merged inside the API gate.
pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/v1/subscriptions", post(create))
        .route(
            "/v1/subscriptions/{id}",
            post(update).get(get_one).delete(cancel),
        )
}

/// The control route.
pub(crate) fn control_routes() -> Router<Sandbox> {
    Router::new().route("/sandbox/subscriptions/{id}/run", post(run))
}

#[derive(Deserialize)]
struct NewSubscription {
    package: Option<String>,
    candidate_id: Option<String>,
    start_date: Option<String>,
    interval_count: Option<u32>,
    interval_unit: Option<String>,
    node: Option<String>,
    work_locations: Option<Vec<WorkLocation>>,
}

fn bad(message: &str) -> ApiError {
    ApiError::BadRequest(message.to_owned())
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|error| ApiError::BadRequest(format!("Invalid JSON body: {error}")))
}

async fn create(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let draft: NewSubscription = parse(&bytes)?;
    sandbox.with_state(|state| {
        let id = state.ids.next();
        let account = state.account_mut(&caller.account_id)?;
        let package = draft.package.ok_or_else(|| bad("package is required"))?;
        let candidate_id = draft
            .candidate_id
            .ok_or_else(|| bad("candidate_id is required"))?;
        let start_date = draft
            .start_date
            .as_deref()
            .ok_or_else(|| bad("start_date is required"))
            .and_then(|text| Day::parse(text).ok_or_else(|| bad("start_date is not a date")))?;
        let interval_count = draft.interval_count.unwrap_or(1);
        if interval_count == 0 {
            return Err(bad("interval_count must be positive"));
        }
        let interval_unit = draft
            .interval_unit
            .as_deref()
            .and_then(IntervalUnit::parse)
            .ok_or_else(|| bad("interval_unit must be one of: day, week, month, year"))?;
        if account.data.package(&package).is_none() {
            return Err(ApiError::NotFound("Package not found"));
        }
        let candidate = account
            .candidate(&candidate_id)
            .ok_or(ApiError::NotFound("Candidate not found"))?;
        let work_locations = draft
            .work_locations
            .unwrap_or_else(|| candidate.work_locations.clone());
        if !work_locations.first().is_none_or(WorkLocation::is_us) {
            return Err(bad(
                "Subscriptions are not available for candidates outside the US",
            ));
        }
        let node = draft.node.filter(|node| !node.trim().is_empty());
        if node.is_none() && account.data.has_nodes() {
            return Err(bad("Node is required for accounts with hierarchy"));
        }
        let subscription = Subscription {
            id,
            active: true,
            created_at: clock::rfc3339_seconds(clock::now_seconds()),
            canceled_at: None,
            package,
            interval_count,
            interval_unit,
            start_date,
            runs: 0,
            candidate_id,
            node,
            work_locations,
        };
        let body = subscription.to_json(&caller.host);
        account.subscriptions.push(subscription);
        Ok((StatusCode::CREATED, Json(body)))
    })
}

fn find<'a>(
    account: &'a mut super::state::Account,
    id: &str,
) -> Result<&'a mut Subscription, ApiError> {
    account
        .subscriptions
        .iter_mut()
        .find(|subscription| subscription.id == id)
        .ok_or(ApiError::NotFound("Subscription not found"))
}

async fn get_one(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let account = state.account_mut(&caller.account_id)?;
        Ok(Json(find(account, &id)?.to_json(&caller.host)))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Changes {
    start_date: Option<String>,
    interval_count: Option<u32>,
    interval_unit: Option<String>,
}

async fn update(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let changes: Changes = parse(&bytes)?;
    sandbox.with_state(|state| {
        let account = state.account_mut(&caller.account_id)?;
        let subscription = find(account, &id)?;
        if !subscription.active {
            return Err(bad("Subscription is inactive"));
        }
        if let Some(text) = changes.start_date {
            subscription.start_date =
                Day::parse(&text).ok_or_else(|| bad("start_date is not a date"))?;
            subscription.runs = 0;
        }
        if let Some(count) = changes.interval_count {
            if count == 0 {
                return Err(bad("interval_count must be positive"));
            }
            subscription.interval_count = count;
        }
        if let Some(unit) = changes.interval_unit {
            subscription.interval_unit = IntervalUnit::parse(&unit)
                .ok_or_else(|| bad("interval_unit must be one of: day, week, month, year"))?;
        }
        Ok(Json(subscription.to_json(&caller.host)))
    })
}

async fn cancel(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    sandbox.with_state(|state| {
        let account = state.account_mut(&caller.account_id)?;
        let subscription = find(account, &id)?;
        if subscription.active {
            subscription.active = false;
            subscription.canceled_at = Some(clock::rfc3339_seconds(clock::now_seconds()));
        }
        Ok(Json(subscription.to_json(&caller.host)))
    })
}

/// `POST /sandbox/subscriptions/{id}/run`: one occurrence runs; its report (the
/// subscription's package, source `recurrence`) is created and completes clear.
async fn run(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let host = super::api::host_of(&headers);
    sandbox.with_state(|state| {
        let report_id = state.ids.next();
        let account_id = state
            .accounts
            .values()
            .find(|account| {
                account
                    .subscriptions
                    .iter()
                    .any(|subscription| subscription.id == id)
            })
            .map(|account| account.id.clone())
            .ok_or(ApiError::NotFound("Subscription not found"))?;
        let kinds: Vec<_> = {
            let account = state.account(&account_id)?;
            let subscription = account
                .subscriptions
                .iter()
                .find(|subscription| subscription.id == id)
                .ok_or(ApiError::NotFound("Subscription not found"))?;
            if !subscription.active {
                return Err(ApiError::Conflict(
                    "The subscription is inactive".to_owned(),
                ));
            }
            account
                .data
                .package(&subscription.package)
                .map(|package| package.screenings.iter().map(|(kind, _)| *kind).collect())
                .unwrap_or_default()
        };
        let screening_ids: Vec<String> = kinds.iter().map(|_| state.ids.next()).collect();
        let now = clock::rfc3339_seconds(clock::now_seconds());
        let account = state.account_mut(&account_id)?;
        let subscription = find(account, &id)?;
        subscription.runs += 1;
        let subscription = subscription.clone();
        let started = StartedReport {
            id: report_id,
            candidate_id: subscription.candidate_id,
            package: subscription.package,
            source: "recurrence",
            work_locations: subscription.work_locations,
            screenings: screening_ids.into_iter().zip(kinds).collect(),
        };
        complete_at_once(state, &account_id, started, Outcome::Clear, now, &host).map(Json)
    })
}
