//! Ordering through KarmaCheck: the account's packages, case creation, the 409 choice
//! (add another case or replace the existing one, as `orderOverride` allows), retries, and an
//! applicant's cases with the badge the case lifecycle gives them.
//!
//! KarmaCheck documents no idempotency key, so a create whose answer was lost cannot be
//! replayed safely: the order is marked failed, and sending it again either creates the case
//! or meets KarmaCheck's 409 for the email, which the user then settles with the choice.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::domain::badge::Badge;
use crate::domain::karmacheck::{CaseState, OverallStatus, overall_status};
use crate::domain::karmacheck_order::{
    CaseOrderDraft, CaseStep, case_order_badge, validate_case_draft,
};

use super::super::AppState;
use super::super::error::{AccountProblem, ApiError, ApiJson};
use super::super::identity::Identity;
use super::super::store::{CaseDraft, CaseOrder, CaseRead, Failure, KarmaCheckConnection};
use super::client::{KarmaCheckError, Package};

/// The ordering routes, under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/karmacheck/packages", get(packages))
        .route("/karmacheck/orders", post(create))
        .route("/karmacheck/orders/{id}/retry", post(retry))
        .route(
            "/karmacheck/candidates/{custom_id}/orders",
            get(candidate_orders),
        )
}

/// How long an order may stay `Sending` before it is taken for a sender that died: well past
/// the client's request timeout.
const SENDING_STALE_SECONDS: i64 = 120;

/// Orders `Sending` since before this (RFC 3339) may be sent again.
fn stale_before(state: &AppState) -> String {
    let now = i64::try_from(state.clock().now()).unwrap_or(i64::MAX);
    crate::domain::time::Timestamp::from_unix_seconds(now - SENDING_STALE_SECONDS)
        .as_str()
        .to_owned()
}

/// A KarmaCheck order as the widget shows it.
#[derive(Debug, Serialize)]
pub struct CaseOrderView {
    id: String,
    provider: &'static str,
    custom_id: String,
    package_id: String,
    step: CaseStep,
    can_retry: bool,
    /// KarmaCheck already has a case for this email: the user chooses `add` or `replace`.
    needs_override: bool,
    failure: Option<Failure>,
    case_id: Option<String>,
    badge: Badge,
    /// The seed's overall status, once the case has been read.
    overall_status: Option<OverallStatus>,
    case_state: Option<CaseState>,
    attempts: u32,
    ordered_by: String,
    created_at: String,
    updated_at: String,
}

impl CaseOrderView {
    /// The order as every role may see it (KarmaCheck orders carry no report link);
    /// `stale_before` tells an order whose sender died from one being sent.
    pub fn new(order: &CaseOrder, stale_before: &str) -> Self {
        Self {
            id: order.id.clone(),
            provider: "karmacheck",
            custom_id: order.custom_id.clone(),
            package_id: order.draft.package_id.clone(),
            step: order.step,
            can_retry: order.step.can_retry()
                || (order.step == CaseStep::Sending && order.updated_at.as_str() < stale_before),
            needs_override: order.step == CaseStep::DuplicateEmail,
            failure: order.failure.clone(),
            case_id: order.case_id.clone(),
            badge: case_order_badge(order.step, order.overall),
            overall_status: order.overall,
            case_state: order.case_state,
            attempts: order.attempts,
            ordered_by: order.ordered_by.clone(),
            created_at: order.created_at.clone(),
            updated_at: order.updated_at.clone(),
        }
    }
}

/// The caller's KarmaCheck connection, or why the account cannot order through KarmaCheck.
async fn connection(
    state: &AppState,
    identity: &Identity,
) -> Result<KarmaCheckConnection, ApiError> {
    state
        .store
        .karmacheck_connection(&identity.account_id)
        .await?
        .ok_or(ApiError::AccountNotReady(AccountProblem::NotConnected))
}

async fn package_list(
    state: &AppState,
    connection: &KarmaCheckConnection,
) -> Result<Vec<Package>, ApiError> {
    Ok(state
        .karmacheck
        .packages(&connection.account_id, &connection.credentials)
        .await?)
}

/// `GET /api/karmacheck/packages`.
async fn packages(
    State(state): State<AppState>,
    identity: Identity,
) -> Result<Json<Vec<Package>>, ApiError> {
    let connection = connection(&state, &identity).await?;
    Ok(Json(package_list(&state, &connection).await?))
}

/// `POST /api/karmacheck/orders`.
async fn create(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(draft): ApiJson<CaseOrderDraft>,
) -> Result<Response, ApiError> {
    let connection = connection(&state, &identity).await?;
    let packages = package_list(&state, &connection).await?;
    let ids: Vec<&str> = packages.iter().map(|package| package.id.as_str()).collect();
    validate_case_draft(&draft, &ids).map_err(ApiError::Invalid)?;
    let stored = CaseDraft {
        package_id: draft.package_id.trim().to_owned(),
        email: draft.email.trim().to_owned(),
        given_name: draft.first_name.trim().to_owned(),
        family_name: draft.last_name.trim().to_owned(),
        middle_name: draft
            .middle_name
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty()),
        phone: draft
            .phone
            .map(|phone| phone.trim().to_owned())
            .filter(|phone| !phone.is_empty()),
    };
    let order = state
        .store
        .insert_case_order(
            &identity.account_id,
            &identity.user_id,
            draft.custom_id.trim(),
            &stored,
            &state.now(),
        )
        .await?;
    tracing::info!(order = %order.id, "KarmaCheck order created");
    send(&state, &connection, order, None, StatusCode::CREATED).await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RetryRequest {
    /// `add` or `replace`, the user's choice after KarmaCheck's 409.
    #[serde(default)]
    order_override: Option<String>,
}

