//! Managing placed orders: canceling and resending invitations, and reading an order's
//! history and the account's audit log.
//!
//! Every change writes its audit row in the transaction of the change (see the store's
//! `record_cancellation` and `link_resend`); refusals change nothing and are logged alone.

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};

use crate::domain::manage::{
    AuditAction, NotCancelable, ResendPlan, cancelable, normalize_tags, reads_audit, resendable,
    tag_changes,
};
use crate::domain::time::Timestamp;
use crate::domain::validation::OrderDraft;

use super::AppState;
use super::checkr::CheckrError;
use super::error::{ApiError, ApiJson};
use super::identity::Identity;
use super::orders::{
    OrderView, OrderingAccount, ordering_account_by_id, respond, send, validate_for,
};
use super::placement::LEASE_SECONDS;
use super::store::{AuditEntry, AuditOutcome, AuditRecord, LeaseGrant, OrderRecord};

/// The routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{id}/cancel", post(cancel_order))
        .route("/orders/{id}/resend", post(resend_order))
        .route("/orders/{id}/history", get(order_history))
        .route("/orders/{id}/tags", put(set_tags))
        .route("/audit", get(audit_log))
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

/// Writes a row on its own: for refusals, which change nothing, and for order placement and
/// retries, whose store calls predate the log (a crash between the two loses the row, never
/// the order).
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

/// Logs that the caller placed (or retried) `order_id`.
pub(super) async fn note_order(
    state: &AppState,
    identity: &Identity,
    action: AuditAction,
    order_id: &str,
) {
    let entry = audit_entry(
        state,
        identity,
        action,
        Some(order_id),
        AuditOutcome::Succeeded,
        "",
    );
    append_alone(state, entry).await;
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
            &identity.user_id,
            &old.custom_id,
            old.region,
            &old.draft,
            &lease,
            &state.now(),
        )
        .await?;
    let rows = vec![
        audit_entry(
            &state,
            &identity,
            AuditAction::Resent,
            Some(&old.id),
            AuditOutcome::Succeeded,
            format!("resent as {}", order.id),
        ),
        audit_entry(
            &state,
            &identity,
            AuditAction::Ordered,
            Some(&order.id),
            AuditOutcome::Succeeded,
            format!("resend of {}", old.id),
        ),
    ];
    state
        .store
        .link_resend(&account.record.id, &old.id, &order.id, rows)
        .await?;
    tracing::info!(order = %order.id, resent_from = %old.id, "order resent");
    state.publish(order.clone());
    let placed = send(&state, account, order, lease, valid, unix_now).await?;
    respond(&state, placed, identity.role, StatusCode::CREATED)
}

#[derive(Serialize)]
struct History {
    order_id: String,
    /// The order this one was resent from, if it was.
    resent_from: Option<String>,
    entries: Vec<AuditRecord>,
}

/// `GET /api/orders/{id}/history`: admins and adjudicators only.
async fn order_history(
    State(state): State<AppState>,
    identity: Identity,
    Path(order_id): Path<String>,
) -> Result<Json<History>, ApiError> {
    if !reads_audit(identity.role) {
        return Err(ApiError::Forbidden);
    }
    let account_id = &identity.account_id;
    state
        .store
        .order(account_id, &order_id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    let entries = state.store.order_history(account_id, &order_id).await?;
    let resent_from = state.store.resent_from(account_id, &order_id).await?;
    Ok(Json(History {
        order_id,
        resent_from,
        entries,
    }))
}

/// Rows per page unless `limit` asks for fewer or more.
const DEFAULT_PAGE: i64 = 100;
/// The most rows one page carries.
const MAX_PAGE: i64 = 1_000;

/// `since`, `after` and `limit` of `GET /api/audit`.
struct AuditQuery {
    since: Timestamp,
    after: i64,
    limit: i64,
}

fn audit_query(query: &str) -> Result<AuditQuery, ApiError> {
    let mut parsed = AuditQuery {
        since: Timestamp::from_unix_seconds(0),
        after: 0,
        limit: DEFAULT_PAGE,
    };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "since" => {
                parsed.since = Timestamp::parse(&value).map_err(|_| {
                    ApiError::MalformedRequest(
                        "since must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z.".to_owned(),
                    )
                })?;
            }
            "after" => {
                parsed.after = value
                    .parse()
                    .ok()
                    .filter(|after| *after >= 0)
                    .ok_or_else(|| {
                        ApiError::MalformedRequest(
                            "after must be the `seq` of the last row already read.".to_owned(),
                        )
                    })?;
            }
            "limit" => {
                parsed.limit = value
                    .parse()
                    .ok()
                    .filter(|limit| (1..=MAX_PAGE).contains(limit))
                    .ok_or_else(|| {
                        ApiError::MalformedRequest(format!(
                            "limit must be between 1 and {MAX_PAGE}."
                        ))
                    })?;
            }
            _other => {}
        }
    }
    Ok(parsed)
}

