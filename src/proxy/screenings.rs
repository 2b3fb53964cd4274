//! Screening-level statuses and results: read from Checkr's per-type screening resources
//! when report events arrive (never per page load), kept with the order, and served as
//! `GET /api/orders/{id}/screenings`, shaped for the viewer by
//! [`crate::domain::screening::shape_screenings`], with the progress line of an open report
//! ([`crate::domain::progress::progress_line`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::domain::progress::progress_line;
use crate::domain::screening::{ScreeningView, shape_screenings};
use crate::domain::view::Viewer;

use super::AppState;
use super::error::ApiError;
use super::identity::Identity;
use super::store::OrderRecord;

/// The screening routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/orders/{id}/screenings", get(order_screenings))
}

/// A report's screening ids, each with the collection it is read from.
type ScreeningIds = Vec<(&'static str, String)>;

/// Orders whose screenings are being read, each with whether another event asked for a read
/// meanwhile. One read per order at a time, so an older read can never overwrite a newer one;
/// an event during a read makes it run once more when it ends.
#[derive(Clone, Default)]
pub struct ScreeningReads {
    running: Arc<Mutex<HashMap<String, bool>>>,
    /// The screening ids the latest full event of each report carried, so reading them needs
    /// no read of the report itself. Only a bare event (or a read) leaves the report to read.
    known: Arc<Mutex<HashMap<String, ScreeningIds>>>,
}

impl ScreeningReads {
    /// Whether the caller should start a read (none is running); otherwise marks the running
    /// one to go again.
    fn begin(&self, order_id: &str) -> bool {
        let Ok(mut running) = self.running.lock() else {
            return false;
        };
        match running.get_mut(order_id) {
            Some(again) => {
                *again = true;
                false
            }
            None => {
                running.insert(order_id.to_owned(), false);
                true
            }
        }
    }

    /// Whether to read again (an event arrived during the read); otherwise ends the read.
    fn finish(&self, order_id: &str) -> bool {
        let Ok(mut running) = self.running.lock() else {
            return false;
        };
        match running.get_mut(order_id) {
            Some(again) if *again => {
                *again = false;
                true
            }
            Some(_) | None => {
                running.remove(order_id);
                false
            }
        }
    }
}

/// Notes the screening ids a report event carries (`include_object` on); called with the
/// raw body of every `report.*` webhook before it is folded.
pub(crate) fn note_report_event(state: &AppState, raw: &str) {
    let Ok(body) = serde_json::from_str::<serde_json::Value>(raw) else {
        return;
    };
    let report = &body["data"]["object"];
    let (Some(report_id), Some(_status)) = (report["id"].as_str(), report["status"].as_str())
    else {
        return;
    };
    let ids = super::checkr::screening_ids(report);
    if let Ok(mut known) = state.screening_reads.known.lock() {
        known.insert(report_id.to_owned(), ids);
    }
}

impl ScreeningReads {
    fn known_ids(&self, report_id: &str) -> Option<ScreeningIds> {
        self.known.lock().ok()?.get(report_id).cloned()
    }
}

/// The report an order is linked to, once known.
fn report_of(order: &OrderRecord) -> Option<String> {
    order
        .folded
        .status
        .report
        .as_ref()
        .map(|report| report.id.clone())
        .or_else(|| order.report_id.clone())
}

/// Reads the order's screenings in the background, once its report is known. Called for
/// every order a report event (or a read of the report) changed.
pub(crate) fn refresh_later(state: &AppState, order: &OrderRecord) {
    // Only once a report event was folded: `invitation.completed` names the report before
    // `report.created` brings its screening ids, and reading it then would cost a read.
    if order.folded.status.report.is_none() || !state.screening_reads.begin(&order.id) {
        return;
    }
    let state = state.clone();
    let order = order.clone();
    tokio::spawn(async move {
        loop {
            if let Err(error) = refresh(&state, &order).await {
                tracing::warn!(order = %order.id, error = %format!("{error:#}"), "screenings not read");
            }
            if !state.screening_reads.finish(&order.id) {
                return;
            }
        }
    });
}

async fn refresh(state: &AppState, order: &OrderRecord) -> anyhow::Result<()> {
    // The order as it stands now: a later event may have linked another report.
    let current = state
        .store
        .order(&order.account_id, &order.id)
        .await?
        .unwrap_or_else(|| order.clone());
    let Some(report_id) = report_of(&current) else {
        return Ok(());
    };
    let account = state
        .store
        .account(&current.account_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("account gone"))?;
    let Some(token) = account.access_token else {
        return Ok(());
    };
    let known = state.screening_reads.known_ids(&report_id);
    let screenings = state.checkr.screenings(&token, &report_id, known).await?;
    state
        .store
        .set_screenings(&current.id, &report_id, screenings, &state.now())
        .await?;
    // Widgets showing the list read it again when their order is sent anew.
    state.publish(current);
    Ok(())
}

/// What `GET /api/orders/{id}/screenings` answers.
#[derive(Debug, Serialize)]
struct ScreeningsAnswer {
    order_id: String,
    /// The report the screenings belong to; `null` until the candidate completes the
    /// invitation.
    report_id: Option<String>,
    /// When they were last read from Checkr; `null` while not read yet.
    fetched_at: Option<String>,
    /// Whether results are included for this viewer (segregated recruiters see statuses).
    results_shown: bool,
    /// The line under the badge while the report is open ("Waiting for the candidate's ID
    /// verification"); `null` when there is nothing to add.
    progress: Option<String>,
    screenings: Vec<ScreeningView>,
}

async fn order_screenings(
    State(state): State<AppState>,
    identity: Identity,
    Path(order_id): Path<String>,
) -> Result<Json<ScreeningsAnswer>, ApiError> {
    let account = state
        .store
        .account(&identity.account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let order = state
        .store
        .order(&account.id, &order_id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    let viewer = Viewer {
        role: identity.role,
        customer: account.customer_type,
    };
    let report_id = report_of(&order);
    let cached = state
        .store
        .screenings(&order.id)
        .await?
        .filter(|cached| Some(&cached.report_id) == report_id.as_ref());
    // Nothing kept for the current report: a read failed or the order predates it. Reading
    // it again is left to the background, once; this answer does not wait for Checkr.
    if cached.is_none() && report_id.is_some() {
        refresh_later(&state, &order);
    }
    let verifications = state.store.verifications(&order.id).await?;
    let report_status = order
        .folded
        .status
        .report
        .as_ref()
        .map(|report| report.status);
    let (fetched_at, kept) = cached.map_or((None, Vec::new()), |cached| {
        (Some(cached.fetched_at), cached.screenings)
    });
    let progress = progress_line(report_status, &verifications, &kept);
    let screenings = shape_screenings(&kept, viewer);
    Ok(Json(ScreeningsAnswer {
        order_id: order.id,
        report_id,
        fetched_at,
        results_shown: viewer.reads_results(),
        progress,
        screenings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_during_a_read_makes_it_run_once_more() {
        let reads = ScreeningReads::default();
        assert!(reads.begin("o1"));
        assert!(!reads.begin("o1"), "a second read of the same order waits");
        assert!(!reads.begin("o1"));
        assert!(
            reads.finish("o1"),
            "the events during the read ask for one more"
        );
        assert!(!reads.finish("o1"));
        assert!(
            reads.begin("o1"),
            "after the end, the next event starts a read"
        );
    }
}
