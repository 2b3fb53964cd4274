//! Case lifecycle: the shared vectors, attribute parsing, reversals, unmapped combinations and
//! robustness against arbitrary input.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
#[path = "vectors/karmacheck.rs"]
mod vectors;

use bgcheck::domain::badge::Tone;
use bgcheck::domain::karmacheck::{
    AdverseActionStatus, CaseField, CaseState, KarmaCheckError, OverallStatus, PrimaryStatus,
    ResultType, SecondaryStatus, overall_status,
};
use proptest::prelude::*;

macro_rules! native_case {
    ($name:ident, $row:expr) => {
        #[test]
        fn $name() {
            vectors::check(&$row);
        }
    };
}
karmacheck_rows!(native_case);

fn status_of(
    primary: &str,
    secondary: Option<&str>,
    adverse: Option<&str>,
    result: &str,
) -> Result<OverallStatus, KarmaCheckError> {
    overall_status(&CaseState::from_raw(primary, secondary, adverse, result)?)
}

#[test]
fn primary_status_parses_by_display_name_in_any_spelling() {
    let cases = [
        ("Pending", PrimaryStatus::Pending),
        ("BLOCKED", PrimaryStatus::Blocked),
        (" complete ", PrimaryStatus::Complete),
        ("Adjudicated", PrimaryStatus::Adjudicated),
    ];
    for (input, expected) in cases {
        assert_eq!(PrimaryStatus::parse(input), Some(expected), "{input:?}");
    }
}

#[test]
fn secondary_status_parses_by_display_name_in_any_spelling() {
    let cases = [
        (
            "Waiting for Authorization",
            SecondaryStatus::WaitingForAuthorization,
        ),
        (
            "waiting_for_authorization",
            SecondaryStatus::WaitingForAuthorization,
        ),
        (
            "WAITING-FOR-AUTHORIZATION",
            SecondaryStatus::WaitingForAuthorization,
        ),
        (
            "  waiting  for _authorization ",
            SecondaryStatus::WaitingForAuthorization,
        ),
        (
            "Authorization in Progress",
            SecondaryStatus::AuthorizationInProgress,
        ),
        (
            "Waiting for Parental Consent",
            SecondaryStatus::WaitingForParentalConsent,
        ),
        (
            "verifying-candidate-input",
            SecondaryStatus::VerifyingCandidateInput,
        ),
        ("Reviewing Order", SecondaryStatus::ReviewingOrder),
        ("Canceled", SecondaryStatus::Canceled),
        ("consider", SecondaryStatus::Consider),
    ];
    for (input, expected) in cases {
        assert_eq!(SecondaryStatus::parse(input), Some(expected), "{input:?}");
    }
}

#[test]
fn adverse_action_status_parses_by_display_name_in_any_spelling() {
    let cases = [
        ("Pre-Adverse", AdverseActionStatus::PreAdverse),
        ("pre_adverse", AdverseActionStatus::PreAdverse),
        ("PRE ADVERSE", AdverseActionStatus::PreAdverse),
        ("Dispute", AdverseActionStatus::Dispute),
        ("post", AdverseActionStatus::Post),
        ("Cancel", AdverseActionStatus::Cancel),
    ];
    for (input, expected) in cases {
        assert_eq!(
            AdverseActionStatus::parse(input),
            Some(expected),
            "{input:?}"
        );
    }
}

#[test]
fn result_type_parses_by_display_name_in_any_spelling() {
    let cases = [
        ("Open", ResultType::Open),
        ("placed", ResultType::Placed),
        ("Pre-Adverse Action", ResultType::PreAdverseAction),
        ("pre_adverse_action", ResultType::PreAdverseAction),
        ("Dispute Adverse Action", ResultType::DisputeAdverseAction),
        ("adverse-action", ResultType::AdverseAction),
    ];
    for (input, expected) in cases {
        assert_eq!(ResultType::parse(input), Some(expected), "{input:?}");
    }
}

