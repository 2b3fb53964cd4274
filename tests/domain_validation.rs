//! Order-form validation: the shared vectors, the country and state lists, the JSON the
//! provider receives, and properties over arbitrary drafts.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
#[path = "vectors/validation.rs"]
mod vectors;

use std::collections::BTreeSet;

use bgcheck::domain::geo::{COUNTRIES, US_STATES, country_name, is_country, is_us_state};
use bgcheck::domain::validation::{
    CandidateDraft, Field, FieldErrors, OrderDraft, OrderRules, Region, WorkLocation,
    validate_candidate, validate_field, validate_order, validate_order_field,
};
use proptest::prelude::*;
use serde_json::{Value, json};

macro_rules! native_case {
    ($name:ident, $row:expr) => {
        #[test]
        fn $name() {
            vectors::check(&$row);
        }
    };
}

validation_rows!(native_case);

fn us_draft() -> CandidateDraft {
    vectors::draft(&vectors::US).candidate
}

fn non_us_draft() -> CandidateDraft {
    vectors::draft(&vectors::NON_US).candidate
}

#[test]
fn country_list_has_249_unique_two_letter_codes() {
    let codes: BTreeSet<&str> = COUNTRIES.iter().map(|(code, _)| *code).collect();
    assert_eq!(COUNTRIES.len(), 249);
    assert_eq!(codes.len(), 249, "a country code appears twice");
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
    );
}

#[test]
fn country_list_includes_us_gb_de_and_aland() {
    assert_eq!(country_name("US"), Some("United States"));
    assert_eq!(country_name("GB"), Some("United Kingdom"));
    assert_eq!(country_name("DE"), Some("Germany"));
    assert_eq!(country_name("AX"), Some("Åland Islands"));
}

#[test]
fn kosovo_is_not_in_the_iso_list() {
    assert!(!is_country("XK"));
    assert_eq!(country_name("XK"), None);
}

#[test]
fn country_and_state_lookups_take_exact_uppercase_codes() {
    assert!(is_country("US"));
    assert!(!is_country("us"));
    assert!(!is_country(" US"));
    assert!(is_us_state("CA"));
    assert!(!is_us_state("ca"));
    assert!(!is_us_state("USA"));
}

#[test]
fn country_list_is_sorted_by_name_for_a_select() {
    let names: Vec<&str> = COUNTRIES.iter().map(|(_, name)| *name).collect();
    assert_eq!(names.first(), Some(&"Afghanistan"));
    assert_eq!(names.last(), Some(&"Zimbabwe"));
    // Accented initials sort with their base letter, not after Z.
    assert_eq!(&names[..3], &["Afghanistan", "Åland Islands", "Albania"]);
    let ascii: Vec<&str> = names.iter().copied().filter(|n| n.is_ascii()).collect();
    assert!(
        ascii
            .windows(2)
            .all(|w| w[0].to_lowercase() <= w[1].to_lowercase()),
        "names are not in alphabetical order"
    );
}

#[test]
fn us_states_are_fifty_states_dc_and_six_territories() {
    let codes: BTreeSet<&str> = US_STATES.iter().map(|(code, _)| *code).collect();
    assert_eq!(US_STATES.len(), 57);
    assert_eq!(codes.len(), 57, "a state code appears twice");
    for code in [
        "DC", "AS", "GU", "MP", "PR", "VI", "UM", "CA", "NY", "WY", "AK", "HI",
    ] {
        assert!(is_us_state(code), "{code} is missing");
    }
    for code in ["US", "XX", "PI"] {
        assert!(!is_us_state(code), "{code} is not a US state");
    }
}

#[test]
fn region_of_a_us_work_location_is_us() {
    let location = WorkLocation {
        country: " us ".to_owned(),
        state: Some("CA".to_owned()),
        city: None,
    };
    assert_eq!(location.region(), Region::Us);
}

#[test]
fn region_of_a_non_us_work_location_is_non_us() {
    for country in ["GB", "DE", "CA", "", "USA"] {
        let location = WorkLocation {
            country: country.to_owned(),
            state: None,
            city: None,
        };
        assert_eq!(location.region(), Region::NonUs, "{country:?}");
    }
}

#[test]
fn valid_candidate_serialises_as_the_create_candidate_body() {
    let valid = validate_candidate(&us_draft()).expect("valid");
    let body = serde_json::to_value(&valid).expect("json");
    assert_eq!(
        body,
        json!({
            "first_name": "Ana María",
            "middle_name": "José",
            "no_middle_name": false,
            "last_name": "O'Neil-Núñez",
            "email": "ana.maria+jobs@example.co.uk",
            "phone": "+1 (415) 555-0100",
            "zipcode": "94107",
            "custom_id": "applicant-42",
            "work_locations": [{"country": "US", "state": "CA", "city": "San Francisco"}]
        })
    );
}

