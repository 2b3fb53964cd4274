//! Who is calling: one ATS user of one customer account, with a role.
//!
//! Every widget endpoint takes an [`Identity`], extracted from a signed widget session (see
//! [`super::sessions`]); handlers never read an account id from the request body or path.

use serde::{Deserialize, Serialize};

/// What an ATS user may do in the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Orders checks and follows their status.
    Recruiter,
    /// Also sees report links (adjudication rights in Checkr).
    Adjudicator,
    /// Also connects, disconnects and configures the provider account.
    Admin,
}

impl Role {
    /// Whether this user may open reports in the Checkr Dashboard (R15).
    pub const fn sees_reports(self) -> bool {
        match self {
            Role::Recruiter => false,
            Role::Adjudicator | Role::Admin => true,
        }
    }

    /// Whether this user may manage the provider connection and account settings.
    pub const fn manages_account(self) -> bool {
        match self {
            Role::Recruiter | Role::Adjudicator => false,
            Role::Admin => true,
        }
    }
}

/// The authenticated caller of a widget endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The ATS customer account.
    pub account_id: String,
    /// The ATS user.
    pub user_id: String,
    /// Their role.
    pub role: Role,
}