#[derive(Serialize)]
struct AuditPage {
    entries: Vec<AuditRecord>,
    /// The next page's URL, while this page was full.
    next: Option<String>,
}

/// `GET /api/audit?since=…&after=…&limit=…`: the account's audit log, oldest first; JSON, or
/// CSV with `Accept: text/csv` (the next page then in a `Link` header). Admins and
/// adjudicators only.
async fn audit_log(
    State(state): State<AppState>,
    identity: Identity,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    if !reads_audit(identity.role) {
        return Err(ApiError::Forbidden);
    }
    let query = audit_query(query.as_deref().unwrap_or_default())?;
    let entries = state
        .store
        .audit_page(
            &identity.account_id,
            query.since.unix_seconds(),
            query.after,
            query.limit,
        )
        .await?;
    let full = i64::try_from(entries.len()).unwrap_or(i64::MAX) >= query.limit;
    let next = entries.last().filter(|_| full).map(|last| {
        let since: String =
            form_urlencoded::byte_serialize(query.since.as_str().as_bytes()).collect();
        format!(
            "/api/audit?since={since}&after={}&limit={}",
            last.seq, query.limit
        )
    });
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"));
    if wants_csv {
        let mut response = (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            audit_csv(&entries),
        )
            .into_response();
        if let Some(next) = next
            && let Ok(value) = format!("<{next}>; rel=\"next\"").parse()
        {
            response.headers_mut().insert(header::LINK, value);
        }
        return Ok(response);
    }
    Ok(Json(AuditPage { entries, next }).into_response())
}

/// One CSV field: quoted, quotes doubled, and a leading `=`, `+`, `-` or `@` defused so a
/// spreadsheet never runs a user id as a formula.
fn csv_field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

fn audit_csv(entries: &[AuditRecord]) -> String {
    let mut csv = String::from("seq,at,actor,role,action,order_id,outcome,detail\r\n");
    for record in entries {
        let entry = &record.entry;
        let fields = [
            record.seq.to_string(),
            entry.at.clone(),
            entry.actor.clone(),
            entry
                .role
                .map(|role| role.as_str())
                .unwrap_or_default()
                .to_owned(),
            entry.action.as_str().to_owned(),
            entry.order_id.clone().unwrap_or_default(),
            entry.outcome.as_str().to_owned(),
            entry.detail.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=SUM(A1)"), "\"'=SUM(A1)\"");
        assert_eq!(csv_field("ord_000001"), "\"ord_000001\"");
    }

    #[test]
    fn an_audit_query_refuses_a_bad_time_or_limit() {
        assert!(audit_query("since=yesterday").is_err());
        assert!(audit_query("limit=0").is_err());
        assert!(audit_query(&format!("limit={}", MAX_PAGE + 1)).is_err());
        let parsed = audit_query("since=2026-12-01T00:00:00Z&after=7&limit=5").unwrap();
        assert_eq!((parsed.after, parsed.limit), (7, 5));
    }
}

/// Refuses tags the domain rules refuse (count, length, control characters) and keeps the
/// normalised list: they come from the host page, so a 400 names the problem for its
/// developer.
pub(super) fn check_tags(draft: &mut OrderDraft) -> Result<(), ApiError> {
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
