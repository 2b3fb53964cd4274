//! The secondary line under an order's badge: what an open report is waiting for, from
//! `verification.*` webhooks (checks the candidate must complete, such as an ID
//! verification) and from its screenings as `report.updated` announces them. It never
//! changes the badge, which stays the seed's mapping in [`super::badge`].

use serde::{Deserialize, Serialize};

use super::checkr::ReportStatus;
use super::screening::{Screening, ScreeningStatus};

/// How far one verification has come, in the order Checkr's events announce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStage {
    /// `verification.created`: the candidate has been asked to complete it.
    Created,
    /// `verification.completed`: the candidate completed it; Checkr reviews it.
    Completed,
    /// `verification.processed`: Checkr has processed it; the report goes on.
    Processed,
}

impl VerificationStage {
    /// The stage a `verification.*` event type announces; `None` for other types.
    pub fn of_event(type_name: &str) -> Option<Self> {
        match type_name {
            "verification.created" => Some(VerificationStage::Created),
            "verification.completed" => Some(VerificationStage::Completed),
            "verification.processed" => Some(VerificationStage::Processed),
            _other => None,
        }
    }

    /// A stable number that grows with the stage: events arrive in any order, and a stage
    /// is only ever replaced by a later one.
    pub const fn rank(self) -> i64 {
        match self {
            VerificationStage::Created => 1,
            VerificationStage::Completed => 2,
            VerificationStage::Processed => 3,
        }
    }

    /// [`VerificationStage::rank`] read back.
    pub fn from_rank(rank: i64) -> Option<Self> {
        match rank {
            1 => Some(VerificationStage::Created),
            2 => Some(VerificationStage::Completed),
            3 => Some(VerificationStage::Processed),
            _other => None,
        }
    }
}

/// What a recruiter calls a verification, from Checkr's `verification_type`.
pub fn verification_name(verification_type: &str) -> &'static str {
    match verification_type {
        "id" | "identity" | "id_verification" => "ID verification",
        "document" | "documents" => "document upload",
        "ssn" => "SSN verification",
        "driver_license" | "drivers_license" => "driver's license verification",
        _other => "verification",
    }
}

/// One verification of a report as the proxy keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationState {
    /// Checkr's verification id.
    pub id: String,
    /// Checkr's `verification_type` as sent (empty when the event did not say).
    pub verification_type: String,
    /// The latest stage announced.
    pub stage: VerificationStage,
}

/// The report id a verification belongs to: its `report_id` when sent, else the one in its
/// `uri` (`/v1/reports/{report_id}/verifications/{id}`, the resource's only path).
pub fn verification_report_id(report_id: Option<&str>, uri: Option<&str>) -> Option<String> {
    if let Some(id) = report_id.filter(|id| !id.is_empty()) {
        return Some(id.to_owned());
    }
    let uri = uri?;
    let after = &uri[uri.find("/reports/")? + "/reports/".len()..];
    let id = after.split('/').next()?;
    let rest = &after[id.len()..];
    (!id.is_empty() && rest.starts_with("/verifications")).then(|| id.to_owned())
}

