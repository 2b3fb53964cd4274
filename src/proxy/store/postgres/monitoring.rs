//! Orders for reports Checkr starts by itself (continuous checks, subscriptions): created
//! already linked to the report, for the applicant whose candidate it names, just before its
//! first event is folded, so the fold applies that event (and every later one) to it. Linked
//! at once rather than by candidate and package: a subscription re-runs the package of an
//! order that may still be waiting for its own report.

use crate::domain::events::FoldedOrder;
use crate::domain::order::OrderStep;
use crate::domain::validation::OrderDraft;

use super::super::StepKeys;
use super::PostgresStore;

const SCOPE: &str = "account_id IN (SELECT id FROM accounts WHERE checkr_account_id = $1)";

impl PostgresStore {
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
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        // Events of one report arrive concurrently (and on several instances): one at a time
        // per candidate decides, so a report gets one order.
        transaction
            .execute(
                "SELECT pg_advisory_xact_lock(hashtext('monitoring:' || $1))",
                &[&candidate_id],
            )
            .await?;
        let linked = transaction
            .query_opt(
                &format!("SELECT 1 FROM orders WHERE report_id = $2 AND {SCOPE}"),
                &[&checkr_account_id, &report_id],
            )
            .await?
            .is_some();
        let applicant = transaction
            .query_opt(
                &format!(
                    "SELECT account_id, custom_id, region FROM candidates \
                     WHERE checkr_candidate_id = $2 AND {SCOPE}"
                ),
                &[&checkr_account_id, &candidate_id],
            )
            .await?;
        let Some(applicant) = applicant.filter(|_| !linked) else {
            return Ok(false);
        };
        let (account_id, custom_id, region): (String, String, String) = (
            applicant.try_get(0)?,
            applicant.try_get(1)?,
            applicant.try_get(2)?,
        );
        let mut draft = OrderDraft {
            package: package.to_owned(),
            ..OrderDraft::default()
        };
        draft.candidate.custom_id = custom_id.clone();
        let draft = serde_json::to_string(&draft)?;
        let folded = serde_json::to_string(&FoldedOrder::default())?;
        let keys = StepKeys::generate();
        transaction
            .execute(
                "WITH next AS (SELECT nextval(pg_get_serial_sequence('orders', 'seq')) AS seq) \
                 INSERT INTO orders (seq, id, account_id, custom_id, region, ordered_by, draft, \
                 step, folded, created_at, updated_at, candidate_key, candidate_update_key, \
                 invitation_key, candidate_id, report_id) \
                 SELECT seq, 'ord_' || lpad(seq::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7, \
                 $8, $8, $9, $10, $11, $12, $13 FROM next",
                &[
                    &account_id,
                    &custom_id,
                    &region,
                    &ordered_by,
                    &draft,
                    &OrderStep::Invited.as_str(),
                    &folded,
                    &now,
                    &keys.candidate,
                    &keys.candidate_update,
                    &keys.invitation,
                    &candidate_id,
                    &report_id,
                ],
            )
            .await?;
        transaction.commit().await?;
        Ok(true)
    }
}

impl PostgresStore {
    /// Whether the account enrols employees in continuous checks automatically.
    pub(crate) async fn auto_enrolment(&self, account_id: &str) -> anyhow::Result<bool> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT auto_enroll FROM continuous_settings WHERE account_id = $1",
                &[&account_id],
            )
            .await?
            .map(|row| row.try_get::<_, bool>(0))
            .transpose()?
            .unwrap_or_default())
    }

    /// Turns automatic enrolment on or off for the account.
    pub(crate) async fn set_auto_enrolment(
        &self,
        account_id: &str,
        on: bool,
        now: &str,
    ) -> anyhow::Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO continuous_settings (account_id, auto_enroll, updated_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (account_id) DO UPDATE SET \
                 auto_enroll = EXCLUDED.auto_enroll, updated_at = EXCLUDED.updated_at",
                &[&account_id, &on, &now],
            )
            .await?;
        Ok(())
    }
}

impl PostgresStore {
    /// Remembers a Checkr subscription made for an applicant.
    pub(crate) async fn record_subscription(
        &self,
        account_id: &str,
        custom_id: &str,
        subscription_id: &str,
        now: &str,
    ) -> anyhow::Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO subscriptions (account_id, custom_id, id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                &[&account_id, &custom_id, &subscription_id, &now],
            )
            .await?;
        Ok(())
    }

    /// The Checkr subscriptions made for an applicant, oldest first.
    pub(crate) async fn subscription_ids(
        &self,
        account_id: &str,
        custom_id: &str,
    ) -> anyhow::Result<Vec<String>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id FROM subscriptions WHERE account_id = $1 AND custom_id = $2 \
                 ORDER BY created_at, id",
                &[&account_id, &custom_id],
            )
            .await?;
        rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
    }
}
