//! Orders for reports Checkr starts by itself (continuous checks, subscriptions): created
//! already linked to the report, for the applicant whose candidate it names, just before its
//! first event is folded, so the fold applies that event (and every later one) to it. Linked
//! at once rather than by candidate and package: a subscription re-runs the package of an
//! order that may still be waiting for its own report.

use rusqlite::{OptionalExtension, params};

use crate::domain::events::FoldedOrder;
use crate::domain::order::OrderStep;
use crate::domain::validation::OrderDraft;

use super::super::StepKeys;
use super::SqliteStore;

const SCOPE: &str = "account_id IN (SELECT id FROM accounts WHERE checkr_account_id = ?1)";

impl SqliteStore {
    /// Makes sure a report Checkr started by itself has an order to land in: `true` when one
    /// was created (for the applicant whose Checkr candidate it names).
    pub(crate) async fn ensure_monitoring_order(
        &self,
        checkr_account_id: &str,
        candidate_id: &str,
        package: &str,
        report_id: &str,
        ordered_by: &str,
        now: &str,
    ) -> anyhow::Result<bool> {
        let (account, candidate, package, report, ordered_by, now) = (
            checkr_account_id.to_owned(),
            candidate_id.to_owned(),
            package.to_owned(),
            report_id.to_owned(),
            ordered_by.to_owned(),
            now.to_owned(),
        );
        let folded = serde_json::to_string(&FoldedOrder::default())?;
        self.call(move |db| {
            let transaction = db.transaction()?;
            let linked: Option<i64> = transaction
                .query_row(
                    &format!("SELECT 1 FROM orders WHERE report_id = ?2 AND {SCOPE}"),
                    params![account, report],
                    |row| row.get(0),
                )
                .optional()?;
            let applicant: Option<(String, String, String)> = transaction
                .query_row(
                    &format!(
                        "SELECT account_id, custom_id, region FROM candidates \
                         WHERE checkr_candidate_id = ?2 AND {SCOPE}"
                    ),
                    params![account, candidate],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let Some((account_id, custom_id, region)) = applicant.filter(|_| linked.is_none())
            else {
                return Ok(false);
            };
            let mut draft = OrderDraft {
                package,
                ..OrderDraft::default()
            };
            draft.candidate.custom_id = custom_id.clone();
            let draft = serde_json::to_string(&draft)
                .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
            let next: i64 = transaction.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM orders",
                [],
                |row| row.get(0),
            )?;
            let keys = StepKeys::generate();
            transaction.execute(
                "INSERT INTO orders (seq, id, account_id, custom_id, region, ordered_by, draft, \
                 step, folded, created_at, updated_at, candidate_key, candidate_update_key, \
                 invitation_key, candidate_id, report_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    next,
                    format!("ord_{next:06}"),
                    account_id,
                    custom_id,
                    region,
                    ordered_by,
                    draft,
                    OrderStep::Invited.as_str(),
                    folded,
                    now,
                    keys.candidate,
                    keys.candidate_update,
                    keys.invitation,
                    candidate,
                    report,
                ],
            )?;
            transaction.commit()?;
            Ok(true)
        })
        .await
    }
}

impl SqliteStore {
    /// Whether the account enrols employees in continuous checks automatically.
    pub(crate) async fn auto_enrolment(&self, account_id: &str) -> anyhow::Result<bool> {
        let account_id = account_id.to_owned();
        self.call(move |db| {
            db.query_row(
                "SELECT auto_enroll FROM continuous_settings WHERE account_id = ?1",
                [account_id],
                |row| row.get::<_, bool>(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
        })
        .await
    }

    /// Turns automatic enrolment on or off for the account.
    pub(crate) async fn set_auto_enrolment(
        &self,
        account_id: &str,
        on: bool,
        now: &str,
    ) -> anyhow::Result<()> {
        let (account_id, now) = (account_id.to_owned(), now.to_owned());
        self.call(move |db| {
            db.execute(
                "INSERT INTO continuous_settings (account_id, auto_enroll, updated_at) \
                 VALUES (?1, ?2, ?3) ON CONFLICT (account_id) DO UPDATE SET \
                 auto_enroll = excluded.auto_enroll, updated_at = excluded.updated_at",
                params![account_id, on, now],
            )
            .map(drop)
        })
        .await
    }
}

impl SqliteStore {
    /// Remembers a Checkr subscription made for an applicant.
    pub(crate) async fn record_subscription(
        &self,
        account_id: &str,
        custom_id: &str,
        subscription_id: &str,
        now: &str,
    ) -> anyhow::Result<()> {
        let values = [account_id, custom_id, subscription_id, now].map(str::to_owned);
        self.call(move |db| {
            db.execute(
                "INSERT INTO subscriptions (account_id, custom_id, id, created_at) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
                params![values[0], values[1], values[2], values[3]],
            )
            .map(drop)
        })
        .await
    }

    /// The Checkr subscriptions made for an applicant, oldest first.
    pub(crate) async fn subscription_ids(
        &self,
        account_id: &str,
        custom_id: &str,
    ) -> anyhow::Result<Vec<String>> {
        let (account_id, custom_id) = (account_id.to_owned(), custom_id.to_owned());
        self.call(move |db| {
            let mut statement = db.prepare(
                "SELECT id FROM subscriptions WHERE account_id = ?1 AND custom_id = ?2 \
                 ORDER BY created_at, id",
            )?;
            let rows = statement.query_map(params![account_id, custom_id], |row| row.get(0))?;
            rows.collect()
        })
        .await
    }
}
