//! A report's screenings (SSN trace, criminal searches, MVR…): what Checkr's per-type screening
//! resources say, the name each type is shown under, and what one viewer may see of them.
//!
//! Checkr has no generic screening resource: the report names each screening's id in a field
//! of its own (`ssn_trace_id`, `county_criminal_search_ids`, …) and each type is read from its
//! own collection ([`SCREENING_FIELDS`]).

use serde::{Deserialize, Serialize};

use super::checkr::ReportResult;
use super::view::Viewer;

/// A screening type, by the `object` name Checkr gives its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningKind {
    /// `ssn_trace`.
    SsnTrace,
    /// `sex_offender_search`.
    SexOffenderSearch,
    /// `national_criminal_search`.
    NationalCriminalSearch,
    /// `global_watchlist_search`.
    GlobalWatchlistSearch,
    /// `federal_criminal_search`.
    FederalCriminalSearch,
    /// `motor_vehicle_report`.
    MotorVehicleReport,
    /// `county_criminal_search`.
    CountyCriminalSearch,
    /// `state_criminal_search`.
    StateCriminalSearch,
    /// A type this version does not name; listed as "Other screening" rather than dropped.
    #[serde(other)]
    Unrecognized,
}

impl ScreeningKind {
    /// The type Checkr names `object`; an unknown name is [`ScreeningKind::Unrecognized`].
    pub fn parse(object: &str) -> Self {
        SCREENING_FIELDS
            .iter()
            .map(|(_, _, kind)| *kind)
            .find(|kind| kind.as_str() == object)
            .unwrap_or(ScreeningKind::Unrecognized)
    }

    /// Checkr's `object` name (the wire name too).
    pub const fn as_str(self) -> &'static str {
        match self {
            ScreeningKind::SsnTrace => "ssn_trace",
            ScreeningKind::SexOffenderSearch => "sex_offender_search",
            ScreeningKind::NationalCriminalSearch => "national_criminal_search",
            ScreeningKind::GlobalWatchlistSearch => "global_watchlist_search",
            ScreeningKind::FederalCriminalSearch => "federal_criminal_search",
            ScreeningKind::MotorVehicleReport => "motor_vehicle_report",
            ScreeningKind::CountyCriminalSearch => "county_criminal_search",
            ScreeningKind::StateCriminalSearch => "state_criminal_search",
            ScreeningKind::Unrecognized => "unrecognized",
        }
    }

    /// What a recruiter reads for this type.
    pub const fn name(self) -> &'static str {
        match self {
            ScreeningKind::SsnTrace => "SSN trace",
            ScreeningKind::SexOffenderSearch => "Sex offender registry search",
            ScreeningKind::NationalCriminalSearch => "National criminal search",
            ScreeningKind::GlobalWatchlistSearch => "Global watchlist search",
            ScreeningKind::FederalCriminalSearch => "Federal criminal search",
            ScreeningKind::MotorVehicleReport => "Motor vehicle report",
            ScreeningKind::CountyCriminalSearch => "County criminal search",
            ScreeningKind::StateCriminalSearch => "State criminal search",
            ScreeningKind::Unrecognized => "Other screening",
        }
    }
}

/// The report fields holding screening ids, each with the collection its resources are read
/// from (`GET /v1/{collection}/{id}`) and the type found there. Fields ending in `_ids` hold
/// a list.
pub const SCREENING_FIELDS: [(&str, &str, ScreeningKind); 8] = [
    ("ssn_trace_id", "ssn_traces", ScreeningKind::SsnTrace),
    (
        "sex_offender_search_id",
        "sex_offender_searches",
        ScreeningKind::SexOffenderSearch,
    ),
    (
        "national_criminal_search_id",
        "national_criminal_searches",
        ScreeningKind::NationalCriminalSearch,
    ),
    (
        "global_watchlist_search_id",
        "global_watchlist_searches",
        ScreeningKind::GlobalWatchlistSearch,
    ),
    (
        "federal_criminal_search_id",
        "federal_criminal_searches",
        ScreeningKind::FederalCriminalSearch,
    ),
    (
        "motor_vehicle_report_id",
        "motor_vehicle_reports",
        ScreeningKind::MotorVehicleReport,
    ),
    (
        "county_criminal_search_ids",
        "county_criminal_searches",
        ScreeningKind::CountyCriminalSearch,
    ),
    (
        "state_criminal_search_ids",
        "state_criminal_searches",
        ScreeningKind::StateCriminalSearch,
    ),
];

