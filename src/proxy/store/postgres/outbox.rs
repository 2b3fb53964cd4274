//! The ATS outbox on PostgreSQL: rows written inside the caller's transaction; several
//! instances claim due rows with `FOR UPDATE SKIP LOCKED` and a lease, so each row has one
//! sender at a time and an instance that dies mid-delivery loses its rows only until the
//! lease runs out.

use tokio_postgres::{Row, Transaction};

use crate::domain::checkr::CustomerType;

use super::super::outbox::{
    self as shared, AccountLink, AttemptResult, DeliveryAttempt, NewEvent, OutboxDelivery, types,
};
use super::super::{OrderRecord, customer_type_from};
use super::fold::load_order;
use super::{Params, PostgresStore};

pub(super) mod karmacheck;

async fn enabled(transaction: &Transaction<'_>) -> anyhow::Result<bool> {
    Ok(transaction
        .query_opt("SELECT enabled FROM ats_outbox_switch LIMIT 1", &[])
        .await?
        .map(|row| row.try_get::<_, bool>(0))
        .transpose()?
        .unwrap_or(false))
}

async fn customer_of(
    transaction: &Transaction<'_>,
    account_id: &str,
) -> anyhow::Result<CustomerType> {
    let name: Option<String> = transaction
        .query_opt(
            "SELECT customer_type FROM accounts WHERE id = $1",
            &[&account_id],
        )
        .await?
        .map(|row| row.try_get(0))
        .transpose()?;
    Ok(customer_type_from(name.as_deref().unwrap_or_default()))
}

async fn write(transaction: &Transaction<'_>, event: &NewEvent) -> anyhow::Result<()> {
    transaction
        .execute(
            "INSERT INTO ats_outbox (event_id, account_id, order_key, order_id, type, body, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &event.event_id,
                &event.account_id,
                &event.order_key,
                &event.order_id,
                &event.event_type,
                &event.body,
                &event.created_at,
            ],
        )
        .await?;
    Ok(())
}

async fn remember_badge(
    transaction: &Transaction<'_>,
    order_id: &str,
    badge: &str,
) -> anyhow::Result<()> {
    transaction
        .execute(
            "INSERT INTO ats_order_badges (order_id, badge) VALUES ($1, $2) \
             ON CONFLICT (order_id) DO UPDATE SET badge = $2",
            &[&order_id, &badge],
        )
        .await?;
    Ok(())
}

/// `order.created` for a new order.
pub(in crate::proxy::store) async fn order_created(
    transaction: &Transaction<'_>,
    order: &OrderRecord,
) -> anyhow::Result<()> {
    if !enabled(transaction).await? {
        return Ok(());
    }
    let customer = customer_of(transaction, &order.account_id).await?;
    write(
        transaction,
        &shared::order_event(types::ORDER_CREATED, order, customer),
    )
    .await?;
    remember_badge(transaction, &order.id, &shared::badge_key(order, customer)).await
}

/// Columns a statement on `orders` can return for [`order_changed_given`]: whether the outbox
/// is on, the account's customer type and the last badge announced.
pub(super) const ORDER_OUTBOX_STATE: &str = "(SELECT enabled FROM ats_outbox_switch LIMIT 1), \
     (SELECT customer_type FROM accounts a WHERE a.id = orders.account_id), \
     (SELECT badge FROM ats_order_badges b WHERE b.order_id = orders.id)";

/// `order.status_changed` when the order's badge differs from the last one announced.
pub(in crate::proxy::store) async fn order_changed(
    transaction: &Transaction<'_>,
    order: &OrderRecord,
) -> anyhow::Result<()> {
    let state = transaction
        .query_opt(
            &format!("SELECT {ORDER_OUTBOX_STATE} FROM orders WHERE id = $1"),
            &[&order.id],
        )
        .await?;
    order_changed_given(transaction, order, state).await
}

/// [`order_changed`] with [`ORDER_OUTBOX_STATE`] already read (by the statement that saved the
/// order, so folding an event costs no extra round trip).
pub(in crate::proxy::store) async fn order_changed_given(
    transaction: &Transaction<'_>,
    order: &OrderRecord,
    state: Option<Row>,
) -> anyhow::Result<()> {
    let Some(state) = state else {
        return Ok(());
    };
    if state.try_get::<_, Option<bool>>(0)? != Some(true) {
        return Ok(());
    }
    let customer = customer_type_from(state.try_get::<_, Option<&str>>(1)?.unwrap_or_default());
    let announced: Option<&str> = state.try_get(2)?;
    let badge = shared::badge_key(order, customer);
    if announced == Some(badge.as_str()) {
        return Ok(());
    }
    write(
        transaction,
        &shared::order_event(types::ORDER_STATUS_CHANGED, order, customer),
    )
    .await?;
    remember_badge(transaction, &order.id, &badge).await
}

