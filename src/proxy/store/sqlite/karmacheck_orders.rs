//! KarmaCheck orders and their webhook receipts on SQLite.

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::karmacheck_order::CaseStep;

use super::super::super::crypto::Vault;
use super::super::Failure;
use super::super::karmacheck::{
    CaseDraft, CaseEventRecorded, CaseOrder, CaseRead, draft_context, read_is_newer,
};
use super::SqliteStore;

const COLUMNS: &str = "id, account_id, custom_id, ordered_by, draft, step, case_id, failure, \
    attempts, overall, case_state, read_stamp, created_at, updated_at";

/// A row before its draft is opened.
struct Row {
    order: CaseOrder,
    sealed_draft: String,
}

fn json<T: serde::de::DeserializeOwned>(text: Option<String>) -> rusqlite::Result<Option<T>> {
    text.map(|text| {
        serde_json::from_str(&text).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, error.into())
        })
    })
    .transpose()
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let step: String = row.get(5)?;
    Ok(Row {
        sealed_draft: row.get(4)?,
        order: CaseOrder {
            id: row.get(0)?,
            account_id: row.get(1)?,
            custom_id: row.get(2)?,
            ordered_by: row.get(3)?,
            draft: CaseDraft {
                package_id: String::new(),
                email: String::new(),
                given_name: String::new(),
                family_name: String::new(),
                middle_name: None,
                phone: None,
            },
            step: CaseStep::parse(&step).unwrap_or(CaseStep::Failed),
            case_id: row.get(6)?,
            failure: json::<Failure>(row.get(7)?)?,
            attempts: row.get(8)?,
            overall: json(
                row.get::<_, Option<String>>(9)?
                    .map(|name| format!("\"{name}\"")),
            )?,
            case_state: json(row.get(10)?)?,
            read_stamp: row.get(11)?,
            created_at: row.get(12)?,
            updated_at: row.get(13)?,
        },
    })
}

fn overall_name(order: &CaseOrder) -> Option<String> {
    order
        .overall
        .and_then(|overall| serde_json::to_value(overall).ok())
        .and_then(|value| value.as_str().map(str::to_owned))
}

fn to_json<T: serde::Serialize>(value: &Option<T>) -> rusqlite::Result<Option<String>> {
    value
        .as_ref()
        .map(|value| {
            serde_json::to_string(value)
                .map_err(|error| rusqlite::Error::ToSqlConversionFailure(error.into()))
        })
        .transpose()
}

fn save(db: &Connection, order: &CaseOrder) -> rusqlite::Result<()> {
    db.execute(
        "UPDATE karmacheck_orders SET step = ?2, case_id = ?3, failure = ?4, attempts = ?5, \
         overall = ?6, case_state = ?7, read_stamp = ?8, updated_at = ?9 WHERE id = ?1",
        params![
            order.id,
            order.step.as_str(),
            order.case_id,
            to_json(&order.failure)?,
            order.attempts,
            overall_name(order),
            to_json(&order.case_state)?,
            order.read_stamp,
            order.updated_at,
        ],
    )?;
    Ok(())
}

fn open_with(vault: &Vault, row: Row) -> anyhow::Result<CaseOrder> {
    let opened = vault.open(&row.sealed_draft, &draft_context(&row.order.id))?;
    Ok(CaseOrder {
        draft: serde_json::from_str(opened.secret.expose())?,
        ..row.order
    })
}

impl SqliteStore {
    fn open_row(&self, row: Row) -> anyhow::Result<CaseOrder> {
        open_with(&self.vault, row)
    }

