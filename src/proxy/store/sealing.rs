//! The encryption key against the database: checked at start so a wrong key fails at once
//! with a clear message, and every sealed token brought under the current key (after a
//! rotation, or from the format before tokens were bound to their account).

use anyhow::{Context, bail};
use rusqlite::{Connection, OptionalExtension, params};

use super::super::crypto::Vault;

/// What the check value seals; it only proves which key the database belongs to.
pub(super) const CHECK_PLAINTEXT: &str = "bgcheck sealing key check";
pub(super) const CHECK_CONTEXT: &str = "key-check";

/// The context a token is sealed for: its account, so a sealed token copied onto another
/// account's row does not open.
pub fn token_context(account_id: &str) -> String {
    format!("account:{account_id}")
}

/// Verifies `vault` against the database and reseals what needs it, in one transaction.
pub fn check_and_reseal(
    connection: &mut Connection,
    vault: &Vault,
    path: &str,
) -> anyhow::Result<()> {
    // Immediate: a transaction that reads first and writes later cannot wait for a writer
    // that got in between (SQLite answers "database is locked" at once), and at start the
    // previous process's last writes may still be in flight.
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let stored: Option<String> = transaction
        .query_row("SELECT check_value FROM sealing_key", [], |row| row.get(0))
        .optional()?;
    if let Some(check) = &stored {
        let opened = vault.open(check, CHECK_CONTEXT).map_err(|error| {
            anyhow::anyhow!(
                "the database {path} was sealed with another encryption key ({error}). Pass the \
                 key it was sealed with as --encryption-key, or, to rotate, the new key as \
                 --encryption-key and the old one as --previous-encryption-key"
            )
        })?;
        if opened.secret.expose() != CHECK_PLAINTEXT {
            bail!("the database {path} holds an unexpected key check value");
        }
    }
    let tokens: Vec<(String, String)> = {
        let mut statement = transaction
            .prepare("SELECT id, access_token FROM accounts WHERE access_token IS NOT NULL")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (account_id, sealed) in tokens {
        let context = token_context(&account_id);
        let opened = vault.open(&sealed, &context).with_context(|| {
            format!(
                "the access token of account {account_id} in {path} does not open with \
                 --encryption-key (or --previous-encryption-key)"
            )
        })?;
        if opened.needs_resealing {
            transaction.execute(
                "UPDATE accounts SET access_token = ?2 WHERE id = ?1",
                params![account_id, vault.seal(opened.secret.expose(), &context)?],
            )?;
        }
    }
    super::sqlite::karmacheck::reseal(&transaction, vault)
        .with_context(|| format!("a KarmaCheck credential in {path} does not open"))?;
    let check = vault.seal(CHECK_PLAINTEXT, CHECK_CONTEXT)?;
    transaction.execute("DELETE FROM sealing_key", [])?;
    transaction.execute(
        "INSERT INTO sealing_key (key_id, check_value) VALUES (?1, ?2)",
        params![vault.key_id(), check],
    )?;
    transaction.commit()?;
    Ok(())
}