/// A screening's `status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningStatus {
    /// Still running.
    Pending,
    /// Finished with a result.
    Complete,
    /// Stopped for good; `cancellation_reason` says why.
    Canceled,
    /// Stopped on an exception the candidate may still resolve.
    Suspended,
    /// A status this version does not know; shown as in progress.
    #[serde(other)]
    Unrecognized,
}

impl ScreeningStatus {
    /// The status Checkr names `name`; an unknown name is [`ScreeningStatus::Unrecognized`].
    pub fn parse(name: &str) -> Self {
        match name {
            "pending" => ScreeningStatus::Pending,
            "complete" => ScreeningStatus::Complete,
            "canceled" => ScreeningStatus::Canceled,
            "suspended" => ScreeningStatus::Suspended,
            _unknown => ScreeningStatus::Unrecognized,
        }
    }

    /// What the list says for this status.
    pub const fn label(self) -> &'static str {
        match self {
            ScreeningStatus::Pending | ScreeningStatus::Unrecognized => "In progress",
            ScreeningStatus::Complete => "Complete",
            ScreeningStatus::Canceled => "Canceled",
            ScreeningStatus::Suspended => "Suspended",
        }
    }
}

/// What the list says for a screening's result.
pub const fn result_label(result: ReportResult) -> &'static str {
    match result {
        ReportResult::Clear => "Clear",
        ReportResult::Consider => "Consider",
    }
}

/// One screening as the proxy keeps it: only what the widget shows, nothing of the
/// candidate's records themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screening {
    /// Checkr's screening id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ScreeningKind,
    /// Where it stands.
    pub status: ScreeningStatus,
    /// Its result once complete.
    #[serde(default)]
    pub result: Option<ReportResult>,
    /// Why it was canceled: Checkr's description, else its reason code.
    #[serde(default)]
    pub cancellation_reason: Option<String>,
}

/// A screening as one viewer may see it, with the name to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningView {
    /// Checkr's screening id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ScreeningKind,
    /// The name shown for the type.
    pub name: String,
    /// Where it stands.
    pub status: ScreeningStatus,
    /// The result, only for viewers who may read results.
    #[serde(default)]
    pub result: Option<ReportResult>,
    /// Why it was canceled. Not a finding, so every viewer is told.
    #[serde(default)]
    pub cancellation_reason: Option<String>,
}

/// The screenings as `viewer` may see them, in a stable order (by type as listed in
/// [`SCREENING_FIELDS`], then by id). A segregated customer's recruiter sees statuses only:
/// one screening's `consider` would tell them what the withheld report result is.
pub fn shape_screenings(screenings: &[Screening], viewer: Viewer) -> Vec<ScreeningView> {
    let rank = |kind: ScreeningKind| {
        SCREENING_FIELDS
            .iter()
            .position(|(_, _, listed)| *listed == kind)
            .unwrap_or(SCREENING_FIELDS.len())
    };
    let mut shown: Vec<ScreeningView> = screenings
        .iter()
        .map(|screening| ScreeningView {
            id: screening.id.clone(),
            kind: screening.kind,
            name: screening.kind.name().to_owned(),
            status: screening.status,
            result: screening.result.filter(|_| viewer.reads_results()),
            cancellation_reason: screening.cancellation_reason.clone(),
        })
        .collect();
    shown.sort_by(|a, b| {
        rank(a.kind)
            .cmp(&rank(b.kind))
            .then_with(|| a.id.cmp(&b.id))
    });
    shown
}

/// The fields of a screening resource the proxy keeps, as Checkr sends them (unknown words
/// stay words here and are mapped by [`ScreeningResource::screening`]).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScreeningResource {
    /// `id`.
    pub id: Option<String>,
    /// `object`: the screening type.
    pub object: Option<String>,
    /// `status`.
    pub status: Option<String>,
    /// `result`.
    pub result: Option<String>,
    /// `cancellation_reason` (a code).
    pub cancellation_reason: Option<String>,
    /// `cancellation_reason_description` (a sentence).
    pub cancellation_reason_description: Option<String>,
}

