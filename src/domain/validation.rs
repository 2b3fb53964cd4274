//! Validation of the order form: the candidate, the work location and the invitation.
//!
//! The widget runs these rules on blur and on submit, and the proxy runs them again on every
//! request, so both give the recruiter the same message for the same mistake.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::geo;

/// The longest value the provider accepts for names, email, applicant ID and city.
const MAX_LEN: usize = 255;

/// Which of the provider's data regions a work location belongs to; a candidate created in one
/// region cannot be invited with a work location from the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// The work location is in the United States.
    Us,
    /// The work location is in any other country.
    NonUs,
}

impl Region {
    /// The stable name used on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::NonUs => "non_us",
        }
    }

    /// How the widget names the region.
    pub const fn label(self) -> &'static str {
        match self {
            Region::Us => "United States",
            Region::NonUs => "Outside the United States",
        }
    }
}

/// Where the candidate will work, as the provider expects it: ISO 3166 two-letter codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkLocation {
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country: String,
    /// State or region code; required for the United States.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// City; recommended for the United States.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

impl WorkLocation {
    /// The data region of this location: US when the country is `US` (any case, any padding).
    pub fn region(&self) -> Region {
        if self.country.trim().eq_ignore_ascii_case("US") {
            Region::Us
        } else {
            Region::NonUs
        }
    }
}

/// A field of the order form, in the order the form shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The account node the order belongs to (the picker sits at the top of the form).
    Node,
    /// The package to order.
    Package,
    /// Candidate's first name.
    FirstName,
    /// Candidate's middle name, or the "No middle name" box.
    MiddleName,
    /// Candidate's last name.
    LastName,
    /// Candidate's email address.
    Email,
    /// Candidate's phone number.
    Phone,
    /// Candidate's ZIP code.
    Zipcode,
    /// The applicant ID from the host system.
    CustomId,
    /// Work location country.
    Country,
    /// Work location state.
    State,
    /// Work location city.
    City,
    /// Social Security number: never accepted.
    Ssn,
    /// Driver's licence number and state: never accepted.
    DriverLicense,
    /// Date of birth: never accepted.
    Dob,
}

impl Field {
    /// Every field, in form order.
    pub const ALL: [Field; 15] = [
        Field::Node,
        Field::Package,
        Field::FirstName,
        Field::MiddleName,
        Field::LastName,
        Field::Email,
        Field::Phone,
        Field::Zipcode,
        Field::CustomId,
        Field::Country,
        Field::State,
        Field::City,
        Field::Ssn,
        Field::DriverLicense,
        Field::Dob,
    ];

    /// The field's name on the wire and in the form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::MiddleName => "middle_name",
            Field::LastName => "last_name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Zipcode => "zipcode",
            Field::CustomId => "custom_id",
            Field::Country => "country",
            Field::State => "state",
            Field::City => "city",
            Field::Package => "package",
            Field::Node => "node",
            Field::Ssn => "ssn",
            Field::DriverLicense => "driver_license",
            Field::Dob => "dob",
        }
    }

    /// The field's label in the form.
    pub const fn label(self) -> &'static str {
        match self {
            Field::FirstName => "First name",
            Field::MiddleName => "Middle name",
            Field::LastName => "Last name",
            Field::Email => "Email",
            Field::Phone => "Phone",
            Field::Zipcode => "ZIP code",
            Field::CustomId => "Applicant ID",
            Field::Country => "Country",
            Field::State => "State",
            Field::City => "City",
            Field::Package => "Package",
            Field::Node => "Node",
            Field::Ssn => "Social Security number",
            Field::DriverLicense => "Driver's license",
            Field::Dob => "Date of birth",
        }
    }
}

/// The message for each field that needs attention, keyed by field in form order.
/// On the wire it is a JSON object from field name to message.
// A sorted vector rather than a map: at most a dozen entries, and the widget's wasm pays for
// every map type it instantiates. The map is only used to (de)serialize, which the widget
// never does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(from = "BTreeMap<Field, String>", into = "BTreeMap<Field, String>")]
pub struct FieldErrors(Vec<(Field, String)>);

