//! The objects a sandbox account holds, and their JSON as Checkr renders it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The screening resources the sandbox serves; each has its own endpoint, as at Checkr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScreeningKind {
    SsnTrace,
    NationalCriminalSearch,
    CountyCriminalSearch,
    MotorVehicleReport,
}

impl ScreeningKind {
    /// The `type` in a package's screening list and the `object` of the screening.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::SsnTrace => "ssn_trace",
            Self::NationalCriminalSearch => "national_criminal_search",
            Self::CountyCriminalSearch => "county_criminal_search",
            Self::MotorVehicleReport => "motor_vehicle_report",
        }
    }

    /// The collection segment of the screening's URL.
    pub(crate) const fn collection(self) -> &'static str {
        match self {
            Self::SsnTrace => "ssn_traces",
            Self::NationalCriminalSearch => "national_criminal_searches",
            Self::CountyCriminalSearch => "county_criminal_searches",
            Self::MotorVehicleReport => "motor_vehicle_reports",
        }
    }
}

/// Ids as Checkr writes them: 24 random lowercase hex digits (e.g. `e44aa283528e6fde7d542194`),
/// for events and objects alike. Nothing can be read from them, not even their order.
#[derive(Debug, Default)]
pub(crate) struct IdGen;

impl IdGen {
    pub(crate) fn next(&mut self) -> String {
        use aes_gcm::aead::OsRng;
        use aes_gcm::aead::rand_core::RngCore;
        let mut bytes = [0u8; 12];
        OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    }
}

/// A package an account can order.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) price: u32,
    pub(crate) created_at: &'static str,
    pub(crate) screenings: Vec<(ScreeningKind, Option<&'static str>)>,
}

impl Package {
    pub(crate) fn to_json(&self, host: &str) -> Value {
        let screenings: Vec<Value> = self
            .screenings
            .iter()
            .map(|(kind, subtype)| json!({ "type": kind.as_str(), "subtype": subtype }))
            .collect();
        json!({
            "id": self.id,
            "object": "package",
            "uri": format!("http://{host}/v1/packages/{}", self.id),
            "name": self.name,
            "slug": self.slug,
            "price": self.price,
            "created_at": self.created_at,
            "deleted_at": null,
            "screenings": screenings,
        })
    }
}

/// A node of the account hierarchy.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) custom_id: String,
    pub(crate) name: String,
    pub(crate) tier: String,
    pub(crate) parent_custom_id: Option<String>,
    /// Slugs assigned to this node or any ancestor, ancestors first.
    pub(crate) effective_packages: Vec<String>,
}

impl Node {
    pub(crate) fn to_json(&self, include_packages: bool) -> Value {
        let mut node = json!({
            "custom_id": self.custom_id,
            "name": self.name,
            "tier": self.tier,
            "parent_custom_id": self.parent_custom_id,
        });
        if include_packages && let Some(object) = node.as_object_mut() {
            object.insert("packages".into(), json!(self.effective_packages));
        }
        node
    }
}

/// Where a candidate works; decides US or non-US rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WorkLocation {
    #[serde(default)]
    pub(crate) country: Option<String>,
    #[serde(default)]
    pub(crate) state: Option<String>,
    #[serde(default)]
    pub(crate) city: Option<String>,
}

impl WorkLocation {
    /// Checkr treats a missing country as the US.
    pub(crate) fn is_us(&self) -> bool {
        self.country
            .as_deref()
            .is_none_or(|country| country.eq_ignore_ascii_case("US"))
    }
}

/// A candidate as stored, including the sensitive fields a caller sent.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) id: String,
    pub(crate) created_at: String,
    pub(crate) first_name: String,
    pub(crate) middle_name: Option<String>,
    pub(crate) no_middle_name: bool,
    pub(crate) last_name: String,
    pub(crate) email: String,
    pub(crate) phone: Option<String>,
    pub(crate) zipcode: Option<String>,
    pub(crate) custom_id: Option<String>,
    pub(crate) dob: Option<String>,
    pub(crate) ssn: Option<String>,
    pub(crate) driver_license_number: Option<String>,
    pub(crate) driver_license_state: Option<String>,
    pub(crate) work_locations: Vec<WorkLocation>,
    pub(crate) report_ids: Vec<String>,
}

fn mask_tail(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let keep = chars.len().min(4);
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{}{tail}", "*".repeat(chars.len() - keep))
}

impl Candidate {
    pub(crate) fn to_json(&self, host: &str) -> Value {
        // Checkr never echoes a full SSN or licence number, only their tail.
        let masked_ssn = self.ssn.as_deref().map(|ssn| {
            let digits: String = ssn.chars().filter(char::is_ascii_digit).collect();
            let tail = digits.get(digits.len().saturating_sub(4)..).unwrap_or("");
            format!("XXX-XX-{tail}")
        });
        json!({
            "id": self.id,
            "object": "candidate",
            "uri": format!("http://{host}/v1/candidates/{}", self.id),
            "created_at": self.created_at,
            "first_name": self.first_name,
            "middle_name": self.middle_name,
            "no_middle_name": self.no_middle_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "zipcode": self.zipcode,
            "custom_id": self.custom_id,
            "dob": self.dob,
            "ssn": masked_ssn,
            "driver_license_number": self.driver_license_number.as_deref().map(mask_tail),
            "driver_license_state": self.driver_license_state,
            "work_locations": self.work_locations,
            "report_ids": self.report_ids,
        })
    }
}