#[test]
fn statuses_parse_by_confirmed_system_id_in_either_case() {
    let primary = [
        (
            "d894b8a0-937e-46b1-8799-15bad611844f",
            PrimaryStatus::Pending,
        ),
        (
            "93827364-937e-46b1-8799-777366485997",
            PrimaryStatus::Blocked,
        ),
        (
            "22334455-937E-46B1-8799-887766554433",
            PrimaryStatus::Complete,
        ),
        (
            " 47463524-937e-46b1-8799-873f63e7b402 ",
            PrimaryStatus::Adjudicated,
        ),
    ];
    for (input, expected) in primary {
        assert_eq!(PrimaryStatus::parse(input), Some(expected), "{input:?}");
    }
    let secondary = [
        (
            "8e0c9756-a42f-4a7d-b8e2-412a0f6b9dea",
            SecondaryStatus::WaitingForAuthorization,
        ),
        (
            "C5F240CB-5221-451C-8BD1-4BE5BF348CE5",
            SecondaryStatus::AuthorizationInProgress,
        ),
    ];
    for (input, expected) in secondary {
        assert_eq!(SecondaryStatus::parse(input), Some(expected), "{input:?}");
    }
    let result = [
        ("8c94f0d9-57c9-4c7b-be95-5ec309cff330", ResultType::Open),
        ("bbbd9fa2-598f-43f6-8363-b8b55e7aa777", ResultType::Placed),
        (
            "14bba02d-e6c7-45bf-a993-e28c306303c6",
            ResultType::PreAdverseAction,
        ),
        (
            "result-type-dispute-adverse",
            ResultType::DisputeAdverseAction,
        ),
        (
            "d082a629-5dff-4303-83ae-897776ebcb17",
            ResultType::AdverseAction,
        ),
    ];
    for (input, expected) in result {
        assert_eq!(ResultType::parse(input), Some(expected), "{input:?}");
    }
}

#[test]
fn an_id_for_one_attribute_is_not_accepted_for_another() {
    assert_eq!(
        SecondaryStatus::parse("d894b8a0-937e-46b1-8799-15bad611844f"),
        None
    );
    assert_eq!(
        PrimaryStatus::parse("8c94f0d9-57c9-4c7b-be95-5ec309cff330"),
        None
    );
    assert_eq!(
        ResultType::parse("22334455-937e-46b1-8799-887766554433"),
        None
    );
}

#[test]
fn a_truncated_or_unconfirmed_id_is_not_accepted() {
    assert_eq!(SecondaryStatus::parse("b2c707af-091f-"), None);
    assert_eq!(SecondaryStatus::parse("8e0c9756-a42f-4a7d-b8e2"), None);
}

#[test]
fn unknown_or_partial_names_are_rejected() {
    for input in [
        "",
        "   ",
        "Waiting for",
        "Pending!",
        "Pend ing",
        "Approved",
        "pre.adverse",
    ] {
        assert_eq!(PrimaryStatus::parse(input), None, "{input:?}");
        assert_eq!(SecondaryStatus::parse(input), None, "{input:?}");
        assert_eq!(AdverseActionStatus::parse(input), None, "{input:?}");
        assert_eq!(ResultType::parse(input), None, "{input:?}");
    }
}

#[test]
fn every_label_and_wire_name_parses_back_to_its_variant() {
    for v in PrimaryStatus::ALL {
        assert_eq!(PrimaryStatus::parse(v.label()), Some(v));
        assert_eq!(PrimaryStatus::parse(v.as_str()), Some(v));
    }
    for v in SecondaryStatus::ALL {
        assert_eq!(SecondaryStatus::parse(v.label()), Some(v));
        assert_eq!(SecondaryStatus::parse(v.as_str()), Some(v));
    }
    for v in AdverseActionStatus::ALL {
        assert_eq!(AdverseActionStatus::parse(v.label()), Some(v));
        assert_eq!(AdverseActionStatus::parse(v.as_str()), Some(v));
    }
    for v in ResultType::ALL {
        assert_eq!(ResultType::parse(v.label()), Some(v));
        assert_eq!(ResultType::parse(v.as_str()), Some(v));
    }
}

#[test]
fn unrecognised_value_error_names_the_field_and_value() {
    let cases = [
        (
            ("Bogus", None, None, "Open"),
            CaseField::Primary,
            "Bogus",
            "primary status",
        ),
        (
            ("Pending", Some("Later"), None, "Open"),
            CaseField::Secondary,
            "Later",
            "secondary status",
        ),
        (
            ("Complete", None, Some("Maybe"), "Open"),
            CaseField::AdverseAction,
            "Maybe",
            "adverse action status",
        ),
        (
            ("Complete", None, None, "Hired"),
            CaseField::Result,
            "Hired",
            "result type",
        ),
    ];
    for ((p, s, a, r), field, value, field_text) in cases {
        let error = CaseState::from_raw(p, s, a, r).expect_err("an unknown value must be rejected");
        assert_eq!(
            error,
            KarmaCheckError::UnrecognisedValue {
                field,
                value: value.to_owned()
            }
        );
        let message = error.to_string();
        assert!(message.contains(field_text), "{message}");
        assert!(message.contains(value), "{message}");
    }
}

#[test]
fn null_secondary_is_distinct_from_an_empty_string() {
    assert_eq!(
        CaseState::from_raw("Pending", Some(""), None, "Open"),
        Err(KarmaCheckError::UnrecognisedValue {
            field: CaseField::Secondary,
            value: String::new()
        })
    );
}