#[test]
fn candidate_without_middle_name_omits_it_and_sets_no_middle_name() {
    let valid = validate_candidate(&non_us_draft()).expect("valid");
    let body = serde_json::to_value(&valid).expect("json");
    assert_eq!(
        body,
        json!({
            "first_name": "Zoë",
            "no_middle_name": true,
            "last_name": "Müller",
            "email": "zoe@example.de",
            "custom_id": "A-7",
            "work_locations": [{"country": "DE", "city": "Berlin"}]
        })
    );
}

#[test]
fn values_are_trimmed_before_they_are_sent() {
    let mut draft = us_draft();
    draft.first_name = "  Ana ".to_owned();
    draft.email = " ana@example.com\t".to_owned();
    draft.custom_id = " 42 ".to_owned();
    draft.work_location.city = Some("  ".to_owned());
    let valid = validate_candidate(&draft).expect("valid");
    assert_eq!(valid.first_name(), "Ana");
    assert_eq!(valid.email(), "ana@example.com");
    assert_eq!(valid.custom_id(), "42");
    assert_eq!(valid.work_location().city, None, "a blank city is not sent");
}

fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.push(key.clone());
                keys(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

#[test]
fn neither_draft_nor_valid_candidate_serialises_ssn_dob_or_licence() {
    let mut draft = us_draft();
    draft.ssn = Some("123-45-6789".to_owned());
    draft.dob = Some("1990-01-31".to_owned());
    draft.driver_license_number = Some("D1234567".to_owned());
    draft.driver_license_state = Some("CA".to_owned());
    let draft_json = serde_json::to_value(&draft).expect("json");
    let valid_json =
        serde_json::to_value(validate_candidate(&us_draft()).expect("valid")).expect("json");
    for value in [&draft_json, &valid_json] {
        let mut found = Vec::new();
        keys(value, &mut found);
        for forbidden in [
            "ssn",
            "dob",
            "driver_license_number",
            "driver_license_state",
        ] {
            assert!(
                !found.iter().any(|k| k == forbidden),
                "{forbidden} serialised"
            );
        }
        let text = value.to_string();
        assert!(!text.contains("123-45-6789") && !text.contains("1990-01-31"));
    }
}

#[test]
fn draft_debug_output_hides_refused_pii() {
    let mut draft = us_draft();
    draft.ssn = Some("123-45-6789".to_owned());
    draft.dob = Some("1990-01-31".to_owned());
    draft.driver_license_number = Some("D1234567".to_owned());
    let shown = format!("{draft:?}");
    assert!(!shown.contains("123-45-6789"));
    assert!(!shown.contains("1990-01-31"));
    assert!(!shown.contains("D1234567"));
    assert!(shown.contains("Ana María"), "the rest stays visible");
}

#[test]
fn ssn_sent_by_the_widget_is_read_and_refused_by_the_proxy() {
    let draft: CandidateDraft = serde_json::from_value(json!({
        "first_name": "Ana", "no_middle_name": true, "last_name": "Lee",
        "email": "ana@example.com", "custom_id": "1",
        "work_location": {"country": "US", "state": "CA"},
        "ssn": "123456789", "dob": "1990-01-31"
    }))
    .expect("json");
    let errors = validate_candidate(&draft).expect_err("refused");
    let fields: Vec<Field> = errors.iter().map(|(f, _)| f).collect();
    assert_eq!(fields, vec![Field::Ssn, Field::Dob]);
}

#[test]
fn empty_json_draft_reads_and_gets_a_message_per_required_field() {
    let draft: CandidateDraft = serde_json::from_value(json!({})).expect("json");
    let errors = validate_candidate(&draft).expect_err("empty");
    let fields: Vec<Field> = errors.iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        vec![
            Field::FirstName,
            Field::MiddleName,
            Field::LastName,
            Field::Email,
            Field::CustomId,
            Field::Country,
        ]
    );
    assert_eq!(
        errors.first(),
        Some(Field::FirstName),
        "focus goes to the top field"
    );
}

