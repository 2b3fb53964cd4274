//! Cases: `POST /case/create`, `GET /case/id/{caseId}`, and the control that moves a case
//! through the lifecycle (every overall status of the seed, and back again).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use crate::domain::karmacheck::{
    AdverseActionStatus, CaseState, OverallStatus, PrimaryStatus, ResultType, SecondaryStatus,
    overall_status,
};
use crate::domain::validation::karmacheck_name_problem;

use super::auth::bearer_group;
use super::{KarmaCheckSandbox, KarmaError, KarmaState};

/// The only case type: a background check.
pub(crate) const BACKGROUND_CHECK_CASE_TYPE: &str = "cde61186-4f22-45f4-9e19-429061365bce";

/// One case as the sandbox keeps it.
#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) id: String,
    pub(crate) invitation_id: String,
    pub(crate) candidate_id: String,
    pub(crate) group: usize,
    pub(crate) package_id: String,
    pub(crate) email: String,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) middle_name: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) state: CaseState,
    pub(crate) created: i64,
    pub(crate) modified: i64,
}

impl Case {
    /// The case as `GET /case/id/{caseId}` answers it.
    pub(crate) fn to_json(&self, state: &KarmaState) -> serde_json::Value {
        let group = &state.groups[self.group].credentials.group_profile_id;
        serde_json::json!({
            "id": self.id,
            "caseInvitationId": self.invitation_id,
            "candidateId": self.candidate_id,
            "candidateEmail": self.email,
            "givenName": self.given_name,
            "middleName": self.middle_name,
            "familyName": self.family_name,
            "phone": self.phone,
            "packageId": self.package_id,
            "caseTypeId": BACKGROUND_CHECK_CASE_TYPE,
            "groupProfileId": group,
            "caseStatus": self.state.primary.label(),
            "caseStatusId": self.state.primary.system_id(),
            "secondaryStatus": self.state.secondary.map(SecondaryStatus::label),
            "secondaryCaseStatusId": self.state.secondary.and_then(SecondaryStatus::system_id),
            "adverseActionStatus": self.state.adverse_action.map(AdverseActionStatus::label),
            "resultType": self.state.result.label(),
            "resultTypeId": self.state.result.system_id(),
            "crStamp": super::timestamp(self.created),
            "modStamp": super::timestamp(self.modified),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateCase {
    package_id: Option<String>,
    email: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    middle_name: Option<String>,
    phone: Option<String>,
    auto_process: Option<bool>,
    case_type_id: Option<String>,
    order_override: Option<String>,
}

fn bad_request(messages: Vec<String>) -> KarmaError {
    KarmaError::new(StatusCode::BAD_REQUEST, messages.join("; "))
}

/// `POST /case/create`.
pub(super) async fn create(
    State(sandbox): State<KarmaCheckSandbox>,
    headers: HeaderMap,
    body: Result<Json<CreateCase>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), KarmaError> {
    let Json(request) =
        body.map_err(|rejection| KarmaError::new(StatusCode::BAD_REQUEST, rejection.body_text()))?;
    sandbox.with_state(|state| {
        let group = bearer_group(state, &headers)?;
        if let Some(fault) = state.next_create_fault.take() {
            return Err(fault);
        }
        let mut problems = Vec::new();
        let mut required = |name: &str, value: &Option<String>| match value {
            Some(value) if !value.trim().is_empty() => value.trim().to_owned(),
            Some(_) | None => {
                problems.push(format!("{name} should not be empty"));
                String::new()
            }
        };
        let package_id = required("packageId", &request.package_id);
        let email = required("email", &request.email);
        let given_name = required("givenName", &request.given_name);
        let family_name = required("familyName", &request.family_name);
        for (name, value) in [
            ("givenName", Some(&given_name)),
            ("familyName", Some(&family_name)),
            ("middleName", request.middle_name.as_ref()),
        ] {
            if let Some(problem) = value.filter(|v| !v.is_empty()).and_then(|v| karmacheck_name_problem(v)) {
                problems.push(format!("{name} {problem}"));
            }
        }
        if !email.is_empty() && !email.contains('@') {
            problems.push("email must be an email".to_owned());
        }
        if request.auto_process.is_none() {
            problems.push("autoProcess must be a boolean value".to_owned());
        }
        if request
            .case_type_id
            .as_deref()
            .is_some_and(|id| id != BACKGROUND_CHECK_CASE_TYPE)
        {
            problems.push("caseTypeId must be the background check case type".to_owned());
        }
        let override_mode = match request.order_override.as_deref() {
            None => None,
            Some(mode @ ("add" | "replace")) => Some(mode),
            Some(_) => {
                problems.push("orderOverride must be one of the following values: add, replace".to_owned());
                None
            }
        };
        if !problems.is_empty() {
            return Err(bad_request(problems));
        }
        if !state.groups[group]
            .packages
            .iter()
            .any(|package| package.id == package_id)
        {
            return Err(KarmaError::new(StatusCode::NOT_FOUND, "Package not found"));
        }
        let now = state.now();
        let duplicates: Vec<usize> = state
            .cases
            .iter()
            .enumerate()
            .filter(|(_, case)| case.group == group && case.email.eq_ignore_ascii_case(&email))
            .map(|(index, _)| index)
            .collect();
        match override_mode {
            None if !duplicates.is_empty() => {
                return Err(KarmaError::new(
                    StatusCode::CONFLICT,
                    "A case already exists for this email address in this group. Use orderOverride to add a new case or replace the existing one.",
                ));
            }
            Some("replace") => {
                // A replaced case is canceled, as the lifecycle describes.
                for index in duplicates {
                    state.set_case_state(
                        index,
                        CaseState {
                            primary: PrimaryStatus::Adjudicated,
                            secondary: Some(SecondaryStatus::Canceled),
                            adverse_action: None,
                            result: ResultType::Open,
                        },
                        now,
                    );
                }
            }
            Some(_) | None => {}
        }
        let candidate_id = state
            .cases
            .iter()
            .find(|case| case.group == group && case.email.eq_ignore_ascii_case(&email))
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), |case| case.candidate_id.clone());
        let onboarding = if request.auto_process == Some(true) {
            SecondaryStatus::AuthorizationInProgress
        } else {
            SecondaryStatus::WaitingForAuthorization
        };
        let case = Case {
            id: uuid::Uuid::new_v4().to_string(),
            invitation_id: uuid::Uuid::new_v4().to_string(),
            candidate_id,
            group,
            package_id,
            email,
            given_name,
            family_name,
            middle_name: request.middle_name.filter(|name| !name.trim().is_empty()),
            phone: request.phone,
            state: CaseState {
                primary: PrimaryStatus::Pending,
                secondary: Some(onboarding),
                adverse_action: None,
                result: ResultType::Open,
            },
            created: now,
            modified: now,
        };
        let answer = serde_json::json!({"caseId": case.id, "caseInvitationId": case.invitation_id});
        state.cases.push(case);
        let index = state.cases.len() - 1;
        state.emit_case_change(index);
        Ok((StatusCode::CREATED, Json(answer)))
    })
}

/// `GET /case/id/{caseId}`: only the group's own cases.
pub(super) async fn read(
    State(sandbox): State<KarmaCheckSandbox>,
    headers: HeaderMap,
    Path(case_id): Path<String>,
) -> Result<Json<serde_json::Value>, KarmaError> {
    sandbox.with_state(|state| {
        let group = bearer_group(state, &headers)?;
        state
            .cases
            .iter()
            .find(|case| case.id == case_id && case.group == group)
            .map(|case| Json(case.to_json(state)))
            .ok_or_else(|| KarmaError::new(StatusCode::NOT_FOUND, "Case not found"))
    })
}

/// The state each overall status is driven to by name: the first combination of its row.
pub(crate) fn canonical_state(overall: OverallStatus) -> CaseState {
    use AdverseActionStatus as A;
    use OverallStatus as O;
    use PrimaryStatus as P;
    use ResultType as R;
    use SecondaryStatus as S;
    let (primary, secondary, adverse_action, result) = match overall {
        O::InvitationSent => (P::Pending, Some(S::WaitingForAuthorization), None, R::Open),
        O::AuthorizationInProgress => (P::Pending, Some(S::AuthorizationInProgress), None, R::Open),
        O::ProcessingScreenings => (P::Pending, None, None, R::Open),
        O::WaitingForParentalConsent => (
            P::Blocked,
            Some(S::WaitingForParentalConsent),
            None,
            R::Open,
        ),
        O::VerifyingCandidateInput => (P::Blocked, Some(S::VerifyingCandidateInput), None, R::Open),
        O::ReviewingOrder => (P::Blocked, Some(S::ReviewingOrder), None, R::Open),
        O::Blocked => (P::Blocked, None, None, R::Open),
        O::Canceled => (P::Adjudicated, Some(S::Canceled), None, R::Open),
        O::NeedsReview => (P::Complete, Some(S::Consider), None, R::Open),
        O::Clear => (P::Complete, None, None, R::Open),
        O::Placed => (P::Adjudicated, None, None, R::Placed),
        O::PreAdverseAction => (
            P::Complete,
            Some(S::Consider),
            Some(A::PreAdverse),
            R::PreAdverseAction,
        ),
        O::DisputeAdverseAction => (
            P::Complete,
            Some(S::Consider),
            Some(A::Dispute),
            R::DisputeAdverseAction,
        ),
        O::AdverseAction => (P::Adjudicated, None, Some(A::Post), R::AdverseAction),
    };
    CaseState {
        primary,
        secondary,
        adverse_action,
        result,
    }
}

/// What the lifecycle control takes: an overall status by name, or the four attributes.
#[derive(Deserialize)]
pub(super) struct SetStatus {
    overall: Option<OverallStatus>,
    primary: Option<String>,
    secondary: Option<String>,
    adverse_action: Option<String>,
    result: Option<String>,
}

/// `POST /sandbox/cases/{caseId}/status` (control): moves the case and announces it.
pub(super) async fn set_status(
    State(sandbox): State<KarmaCheckSandbox>,
    Path(case_id): Path<String>,
    Json(request): Json<SetStatus>,
) -> Result<Json<serde_json::Value>, KarmaError> {
    let target = match (&request.overall, &request.primary, &request.result) {
        (Some(overall), None, None) => canonical_state(*overall),
        (None, Some(primary), Some(result)) => CaseState::from_raw(
            primary,
            request.secondary.as_deref(),
            request.adverse_action.as_deref(),
            result,
        )
        .map_err(|error| KarmaError::new(StatusCode::BAD_REQUEST, error.to_string()))?,
        _other => {
            return Err(KarmaError::new(
                StatusCode::BAD_REQUEST,
                "send either overall, or primary and result (with secondary and adverse_action when set)",
            ));
        }
    };
    // Only lifecycle combinations: the sandbox never produces a case KarmaCheck would not.
    overall_status(&target)
        .map_err(|error| KarmaError::new(StatusCode::BAD_REQUEST, error.to_string()))?;
    sandbox.with_state(|state| {
        let index = state
            .cases
            .iter()
            .position(|case| case.id == case_id)
            .ok_or_else(|| KarmaError::new(StatusCode::NOT_FOUND, "Case not found"))?;
        let now = state.now();
        state.set_case_state(index, target, now);
        Ok(Json(state.cases[index].to_json(state)))
    })
}

/// `GET /sandbox/cases` (control): every case, for tests and the demo panel.
pub(super) async fn list(State(sandbox): State<KarmaCheckSandbox>) -> Json<Vec<serde_json::Value>> {
    sandbox.with_state(|state| Json(state.cases.iter().map(|case| case.to_json(state)).collect()))
}
