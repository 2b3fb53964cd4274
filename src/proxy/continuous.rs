//! Continuous checks (C-Crim, C-MVR) for an applicant who became an employee:
//! `POST /api/candidates/{custom_id}/continuous-checks` enrols the applicant's US Checkr
//! candidate once the user confirms the employee's evergreen consent, `GET` lists the
//! enrolments, `DELETE …/{id}` unenrolls. US work locations only, as Checkr offers them.
//! Enrolling and unenrolling is for users with adjudication rights; anyone may list. Admins
//! may turn on automatic enrolment (`/api/account/continuous-checks`): Clear or engaged
//! reports enrol, adverse action unenrolls.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::continuous::{
    AutoEnrolment, CONSENT_REQUIRED, ContinuousKind, EnrolmentDraft, auto_enrolment, event_notice,
    validate_enrolment,
};
use crate::domain::validation::Region;

use super::AppState;
use super::employee_checks::{invalid, name_node, provider, us_candidate_id};
use super::error::{ApiError, ApiJson};
use super::identity::Identity;
use super::orders::ordering_account_by_id;
use super::store::OrderRecord;

/// The continuous-check routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/candidates/{custom_id}/continuous-checks",
            post(enrol).get(list),
        )
        .route(
            "/candidates/{custom_id}/continuous-checks/{id}",
            delete(unenrol),
        )
        .route(
            "/account/continuous-checks",
            get(auto_setting).put(set_auto_setting),
        )
}

/// The account's automatic enrolment, as `GET`/`PUT /api/account/continuous-checks` say it.
#[derive(Debug, Serialize)]
struct AutoSetting {
    auto_enroll: bool,
}

/// `PUT /api/account/continuous-checks`: `auto_enroll`, and when turning it on, `consent`:
/// the admin confirms the customer holds every employee's evergreen consent.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AutoSettingChange {
    auto_enroll: bool,
    #[serde(default)]
    consent: Option<bool>,
}

async fn auto_setting(
    State(state): State<AppState>,
    identity: Identity,
) -> Result<Json<AutoSetting>, ApiError> {
    Ok(Json(AutoSetting {
        auto_enroll: state.store.auto_enrolment(&identity.account_id).await?,
    }))
}

async fn set_auto_setting(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(change): ApiJson<AutoSettingChange>,
) -> Result<Response, ApiError> {
    if !identity.role.manages_account() {
        return Err(ApiError::Forbidden);
    }
    if change.auto_enroll && change.consent != Some(true) {
        return Ok(invalid(vec![("consent", CONSENT_REQUIRED)]));
    }
    state
        .store
        .set_auto_enrolment(&identity.account_id, change.auto_enroll, &state.now())
        .await?;
    tracing::info!(account = %identity.account_id, on = change.auto_enroll, "automatic continuous-check enrolment changed");
    Ok(Json(AutoSetting {
        auto_enroll: change.auto_enroll,
    })
    .into_response())
}

/// After an order changed: with automatic enrolment on, a report that ended Clear (or whose
/// candidate was engaged) enrols its US candidate in C-Crim, and adverse action unenrolls
/// every continuous check, as Checkr asks. Runs beside the webhook's answer; a failure is
/// logged and tried again at the order's next change.
pub(crate) fn after_change(state: &AppState, order: &OrderRecord) {
    let Some(action) = order.folded.status.report.as_ref().and_then(auto_enrolment) else {
        return;
    };
    let (Some(candidate_id), Region::Us) = (order.candidate_id.clone(), order.region) else {
        return;
    };
    let state = state.clone();
    let order = order.clone();
    tokio::spawn(async move {
        if let Err(error) = apply_auto(&state, &order, &candidate_id, action).await {
            tracing::warn!(order = %order.id, error = %format!("{error:#}"), "automatic continuous-check enrolment not done");
        }
    });
}