/// `order.failed` for an order just recorded as failed.
pub(in crate::proxy::store) async fn order_failed(
    transaction: &Transaction<'_>,
    order_id: &str,
) -> anyhow::Result<()> {
    if !enabled(transaction).await? {
        return Ok(());
    }
    let Some(order) = load_order(transaction, "id = $1", &[&order_id]).await? else {
        return Ok(());
    };
    let customer = customer_of(transaction, &order.account_id).await?;
    write(transaction, &shared::order_failed(&order, customer)).await?;
    remember_badge(transaction, &order.id, &shared::badge_key(&order, customer)).await
}

/// Announces how the accounts matching `condition` (over `accounts a`, with the last
/// announced link as `s`) changed: connected, credentialed, disconnected.
pub(in crate::proxy::store) async fn accounts_changed(
    transaction: &Transaction<'_>,
    condition: &str,
    args: Params<'_>,
) -> anyhow::Result<()> {
    if !enabled(transaction).await? {
        return Ok(());
    }
    let rows = transaction
        .query(
            &format!(
                "SELECT a.id, a.connection, a.credentialed, s.connection, s.credentialed \
                 FROM accounts a LEFT JOIN ats_account_links s ON s.account_id = a.id \
                 WHERE {condition}"
            ),
            args,
        )
        .await?;
    for row in rows {
        let id: String = row.try_get(0)?;
        let now = AccountLink::new(row.try_get(1)?, row.try_get(2)?);
        let before = row
            .try_get::<_, Option<&str>>(3)?
            .map(|connection| -> anyhow::Result<AccountLink> {
                Ok(AccountLink::new(
                    connection,
                    row.try_get::<_, Option<bool>>(4)?.unwrap_or(false),
                ))
            })
            .transpose()?;
        for event in shared::account_events(&id, before, now) {
            write(transaction, &event).await?;
        }
        transaction
            .execute(
                "INSERT INTO ats_account_links (account_id, connection, credentialed) \
                 VALUES ($1, $2, $3) ON CONFLICT (account_id) DO UPDATE SET connection = $2, \
                 credentialed = $3",
                &[&id, &now.connection.as_str(), &now.credentialed],
            )
            .await?;
    }
    Ok(())
}

/// The accounts holding the token with this digest, before a revocation forgets it.
pub(in crate::proxy::store) async fn token_holders(
    transaction: &Transaction<'_>,
    token_digest: &str,
) -> anyhow::Result<Vec<String>> {
    transaction
        .query(
            "SELECT id FROM accounts WHERE token_digest = $1",
            &[&token_digest],
        )
        .await?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
}

fn delivery_from_row(row: &Row) -> anyhow::Result<OutboxDelivery> {
    Ok(OutboxDelivery {
        seq: row.try_get(0)?,
        event_id: row.try_get(1)?,
        account_id: row.try_get(2)?,
        order_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        body: row.try_get(5)?,
        attempts: u32::try_from(row.try_get::<_, i32>(6)?).unwrap_or(0),
    })
}

