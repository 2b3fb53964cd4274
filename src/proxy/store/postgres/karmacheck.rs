//! KarmaCheck connections on PostgreSQL.

use tokio_postgres::Transaction;

use super::super::super::crypto::Vault;
use super::super::karmacheck::{
    KarmaCheckConnection, KarmaCheckCredentials, NewKarmaCheckConnection, api_key_context,
    client_token_context,
};
use super::PostgresStore;

impl PostgresStore {
    /// Stores the account's KarmaCheck connection (replacing an earlier one); `false` when
    /// the account does not exist.
    pub(in super::super) async fn save_karmacheck_connection(
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
        // Inserting from the accounts row makes a missing account insert nothing.
        let inserted = self
            .client()
            .await?
            .execute(
                "INSERT INTO karmacheck_connections (account_id, api_key, client_access_token, \
                 webhook_username, webhook_password_digest, connected_at) \
                 SELECT id, $2, $3, $4, $5, $6 FROM accounts WHERE id = $1 \
                 ON CONFLICT (account_id) DO UPDATE SET api_key = $2, client_access_token = $3, \
                 webhook_username = $4, webhook_password_digest = $5, connected_at = $6",
                &[
                    &account_id,
                    &api_key,
                    &client_token,
                    &connection.webhook_username,
                    &connection.webhook_password_digest,
                    &connection.connected_at,
                ],
            )
            .await?;
        Ok(inserted == 1)
    }

    /// The account's KarmaCheck connection, opened.
    pub(in super::super) async fn karmacheck_connection(
        &self,
        account_id: &str,
    ) -> anyhow::Result<Option<KarmaCheckConnection>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT api_key, client_access_token, webhook_username, connected_at \
                 FROM karmacheck_connections WHERE account_id = $1",
                &[&account_id],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (api_key, client_token): (&str, &str) = (row.try_get(0)?, row.try_get(1)?);
        Ok(Some(KarmaCheckConnection {
            account_id: account_id.to_owned(),
            credentials: KarmaCheckCredentials {
                api_key: self
                    .vault
                    .open(api_key, &api_key_context(account_id))?
                    .secret,
                client_access_token: self
                    .vault
                    .open(client_token, &client_token_context(account_id))?
                    .secret,
            },
            webhook_username: row.try_get(2)?,
            connected_at: row.try_get(3)?,
        }))
    }

    /// The account and password digest a webhook username belongs to.
    pub(in super::super) async fn karmacheck_webhook_login(
        &self,
        username: &str,
    ) -> anyhow::Result<Option<(String, String)>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT account_id, webhook_password_digest FROM karmacheck_connections \
                 WHERE webhook_username = $1",
                &[&username],
            )
            .await?;
        row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .transpose()
    }

    /// Forgets the account's KarmaCheck connection; `false` when it had none.
    pub(in super::super) async fn forget_karmacheck_connection(
        &self,
        account_id: &str,
    ) -> anyhow::Result<bool> {
        let deleted = self
            .client()
            .await?
            .execute(
                "DELETE FROM karmacheck_connections WHERE account_id = $1",
                &[&account_id],
            )
            .await?;
        Ok(deleted == 1)
    }
}

/// Brings every sealed KarmaCheck credential under the current key, inside the start-up
/// check's transaction; a credential that opens with neither key stops the start.
pub(super) async fn reseal(transaction: &Transaction<'_>, vault: &Vault) -> anyhow::Result<()> {
    let rows = transaction
        .query(
            "SELECT account_id, api_key, client_access_token FROM karmacheck_connections",
            &[],
        )
        .await?;
    for row in rows {
        let (account_id, api_key, client_token): (String, String, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let key = vault.open(&api_key, &api_key_context(&account_id))?;
        let token = vault.open(&client_token, &client_token_context(&account_id))?;
        if key.needs_resealing || token.needs_resealing {
            transaction
                .execute(
                    "UPDATE karmacheck_connections SET api_key = $2, client_access_token = $3 \
                     WHERE account_id = $1",
                    &[
                        &account_id,
                        &vault.seal(key.secret.expose(), &api_key_context(&account_id))?,
                        &vault.seal(token.secret.expose(), &client_token_context(&account_id))?,
                    ],
                )
                .await?;
        }
    }
    Ok(())
}