impl From<BTreeMap<Field, String>> for FieldErrors {
    fn from(map: BTreeMap<Field, String>) -> Self {
        Self(map.into_iter().collect())
    }
}

impl From<FieldErrors> for BTreeMap<Field, String> {
    fn from(errors: FieldErrors) -> Self {
        errors.0.into_iter().collect()
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for (field, message) in &self.0 {
            write!(f, "{sep}{}: {message}", field.label())?;
            sep = "; ";
        }
        Ok(())
    }
}

impl FieldErrors {
    /// No field has an error.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether every field is fine.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields have an error.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.position(field)
            .ok()
            .and_then(|at| self.0.get(at))
            .map(|(_, message)| message.as_str())
    }

    /// Whether `field` has a message.
    pub fn contains(&self, field: Field) -> bool {
        self.position(field).is_ok()
    }

    /// Every field with its message, in form order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &str)> {
        self.0
            .iter()
            .map(|(field, message)| (*field, message.as_str()))
    }

    /// The first field in form order that has an error: where focus should go.
    pub fn first(&self) -> Option<Field> {
        self.0.first().map(|(field, _)| *field)
    }

    /// Sets the message for `field`, replacing any earlier one.
    pub fn insert(&mut self, field: Field, message: impl Into<String>) {
        let message = message.into();
        match self.position(field) {
            Ok(at) => {
                if let Some(slot) = self.0.get_mut(at) {
                    slot.1 = message;
                }
            }
            Err(at) => self.0.insert(at, (field, message)),
        }
    }

    /// Drops the message for `field`, if it has one.
    pub fn remove(&mut self, field: Field) {
        if let Ok(at) = self.position(field) {
            self.0.remove(at);
        }
    }

    /// Drops every message.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    fn position(&self, field: Field) -> Result<usize, usize> {
        self.0.binary_search_by(|(probe, _)| probe.cmp(&field))
    }

    fn record<T>(&mut self, field: Field, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.insert(field, message);
                None
            }
        }
    }
}

/// The candidate part of the order form as the recruiter filled it in.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateDraft {
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Middle name, if the candidate has one.
    #[serde(default)]
    pub middle_name: Option<String>,
    /// The recruiter ticked "No middle name".
    #[serde(default)]
    pub no_middle_name: bool,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Email address the invitation goes to.
    #[serde(default)]
    pub email: String,
    /// Phone number, if captured.
    #[serde(default)]
    pub phone: Option<String>,
    /// ZIP code, if captured (US work locations only).
    #[serde(default)]
    pub zipcode: Option<String>,
    /// The applicant ID in the host system.
    #[serde(default)]
    pub custom_id: String,
    /// Where the candidate will work.
    #[serde(default)]
    pub work_location: WorkLocation,
    /// Present only so it can be refused; never serialised.
    #[serde(default, skip_serializing)]
    pub ssn: Option<String>,
    /// Present only so it can be refused; never serialised.
    #[serde(default, skip_serializing)]
    pub dob: Option<String>,
    /// Present only so it can be refused; never serialised.
    #[serde(default, skip_serializing)]
    pub driver_license_number: Option<String>,
    /// Present only so it can be refused; never serialised.
    #[serde(default, skip_serializing)]
    pub driver_license_state: Option<String>,
}

/// Keeps refused PII out of logs.
impl fmt::Debug for CandidateDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("CandidateDraft")
            .field("first_name", &self.first_name)
            .field("middle_name", &self.middle_name)
            .field("no_middle_name", &self.no_middle_name)
            .field("last_name", &self.last_name)
            .field("email", &self.email)
            .field("phone", &self.phone)
            .field("zipcode", &self.zipcode)
            .field("custom_id", &self.custom_id)
            .field("work_location", &self.work_location)
            .field("ssn", &redacted(&self.ssn))
            .field("dob", &redacted(&self.dob))
            .field(
                "driver_license_number",
                &redacted(&self.driver_license_number),
            )
            .field(
                "driver_license_state",
                &redacted(&self.driver_license_state),
            )
            .finish()
    }
}

