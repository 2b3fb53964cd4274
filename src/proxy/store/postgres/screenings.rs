//! The screenings read for an order's report, kept beside the order.

use crate::domain::screening::Screening;

use super::super::CachedScreenings;
use super::PostgresStore;

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
