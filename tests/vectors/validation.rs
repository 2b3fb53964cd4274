//! Order-form validation cases: one valid order per region and each rule failing on its own.

use bgcheck::domain::validation::{
    CandidateDraft, Field, OrderDraft, OrderRules, Region, WorkLocation, validate_candidate,
    validate_field, validate_order, validate_order_field,
};

/// What a row should produce.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// The order passes; the candidate lands in `region` with these normalised codes.
    Valid {
        /// Region of the candidate record.
        region: Region,
        /// Country code after normalisation.
        country: &'static str,
        /// State code after normalisation.
        state: Option<&'static str>,
    },
    /// Exactly `field` fails, with a message containing `phrase` (case-insensitive).
    Invalid {
        /// The one field that must fail.
        field: Field,
        /// A key phrase of the recruiter-facing message.
        phrase: &'static str,
    },
}

/// One case: an order form as typed, the account rule, and the expected outcome.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// First name field.
    pub first_name: &'static str,
    /// Middle name field.
    pub middle_name: Option<&'static str>,
    /// "No middle name" box.
    pub no_middle_name: bool,
    /// Last name field.
    pub last_name: &'static str,
    /// Email field.
    pub email: &'static str,
    /// Phone field.
    pub phone: Option<&'static str>,
    /// ZIP code field.
    pub zipcode: Option<&'static str>,
    /// Applicant ID.
    pub custom_id: &'static str,
    /// Work country.
    pub country: &'static str,
    /// Work state.
    pub state: Option<&'static str>,
    /// Work city.
    pub city: Option<&'static str>,
    /// SSN smuggled into the draft.
    pub ssn: Option<&'static str>,
    /// Date of birth smuggled into the draft.
    pub dob: Option<&'static str>,
    /// Driver's licence number smuggled into the draft.
    pub driver_license_number: Option<&'static str>,
    /// Driver's licence state smuggled into the draft.
    pub driver_license_state: Option<&'static str>,
    /// Package slug.
    pub package: &'static str,
    /// Node custom ID.
    pub node: Option<&'static str>,
    /// The account has nodes.
    pub node_required: bool,
    /// Expected outcome.
    pub expect: Expect,
}

/// A complete, valid order for a candidate working in the United States.
pub const US: Row = Row {
    first_name: "Ana María",
    middle_name: Some("José"),
    no_middle_name: false,
    last_name: "O'Neil-Núñez",
    email: "ana.maria+jobs@example.co.uk",
    phone: Some("+1 (415) 555-0100"),
    zipcode: Some("94107"),
    custom_id: "applicant-42",
    country: "US",
    state: Some("CA"),
    city: Some("San Francisco"),
    ssn: None,
    dob: None,
    driver_license_number: None,
    driver_license_state: None,
    package: "driver_pro",
    node: None,
    node_required: false,
    expect: Expect::Valid {
        region: Region::Us,
        country: "US",
        state: Some("CA"),
    },
};

/// A complete, valid order for a candidate working outside the United States, with no state.
pub const NON_US: Row = Row {
    first_name: "Zoë",
    middle_name: None,
    no_middle_name: true,
    last_name: "Müller",
    email: "zoe@example.de",
    phone: None,
    zipcode: None,
    custom_id: "A-7",
    country: "DE",
    state: None,
    city: Some("Berlin"),
    ssn: None,
    dob: None,
    driver_license_number: None,
    driver_license_state: None,
    package: "international_basic",
    node: None,
    node_required: false,
    expect: Expect::Valid {
        region: Region::NonUs,
        country: "DE",
        state: None,
    },
};

/// The order draft the row describes.
pub fn draft(row: &Row) -> OrderDraft {
    let own = |v: Option<&str>| v.map(str::to_owned);
    OrderDraft {
        candidate: CandidateDraft {
            first_name: row.first_name.to_owned(),
            middle_name: own(row.middle_name),
            no_middle_name: row.no_middle_name,
            last_name: row.last_name.to_owned(),
            email: row.email.to_owned(),
            phone: own(row.phone),
            zipcode: own(row.zipcode),
            custom_id: row.custom_id.to_owned(),
            work_location: WorkLocation {
                country: row.country.to_owned(),
                state: own(row.state),
                city: own(row.city),
            },
            ssn: own(row.ssn),
            dob: own(row.dob),
            driver_license_number: own(row.driver_license_number),
            driver_license_state: own(row.driver_license_state),
        },
        package: row.package.to_owned(),
        node: own(row.node),
        tags: Vec::new(),
    }
}

