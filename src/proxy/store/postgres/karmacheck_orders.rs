//! KarmaCheck orders and their webhook receipts on PostgreSQL.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use crate::domain::karmacheck_order::CaseStep;

use super::super::karmacheck::{
    CaseDraft, CaseEventRecorded, CaseOrder, CaseRead, draft_context, read_is_newer,
};
use super::{Params, PostgresStore};

const COLUMNS: &str = "id, account_id, custom_id, ordered_by, draft, step, case_id, failure, \
    attempts, overall, case_state, read_stamp, created_at, updated_at";

fn json<T: serde::de::DeserializeOwned>(text: Option<String>) -> anyhow::Result<Option<T>> {
    Ok(text.map(|text| serde_json::from_str(&text)).transpose()?)
}

fn to_json<T: serde::Serialize>(value: &Option<T>) -> anyhow::Result<Option<String>> {
    Ok(value.as_ref().map(serde_json::to_string).transpose()?)
}

fn overall_name(order: &CaseOrder) -> Option<String> {
    order
        .overall
        .and_then(|overall| serde_json::to_value(overall).ok())
        .and_then(|value| value.as_str().map(str::to_owned))
}

async fn save(db: &impl GenericClient, order: &CaseOrder) -> anyhow::Result<()> {
    let attempts = i32::try_from(order.attempts).unwrap_or(i32::MAX);
    db.execute(
        "UPDATE karmacheck_orders SET step = $2, case_id = $3, failure = $4, attempts = $5, \
         overall = $6, case_state = $7, read_stamp = $8, updated_at = $9 WHERE id = $1",
        &[
            &order.id,
            &order.step.as_str(),
            &order.case_id,
            &to_json(&order.failure)?,
            &attempts,
            &overall_name(order),
            &to_json(&order.case_state)?,
            &order.read_stamp,
            &order.updated_at,
        ],
    )
    .await?;
    Ok(())
}

impl PostgresStore {
    fn case_order_from(&self, row: &Row) -> anyhow::Result<CaseOrder> {
        let id: String = row.try_get(0)?;
        let sealed: &str = row.try_get(4)?;
        let draft: CaseDraft = serde_json::from_str(
            self.vault
                .open(sealed, &draft_context(&id))?
                .secret
                .expose(),
        )?;
        let step: &str = row.try_get(5)?;
        let attempts: i32 = row.try_get(8)?;
        Ok(CaseOrder {
            account_id: row.try_get(1)?,
            custom_id: row.try_get(2)?,
            ordered_by: row.try_get(3)?,
            draft,
            step: CaseStep::parse(step).unwrap_or(CaseStep::Failed),
            case_id: row.try_get(6)?,
            failure: json(row.try_get(7)?)?,
            attempts: u32::try_from(attempts).unwrap_or(0),
            overall: json(
                row.try_get::<_, Option<String>>(9)?
                    .map(|name| format!("\"{name}\"")),
            )?,
            case_state: json(row.try_get(10)?)?,
            read_stamp: row.try_get(11)?,
            created_at: row.try_get(12)?,
            updated_at: row.try_get(13)?,
            id,
        })
    }

    /// The order picked out by `filter`, a `WHERE` clause (and any locking) over `params`.
    async fn select_case_order(
        &self,
        db: &impl GenericClient,
        filter: &str,
        params: Params<'_>,
    ) -> anyhow::Result<Option<CaseOrder>> {
        let row = db
            .query_opt(
                &format!("SELECT {COLUMNS} FROM karmacheck_orders WHERE {filter}"),
                params,
            )
            .await?;
        row.map(|row| self.case_order_from(&row)).transpose()
    }

    pub(in super::super) async fn insert_case_order(
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
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute(
                "INSERT INTO karmacheck_orders (id, account_id, custom_id, ordered_by, draft, \
                 step, attempts, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'sending', 1, $6, $6)",
                &[&order.id, &account_id, &custom_id, &ordered_by, &sealed, &now],
            )
            .await?;
        super::outbox::karmacheck::created(&transaction, &order).await?;
        transaction.commit().await?;
        Ok(order)
    }

