//! Case lifecycle vectors: each row's four case attributes and the overall status they mean.

use bgcheck::domain::karmacheck::{CaseState, OverallStatus, overall_status};

/// One case: the raw attributes as received (`None` = null) and the row they belong to.
pub struct Row {
    /// Primary status, by name or system ID.
    pub primary: &'static str,
    /// Secondary status, by name or system ID.
    pub secondary: Option<&'static str>,
    /// Adverse action status, by name.
    pub adverse: Option<&'static str>,
    /// Result type, by name or system ID.
    pub result: &'static str,
    /// The overall status of the row.
    pub expected: OverallStatus,
    /// The row's "Overall status" text.
    pub label: &'static str,
    /// The row's "Final state?" column (any "Yes…" is true).
    pub is_final: bool,
}

/// Asserts the domain module's answer for `row` (used by native and browser tests alike).
pub fn check(row: &Row) {
    let state = CaseState::from_raw(row.primary, row.secondary, row.adverse, row.result);
    let state = match state {
        Ok(state) => state,
        Err(error) => panic!("every lifecycle attribute value must be readable: {error}"),
    };
    let status = overall_status(&state);
    assert_eq!(
        status,
        Ok(row.expected),
        "a lifecycle row's combination must map to that row's overall status"
    );
    assert_eq!(
        row.expected.label(),
        row.label,
        "the label must be the lifecycle's overall status text, verbatim"
    );
    assert_eq!(
        row.expected.is_final(),
        row.is_final,
        "finality must follow the lifecycle's final state column"
    );
    let badge = row.expected.badge();
    assert_eq!(
        (badge.label, badge.is_final, badge.canceled_indicator),
        (row.label, row.is_final, false),
        "the badge must carry the row's label and finality, without the canceled indicator"
    );
}

