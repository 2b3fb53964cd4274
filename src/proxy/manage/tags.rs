//! `PUT /api/orders/{id}/tags`, and the check of tags given when ordering.

use axum::extract::{Path, State};
use axum::routing::put;
use axum::{Json, Router};
use serde::Deserialize;

use crate::domain::manage::{AuditAction, normalize_tags, tag_changes};
use crate::domain::validation::OrderDraft;
use crate::proxy::AppState;
use crate::proxy::checkr::CheckrError;
use crate::proxy::error::{ApiError, ApiJson};
use crate::proxy::identity::Identity;
use crate::proxy::orders::{OrderView, ordering_account_by_id};
use crate::proxy::store::AuditOutcome;

use super::{audit_entry, load_order};

/// The route, merged into [`super::routes`].
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/orders/{id}/tags", put(set_tags))
}

/// Refuses tags the domain rules refuse (count, length, control characters) and keeps the
/// normalised list: they come from the host page, so a 400 names the problem for its
/// developer.
pub(in crate::proxy) fn check_tags(draft: &mut OrderDraft) -> Result<(), ApiError> {
    draft.tags = normalize_tags(&draft.tags)
        .map_err(|problem| ApiError::MalformedRequest(problem.message()))?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagsRequest {
    tags: Vec<String>,
}

/// `PUT /api/orders/{id}/tags`: makes the report's tags exactly these, one Checkr call per
/// tag added or removed. Tags live on the report, so this waits for the candidate to finish.
async fn set_tags(
    State(state): State<AppState>,
    identity: Identity,
    Path(order_id): Path<String>,
    ApiJson(request): ApiJson<TagsRequest>,
) -> Result<Json<OrderView>, ApiError> {
    let wanted = normalize_tags(&request.tags)
        .map_err(|problem| ApiError::MalformedRequest(problem.message()))?;
    let account = ordering_account_by_id(&state, &identity.account_id).await?;
    let order = load_order(&state, &account, &order_id).await?;
    let report_id = order
        .folded
        .status
        .report
        .as_ref()
        .map(|report| report.id.clone())
        .or_else(|| order.report_id.clone())
        .ok_or_else(|| {
            ApiError::Conflict(
                "Tags go on the report, which Checkr creates once the candidate completes the \
                 invitation. Tags given when ordering are already on their way."
                    .to_owned(),
            )
        })?;
    let current = state.checkr.report_tags(&account.token, &report_id).await?;
    let (add, remove) = tag_changes(&current, &wanted);
    let mut applied = current.clone();
    let mut failure = None;
    for tag in &add {
        match state
            .checkr
            .add_report_tag(&account.token, &report_id, tag)
            .await
        {
            // Checkr answers with one page of the tags; the whole list is known from
            // `current` and each call, whatever the page size.
            Ok(_first_page) => applied.push(tag.clone()),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    if failure.is_none() {
        for tag in &remove {
            match state
                .checkr
                .remove_report_tag(&account.token, &report_id, tag)
                .await
            {
                Ok(_first_page) => applied.retain(|known| known != tag),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
    }
    let outcome = match &failure {
        None => AuditOutcome::Succeeded,
        Some(CheckrError::Rejected { .. }) => AuditOutcome::Refused,
        Some(_other) => AuditOutcome::Failed,
    };
    // Counts only: tags may hold an email address, which the log must not.
    let detail = format!(
        "+{} -{} of {} wanted",
        add.len(),
        remove.len(),
        wanted.len()
    );
    let entry = audit_entry(
        &state,
        &identity,
        AuditAction::Tagged,
        Some(&order.id),
        outcome,
        detail,
    );
    // What Checkr holds now is recorded even when a call failed part-way.
    let updated = state
        .store
        .set_order_tags(&account.record.id, &order.id, applied, state.now(), entry)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    state.publish(updated.clone());
    let customer = account.record.customer_type;
    match failure {
        None => Ok(Json(OrderView::new(
            &updated,
            customer,
            identity.role,
            &state,
        ))),
        Some(source) => Err(ApiError::Provider {
            source,
            order: Some(Box::new(OrderView::new(
                &updated,
                customer,
                identity.role,
                &state,
            ))),
        }),
    }
}
