//! The screenings read for an order's report and the verifications it waits for, kept
//! beside the order.

use rusqlite::{OptionalExtension, params};

use crate::domain::progress::{VerificationStage, VerificationState};
use crate::domain::screening::Screening;

use super::super::{CachedScreenings, OrderRecord};
use super::{ORDER_COLUMNS, SqliteStore, json_column, order_from_row};

impl SqliteStore {
    /// Replaces the screenings kept for an order.
    pub(crate) async fn set_screenings(
        &self,
        order_id: &str,
        report_id: &str,
        screenings: Vec<Screening>,
        now: &str,
    ) -> anyhow::Result<()> {
        let (order_id, report_id, now) =
            (order_id.to_owned(), report_id.to_owned(), now.to_owned());
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

impl SqliteStore {
    /// The order of a Checkr account linked to `report_id`.
    pub(crate) async fn order_for_report(
        &self,
        checkr_account_id: &str,
        report_id: &str,
    ) -> anyhow::Result<Option<OrderRecord>> {
        let (checkr_account_id, report_id) = (checkr_account_id.to_owned(), report_id.to_owned());
        self.call(move |db| {
            db.query_row(
                &format!(
                    "SELECT {ORDER_COLUMNS} FROM orders WHERE report_id = ?2 AND account_id IN \
                     (SELECT id FROM accounts WHERE checkr_account_id = ?1) \
                     ORDER BY created_at DESC LIMIT 1"
                ),
                params![checkr_account_id, report_id],
                order_from_row,
            )
            .optional()
        })
        .await
    }

    /// Records a verification's stage; a stage never replaces a later one (events arrive in
    /// any order).
    pub(crate) async fn record_verification(
        &self,
        order_id: &str,
        verification: VerificationState,
        now: &str,
    ) -> anyhow::Result<()> {
        let (order_id, now) = (order_id.to_owned(), now.to_owned());
        self.call(move |db| {
            db.execute(
                "INSERT INTO order_verifications \
                 (verification_id, order_id, verification_type, stage, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (verification_id) DO UPDATE SET \
                 stage = max(stage, excluded.stage), \
                 verification_type = CASE WHEN excluded.verification_type = '' \
                   THEN verification_type ELSE excluded.verification_type END, \
                 updated_at = excluded.updated_at",
                params![
                    verification.id,
                    order_id,
                    verification.verification_type,
                    verification.stage.rank(),
                    now
                ],
            )
            .map(drop)
        })
        .await
    }

    /// The verifications recorded for an order, oldest first.
    pub(crate) async fn verifications(
        &self,
        order_id: &str,
    ) -> anyhow::Result<Vec<VerificationState>> {
        let order_id = order_id.to_owned();
        self.call(move |db| {
            let mut statement = db.prepare(
                "SELECT verification_id, verification_type, stage FROM order_verifications \
                 WHERE order_id = ?1 ORDER BY rowid",
            )?;
            let rows = statement.query_map([order_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })?;
            let mut found = Vec::new();
            for row in rows {
                let (id, verification_type, rank) = row?;
                if let Some(stage) = VerificationStage::from_rank(rank) {
                    found.push(VerificationState {
                        id,
                        verification_type,
                        stage,
                    });
                }
            }
            Ok(found)
        })
        .await
    }
}

impl SqliteStore {
    /// The types and times of the webhook events a Checkr account sent about `object_id`
    /// whose type starts with `prefix`, newest first.
    pub(crate) async fn events_about(
        &self,
        checkr_account_id: &str,
        object_id: &str,
        prefix: &str,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let (account, object, pattern) = (
            checkr_account_id.to_owned(),
            object_id.to_owned(),
            format!("{prefix}%"),
        );
        self.call(move |db| {
            let mut statement = db.prepare(
                "SELECT type, created_at FROM webhook_events \
                 WHERE object_id = ?2 AND account_id = ?1 AND type LIKE ?3 \
                 ORDER BY created_at DESC, received_at DESC",
            )?;
            let rows = statement.query_map(params![account, object, pattern], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
            rows.collect()
        })
        .await
    }
}
