//! KarmaCheck as the widget sees it: the proxy's `/api/karmacheck/...` answers, their calls,
//! and the rules of the KarmaCheck form and case list as plain Rust. The components in
//! `app/karmacheck.rs` and `app/karmacheck_form.rs` only wire these to the DOM.
//!
//! The proxy's live stream carries Checkr orders only, so a KarmaCheck case list is read again
//! on a timer: often while a case can still move ([`needs_polling`]), seldom once every case
//! is final (a placed case can still be reopened for review).

use js_sys::{JSON, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::domain::badge::Badge;
use crate::domain::karmacheck::OverallStatus;
use crate::domain::karmacheck_order::{
    CaseOrderDraft, CaseStep, case_order_badge, validate_case_draft,
};
use crate::domain::validation::{Field, FieldErrors};

use super::api::{Client, Problem};
use super::decode::{
    failure, flag, items, named, nested, optional_named, optional_text, text, text_or_empty,
};
use super::model::Prefill;
use super::transport::Method;
use super::wire::Failure;

/// One of the account's KarmaCheck packages.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CasePackage {
    /// KarmaCheck's package id, sent with the order.
    pub id: String,
    /// What the user picks by.
    pub name: String,
}

/// A KarmaCheck order as the proxy reports it.
#[derive(Clone, PartialEq)]
pub struct CaseOrder {
    /// The proxy's order id.
    pub id: String,
    /// The ATS applicant id.
    pub custom_id: String,
    /// The KarmaCheck package id.
    pub package_id: String,
    /// Our side of creating the case.
    pub step: CaseStep,
    /// Whether it may be sent again.
    pub can_retry: bool,
    /// KarmaCheck already has a case for the email: the user chooses add or replace.
    pub needs_override: bool,
    /// Why the last attempt failed.
    pub failure: Option<Failure>,
    /// KarmaCheck's case id, once created.
    pub case_id: Option<String>,
    /// The seed's overall status, once the case has been read.
    pub overall: Option<OverallStatus>,
}

impl CaseOrder {
    /// The badge, from the domain's KarmaCheck mapping (never the proxy's words).
    pub fn badge(&self) -> Badge {
        case_order_badge(self.step, self.overall)
    }
}

/// The user's answer to KarmaCheck's 409 for an email that already has a case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Override {
    /// Another case beside the existing one.
    Add,
    /// KarmaCheck cancels the existing case and creates this one.
    Replace,
}

impl Override {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
        }
    }
}

/// The wire name of an overall status (the proxy's serde name). Exhaustive, so a new status
/// must be named here.
const fn overall_name(status: OverallStatus) -> &'static str {
    match status {
        OverallStatus::InvitationSent => "invitation_sent",
        OverallStatus::AuthorizationInProgress => "authorization_in_progress",
        OverallStatus::ProcessingScreenings => "processing_screenings",
        OverallStatus::WaitingForParentalConsent => "waiting_for_parental_consent",
        OverallStatus::VerifyingCandidateInput => "verifying_candidate_input",
        OverallStatus::ReviewingOrder => "reviewing_order",
        OverallStatus::Blocked => "blocked",
        OverallStatus::Canceled => "canceled",
        OverallStatus::NeedsReview => "needs_review",
        OverallStatus::Clear => "clear",
        OverallStatus::Placed => "placed",
        OverallStatus::PreAdverseAction => "pre_adverse_action",
        OverallStatus::DisputeAdverseAction => "dispute_adverse_action",
        OverallStatus::AdverseAction => "adverse_action",
    }
}

fn overall(name: &str) -> Option<OverallStatus> {
    OverallStatus::ALL
        .into_iter()
        .find(|status| overall_name(*status) == name)
}

/// One KarmaCheck order.
pub fn decode_case_order(value: &JsValue) -> Option<CaseOrder> {
    Some(CaseOrder {
        id: text(value, "id")?,
        custom_id: text_or_empty(value, "custom_id")?,
        package_id: text_or_empty(value, "package_id")?,
        step: named(value, "step", CaseStep::parse)?,
        can_retry: flag(value, "can_retry")?,
        needs_override: flag(value, "needs_override")?,
        failure: nested(value, "failure", failure)?,
        case_id: optional_text(value, "case_id")?,
        overall: optional_named(value, "overall_status", overall)?,
    })
}

