//! Continuous checks (C-Crim, C-MVR): post-hire enrolment of an existing US candidate, with
//! the employee's evergreen consent confirmed by the user. The request rules, shared by the
//! proxy (which enforces them) and the widget (which says them before sending).

use serde::{Deserialize, Serialize};

/// Which continuous check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContinuousKind {
    /// Continuous criminal monitoring (C-Crim).
    Criminal,
    /// Continuous motor-vehicle-record monitoring (C-MVR).
    Mvr,
}

impl ContinuousKind {
    /// Checkr's `type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ContinuousKind::Criminal => "criminal",
            ContinuousKind::Mvr => "mvr",
        }
    }

    /// What a user reads for it.
    pub const fn label(self) -> &'static str {
        match self {
            ContinuousKind::Criminal => "Continuous criminal (C-Crim)",
            ContinuousKind::Mvr => "Continuous MVR (C-MVR)",
        }
    }

    /// [`ContinuousKind::as_str`] read back.
    pub fn parse(name: &str) -> Option<Self> {
        [ContinuousKind::Criminal, ContinuousKind::Mvr]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// The packages of reports continuous checks create; they cannot be ordered.
pub const CONTINUOUS_PACKAGES: [&str; 3] = [
    "continuous_check",
    "continuous_mvr",
    "continuous_mvr_enrollment",
];

/// The name of a package only continuous checks produce (no catalog lists them).
pub fn continuous_package_name(slug: &str) -> Option<&'static str> {
    match slug {
        "continuous_check" => Some("Continuous criminal check (C-Crim)"),
        "continuous_mvr" => Some("Continuous MVR (C-MVR)"),
        "continuous_mvr_enrollment" => Some("Continuous MVR enrolment"),
        _other => None,
    }
}

/// Who started a report nobody ordered through the widget, from its `package` and `source`:
/// `Some` names it (the order's "ordered by") for reports of continuous checks and of
/// subscriptions (`source: recurrence`); `None` for reports of orders.
pub fn started_by_checkr(package: &str, source: Option<&str>) -> Option<&'static str> {
    if CONTINUOUS_PACKAGES.contains(&package) || source == Some("continuous_check") {
        return Some("Checkr continuous check");
    }
    (source == Some("recurrence")).then_some("Checkr subscription")
}

/// What a `continuous_check.*` webhook tells the user about an enrolment; `None` for types
/// that need no word.
pub fn event_notice(type_name: &str) -> Option<&'static str> {
    match type_name {
        "continuous_check.subscription_error" => {
            Some("Checkr could not keep this enrolment running (subscription error).")
        }
        "continuous_check.confirmation_required" => {
            Some("Checkr asks the customer to confirm this enrolment.")
        }
        _other => None,
    }
}

/// What automatic enrolment does after a report changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoEnrolment {
    /// The report ended Clear or the candidate was engaged: enrol in C-Crim.
    Enrol,
    /// Adverse action started: end every enrolment, as Checkr asks.
    Unenroll,
}

/// What automatic enrolment does for a report in `report`'s state, if anything.
pub fn auto_enrolment(report: &super::checkr::ReportState) -> Option<AutoEnrolment> {
    use super::checkr::{Adjudication, ReportResult, ReportStatus};
    match (report.status, report.adjudication, report.result) {
        (_, Some(Adjudication::PreAdverseAction | Adjudication::PostAdverseAction), _) => {
            Some(AutoEnrolment::Unenroll)
        }
        (ReportStatus::Complete, Some(Adjudication::Engaged), _) => Some(AutoEnrolment::Enrol),
        (ReportStatus::Complete, None, Some(ReportResult::Clear)) if !report.includes_canceled => {
            Some(AutoEnrolment::Enrol)
        }
        (
            ReportStatus::Pending
            | ReportStatus::Paused
            | ReportStatus::Complete
            | ReportStatus::Suspended
            | ReportStatus::Dispute
            | ReportStatus::Canceled
            | ReportStatus::Unrecognized,
            None | Some(Adjudication::Engaged),
            _,
        ) => None,
    }
}

/// Why consent is asked for: the customer's legal duty, not a formality.
pub const CONSENT_REQUIRED: &str = "Confirm that the employee gave evergreen consent to continuous checks; it is required before enrolling.";
/// A type that is neither `criminal` nor `mvr`.
pub const TYPE_REQUIRED: &str = "Choose criminal (C-Crim) or MVR (C-MVR).";

