//! KarmaCheck case statuses and the overall status they combine into.
//!
//! A case carries four attributes (primary status, secondary status, adverse action status and
//! result type); only the combinations listed in the case lifecycle have an overall status.
//! Any other combination is reported as [`KarmaCheckError::UnmappedCase`], never guessed.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::badge::{Badge, Tone};

/// The high-level status every case has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrimaryStatus {
    /// Onboarding or screening is under way.
    Pending,
    /// Processing cannot continue until something is resolved.
    Blocked,
    /// Every screening has finished.
    Complete,
    /// A decision has been recorded on the case.
    Adjudicated,
}

impl PrimaryStatus {
    /// Every primary status.
    pub const ALL: [Self; 4] = [
        Self::Pending,
        Self::Blocked,
        Self::Complete,
        Self::Adjudicated,
    ];

    /// The stable snake_case name, as used on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Blocked => "blocked",
            Self::Complete => "complete",
            Self::Adjudicated => "adjudicated",
        }
    }

    /// The provider's display name.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Blocked => "Blocked",
            Self::Complete => "Complete",
            Self::Adjudicated => "Adjudicated",
        }
    }

    /// The provider's system-defined ID.
    pub const fn system_id(self) -> Option<&'static str> {
        match self {
            Self::Pending => Some("d894b8a0-937e-46b1-8799-15bad611844f"),
            Self::Blocked => Some("93827364-937e-46b1-8799-777366485997"),
            Self::Complete => Some("22334455-937e-46b1-8799-887766554433"),
            Self::Adjudicated => Some("47463524-937e-46b1-8799-873f63e7b402"),
        }
    }

    /// Reads a display name (any case; spaces, underscores and hyphens interchangeable) or a
    /// system ID.
    pub fn parse(input: &str) -> Option<Self> {
        lookup(&Self::ALL, input, Self::as_str, Self::system_id)
    }
}

/// Extra detail some cases carry alongside their primary status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondaryStatus {
    /// The candidate has been invited and has not started onboarding.
    WaitingForAuthorization,
    /// Onboarding has started, or supplied data is being verified.
    AuthorizationInProgress,
    /// A minor candidate's parent has not yet consented.
    WaitingForParentalConsent,
    /// Candidate-provided data conflicts with existing data and awaits provider review.
    VerifyingCandidateInput,
    /// Customer-provided data conflicts with existing data and awaits provider review.
    ReviewingOrder,
    /// The case was canceled.
    Canceled,
    /// At least one screening needs customer review.
    Consider,
}

impl SecondaryStatus {
    /// Every secondary status.
    pub const ALL: [Self; 7] = [
        Self::WaitingForAuthorization,
        Self::AuthorizationInProgress,
        Self::WaitingForParentalConsent,
        Self::VerifyingCandidateInput,
        Self::ReviewingOrder,
        Self::Canceled,
        Self::Consider,
    ];

    /// The stable snake_case name, as used on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::WaitingForAuthorization => "waiting_for_authorization",
            Self::AuthorizationInProgress => "authorization_in_progress",
            Self::WaitingForParentalConsent => "waiting_for_parental_consent",
            Self::VerifyingCandidateInput => "verifying_candidate_input",
            Self::ReviewingOrder => "reviewing_order",
            Self::Canceled => "canceled",
            Self::Consider => "consider",
        }
    }

    /// The provider's display name.
    pub const fn label(self) -> &'static str {
        match self {
            Self::WaitingForAuthorization => "Waiting for Authorization",
            Self::AuthorizationInProgress => "Authorization in Progress",
            Self::WaitingForParentalConsent => "Waiting for Parental Consent",
            Self::VerifyingCandidateInput => "Verifying Candidate Input",
            Self::ReviewingOrder => "Reviewing Order",
            Self::Canceled => "Canceled",
            Self::Consider => "Consider",
        }
    }

    /// The provider's system-defined ID, where it is confirmed.
    pub const fn system_id(self) -> Option<&'static str> {
        match self {
            Self::WaitingForAuthorization => Some("8e0c9756-a42f-4a7d-b8e2-412a0f6b9dea"),
            Self::AuthorizationInProgress => Some("c5f240cb-5221-451c-8bd1-4be5bf348ce5"),
            // Unconfirmed IDs are left out so a wrong one can never match.
            Self::WaitingForParentalConsent
            | Self::VerifyingCandidateInput
            | Self::ReviewingOrder
            | Self::Canceled
            | Self::Consider => None,
        }
    }

    /// Reads a display name (any case; spaces, underscores and hyphens interchangeable) or a
    /// confirmed system ID.
    pub fn parse(input: &str) -> Option<Self> {
        lookup(&Self::ALL, input, Self::as_str, Self::system_id)
    }
}

