//! ATS webhooks of KarmaCheck orders on PostgreSQL, written in the caller's transaction.

use tokio_postgres::Transaction;

use super::super::super::karmacheck::CaseOrder;
use super::super::super::outbox::{karmacheck as shared, types};
use super::{enabled, remember_badge, write};

/// `order.created` for a new KarmaCheck order.
pub(in crate::proxy::store) async fn created(
    transaction: &Transaction<'_>,
    order: &CaseOrder,
) -> anyhow::Result<()> {
    if !enabled(transaction).await? {
        return Ok(());
    }
    write(transaction, &shared::event(types::ORDER_CREATED, order)).await?;
    remember_badge(transaction, &order.id, &shared::badge_key(order)).await
}

/// `order.failed` or `order.status_changed` for a saved KarmaCheck order.
pub(in crate::proxy::store) async fn saved(
    transaction: &Transaction<'_>,
    order: &CaseOrder,
) -> anyhow::Result<()> {
    if !enabled(transaction).await? {
        return Ok(());
    }
    let announced: Option<String> = transaction
        .query_opt(
            "SELECT badge FROM ats_order_badges WHERE order_id = $1",
            &[&order.id],
        )
        .await?
        .map(|row| row.try_get(0))
        .transpose()?;
    if let Some(event) = shared::on_save(order, announced.as_deref()) {
        write(transaction, &event).await?;
        remember_badge(transaction, &order.id, &shared::badge_key(order)).await?;
    }
    Ok(())
}
