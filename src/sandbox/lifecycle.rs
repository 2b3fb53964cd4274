//! The lifecycle driver: one step per row of Checkr's webhook table, keeping the invitation,
//! report and screenings consistent and recording the events each step emits.

use serde::Deserialize;
use serde_json::Value;

use super::clock;
use super::error::ApiError;
use super::model::{
    Adjudication, IdGen, InvitationStatus, Outcome, Report, ReportStatus, Screening,
    ScreeningStatus,
};
use super::state::{Account, State};

/// A lifecycle step the control API can drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Step {
    InvitationCompleted,
    InvitationExpired,
    InvitationDeleted,
    ReportEta,
    ReportClear,
    ReportClearWithCanceled,
    ReportAllCanceledOnComplete,
    ReportConsider,
    ReportPreAdverseAction,
    ReportPostAdverseAction,
    ReportEngaged,
    ReportSuspended,
    ReportResumed,
    ReportDisputed,
    ReportCanceled,
    ReportAssessCompleted,
}

impl Step {
    /// The name the control API accepts.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::InvitationCompleted => "invitation_completed",
            Self::InvitationExpired => "invitation_expired",
            Self::InvitationDeleted => "invitation_deleted",
            Self::ReportEta => "report_eta",
            Self::ReportClear => "report_clear",
            Self::ReportClearWithCanceled => "report_clear_with_canceled",
            Self::ReportAllCanceledOnComplete => "report_all_canceled_on_complete",
            Self::ReportConsider => "report_consider",
            Self::ReportPreAdverseAction => "report_pre_adverse_action",
            Self::ReportPostAdverseAction => "report_post_adverse_action",
            Self::ReportEngaged => "report_engaged",
            Self::ReportSuspended => "report_suspended",
            Self::ReportResumed => "report_resumed",
            Self::ReportDisputed => "report_disputed",
            Self::ReportCanceled => "report_canceled",
            Self::ReportAssessCompleted => "report_assess_completed",
        }
    }
}

/// Where an invitation stands, folding `deleted_at` in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InvitationPhase {
    Pending,
    Completed,
    Expired,
    Deleted,
}

/// The parts of a report a step's precondition looks at.
#[derive(Clone, Copy, Debug)]
struct ReportView {
    status: ReportStatus,
    result: Option<Outcome>,
    adjudication: Option<Adjudication>,
    any_processed: bool,
}

/// What a step did: the objects after it and the event envelopes it emitted.
pub(crate) struct StepOutcome {
    pub(crate) invitation: Value,
    pub(crate) report: Option<Value>,
    pub(crate) events: Vec<Value>,
}

const FRESH_REPORT: ReportView = ReportView {
    status: ReportStatus::Pending,
    result: None,
    adjudication: None,
    any_processed: false,
};

/// Runs `step` on the invitation `invitation_id` (in whichever account holds it).
pub(crate) fn apply(
    state: &mut State,
    invitation_id: &str,
    step: Step,
    eta: Option<String>,
    host: &str,
) -> Result<StepOutcome, ApiError> {
    let account_id = state
        .accounts
        .values()
        .find(|account| account.invitation(invitation_id).is_some())
        .map(|account| account.id.clone())
        .ok_or(ApiError::NotFound("Invitation not found"))?;
    if let Some(eta) = &eta
        && crate::domain::time::Timestamp::parse(eta).is_err()
    {
        return Err(ApiError::BadRequest(format!(
            "eta is not an RFC 3339 timestamp: {eta}"
        )));
    }
    let State { accounts, ids, .. } = &mut *state;
    let account = accounts
        .get_mut(&account_id)
        .ok_or(ApiError::NotFound("Invitation not found"))?;
    let mut emitted = Vec::new();
    drive(account, ids, invitation_id, step, eta, host, &mut emitted)?;
    let events = emitted
        .into_iter()
        .map(|(event_type, object)| state.emit(&account_id, event_type, object))
        .collect();
    let account = state.account(&account_id)?;
    let invitation = account
        .invitation(invitation_id)
        .ok_or(ApiError::NotFound("Invitation not found"))?;
    let report = invitation
        .report_id
        .as_deref()
        .and_then(|id| account.report(id))
        .map(|report| account.report_json(report, host));
    Ok(StepOutcome {
        invitation: invitation.to_json(host),
        report,
        events,
    })
}

