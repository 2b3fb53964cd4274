//! The ATS outbox on SQLite: rows written inside the caller's transaction, claimed and
//! settled by the delivery worker.

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::checkr::CustomerType;

use super::super::outbox::{
    self as shared, AccountLink, AttemptResult, DeliveryAttempt, NewEvent, OutboxDelivery, types,
};
use super::super::{OrderRecord, customer_type_from};
use super::{SqliteStore, load_order};

pub(super) mod karmacheck;

/// Whether this deployment sends webhooks to an ATS backend (set at start).
fn enabled(transaction: &Connection) -> rusqlite::Result<bool> {
    transaction
        .query_row("SELECT enabled FROM ats_outbox_switch LIMIT 1", [], |row| {
            row.get(0)
        })
        .optional()
        .map(|enabled| enabled.unwrap_or(false))
}

fn customer_of(transaction: &Connection, account_id: &str) -> rusqlite::Result<CustomerType> {
    let name: Option<String> = transaction
        .query_row(
            "SELECT customer_type FROM accounts WHERE id = ?1",
            [account_id],
            |row| row.get(0),
        )
        .optional()?;
    Ok(customer_type_from(name.as_deref().unwrap_or_default()))
}

fn write(transaction: &Connection, event: &NewEvent) -> rusqlite::Result<()> {
    transaction.execute(
        "INSERT INTO ats_outbox (event_id, account_id, order_key, order_id, type, body, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            event.event_id,
            event.account_id,
            event.order_key,
            event.order_id,
            event.event_type,
            event.body,
            event.created_at,
        ],
    )?;
    Ok(())
}

fn remember_badge(transaction: &Connection, order_id: &str, badge: &str) -> rusqlite::Result<()> {
    transaction.execute(
        "INSERT INTO ats_order_badges (order_id, badge) VALUES (?1, ?2) \
         ON CONFLICT(order_id) DO UPDATE SET badge = ?2",
        params![order_id, badge],
    )?;
    Ok(())
}

/// `order.created` for a new order.
pub(in crate::proxy::store) fn order_created(
    transaction: &Connection,
    order: &OrderRecord,
) -> rusqlite::Result<()> {
    if !enabled(transaction)? {
        return Ok(());
    }
    let customer = customer_of(transaction, &order.account_id)?;
    write(
        transaction,
        &shared::order_event(types::ORDER_CREATED, order, customer),
    )?;
    remember_badge(transaction, &order.id, &shared::badge_key(order, customer))
}

