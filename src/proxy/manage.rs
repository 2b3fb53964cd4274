//! Managing placed orders: canceling and resending invitations here, an order's history and
//! the account's audit log in [`audit`], report tags in [`tags`].
//!
//! Every change writes its audit row in the transaction of the change (see the store's
//! `insert_order`, `claim_order`, `record_cancellation` and `set_order_tags`); refusals change nothing and
//! are logged alone.

mod audit;
mod tags;

pub(super) use tags::check_tags;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;

use crate::domain::manage::{AuditAction, NotCancelable, ResendPlan, cancelable, resendable};

use super::AppState;
use super::checkr::CheckrError;
use super::error::ApiError;
use super::identity::Identity;
use super::orders::{
    OrderView, OrderingAccount, ordering_account_by_id, respond, send, validate_for,
};
use super::placement::LEASE_SECONDS;
use super::store::{AuditEntry, AuditOutcome, LeaseGrant, OrderOrigin, OrderRecord};

/// The routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{id}/cancel", post(cancel_order))
        .route("/orders/{id}/resend", post(resend_order))
        .merge(audit::routes())
        .merge(tags::routes())
}

/// An audit row about `order` by the caller, as of now.
pub(super) fn audit_entry(
    state: &AppState,
    identity: &Identity,
    action: AuditAction,
    order_id: Option<&str>,
    outcome: AuditOutcome,
    detail: impl Into<String>,
) -> AuditEntry {
    AuditEntry {
        at: state.now(),
        account_id: identity.account_id.clone(),
        actor: identity.user_id.clone(),
        role: Some(identity.role),
        action,
        order_id: order_id.map(str::to_owned),
        outcome,
        detail: detail.into(),
    }
}

/// Writes a row on its own: for refusals, which change nothing.
async fn append_alone(state: &AppState, entry: AuditEntry) {
    if let Err(error) = state.store.append_audit(entry).await {
        tracing::warn!(error = %format!("{error:#}"), "audit row not written");
    }
}

/// Logs that an admin unlinked the account from Checkr.
pub(super) async fn note_unlinked(state: &AppState, identity: &Identity) {
    let entry = audit_entry(
        state,
        identity,
        AuditAction::Disconnected,
        None,
        AuditOutcome::Succeeded,
        "",
    );
    append_alone(state, entry).await;
}

/// The audit row of `action` on an order by the caller, as of now; the store writes it in
/// the transaction of the change, with the order's id.
pub(super) fn order_audit(
    state: &AppState,
    identity: &Identity,
    action: AuditAction,
) -> AuditEntry {
    audit_entry(state, identity, action, None, AuditOutcome::Succeeded, "")
}

/// The audit row of the proxy resuming an order left on its way (a crash, a restart).
pub(super) fn resume_audit(state: &AppState, account_id: &str) -> AuditEntry {
    AuditEntry {
        at: state.now(),
        account_id: account_id.to_owned(),
        actor: "proxy".to_owned(),
        role: None,
        action: AuditAction::Retried,
        order_id: None,
        outcome: AuditOutcome::Succeeded,
        detail: "resumed after an interruption".to_owned(),
    }
}

async fn load_order(
    state: &AppState,
    account: &OrderingAccount,
    order_id: &str,
) -> Result<OrderRecord, ApiError> {
    state
        .store
        .order(&account.record.id, order_id)
        .await?
        .ok_or(ApiError::NotFound("order"))
}

/// Why Checkr refused a cancellation, for the user: an invitation that stopped being pending
/// between the last webhook and this call is the usual cause.
fn refused_cancel(error: CheckrError) -> ApiError {
    match error {
        CheckrError::Rejected {
            status: 400 | 404,
            message,
        } => ApiError::Conflict(format!(
            "Checkr did not cancel the invitation because it is no longer pending ({message}). \
             Refresh to see where it stands."
        )),
        other => ApiError::from(other),
    }
}