fn conflict(step: Step, why: &str) -> ApiError {
    ApiError::Conflict(format!("Step {} is not possible: {why}", step.as_str()))
}

fn phase(account: &Account, invitation_id: &str) -> Result<InvitationPhase, ApiError> {
    let invitation = account
        .invitation(invitation_id)
        .ok_or(ApiError::NotFound("Invitation not found"))?;
    Ok(match (invitation.deleted_at.is_some(), invitation.status) {
        (true, _) => InvitationPhase::Deleted,
        (false, InvitationStatus::Pending) => InvitationPhase::Pending,
        (false, InvitationStatus::Completed) => InvitationPhase::Completed,
        (false, InvitationStatus::Expired) => InvitationPhase::Expired,
    })
}

type Emitted = Vec<(&'static str, Value)>;

fn drive(
    account: &mut Account,
    ids: &mut IdGen,
    invitation_id: &str,
    step: Step,
    eta: Option<String>,
    host: &str,
    emitted: &mut Emitted,
) -> Result<(), ApiError> {
    let now = clock::rfc3339_seconds(clock::now_seconds());
    let phase = phase(account, invitation_id)?;
    match step {
        Step::InvitationCompleted | Step::InvitationExpired | Step::InvitationDeleted => {
            if phase != InvitationPhase::Pending {
                return Err(conflict(step, "the invitation is no longer pending"));
            }
            if step == Step::InvitationCompleted {
                return complete_invitation(account, ids, invitation_id, &now, host, emitted);
            }
            let invitation = invitation_mut(account, invitation_id)?;
            let event_type = if step == Step::InvitationExpired {
                invitation.status = InvitationStatus::Expired;
                "invitation.expired"
            } else {
                invitation.deleted_at = Some(now.clone());
                "invitation.deleted"
            };
            emitted.push((event_type, invitation.to_json(host)));
            Ok(())
        }
        Step::ReportEta
        | Step::ReportClear
        | Step::ReportClearWithCanceled
        | Step::ReportAllCanceledOnComplete
        | Step::ReportConsider
        | Step::ReportPreAdverseAction
        | Step::ReportPostAdverseAction
        | Step::ReportEngaged
        | Step::ReportSuspended
        | Step::ReportResumed
        | Step::ReportDisputed
        | Step::ReportCanceled
        | Step::ReportAssessCompleted => {
            let view = match phase {
                InvitationPhase::Pending => FRESH_REPORT,
                InvitationPhase::Completed => report_view(account, invitation_id)?,
                InvitationPhase::Expired => {
                    return Err(conflict(step, "the invitation has expired"));
                }
                InvitationPhase::Deleted => {
                    return Err(conflict(step, "the invitation was canceled"));
                }
            };
            check_report_step(step, view)?;
            if phase == InvitationPhase::Pending {
                complete_invitation(account, ids, invitation_id, &now, host, emitted)?;
            }
            report_step(account, invitation_id, step, eta, &now, host, emitted)
        }
    }
}

fn invitation_mut<'a>(
    account: &'a mut Account,
    invitation_id: &str,
) -> Result<&'a mut super::model::Invitation, ApiError> {
    account
        .invitations
        .iter_mut()
        .find(|invitation| invitation.id == invitation_id)
        .ok_or(ApiError::NotFound("Invitation not found"))
}

fn report_index(account: &Account, invitation_id: &str) -> Result<usize, ApiError> {
    let report_id = account
        .invitation(invitation_id)
        .and_then(|invitation| invitation.report_id.clone())
        .ok_or(ApiError::NotFound("Report not found"))?;
    account
        .reports
        .iter()
        .position(|report| report.id == report_id)
        .ok_or(ApiError::NotFound("Report not found"))
}

fn report_view(account: &Account, invitation_id: &str) -> Result<ReportView, ApiError> {
    let report = &account.reports[report_index(account, invitation_id)?];
    let any_processed = account
        .screenings
        .iter()
        .filter(|screening| report.screening_ids.contains(&screening.id))
        .any(|screening| screening.status != ScreeningStatus::Pending);
    Ok(ReportView {
        status: report.status,
        result: report.result,
        adjudication: report.adjudication,
        any_processed,
    })
}

