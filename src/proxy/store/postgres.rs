//! The PostgreSQL store: several proxy instances behind a load balancer share one database.
//!
//! What keeps it correct with many writers:
//! - every transaction that folds events into orders (webhooks, reads, a new invitation's
//!   replay) first takes a transaction-scoped advisory lock on the provider account it
//!   concerns, so two instances never fold the same order from stale reads; a webhook batch
//!   takes its accounts' locks in sorted order, so batches cannot deadlock each other;
//! - order steps change a row only where the caller's lease still holds (`lease_owner = …`),
//!   and a claim reads the row `FOR UPDATE`;
//! - order ids come from a sequence, and event ids and candidate mappings are primary keys;
//! - migrations run under an advisory lock, so instances starting together migrate once.
//!
//! Live order changes and catalog invalidations travel between instances by LISTEN/NOTIFY
//! (see [`listen`]).

use std::time::Duration;

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Transaction};

use crate::domain::connection::{Holding, LinkDecision, decide_link};
use crate::domain::events::FoldedOrder;
use crate::domain::order::{Lease, OrderStep};
use crate::domain::validation::{OrderDraft, Region};

mod batch;
mod fold;
mod karmacheck;
mod karmacheck_orders;
mod manage;
mod monitoring;
mod notify;
mod outbox;
mod schema;
mod screenings;
mod tls;

pub(super) use notify::listen;
use notify::send_notices;

use fold::{load_order, lock_account, replay_stored, save_folded, want_read};
use schema::MIGRATIONS;
use tls::Connect;

use super::super::crypto::{Vault, digest};
use super::super::secret::Secret;
use super::audit::{AuditEntry, OrderOrigin, about};
use super::oauth::PendingConnection;
use super::reads::ReadObject;
use super::sealing::{CHECK_CONTEXT, CHECK_PLAINTEXT, token_context};
use super::{
    AccountRecord, Claim, ConnectionState, Failure, KnownCandidate, LeaseGrant, LinkOutcome,
    Notice, OrderRecord, StepKeys, customer_type_from, parse_region, region_name,
};

/// The advisory lock migrations run under (any constant unlikely to clash: "bgcheck").
const MIGRATION_LOCK: i64 = 0x0062_6763_6865_636b;

/// NOTIFY channel: an order changed (payload: JSON `[account, order]`).
const ORDERS_CHANNEL: &str = "bgcheck_orders";
/// NOTIFY channel: an account's catalog must be fetched again (payload: the account id).
const CATALOGS_CHANNEL: &str = "bgcheck_catalogs";

/// How often a batch of webhook events is tried again after PostgreSQL chose it as a
/// deadlock or serialization victim.
const BATCH_TRIES: usize = 5;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Handle to the shared database; cheap to clone.
#[derive(Clone)]
pub(super) struct PostgresStore {
    pool: Pool,
    vault: Vault,
    url: Secret,
    announcer: tokio::sync::mpsc::UnboundedSender<Notice>,
}

const ORDER_COLUMNS: &str = "id, account_id, custom_id, region, ordered_by, draft, step, \
    candidate_id, invitation_id, invitation_url, failure, attempts, folded, created_at, updated_at, \
    report_id, cancellation_reasons, candidate_key, candidate_update_key, invitation_key, \
    invitation_first_sent, lease_until, busy";