#[test]
fn unmapped_combination_is_an_error_naming_it() {
    let state = CaseState {
        primary: PrimaryStatus::Complete,
        secondary: None,
        adverse_action: Some(AdverseActionStatus::Post),
        result: ResultType::Open,
    };
    let error = overall_status(&state).expect_err("Complete/null/Post/Open is not a lifecycle row");
    assert_eq!(error, KarmaCheckError::UnmappedCase(state));
    let message = error.to_string();
    for part in ["Complete", "secondary status null", "Post", "Open"] {
        assert!(message.contains(part), "{message} should mention {part}");
    }
}

#[test]
fn near_misses_of_lifecycle_rows_are_not_guessed() {
    let near_misses = [
        ("Pending", Some("Consider"), None, "Open"),
        ("Adjudicated", None, None, "Open"),
        ("Complete", None, Some("Cancel"), "Open"),
        ("Adjudicated", Some("Consider"), None, "Placed"),
        ("Adjudicated", None, Some("Post"), "Placed"),
        ("Complete", None, Some("Pre-Adverse"), "Open"),
        ("Complete", None, Some("Dispute"), "Pre-Adverse Action"),
        (
            "Adjudicated",
            Some("Consider"),
            Some("Post"),
            "Adverse Action",
        ),
        ("Complete", None, Some("Post"), "Adverse Action"),
        ("Blocked", Some("Waiting for Authorization"), None, "Open"),
        ("Pending", Some("Canceled"), None, "Open"),
        ("Adjudicated", Some("Canceled"), Some("Cancel"), "Open"),
    ];
    for (p, s, a, r) in near_misses {
        assert!(
            matches!(status_of(p, s, a, r), Err(KarmaCheckError::UnmappedCase(_))),
            "{p}/{s:?}/{a:?}/{r} has no lifecycle row"
        );
    }
}

#[test]
fn exactly_the_eighteen_lifecycle_combinations_map_and_every_status_is_reachable() {
    let mut mapped = 0;
    let mut reached = Vec::new();
    for primary in PrimaryStatus::ALL {
        for secondary in std::iter::once(None).chain(SecondaryStatus::ALL.map(Some)) {
            for adverse_action in std::iter::once(None).chain(AdverseActionStatus::ALL.map(Some)) {
                for result in ResultType::ALL {
                    let state = CaseState {
                        primary,
                        secondary,
                        adverse_action,
                        result,
                    };
                    if let Ok(status) = overall_status(&state) {
                        mapped += 1;
                        if !reached.contains(&status) {
                            reached.push(status);
                        }
                    }
                }
            }
        }
    }
    assert_eq!(mapped, 18, "14 rows, four with two alternatives");
    assert_eq!(reached.len(), 14);
}

#[test]
fn placed_case_can_reverse_to_needs_review() {
    let steps = [
        status_of("Adjudicated", None, None, "Placed"),
        status_of("Complete", Some("Consider"), None, "Open"),
    ];
    assert_eq!(
        steps,
        [Ok(OverallStatus::Placed), Ok(OverallStatus::NeedsReview)]
    );
}

#[test]
fn needs_review_proceeds_through_pre_adverse_and_dispute_to_adverse_action() {
    let steps = [
        status_of("Complete", Some("Consider"), None, "Open"),
        status_of(
            "Complete",
            Some("Consider"),
            Some("Pre-Adverse"),
            "Pre-Adverse Action",
        ),
        status_of(
            "Complete",
            Some("Consider"),
            Some("Dispute"),
            "Dispute Adverse Action",
        ),
        status_of("Adjudicated", None, Some("Post"), "Adverse Action"),
    ];
    assert_eq!(
        steps,
        [
            Ok(OverallStatus::NeedsReview),
            Ok(OverallStatus::PreAdverseAction),
            Ok(OverallStatus::DisputeAdverseAction),
            Ok(OverallStatus::AdverseAction),
        ]
    );
}

#[test]
fn adverse_action_can_be_taken_back_out_to_placed() {
    let steps = [
        status_of("Adjudicated", None, Some("Post"), "Adverse Action"),
        status_of("Adjudicated", None, None, "Placed"),
    ];
    assert_eq!(
        steps,
        [Ok(OverallStatus::AdverseAction), Ok(OverallStatus::Placed)]
    );
}

#[test]
fn canceled_pre_adverse_action_returns_to_needs_review() {
    let steps = [
        status_of(
            "Complete",
            Some("Consider"),
            Some("Pre-Adverse"),
            "Pre-Adverse Action",
        ),
        status_of("Complete", Some("Consider"), Some("Cancel"), "Open"),
    ];
    assert_eq!(
        steps,
        [
            Ok(OverallStatus::PreAdverseAction),
            Ok(OverallStatus::NeedsReview)
        ]
    );
}