impl ScreeningResource {
    /// The screening to keep; `None` when the resource has no id.
    pub fn screening(&self) -> Option<Screening> {
        let id = self.id.clone().filter(|id| !id.is_empty())?;
        let kind = ScreeningKind::parse(self.object.as_deref().unwrap_or_default());
        let status = ScreeningStatus::parse(self.status.as_deref().unwrap_or_default());
        let result = match self.result.as_deref() {
            Some("clear") => Some(ReportResult::Clear),
            Some("consider") => Some(ReportResult::Consider),
            Some(_) | None => None,
        };
        let cancellation_reason = match status {
            ScreeningStatus::Canceled => self
                .cancellation_reason_description
                .clone()
                .filter(|text| !text.is_empty())
                .or_else(|| self.cancellation_reason.clone()),
            ScreeningStatus::Pending
            | ScreeningStatus::Complete
            | ScreeningStatus::Suspended
            | ScreeningStatus::Unrecognized => None,
        };
        Some(Screening {
            id,
            kind,
            status,
            result,
            cancellation_reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkr::CustomerType;
    use crate::domain::view::Role;

    fn read(value: serde_json::Value) -> Option<Screening> {
        serde_json::from_value::<ScreeningResource>(value)
            .expect("decodes")
            .screening()
    }

    fn county(id: &str, result: Option<ReportResult>) -> Screening {
        Screening {
            id: id.to_owned(),
            kind: ScreeningKind::CountyCriminalSearch,
            status: ScreeningStatus::Complete,
            result,
            cancellation_reason: None,
        }
    }

    #[test]
    fn a_segregated_recruiter_sees_statuses_but_no_results() {
        let screenings = [county("c1", Some(ReportResult::Consider))];
        let recruiter = Viewer {
            role: Role::Recruiter,
            customer: CustomerType::Segregated,
        };
        let shown = shape_screenings(&screenings, recruiter);
        assert_eq!(shown[0].status, ScreeningStatus::Complete);
        assert_eq!(shown[0].result, None);
        for role in [Role::Adjudicator, Role::Admin] {
            let viewer = Viewer {
                role,
                customer: CustomerType::Segregated,
            };
            assert_eq!(
                shape_screenings(&screenings, viewer)[0].result,
                Some(ReportResult::Consider)
            );
        }
        let combined = Viewer {
            role: Role::Recruiter,
            customer: CustomerType::Combined,
        };
        assert_eq!(
            shape_screenings(&screenings, combined)[0].result,
            Some(ReportResult::Consider)
        );
    }

    #[test]
    fn screenings_are_listed_ssn_trace_first_whatever_order_checkr_gave() {
        let mut ssn = county("z", None);
        ssn.kind = ScreeningKind::SsnTrace;
        let viewer = Viewer {
            role: Role::Admin,
            customer: CustomerType::Combined,
        };
        let shown = shape_screenings(&[county("b", None), ssn, county("a", None)], viewer);
        let names: Vec<(&str, &str)> = shown
            .iter()
            .map(|screening| (screening.name.as_str(), screening.id.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("SSN trace", "z"),
                ("County criminal search", "a"),
                ("County criminal search", "b")
            ]
        );
    }

    #[test]
    fn every_named_type_reads_back_from_its_wire_name() {
        for (_, _, kind) in SCREENING_FIELDS {
            assert_eq!(ScreeningKind::parse(kind.as_str()), kind);
            assert_eq!(
                serde_json::to_value(kind).expect("serializes"),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(
            ScreeningKind::parse("drug_screening"),
            ScreeningKind::Unrecognized
        );
    }

    #[test]
    fn a_canceled_screening_keeps_checkrs_description_and_unknown_words_do_not_fail() {
        let canceled = serde_json::json!({
            "id": "s1", "object": "county_criminal_search", "status": "canceled",
            "result": null, "cancellation_reason": "complete_now_customer_requested",
            "cancellation_reason_description": "Completed early by the customer",
        });
        let screening = read(canceled).expect("has an id");
        assert_eq!(screening.status, ScreeningStatus::Canceled);
        assert_eq!(
            screening.cancellation_reason.as_deref(),
            Some("Completed early by the customer")
        );
        let novel =
            serde_json::json!({"id": "s2", "object": "drug_screening", "status": "awaiting_lab"});
        let screening = read(novel).expect("has an id");
        assert_eq!(screening.kind, ScreeningKind::Unrecognized);
        assert_eq!(screening.status.label(), "In progress");
        assert_eq!(screening.cancellation_reason, None);
        assert!(read(serde_json::json!({"status": "complete"})).is_none());
    }
}
