//! A KarmaCheck order's own progress, before and after the case exists, and the badge it
//! shows: the case's overall status once KarmaCheck has a case, otherwise our own step.

use serde::{Deserialize, Serialize};

use super::badge::{Badge, Tone};
use super::karmacheck::OverallStatus;
use super::order::{NOT_SENT, SENDING};
use super::validation::{Field, FieldErrors, karmacheck_name_problem};

/// Where a KarmaCheck order stands on its way to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStep {
    /// `POST /case/create` is being sent.
    Sending,
    /// KarmaCheck refused or failed; the order can be sent again.
    Failed,
    /// KarmaCheck already has a case for this email in the group (409): the user chooses to
    /// add another case or replace the existing one.
    DuplicateEmail,
    /// KarmaCheck created the case.
    Created,
}

impl CaseStep {
    /// Every step.
    pub const ALL: [Self; 4] = [
        Self::Sending,
        Self::Failed,
        Self::DuplicateEmail,
        Self::Created,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Failed => "failed",
            Self::DuplicateEmail => "duplicate_email",
            Self::Created => "created",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|step| step.as_str() == name)
    }

    /// Whether the order may be sent again (with an override, after a duplicate email).
    pub const fn can_retry(self) -> bool {
        match self {
            Self::Failed | Self::DuplicateEmail => true,
            Self::Sending | Self::Created => false,
        }
    }
}

/// The badge of a KarmaCheck order: the seed's overall status once the case has been read,
/// "Invitation sent" for a case just created and not yet read, otherwise our own step.
pub fn case_order_badge(step: CaseStep, overall: Option<OverallStatus>) -> Badge {
    let own = |label, tone| Badge {
        label,
        tone,
        is_final: false,
        canceled_indicator: false,
    };
    match (step, overall) {
        (CaseStep::Created, Some(overall)) => overall.badge(),
        (CaseStep::Created, None) => OverallStatus::InvitationSent.badge(),
        (CaseStep::Sending, _) => own(SENDING, Tone::Progress),
        (CaseStep::Failed | CaseStep::DuplicateEmail, _) => own(NOT_SENT, Tone::Negative),
    }
}

/// What the form sends for a KarmaCheck case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseOrderDraft {
    /// The ATS applicant id.
    pub custom_id: String,
    /// The KarmaCheck package id.
    pub package_id: String,
    /// Candidate's email (KarmaCheck invites the candidate there).
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Middle name, if any.
    #[serde(default)]
    pub middle_name: Option<String>,
    /// Family name.
    pub last_name: String,
    /// Phone as +<country code><number>, if given.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Checks a KarmaCheck case draft against `packages` (the account's package ids): KarmaCheck's
/// name rules, an email, an optional international phone, and no hierarchy or work location
/// (KarmaCheck has neither). Every field with a problem is reported at once.
pub fn validate_case_draft(draft: &CaseOrderDraft, packages: &[&str]) -> Result<(), FieldErrors> {
    let mut errors = std::collections::BTreeMap::new();
    if draft.custom_id.trim().is_empty() {
        errors.insert(Field::CustomId, "The applicant ID is missing.".to_owned());
    }
    if !packages.contains(&draft.package_id.trim()) {
        errors.insert(
            Field::Package,
            "Choose one of the account's KarmaCheck packages.".to_owned(),
        );
    }
    for (field, name, required) in [
        (Field::FirstName, Some(draft.first_name.as_str()), true),
        (Field::MiddleName, draft.middle_name.as_deref(), false),
        (Field::LastName, Some(draft.last_name.as_str()), true),
    ] {
        let name = name
            .map(str::trim)
            .filter(|name| required || !name.is_empty());
        if let Some(problem) = name.and_then(karmacheck_name_problem) {
            errors.insert(field, format!("{} {problem}.", field_label(field)));
        }
    }
    if !is_plausible_email(draft.email.trim()) {
        errors.insert(
            Field::Email,
            "Enter the candidate's email address, like name@example.com.".to_owned(),
        );
    }
    if let Some(phone) = draft
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|phone| !phone.is_empty())
    {
        let digits = phone.strip_prefix('+').unwrap_or("");
        if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            errors.insert(
                Field::Phone,
                "Enter the phone as + then the country code and number, like +15551234567."
                    .to_owned(),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

fn field_label(field: Field) -> &'static str {
    match field {
        Field::FirstName => "The first name",
        Field::MiddleName => "The middle name",
        Field::LastName => "The last name",
        Field::Node
        | Field::Package
        | Field::Email
        | Field::Phone
        | Field::Zipcode
        | Field::CustomId
        | Field::Country
        | Field::State
        | Field::City
        | Field::Ssn
        | Field::DriverLicense
        | Field::Dob => "This field",
    }
}

fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> CaseOrderDraft {
        CaseOrderDraft {
            custom_id: "app-1".to_owned(),
            package_id: "pkg".to_owned(),
            email: "ana@example.com".to_owned(),
            first_name: "Ana-María".to_owned(),
            middle_name: None,
            last_name: "O'Neil, Jr.".to_owned(),
            phone: None,
        }
    }

    #[test]
    fn karmacheck_names_take_letters_digits_and_its_punctuation_only() {
        assert_eq!(validate_case_draft(&draft(), &["pkg"]), Ok(()));
        let bad = CaseOrderDraft {
            first_name: "Ana<script>".to_owned(),
            last_name: " ".to_owned(),
            email: "ana".to_owned(),
            phone: Some("555-1234".to_owned()),
            ..draft()
        };
        let errors = validate_case_draft(&bad, &["other"]).unwrap_err();
        for field in [
            Field::FirstName,
            Field::LastName,
            Field::Email,
            Field::Phone,
            Field::Package,
        ] {
            assert!(errors.contains(field), "{field:?}: {errors}");
        }
    }

    #[test]
    fn a_created_case_shows_its_overall_status_and_an_unsent_order_its_step() {
        let placed = case_order_badge(CaseStep::Created, Some(OverallStatus::Placed));
        assert_eq!(
            (placed.label, placed.tone, placed.is_final),
            ("Placed", Tone::Positive, true)
        );
        assert_eq!(
            case_order_badge(CaseStep::Created, None).label,
            "Invitation sent"
        );
        assert_eq!(case_order_badge(CaseStep::Sending, None).label, SENDING);
        assert_eq!(
            case_order_badge(CaseStep::DuplicateEmail, None).label,
            NOT_SENT
        );
    }

    #[test]
    fn only_failed_or_duplicate_orders_are_sent_again() {
        for step in CaseStep::ALL {
            assert_eq!(
                step.can_retry(),
                matches!(step, CaseStep::Failed | CaseStep::DuplicateEmail)
            );
            assert_eq!(CaseStep::parse(step.as_str()), Some(step));
        }
    }
}