/// Cancels `invitation_id` at Checkr and folds the answer into the order, with its audit row.
async fn cancel_at_checkr(
    state: &AppState,
    account: &OrderingAccount,
    identity: &Identity,
    order: &OrderRecord,
    invitation_id: &str,
    action: AuditAction,
) -> Result<OrderRecord, ApiError> {
    let canceled = match state
        .checkr
        .cancel_invitation(&account.token, invitation_id)
        .await
    {
        Ok(canceled) => canceled,
        Err(error) => {
            let outcome = if matches!(error, CheckrError::Rejected { .. }) {
                AuditOutcome::Refused
            } else {
                AuditOutcome::Failed
            };
            let detail = format!("Checkr answered {}", error.status().unwrap_or(0));
            append_alone(
                state,
                audit_entry(state, identity, action, Some(&order.id), outcome, detail),
            )
            .await;
            return Err(refused_cancel(error));
        }
    };
    let entry = audit_entry(
        state,
        identity,
        AuditAction::Canceled,
        Some(&order.id),
        AuditOutcome::Succeeded,
        format!("invitation {invitation_id}"),
    );
    let updated = state
        .store
        .record_cancellation(&account.record.id, &order.id, canceled, state.now(), entry)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    tracing::info!(order = %updated.id, "invitation canceled");
    state.publish(updated.clone());
    Ok(updated)
}

async fn refuse(
    state: &AppState,
    identity: &Identity,
    action: AuditAction,
    order_id: &str,
    why: NotCancelable,
) -> ApiError {
    append_alone(
        state,
        audit_entry(
            state,
            identity,
            action,
            Some(order_id),
            AuditOutcome::Refused,
            format!("{why:?}"),
        ),
    )
    .await;
    ApiError::Conflict(why.message().to_owned())
}

/// `POST /api/orders/{id}/cancel`: cancels the order's pending invitation.
async fn cancel_order(
    State(state): State<AppState>,
    identity: Identity,
    Path(order_id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let account = ordering_account_by_id(&state, &identity.account_id).await?;
    let order = load_order(&state, &account, &order_id).await?;
    let invitation_id = match cancelable(
        order.step,
        order.invitation_id.as_deref(),
        &order.folded.status,
    ) {
        Ok(id) => id,
        Err(why) => {
            return Err(refuse(&state, &identity, AuditAction::Canceled, &order.id, why).await);
        }
    };
    let updated = cancel_at_checkr(
        &state,
        &account,
        &identity,
        &order,
        &invitation_id,
        AuditAction::Canceled,
    )
    .await?;
    let customer = account.record.customer_type;
    Ok(Json(OrderView::new(
        &updated,
        customer,
        identity.role,
        &state,
    )))
}

/// `POST /api/orders/{id}/resend`: cancels the invitation if it is still pending, then
/// invites the same candidate again for the same package, node and work location, as a new
/// order linked to this one. Checkr has no resend of its own.
async fn resend_order(
    State(state): State<AppState>,
    identity: Identity,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let account = ordering_account_by_id(&state, &identity.account_id).await?;
    let old = load_order(&state, &account, &order_id).await?;
    let plan = match resendable(old.step, old.invitation_id.as_deref(), &old.folded.status) {
        Ok(plan) => plan,
        Err(why) => return Err(refuse(&state, &identity, AuditAction::Resent, &old.id, why).await),
    };
    // Checked before anything is canceled: a package or node the account no longer offers
    // would leave the candidate with no invitation at all.
    let valid = validate_for(&state, &account, &old).await?;
    match plan {
        ResendPlan::CancelThenInvite(invitation_id) => {
            cancel_at_checkr(
                &state,
                &account,
                &identity,
                &old,
                &invitation_id,
                AuditAction::Resent,
            )
            .await?;
        }
        ResendPlan::Invite => {}
    }
    let unix_now = super::unix_seconds();
    let lease = LeaseGrant::new(unix_now, LEASE_SECONDS);
    let order = state
        .store
        .insert_order(
            &account.record.id,
            &OrderOrigin {
                ordered: audit_entry(
                    &state,
                    &identity,
                    AuditAction::Ordered,
                    None,
                    AuditOutcome::Succeeded,
                    "",
                ),
                resent_from: Some(old.id.clone()),
            },
            &old.custom_id,
            old.region,
            &old.draft,
            &lease,
            &state.now(),
        )
        .await?;
    tracing::info!(order = %order.id, resent_from = %old.id, "order resent");
    state.publish(order.clone());
    let placed = send(&state, account, order, lease, valid, unix_now).await?;
    respond(&state, placed, identity.role, StatusCode::CREATED)
}