fn order_from_row(row: &Row) -> anyhow::Result<OrderRecord> {
    let step: String = row.try_get(6)?;
    let failure: Option<String> = row.try_get(10)?;
    let reasons: Option<String> = row.try_get(16)?;
    Ok(OrderRecord {
        id: row.try_get(0)?,
        account_id: row.try_get(1)?,
        custom_id: row.try_get(2)?,
        region: parse_region(row.try_get(3)?),
        ordered_by: row.try_get(4)?,
        draft: serde_json::from_str(row.try_get(5)?)?,
        step: OrderStep::parse(&step).unwrap_or(OrderStep::Drafted),
        candidate_id: row.try_get(7)?,
        invitation_id: row.try_get(8)?,
        invitation_url: row.try_get(9)?,
        failure: failure.as_deref().map(serde_json::from_str).transpose()?,
        attempts: u32::try_from(row.try_get::<_, i32>(11)?).unwrap_or(0),
        folded: serde_json::from_str(row.try_get(12)?)?,
        created_at: row.try_get(13)?,
        updated_at: row.try_get(14)?,
        report_id: row.try_get(15)?,
        cancellation_reasons: reasons
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?
            .unwrap_or_default(),
        keys: StepKeys {
            candidate: row.try_get::<_, Option<String>>(17)?.unwrap_or_default(),
            candidate_update: row.try_get::<_, Option<String>>(18)?.unwrap_or_default(),
            invitation: row.try_get::<_, Option<String>>(19)?.unwrap_or_default(),
        },
        invitation_first_sent: row.try_get(20)?,
        lease_until: row.try_get(21)?,
        busy: row.try_get(22)?,
    })
}

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl PostgresStore {
    /// Connects a pool to `url`, applies pending migrations under an advisory lock and checks
    /// the sealing key.
    pub(super) async fn connect(url: &Secret, vault: Vault) -> anyhow::Result<Self> {
        let Connect { config, tls } = Connect::parse(url)?;
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .context("building the PostgreSQL pool")?;
        let (announcer, queue) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(send_notices(pool.clone(), queue));
        let store = Self {
            pool,
            vault,
            url: url.clone(),
            announcer,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> anyhow::Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .context("connecting to PostgreSQL (--database-url)")
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        // Instances starting together queue here; each finds the schema the first one left.
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        transaction
            .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .await?;
        let applied: i64 = transaction
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
            .await?
            .try_get(0)?;
        for (index, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(applied).unwrap_or(0))
        {
            transaction
                .batch_execute(migration)
                .await
                .with_context(|| format!("applying PostgreSQL migration {}", index + 1))?;
            transaction
                .execute(
                    "INSERT INTO schema_version (version) VALUES ($1)",
                    &[&i64::try_from(index + 1)?],
                )
                .await?;
        }
        self.check_and_reseal(&transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// As SQLite's check: a wrong key fails at once, and tokens are resealed under the current.
    async fn check_and_reseal(&self, transaction: &Transaction<'_>) -> anyhow::Result<()> {
        let stored = transaction
            .query_opt("SELECT check_value FROM sealing_key", &[])
            .await?;
        if let Some(row) = stored {
            let check: &str = row.try_get(0)?;
            let opened = self.vault.open(check, CHECK_CONTEXT).map_err(|error| {
                anyhow::anyhow!(
                    "the PostgreSQL database was sealed with another encryption key ({error}). \
                     Pass the key it was sealed with as --encryption-key, or, to rotate, the new \
                     key as --encryption-key and the old one as --previous-encryption-key"
                )
            })?;
            anyhow::ensure!(
                opened.secret.expose() == CHECK_PLAINTEXT,
                "the PostgreSQL database holds an unexpected key check value"
            );
        }
        let tokens = transaction
            .query(
                "SELECT id, access_token FROM accounts WHERE access_token IS NOT NULL",
                &[],
            )
            .await?;
        for row in tokens {
            let (account_id, sealed): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let context = token_context(&account_id);
            let opened = self.vault.open(&sealed, &context).with_context(|| {
                format!(
                    "the access token of account {account_id} does not open with \
                     --encryption-key (or --previous-encryption-key)"
                )
            })?;
            if opened.needs_resealing {
                transaction
                    .execute(
                        "UPDATE accounts SET access_token = $2 WHERE id = $1",
                        &[
                            &account_id,
                            &self.vault.seal(opened.secret.expose(), &context)?,
                        ],
                    )
                    .await?;
            }
        }
        karmacheck::reseal(transaction, &self.vault)
            .await
            .context("a KarmaCheck credential does not open")?;
        let check = self.vault.seal(CHECK_PLAINTEXT, CHECK_CONTEXT)?;
        transaction.execute("DELETE FROM sealing_key", &[]).await?;
        transaction
            .execute(
                "INSERT INTO sealing_key (key_id, check_value) VALUES ($1, $2)",
                &[&self.vault.key_id(), &check],
            )
            .await?;
        Ok(())
    }

    pub(super) async fn upsert_account(&self, account: AccountRecord) -> anyhow::Result<()> {
        let sealed = account
            .access_token
            .as_ref()
            .map(|token| self.vault.seal(token.expose(), &token_context(&account.id)))
            .transpose()?;
        let token_digest = account
            .access_token
            .as_ref()
            .map(|token| digest(token.expose()));
        self.client()
            .await?
            .execute(
                "INSERT INTO accounts (id, name, checkr_account_id, access_token, customer_type, \
                 credentialed, connection, token_digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (id) DO UPDATE SET name = $2, checkr_account_id = $3, \
                 access_token = $4, customer_type = $5, credentialed = $6, connection = $7, \
                 token_digest = $8",
                &[
                    &account.id,
                    &account.name,
                    &account.checkr_account_id,
                    &sealed,
                    &account.customer_type.as_str(),
                    &account.credentialed,
                    &account.connection.as_str(),
                    &token_digest,
                ],
            )
            .await?;
        Ok(())
    }

    pub(super) async fn ensure_account(&self, id: &str, name: &str) -> anyhow::Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO accounts (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
                &[&id, &name],
            )
            .await?;
        Ok(())
    }

    pub(super) async fn set_customer_type(
        &self,
        id: &str,
        customer_type: crate::domain::checkr::CustomerType,
    ) -> anyhow::Result<bool> {
        let changed = self
            .client()
            .await?
            .execute(
                "UPDATE accounts SET customer_type = $2 WHERE id = $1",
                &[&id, &customer_type.as_str()],
            )
            .await?;
        Ok(changed == 1)
    }

    pub(super) async fn account(&self, id: &str) -> anyhow::Result<Option<AccountRecord>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT id, name, checkr_account_id, access_token, customer_type, credentialed, \
                 connection FROM accounts WHERE id = $1",
                &[&id],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: String = row.try_get(0)?;
        let sealed: Option<String> = row.try_get(3)?;
        let access_token = sealed
            .map(|sealed| self.vault.open(&sealed, &token_context(&id)))
            .transpose()?
            .map(|opened| opened.secret);
        Ok(Some(AccountRecord {
            name: row.try_get(1)?,
            checkr_account_id: row.try_get(2)?,
            access_token,
            customer_type: customer_type_from(row.try_get(4)?),
            credentialed: row.try_get(5)?,
            connection: ConnectionState::parse(row.try_get(6)?),
            id,
        }))
    }

    pub(super) async fn candidate(
        &self,
        account_id: &str,
        custom_id: &str,
        region: Region,
    ) -> anyhow::Result<Option<KnownCandidate>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT checkr_candidate_id, details FROM candidates \
                 WHERE account_id = $1 AND custom_id = $2 AND region = $3",
                &[&account_id, &custom_id, &region_name(region)],
            )
            .await?;
        row.map(|row| {
            let details: Option<String> = row.try_get(1)?;
            Ok(KnownCandidate {
                id: row.try_get(0)?,
                details: details.and_then(|text| serde_json::from_str(&text).ok()),
            })
        })
        .transpose()
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn insert_order(
        &self,
        account_id: &str,
        origin: &OrderOrigin,
        custom_id: &str,
        region: Region,
        draft: &OrderDraft,
        lease: &LeaseGrant,
        now: &str,
    ) -> anyhow::Result<OrderRecord> {
        let draft_json = serde_json::to_string(draft)?;
        let folded_json = serde_json::to_string(&FoldedOrder::default())?;
        let keys = StepKeys::generate();
        // The sequence hands every instance its own number without asking the others.
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let row = transaction
            .query_one(
                &format!(
                    "WITH next AS (SELECT nextval(pg_get_serial_sequence('orders', 'seq')) AS seq) \
                     INSERT INTO orders (seq, id, account_id, custom_id, region, ordered_by, \
                     draft, step, folded, created_at, updated_at, candidate_key, \
                     candidate_update_key, invitation_key, lease_owner, lease_until) \
                     SELECT seq, 'ord_' || lpad(seq::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7, \
                     $8, $8, $9, $10, $11, $12, $13 FROM next RETURNING {ORDER_COLUMNS}"
                ),
                &[
                    &account_id,
                    &custom_id,
                    &region_name(region),
                    &origin.ordered.actor,
                    &draft_json,
                    &OrderStep::Drafted.as_str(),
                    &folded_json,
                    &now,
                    &keys.candidate,
                    &keys.candidate_update,
                    &keys.invitation,
                    &lease.owner,
                    &lease.until,
                ],
            )
            .await?;
        let record = order_from_row(&row)?;
        outbox::order_created(&transaction, &record).await?;
        manage::record_origin_in(&transaction, &record, origin).await?;
        transaction.commit().await?;
        Ok(record)
    }

    pub(super) async fn record_candidate(
        &self,
        order: &OrderRecord,
        owner: &str,
        candidate_id: &str,
        details: &serde_json::Map<String, serde_json::Value>,
        now: &str,
    ) -> anyhow::Result<bool> {
        let details = serde_json::to_string(details)?;
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let updated = transaction
            .execute(
                "UPDATE orders SET step = $2, candidate_id = $3, failure = NULL, updated_at = $4 \
                 WHERE id = $1 AND lease_owner = $5",
                &[
                    &order.id,
                    &OrderStep::CandidateCreated.as_str(),
                    &candidate_id,
                    &now,
                    &owner,
                ],
            )
            .await?;
        if updated == 0 {
            return Ok(false);
        }
        transaction
            .execute(
                "INSERT INTO candidates (account_id, custom_id, region, checkr_candidate_id, \
                 created_at, details) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (account_id, custom_id, region) DO UPDATE SET \
                 checkr_candidate_id = $4, details = $6",
                &[
                    &order.account_id,
                    &order.custom_id,
                    &region_name(order.region),
                    &candidate_id,
                    &now,
                    &details,
                ],
            )
            .await?;
        transaction.commit().await?;
        Ok(true)
    }

    pub(super) async fn mark_invitation_sending(
        &self,
        order_id: &str,
        owner: &str,
        unix_now: i64,
    ) -> anyhow::Result<bool> {
        let updated = self
            .client()
            .await?
            .execute(
                "UPDATE orders SET invitation_first_sent = COALESCE(invitation_first_sent, $3) \
                 WHERE id = $1 AND lease_owner = $2",
                &[&order_id, &owner, &unix_now],
            )
            .await?;
        Ok(updated == 1)
    }

    pub(super) async fn record_invitation(
        &self,
        order_id: &str,
        owner: &str,
        invitation_id: &str,
        invitation_url: Option<&str>,
        folded: &FoldedOrder,
        now: &str,
    ) -> anyhow::Result<Option<OrderRecord>> {
        let folded = serde_json::to_string(folded)?;
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let checkr_account: Option<String> = transaction
            .query_opt(
                "SELECT a.checkr_account_id FROM accounts a JOIN orders o ON o.account_id = a.id \
                 WHERE o.id = $1",
                &[&order_id],
            )
            .await?
            .map(|row| row.try_get(0))
            .transpose()?
            .flatten();
        // Webhooks about this invitation fold under the same lock: either they see the link
        // made here, or this replay sees them.
        if let Some(account) = &checkr_account {
            lock_account(&transaction, account).await?;
        }
        let updated = transaction
            .execute(
                "UPDATE orders SET step = $2, invitation_id = $3, invitation_url = $4, \
                 folded = $5, failure = NULL, updated_at = $6, lease_owner = NULL, \
                 lease_until = NULL, busy = FALSE WHERE id = $1 AND lease_owner = $7",
                &[
                    &order_id,
                    &OrderStep::Invited.as_str(),
                    &invitation_id,
                    &invitation_url,
                    &folded,
                    &now,
                    &owner,
                ],
            )
            .await?;
        if updated != 1 {
            return Ok(None);
        }
        let Some(mut order) = load_order(&transaction, "id = $1", &[&order_id]).await? else {
            return Ok(None);
        };
        // Without a linked Checkr account no stored event can be this order's.
        let sender = checkr_account.as_deref().unwrap_or_default();
        let replayed = replay_stored(&transaction, &mut order, invitation_id, sender).await?;
        if replayed.needs_read
            && let Some(account) = &checkr_account
        {
            want_read(&transaction, ReadObject::Invitation, invitation_id, account).await?;
        }
        if order.report_id.is_none()
            && let Some(report_id) = replayed.report_ids.into_iter().next()
        {
            order.report_id = Some(report_id.clone());
            if replay_stored(&transaction, &mut order, &report_id, sender)
                .await?
                .needs_read
                && let Some(account) = &checkr_account
            {
                want_read(&transaction, ReadObject::Report, &report_id, account).await?;
            }
        }
        save_folded(&transaction, &order, now).await?;
        transaction.commit().await?;
        Ok(Some(order))
    }

    pub(super) async fn record_failure(
        &self,
        order_id: &str,
        owner: &str,
        step: OrderStep,
        failure: &Failure,
        now: &str,
    ) -> anyhow::Result<bool> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let updated = transaction
            .execute(
                "UPDATE orders SET step = $2, failure = $3, updated_at = $4, lease_owner = NULL, \
                 lease_until = NULL, busy = FALSE WHERE id = $1 AND lease_owner = $5",
                &[
                    &order_id,
                    &step.as_str(),
                    &serde_json::to_string(failure)?,
                    &now,
                    &owner,
                ],
            )
            .await?;
        if updated == 1 {
            outbox::order_failed(&transaction, order_id).await?;
        }
        transaction.commit().await?;
        Ok(updated == 1)
    }

    pub(super) async fn record_busy(
        &self,
        order_id: &str,
        owner: &str,
        retry_at: i64,
        now: &str,
    ) -> anyhow::Result<bool> {
        let updated = self
            .client()
            .await?
            .execute(
                "UPDATE orders SET busy = TRUE, lease_owner = 'waiting-for-checkr', \
                 lease_until = $3, updated_at = $4 WHERE id = $1 AND lease_owner = $2",
                &[&order_id, &owner, &retry_at, &now],
            )
            .await?;
        Ok(updated == 1)
    }

    pub(super) async fn claim_order(
        &self,
        account_id: &str,
        order_id: &str,
        lease: &LeaseGrant,
        unix_now: i64,
        now: &str,
        audit: &AuditEntry,
    ) -> anyhow::Result<Claim> {
        let fresh = StepKeys::generate();
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        // FOR UPDATE: a second instance claiming at once waits, then sees this claim's lease.
        let Some(order) = load_order(
            &transaction,
            "account_id = $1 AND id = $2",
            &[&account_id, &order_id],
        )
        .await?
        else {
            return Ok(Claim::Missing);
        };
        let lease_state = Lease::at(order.lease_until, unix_now);
        let resumed = order
            .step
            .resume_from()
            .filter(|_| order.step.can_retry(lease_state));
        let Some(resumed) = resumed else {
            return Ok(Claim::Taken(order));
        };
        let row = transaction
            .query_one(
                &format!(
                    "UPDATE orders SET step = $2, lease_owner = $3, lease_until = $4, \
                     failure = NULL, updated_at = $5, \
                     candidate_key = COALESCE(candidate_key, $6), \
                     candidate_update_key = COALESCE(candidate_update_key, $7), \
                     invitation_key = COALESCE(invitation_key, $8) WHERE id = $1 \
                     RETURNING {ORDER_COLUMNS}"
                ),
                &[
                    &order.id,
                    &resumed.as_str(),
                    &lease.owner,
                    &lease.until,
                    &now,
                    &fresh.candidate,
                    &fresh.candidate_update,
                    &fresh.invitation,
                ],
            )
            .await?;
        let claimed = order_from_row(&row)?;
        outbox::order_changed(&transaction, &claimed).await?;
        manage::append_audit_in(&transaction, &about(audit, &claimed.id)).await?;
        transaction.commit().await?;
        Ok(Claim::Claimed(claimed))
    }

    pub(super) async fn stalled_orders(
        &self,
        unix_now: i64,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT account_id, id FROM orders WHERE step IN ($1, $2) \
                 AND (lease_until IS NULL OR lease_until <= $3) ORDER BY seq",
                &[
                    &OrderStep::Drafted.as_str(),
                    &OrderStep::CandidateCreated.as_str(),
                    &unix_now,
                ],
            )
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }

    /// Nothing: the database is shared, so a lease may belong to another running instance;
    /// leases of instances that stopped simply expire and the reconciler resumes their orders.
    pub(super) async fn release_all_leases(&self) -> anyhow::Result<usize> {
        Ok(0)
    }

    pub(super) async fn invitation_is_linked(
        &self,
        account_id: &str,
        invitation_id: &str,
    ) -> anyhow::Result<bool> {
        Ok(self
            .client()
            .await?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM orders WHERE account_id = $1 AND invitation_id = $2)",
                &[&account_id, &invitation_id],
            )
            .await?
            .try_get(0)?)
    }

    pub(super) async fn count_attempt(&self, order_id: &str) -> anyhow::Result<u32> {
        let attempts: i32 = self
            .client()
            .await?
            .query_one(
                "UPDATE orders SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts",
                &[&order_id],
            )
            .await?
            .try_get(0)?;
        Ok(u32::try_from(attempts).unwrap_or(0))
    }

    pub(super) async fn order(
        &self,
        account_id: &str,
        order_id: &str,
    ) -> anyhow::Result<Option<OrderRecord>> {
        self.client()
            .await?
            .query_opt(
                &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = $1 AND id = $2"),
                &[&account_id, &order_id],
            )
            .await?
            .as_ref()
            .map(order_from_row)
            .transpose()
    }

    pub(super) async fn orders_for_candidate(
        &self,
        account_id: &str,
        custom_id: &str,
    ) -> anyhow::Result<Vec<OrderRecord>> {
        self.client()
            .await?
            .query(
                &format!(
                    "SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = $1 AND custom_id = $2 \
                     ORDER BY seq DESC"
                ),
                &[&account_id, &custom_id],
            )
            .await?
            .iter()
            .map(order_from_row)
            .collect()
    }

    pub(super) async fn orders_for_candidates(
        &self,
        account_id: &str,
        custom_ids: &[String],
    ) -> anyhow::Result<Vec<OrderRecord>> {
        if custom_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.client()
            .await?
            .query(
                &format!(
                    "SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = $1 \
                     AND custom_id = ANY($2) ORDER BY seq DESC"
                ),
                &[&account_id, &custom_ids],
            )
            .await?
            .iter()
            .map(order_from_row)
            .collect()
    }

    pub(super) async fn prune_event_payloads(&self, before: &str) -> anyhow::Result<usize> {
        let pruned = self
            .client()
            .await?
            .execute(
                "UPDATE webhook_events SET payload = '' WHERE received_at < $1 AND payload <> ''",
                &[&before],
            )
            .await?;
        Ok(usize::try_from(pruned).unwrap_or(usize::MAX))
    }

    pub(super) async fn set_cancellation_reasons(
        &self,
        order_id: &str,
        reasons: Vec<String>,
    ) -> anyhow::Result<Option<OrderRecord>> {
        self.client()
            .await?
            .query_opt(
                &format!(
                    "UPDATE orders SET cancellation_reasons = $2 WHERE id = $1 \
                     RETURNING {ORDER_COLUMNS}"
                ),
                &[&order_id, &serde_json::to_string(&reasons)?],
            )
            .await?
            .as_ref()
            .map(order_from_row)
            .transpose()
    }

    pub(super) async fn connect_account(
        &self,
        id: &str,
        checkr_account_id: &str,
        token: &Secret,
    ) -> anyhow::Result<LinkOutcome> {
        let sealed = self.vault.seal(token.expose(), &token_context(id))?;
        let token_digest = digest(token.expose());
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        // Two callbacks for one provider account serialize here, as the rule needs both rows.
        lock_account(&transaction, checkr_account_id).await?;
        let holding_of = |row: Option<Row>| -> anyhow::Result<Option<(Option<String>, String)>> {
            row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .transpose()
        };
        let this = holding_of(
            transaction
                .query_opt(
                    "SELECT checkr_account_id, connection FROM accounts WHERE id = $1 FOR UPDATE",
                    &[&id],
                )
                .await?,
        )?;
        let other = holding_of(
            transaction
                .query_opt(
                    "SELECT checkr_account_id, connection FROM accounts \
                     WHERE checkr_account_id = $1 AND id <> $2 FOR UPDATE",
                    &[&checkr_account_id, &id],
                )
                .await?,
        )?;
        fn as_holding(row: &Option<(Option<String>, String)>) -> Holding<'_> {
            match row {
                Some((Some(linked), connection))
                    if ConnectionState::parse(connection) == ConnectionState::Connected =>
                {
                    Holding::Connected(linked.as_str())
                }
                Some((Some(_), _)) => Holding::Released,
                Some((None, _)) | None => Holding::Unlinked,
            }
        }
        let decision = decide_link(as_holding(&this), as_holding(&other), checkr_account_id);
        match decision {
            LinkDecision::ConnectedElsewhere | LinkDecision::HeldByAnotherAccount => {
                return Ok(LinkOutcome::Refused(decision));
            }
            LinkDecision::Connect | LinkDecision::Refresh => {}
        }
        transaction
            .execute(
                "UPDATE accounts SET checkr_account_id = NULL, access_token = NULL, \
                 token_digest = NULL, credentialed = FALSE WHERE checkr_account_id = $1 AND id <> $2",
                &[&checkr_account_id, &id],
            )
            .await?;
        let already_credentialed: bool = transaction
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM webhook_events WHERE type = 'account.credentialed' \
                 AND account_id = $1)",
                &[&checkr_account_id],
            )
            .await?
            .try_get(0)?;
        let already_revoked: bool = transaction
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE token_digest = $1)",
                &[&token_digest],
            )
            .await?
            .try_get(0)?;
        transaction
            .execute(
                "UPDATE pending_reads SET not_before = NULL WHERE checkr_account_id = $1",
                &[&checkr_account_id],
            )
            .await?;
        if already_revoked {
            transaction
                .execute(
                    "UPDATE accounts SET checkr_account_id = $2, access_token = NULL, \
                     token_digest = NULL, connection = 'deauthorized', credentialed = FALSE \
                     WHERE id = $1",
                    &[&id, &checkr_account_id],
                )
                .await?;
        } else {
            transaction
                .execute(
                    "UPDATE accounts SET checkr_account_id = $2, access_token = $3, \
                     token_digest = $4, connection = 'connected', \
                     credentialed = credentialed OR $5 WHERE id = $1",
                    &[
                        &id,
                        &checkr_account_id,
                        &sealed,
                        &token_digest,
                        &already_credentialed,
                    ],
                )
                .await?;
        }
        outbox::accounts_changed(&transaction, "a.id = $1", &[&id]).await?;
        transaction.commit().await?;
        Ok(LinkOutcome::Linked(if already_revoked {
            ConnectionState::Deauthorized
        } else {
            ConnectionState::Connected
        }))
    }

    pub(super) async fn disconnect_account(&self, id: &str) -> anyhow::Result<()> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute(
                "UPDATE accounts SET connection = 'deauthorized', access_token = NULL, \
                 token_digest = NULL, credentialed = FALSE WHERE id = $1",
                &[&id],
            )
            .await?;
        outbox::accounts_changed(&transaction, "a.id = $1", &[&id]).await?;
        transaction.commit().await?;
        Ok(())
    }

    pub(super) async fn spend_ticket(
        &self,
        nonce: &str,
        expires_at: u64,
        now: u64,
    ) -> anyhow::Result<bool> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM spent_oauth_tickets WHERE expires_at < $1",
                &[&as_i64(now)],
            )
            .await?;
        let inserted = client
            .execute(
                "INSERT INTO spent_oauth_tickets (nonce, expires_at) VALUES ($1, $2) \
                 ON CONFLICT (nonce) DO NOTHING",
                &[&nonce, &as_i64(expires_at)],
            )
            .await?;
        Ok(inserted == 1)
    }

    pub(super) async fn save_pending_connection(
        &self,
        nonce_digest: &str,
        pending: PendingConnection,
        now: u64,
    ) -> anyhow::Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM oauth_states WHERE expires_at < $1",
                &[&as_i64(now)],
            )
            .await?;
        client
            .execute(
                "INSERT INTO oauth_states (nonce_digest, account_id, user_id, browser_digest, \
                 expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &nonce_digest,
                    &pending.account_id,
                    &pending.user_id,
                    &pending.browser_digest,
                    &as_i64(pending.expires_at),
                ],
            )
            .await?;
        Ok(())
    }

    pub(super) async fn take_pending_connection(
        &self,
        nonce_digest: &str,
    ) -> anyhow::Result<Option<PendingConnection>> {
        self.client()
            .await?
            .query_opt(
                "DELETE FROM oauth_states WHERE nonce_digest = $1 \
                 RETURNING account_id, user_id, browser_digest, expires_at",
                &[&nonce_digest],
            )
            .await?
            .map(|row| {
                Ok(PendingConnection {
                    account_id: row.try_get(0)?,
                    user_id: row.try_get(1)?,
                    browser_digest: row.try_get(2)?,
                    expires_at: u64::try_from(row.try_get::<_, i64>(3)?).unwrap_or(0),
                })
            })
            .transpose()
    }

    pub(super) async fn ping(&self) -> anyhow::Result<()> {
        self.client().await?.execute("SELECT 1", &[]).await?;
        Ok(())
    }

    /// The URL this store connects to, for the listener's own connection.
    pub(super) fn url(&self) -> &Secret {
        &self.url
    }
}
