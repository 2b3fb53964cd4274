//! Subscriptions: an employee's package re-run at an interval (US only), through Checkr's
//! `/v1/subscriptions`. `POST /api/candidates/{custom_id}/subscriptions` creates one for the
//! applicant's US Checkr candidate, `GET` lists them with their next run, `POST …/{id}`
//! changes the interval or start, `DELETE …/{id}` cancels. Creating, changing and canceling
//! take adjudication rights; anyone may list. Reports they produce join the applicant's
//! orders (see [`super::monitoring`]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::domain::subscription::{Day, IntervalUnit, SubscriptionDraft, validate_subscription};

use super::AppState;
use super::employee_checks::{invalid, name_node, provider, us_candidate_id};
use super::error::{ApiError, ApiJson};
use super::identity::Identity;
use super::orders::ordering_account_by_id;

/// The subscription routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/candidates/{custom_id}/subscriptions",
            post(create).get(list),
        )
        .route(
            "/candidates/{custom_id}/subscriptions/{id}",
            post(update).delete(cancel),
        )
}

/// One subscription as the widget shows it.
#[derive(Debug, Serialize)]
struct SubscriptionView {
    id: String,
    status: Option<String>,
    package: Option<String>,
    interval_count: Option<u64>,
    interval_unit: Option<String>,
    start_date: Option<String>,
    next_occurrence_date: Option<String>,
    canceled_at: Option<String>,
}

impl SubscriptionView {
    fn from_checkr(object: &Value) -> Option<Self> {
        let text = |key: &str| object[key].as_str().map(str::to_owned);
        Some(Self {
            id: text("id")?,
            status: text("status"),
            package: text("package"),
            interval_count: object["interval_count"].as_u64(),
            interval_unit: text("interval_unit"),
            start_date: text("start_date"),
            next_occurrence_date: text("next_occurrence_date"),
            canceled_at: text("canceled_at"),
        })
    }
}

fn today() -> Day {
    Day::of_unix_seconds(super::unix_seconds())
}

fn view_of(object: &Value) -> Result<SubscriptionView, ApiError> {
    SubscriptionView::from_checkr(object)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("Checkr's answer has no id")))
}

async fn create(
    State(state): State<AppState>,
    identity: Identity,
    Path(custom_id): Path<String>,
    ApiJson(draft): ApiJson<SubscriptionDraft>,
) -> Result<Response, ApiError> {
    if !identity.role.sees_reports() {
        return Err(ApiError::Forbidden);
    }
    let valid = match validate_subscription(&draft, today()) {
        Ok(valid) => valid,
        Err(errors) => return Ok(invalid(errors)),
    };
    let account = ordering_account_by_id(&state, &identity.account_id).await?;
    let candidate_id = us_candidate_id(
        &state,
        &account.record.id,
        &custom_id,
        "Subscriptions are for employees in US work locations only; this applicant's checks are outside the US.",
        "Order a background check for this applicant first: a subscription re-runs a package for an existing Checkr candidate.",
    )
    .await?;
    let orders = state
        .store
        .orders_for_candidate(&account.record.id, &custom_id)
        .await?;
    let mut body = json!({
        "package": valid.package,
        "candidate_id": candidate_id,
        "start_date": valid.start_date.to_iso(),
        "interval_count": valid.interval_count,
        "interval_unit": valid.interval_unit.as_str(),
    });
    name_node(&mut body, &orders);
    let created = state
        .checkr
        .post_value(
            &account.token,
            "/v1/subscriptions",
            &body,
            &uuid::Uuid::new_v4().to_string(),
        )
        .await
        .map_err(provider)?;
    let view = view_of(&created)?;
    state
        .store
        .record_subscription(&account.record.id, &custom_id, &view.id, &state.now())
        .await?;
    tracing::info!(account = %account.record.id, subscription = %view.id, "subscription created");
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Path(custom_id): Path<String>,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    let account = ordering_account_by_id(&state, &identity.account_id).await?;
    let ids = state
        .store
        .subscription_ids(&account.record.id, &custom_id)
        .await?;
    let mut views = Vec::new();
    for id in ids {
        let object = state
            .checkr
            .get_value(&account.token, &format!("/v1/subscriptions/{id}"))
            .await
            .map_err(provider)?;
        views.push(view_of(&object)?);
    }
    Ok(Json(views))
}

/// The subscription `id` if it was made for this applicant; `NotFound` otherwise.
async fn own(
    state: &AppState,
    identity: &Identity,
    custom_id: &str,
    id: &str,
) -> Result<super::orders::OrderingAccount, ApiError> {
    if !identity.role.sees_reports() {
        return Err(ApiError::Forbidden);
    }
    let account = ordering_account_by_id(state, &identity.account_id).await?;
    let ids = state
        .store
        .subscription_ids(&account.record.id, custom_id)
        .await?;
    if ids.iter().any(|known| known == id) {
        Ok(account)
    } else {
        Err(ApiError::NotFound("subscription"))
    }
}

/// `POST …/subscriptions/{id}`: any of `start_date`, `interval_count`, `interval_unit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Changes {
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    interval_count: Option<u32>,
    #[serde(default)]
    interval_unit: Option<String>,
}

async fn update(
    State(state): State<AppState>,
    identity: Identity,
    Path((custom_id, id)): Path<(String, String)>,
    ApiJson(changes): ApiJson<Changes>,
) -> Result<Response, ApiError> {
    let account = own(&state, &identity, &custom_id, &id).await?;
    let mut errors = Vec::new();
    let mut body = Map::new();
    if let Some(text) = &changes.start_date {
        match Day::parse(text) {
            Some(day) if day >= today() => {
                body.insert("start_date".to_owned(), Value::from(day.to_iso()));
            }
            Some(_) => errors.push(("start_date", "The first run cannot be in the past.")),
            None => errors.push(("start_date", "Give the first run's date as YYYY-MM-DD.")),
        }
    }
    if let Some(count) = changes.interval_count {
        if (1..=crate::domain::subscription::MAX_INTERVAL_COUNT).contains(&count) {
            body.insert("interval_count".to_owned(), Value::from(count));
        } else {
            errors.push(("interval_count", "Give how often, from 1 to 365."));
        }
    }
    if let Some(unit) = &changes.interval_unit {
        match IntervalUnit::parse(unit) {
            Some(unit) => {
                body.insert("interval_unit".to_owned(), Value::from(unit.as_str()));
            }
            None => errors.push(("interval_unit", "Choose days, weeks, months or years.")),
        }
    }
    if !errors.is_empty() {
        return Ok(invalid(errors));
    }
    let updated = state
        .checkr
        .post_value(
            &account.token,
            &format!("/v1/subscriptions/{id}"),
            &Value::Object(body),
            &uuid::Uuid::new_v4().to_string(),
        )
        .await
        .map_err(provider)?;
    Ok(Json(view_of(&updated)?).into_response())
}

async fn cancel(
    State(state): State<AppState>,
    identity: Identity,
    Path((custom_id, id)): Path<(String, String)>,
) -> Result<Json<SubscriptionView>, ApiError> {
    let account = own(&state, &identity, &custom_id, &id).await?;
    let ended = state
        .checkr
        .delete_value(&account.token, &format!("/v1/subscriptions/{id}"))
        .await
        .map_err(provider)?;
    tracing::info!(account = %account.record.id, subscription = %id, "subscription canceled");
    Ok(Json(view_of(&ended)?))
}