    pub(in super::super) async fn save_case_order(&self, order: &CaseOrder) -> anyhow::Result<()> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        save(&transaction, order).await?;
        super::outbox::karmacheck::saved(&transaction, order).await?;
        transaction.commit().await?;
        Ok(())
    }

    pub(in super::super) async fn claim_case_order(
        &self,
        account_id: &str,
        order_id: &str,
        stale_before: &str,
        now: &str,
    ) -> anyhow::Result<Option<CaseOrder>> {
        let row = self
            .client()
            .await?
            .query_opt(
                &format!(
                    "UPDATE karmacheck_orders SET step = 'sending', attempts = attempts + 1, \
                     updated_at = $3 WHERE id = $1 AND account_id = $2 \
                     AND (step IN ('failed', 'duplicate_email') \
                     OR (step = 'sending' AND updated_at < $4)) RETURNING {COLUMNS}"
                ),
                &[&order_id, &account_id, &now, &stale_before],
            )
            .await?;
        row.map(|row| self.case_order_from(&row)).transpose()
    }

    pub(in super::super) async fn case_order(
        &self,
        account_id: &str,
        order_id: &str,
    ) -> anyhow::Result<Option<CaseOrder>> {
        self.select_case_order(
            &self.client().await?,
            "id = $1 AND account_id = $2",
            &[&order_id, &account_id],
        )
        .await
    }

    pub(in super::super) async fn case_orders_for_candidate(
        &self,
        account_id: &str,
        custom_id: &str,
    ) -> anyhow::Result<Vec<CaseOrder>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM karmacheck_orders WHERE account_id = $1 \
                     AND custom_id = $2 ORDER BY created_at DESC, id DESC"
                ),
                &[&account_id, &custom_id],
            )
            .await?;
        rows.iter().map(|row| self.case_order_from(row)).collect()
    }

    pub(in super::super) async fn case_order_by_case(
        &self,
        account_id: &str,
        case_id: &str,
    ) -> anyhow::Result<Option<CaseOrder>> {
        self.select_case_order(
            &self.client().await?,
            "case_id = $1 AND account_id = $2",
            &[&case_id, &account_id],
        )
        .await
    }

    pub(in super::super) async fn case_event_seen(
        &self,
        account_id: &str,
        message_id: &str,
    ) -> anyhow::Result<bool> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT 1 FROM karmacheck_events WHERE account_id = $1 AND message_id = $2",
                &[&account_id, &message_id],
            )
            .await?
            .is_some())
    }

    pub(in super::super) async fn record_case_event(
        &self,
        account_id: &str,
        message_id: &str,
        event: &str,
        case: Option<(String, CaseRead)>,
        now: &str,
    ) -> anyhow::Result<CaseEventRecorded> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let case_id = case.as_ref().map(|(id, _)| id.clone());
        let inserted = transaction
            .execute(
                "INSERT INTO karmacheck_events (account_id, message_id, event, case_id, \
                 received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&account_id, &message_id, &event, &case_id, &now],
            )
            .await?;
        if inserted == 0 {
            return Ok(CaseEventRecorded::Duplicate);
        }
        let mut changed = None;
        if let Some((case_id, read)) = case {
            // Locked, so two reads of one case applied at once keep the newer.
            let locked = self
                .select_case_order(
                    &transaction,
                    "case_id = $1 AND account_id = $2 FOR UPDATE",
                    &[&case_id, &account_id],
                )
                .await?;
            if let Some(mut order) = locked
                && read_is_newer(order.read_stamp.as_deref(), &read.stamp)
            {
                let moved = order.case_state != Some(read.state);
                order.case_state = Some(read.state);
                order.overall = Some(read.overall);
                order.read_stamp = Some(read.stamp);
                if moved {
                    order.updated_at = now.to_owned();
                }
                save(&transaction, &order).await?;
                super::outbox::karmacheck::saved(&transaction, &order).await?;
                changed = moved.then_some(order);
            }
        }
        transaction.commit().await?;
        Ok(CaseEventRecorded::Recorded(changed.map(Box::new)))
    }
}