/// An enrolment request as sent: `{"type", "consent"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentDraft {
    /// `criminal` or `mvr`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The user confirmed the employee's evergreen consent.
    #[serde(default)]
    pub consent: Option<bool>,
}

/// The request's kind, or every field error (`type`, `consent`) with its message.
pub fn validate_enrolment(
    draft: &EnrolmentDraft,
) -> Result<ContinuousKind, Vec<(&'static str, &'static str)>> {
    let mut errors = Vec::new();
    let kind = draft.kind.as_deref().and_then(ContinuousKind::parse);
    if kind.is_none() {
        errors.push(("type", TYPE_REQUIRED));
    }
    if draft.consent != Some(true) {
        errors.push(("consent", CONSENT_REQUIRED));
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(kind),
        Some(_) | None => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(kind: Option<&str>, consent: Option<bool>) -> EnrolmentDraft {
        EnrolmentDraft {
            kind: kind.map(str::to_owned),
            consent,
        }
    }

    #[test]
    fn enrolment_needs_the_consent_confirmed_and_a_known_type() {
        assert_eq!(
            validate_enrolment(&draft(Some("criminal"), Some(true))),
            Ok(ContinuousKind::Criminal)
        );
        assert_eq!(
            validate_enrolment(&draft(Some("mvr"), Some(false))),
            Err(vec![("consent", CONSENT_REQUIRED)])
        );
        assert_eq!(
            validate_enrolment(&draft(Some("mvr"), None)),
            Err(vec![("consent", CONSENT_REQUIRED)])
        );
        assert_eq!(
            validate_enrolment(&draft(Some("drug"), None)),
            Err(vec![("type", TYPE_REQUIRED), ("consent", CONSENT_REQUIRED)])
        );
    }

    #[test]
    fn continuous_check_webhooks_read_as_sentences() {
        assert!(event_notice("continuous_check.subscription_error").is_some());
        assert!(event_notice("continuous_check.confirmation_required").is_some());
        assert_eq!(event_notice("continuous_check.created"), None);
    }

    #[test]
    fn reports_of_continuous_checks_and_subscriptions_are_told_apart_from_orders() {
        assert_eq!(
            started_by_checkr("continuous_mvr", None),
            Some("Checkr continuous check")
        );
        assert_eq!(
            started_by_checkr("tasker_standard", Some("recurrence")),
            Some("Checkr subscription")
        );
        assert_eq!(started_by_checkr("tasker_standard", Some("api")), None);
    }

    #[test]
    fn clear_and_engaged_reports_enrol_and_adverse_action_unenrolls() {
        use crate::domain::checkr::{Adjudication, ReportResult, ReportState, ReportStatus};
        let report = |status, result, adjudication, includes_canceled| ReportState {
            id: "r".to_owned(),
            status,
            result,
            adjudication,
            assessment: None,
            includes_canceled,
        };
        let complete = ReportStatus::Complete;
        let clear = Some(ReportResult::Clear);
        let consider = Some(ReportResult::Consider);
        assert_eq!(
            auto_enrolment(&report(complete, clear, None, false)),
            Some(AutoEnrolment::Enrol)
        );
        assert_eq!(auto_enrolment(&report(complete, clear, None, true)), None);
        assert_eq!(
            auto_enrolment(&report(complete, consider, None, false)),
            None
        );
        assert_eq!(
            auto_enrolment(&report(
                complete,
                consider,
                Some(Adjudication::Engaged),
                false
            )),
            Some(AutoEnrolment::Enrol)
        );
        assert_eq!(
            auto_enrolment(&report(
                complete,
                consider,
                Some(Adjudication::PreAdverseAction),
                false
            )),
            Some(AutoEnrolment::Unenroll)
        );
        assert_eq!(
            auto_enrolment(&report(ReportStatus::Pending, None, None, false)),
            None
        );
    }

    #[test]
    fn kinds_read_back_from_checkrs_names() {
        for kind in [ContinuousKind::Criminal, ContinuousKind::Mvr] {
            assert_eq!(ContinuousKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ContinuousKind::parse("Criminal"), None);
    }
}