/// Where a case stands in the adverse action flow, once one has started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdverseActionStatus {
    /// The candidate is sent a pre-adverse action letter.
    PreAdverse,
    /// The candidate disputed the adverse action.
    Dispute,
    /// The final phase of the adverse action flow.
    Post,
    /// The adverse action flow was called off.
    Cancel,
}

impl AdverseActionStatus {
    /// Every adverse action status.
    pub const ALL: [Self; 4] = [Self::PreAdverse, Self::Dispute, Self::Post, Self::Cancel];

    /// The stable snake_case name, as used on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PreAdverse => "pre_adverse",
            Self::Dispute => "dispute",
            Self::Post => "post",
            Self::Cancel => "cancel",
        }
    }

    /// The provider's display name.
    pub const fn label(self) -> &'static str {
        match self {
            Self::PreAdverse => "Pre-Adverse",
            Self::Dispute => "Dispute",
            Self::Post => "Post",
            Self::Cancel => "Cancel",
        }
    }

    /// The provider's system-defined ID, where it is confirmed.
    pub const fn system_id(self) -> Option<&'static str> {
        // None of these IDs is confirmed, so only names are accepted.
        match self {
            Self::PreAdverse | Self::Dispute | Self::Post | Self::Cancel => None,
        }
    }

    /// Reads a display name (any case; spaces, underscores and hyphens interchangeable).
    pub fn parse(input: &str) -> Option<Self> {
        lookup(&Self::ALL, input, Self::as_str, Self::system_id)
    }
}

/// The outcome of the background check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultType {
    /// No decision has been made.
    Open,
    /// The candidate meets the hiring criteria.
    Placed,
    /// The adverse action flow has started.
    PreAdverseAction,
    /// The candidate disputed the adverse action.
    DisputeAdverseAction,
    /// The final phase of the adverse action flow has started.
    AdverseAction,
}

impl ResultType {
    /// Every result type.
    pub const ALL: [Self; 5] = [
        Self::Open,
        Self::Placed,
        Self::PreAdverseAction,
        Self::DisputeAdverseAction,
        Self::AdverseAction,
    ];

    /// The stable snake_case name, as used on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Placed => "placed",
            Self::PreAdverseAction => "pre_adverse_action",
            Self::DisputeAdverseAction => "dispute_adverse_action",
            Self::AdverseAction => "adverse_action",
        }
    }

    /// The provider's display name.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Placed => "Placed",
            Self::PreAdverseAction => "Pre-Adverse Action",
            Self::DisputeAdverseAction => "Dispute Adverse Action",
            Self::AdverseAction => "Adverse Action",
        }
    }

    /// The provider's system-defined ID.
    pub const fn system_id(self) -> Option<&'static str> {
        match self {
            Self::Open => Some("8c94f0d9-57c9-4c7b-be95-5ec309cff330"),
            Self::Placed => Some("bbbd9fa2-598f-43f6-8363-b8b55e7aa777"),
            Self::PreAdverseAction => Some("14bba02d-e6c7-45bf-a993-e28c306303c6"),
            Self::DisputeAdverseAction => Some("result-type-dispute-adverse"),
            Self::AdverseAction => Some("d082a629-5dff-4303-83ae-897776ebcb17"),
        }
    }

    /// Reads a display name (any case; spaces, underscores and hyphens interchangeable) or a
    /// system ID.
    pub fn parse(input: &str) -> Option<Self> {
        lookup(&Self::ALL, input, Self::as_str, Self::system_id)
    }
}

/// Which of a case's four attributes a raw value was read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseField {
    /// The primary status.
    Primary,
    /// The secondary status.
    Secondary,
    /// The adverse action status.
    AdverseAction,
    /// The result type.
    Result,
}

impl CaseField {
    /// The attribute's name as shown in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary status",
            Self::Secondary => "secondary status",
            Self::AdverseAction => "adverse action status",
            Self::Result => "result type",
        }
    }
}

impl fmt::Display for CaseField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a case could not be read or given an overall status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KarmaCheckError {
    /// A raw attribute value is neither a known name nor a confirmed system ID.
    // Display, not Debug: the size-tuned widget build formats Debug as nothing.
    #[error("unrecognised {field}: \"{value}\"")]
    UnrecognisedValue {
        /// The attribute being read.
        field: CaseField,
        /// The value as received.
        value: String,
    },
    /// The four attributes form a combination the case lifecycle does not define.
    #[error("no overall status is defined for {0}")]
    UnmappedCase(CaseState),
}

/// The four attributes that together determine a case's overall status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CaseState {
    /// The primary status.
    pub primary: PrimaryStatus,
    /// The secondary status, when the case has one.
    pub secondary: Option<SecondaryStatus>,
    /// The adverse action status, once an adverse action flow has started.
    pub adverse_action: Option<AdverseActionStatus>,
    /// The result type.
    pub result: ResultType,
}

