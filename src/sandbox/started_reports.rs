//! Reports Checkr starts by itself, for a continuous check or a subscription: the control
//! routes create one with its screenings, complete it at once and announce both steps.

use serde_json::{Value, json};

use super::error::ApiError;
use super::model::{
    Outcome, Report, ReportStatus, Screening, ScreeningKind, ScreeningStatus, WorkLocation,
};
use super::state::State;

/// What a report Checkr starts by itself is made of.
pub(crate) struct StartedReport {
    pub(crate) id: String,
    pub(crate) candidate_id: String,
    pub(crate) package: String,
    /// Checkr's `source`, which says what started it.
    pub(crate) source: &'static str,
    pub(crate) work_locations: Vec<WorkLocation>,
    /// Each screening's id and kind.
    pub(crate) screenings: Vec<(String, ScreeningKind)>,
}

/// Adds `started` and its screenings to the account, all completed with `outcome` at `now`,
/// and emits `report.created` and `report.completed`; answers with the completed report and
/// the events, as the control routes do.
pub(crate) fn complete_at_once(
    state: &mut State,
    account_id: &str,
    started: StartedReport,
    outcome: Outcome,
    now: String,
    host: &str,
) -> Result<Value, ApiError> {
    let account = state.account_mut(account_id)?;
    let mut screening_ids = Vec::with_capacity(started.screenings.len());
    for (id, kind) in started.screenings {
        let mut screening = Screening {
            id: id.clone(),
            kind,
            status: ScreeningStatus::Pending,
            result: None,
            created_at: now.clone(),
            completed_at: None,
            cancellation_reason: None,
            cancellation_reason_description: None,
        };
        screening.complete(outcome, &now);
        account.screenings.push(screening);
        screening_ids.push(id);
    }
    let mut report = Report {
        id: started.id,
        candidate_id: started.candidate_id,
        package: started.package,
        source: started.source,
        status: ReportStatus::Pending,
        result: None,
        adjudication: None,
        assessment: None,
        includes_canceled: false,
        created_at: now.clone(),
        completed_at: None,
        estimated_completion_time: None,
        work_locations: started.work_locations,
        tags: Vec::new(),
        screening_ids,
    };
    let created = account.report_json(&report, host);
    report.status = ReportStatus::Complete;
    report.result = Some(outcome);
    report.completed_at = Some(now);
    let completed = account.report_json(&report, host);
    account.reports.push(report);
    let events = vec![
        state.emit(account_id, "report.created", created),
        state.emit(account_id, "report.completed", completed.clone()),
    ];
    Ok(json!({"report": completed, "events": events}))
}
