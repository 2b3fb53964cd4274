//! `GET /api/orders/{id}/history` and `GET /api/audit`: the audit log for the roles that may
//! read it, as JSON pages or CSV.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::domain::manage::reads_audit;
use crate::domain::time::Timestamp;
use crate::proxy::AppState;
use crate::proxy::error::ApiError;
use crate::proxy::identity::Identity;
use crate::proxy::store::AuditRecord;

/// The routes, merged into [`super::routes`].
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{id}/history", get(order_history))
        .route("/audit", get(audit_log))
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