/// Asserts the validation module's answer for `row` (used by native and browser tests alike).
pub fn check(row: &Row) {
    let order = draft(row);
    let rules = OrderRules {
        node_required: row.node_required,
    };
    let by_order = validate_order(&order, rules);
    let by_candidate = validate_candidate(&order.candidate);
    match row.expect {
        Expect::Valid {
            region,
            country,
            state,
        } => {
            let valid = match by_order {
                Ok(valid) => valid,
                Err(errors) => panic!("a valid order was refused: {errors}"),
            };
            let candidate = valid.candidate();
            assert_eq!(
                candidate.region(),
                region,
                "candidate lands in the wrong region"
            );
            assert_eq!(
                candidate.work_location().country,
                country,
                "country code is not normalised"
            );
            assert_eq!(
                candidate.work_location().state.as_deref(),
                state,
                "state code is not normalised"
            );
            assert_eq!(
                by_candidate.as_ref().ok(),
                Some(candidate),
                "candidate validation disagrees with order validation"
            );
            for field in Field::ALL {
                assert_eq!(
                    validate_order_field(&order, rules, field),
                    None,
                    "a field of a valid order reports an error on blur"
                );
            }
        }
        Expect::Invalid { field, phrase } => {
            let errors = match by_order {
                Ok(_) => panic!("an order with a bad {} was accepted", field.as_str()),
                Err(errors) => errors,
            };
            let failing: Vec<Field> = errors.iter().map(|(f, _)| f).collect();
            assert_eq!(failing, vec![field], "exactly the broken field must fail");
            let message = errors.get(field).unwrap_or_default();
            assert!(
                message.to_lowercase().contains(&phrase.to_lowercase()),
                "message {message:?} for {} lacks {phrase:?}",
                field.as_str()
            );
            assert_eq!(
                errors.first(),
                Some(field),
                "focus must go to the broken field"
            );
            assert_eq!(
                validate_order_field(&order, rules, field).as_deref(),
                Some(message),
                "inline check on blur must give the submit-time message"
            );
            match field {
                Field::Package | Field::Node => assert!(
                    by_candidate.is_ok(),
                    "an order-only problem must not fail the candidate"
                ),
                _ => {
                    assert_eq!(
                        by_candidate.err().as_ref(),
                        Some(&errors),
                        "candidate validation disagrees with order validation"
                    );
                    assert_eq!(
                        validate_field(&order.candidate, field).as_deref(),
                        Some(message),
                        "candidate inline check must give the submit-time message"
                    );
                }
            }
        }
    }
}