impl PostgresStore {
    /// Turns writing outbox rows on; never off, so one instance started without the flag (in
    /// a rolling deploy, say) cannot silence the others. Leases are left to expire: another
    /// instance may be delivering.
    pub(in crate::proxy::store) async fn set_ats_outbox(
        &self,
        enabled: bool,
    ) -> anyhow::Result<()> {
        if !enabled {
            return Ok(());
        }
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute("DELETE FROM ats_outbox_switch", &[])
            .await?;
        transaction
            .execute(
                "INSERT INTO ats_outbox_switch (enabled) VALUES ($1)",
                &[&enabled],
            )
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` due rows for `owner` until `lease_until`; rows another instance
    /// is claiming at this moment are skipped, not waited for.
    pub(in crate::proxy::store) async fn claim_deliveries(
        &self,
        owner: &str,
        unix_now: i64,
        lease_until: i64,
        limit: u32,
    ) -> anyhow::Result<Vec<OutboxDelivery>> {
        let rows = self
            .client()
            .await?
            .query(
                "UPDATE ats_outbox SET lease_owner = $1, lease_until = $2 WHERE seq IN (\
                 SELECT o.seq FROM ats_outbox o WHERE o.state = 'pending' \
                 AND o.next_attempt_at <= $3 \
                 AND (o.lease_until IS NULL OR o.lease_until <= $3) \
                 AND NOT EXISTS (SELECT 1 FROM ats_outbox e WHERE e.order_key = o.order_key \
                 AND e.state = 'pending' AND e.seq < o.seq) \
                 ORDER BY o.seq LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 AND state = 'pending' AND (lease_until IS NULL OR lease_until <= $3) \
                 RETURNING seq, event_id, account_id, order_id, type, body, attempts",
                &[&owner, &lease_until, &unix_now, &i64::from(limit)],
            )
            .await?;
        let mut claimed = rows
            .iter()
            .map(delivery_from_row)
            .collect::<anyhow::Result<Vec<_>>>()?;
        claimed.sort_by_key(|row| row.seq);
        Ok(claimed)
    }

    /// When the next pending row is due (Unix seconds), if any.
    pub(in crate::proxy::store) async fn next_delivery_due(&self) -> anyhow::Result<Option<i64>> {
        Ok(self
            .client()
            .await?
            .query_one(
                "SELECT MIN(GREATEST(o.next_attempt_at, COALESCE(o.lease_until, 0))) \
                 FROM ats_outbox o WHERE o.state = 'pending' AND NOT EXISTS (SELECT 1 \
                 FROM ats_outbox e WHERE e.order_key = o.order_key AND e.state = 'pending' \
                 AND e.seq < o.seq)",
                &[],
            )
            .await?
            .try_get(0)?)
    }

    /// Records an attempt and settles the row, if `owner` still holds it.
    pub(in crate::proxy::store) async fn record_delivery(
        &self,
        delivery: &OutboxDelivery,
        owner: &str,
        result: &AttemptResult,
    ) -> anyhow::Result<()> {
        let attempt = i32::try_from(delivery.attempts.saturating_add(1)).unwrap_or(i32::MAX);
        let status = result.status.map(i32::from);
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute(
                "INSERT INTO ats_delivery_attempts (account_id, event_id, type, order_id, \
                 attempt, attempted_at, status, error, next_retry_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &delivery.account_id,
                    &delivery.event_id,
                    &delivery.event_type,
                    &delivery.order_id,
                    &attempt,
                    &result.attempted_at,
                    &status,
                    &result.error,
                    &shared::retry_text(result.next),
                ],
            )
            .await?;
        super::manage::append_audit_in(
            &transaction,
            &shared::attempt_audit(delivery, delivery.attempts.saturating_add(1), result),
        )
        .await?;
        transaction
            .execute(
                "UPDATE ats_outbox SET state = $3, attempts = $4, \
                 next_attempt_at = COALESCE($5, next_attempt_at), lease_owner = NULL, \
                 lease_until = NULL WHERE seq = $1 AND lease_owner = $2",
                &[
                    &delivery.seq,
                    &owner,
                    &result.next.state(),
                    &attempt,
                    &result.next.retry_at(),
                ],
            )
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Deletes outbox rows delivered before `before` (RFC 3339); attempts stay on record.
    pub(in crate::proxy::store) async fn prune_delivered(
        &self,
        before: &str,
    ) -> anyhow::Result<usize> {
        let pruned = self
            .client()
            .await?
            .execute(
                "DELETE FROM ats_outbox WHERE state = 'delivered' AND created_at < $1",
                &[&before],
            )
            .await?;
        Ok(usize::try_from(pruned).unwrap_or(usize::MAX))
    }

    /// The account's delivery attempts made at or after `since` (RFC 3339), oldest first.
    pub(in crate::proxy::store) async fn delivery_attempts(
        &self,
        account_id: &str,
        since: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<DeliveryAttempt>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT attempted_at, event_id, type, order_id, attempt, status, error, \
                 next_retry_at FROM ats_delivery_attempts WHERE account_id = $1 \
                 AND attempted_at >= $2 ORDER BY attempted_at, id LIMIT $3",
                &[&account_id, &since, &i64::from(limit)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(DeliveryAttempt {
                    attempted_at: row.try_get(0)?,
                    event_id: row.try_get(1)?,
                    event_type: row.try_get(2)?,
                    order_id: row.try_get(3)?,
                    attempt: u32::try_from(row.try_get::<_, i32>(4)?).unwrap_or(0),
                    status: row
                        .try_get::<_, Option<i32>>(5)?
                        .and_then(|status| u16::try_from(status).ok()),
                    error: row.try_get(6)?,
                    next_retry_at: row.try_get(7)?,
                })
            })
            .collect()
    }
}