/// `POST /api/karmacheck/orders/{id}/retry`.
async fn retry(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // The body is optional: a plain retry sends none.
    let request: RetryRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RetryRequest::default()
    } else {
        serde_json::from_slice::<Option<RetryRequest>>(&body)
            .map_err(|error| ApiError::MalformedRequest(format!("not a retry request: {error}")))?
            .unwrap_or_default()
    };
    let order_override = match request.order_override.as_deref() {
        None => None,
        Some(mode @ ("add" | "replace")) => Some(mode),
        Some(_) => {
            return Err(ApiError::MalformedRequest(
                "order_override is add (another case beside the existing one) or replace \
                 (cancel the existing case)"
                    .to_owned(),
            ));
        }
    };
    let connection = connection(&state, &identity).await?;
    let existing = state
        .store
        .case_order(&identity.account_id, &id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    if existing.step == CaseStep::DuplicateEmail && order_override.is_none() {
        return Err(ApiError::Conflict(
            "KarmaCheck already has a case for this email: choose add (another case) or \
             replace (cancel the existing case)"
                .to_owned(),
        ));
    }
    let order = state
        .store
        .claim_case_order(
            &identity.account_id,
            &id,
            &stale_before(&state),
            &state.now(),
        )
        .await?
        .ok_or_else(|| {
            ApiError::Conflict("this order is being sent or already has a case".to_owned())
        })?;
    send(&state, &connection, order, order_override, StatusCode::OK).await
}

/// Creates the case, reads it once, and records the outcome on the order.
async fn send(
    state: &AppState,
    connection: &KarmaCheckConnection,
    mut order: CaseOrder,
    order_override: Option<&str>,
    success: StatusCode,
) -> Result<Response, ApiError> {
    let created = state
        .karmacheck
        .create_case(
            &connection.account_id,
            &connection.credentials,
            &order.draft,
            order_override,
        )
        .await;
    order.updated_at = state.now();
    match created {
        Ok(created) => {
            order.step = CaseStep::Created;
            order.case_id = Some(created.case_id.clone());
            order.failure = None;
            // The status comes from the case itself; a failed read leaves "Invitation sent"
            // until the first webhook reads it again.
            if let Ok(record) = state
                .karmacheck
                .read_case(
                    &connection.account_id,
                    &connection.credentials,
                    &created.case_id,
                )
                .await
                && let Ok(read) = case_read(&record)
            {
                order.case_state = Some(read.state);
                order.overall = Some(read.overall);
                order.read_stamp = Some(read.stamp);
            }
            state.store.save_case_order(&order).await?;
            state.wake_ats_webhooks();
            Ok((
                success,
                Json(CaseOrderView::new(&order, &stale_before(state))),
            )
                .into_response())
        }
        Err(error) => {
            let duplicate = matches!(error, KarmaCheckError::Rejected { status: 409, .. });
            order.step = if duplicate {
                CaseStep::DuplicateEmail
            } else {
                CaseStep::Failed
            };
            order.failure = Some(Failure {
                status: error.status(),
                message: error.to_string(),
            });
            state.store.save_case_order(&order).await?;
            state.wake_ats_webhooks();
            tracing::warn!(order = %order.id, status = ?error.status(), "KarmaCheck refused or failed a case");
            Ok(failed(&error, duplicate, &order, &stale_before(state)))
        }
    }
}

/// The API's error shape, with the order as kept so it can be sent again.
fn failed(
    error: &KarmaCheckError,
    duplicate: bool,
    order: &CaseOrder,
    stale_before: &str,
) -> Response {
    let (status, code) = if duplicate {
        (StatusCode::CONFLICT, "karmacheck_duplicate_email")
    } else {
        super::account::status_and_code(error)
    };
    let message = if duplicate {
        "KarmaCheck already has a case for this email in this account. Add another case beside \
         it, or replace it (the existing case is canceled)."
            .to_owned()
    } else {
        error.to_string()
    };
    let body = serde_json::json!({
        "code": code,
        "message": message,
        "provider": error.status().map(|status| serde_json::json!({
            "status": status,
            "message": error.to_string(),
        })),
        "order": CaseOrderView::new(order, stale_before),
    });
    (status, Json(body)).into_response()
}

/// A case as read, mapped by the domain: the overall status always comes from the four
/// attributes, so a reversal (Placed back to Needs review) is shown as it happens.
pub(super) fn case_read(record: &super::client::CaseRecord) -> anyhow::Result<CaseRead> {
    let state = record.state()?;
    let overall = overall_status(&state)?;
    Ok(CaseRead {
        state,
        overall,
        stamp: record.mod_stamp.clone().unwrap_or_default(),
    })
}

/// `GET /api/karmacheck/candidates/{custom_id}/orders`: newest first.
async fn candidate_orders(
    State(state): State<AppState>,
    identity: Identity,
    Path(custom_id): Path<String>,
) -> Result<Json<Vec<CaseOrderView>>, ApiError> {
    let orders = state
        .store
        .case_orders_for_candidate(&identity.account_id, &custom_id)
        .await?;
    let stale = stale_before(&state);
    Ok(Json(
        orders
            .iter()
            .map(|order| CaseOrderView::new(order, &stale))
            .collect(),
    ))
}
