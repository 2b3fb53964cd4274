//! One-time OAuth state: start tickets that work once, and states bound to the browser that
//! started the flow, consumed at the callback.

use rusqlite::{OptionalExtension, params};

use super::sqlite::SqliteStore;

/// An OAuth flow started by an admin, as the callback finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingConnection {
    /// The ATS account being connected.
    pub account_id: String,
    /// The admin who started it.
    pub user_id: String,
    /// Digest of the browser-binding cookie set at the start.
    pub browser_digest: String,
    /// Unix seconds after which the state is refused.
    pub expires_at: u64,
}

impl SqliteStore {
    /// Marks a start ticket used; `false` when it already was. Spent tickets are kept until
    /// they would have expired anyway.
    pub async fn spend_ticket(
        &self,
        nonce: &str,
        expires_at: u64,
        now: u64,
    ) -> anyhow::Result<bool> {
        let nonce = nonce.to_owned();
        self.call(move |db| {
            db.execute(
                "DELETE FROM spent_oauth_tickets WHERE expires_at < ?1",
                [now],
            )?;
            db.execute(
                "INSERT INTO spent_oauth_tickets (nonce, expires_at) VALUES (?1, ?2) \
                 ON CONFLICT(nonce) DO NOTHING",
                params![nonce, expires_at],
            )
            .map(|inserted| inserted == 1)
        })
        .await
    }

    /// Stores a started flow under the digest of its state nonce.
    pub async fn save_pending_connection(
        &self,
        nonce_digest: &str,
        pending: PendingConnection,
        now: u64,
    ) -> anyhow::Result<()> {
        let nonce_digest = nonce_digest.to_owned();
        self.call(move |db| {
            db.execute("DELETE FROM oauth_states WHERE expires_at < ?1", [now])?;
            db.execute(
                "INSERT INTO oauth_states (nonce_digest, account_id, user_id, browser_digest, \
                 expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    nonce_digest,
                    pending.account_id,
                    pending.user_id,
                    pending.browser_digest,
                    pending.expires_at
                ],
            )
            .map(drop)
        })
        .await
    }

    /// Takes a started flow out of the store: a state is good for one callback, whatever
    /// that callback then decides.
    pub async fn take_pending_connection(
        &self,
        nonce_digest: &str,
    ) -> anyhow::Result<Option<PendingConnection>> {
        let nonce_digest = nonce_digest.to_owned();
        self.call(move |db| {
            db.query_row(
                "DELETE FROM oauth_states WHERE nonce_digest = ?1 \
                 RETURNING account_id, user_id, browser_digest, expires_at",
                [nonce_digest],
                |row| {
                    Ok(PendingConnection {
                        account_id: row.get(0)?,
                        user_id: row.get(1)?,
                        browser_digest: row.get(2)?,
                        expires_at: row.get(3)?,
                    })
                },
            )
            .optional()
        })
        .await
    }
}