/// The line under the badge of an order whose report is `status`, or `None` when there is
/// nothing to add. A verification the candidate still has to complete comes first (it is
/// what holds the report up), then one Checkr is reviewing, then how many screenings are
/// done. Only an open report gets a line: a finished one says everything in its badge.
pub fn progress_line(
    status: Option<ReportStatus>,
    verifications: &[VerificationState],
    screenings: &[Screening],
) -> Option<String> {
    let open = match status? {
        ReportStatus::Pending | ReportStatus::Paused | ReportStatus::Unrecognized => true,
        ReportStatus::Complete
        | ReportStatus::Suspended
        | ReportStatus::Dispute
        | ReportStatus::Canceled => false,
    };
    if !open {
        return None;
    }
    let at = |stage: VerificationStage| {
        verifications
            .iter()
            .find(|verification| verification.stage == stage)
            .map(|verification| verification_name(&verification.verification_type))
    };
    if let Some(name) = at(VerificationStage::Created) {
        return Some(["Waiting for the candidate's ", name].concat());
    }
    if let Some(name) = at(VerificationStage::Completed) {
        return Some(["Checkr is reviewing the candidate's ", name].concat());
    }
    let finished = screenings
        .iter()
        .filter(|screening| match screening.status {
            ScreeningStatus::Complete | ScreeningStatus::Canceled => true,
            ScreeningStatus::Pending
            | ScreeningStatus::Suspended
            | ScreeningStatus::Unrecognized => false,
        })
        .count();
    (!screenings.is_empty() && finished > 0).then(|| {
        let mut line = finished.to_string();
        line.push_str(" of ");
        line.push_str(&screenings.len().to_string());
        line.push_str(" screenings finished");
        line
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::screening::ScreeningKind;

    fn verification(stage: VerificationStage) -> VerificationState {
        VerificationState {
            id: "v1".to_owned(),
            verification_type: "id".to_owned(),
            stage,
        }
    }

    fn screening(status: ScreeningStatus) -> Screening {
        Screening {
            id: "s".to_owned(),
            kind: ScreeningKind::CountyCriminalSearch,
            status,
            result: None,
            cancellation_reason: None,
        }
    }

    #[test]
    fn a_verification_the_candidate_owes_is_said_first_then_its_review() {
        let pending = Some(ReportStatus::Pending);
        let screenings = [screening(ScreeningStatus::Complete)];
        assert_eq!(
            progress_line(
                pending,
                &[verification(VerificationStage::Created)],
                &screenings
            )
            .as_deref(),
            Some("Waiting for the candidate's ID verification")
        );
        assert_eq!(
            progress_line(
                pending,
                &[verification(VerificationStage::Completed)],
                &screenings
            )
            .as_deref(),
            Some("Checkr is reviewing the candidate's ID verification")
        );
        assert_eq!(
            progress_line(
                pending,
                &[verification(VerificationStage::Processed)],
                &[
                    screening(ScreeningStatus::Complete),
                    screening(ScreeningStatus::Pending)
                ]
            )
            .as_deref(),
            Some("1 of 2 screenings finished")
        );
    }

    #[test]
    fn finished_reports_and_untouched_ones_get_no_line() {
        let created = [verification(VerificationStage::Created)];
        for status in [
            ReportStatus::Complete,
            ReportStatus::Canceled,
            ReportStatus::Suspended,
            ReportStatus::Dispute,
        ] {
            assert_eq!(
                progress_line(Some(status), &created, &[]),
                None,
                "{status:?}"
            );
        }
        assert_eq!(progress_line(None, &created, &[]), None);
        assert_eq!(
            progress_line(
                Some(ReportStatus::Pending),
                &[],
                &[screening(ScreeningStatus::Pending)]
            ),
            None
        );
    }

    #[test]
    fn stages_only_move_forward_and_unknown_types_still_read() {
        assert!(VerificationStage::Processed.rank() > VerificationStage::Completed.rank());
        for stage in [
            VerificationStage::Created,
            VerificationStage::Completed,
            VerificationStage::Processed,
        ] {
            assert_eq!(VerificationStage::from_rank(stage.rank()), Some(stage));
        }
        assert_eq!(VerificationStage::of_event("report.updated"), None);
        assert_eq!(verification_name("face_match"), "verification");
    }

    #[test]
    fn the_report_id_comes_from_the_field_or_the_uri() {
        assert_eq!(
            verification_report_id(Some("r1"), Some("/v1/reports/r2/verifications/v")).as_deref(),
            Some("r1")
        );
        assert_eq!(
            verification_report_id(None, Some("/v1/reports/r2/verifications/v")).as_deref(),
            Some("r2")
        );
        assert_eq!(
            verification_report_id(None, Some("/v1/verifications/v")),
            None
        );
        assert_eq!(verification_report_id(None, None), None);
    }
}