#[test]
fn field_errors_serialise_as_an_object_of_field_name_to_message() {
    let mut draft = us_draft();
    draft.last_name = "O".to_owned();
    draft.email = String::new();
    let errors = validate_candidate(&draft).expect_err("invalid");
    let body = serde_json::to_value(&errors).expect("json");
    assert_eq!(
        body,
        json!({
            "last_name": "Last name needs at least 2 characters",
            "email": "Enter the candidate's email address"
        })
    );
    let back: FieldErrors = serde_json::from_value(body).expect("round trip");
    assert_eq!(back, errors);
}

#[test]
fn field_names_match_their_wire_names_and_form_order() {
    for field in Field::ALL {
        assert_eq!(
            serde_json::to_value(field).expect("json"),
            Value::String(field.as_str().to_owned())
        );
        assert!(!field.label().is_empty());
    }
    assert!(
        Field::ALL.windows(2).all(|w| w[0] < w[1]),
        "ALL is in form order"
    );
}

#[test]
fn invitation_carries_candidate_id_package_node_and_the_same_work_location() {
    let order = OrderDraft {
        candidate: us_draft(),
        package: " driver_pro ".to_owned(),
        node: Some("west".to_owned()),
        tags: Vec::new(),
    };
    let valid = validate_order(
        &order,
        OrderRules {
            node_required: true,
        },
    )
    .expect("valid");
    let body = serde_json::to_value(valid.invitation("cand_123")).expect("json");
    assert_eq!(
        body,
        json!({
            "candidate_id": "cand_123",
            "package": "driver_pro",
            "node": "west",
            "work_locations": [{"country": "US", "state": "CA", "city": "San Francisco"}]
        })
    );
}

#[test]
fn invitation_omits_node_when_there_is_none() {
    let order = OrderDraft {
        candidate: non_us_draft(),
        package: "intl".to_owned(),
        node: Some("   ".to_owned()),
        tags: Vec::new(),
    };
    let valid = validate_order(&order, OrderRules::default()).expect("valid");
    let body = serde_json::to_value(valid.invitation("c")).expect("json");
    assert_eq!(
        body,
        json!({
            "candidate_id": "c",
            "package": "intl",
            "work_locations": [{"country": "DE", "city": "Berlin"}]
        })
    );
}

#[test]
fn order_collects_candidate_package_and_node_errors_together() {
    let mut candidate = us_draft();
    candidate.email = "nope".to_owned();
    let order = OrderDraft {
        candidate,
        package: String::new(),
        node: None,
        tags: Vec::new(),
    };
    let errors = validate_order(
        &order,
        OrderRules {
            node_required: true,
        },
    )
    .expect_err("invalid");
    let fields: Vec<Field> = errors.iter().map(|(f, _)| f).collect();
    // Screen order: the picker and the package sit above the candidate.
    assert_eq!(fields, vec![Field::Node, Field::Package, Field::Email]);
}

#[test]
fn field_errors_display_lists_labels_and_messages() {
    let mut errors = FieldErrors::new();
    errors.insert(Field::Email, "Enter the candidate's email address");
    errors.insert(Field::FirstName, "Enter the candidate's first name");
    assert_eq!(
        errors.to_string(),
        "First name: Enter the candidate's first name; Email: Enter the candidate's email address"
    );
}

fn name() -> impl Strategy<Value = String> {
    // A letter at each end keeps trimming from shortening the name below two characters.
    (
        "[a-zA-Zé]",
        "[a-zA-Z0-9ªµºÀ-ÖØ-öø-ÿ'., -]{0,40}",
        "[a-zA-Zü]",
    )
        .prop_map(|(a, mid, b)| format!("{a}{mid}{b}"))
}

prop_compose! {
    fn valid_draft()(
        first in prop_oneof![name(), "[a-zA-ZÀ]"],
        middle in proptest::option::of(prop_oneof![name(), "[a-zA-Zø]"]),
        last in name(),
        local in "[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,10}(\\.[a-z0-9_-]{1,5}){0,2}",
        domain in "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z0-9]{1,6}){0,2}\\.[a-z]{2,6}",
        phone in proptest::option::of("\\+?[0-9]{3}[ .-]?\\(?[0-9]{3}\\)?[ .-]?[0-9]{4,9}"),
        zip in proptest::option::of("[0-9]{5}"),
        custom_id in "[ -~]{0,20}[!-~]",
        us in any::<bool>(),
        country_index in 0..COUNTRIES.len(),
        state_index in 0..US_STATES.len(),
        foreign_state in proptest::option::of("[A-Za-z0-9]{1,3}"),
        city in proptest::option::of("[A-Za-z .'-]{0,30}"),
        lowercase in any::<bool>(),
    ) -> CandidateDraft {
        let country = if us { "US" } else { COUNTRIES[country_index].0 };
        let us = country == "US";
        let cased = |s: &str| if lowercase { s.to_lowercase() } else { s.to_owned() };
        CandidateDraft {
            first_name: first,
            no_middle_name: middle.is_none(),
            middle_name: middle,
            last_name: last,
            email: format!("{local}@{domain}"),
            phone,
            zipcode: if us { zip } else { None },
            custom_id,
            work_location: WorkLocation {
                country: cased(country),
                state: if us { Some(cased(US_STATES[state_index].0)) } else { foreign_state },
                city,
            },
            ssn: None,
            dob: None,
            driver_license_number: None,
            driver_license_state: None,
        }
    }
}