/// Calls `$case!(test_name, row)` for every case.
macro_rules! karmacheck_rows {
    ($case:ident) => {
        $case!(
            invitation_sent_when_pending_waiting_for_authorization_open,
            vectors::Row {
                primary: "Pending",
                secondary: Some("Waiting for Authorization"),
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::InvitationSent,
                label: "Invitation sent",
                is_final: false,
            }
        );
        $case!(
            authorization_in_progress_when_pending_authorization_in_progress_open,
            vectors::Row {
                primary: "Pending",
                secondary: Some("Authorization in Progress"),
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::AuthorizationInProgress,
                label: "Authorization in progress",
                is_final: false,
            }
        );
        $case!(
            processing_screenings_when_pending_without_secondary_open,
            vectors::Row {
                primary: "Pending",
                secondary: None,
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::ProcessingScreenings,
                label: "Processing screenings",
                is_final: false,
            }
        );
        $case!(
            waiting_for_parental_consent_when_blocked_waiting_for_parental_consent_open,
            vectors::Row {
                primary: "Blocked",
                secondary: Some("Waiting for Parental Consent"),
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::WaitingForParentalConsent,
                label: "Waiting for parental consent",
                is_final: false,
            }
        );
        $case!(
            verifying_candidate_input_when_blocked_verifying_candidate_input_open,
            vectors::Row {
                primary: "Blocked",
                secondary: Some("Verifying Candidate Input"),
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::VerifyingCandidateInput,
                label: "Verifying candidate input",
                is_final: false,
            }
        );
        $case!(
            reviewing_order_when_blocked_reviewing_order_open,
            vectors::Row {
                primary: "Blocked",
                secondary: Some("Reviewing Order"),
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::ReviewingOrder,
                label: "Reviewing order",
                is_final: false,
            }
        );
        $case!(
            blocked_when_blocked_without_secondary_open,
            vectors::Row {
                primary: "Blocked",
                secondary: None,
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::Blocked,
                label: "Blocked",
                is_final: false,
            }
        );
        $case!(
            canceled_when_adjudicated_canceled_open,
            vectors::Row {
                primary: "Adjudicated",
                secondary: Some("Canceled"),
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::Canceled,
                label: "Canceled",
                is_final: true,
            }
        );
        $case!(
            needs_review_when_complete_consider_without_adverse_action_open,
            vectors::Row {
                primary: "Complete",
                secondary: Some("Consider"),
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::NeedsReview,
                label: "Needs review",
                is_final: true,
            }
        );
        $case!(
            needs_review_with_adverse_cancel,
            vectors::Row {
                primary: "Complete",
                secondary: Some("Consider"),
                adverse: Some("Cancel"),
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::NeedsReview,
                label: "Needs review",
                is_final: true,
            }
        );
        $case!(
            clear_when_complete_without_secondary_open,
            vectors::Row {
                primary: "Complete",
                secondary: None,
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::Clear,
                label: "Clear",
                is_final: true,
            }
        );
        $case!(
            placed_when_adjudicated_without_adverse_action_placed,
            vectors::Row {
                primary: "Adjudicated",
                secondary: None,
                adverse: None,
                result: "Placed",
                expected: bgcheck::domain::karmacheck::OverallStatus::Placed,
                label: "Placed",
                is_final: true,
            }
        );
        $case!(
            placed_with_adverse_cancel,
            vectors::Row {
                primary: "Adjudicated",
                secondary: None,
                adverse: Some("Cancel"),
                result: "Placed",
                expected: bgcheck::domain::karmacheck::OverallStatus::Placed,
                label: "Placed",
                is_final: true,
            }
        );
        $case!(
            pre_adverse_action_with_consider,
            vectors::Row {
                primary: "Complete",
                secondary: Some("Consider"),
                adverse: Some("Pre-Adverse"),
                result: "Pre-Adverse Action",
                expected: bgcheck::domain::karmacheck::OverallStatus::PreAdverseAction,
                label: "Pre-adverse action",
                is_final: false,
            }
        );
        $case!(
            pre_adverse_action_with_null_secondary,
            vectors::Row {
                primary: "Complete",
                secondary: None,
                adverse: Some("Pre-Adverse"),
                result: "Pre-Adverse Action",
                expected: bgcheck::domain::karmacheck::OverallStatus::PreAdverseAction,
                label: "Pre-adverse action",
                is_final: false,
            }
        );
        $case!(
            dispute_adverse_action_with_consider,
            vectors::Row {
                primary: "Complete",
                secondary: Some("Consider"),
                adverse: Some("Dispute"),
                result: "Dispute Adverse Action",
                expected: bgcheck::domain::karmacheck::OverallStatus::DisputeAdverseAction,
                label: "Dispute adverse action",
                is_final: false,
            }
        );
        $case!(
            dispute_adverse_action_with_null_secondary,
            vectors::Row {
                primary: "Complete",
                secondary: None,
                adverse: Some("Dispute"),
                result: "Dispute Adverse Action",
                expected: bgcheck::domain::karmacheck::OverallStatus::DisputeAdverseAction,
                label: "Dispute adverse action",
                is_final: false,
            }
        );
        $case!(
            adverse_action_when_adjudicated_post_adverse_action,
            vectors::Row {
                primary: "Adjudicated",
                secondary: None,
                adverse: Some("Post"),
                result: "Adverse Action",
                expected: bgcheck::domain::karmacheck::OverallStatus::AdverseAction,
                label: "Adverse action",
                is_final: true,
            }
        );
        $case!(
            invitation_sent_from_system_ids,
            vectors::Row {
                primary: "d894b8a0-937e-46b1-8799-15bad611844f",
                secondary: Some("8e0c9756-a42f-4a7d-b8e2-412a0f6b9dea"),
                adverse: None,
                result: "8c94f0d9-57c9-4c7b-be95-5ec309cff330",
                expected: bgcheck::domain::karmacheck::OverallStatus::InvitationSent,
                label: "Invitation sent",
                is_final: false,
            }
        );
        $case!(
            authorization_in_progress_from_system_ids,
            vectors::Row {
                primary: "d894b8a0-937e-46b1-8799-15bad611844f",
                secondary: Some("c5f240cb-5221-451c-8bd1-4be5bf348ce5"),
                adverse: None,
                result: "8c94f0d9-57c9-4c7b-be95-5ec309cff330",
                expected: bgcheck::domain::karmacheck::OverallStatus::AuthorizationInProgress,
                label: "Authorization in progress",
                is_final: false,
            }
        );
        $case!(
            placed_from_system_ids,
            vectors::Row {
                primary: "47463524-937e-46b1-8799-873f63e7b402",
                secondary: None,
                adverse: None,
                result: "bbbd9fa2-598f-43f6-8363-b8b55e7aa777",
                expected: bgcheck::domain::karmacheck::OverallStatus::Placed,
                label: "Placed",
                is_final: true,
            }
        );
        $case!(
            dispute_adverse_action_from_system_ids_and_adverse_name,
            vectors::Row {
                primary: "22334455-937e-46b1-8799-887766554433",
                secondary: None,
                adverse: Some("dispute"),
                result: "result-type-dispute-adverse",
                expected: bgcheck::domain::karmacheck::OverallStatus::DisputeAdverseAction,
                label: "Dispute adverse action",
                is_final: false,
            }
        );
        $case!(
            adverse_action_from_system_ids_and_adverse_name,
            vectors::Row {
                primary: "47463524-937e-46b1-8799-873f63e7b402",
                secondary: None,
                adverse: Some("post"),
                result: "d082a629-5dff-4303-83ae-897776ebcb17",
                expected: bgcheck::domain::karmacheck::OverallStatus::AdverseAction,
                label: "Adverse action",
                is_final: true,
            }
        );
        $case!(
            pre_adverse_action_from_system_ids_and_adverse_name,
            vectors::Row {
                primary: "22334455-937e-46b1-8799-887766554433",
                secondary: None,
                adverse: Some("pre_adverse"),
                result: "14bba02d-e6c7-45bf-a993-e28c306303c6",
                expected: bgcheck::domain::karmacheck::OverallStatus::PreAdverseAction,
                label: "Pre-adverse action",
                is_final: false,
            }
        );
        $case!(
            blocked_from_system_id,
            vectors::Row {
                primary: "93827364-937e-46b1-8799-777366485997",
                secondary: None,
                adverse: None,
                result: "Open",
                expected: bgcheck::domain::karmacheck::OverallStatus::Blocked,
                label: "Blocked",
                is_final: false,
            }
        );
    };
}
