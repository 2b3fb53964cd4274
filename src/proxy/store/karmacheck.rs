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