impl CaseState {
    /// Reads the four attributes from their raw names or system IDs; `None` stands for null.
    pub fn from_raw(
        primary: &str,
        secondary: Option<&str>,
        adverse: Option<&str>,
        result: &str,
    ) -> Result<Self, KarmaCheckError> {
        Ok(Self {
            primary: PrimaryStatus::parse(primary)
                .ok_or_else(|| unrecognised(CaseField::Primary, primary))?,
            secondary: secondary
                .map(|raw| {
                    SecondaryStatus::parse(raw)
                        .ok_or_else(|| unrecognised(CaseField::Secondary, raw))
                })
                .transpose()?,
            adverse_action: adverse
                .map(|raw| {
                    AdverseActionStatus::parse(raw)
                        .ok_or_else(|| unrecognised(CaseField::AdverseAction, raw))
                })
                .transpose()?,
            result: ResultType::parse(result)
                .ok_or_else(|| unrecognised(CaseField::Result, result))?,
        })
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}, {} {}, {} {}, {} {}",
            CaseField::Primary,
            self.primary.label(),
            CaseField::Secondary,
            self.secondary.map_or("null", SecondaryStatus::label),
            CaseField::AdverseAction,
            self.adverse_action
                .map_or("null", AdverseActionStatus::label),
            CaseField::Result,
            self.result.label(),
        )
    }
}

/// The state of a case as a user should see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverallStatus {
    /// The case was ordered and the candidate invited.
    InvitationSent,
    /// The candidate started onboarding, or supplied data is being verified.
    AuthorizationInProgress,
    /// Screenings are being processed.
    ProcessingScreenings,
    /// Processing waits for a minor candidate's parental consent.
    WaitingForParentalConsent,
    /// Candidate-provided data conflicts with existing data and awaits provider review.
    VerifyingCandidateInput,
    /// Customer-provided data conflicts with existing data and awaits provider review.
    ReviewingOrder,
    /// An unexpected issue blocks processing until the provider reviews it.
    Blocked,
    /// The case was canceled.
    Canceled,
    /// Processing is complete and at least one screening needs customer review.
    NeedsReview,
    /// Processing is complete and every screening is clear.
    Clear,
    /// The candidate meets the hiring criteria.
    Placed,
    /// The adverse action flow started; the candidate receives a pre-adverse action letter.
    PreAdverseAction,
    /// The candidate disputed the adverse action.
    DisputeAdverseAction,
    /// The final phase of the adverse action flow started.
    AdverseAction,
}

impl OverallStatus {
    /// Every overall status, in lifecycle order.
    pub const ALL: [Self; 14] = [
        Self::InvitationSent,
        Self::AuthorizationInProgress,
        Self::ProcessingScreenings,
        Self::WaitingForParentalConsent,
        Self::VerifyingCandidateInput,
        Self::ReviewingOrder,
        Self::Blocked,
        Self::Canceled,
        Self::NeedsReview,
        Self::Clear,
        Self::Placed,
        Self::PreAdverseAction,
        Self::DisputeAdverseAction,
        Self::AdverseAction,
    ];

    /// The label to show, worded exactly as the provider recommends.
    pub const fn label(self) -> &'static str {
        match self {
            Self::InvitationSent => "Invitation sent",
            Self::AuthorizationInProgress => "Authorization in progress",
            Self::ProcessingScreenings => "Processing screenings",
            Self::WaitingForParentalConsent => "Waiting for parental consent",
            Self::VerifyingCandidateInput => "Verifying candidate input",
            Self::ReviewingOrder => "Reviewing order",
            Self::Blocked => "Blocked",
            Self::Canceled => "Canceled",
            Self::NeedsReview => "Needs review",
            Self::Clear => "Clear",
            Self::Placed => "Placed",
            Self::PreAdverseAction => "Pre-adverse action",
            Self::DisputeAdverseAction => "Dispute adverse action",
            Self::AdverseAction => "Adverse action",
        }
    }

    /// Whether the ordinary lifecycle ends here; a final case can still be reopened or reversed.
    pub const fn is_final(self) -> bool {
        match self {
            Self::Canceled
            | Self::NeedsReview
            | Self::Clear
            | Self::Placed
            | Self::AdverseAction => true,
            Self::InvitationSent
            | Self::AuthorizationInProgress
            | Self::ProcessingScreenings
            | Self::WaitingForParentalConsent
            | Self::VerifyingCandidateInput
            | Self::ReviewingOrder
            | Self::Blocked
            | Self::PreAdverseAction
            | Self::DisputeAdverseAction => false,
        }
    }

    /// How the badge is styled.
    pub const fn tone(self) -> Tone {
        match self {
            // Provider review of conflicting data is a routine wait, unlike an unexpected block.
            Self::InvitationSent
            | Self::AuthorizationInProgress
            | Self::WaitingForParentalConsent
            | Self::VerifyingCandidateInput
            | Self::ReviewingOrder => Tone::Neutral,
            Self::ProcessingScreenings => Tone::Progress,
            Self::Clear | Self::Placed => Tone::Positive,
            Self::Blocked
            | Self::NeedsReview
            | Self::PreAdverseAction
            | Self::DisputeAdverseAction => Tone::Attention,
            Self::Canceled | Self::AdverseAction => Tone::Negative,
        }
    }

    /// The badge for this status.
    pub const fn badge(self) -> Badge {
        Badge {
            label: self.label(),
            tone: self.tone(),
            is_final: self.is_final(),
            canceled_indicator: false,
        }
    }
}