/// A candidate that passed every rule, serialised as the body of `POST /v1/candidates`.
/// Only [`validate_candidate`] makes one, and it has no place for SSN, date of birth or
/// driver's licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidCandidate {
    first_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    middle_name: Option<String>,
    no_middle_name: bool,
    last_name: String,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zipcode: Option<String>,
    custom_id: String,
    work_locations: [WorkLocation; 1],
}

impl ValidCandidate {
    /// First name, trimmed.
    pub fn first_name(&self) -> &str {
        &self.first_name
    }

    /// Middle name, trimmed; `None` when the candidate has none.
    pub fn middle_name(&self) -> Option<&str> {
        self.middle_name.as_deref()
    }

    /// Whether the candidate has no middle name.
    pub fn no_middle_name(&self) -> bool {
        self.no_middle_name
    }

    /// Last name, trimmed.
    pub fn last_name(&self) -> &str {
        &self.last_name
    }

    /// Email address, trimmed.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// Phone number as entered, trimmed.
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }

    /// Five-digit ZIP code.
    pub fn zipcode(&self) -> Option<&str> {
        self.zipcode.as_deref()
    }

    /// The applicant ID, trimmed.
    pub fn custom_id(&self) -> &str {
        &self.custom_id
    }

    /// The work location, with uppercase country and state codes.
    pub fn work_location(&self) -> &WorkLocation {
        &self.work_locations[0]
    }

    /// The data region the candidate record belongs to.
    pub fn region(&self) -> Region {
        self.work_location().region()
    }
}

/// The whole order form: the candidate plus what to order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDraft {
    /// The candidate.
    #[serde(default)]
    pub candidate: CandidateDraft,
    /// The package slug.
    #[serde(default)]
    pub package: String,
    /// The node's custom ID, when the account has nodes.
    #[serde(default)]
    pub node: Option<String>,
    /// Customer tags for the report (a requisition id, a hiring manager's email): sent as the
    /// invitation's `tags`, and afterwards the report's tags as last set through bgcheck.
    /// Checked by [`super::manage::normalize_tags`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Account-specific rules for an order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRules {
    /// The account has nodes, so every invitation needs one.
    pub node_required: bool,
}

/// An order that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOrder {
    candidate: ValidCandidate,
    package: String,
    node: Option<String>,
    tags: Vec<String>,
}

impl ValidOrder {
    /// The validated candidate.
    pub fn candidate(&self) -> &ValidCandidate {
        &self.candidate
    }

    /// The package slug, trimmed.
    pub fn package(&self) -> &str {
        &self.package
    }

    /// The node's custom ID, trimmed, if one was chosen.
    pub fn node(&self) -> Option<&str> {
        self.node.as_deref()
    }

    /// The `POST /v1/invitations` body for the candidate record `candidate_id`, which must have
    /// been created from [`ValidOrder::candidate`] (or another candidate of the same region).
    pub fn invitation(&self, candidate_id: &str) -> InvitationRequest {
        InvitationRequest {
            candidate_id: candidate_id.to_owned(),
            package: self.package.clone(),
            node: self.node.clone(),
            work_locations: self.candidate.work_locations.clone(),
            tags: self.tags.clone(),
        }
    }
}

/// The body of `POST /v1/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationRequest {
    /// The provider's candidate ID.
    pub candidate_id: String,
    /// The package slug.
    pub package: String,
    /// The node's custom ID, when the account has nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The work location, the same one the candidate was created with.
    pub work_locations: [WorkLocation; 1],
    /// Tags for the report the invitation leads to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Checks every candidate field; on success returns the trimmed, normalised candidate, and