/// Calls `$case!(test_name, row)` for every case.
macro_rules! validation_rows {
    ($case:ident) => {
        $case!(valid_us_candidate, vectors::US);
        $case!(valid_non_us_candidate_with_no_state, vectors::NON_US);
        $case!(
            lowercase_country_and_state_are_accepted_and_normalised,
            vectors::Row {
                country: " us ",
                state: Some("ny"),
                expect: vectors::Expect::Valid {
                    region: bgcheck::domain::validation::Region::Us,
                    country: "US",
                    state: Some("NY"),
                },
                ..vectors::US
            }
        );
        $case!(
            aland_islands_is_a_country,
            vectors::Row {
                country: "ax",
                expect: vectors::Expect::Valid {
                    region: bgcheck::domain::validation::Region::NonUs,
                    country: "AX",
                    state: None,
                },
                ..vectors::NON_US
            }
        );
        $case!(
            non_us_region_code_is_kept_uppercase,
            vectors::Row {
                country: "GB",
                state: Some("eng"),
                expect: vectors::Expect::Valid {
                    region: bgcheck::domain::validation::Region::NonUs,
                    country: "GB",
                    state: Some("ENG"),
                },
                ..vectors::NON_US
            }
        );
        $case!(
            puerto_rico_is_a_us_state_code,
            vectors::Row {
                state: Some("PR"),
                expect: vectors::Expect::Valid {
                    region: bgcheck::domain::validation::Region::Us,
                    country: "US",
                    state: Some("PR"),
                },
                ..vectors::US
            }
        );
        $case!(
            us_candidate_without_city_is_accepted,
            vectors::Row {
                city: None,
                ..vectors::US
            }
        );
        $case!(
            node_given_when_account_has_nodes,
            vectors::Row {
                node: Some("west-region"),
                node_required: true,
                ..vectors::US
            }
        );
        $case!(
            first_name_is_required,
            vectors::Row {
                first_name: "   ",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::FirstName,
                    phrase: "Enter the candidate's first name",
                },
                ..vectors::US
            }
        );
        $case!(
            first_name_with_unsupported_character_names_it,
            vectors::Row {
                first_name: "Ana@",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::FirstName,
                    phrase: "\"@\"",
                },
                ..vectors::US
            }
        );
        $case!(
            first_name_with_non_latin1_letter_is_refused,
            vectors::Row {
                first_name: "Łukasz",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::FirstName,
                    phrase: "\"Ł\"",
                },
                ..vectors::US
            }
        );
        $case!(
            first_name_longer_than_255_is_refused,
            vectors::Row {
                first_name: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::FirstName,
                    phrase: "255 characters or fewer",
                },
                ..vectors::US
            }
        );
        $case!(
            last_name_is_required,
            vectors::Row {
                last_name: "",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::LastName,
                    phrase: "Enter the candidate's last name",
                },
                ..vectors::US
            }
        );
        $case!(
            last_name_needs_two_characters,
            vectors::Row {
                last_name: " O ",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::LastName,
                    phrase: "Last name needs at least 2 characters",
                },
                ..vectors::US
            }
        );
        $case!(
            last_name_with_curly_apostrophe_asks_for_straight_one,
            vectors::Row {
                last_name: "O\u{2019}Neil",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::LastName,
                    phrase: "straight apostrophe",
                },
                ..vectors::US
            }
        );
        $case!(
            middle_name_required_unless_no_middle_name_ticked,
            vectors::Row {
                middle_name: None,
                no_middle_name: false,
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::MiddleName,
                    phrase: "tick \"No middle name\"",
                },
                ..vectors::US
            }
        );
        $case!(
            middle_name_must_be_empty_when_no_middle_name_ticked,
            vectors::Row {
                middle_name: Some("José"),
                no_middle_name: true,
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::MiddleName,
                    phrase: "Clear the middle name",
                },
                ..vectors::US
            }
        );
        $case!(
            middle_name_with_unsupported_character_names_it,
            vectors::Row {
                middle_name: Some("J#"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::MiddleName,
                    phrase: "\"#\"",
                },
                ..vectors::US
            }
        );
        $case!(
            email_is_required,
            vectors::Row {
                email: " ",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Email,
                    phrase: "Enter the candidate's email address",
                },
                ..vectors::US
            }
        );
        $case!(
            email_without_at_is_refused,
            vectors::Row {
                email: "ana.example.com",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Email,
                    phrase: "valid email address",
                },
                ..vectors::US
            }
        );
        $case!(
            email_with_two_ats_is_refused,
            vectors::Row {
                email: "ana@maria@example.com",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Email,
                    phrase: "valid email address",
                },
                ..vectors::US
            }
        );
        $case!(
            email_with_space_is_refused,
            vectors::Row {
                email: "ana maria@example.com",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Email,
                    phrase: "valid email address",
                },
                ..vectors::US
            }
        );
        $case!(
            email_without_dot_in_domain_is_refused,
            vectors::Row {
                email: "ana@localhost",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Email,
                    phrase: "valid email address",
                },
                ..vectors::US
            }
        );
        $case!(
            email_with_one_letter_tld_is_refused,
            vectors::Row {
                email: "ana@example.c",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Email,
                    phrase: "valid email address",
                },
                ..vectors::US
            }
        );
        $case!(
            email_domain_label_starting_with_hyphen_is_refused,
            vectors::Row {
                email: "ana@-example.com",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Email,
                    phrase: "valid email address",
                },
                ..vectors::US
            }
        );
        $case!(
            email_with_empty_local_part_is_refused,
            vectors::Row {
                email: "@example.com",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Email,
                    phrase: "valid email address",
                },
                ..vectors::US
            }
        );
        $case!(
            email_longer_than_255_is_refused,
            vectors::Row {
                email: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Email,
                    phrase: "255 characters or fewer",
                },
                ..vectors::US
            }
        );
        $case!(
            phone_with_too_few_digits_is_refused,
            vectors::Row {
                phone: Some("555-0100"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Phone,
                    phrase: "10 to 15 digits",
                },
                ..vectors::US
            }
        );
        $case!(
            phone_with_letters_is_refused,
            vectors::Row {
                phone: Some("415-555-CALL"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Phone,
                    phrase: "digits",
                },
                ..vectors::US
            }
        );
        $case!(
            phone_with_plus_in_the_middle_is_refused,
            vectors::Row {
                phone: Some("415+5550100"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Phone,
                    phrase: "leading +",
                },
                ..vectors::US
            }
        );
        $case!(
            zipcode_must_be_five_digits,
            vectors::Row {
                zipcode: Some("9410"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Zipcode,
                    phrase: "5-digit ZIP code",
                },
                ..vectors::US
            }
        );
        $case!(
            zip_plus_four_is_refused,
            vectors::Row {
                zipcode: Some("94107-1234"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Zipcode,
                    phrase: "5-digit ZIP code",
                },
                ..vectors::US
            }
        );
        $case!(
            zipcode_is_only_for_us_work_locations,
            vectors::Row {
                zipcode: Some("10115"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Zipcode,
                    phrase: "only for US work locations",
                },
                ..vectors::NON_US
            }
        );
        $case!(
            custom_id_is_required,
            vectors::Row {
                custom_id: "",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::CustomId,
                    phrase: "Enter the applicant ID",
                },
                ..vectors::US
            }
        );
        $case!(
            custom_id_with_control_character_is_refused,
            vectors::Row {
                custom_id: "app\u{0}42",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::CustomId,
                    phrase: "control characters",
                },
                ..vectors::US
            }
        );
        $case!(
            country_is_required,
            vectors::Row {
                country: "",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Country,
                    phrase: "Choose the country where the candidate will work",
                },
                ..vectors::NON_US
            }
        );
        $case!(
            country_full_name_is_refused,
            vectors::Row {
                country: "Germany",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Country,
                    phrase: "Choose the country where the candidate will work",
                },
                ..vectors::NON_US
            }
        );
        $case!(
            kosovo_user_assigned_code_is_not_iso,
            vectors::Row {
                country: "XK",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Country,
                    phrase: "Choose the country where the candidate will work",
                },
                ..vectors::NON_US
            }
        );
        $case!(
            state_required_if_in_the_us,
            vectors::Row {
                state: None,
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::State,
                    phrase: "Choose the US state",
                },
                ..vectors::US
            }
        );
        $case!(
            us_state_full_name_is_refused,
            vectors::Row {
                state: Some("California"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::State,
                    phrase: "two-letter code",
                },
                ..vectors::US
            }
        );
        $case!(
            non_us_state_longer_than_three_is_refused,
            vectors::Row {
                state: Some("Bavaria"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::State,
                    phrase: "1 to 3 letters or digits",
                },
                ..vectors::NON_US
            }
        );
        $case!(
            city_longer_than_255_is_refused,
            vectors::Row {
                city: Some("cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::City,
                    phrase: "255 characters or fewer",
                },
                ..vectors::US
            }
        );
        $case!(
            ssn_in_draft_is_refused,
            vectors::Row {
                ssn: Some("123-45-6789"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Ssn,
                    phrase: "never sent",
                },
                ..vectors::US
            }
        );
        $case!(
            dob_in_draft_is_refused,
            vectors::Row {
                dob: Some("1990-01-31"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Dob,
                    phrase: "never sent",
                },
                ..vectors::US
            }
        );
        $case!(
            driver_licence_number_in_draft_is_refused,
            vectors::Row {
                driver_license_number: Some("D1234567"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::DriverLicense,
                    phrase: "never sent",
                },
                ..vectors::US
            }
        );
        $case!(
            driver_licence_state_in_draft_is_refused,
            vectors::Row {
                driver_license_state: Some("CA"),
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::DriverLicense,
                    phrase: "never sent",
                },
                ..vectors::US
            }
        );
        $case!(
            blank_ssn_is_not_an_error,
            vectors::Row {
                ssn: Some("  "),
                ..vectors::US
            }
        );
        $case!(
            package_is_required,
            vectors::Row {
                package: " ",
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Package,
                    phrase: "Choose a package",
                },
                ..vectors::US
            }
        );
        $case!(
            node_required_if_account_has_nodes,
            vectors::Row {
                node: None,
                node_required: true,
                expect: vectors::Expect::Invalid {
                    field: bgcheck::domain::validation::Field::Node,
                    phrase: "Choose the node",
                },
                ..vectors::US
            }
        );
    };
}