// Boxed so the value trees stay small: unboxed, fifteen of them overflow a test thread's stack.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,12}",
        "[a-zA-Zª-ÿ@ \t.,'’-]{0,300}",
        Just(String::new()),
        Just("US".to_owned()),
        Just("us".to_owned()),
    ]
    .boxed()
}

fn maybe_text() -> BoxedStrategy<Option<String>> {
    proptest::option::of(text()).boxed()
}

prop_compose! {
    fn arbitrary_draft()(
        first_name in text(),
        middle_name in maybe_text(),
        no_middle_name in any::<bool>(),
        last_name in text(),
        email in text(),
        phone in maybe_text(),
        zipcode in maybe_text(),
        custom_id in text(),
        country in text(),
        state in maybe_text(),
        city in maybe_text(),
        ssn in maybe_text(),
        dob in maybe_text(),
        driver_license_number in maybe_text(),
        driver_license_state in maybe_text(),
    ) -> CandidateDraft {
        CandidateDraft {
            first_name, middle_name, no_middle_name, last_name, email, phone, zipcode,
            custom_id, work_location: WorkLocation { country, state, city },
            ssn, dob, driver_license_number, driver_license_state,
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_drafts_never_panic_and_inline_checks_agree(
        draft in arbitrary_draft(),
        package in text(),
        node in maybe_text(),
        node_required in any::<bool>(),
    ) {
        let candidate = validate_candidate(&draft);
        for field in Field::ALL {
            let expected = candidate.as_ref().err().and_then(|e| e.get(field)).map(str::to_owned);
            prop_assert_eq!(validate_field(&draft, field), expected, "field {}", field.as_str());
        }
        let order = OrderDraft { candidate: draft, package, node, tags: Vec::new() };
        let rules = OrderRules { node_required };
        let result = validate_order(&order, rules);
        for field in Field::ALL {
            let expected = result.as_ref().err().and_then(|e| e.get(field)).map(str::to_owned);
            prop_assert_eq!(validate_order_field(&order, rules, field), expected, "field {}", field.as_str());
        }
        if let Err(errors) = &result {
            prop_assert!(!errors.is_empty());
        }
    }

    #[test]
    fn generated_valid_drafts_pass(draft in valid_draft()) {
        let valid = validate_candidate(&draft);
        prop_assert!(valid.is_ok(), "{:?}", valid.err());
        let valid = valid.expect("checked");
        let us = draft.work_location.country.eq_ignore_ascii_case("US");
        prop_assert_eq!(valid.region() == Region::Us, us);
        prop_assert_eq!(&valid.work_location().country, &draft.work_location.country.to_ascii_uppercase());
        for field in Field::ALL {
            prop_assert_eq!(validate_field(&draft, field), None);
        }
    }

    #[test]
    fn any_non_blank_ssn_is_refused(draft in valid_draft(), ssn in "[ -~]*[!-~][ -~]*") {
        let draft = CandidateDraft { ssn: Some(ssn), ..draft };
        let errors = validate_candidate(&draft).expect_err("refused");
        let fields: Vec<Field> = errors.iter().map(|(f, _)| f).collect();
        prop_assert_eq!(fields, vec![Field::Ssn]);
    }
}

#[test]
fn order_errors_come_in_screen_order_node_and_package_first() {
    let draft: OrderDraft = serde_json::from_value(json!({
        "candidate": {"first_name": "Jordan", "last_name": "Rivera"},
        "package": ""
    }))
    .expect("json");
    let errors = validate_order(
        &draft,
        OrderRules {
            node_required: true,
        },
    )
    .expect_err("invalid");
    let fields: Vec<Field> = errors.iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields[..3],
        [Field::Node, Field::Package, Field::MiddleName],
        "the picker and the package sit above the candidate"
    );
    assert_eq!(
        errors.first(),
        Some(Field::Node),
        "focus goes to the picker"
    );
}