    /// Creates an order in the `Sending` step, its draft sealed.
    pub async fn insert_case_order(
        &self,
        account_id: &str,
        ordered_by: &str,
        custom_id: &str,
        draft: &CaseDraft,
        now: &str,
    ) -> anyhow::Result<CaseOrder> {
        let order = CaseOrder::sending(account_id, ordered_by, custom_id, draft, now);
        let sealed = self
            .vault
            .seal(&serde_json::to_string(draft)?, &draft_context(&order.id))?;
        let row = order.clone();
        self.call(move |db| {
            let transaction = db.transaction()?;
            transaction.execute(
                "INSERT INTO karmacheck_orders (id, account_id, custom_id, ordered_by, draft, \
                 step, attempts, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    row.id,
                    row.account_id,
                    row.custom_id,
                    row.ordered_by,
                    sealed,
                    row.step.as_str(),
                    row.attempts,
                    row.created_at,
                ],
            )?;
            super::outbox::karmacheck::created(&transaction, &row)?;
            transaction.commit()
        })
        .await?;
        Ok(order)
    }

    /// Saves the order's step, case, failure, attempts and status.
    pub async fn save_case_order(&self, order: &CaseOrder) -> anyhow::Result<()> {
        let order = order.clone();
        self.call(move |db| {
            let transaction = db.transaction()?;
            save(&transaction, &order)?;
            super::outbox::karmacheck::saved(&transaction, &order)?;
            transaction.commit()
        })
        .await
    }

    /// Moves a failed (or duplicate) order back to `Sending`, counting the attempt; `None`
    /// when it is not waiting to be sent again (another request took it).
    pub async fn claim_case_order(
        &self,
        account_id: &str,
        order_id: &str,
        stale_before: &str,
        now: &str,
    ) -> anyhow::Result<Option<CaseOrder>> {
        let (account_id, order_id, stale_before, now) = (
            account_id.to_owned(),
            order_id.to_owned(),
            stale_before.to_owned(),
            now.to_owned(),
        );
        let row = self
            .call(move |db| {
                let claimed = db.execute(
                    "UPDATE karmacheck_orders SET step = 'sending', attempts = attempts + 1, \
                     updated_at = ?3 WHERE id = ?1 AND account_id = ?2 \
                     AND (step IN ('failed', 'duplicate_email') \
                     OR (step = 'sending' AND updated_at < ?4))",
                    params![order_id, account_id, now, stale_before],
                )?;
                if claimed == 0 {
                    return Ok(None);
                }
                db.query_row(
                    &format!("SELECT {COLUMNS} FROM karmacheck_orders WHERE id = ?1"),
                    [&order_id],
                    from_row,
                )
                .optional()
            })
            .await?;
        row.map(|row| self.open_row(row)).transpose()
    }

    /// One KarmaCheck order of an account.
    pub async fn case_order(
        &self,
        account_id: &str,
        order_id: &str,
    ) -> anyhow::Result<Option<CaseOrder>> {
        let (account_id, order_id) = (account_id.to_owned(), order_id.to_owned());
        let row = self
            .call(move |db| {
                db.query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM karmacheck_orders WHERE id = ?1 AND account_id = ?2"
                    ),
                    [order_id, account_id],
                    from_row,
                )
                .optional()
            })
            .await?;
        row.map(|row| self.open_row(row)).transpose()
    }

    /// Every KarmaCheck order of one applicant, newest first.
    pub async fn case_orders_for_candidate(
        &self,
        account_id: &str,
        custom_id: &str,
    ) -> anyhow::Result<Vec<CaseOrder>> {
        let (account_id, custom_id) = (account_id.to_owned(), custom_id.to_owned());
        let rows = self
            .call(move |db| {
                let mut statement = db.prepare(&format!(
                    "SELECT {COLUMNS} FROM karmacheck_orders WHERE account_id = ?1 \
                     AND custom_id = ?2 ORDER BY created_at DESC, id DESC"
                ))?;
                let rows = statement.query_map([account_id, custom_id], from_row)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        rows.into_iter().map(|row| self.open_row(row)).collect()
    }

    /// The account's order holding this case.
    pub async fn case_order_by_case(
        &self,
        account_id: &str,
        case_id: &str,
    ) -> anyhow::Result<Option<CaseOrder>> {
        let (account_id, case_id) = (account_id.to_owned(), case_id.to_owned());
        let row = self
            .call(move |db| {
                db.query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM karmacheck_orders WHERE case_id = ?1 \
                         AND account_id = ?2"
                    ),
                    [case_id, account_id],
                    from_row,
                )
                .optional()
            })
            .await?;
        row.map(|row| self.open_row(row)).transpose()
    }

    /// Whether this webhook `messageId` was already recorded for the account.
    pub async fn case_event_seen(
        &self,
        account_id: &str,
        message_id: &str,
    ) -> anyhow::Result<bool> {
        let (account_id, message_id) = (account_id.to_owned(), message_id.to_owned());
        self.call(move |db| {
            db.query_row(
                "SELECT 1 FROM karmacheck_events WHERE account_id = ?1 AND message_id = ?2",
                [account_id, message_id],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
        })
        .await
    }

    /// Records a webhook and, in the same transaction, applies the case read made for it
    /// (unless an equally new or newer read was applied already).
    pub async fn record_case_event(
        &self,
        account_id: &str,
        message_id: &str,
        event: &str,
        case: Option<(String, CaseRead)>,
        now: &str,
    ) -> anyhow::Result<CaseEventRecorded> {
        let (account_id, message_id, event, now) = (
            account_id.to_owned(),
            message_id.to_owned(),
            event.to_owned(),
            now.to_owned(),
        );
        let vault = self.vault.clone();
        let row = self
            .call(move |db| {
                let transaction = db.transaction()?;
                let inserted = transaction.execute(
                    "INSERT INTO karmacheck_events (account_id, message_id, event, case_id, \
                     received_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                    params![
                        account_id,
                        message_id,
                        event,
                        case.as_ref().map(|(id, _)| id.clone()),
                        now
                    ],
                )?;
                if inserted == 0 {
                    return Ok(None);
                }
                let mut changed = None;
                if let Some((case_id, read)) = case {
                    let row = transaction
                        .query_row(
                            &format!(
                                "SELECT {COLUMNS} FROM karmacheck_orders WHERE case_id = ?1 \
                                 AND account_id = ?2"
                            ),
                            [&case_id, &account_id],
                            from_row,
                        )
                        .optional()?;
                    if let Some(mut row) = row
                        && read_is_newer(row.order.read_stamp.as_deref(), &read.stamp)
                    {
                        let moved = row.order.case_state != Some(read.state);
                        row.order.case_state = Some(read.state);
                        row.order.overall = Some(read.overall);
                        row.order.read_stamp = Some(read.stamp);
                        if moved {
                            row.order.updated_at = now.clone();
                        }
                        save(&transaction, &row.order)?;
                        let order = open_with(&vault, row).map_err(|error| {
                            rusqlite::Error::ToSqlConversionFailure(error.into())
                        })?;
                        super::outbox::karmacheck::saved(&transaction, &order)?;
                        changed = moved.then_some(order);
                    }
                }
                transaction.commit()?;
                Ok(Some(changed))
            })
            .await?;
        match row {
            None => Ok(CaseEventRecorded::Duplicate),
            Some(None) => Ok(CaseEventRecorded::Recorded(None)),
            Some(Some(order)) => Ok(CaseEventRecorded::Recorded(Some(Box::new(order)))),
        }
    }
}
