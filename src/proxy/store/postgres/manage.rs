//! Managing placed orders on PostgreSQL: the audit log, canceled invitations and resent
//! orders.

use tokio_postgres::{Row, Transaction};

use crate::domain::events::EventObject;
use crate::domain::time::Timestamp;

use super::super::OrderRecord;
use super::super::audit::{
    AUDIT_COLUMNS, AuditEntry, AuditRecord, OrderOrigin, record_from_columns,
};
use super::PostgresStore;
use super::fold::{load_order, lock_account, save_folded};

/// Appends one audit row inside the caller's transaction, so the row commits (or not) with
/// the change it describes.
pub(in crate::proxy::store) async fn append_audit_in(
    transaction: &Transaction<'_>,
    entry: &AuditEntry,
) -> anyhow::Result<()> {
    let at_unix = Timestamp::parse(&entry.at).map_or(0, |at| at.unix_seconds());
    transaction
        .execute(
            "INSERT INTO audit_log (at, at_unix, account_id, actor, role, action, order_id, \
             outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &entry.at,
                &at_unix,
                &entry.account_id,
                &entry.actor,
                &entry.role.map(|role| role.as_str()),
                &entry.action.as_str(),
                &entry.order_id,
                &entry.outcome.as_str(),
                &entry.stored_detail(),
            ],
        )
        .await?;
    Ok(())
}

/// The new order's audit rows and, for a resend, its link to the old order, inside the
/// transaction that creates it.
pub(in crate::proxy::store) async fn record_origin_in(
    transaction: &Transaction<'_>,
    order: &OrderRecord,
    origin: &OrderOrigin,
) -> anyhow::Result<()> {
    if let Some(old) = &origin.resent_from {
        transaction
            .execute(
                "INSERT INTO order_links (order_id, account_id, resent_from) VALUES ($1, $2, $3)",
                &[&order.id, &order.account_id, old],
            )
            .await?;
    }
    for row in origin.rows(&order.id) {
        append_audit_in(transaction, &row).await?;
    }
    Ok(())
}

fn audit_from_row(row: &Row) -> anyhow::Result<AuditRecord> {
    Ok(record_from_columns(
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
        row.try_get(5)?,
        row.try_get(6)?,
        row.try_get(7)?,
        row.try_get(8)?,
    ))
}

/// The newest of the known instants, or the epoch when none parses.
fn latest(times: &[Option<&str>]) -> Timestamp {
    times
        .iter()
        .flatten()
        .filter_map(|text| Timestamp::parse(text).ok())
        .max_by(|a, b| a.cmp_instant(b))
        .unwrap_or_else(|| Timestamp::from_unix_seconds(0))
}

impl PostgresStore {
    /// Appends one audit row on its own.
    pub(in crate::proxy::store) async fn append_audit(
        &self,
        entry: AuditEntry,
    ) -> anyhow::Result<()> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        append_audit_in(&transaction, &entry).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// An order's audit rows, oldest first.
    pub(in crate::proxy::store) async fn order_history(
        &self,
        account_id: &str,
        order_id: &str,
    ) -> anyhow::Result<Vec<AuditRecord>> {
        self.client()
            .await?
            .query(
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log \
                     WHERE account_id = $1 AND order_id = $2 ORDER BY seq"
                ),
                &[&account_id, &order_id],
            )
            .await?
            .iter()
            .map(audit_from_row)
            .collect()
    }

    /// Up to `limit` of the account's audit rows at or after `since_unix`, after the row
    /// numbered `after_seq`, oldest first.
    pub(in crate::proxy::store) async fn audit_page(
        &self,
        account_id: &str,
        since_unix: i64,
        after_seq: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<AuditRecord>> {
        self.client()
            .await?
            .query(
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE account_id = $1 \
                     AND at_unix >= $2 AND seq > $3 ORDER BY seq LIMIT $4"
                ),
                &[&account_id, &since_unix, &after_seq, &limit],
            )
            .await?
            .iter()
            .map(audit_from_row)
            .collect()
    }

    /// Folds Checkr's answer to canceling an order's invitation as an authoritative read,
    /// and writes the audit row, in one transaction under the provider account's fold lock.
    pub(in crate::proxy::store) async fn record_cancellation(
        &self,
        account_id: &str,
        order_id: &str,
        invitation: EventObject,
        now: String,
        audit: AuditEntry,
    ) -> anyhow::Result<Option<OrderRecord>> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let provider: Option<String> = transaction
            .query_opt(
                "SELECT checkr_account_id FROM accounts WHERE id = $1",
                &[&account_id],
            )
            .await?
            .map(|row| row.try_get(0))
            .transpose()?
            .flatten();
        if let Some(provider) = &provider {
            lock_account(&transaction, provider).await?;
        }
        let Some(mut order) = load_order(
            &transaction,
            "account_id = $1 AND id = $2 AND invitation_id = $3",
            &[&account_id, &order_id, &invitation.id],
        )
        .await?
        else {
            return Ok(None);
        };
        // Checkr's answer holds up to the moment it canceled; an `invitation.deleted` webhook
        // of the same second then changes nothing, before or after this.
        let as_of = latest(&[
            invitation.deleted_at.as_deref(),
            order
                .folded
                .newest_invitation_event()
                .map(Timestamp::as_str),
        ]);
        order.folded.apply_read(&invitation, &as_of);
        save_folded(&transaction, &order, &now).await?;
        append_audit_in(&transaction, &audit).await?;
        let order = load_order(&transaction, "id = $1", &[&order.id]).await?;
        transaction.commit().await?;
        Ok(order)
    }

    /// The order this one was resent from, if it was.
    pub(in crate::proxy::store) async fn resent_from(
        &self,
        account_id: &str,
        order_id: &str,
    ) -> anyhow::Result<Option<String>> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT resent_from FROM order_links WHERE account_id = $1 AND order_id = $2",
                &[&account_id, &order_id],
            )
            .await?
            .map(|row| row.try_get(0))
            .transpose()?)
    }

    /// Records the report's tags as last set (on the order's draft) with the audit row, in
    /// one transaction.
    pub(in crate::proxy::store) async fn set_order_tags(
        &self,
        account_id: &str,
        order_id: &str,
        tags: Vec<String>,
        now: String,
        audit: AuditEntry,
    ) -> anyhow::Result<Option<OrderRecord>> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let Some(mut order) = load_order(
            &transaction,
            "account_id = $1 AND id = $2",
            &[&account_id, &order_id],
        )
        .await?
        else {
            return Ok(None);
        };
        order.draft.tags = tags;
        transaction
            .execute(
                "UPDATE orders SET draft = $2, updated_at = $3 WHERE id = $1",
                &[&order.id, &serde_json::to_string(&order.draft)?, &now],
            )
            .await?;
        append_audit_in(&transaction, &audit).await?;
        let order = load_order(&transaction, "id = $1", &[&order.id]).await?;
        transaction.commit().await?;
        Ok(order)
    }
}