async fn apply_auto(
    state: &AppState,
    order: &OrderRecord,
    candidate_id: &str,
    action: AutoEnrolment,
) -> anyhow::Result<()> {
    if !state.store.auto_enrolment(&order.account_id).await? {
        return Ok(());
    }
    let Some(token) = state
        .store
        .account(&order.account_id)
        .await?
        .and_then(|account| account.access_token)
    else {
        return Ok(());
    };
    let listed = state
        .checkr
        .get_value(
            &token,
            &format!("/v1/candidates/{candidate_id}/continuous_checks"),
        )
        .await?;
    let enrolled: Vec<(String, Option<String>)> = listed["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some((
                        item["id"].as_str()?.to_owned(),
                        item["type"].as_str().map(str::to_owned),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    match action {
        AutoEnrolment::Enrol => {
            let kind = ContinuousKind::Criminal;
            if enrolled
                .iter()
                .any(|(_, listed)| listed.as_deref() == Some(kind.as_str()))
            {
                return Ok(());
            }
            let mut body = json!({"type": kind.as_str()});
            if let Some(node) = &order.draft.node {
                body["node"] = Value::from(node.as_str());
                body["work_locations"] = json!([order.draft.candidate.work_location]);
            }
            state
                .checkr
                .post_value(
                    &token,
                    &format!("/v1/candidates/{candidate_id}/continuous_checks"),
                    &body,
                    &uuid::Uuid::new_v4().to_string(),
                )
                .await?;
            tracing::info!(order = %order.id, "enrolled in continuous checks automatically");
        }
        AutoEnrolment::Unenroll => {
            for (id, _) in enrolled.iter().filter(|(id, _)| is_plain_id(id)) {
                state
                    .checkr
                    .delete_value(&token, &format!("/v1/continuous_checks/{id}"))
                    .await?;
                tracing::info!(order = %order.id, check = %id, "unenrolled: adverse action started");
            }
        }
    }
    Ok(())
}

/// One enrolment as the widget shows it.
#[derive(Debug, Serialize)]
struct ContinuousCheckView {
    id: String,
    #[serde(rename = "type")]
    kind: Option<ContinuousKind>,
    label: String,
    created_at: Option<String>,
    node: Option<String>,
    /// What the latest `continuous_check.*` webhook about it said, if anything.
    notice: Option<String>,
}

impl ContinuousCheckView {
    fn from_checkr(object: &Value) -> Option<Self> {
        let kind = object["type"].as_str().and_then(ContinuousKind::parse);
        Some(Self {
            id: object["id"].as_str()?.to_owned(),
            kind,
            label: kind
                .map_or("Continuous check", ContinuousKind::label)
                .to_owned(),
            created_at: object["created_at"].as_str().map(str::to_owned),
            node: object["node"].as_str().map(str::to_owned),
            notice: None,
        })
    }
}

/// Checkr's ids are hex; anything else is never put into a URL path.
fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

/// The applicant's US Checkr candidate, or why there is none to enrol.
async fn us_candidate(
    state: &AppState,
    account_id: &str,
    custom_id: &str,
) -> Result<Option<String>, ApiError> {
    if let Some(candidate) = state
        .store
        .candidate(account_id, custom_id, Region::Us)
        .await?
    {
        return Ok(Some(candidate.id));
    }
    Ok(None)
}

async fn enrol(
    State(state): State<AppState>,
    identity: Identity,
    Path(custom_id): Path<String>,
    ApiJson(draft): ApiJson<EnrolmentDraft>,
) -> Result<Response, ApiError> {
    if !identity.role.sees_reports() {
        return Err(ApiError::Forbidden);
    }
    let kind = match validate_enrolment(&draft) {
        Ok(kind) => kind,
        Err(errors) => return Ok(invalid(errors)),
    };
    let account = ordering_account_by_id(&state, &identity.account_id).await?;
    let candidate_id = us_candidate_id(
        &state,
        &account.record.id,
        &custom_id,
        "Continuous checks are for employees in US work locations only; this applicant's checks are outside the US.",
        "Order a background check for this applicant first: continuous checks enrol an existing Checkr candidate.",
    )
    .await?;
    let orders = state
        .store
        .orders_for_candidate(&account.record.id, &custom_id)
        .await?;
    let mut body = json!({"type": kind.as_str()});
    name_node(&mut body, &orders);
    let created = state
        .checkr
        .post_value(
            &account.token,
            &format!("/v1/candidates/{candidate_id}/continuous_checks"),
            &body,
            &uuid::Uuid::new_v4().to_string(),
        )
        .await
        .map_err(provider)?;
    let view = ContinuousCheckView::from_checkr(&created)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("Checkr's answer has no id")))?;
    tracing::info!(account = %account.record.id, check = %view.id, "continuous check enrolled");
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Path(custom_id): Path<String>,
) -> Result<Json<Vec<ContinuousCheckView>>, ApiError> {
    let account = ordering_account_by_id(&state, &identity.account_id).await?;
    let Some(candidate_id) = us_candidate(&state, &account.record.id, &custom_id).await? else {
        return Ok(Json(Vec::new()));
    };
    let listed = state
        .checkr
        .get_value(
            &account.token,
            &format!("/v1/candidates/{candidate_id}/continuous_checks"),
        )
        .await
        .map_err(provider)?;
    let mut views: Vec<ContinuousCheckView> = listed["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(ContinuousCheckView::from_checkr)
                .collect()
        })
        .unwrap_or_default();
    if let Some(checkr_account) = &account.record.checkr_account_id {
        for view in &mut views {
            let events = state
                .store
                .events_about(checkr_account, &view.id, "continuous_check.")
                .await?;
            view.notice = events
                .iter()
                .find_map(|(type_name, _)| event_notice(type_name))
                .map(str::to_owned);
        }
    }
    Ok(Json(views))
}

async fn unenrol(
    State(state): State<AppState>,
    identity: Identity,
    Path((custom_id, id)): Path<(String, String)>,
) -> Result<Json<ContinuousCheckView>, ApiError> {
    if !identity.role.sees_reports() {
        return Err(ApiError::Forbidden);
    }
    if !is_plain_id(&id) {
        return Err(ApiError::NotFound("continuous check"));
    }
    let account = ordering_account_by_id(&state, &identity.account_id).await?;
    let candidate_id = us_candidate(&state, &account.record.id, &custom_id)
        .await?
        .ok_or(ApiError::NotFound("continuous check"))?;
    // Only this applicant's enrolment: another employee's id is not found here.
    let current = match state
        .checkr
        .get_value(&account.token, &format!("/v1/continuous_checks/{id}"))
        .await
    {
        Ok(current) => current,
        Err(super::checkr::CheckrError::Rejected { status: 404, .. }) => {
            return Err(ApiError::NotFound("continuous check"));
        }
        Err(error) => return Err(provider(error)),
    };
    if current["candidate_id"].as_str() != Some(candidate_id.as_str()) {
        return Err(ApiError::NotFound("continuous check"));
    }
    let ended = state
        .checkr
        .delete_value(&account.token, &format!("/v1/continuous_checks/{id}"))
        .await
        .map_err(provider)?;
    let view = ContinuousCheckView::from_checkr(&ended)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("Checkr's answer has no id")))?;
    tracing::info!(account = %account.record.id, check = %view.id, "continuous check unenrolled");
    Ok(Json(view))
}
