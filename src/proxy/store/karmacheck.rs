//! What the store keeps for an account connected to KarmaCheck: the API key and client access
//! token the customer got from KarmaCheck (sealed, each bound to its account and field), and
//! the HTTP Basic credentials its webhook subscription presents (the password as a digest).

use super::super::secret::Secret;

/// The credentials KarmaCheck issued to one customer group.
#[derive(Debug, Clone)]
pub struct KarmaCheckCredentials {
    /// The API key.
    pub api_key: Secret,
    /// The group's client access token.
    pub client_access_token: Secret,
}

/// An account's KarmaCheck connection as stored.
#[derive(Debug, Clone)]
pub struct KarmaCheckConnection {
    /// The ATS account.
    pub account_id: String,
    /// What `POST /auth/api` takes.
    pub credentials: KarmaCheckCredentials,
    /// The username the webhook subscription sends (HTTP Basic).
    pub webhook_username: String,
    /// When it was connected (RFC 3339).
    pub connected_at: String,
}

/// A new connection: the credentials and the webhook login made for them.
#[derive(Debug, Clone)]
pub struct NewKarmaCheckConnection {
    /// What `POST /auth/api` takes.
    pub credentials: KarmaCheckCredentials,
    /// The username the webhook subscription will send.
    pub webhook_username: String,
    /// The digest of the password it will send ([`super::super::crypto::digest`]).
    pub webhook_password_digest: String,
    /// Now (RFC 3339).
    pub connected_at: String,
}

/// The sealing context of the API key: bound to the account and the field, so neither a
/// value copied onto another account's row nor the two fields swapped will open.
pub(super) fn api_key_context(account_id: &str) -> String {
    format!("karmacheck-api-key:{account_id}")
}

/// The sealing context of the client access token.
pub(super) fn client_token_context(account_id: &str) -> String {
    format!("karmacheck-client-token:{account_id}")
}

/// What the user entered for a KarmaCheck case; kept sealed, for sending again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseDraft {
    /// The KarmaCheck package.
    pub package_id: String,
    /// The candidate's email (KarmaCheck invites the candidate there).
    pub email: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Middle name, if any.
    pub middle_name: Option<String>,
    /// Phone, if any.
    pub phone: Option<String>,
}

/// One order placed through KarmaCheck.
#[derive(Debug, Clone)]
pub struct CaseOrder {
    /// Public id (`kco_…`).
    pub id: String,
    /// Owning ATS account.
    pub account_id: String,
    /// The ATS applicant id.
    pub custom_id: String,
    /// The ATS user who ordered it.
    pub ordered_by: String,
    /// What was entered.
    pub draft: CaseDraft,
    /// Progress towards a case.
    pub step: crate::domain::karmacheck_order::CaseStep,
    /// KarmaCheck's case, once created.
    pub case_id: Option<String>,
    /// The last failure, while the order is failed or waits for a choice.
    pub failure: Option<super::Failure>,
    /// Attempts so far.
    pub attempts: u32,
    /// The overall status from the last read of the case.
    pub overall: Option<crate::domain::karmacheck::OverallStatus>,
    /// The four attributes from the last read of the case.
    pub case_state: Option<crate::domain::karmacheck::CaseState>,
    /// The case's `modStamp` at the last read applied, so an older read never overwrites a
    /// newer one.
    pub read_stamp: Option<String>,
    /// When it was submitted (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

impl CaseOrder {
    /// A new order with a fresh `kco_…` id, in the `Sending` step of its first attempt; both
    /// stores insert it as such.
    pub(super) fn sending(
        account_id: &str,
        ordered_by: &str,
        custom_id: &str,
        draft: &CaseDraft,
        now: &str,
    ) -> Self {
        Self {
            id: format!("kco_{}", uuid::Uuid::new_v4().simple()),
            account_id: account_id.to_owned(),
            custom_id: custom_id.to_owned(),
            ordered_by: ordered_by.to_owned(),
            draft: draft.clone(),
            step: crate::domain::karmacheck_order::CaseStep::Sending,
            case_id: None,
            failure: None,
            attempts: 1,
            overall: None,
            case_state: None,
            read_stamp: None,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
        }
    }
}

/// A read of a case, to apply to its order.
#[derive(Debug, Clone)]
pub struct CaseRead {
    /// The four attributes.
    pub state: crate::domain::karmacheck::CaseState,
    /// What the domain maps them to.
    pub overall: crate::domain::karmacheck::OverallStatus,
    /// The case's `modStamp`.
    pub stamp: String,
}

/// What recording a KarmaCheck webhook did.
#[derive(Debug)]
pub enum CaseEventRecorded {
    /// This `messageId` was recorded before; nothing was done again.
    Duplicate,
    /// Recorded; the order, when the read changed it.
    Recorded(Option<Box<CaseOrder>>),
}

/// The sealing context of an order's draft (candidate PII).
pub(super) fn draft_context(order_id: &str) -> String {
    format!("karmacheck-draft:{order_id}")
}

/// Whether a read stamped `new` may replace one stamped `old` (equal stamps apply: a case
/// changed twice in one second is read again and the later read wins).
pub(super) fn read_is_newer(old: Option<&str>, new: &str) -> bool {
    old.is_none_or(|old| new >= old)
}