/// `order.status_changed` when the order's badge differs from the last one announced. This
/// runs for every folded event, so the switch, the customer type and the last badge come in
/// one query.
pub(in crate::proxy::store) fn order_changed(
    transaction: &Connection,
    order: &OrderRecord,
) -> rusqlite::Result<()> {
    let found: Option<(bool, Option<String>, Option<String>)> = transaction
        .query_row(
            "SELECT w.enabled, a.customer_type, b.badge FROM ats_outbox_switch w \
             LEFT JOIN accounts a ON a.id = ?1 LEFT JOIN ats_order_badges b ON b.order_id = ?2 \
             LIMIT 1",
            [&order.account_id, &order.id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let Some((true, customer, announced)) = found else {
        return Ok(());
    };
    let customer = customer_type_from(customer.as_deref().unwrap_or_default());
    let badge = shared::badge_key(order, customer);
    if announced.as_deref() == Some(badge.as_str()) {
        return Ok(());
    }
    write(
        transaction,
        &shared::order_event(types::ORDER_STATUS_CHANGED, order, customer),
    )?;
    remember_badge(transaction, &order.id, &badge)
}

/// `order.failed` for an order just recorded as failed.
pub(in crate::proxy::store) fn order_failed(
    transaction: &Connection,
    order_id: &str,
) -> rusqlite::Result<()> {
    if !enabled(transaction)? {
        return Ok(());
    }
    let Some(order) = load_order(transaction, "id = ?1", [order_id])? else {
        return Ok(());
    };
    let customer = customer_of(transaction, &order.account_id)?;
    write(transaction, &shared::order_failed(&order, customer))?;
    remember_badge(transaction, &order.id, &shared::badge_key(&order, customer))
}

/// Announces how the accounts matching `condition` (over `accounts a`) changed since last
/// announced: connected, credentialed, disconnected.
pub(in crate::proxy::store) fn accounts_changed(
    transaction: &Connection,
    condition: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<()> {
    if !enabled(transaction)? {
        return Ok(());
    }
    let mut statement = transaction.prepare(&format!(
        "SELECT a.id, a.connection, a.credentialed, s.connection, s.credentialed \
         FROM accounts a LEFT JOIN ats_account_links s ON s.account_id = a.id WHERE {condition}"
    ))?;
    let rows = statement
        .query_map(args, |row| {
            let before: Option<String> = row.get(3)?;
            let before_credentialed: Option<bool> = row.get(4)?;
            Ok((
                row.get::<_, String>(0)?,
                AccountLink::new(&row.get::<_, String>(1)?, row.get(2)?),
                before.map(|connection| {
                    AccountLink::new(&connection, before_credentialed.unwrap_or(false))
                }),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, now, before) in rows {
        for event in shared::account_events(&id, before, now) {
            write(transaction, &event)?;
        }
        transaction.execute(
            "INSERT INTO ats_account_links (account_id, connection, credentialed) \
             VALUES (?1, ?2, ?3) ON CONFLICT(account_id) DO UPDATE SET connection = ?2, \
             credentialed = ?3",
            params![id, now.connection.as_str(), now.credentialed],
        )?;
    }
    Ok(())
}

/// The accounts holding the token with this digest, before a revocation forgets it.
pub(in crate::proxy::store) fn token_holders(
    transaction: &Connection,
    token_digest: &str,
) -> rusqlite::Result<Vec<String>> {
    let mut statement = transaction.prepare("SELECT id FROM accounts WHERE token_digest = ?1")?;
    let rows = statement.query_map([token_digest], |row| row.get(0))?;
    rows.collect()
}

fn delivery_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxDelivery> {
    Ok(OutboxDelivery {
        seq: row.get(0)?,
        event_id: row.get(1)?,
        account_id: row.get(2)?,
        order_id: row.get(3)?,
        event_type: row.get(4)?,
        body: row.get(5)?,
        attempts: row.get(6)?,
    })
}

impl SqliteStore {
    /// Turns writing outbox rows on or off; one process owns the file, so any delivery lease
    /// left in it belongs to a run that has ended and is voided.
    pub(in crate::proxy::store) async fn set_ats_outbox(
        &self,
        enabled: bool,
    ) -> anyhow::Result<()> {
        self.call(move |db| {
            let transaction = db.transaction()?;
            transaction.execute("DELETE FROM ats_outbox_switch", [])?;
            transaction.execute(
                "INSERT INTO ats_outbox_switch (enabled) VALUES (?1)",
                [enabled],
            )?;
            transaction.execute(
                "UPDATE ats_outbox SET lease_owner = NULL, lease_until = NULL \
                 WHERE lease_owner IS NOT NULL",
                [],
            )?;
            transaction.commit()
        })
        .await
    }

    /// Claims up to `limit` due rows for `owner` until `lease_until`: a row is due when its
    /// time has come, nobody holds it, and no earlier row of the same order is undelivered.
    pub(in crate::proxy::store) async fn claim_deliveries(
        &self,
        owner: &str,
        unix_now: i64,
        lease_until: i64,
        limit: u32,
    ) -> anyhow::Result<Vec<OutboxDelivery>> {
        let owner = owner.to_owned();
        let mut claimed = self
            .call(move |db| {
                let mut statement = db.prepare(
                    "UPDATE ats_outbox SET lease_owner = ?1, lease_until = ?2 WHERE seq IN (\
                     SELECT o.seq FROM ats_outbox o WHERE o.state = 'pending' \
                     AND o.next_attempt_at <= ?3 \
                     AND (o.lease_until IS NULL OR o.lease_until <= ?3) \
                     AND NOT EXISTS (SELECT 1 FROM ats_outbox e WHERE e.order_key = o.order_key \
                     AND e.state = 'pending' AND e.seq < o.seq) ORDER BY o.seq LIMIT ?4) \
                     RETURNING seq, event_id, account_id, order_id, type, body, attempts",
                )?;
                let rows = statement.query_map(
                    params![owner, lease_until, unix_now, limit],
                    delivery_from_row,
                )?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        claimed.sort_by_key(|row| row.seq);
        Ok(claimed)
    }

    /// When the next pending row is due (Unix seconds), if any.
    pub(in crate::proxy::store) async fn next_delivery_due(&self) -> anyhow::Result<Option<i64>> {
        self.call(|db| {
            db.query_row(
                "SELECT MIN(MAX(o.next_attempt_at, COALESCE(o.lease_until, 0))) FROM ats_outbox o \
                 WHERE o.state = 'pending' AND NOT EXISTS (SELECT 1 FROM ats_outbox e \
                 WHERE e.order_key = o.order_key AND e.state = 'pending' AND e.seq < o.seq)",
                [],
                |row| row.get(0),
            )
        })
        .await
    }

    /// Records an attempt and settles the row, if `owner` still holds it.
    pub(in crate::proxy::store) async fn record_delivery(
        &self,
        delivery: &OutboxDelivery,
        owner: &str,
        result: &AttemptResult,
    ) -> anyhow::Result<()> {
        let (delivery, owner, result) = (delivery.clone(), owner.to_owned(), result.clone());
        self.call(move |db| {
            let transaction = db.transaction()?;
            let attempt = delivery.attempts + 1;
            transaction.execute(
                "INSERT INTO ats_delivery_attempts (account_id, event_id, type, order_id, \
                 attempt, attempted_at, status, error, next_retry_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    delivery.account_id,
                    delivery.event_id,
                    delivery.event_type,
                    delivery.order_id,
                    attempt,
                    result.attempted_at,
                    result.status,
                    result.error,
                    shared::retry_text(result.next),
                ],
            )?;
            super::manage::append_audit_in(
                &transaction,
                &shared::attempt_audit(&delivery, attempt, &result),
            )?;
            transaction.execute(
                "UPDATE ats_outbox SET state = ?3, attempts = ?4, \
                 next_attempt_at = COALESCE(?5, next_attempt_at), lease_owner = NULL, \
                 lease_until = NULL WHERE seq = ?1 AND lease_owner = ?2",
                params![
                    delivery.seq,
                    owner,
                    result.next.state(),
                    attempt,
                    result.next.retry_at(),
                ],
            )?;
            transaction.commit()
        })
        .await
    }

    /// Deletes outbox rows delivered before `before` (RFC 3339); attempts stay on record.
    pub(in crate::proxy::store) async fn prune_delivered(
        &self,
        before: &str,
    ) -> anyhow::Result<usize> {
        let before = before.to_owned();
        self.call(move |db| {
            db.execute(
                "DELETE FROM ats_outbox WHERE state = 'delivered' AND created_at < ?1",
                [before],
            )
        })
        .await
    }

    /// The account's delivery attempts made at or after `since` (RFC 3339), oldest first.
    pub(in crate::proxy::store) async fn delivery_attempts(
        &self,
        account_id: &str,
        since: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<DeliveryAttempt>> {
        let (account_id, since) = (account_id.to_owned(), since.to_owned());
        self.call(move |db| {
            let mut statement = db.prepare(
                "SELECT attempted_at, event_id, type, order_id, attempt, status, error, \
                 next_retry_at FROM ats_delivery_attempts WHERE account_id = ?1 \
                 AND attempted_at >= ?2 ORDER BY attempted_at, id LIMIT ?3",
            )?;
            let rows = statement.query_map(params![account_id, since, limit], |row| {
                Ok(DeliveryAttempt {
                    attempted_at: row.get(0)?,
                    event_id: row.get(1)?,
                    event_type: row.get(2)?,
                    order_id: row.get(3)?,
                    attempt: row.get(4)?,
                    status: row.get(5)?,
                    error: row.get(6)?,
                    next_retry_at: row.get(7)?,
                })
            })?;
            rows.collect()
        })
        .await
    }
}