fn check_report_step(step: Step, view: ReportView) -> Result<(), ApiError> {
    let pending = view.status == ReportStatus::Pending;
    let complete = view.status == ReportStatus::Complete;
    let (allowed, why) = match step {
        Step::ReportEta
        | Step::ReportClear
        | Step::ReportClearWithCanceled
        | Step::ReportConsider
        | Step::ReportSuspended
        | Step::ReportAssessCompleted => (pending, "the report is not pending"),
        Step::ReportAllCanceledOnComplete => (
            pending || view.status == ReportStatus::Suspended,
            "the report is neither pending nor suspended",
        ),
        Step::ReportCanceled => (
            pending && !view.any_processed,
            "the report is not pending with every screening unprocessed",
        ),
        Step::ReportPreAdverseAction => (
            complete && view.result == Some(Outcome::Consider) && view.adjudication.is_none(),
            "only an unadjudicated complete report with a consider result can be pre-adverse actioned",
        ),
        Step::ReportPostAdverseAction => (
            view.adjudication == Some(Adjudication::PreAdverseAction),
            "post adverse action needs a pre adverse action first",
        ),
        Step::ReportEngaged => (
            complete && view.adjudication.is_none(),
            "only an unadjudicated complete report can be engaged",
        ),
        Step::ReportResumed => (
            view.status == ReportStatus::Suspended,
            "the report is not suspended",
        ),
        Step::ReportDisputed => (
            complete
                && view.result == Some(Outcome::Consider)
                && view.adjudication != Some(Adjudication::PostAdverseAction)
                && view.adjudication != Some(Adjudication::Engaged),
            "only a complete report with a consider result can be disputed",
        ),
        Step::InvitationCompleted | Step::InvitationExpired | Step::InvitationDeleted => (true, ""),
    };
    if allowed {
        Ok(())
    } else {
        Err(conflict(step, why))
    }
}

fn complete_invitation(
    account: &mut Account,
    ids: &mut IdGen,
    invitation_id: &str,
    now: &str,
    host: &str,
    emitted: &mut Emitted,
) -> Result<(), ApiError> {
    let invitation = account
        .invitation(invitation_id)
        .cloned()
        .ok_or(ApiError::NotFound("Invitation not found"))?;
    let package = account
        .data
        .package(&invitation.package)
        .cloned()
        .ok_or(ApiError::NotFound("Package not found"))?;
    let report_id = ids.next();
    let mut screening_ids = Vec::new();
    for (kind, _) in &package.screenings {
        let id = ids.next();
        screening_ids.push(id.clone());
        account.screenings.push(Screening {
            id,
            kind: *kind,
            status: ScreeningStatus::Pending,
            result: None,
            created_at: now.to_owned(),
            completed_at: None,
            cancellation_reason: None,
            cancellation_reason_description: None,
        });
    }
    account.reports.push(Report {
        id: report_id.clone(),
        candidate_id: invitation.candidate_id.clone(),
        package: invitation.package.clone(),
        source: "api",
        status: ReportStatus::Pending,
        result: None,
        adjudication: None,
        assessment: None,
        includes_canceled: false,
        created_at: now.to_owned(),
        completed_at: None,
        estimated_completion_time: None,
        work_locations: invitation.work_locations.clone(),
        tags: invitation.tags.clone(),
        screening_ids,
    });
    if let Some(candidate) = account
        .candidates
        .iter_mut()
        .find(|candidate| candidate.id == invitation.candidate_id)
    {
        candidate.report_ids.push(report_id.clone());
    }
    let invitation = invitation_mut(account, invitation_id)?;
    invitation.status = InvitationStatus::Completed;
    invitation.completed_at = Some(now.to_owned());
    invitation.report_id = Some(report_id);
    let invitation_json = invitation.to_json(host);
    emitted.push(("invitation.completed", invitation_json));
    let index = report_index(account, invitation_id)?;
    let report_json = account.report_json(&account.reports[index], host);
    emitted.push(("report.created", report_json));
    Ok(())
}

const COMPLETE_NOW_DESCRIPTION: &str =
    "The customer completed the report before this screening finished";
const SSN_EXCEPTION_DESCRIPTION: &str =
    "The candidate's SSN could not be verified and the exception was not resolved";
const WITHDRAWN_DESCRIPTION: &str = "The order was withdrawn before any screening started";