/// otherwise one message for each field that needs attention.
pub fn validate_candidate(draft: &CandidateDraft) -> Result<ValidCandidate, FieldErrors> {
    let mut errors = FieldErrors::new();
    let first_name = errors.record(Field::FirstName, check_first_name(draft));
    let middle_name = errors.record(Field::MiddleName, check_middle_name(draft));
    let last_name = errors.record(Field::LastName, check_last_name(draft));
    let email = errors.record(Field::Email, check_email(draft));
    let phone = errors.record(Field::Phone, check_phone(draft));
    let zipcode = errors.record(Field::Zipcode, check_zipcode(draft));
    let custom_id = errors.record(Field::CustomId, check_custom_id(draft));
    let country = errors.record(Field::Country, check_country(draft));
    let state = errors.record(Field::State, check_state(draft));
    let city = errors.record(Field::City, check_city(draft));
    errors.record(Field::Ssn, check_ssn(draft));
    errors.record(Field::DriverLicense, check_driver_license(draft));
    errors.record(Field::Dob, check_dob(draft));
    match (
        first_name,
        middle_name,
        last_name,
        email,
        phone,
        zipcode,
        custom_id,
        country,
        state,
        city,
    ) {
        (
            Some(first_name),
            Some(middle_name),
            Some(last_name),
            Some(email),
            Some(phone),
            Some(zipcode),
            Some(custom_id),
            Some(country),
            Some(state),
            Some(city),
        ) if errors.is_empty() => Ok(ValidCandidate {
            first_name,
            no_middle_name: middle_name.is_none(),
            middle_name,
            last_name,
            email,
            phone,
            zipcode,
            custom_id,
            work_locations: [WorkLocation {
                country,
                state,
                city,
            }],
        }),
        _ => Err(errors),
    }
}

/// The message [`validate_candidate`] gives for `field`, for checking one field on blur.
/// `Package` and `Node` are not part of a candidate and always pass here.
pub fn validate_field(draft: &CandidateDraft, field: Field) -> Option<String> {
    match field {
        Field::FirstName => check_first_name(draft).err(),
        Field::MiddleName => check_middle_name(draft).err(),
        Field::LastName => check_last_name(draft).err(),
        Field::Email => check_email(draft).err(),
        Field::Phone => check_phone(draft).err(),
        Field::Zipcode => check_zipcode(draft).err(),
        Field::CustomId => check_custom_id(draft).err(),
        Field::Country => check_country(draft).err(),
        Field::State => check_state(draft).err(),
        Field::City => check_city(draft).err(),
        Field::Package | Field::Node => None,
        Field::Ssn => check_ssn(draft).err(),
        Field::DriverLicense => check_driver_license(draft).err(),
        Field::Dob => check_dob(draft).err(),
    }
}

/// Checks the candidate and what to order; on failure every candidate message plus the
/// package and node messages.
pub fn validate_order(draft: &OrderDraft, rules: OrderRules) -> Result<ValidOrder, FieldErrors> {
    let candidate = validate_candidate(&draft.candidate);
    let mut errors = match &candidate {
        Ok(_) => FieldErrors::new(),
        Err(errors) => errors.clone(),
    };
    let package = errors.record(Field::Package, check_package(draft));
    let node = errors.record(Field::Node, check_node(draft, rules));
    match (candidate, package, node) {
        (Ok(candidate), Some(package), Some(node)) if errors.is_empty() => Ok(ValidOrder {
            candidate,
            package,
            node,
            // Tags come from the host page, not the form: the proxy refuses bad ones before
            // validating (see `normalize_tags`), so only the normalised list is kept here.
            tags: super::manage::normalize_tags(&draft.tags).unwrap_or_default(),
        }),
        _ => Err(errors),
    }
}

/// The message [`validate_order`] gives for `field`, for checking one field on blur.
pub fn validate_order_field(draft: &OrderDraft, rules: OrderRules, field: Field) -> Option<String> {
    match field {
        Field::Package => check_package(draft).err(),
        Field::Node => check_node(draft, rules).err(),
        Field::FirstName
        | Field::MiddleName
        | Field::LastName
        | Field::Email
        | Field::Phone
        | Field::Zipcode
        | Field::CustomId
        | Field::Country
        | Field::State
        | Field::City
        | Field::Ssn
        | Field::DriverLicense
        | Field::Dob => validate_field(&draft.candidate, field),
    }
}

fn trimmed_option(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The characters the provider accepts in names: ASCII letters and digits, the Latin-1
/// letters (including ª µ º), space, hyphen, apostrophe, period and comma.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            'ª' | 'µ' | 'º' | 'À'..='Ö' | 'Ø'..='ö' | 'ø'..='ÿ' | '-' | '\'' | '.' | ',' | ' '
        )
}

fn shown(c: char) -> String {
    if c.is_control() || (c.is_whitespace() && c != ' ') {
        format!("the invisible character {}", c.escape_unicode())
    } else {
        format!("\"{c}\"")
    }
}

