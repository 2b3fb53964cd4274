//! Managing placed orders on SQLite: the audit log, canceled invitations and resent orders.

use rusqlite::{OptionalExtension, params};

use crate::domain::events::EventObject;
use crate::domain::time::Timestamp;

use super::super::OrderRecord;
use super::super::audit::{
    AUDIT_COLUMNS, AuditEntry, AuditRecord, OrderOrigin, record_from_columns,
};
use super::{SqliteStore, load_order, save_folded};

/// Appends one audit row inside the caller's transaction, so the row commits (or not) with
/// the change it describes.
pub(in crate::proxy::store) fn append_audit_in(
    transaction: &rusqlite::Connection,
    entry: &AuditEntry,
) -> rusqlite::Result<()> {
    let at_unix = Timestamp::parse(&entry.at).map_or(0, |at| at.unix_seconds());
    transaction.execute(
        "INSERT INTO audit_log (at, at_unix, account_id, actor, role, action, order_id, \
         outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            entry.at,
            at_unix,
            entry.account_id,
            entry.actor,
            entry.role.map(|role| role.as_str()),
            entry.action.as_str(),
            entry.order_id,
            entry.outcome.as_str(),
            entry.stored_detail(),
        ],
    )?;
    Ok(())
}

/// The new order's audit rows and, for a resend, its link to the old order, inside the
/// transaction that creates it.
pub(in crate::proxy::store) fn record_origin_in(
    transaction: &rusqlite::Connection,
    order: &OrderRecord,
    origin: &OrderOrigin,
) -> rusqlite::Result<()> {
    if let Some(old) = &origin.resent_from {
        transaction.execute(
            "INSERT INTO order_links (order_id, account_id, resent_from) VALUES (?1, ?2, ?3)",
            params![order.id, order.account_id, old],
        )?;
    }
    for row in origin.rows(&order.id) {
        append_audit_in(transaction, &row)?;
    }
    Ok(())
}

fn audit_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRecord> {
    Ok(record_from_columns(
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
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

impl SqliteStore {
    /// Appends one audit row on its own.
    pub async fn append_audit(&self, entry: AuditEntry) -> anyhow::Result<()> {
        self.call(move |db| append_audit_in(db, &entry)).await
    }

    /// An order's audit rows, oldest first.
    pub async fn order_history(
        &self,
        account_id: &str,
        order_id: &str,
    ) -> anyhow::Result<Vec<AuditRecord>> {
        let (account_id, order_id) = (account_id.to_owned(), order_id.to_owned());
        self.call(move |db| {
            let mut statement = db.prepare(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE account_id = ?1 AND order_id = ?2 \
                 ORDER BY seq"
            ))?;
            let rows = statement.query_map(params![account_id, order_id], audit_from_row)?;
            rows.collect()
        })
        .await
    }

    /// Up to `limit` of the account's audit rows at or after `since_unix`, after the row
    /// numbered `after_seq`, oldest first.
    pub async fn audit_page(
        &self,
        account_id: &str,
        since_unix: i64,
        after_seq: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<AuditRecord>> {
        let account_id = account_id.to_owned();
        self.call(move |db| {
            let mut statement = db.prepare(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE account_id = ?1 AND at_unix >= ?2 \
                 AND seq > ?3 ORDER BY seq LIMIT ?4"
            ))?;
            let rows = statement.query_map(
                params![account_id, since_unix, after_seq, limit],
                audit_from_row,
            )?;
            rows.collect()
        })
        .await
    }

    /// Folds Checkr's answer to canceling an order's invitation (the invitation, with its
    /// `deleted_at`) as an authoritative read, and writes the audit row, in one transaction.
    /// `None` when the order is not the account's or has no such invitation.
    pub async fn record_cancellation(
        &self,
        account_id: &str,
        order_id: &str,
        invitation: EventObject,
        now: String,
        audit: AuditEntry,
    ) -> anyhow::Result<Option<OrderRecord>> {
        let (account_id, order_id) = (account_id.to_owned(), order_id.to_owned());
        self.call(move |db| {
            let transaction = db.transaction()?;
            let Some(mut order) = load_order(
                &transaction,
                "account_id = ?1 AND id = ?2 AND invitation_id = ?3",
                params![account_id, order_id, invitation.id],
            )?
            else {
                return Ok(None);
            };
            // Checkr's answer holds up to the moment it canceled; an `invitation.deleted`
            // webhook of the same second then changes nothing, before or after this.
            let as_of = latest(&[
                invitation.deleted_at.as_deref(),
                order
                    .folded
                    .newest_invitation_event()
                    .map(Timestamp::as_str),
            ]);
            order.folded.apply_read(&invitation, &as_of);
            save_folded(&transaction, &order, &now)?;
            append_audit_in(&transaction, &audit)?;
            let order = load_order(&transaction, "id = ?1", [&order.id])?;
            transaction.commit()?;
            Ok(order)
        })
        .await
    }

    /// The order this one was resent from, if it was.
    pub async fn resent_from(
        &self,
        account_id: &str,
        order_id: &str,
    ) -> anyhow::Result<Option<String>> {
        let (account_id, order_id) = (account_id.to_owned(), order_id.to_owned());
        self.call(move |db| {
            db.query_row(
                "SELECT resent_from FROM order_links WHERE account_id = ?1 AND order_id = ?2",
                params![account_id, order_id],
                |row| row.get(0),
            )
            .optional()
        })
        .await
    }

    /// Records the report's tags as last set (on the order's draft, which the row shows and
    /// a resend sends again) with the audit row, in one transaction.
    pub async fn set_order_tags(
        &self,
        account_id: &str,
        order_id: &str,
        tags: Vec<String>,
        now: String,
        audit: AuditEntry,
    ) -> anyhow::Result<Option<OrderRecord>> {
        let (account_id, order_id) = (account_id.to_owned(), order_id.to_owned());
        self.call(move |db| {
            let transaction = db.transaction()?;
            let Some(mut order) = load_order(
                &transaction,
                "account_id = ?1 AND id = ?2",
                params![account_id, order_id],
            )?
            else {
                return Ok(None);
            };
            order.draft.tags = tags;
            let draft = serde_json::to_string(&order.draft)
                .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
            transaction.execute(
                "UPDATE orders SET draft = ?2, updated_at = ?3 WHERE id = ?1",
                params![order.id, draft, now],
            )?;
            append_audit_in(&transaction, &audit)?;
            let order = load_order(&transaction, "id = ?1", [&order.id])?;
            transaction.commit()?;
            Ok(order)
        })
        .await
    }
}