#[test]
fn final_status_does_not_stop_a_later_state_from_mapping() {
    let clear = status_of("Complete", None, None, "Open");
    assert_eq!(clear.map(OverallStatus::is_final), Ok(true));
    assert_eq!(
        status_of(
            "Complete",
            Some("Consider"),
            Some("Pre-Adverse"),
            "Pre-Adverse Action"
        ),
        Ok(OverallStatus::PreAdverseAction)
    );
}

#[test]
fn tones_follow_who_must_act() {
    let cases = [
        (OverallStatus::InvitationSent, Tone::Neutral),
        (OverallStatus::AuthorizationInProgress, Tone::Neutral),
        (OverallStatus::ProcessingScreenings, Tone::Progress),
        (OverallStatus::WaitingForParentalConsent, Tone::Neutral),
        (OverallStatus::VerifyingCandidateInput, Tone::Neutral),
        (OverallStatus::ReviewingOrder, Tone::Neutral),
        (OverallStatus::Blocked, Tone::Attention),
        (OverallStatus::Canceled, Tone::Negative),
        (OverallStatus::NeedsReview, Tone::Attention),
        (OverallStatus::Clear, Tone::Positive),
        (OverallStatus::Placed, Tone::Positive),
        (OverallStatus::PreAdverseAction, Tone::Attention),
        (OverallStatus::DisputeAdverseAction, Tone::Attention),
        (OverallStatus::AdverseAction, Tone::Negative),
    ];
    assert_eq!(cases.len(), OverallStatus::ALL.len());
    for (status, tone) in cases {
        assert_eq!(status.tone(), tone, "{status:?}");
        assert_eq!(status.badge().tone, tone, "{status:?}");
    }
}

fn respell(label: &str, seps: &[u8], upper: &[bool]) -> String {
    let mut out = String::new();
    for (i, c) in label.chars().enumerate() {
        let pick = |n: usize| *seps.get(i % seps.len().max(1)).unwrap_or(&0) as usize % n;
        match c {
            ' ' | '-' | '_' => out.push_str([" ", "_", "-", "  ", " - "][pick(5)]),
            _ if upper.get(i % upper.len().max(1)).copied().unwrap_or(false) => {
                out.push(c.to_ascii_uppercase())
            }
            _ => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

proptest! {
    #[test]
    fn arbitrary_strings_into_from_raw_never_panic(
        p in any::<String>(),
        s in proptest::option::of(any::<String>()),
        a in proptest::option::of(any::<String>()),
        r in any::<String>(),
    ) {
        if let Ok(state) = CaseState::from_raw(&p, s.as_deref(), a.as_deref(), &r) {
            let _ = overall_status(&state);
        }
    }

    #[test]
    fn name_like_strings_into_from_raw_never_panic(
        p in "[A-Za-z _-]{0,60}",
        s in proptest::option::of("[A-Za-z _-]{0,60}"),
        a in proptest::option::of("[A-Za-z _-]{0,60}"),
        r in "[A-Za-z _-]{0,60}",
    ) {
        if let Ok(state) = CaseState::from_raw(&p, s.as_deref(), a.as_deref(), &r) {
            let _ = overall_status(&state);
        }
    }

    #[test]
    fn every_combination_of_attributes_maps_or_reports_itself(
        primary in proptest::sample::select(PrimaryStatus::ALL.to_vec()),
        secondary in proptest::option::of(proptest::sample::select(SecondaryStatus::ALL.to_vec())),
        adverse_action in proptest::option::of(proptest::sample::select(AdverseActionStatus::ALL.to_vec())),
        result in proptest::sample::select(ResultType::ALL.to_vec()),
    ) {
        let state = CaseState { primary, secondary, adverse_action, result };
        match overall_status(&state) {
            Ok(status) => prop_assert!(OverallStatus::ALL.contains(&status)),
            Err(error) => prop_assert_eq!(error, KarmaCheckError::UnmappedCase(state)),
        }
    }

    #[test]
    fn secondary_labels_parse_whatever_the_case_and_separators(
        status in proptest::sample::select(SecondaryStatus::ALL.to_vec()),
        seps in proptest::collection::vec(any::<u8>(), 1..8),
        upper in proptest::collection::vec(any::<bool>(), 1..8),
    ) {
        let spelled = respell(status.label(), &seps, &upper);
        prop_assert_eq!(SecondaryStatus::parse(&spelled), Some(status), "{}", spelled);
    }

    #[test]
    fn result_labels_parse_whatever_the_case_and_separators(
        result in proptest::sample::select(ResultType::ALL.to_vec()),
        seps in proptest::collection::vec(any::<u8>(), 1..8),
        upper in proptest::collection::vec(any::<bool>(), 1..8),
    ) {
        let spelled = respell(result.label(), &seps, &upper);
        prop_assert_eq!(ResultType::parse(&spelled), Some(result), "{}", spelled);
    }
}