fn decode_case_orders(value: &JsValue) -> Option<Vec<CaseOrder>> {
    items(value, decode_case_order)
}

fn package(value: &JsValue) -> Option<CasePackage> {
    let id = text(value, "id")?;
    let name = optional_text(value, "name")?.unwrap_or_else(|| id.clone());
    Some(CasePackage { id, name })
}

fn decode_packages(value: &JsValue) -> Option<Vec<CasePackage>> {
    items(value, package)
}

fn set(object: &Object, key: &str, value: &str) {
    let _ = Reflect::set(object, &JsValue::from_str(key), &JsValue::from_str(value));
}

fn json(object: &Object) -> String {
    JSON::stringify(object)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_else(|| "{}".to_owned())
}

/// The body of `POST /api/karmacheck/orders`.
pub fn case_draft_json(draft: &CaseOrderDraft) -> String {
    let object = Object::new();
    set(&object, "custom_id", &draft.custom_id);
    set(&object, "package_id", &draft.package_id);
    set(&object, "email", &draft.email);
    set(&object, "first_name", &draft.first_name);
    set(&object, "last_name", &draft.last_name);
    if let Some(middle) = &draft.middle_name {
        set(&object, "middle_name", middle);
    }
    if let Some(phone) = &draft.phone {
        set(&object, "phone", phone);
    }
    json(&object)
}

fn encoded(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

impl Client {
    /// `GET /api/karmacheck/packages`.
    pub async fn karmacheck_packages(&self) -> Result<Vec<CasePackage>, Problem> {
        self.call(
            Method::Get,
            "/api/karmacheck/packages",
            None,
            decode_packages,
        )
        .await
    }

    /// `GET /api/karmacheck/candidates/{custom_id}/orders`: newest first.
    pub async fn karmacheck_cases(&self, custom_id: &str) -> Result<Vec<CaseOrder>, Problem> {
        let path = [
            "/api/karmacheck/candidates/",
            &encoded(custom_id),
            "/orders",
        ]
        .concat();
        self.call(Method::Get, &path, None, decode_case_orders)
            .await
    }

    /// `POST /api/karmacheck/orders`.
    pub async fn karmacheck_place(&self, draft: &CaseOrderDraft) -> Result<CaseOrder, Problem> {
        let body = case_draft_json(draft);
        self.call(
            Method::Post,
            "/api/karmacheck/orders",
            Some(&body),
            decode_case_order,
        )
        .await
    }

    /// `POST /api/karmacheck/orders/{id}/retry`, with the user's answer to a 409 if any.
    pub async fn karmacheck_retry(
        &self,
        order_id: &str,
        choice: Option<Override>,
    ) -> Result<CaseOrder, Problem> {
        let path = ["/api/karmacheck/orders/", &encoded(order_id), "/retry"].concat();
        let body = choice.map(|choice| {
            let object = Object::new();
            set(&object, "order_override", choice.as_str());
            json(&object)
        });
        self.call(Method::Post, &path, body.as_deref(), decode_case_order)
            .await
    }
}

thread_local! {
    static POLL_EVERY: std::cell::Cell<std::time::Duration> =
        const { std::cell::Cell::new(std::time::Duration::from_secs(10)) };
}

/// How often a KarmaCheck case list that can still move is read again; one that cannot is
/// read every [`SLOW_POLL_TICKS`]th time.
pub fn poll_interval() -> std::time::Duration {
    POLL_EVERY.with(std::cell::Cell::get)
}

/// Sets [`poll_interval`] for the widgets mounted afterwards (tests use a short one).
#[doc(hidden)]
pub fn set_poll_interval(every: std::time::Duration) {
    POLL_EVERY.with(|cell| cell.set(every));
}

/// A list whose cases are all final or waiting for the user is read every 30 seconds: a final
/// case can still be reopened, and a case ordered elsewhere (another tab, the ATS) appears.
pub const SLOW_POLL_TICKS: u32 = 3;

/// Whether the list may still change without the user: a case being sent, or created and not
/// final. Failed orders wait for the user, so they do not keep the timer running.
pub fn needs_polling(cases: &[CaseOrder]) -> bool {
    cases.iter().any(|case| match case.step {
        CaseStep::Sending => true,
        CaseStep::Created => !case.badge().is_final,
        CaseStep::Failed | CaseStep::DuplicateEmail => false,
    })
}

/// The cases of `after` whose badge differs from their copy in `before`: what `bgcheck:status`
/// announces after a reread. Cases new to the list are announced where they are placed.
pub fn changed_cases<'a>(before: &[CaseOrder], after: &'a [CaseOrder]) -> Vec<&'a CaseOrder> {
    after
        .iter()
        .filter(|case| {
            before
                .iter()
                .find(|old| old.id == case.id)
                .is_some_and(|old| old.badge() != case.badge())
        })
        .collect()
}