fn check_name(value: &str, what: &str, missing: &str, min: usize) -> Result<String, String> {
    let value = value.trim();
    let len = value.chars().count();
    if len == 0 {
        return Err(missing.to_owned());
    }
    if len > MAX_LEN {
        return Err(format!("{what} must be {MAX_LEN} characters or fewer"));
    }
    if let Some(bad) = value.chars().find(|c| !is_name_char(*c)) {
        // Field labels are ASCII, so this needs no Unicode case tables in the widget.
        let lower = what.to_ascii_lowercase();
        // Curly apostrophes arrive from copy-paste and look identical to the accepted one.
        return Err(if matches!(bad, '\u{2018}' | '\u{2019}' | '\u{02BC}') {
            format!("Replace \"{bad}\" in the {lower} with a straight apostrophe (')")
        } else {
            format!("Remove {} from the {lower}", shown(bad))
        });
    }
    if len < min {
        return Err(format!("{what} needs at least {min} characters"));
    }
    Ok(value.to_owned())
}

fn check_first_name(draft: &CandidateDraft) -> Result<String, String> {
    check_name(
        &draft.first_name,
        "First name",
        "Enter the candidate's first name",
        1,
    )
}

fn check_last_name(draft: &CandidateDraft) -> Result<String, String> {
    check_name(
        &draft.last_name,
        "Last name",
        "Enter the candidate's last name",
        2,
    )
}

fn check_middle_name(draft: &CandidateDraft) -> Result<Option<String>, String> {
    let middle = trimmed_option(&draft.middle_name);
    match (draft.no_middle_name, middle) {
        (true, None) => Ok(None),
        (true, Some(_)) => Err("Clear the middle name, or untick \"No middle name\"".to_owned()),
        (false, None) => {
            Err("Enter the candidate's middle name, or tick \"No middle name\"".to_owned())
        }
        (false, Some(middle)) => check_name(middle, "Middle name", "", 1).map(Some),
    }
}

