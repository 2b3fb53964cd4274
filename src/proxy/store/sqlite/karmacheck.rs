//! KarmaCheck connections on SQLite.

use rusqlite::{Connection, OptionalExtension, params};

use super::super::super::crypto::Vault;
use super::super::karmacheck::{
    KarmaCheckConnection, KarmaCheckCredentials, NewKarmaCheckConnection, api_key_context,
    client_token_context,
};
use super::SqliteStore;

/// The sealed row as read, before opening.
type SealedRow = (String, String, String, String, String);

impl SqliteStore {
    /// Stores the account's KarmaCheck connection (replacing an earlier one); `false` when
    /// the account does not exist.
    pub async fn save_karmacheck_connection(
        &self,
        account_id: &str,
        connection: NewKarmaCheckConnection,
    ) -> anyhow::Result<bool> {
        let api_key = self.vault.seal(
            connection.credentials.api_key.expose(),
            &api_key_context(account_id),
        )?;
        let client_token = self.vault.seal(
            connection.credentials.client_access_token.expose(),
            &client_token_context(account_id),
        )?;
        let account_id = account_id.to_owned();
        self.call(move |db| {
            let transaction = db.transaction()?;
            let exists = transaction
                .query_row(
                    "SELECT 1 FROM accounts WHERE id = ?1",
                    [&account_id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if exists {
                transaction.execute(
                    "INSERT INTO karmacheck_connections (account_id, api_key, client_access_token, \
                     webhook_username, webhook_password_digest, connected_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(account_id) DO UPDATE SET \
                     api_key = ?2, client_access_token = ?3, webhook_username = ?4, \
                     webhook_password_digest = ?5, connected_at = ?6",
                    params![
                        account_id,
                        api_key,
                        client_token,
                        connection.webhook_username,
                        connection.webhook_password_digest,
                        connection.connected_at,
                    ],
                )?;
            }
            transaction.commit()?;
            Ok(exists)
        })
        .await
    }

    /// The account's KarmaCheck connection, opened.
    pub async fn karmacheck_connection(
        &self,
        account_id: &str,
    ) -> anyhow::Result<Option<KarmaCheckConnection>> {
        let account_id = account_id.to_owned();
        let row: Option<SealedRow> = self
            .call(move |db| {
                db.query_row(
                    "SELECT account_id, api_key, client_access_token, webhook_username, \
                     connected_at FROM karmacheck_connections WHERE account_id = ?1",
                    [account_id],
                    |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                        ))
                    },
                )
                .optional()
            })
            .await?;
        row.map(|row| open_row(&self.vault, row)).transpose()
    }

    /// The account and password digest a webhook username belongs to.
    pub async fn karmacheck_webhook_login(
        &self,
        username: &str,
    ) -> anyhow::Result<Option<(String, String)>> {
        let username = username.to_owned();
        self.call(move |db| {
            db.query_row(
                "SELECT account_id, webhook_password_digest FROM karmacheck_connections \
                 WHERE webhook_username = ?1",
                [username],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
        })
        .await
    }

    /// Forgets the account's KarmaCheck connection; `false` when it had none.
    pub async fn forget_karmacheck_connection(&self, account_id: &str) -> anyhow::Result<bool> {
        let account_id = account_id.to_owned();
        self.call(move |db| {
            db.execute(
                "DELETE FROM karmacheck_connections WHERE account_id = ?1",
                [account_id],
            )
            .map(|deleted| deleted == 1)
        })
        .await
    }
}

fn open_row(vault: &Vault, row: SealedRow) -> anyhow::Result<KarmaCheckConnection> {
    let (account_id, api_key, client_token, webhook_username, connected_at) = row;
    Ok(KarmaCheckConnection {
        credentials: KarmaCheckCredentials {
            api_key: vault.open(&api_key, &api_key_context(&account_id))?.secret,
            client_access_token: vault
                .open(&client_token, &client_token_context(&account_id))?
                .secret,
        },
        webhook_username,
        connected_at,
        account_id,
    })
}

/// Brings every sealed KarmaCheck credential under the current key, inside the start-up
/// check's transaction; a credential that opens with neither key stops the start.
pub(in super::super) fn reseal(transaction: &Connection, vault: &Vault) -> anyhow::Result<()> {
    let rows: Vec<(String, String, String)> = {
        let mut statement = transaction.prepare(
            "SELECT account_id, api_key, client_access_token FROM karmacheck_connections",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (account_id, api_key, client_token) in rows {
        let key = vault.open(&api_key, &api_key_context(&account_id))?;
        let token = vault.open(&client_token, &client_token_context(&account_id))?;
        if key.needs_resealing || token.needs_resealing {
            transaction.execute(
                "UPDATE karmacheck_connections SET api_key = ?2, client_access_token = ?3 \
                 WHERE account_id = ?1",
                params![
                    account_id,
                    vault.seal(key.secret.expose(), &api_key_context(&account_id))?,
                    vault.seal(token.secret.expose(), &client_token_context(&account_id))?,
                ],
            )?;
        }
    }
    Ok(())
}