/// Puts `case` into `cases` (newest first), replacing its older copy; true when its badge
/// changed or it is new.
pub fn upsert_case(cases: &mut Vec<CaseOrder>, case: CaseOrder) -> bool {
    match cases.iter_mut().find(|existing| existing.id == case.id) {
        Some(existing) => {
            let changed = existing.badge() != case.badge();
            *existing = case;
            changed
        }
        None => {
            cases.insert(0, case);
            true
        }
    }
}

/// The name of `package_id` among `packages`, else the id.
pub fn case_package_name(packages: &[CasePackage], package_id: &str) -> String {
    packages
        .iter()
        .find(|package| package.id == package_id)
        .map_or_else(|| package_id.to_owned(), |package| package.name.clone())
}

/// What a row with a failed or refused order says.
pub fn case_failure_text(case: &CaseOrder) -> Option<String> {
    if case.needs_override {
        return Some(
            "KarmaCheck already has a case for this email in this account. Add another case \
             beside it, or replace it (the existing case is canceled)."
                .to_owned(),
        );
    }
    if !case.can_retry {
        return None;
    }
    let mut text = String::from("Not sent. ");
    match &case.failure {
        Some(failure) if !failure.message.is_empty() => {
            text.push_str("KarmaCheck said: ");
            text.push_str(&failure.message);
            if let Some(status) = failure.status {
                text.push_str(" (HTTP ");
                text.push_str(&status.to_string());
                text.push(')');
            }
        }
        Some(_) | None => text.push_str("Sending was interrupted."),
    }
    Some(text)
}

/// The fields of the KarmaCheck form, in form order.
pub const CASE_FIELDS: [Field; 7] = [
    Field::CustomId,
    Field::Package,
    Field::FirstName,
    Field::MiddleName,
    Field::LastName,
    Field::Email,
    Field::Phone,
];

/// The KarmaCheck order form's state: KarmaCheck's name rules, no hierarchy, no work location.
/// Errors show after the first submit and then follow every change.
#[derive(Clone, PartialEq, Default)]
pub struct CaseForm {
    /// What will be sent.
    pub draft: CaseOrderDraft,
    /// Per-field messages on screen.
    pub errors: FieldErrors,
    /// The account's package ids, which the package must be one of.
    packages: Vec<String>,
    submitted: bool,
}

fn filled(value: Option<&String>) -> Option<String> {
    value.filter(|text| !text.trim().is_empty()).cloned()
}

impl CaseForm {
    /// A form for `packages`, filled from the host's prefill; a single package is chosen.
    pub fn new(packages: &[CasePackage], prefill: &Prefill) -> Self {
        let mut form = Self {
            packages: packages.iter().map(|package| package.id.clone()).collect(),
            ..Self::default()
        };
        if let [only] = packages {
            form.draft.package_id = only.id.clone();
        }
        form.prefill(prefill);
        form
    }

