//! ATS webhooks of KarmaCheck orders on SQLite, written in the caller's transaction.

use rusqlite::{Connection, OptionalExtension};

use super::super::super::karmacheck::CaseOrder;
use super::super::super::outbox::{karmacheck as shared, types};
use super::{enabled, remember_badge, write};

/// `order.created` for a new KarmaCheck order.
pub(in crate::proxy::store) fn created(
    transaction: &Connection,
    order: &CaseOrder,
) -> rusqlite::Result<()> {
    if !enabled(transaction)? {
        return Ok(());
    }
    write(transaction, &shared::event(types::ORDER_CREATED, order))?;
    remember_badge(transaction, &order.id, &shared::badge_key(order))
}

/// `order.failed` or `order.status_changed` for a saved KarmaCheck order.
pub(in crate::proxy::store) fn saved(
    transaction: &Connection,
    order: &CaseOrder,
) -> rusqlite::Result<()> {
    if !enabled(transaction)? {
        return Ok(());
    }
    let announced: Option<String> = transaction
        .query_row(
            "SELECT badge FROM ats_order_badges WHERE order_id = ?1",
            [&order.id],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(event) = shared::on_save(order, announced.as_deref()) {
        write(transaction, &event)?;
        remember_badge(transaction, &order.id, &shared::badge_key(order))?;
    }
    Ok(())
}
