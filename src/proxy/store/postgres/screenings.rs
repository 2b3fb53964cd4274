//! The screenings read for an order's report and the verifications it waits for, kept
//! beside the order.

use crate::domain::progress::{VerificationStage, VerificationState};
use crate::domain::screening::Screening;

use super::super::{CachedScreenings, OrderRecord};
use super::{ORDER_COLUMNS, PostgresStore, order_from_row};

impl PostgresStore {
    /// Replaces the screenings kept for an order.
    pub(crate) async fn set_screenings(
        &self,
        order_id: &str,
        report_id: &str,
        screenings: Vec<Screening>,
        now: &str,
    ) -> anyhow::Result<()> {
        let screenings = serde_json::to_string(&screenings)?;
        self.client()
            .await?
            .execute(
                "INSERT INTO order_screenings (order_id, report_id, screenings, fetched_at) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (order_id) DO UPDATE SET report_id = EXCLUDED.report_id, \
                 screenings = EXCLUDED.screenings, fetched_at = EXCLUDED.fetched_at",
                &[&order_id, &report_id, &screenings, &now],
            )
            .await?;
        Ok(())
    }

    /// The screenings kept for an order, if any were read yet.
    pub(crate) async fn screenings(
        &self,
        order_id: &str,
    ) -> anyhow::Result<Option<CachedScreenings>> {
        let Some(row) = self
            .client()
            .await?
            .query_opt(
                "SELECT report_id, screenings, fetched_at FROM order_screenings WHERE order_id = $1",
                &[&order_id],
            )
            .await?
        else {
            return Ok(None);
        };
        let screenings: String = row.try_get(1)?;
        Ok(Some(CachedScreenings {
            report_id: row.try_get(0)?,
            screenings: serde_json::from_str(&screenings)?,
            fetched_at: row.try_get(2)?,
        }))
    }
}

impl PostgresStore {
    /// The order of a Checkr account linked to `report_id`.
    pub(crate) async fn order_for_report(
        &self,
        checkr_account_id: &str,
        report_id: &str,
    ) -> anyhow::Result<Option<OrderRecord>> {
        self.client()
            .await?
            .query_opt(
                &format!(
                    "SELECT {ORDER_COLUMNS} FROM orders WHERE report_id = $2 AND account_id IN \
                     (SELECT id FROM accounts WHERE checkr_account_id = $1) \
                     ORDER BY created_at DESC LIMIT 1"
                ),
                &[&checkr_account_id, &report_id],
            )
            .await?
            .as_ref()
            .map(order_from_row)
            .transpose()
    }

    /// Records a verification's stage; a stage never replaces a later one (events arrive in
    /// any order).
    pub(crate) async fn record_verification(
        &self,
        order_id: &str,
        verification: VerificationState,
        now: &str,
    ) -> anyhow::Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO order_verifications \
                 (verification_id, order_id, verification_type, stage, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (verification_id) DO UPDATE SET \
                 stage = GREATEST(order_verifications.stage, EXCLUDED.stage), \
                 verification_type = CASE WHEN EXCLUDED.verification_type = '' \
                   THEN order_verifications.verification_type \
                   ELSE EXCLUDED.verification_type END, \
                 updated_at = EXCLUDED.updated_at",
                &[
                    &verification.id,
                    &order_id,
                    &verification.verification_type,
                    &verification.stage.rank(),
                    &now,
                ],
            )
            .await?;
        Ok(())
    }

    /// The verifications recorded for an order, oldest first.
    pub(crate) async fn verifications(
        &self,
        order_id: &str,
    ) -> anyhow::Result<Vec<VerificationState>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT verification_id, verification_type, stage FROM order_verifications \
                 WHERE order_id = $1 ORDER BY updated_at, verification_id",
                &[&order_id],
            )
            .await?;
        let mut found = Vec::new();
        for row in rows {
            let rank: i64 = row.try_get(2)?;
            if let Some(stage) = VerificationStage::from_rank(rank) {
                found.push(VerificationState {
                    id: row.try_get(0)?,
                    verification_type: row.try_get(1)?,
                    stage,
                });
            }
        }
        Ok(found)
    }
}

impl PostgresStore {
    /// The types and times of the webhook events a Checkr account sent about `object_id`
    /// whose type starts with `prefix`, newest first.
    pub(crate) async fn events_about(
        &self,
        checkr_account_id: &str,
        object_id: &str,
        prefix: &str,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let pattern = format!("{prefix}%");
        let rows = self
            .client()
            .await?
            .query(
                "SELECT type, created_at FROM webhook_events \
                 WHERE object_id = $2 AND account_id = $1 AND type LIKE $3 \
                 ORDER BY created_at DESC, received_at DESC",
                &[&checkr_account_id, &object_id, &pattern],
            )
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }
}
