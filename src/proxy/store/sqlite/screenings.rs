//! The screenings read for an order's report, kept beside the order.

use rusqlite::{OptionalExtension, params};

use crate::domain::screening::Screening;

use super::super::CachedScreenings;
use super::{SqliteStore, json_column};

impl SqliteStore {
    /// Replaces the screenings kept for an order.
    pub(crate) async fn set_screenings(
        &self,
        order_id: &str,
        report_id: &str,
        screenings: Vec<Screening>,
        now: &str,
    ) -> anyhow::Result<()> {
        let (order_id, report_id, now) = (order_id.to_owned(), report_id.to_owned(), now.to_owned());
        let screenings = serde_json::to_string(&screenings)?;
        self.call(move |db| {
            db.execute(
                "INSERT INTO order_screenings (order_id, report_id, screenings, fetched_at) \
                 VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (order_id) DO UPDATE SET report_id = excluded.report_id, \
                 screenings = excluded.screenings, fetched_at = excluded.fetched_at",
                params![order_id, report_id, screenings, now],
            )
            .map(drop)
        })
        .await
    }

    /// The screenings kept for an order, if any were read yet.
    pub(crate) async fn screenings(
        &self,
        order_id: &str,
    ) -> anyhow::Result<Option<CachedScreenings>> {
        let order_id = order_id.to_owned();
        self.call(move |db| {
            db.query_row(
                "SELECT report_id, screenings, fetched_at FROM order_screenings WHERE order_id = ?1",
                [order_id],
                |row| {
                    Ok(CachedScreenings {
                        report_id: row.get(0)?,
                        screenings: json_column(&row.get::<_, String>(1)?)?,
                        fetched_at: row.get(2)?,
                    })
                },
            )
            .optional()
        })
        .await
    }
}
