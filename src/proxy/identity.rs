//! Who is calling: one ATS user of one customer account, with a role.
//!
//! Every widget endpoint takes an [`Identity`], extracted from a signed widget session (see
//! [`super::sessions`]); handlers never read an account id from the request body or path.

use serde::Serialize;

/// Roles live in the domain, where the rule of what each role may see is shared with the
/// widget.
pub use crate::domain::view::Role;

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