fn report_step(
    account: &mut Account,
    invitation_id: &str,
    step: Step,
    eta: Option<String>,
    now: &str,
    host: &str,
    emitted: &mut Emitted,
) -> Result<(), ApiError> {
    let index = report_index(account, invitation_id)?;
    let Account {
        reports,
        screenings,
        ..
    } = &mut *account;
    let report = &mut reports[index];
    let mut own: Vec<&mut Screening> = screenings
        .iter_mut()
        .filter(|screening| report.screening_ids.contains(&screening.id))
        .collect();
    let event_type = match step {
        Step::ReportEta => {
            report.estimated_completion_time =
                Some(eta.unwrap_or_else(|| clock::midnight_after(clock::now_seconds(), 5)));
            "report.updated"
        }
        Step::ReportClear => {
            for screening in &mut own {
                screening.complete(Outcome::Clear, now);
            }
            finish(report, Some(Outcome::Clear), false, now);
            "report.completed"
        }
        Step::ReportClearWithCanceled => {
            // The first screening (the SSN trace) finishes; Complete Now cancels the rest.
            for (position, screening) in own.iter_mut().enumerate() {
                if position == 0 {
                    screening.complete(Outcome::Clear, now);
                } else {
                    screening.cancel("complete_now_customer_requested", COMPLETE_NOW_DESCRIPTION);
                }
            }
            let canceled = own.len() > 1;
            finish(report, Some(Outcome::Clear), canceled, now);
            "report.completed"
        }
        Step::ReportAllCanceledOnComplete => {
            for screening in &mut own {
                screening.cancel("exception_ssn_trace", SSN_EXCEPTION_DESCRIPTION);
            }
            finish(report, None, true, now);
            "report.completed"
        }
        Step::ReportConsider => {
            // The first criminal search finds a record; everything else is clear.
            let mut flagged = false;
            for screening in &mut own {
                let is_search = screening.kind != super::model::ScreeningKind::SsnTrace;
                if is_search && !flagged {
                    flagged = true;
                    screening.complete(Outcome::Consider, now);
                } else {
                    screening.complete(Outcome::Clear, now);
                }
            }
            finish(report, Some(Outcome::Consider), false, now);
            "report.completed"
        }
        Step::ReportPreAdverseAction => {
            report.adjudication = Some(Adjudication::PreAdverseAction);
            "report.pre_adverse_action"
        }
        Step::ReportPostAdverseAction => {
            report.adjudication = Some(Adjudication::PostAdverseAction);
            "report.post_adverse_action"
        }
        Step::ReportEngaged => {
            report.adjudication = Some(Adjudication::Engaged);
            "report.engaged"
        }
        Step::ReportSuspended => {
            report.status = ReportStatus::Suspended;
            report.result = None;
            // An unresolved SSN exception is what suspends a report.
            if let Some(first) = own.first_mut() {
                first.status = ScreeningStatus::Suspended;
            }
            "report.suspended"
        }
        Step::ReportResumed => {
            report.status = ReportStatus::Pending;
            for screening in &mut own {
                if screening.status == ScreeningStatus::Suspended {
                    screening.status = ScreeningStatus::Pending;
                }
            }
            "report.resumed"
        }
        Step::ReportDisputed => {
            report.status = ReportStatus::Dispute;
            report.result = None;
            report.adjudication = None;
            "report.disputed"
        }
        Step::ReportCanceled => {
            for screening in &mut own {
                screening.cancel("request_withdrawn", WITHDRAWN_DESCRIPTION);
            }
            report.status = ReportStatus::Canceled;
            report.result = None;
            report.includes_canceled = true;
            "report.canceled"
        }
        Step::ReportAssessCompleted => {
            for screening in &mut own {
                screening.complete(Outcome::Clear, now);
            }
            finish(report, Some(Outcome::Clear), false, now);
            report.assessment = Some("eligible");
            "report.updated"
        }
        Step::InvitationCompleted | Step::InvitationExpired | Step::InvitationDeleted => {
            return Err(conflict(step, "not a report step"));
        }
    };
    let report_json = account.report_json(&account.reports[index], host);
    emitted.push((event_type, report_json));
    Ok(())
}

fn finish(report: &mut Report, result: Option<Outcome>, includes_canceled: bool, now: &str) {
    report.status = ReportStatus::Complete;
    report.result = result;
    report.includes_canceled = includes_canceled;
    report.completed_at = Some(now.to_owned());
}