/// Invitation status as Checkr reports it (cancellation only sets `deleted_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum InvitationStatus {
    Pending,
    Completed,
    Expired,
}

/// An invitation sent to a candidate.
#[derive(Debug, Clone)]
pub(crate) struct Invitation {
    pub(crate) id: String,
    pub(crate) candidate_id: String,
    pub(crate) package: String,
    pub(crate) node: Option<String>,
    pub(crate) work_locations: Vec<WorkLocation>,
    pub(crate) tags: Vec<String>,
    pub(crate) status: InvitationStatus,
    pub(crate) created_at: String,
    pub(crate) expires_at: String,
    pub(crate) completed_at: Option<String>,
    pub(crate) deleted_at: Option<String>,
    pub(crate) report_id: Option<String>,
}

impl Invitation {
    pub(crate) fn to_json(&self, host: &str) -> Value {
        json!({
            "id": self.id,
            "object": "invitation",
            "uri": format!("http://{host}/v1/invitations/{}", self.id),
            "invitation_url": format!("http://{host}/sandbox/apply/{}", self.id),
            "status": self.status,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "completed_at": self.completed_at,
            "deleted_at": self.deleted_at,
            "package": self.package,
            "node": self.node,
            "work_locations": self.work_locations,
            "candidate_id": self.candidate_id,
            "report_id": self.report_id,
            "archived": false,
            "tags": self.tags,
        })
    }
}

/// Report status (Checkr's enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReportStatus {
    Pending,
    Complete,
    Suspended,
    Dispute,
    Canceled,
}

/// Outcome of a report or screening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    Clear,
    Consider,
}

/// Adjudication of a completed report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Adjudication {
    Engaged,
    PreAdverseAction,
    PostAdverseAction,
}

/// Status of a single screening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ScreeningStatus {
    Pending,
    Complete,
    Canceled,
    Suspended,
}

/// One screening of a report.
#[derive(Debug, Clone)]
pub(crate) struct Screening {
    pub(crate) id: String,
    pub(crate) kind: ScreeningKind,
    pub(crate) status: ScreeningStatus,
    pub(crate) result: Option<Outcome>,
    pub(crate) created_at: String,
    pub(crate) completed_at: Option<String>,
    pub(crate) cancellation_reason: Option<&'static str>,
    pub(crate) cancellation_reason_description: Option<&'static str>,
}

impl Screening {
    pub(crate) fn to_json(&self, host: &str) -> Value {
        json!({
            "id": self.id,
            "object": self.kind.as_str(),
            "uri": format!("http://{host}/v1/{}/{}", self.kind.collection(), self.id),
            "status": self.status,
            "result": self.result,
            "created_at": self.created_at,
            "completed_at": self.completed_at,
            "cancellation_reason": self.cancellation_reason,
            "cancellation_reason_description": self.cancellation_reason_description,
        })
    }

    pub(crate) fn complete(&mut self, result: Outcome, now: &str) {
        self.status = ScreeningStatus::Complete;
        self.result = Some(result);
        self.completed_at = Some(now.to_owned());
    }

    pub(crate) fn cancel(&mut self, reason: &'static str, description: &'static str) {
        self.status = ScreeningStatus::Canceled;
        self.result = None;
        self.cancellation_reason = Some(reason);
        self.cancellation_reason_description = Some(description);
    }
}

/// A report and the ids of its screenings (the screenings live beside it in the account).
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) id: String,
    pub(crate) candidate_id: String,
    pub(crate) package: String,
    /// How the report started: `api` (an invitation), `continuous_check`, `recurrence`.
    pub(crate) source: &'static str,
    pub(crate) status: ReportStatus,
    pub(crate) result: Option<Outcome>,
    pub(crate) adjudication: Option<Adjudication>,
    pub(crate) assessment: Option<&'static str>,
    pub(crate) includes_canceled: bool,
    pub(crate) created_at: String,
    pub(crate) completed_at: Option<String>,
    pub(crate) estimated_completion_time: Option<String>,
    pub(crate) work_locations: Vec<WorkLocation>,
    pub(crate) tags: Vec<String>,
    pub(crate) screening_ids: Vec<String>,
}

impl Report {
    pub(crate) fn to_json(&self, host: &str, screenings: &[&Screening]) -> Value {
        let first = |kind: ScreeningKind| {
            screenings
                .iter()
                .find(|screening| screening.kind == kind)
                .map(|screening| screening.id.clone())
        };
        let counties: Vec<&str> = screenings
            .iter()
            .filter(|screening| screening.kind == ScreeningKind::CountyCriminalSearch)
            .map(|screening| screening.id.as_str())
            .collect();
        json!({
            "id": self.id,
            "object": "report",
            "uri": format!("http://{host}/v1/reports/{}", self.id),
            "status": self.status,
            "result": self.result,
            "adjudication": self.adjudication,
            "assessment": self.assessment,
            "includes_canceled": self.includes_canceled,
            "package": self.package,
            "source": self.source,
            "candidate_id": self.candidate_id,
            "created_at": self.created_at,
            "completed_at": self.completed_at,
            "estimated_completion_time": self.estimated_completion_time,
            "work_locations": self.work_locations,
            "tags": self.tags,
            "ssn_trace_id": first(ScreeningKind::SsnTrace),
            "national_criminal_search_id": first(ScreeningKind::NationalCriminalSearch),
            "county_criminal_search_ids": counties,
            "motor_vehicle_report_id": first(ScreeningKind::MotorVehicleReport),
        })
    }
}