/// The overall status the case lifecycle defines for `state`.
pub fn overall_status(state: &CaseState) -> Result<OverallStatus, KarmaCheckError> {
    use AdverseActionStatus as A;
    use OverallStatus as O;
    use PrimaryStatus as P;
    use ResultType as R;
    use SecondaryStatus as S;

    let status = match (
        state.primary,
        state.secondary,
        state.adverse_action,
        state.result,
    ) {
        (P::Pending, Some(S::WaitingForAuthorization), None, R::Open) => O::InvitationSent,
        (P::Pending, Some(S::AuthorizationInProgress), None, R::Open) => O::AuthorizationInProgress,
        (P::Pending, None, None, R::Open) => O::ProcessingScreenings,
        (P::Blocked, Some(S::WaitingForParentalConsent), None, R::Open) => {
            O::WaitingForParentalConsent
        }
        (P::Blocked, Some(S::VerifyingCandidateInput), None, R::Open) => O::VerifyingCandidateInput,
        (P::Blocked, Some(S::ReviewingOrder), None, R::Open) => O::ReviewingOrder,
        (P::Blocked, None, None, R::Open) => O::Blocked,
        (P::Adjudicated, Some(S::Canceled), None, R::Open) => O::Canceled,
        (P::Complete, Some(S::Consider), None | Some(A::Cancel), R::Open) => O::NeedsReview,
        (P::Complete, None, None, R::Open) => O::Clear,
        (P::Adjudicated, None, None | Some(A::Cancel), R::Placed) => O::Placed,
        (P::Complete, Some(S::Consider) | None, Some(A::PreAdverse), R::PreAdverseAction) => {
            O::PreAdverseAction
        }
        (P::Complete, Some(S::Consider) | None, Some(A::Dispute), R::DisputeAdverseAction) => {
            O::DisputeAdverseAction
        }
        (P::Adjudicated, None, Some(A::Post), R::AdverseAction) => O::AdverseAction,
        // The lifecycle defines no other combination; reporting it beats guessing a status.
        _ => return Err(KarmaCheckError::UnmappedCase(*state)),
    };
    Ok(status)
}

fn unrecognised(field: CaseField, value: &str) -> KarmaCheckError {
    KarmaCheckError::UnrecognisedValue {
        field,
        value: value.to_owned(),
    }
}

fn lookup<T: Copy>(
    all: &[T],
    input: &str,
    name: fn(T) -> &'static str,
    system_id: fn(T) -> Option<&'static str>,
) -> Option<T> {
    let trimmed = input.trim();
    if let Some(found) = all
        .iter()
        .copied()
        .find(|&v| system_id(v).is_some_and(|id| id.eq_ignore_ascii_case(trimmed)))
    {
        return Some(found);
    }
    let key = NormalizedName::new(input)?;
    all.iter()
        .copied()
        .find(|&v| key.as_bytes() == name(v).as_bytes())
}

/// Longer than any name, so anything that overflows it cannot match.
const NAME_CAPACITY: usize = 40;

/// A name lowercased, with each run of spaces, underscores and hyphens turned into one underscore
/// and none at either end.
struct NormalizedName {
    bytes: [u8; NAME_CAPACITY],
    len: usize,
}

impl NormalizedName {
    fn new(input: &str) -> Option<Self> {
        let mut name = Self {
            bytes: [0; NAME_CAPACITY],
            len: 0,
        };
        let mut separator_pending = false;
        for c in input.chars() {
            if c.is_ascii_alphanumeric() {
                if separator_pending && name.len > 0 {
                    name.push(b'_')?;
                }
                separator_pending = false;
                name.push(u8::try_from(c.to_ascii_lowercase()).ok()?)?;
            } else if c == '_' || c == '-' || c.is_whitespace() {
                separator_pending = true;
            } else {
                return None;
            }
        }
        Some(name)
    }

    fn push(&mut self, byte: u8) -> Option<()> {
        *self.bytes.get_mut(self.len)? = byte;
        self.len += 1;
        Some(())
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}