    /// Takes the host's new values; what the user typed into an empty field's place stays.
    pub fn prefill(&mut self, prefill: &Prefill) {
        if let Some(id) = filled(prefill.custom_id.as_ref()) {
            self.draft.custom_id = id;
        }
        for (field, value) in [
            (Field::FirstName, &prefill.first_name),
            (Field::LastName, &prefill.last_name),
            (Field::Email, &prefill.email),
        ] {
            if let Some(value) = filled(value.as_ref())
                && self.value(field).trim().is_empty()
            {
                self.set(field, value);
            }
        }
    }

    /// The text of `field`.
    pub fn value(&self, field: Field) -> String {
        let draft = &self.draft;
        match field {
            Field::CustomId => draft.custom_id.clone(),
            Field::Package => draft.package_id.clone(),
            Field::FirstName => draft.first_name.clone(),
            Field::MiddleName => draft.middle_name.clone().unwrap_or_default(),
            Field::LastName => draft.last_name.clone(),
            Field::Email => draft.email.clone(),
            Field::Phone => draft.phone.clone().unwrap_or_default(),
            Field::Node
            | Field::Zipcode
            | Field::Country
            | Field::State
            | Field::City
            | Field::Ssn
            | Field::DriverLicense
            | Field::Dob => String::new(),
        }
    }

    /// Whether `field` must be filled in.
    pub const fn is_required(field: Field) -> bool {
        match field {
            Field::CustomId
            | Field::Package
            | Field::FirstName
            | Field::LastName
            | Field::Email => true,
            Field::MiddleName
            | Field::Phone
            | Field::Node
            | Field::Zipcode
            | Field::Country
            | Field::State
            | Field::City
            | Field::Ssn
            | Field::DriverLicense
            | Field::Dob => false,
        }
    }

    /// Changes `field`; once submitted, the messages follow the change.
    pub fn set(&mut self, field: Field, value: String) {
        let optional = (!value.trim().is_empty()).then(|| value.clone());
        let draft = &mut self.draft;
        match field {
            Field::CustomId => draft.custom_id = value,
            Field::Package => draft.package_id = value,
            Field::FirstName => draft.first_name = value,
            Field::MiddleName => draft.middle_name = optional,
            Field::LastName => draft.last_name = value,
            Field::Email => draft.email = value,
            Field::Phone => draft.phone = optional,
            // KarmaCheck takes none of these: the form has no control for them.
            Field::Node
            | Field::Zipcode
            | Field::Country
            | Field::State
            | Field::City
            | Field::Ssn
            | Field::DriverLicense
            | Field::Dob => {}
        }
        if self.submitted {
            self.errors = self.check().err().unwrap_or_default();
        }
    }

    fn check(&self) -> Result<(), FieldErrors> {
        let ids: Vec<&str> = self.packages.iter().map(String::as_str).collect();
        validate_case_draft(&self.draft, &ids)
    }

    /// The draft to send, or the first field (in form order) to fix.
    pub fn submit(&mut self) -> Result<CaseOrderDraft, Field> {
        self.submitted = true;
        match self.check() {
            Ok(()) => {
                self.errors = FieldErrors::new();
                Ok(self.draft.clone())
            }
            Err(errors) => {
                let first = CASE_FIELDS
                    .into_iter()
                    .find(|field| errors.contains(*field))
                    .or_else(|| errors.first())
                    .unwrap_or(Field::Package);
                self.errors = errors;
                Err(first)
            }
        }
    }

    /// The proxy's per-field messages; the first field to fix.
    pub fn server_errors(&mut self, fields: Vec<(String, String)>) -> Option<Field> {
        let mut errors = std::collections::BTreeMap::new();
        for (name, message) in fields {
            if let Some(field) = CASE_FIELDS.into_iter().find(|f| f.as_str() == name) {
                errors.insert(field, message);
            }
        }
        self.errors = errors.into();
        CASE_FIELDS
            .into_iter()
            .find(|field| self.errors.contains(*field))
    }

    /// Clears the candidate's details for another order of the same applicant and package.
    pub fn another(&mut self) {
        self.draft = CaseOrderDraft {
            custom_id: self.draft.custom_id.clone(),
            package_id: self.draft.package_id.clone(),
            ..CaseOrderDraft::default()
        };
        self.errors = FieldErrors::new();
        self.submitted = false;
    }
}