/// Characters allowed in an unquoted local part (RFC 5322 `atext`).
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn is_email_shape(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(is_atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && labels_ok && tld_ok
}

fn check_email(draft: &CandidateDraft) -> Result<String, String> {
    let email = draft.email.trim();
    if email.is_empty() {
        return Err("Enter the candidate's email address".to_owned());
    }
    if email.chars().count() > MAX_LEN {
        return Err(format!(
            "Email address must be {MAX_LEN} characters or fewer"
        ));
    }
    if !is_email_shape(email) {
        return Err("Enter a valid email address, like name@example.com".to_owned());
    }
    Ok(email.to_owned())
}

fn check_phone(draft: &CandidateDraft) -> Result<Option<String>, String> {
    let Some(phone) = trimmed_option(&draft.phone) else {
        return Ok(None);
    };
    let body = phone.strip_prefix('+').unwrap_or(phone);
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    {
        return Err(
            "Enter the phone number using digits, spaces, dashes, dots or brackets, with an optional leading +"
                .to_owned(),
        );
    }
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if !(10..=15).contains(&digits) {
        return Err("Phone number needs 10 to 15 digits, including the area code".to_owned());
    }
    Ok(Some(phone.to_owned()))
}

fn normalised_country(draft: &CandidateDraft) -> Option<String> {
    let code = draft.work_location.country.trim().to_ascii_uppercase();
    geo::is_country(&code).then_some(code)
}

fn check_zipcode(draft: &CandidateDraft) -> Result<Option<String>, String> {
    let Some(zip) = trimmed_option(&draft.zipcode) else {
        return Ok(None);
    };
    // With no valid country yet the country field carries the error; judge the ZIP on its own.
    let outside_us = normalised_country(draft).is_some_and(|code| code != "US");
    if outside_us {
        return Err("ZIP code is only for US work locations; clear it".to_owned());
    }
    if zip.len() != 5 || !zip.chars().all(|c| c.is_ascii_digit()) {
        return Err("Enter a 5-digit ZIP code".to_owned());
    }
    Ok(Some(zip.to_owned()))
}

fn check_custom_id(draft: &CandidateDraft) -> Result<String, String> {
    let id = draft.custom_id.trim();
    if id.is_empty() {
        return Err("Enter the applicant ID".to_owned());
    }
    if id.chars().count() > MAX_LEN {
        return Err(format!(
            "Applicant ID must be {MAX_LEN} characters or fewer"
        ));
    }
    if id.chars().any(char::is_control) {
        return Err("Remove control characters from the applicant ID".to_owned());
    }
    Ok(id.to_owned())
}

fn check_country(draft: &CandidateDraft) -> Result<String, String> {
    normalised_country(draft)
        .ok_or_else(|| "Choose the country where the candidate will work".to_owned())
}

fn check_state(draft: &CandidateDraft) -> Result<Option<String>, String> {
    let state = trimmed_option(&draft.work_location.state).map(str::to_ascii_uppercase);
    match (draft.work_location.region(), state) {
        (Region::Us, None) => Err("Choose the US state where the candidate will work".to_owned()),
        (Region::Us, Some(code)) if geo::is_us_state(&code) => Ok(Some(code)),
        (Region::Us, Some(_)) => {
            Err("Choose a US state by its two-letter code, like CA".to_owned())
        }
        (Region::NonUs, None) => Ok(None),
        (Region::NonUs, Some(code))
            if (1..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Ok(Some(code))
        }
        (Region::NonUs, Some(_)) => Err(
            "Enter the state or region as a code of 1 to 3 letters or digits, or leave it empty"
                .to_owned(),
        ),
    }
}

fn check_city(draft: &CandidateDraft) -> Result<Option<String>, String> {
    let Some(city) = trimmed_option(&draft.work_location.city) else {
        return Ok(None);
    };
    if city.chars().count() > MAX_LEN {
        return Err(format!("City must be {MAX_LEN} characters or fewer"));
    }
    if city.chars().any(char::is_control) {
        return Err("Remove control characters from the city".to_owned());
    }
    Ok(Some(city.to_owned()))
}

fn refuse(value: Option<&str>, what: &str) -> Result<(), String> {
    match value {
        None => Ok(()),
        Some(_) => Err(format!(
            "Remove the {what}: it is never sent. The candidate enters it on the secure background-check form"
        )),
    }
}

fn check_ssn(draft: &CandidateDraft) -> Result<(), String> {
    refuse(trimmed_option(&draft.ssn), "Social Security number")
}

fn check_dob(draft: &CandidateDraft) -> Result<(), String> {
    refuse(trimmed_option(&draft.dob), "date of birth")
}

fn check_driver_license(draft: &CandidateDraft) -> Result<(), String> {
    refuse(
        trimmed_option(&draft.driver_license_number)
            .or(trimmed_option(&draft.driver_license_state)),
        "driver's license",
    )
}

fn check_package(draft: &OrderDraft) -> Result<String, String> {
    let package = draft.package.trim();
    if package.is_empty() {
        return Err("Choose a package".to_owned());
    }
    if package.chars().any(char::is_control) || package.chars().count() > MAX_LEN {
        return Err("Choose a package from the list".to_owned());
    }
    Ok(package.to_owned())
}

fn check_node(draft: &OrderDraft, rules: OrderRules) -> Result<Option<String>, String> {
    match (trimmed_option(&draft.node), rules.node_required) {
        (None, true) => Err("Choose the node this order belongs to".to_owned()),
        (None, false) => Ok(None),
        (Some(node), _) if node.chars().any(char::is_control) || node.chars().count() > MAX_LEN => {
            Err("Choose a node from the list".to_owned())
        }
        (Some(node), _) => Ok(Some(node.to_owned())),
    }
}

/// Why KarmaCheck would refuse this given, middle or family name, if it would: KarmaCheck
/// allows letters, digits, `- ' , . _` (and, as assumed here, spaces between words).
pub fn karmacheck_name_problem(name: &str) -> Option<&'static str> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Some("is required");
    }
    if trimmed.chars().count() > 100 {
        return Some("is too long (100 characters at most)");
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '-' | '\'' | ',' | '.' | '_' | ' ');
    if trimmed.chars().all(allowed) {
        None
    } else {
        Some("may only hold letters, digits, spaces and - ' , . _")
    }
}
