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
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row, Transaction};

use crate::domain::connection::{Holding, LinkDecision, decide_link};
use crate::domain::events::{Event, EventObject, FoldedOrder, Outcome};
use crate::domain::linking::{ReportMatch, Subject, Unlinked, subject};
use crate::domain::order::{Lease, OrderStep};
use crate::domain::time::Timestamp;
use crate::domain::validation::{OrderDraft, Region};

use super::super::crypto::{Vault, digest};
use super::super::secret::Secret;
use super::oauth::PendingConnection;
use super::reads::{PendingRead, ReadApplied, ReadObject};
use super::sealing::{CHECK_CONTEXT, CHECK_PLAINTEXT, token_context};
use super::{
    AccountRecord, Claim, ConnectionState, EventRecorded, Failure, KnownCandidate, LeaseGrant,
    LinkOutcome, Notice, OrderRecord, StepKeys, customer_type_from, parse_region, region_name,
};

/// The schema, as one list like SQLite's; the index of the last applied entry is stored.
/// A new SQLite migration that changes what the store keeps needs its twin here.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE accounts (
        id                TEXT PRIMARY KEY,
        name              TEXT NOT NULL,
        checkr_account_id TEXT UNIQUE,
        access_token      TEXT,
        customer_type     TEXT NOT NULL DEFAULT 'combined',
        credentialed      BOOLEAN NOT NULL DEFAULT FALSE,
        connection        TEXT NOT NULL DEFAULT 'not_connected',
        token_digest      TEXT UNIQUE
    );
    CREATE TABLE candidates (
        account_id          TEXT NOT NULL REFERENCES accounts(id),
        custom_id           TEXT NOT NULL,
        region              TEXT NOT NULL,
        checkr_candidate_id TEXT NOT NULL,
        created_at          TEXT NOT NULL,
        details             TEXT,
        PRIMARY KEY (account_id, custom_id, region)
    );
    CREATE TABLE orders (
        seq                   BIGSERIAL PRIMARY KEY,
        id                    TEXT NOT NULL UNIQUE,
        account_id            TEXT NOT NULL REFERENCES accounts(id),
        custom_id             TEXT NOT NULL,
        region                TEXT NOT NULL,
        ordered_by            TEXT NOT NULL,
        draft                 TEXT NOT NULL,
        step                  TEXT NOT NULL,
        candidate_id          TEXT,
        invitation_id         TEXT UNIQUE,
        invitation_url        TEXT,
        failure               TEXT,
        attempts              INTEGER NOT NULL DEFAULT 0,
        folded                TEXT NOT NULL,
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL,
        report_id             TEXT,
        cancellation_reasons  TEXT,
        candidate_key         TEXT,
        candidate_update_key  TEXT,
        invitation_key        TEXT,
        invitation_first_sent BIGINT,
        lease_owner           TEXT,
        lease_until           BIGINT,
        busy                  BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX orders_by_candidate ON orders(account_id, custom_id);
    CREATE INDEX orders_by_report ON orders(report_id);
    CREATE INDEX orders_by_provider_candidate ON orders(candidate_id);
    CREATE INDEX orders_by_step ON orders(step);
    CREATE TABLE webhook_events (
        id          TEXT PRIMARY KEY,
        type        TEXT NOT NULL,
        account_id  TEXT,
        object_id   TEXT,
        created_at  TEXT NOT NULL,
        received_at TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        payload     TEXT NOT NULL
    );
    CREATE INDEX webhook_events_by_object ON webhook_events(object_id);
    CREATE INDEX webhook_events_by_type ON webhook_events(type, account_id);
    CREATE TABLE spent_oauth_tickets (
        nonce      TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE oauth_states (
        nonce_digest   TEXT PRIMARY KEY,
        account_id     TEXT NOT NULL,
        user_id        TEXT NOT NULL,
        browser_digest TEXT NOT NULL,
        expires_at     BIGINT NOT NULL
    );
    CREATE TABLE sealing_key (
        key_id      TEXT NOT NULL,
        check_value TEXT NOT NULL
    );
    CREATE TABLE pending_reads (
        seq               BIGSERIAL,
        object_id         TEXT PRIMARY KEY,
        object            TEXT NOT NULL,
        checkr_account_id TEXT NOT NULL,
        generation        BIGINT NOT NULL DEFAULT 0,
        attempts          INTEGER NOT NULL DEFAULT 0,
        not_before        BIGINT,
        last_error        TEXT
    );
    CREATE TABLE revoked_tokens (
        token_digest TEXT PRIMARY KEY,
        revoked_at   TEXT NOT NULL
    );
"#];

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

/// Whether PostgreSQL aborted the transaction only because of another one (deadlock or
/// serialization failure): trying again is then the right answer.
fn is_contention(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<tokio_postgres::Error>())
        .filter_map(tokio_postgres::Error::code)
        .any(|code| {
            *code == SqlState::T_R_DEADLOCK_DETECTED || *code == SqlState::T_R_SERIALIZATION_FAILURE
        })
}

/// Serializes folding for one provider account until the transaction ends.
async fn lock_account(transaction: &Transaction<'_>, provider_account: &str) -> anyhow::Result<()> {
    transaction
        .execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('fold:' || $1, 0))",
            &[&provider_account],
        )
        .await?;
    Ok(())
}

async fn load_order(
    transaction: &Transaction<'_>,
    condition: &str,
    args: Params<'_>,
) -> anyhow::Result<Option<OrderRecord>> {
    transaction
        .query_opt(
            &format!(
                "SELECT {ORDER_COLUMNS} FROM orders WHERE {condition} \
                 ORDER BY seq DESC LIMIT 1 FOR UPDATE"
            ),
            args,
        )
        .await?
        .as_ref()
        .map(order_from_row)
        .transpose()
}

async fn save_folded(
    transaction: &Transaction<'_>,
    order: &OrderRecord,
    now: &str,
) -> anyhow::Result<()> {
    transaction
        .execute(
            "UPDATE orders SET folded = $2, report_id = $3, updated_at = $4 WHERE id = $1",
            &[
                &order.id,
                &serde_json::to_string(&order.folded)?,
                &order.report_id,
                &now,
            ],
        )
        .await?;
    Ok(())
}

/// What replaying stored events found.
#[derive(Debug, Default)]
struct Replayed {
    needs_read: bool,
    report_ids: Vec<String>,
}

/// Folds every stored event about `object_id` into `order`.
async fn replay_stored(
    transaction: &Transaction<'_>,
    order: &mut OrderRecord,
    object_id: &str,
) -> anyhow::Result<Replayed> {
    let rows = transaction
        .query(
            "SELECT payload FROM webhook_events WHERE object_id = $1",
            &[&object_id],
        )
        .await?;
    let mut replayed = Replayed::default();
    for row in rows {
        let payload: &str = row.try_get(0)?;
        if let Ok(event) = serde_json::from_str::<Event>(payload) {
            replayed.needs_read |= order.folded.apply(&event) == Outcome::NeedsRead;
            replayed
                .report_ids
                .extend(event.data.object.report_id.clone());
        }
    }
    Ok(replayed)
}

async fn want_read(
    transaction: &Transaction<'_>,
    object: ReadObject,
    object_id: &str,
    checkr_account_id: &str,
) -> anyhow::Result<()> {
    transaction
        .execute(
            "INSERT INTO pending_reads (object_id, object, checkr_account_id) VALUES ($1, $2, $3) \
             ON CONFLICT (object_id) DO UPDATE SET \
             generation = pending_reads.generation + 1, not_before = NULL",
            &[&object_id, &object.as_str(), &checkr_account_id],
        )
        .await?;
    Ok(())
}

async fn supersede_read(transaction: &Transaction<'_>, object_id: &str) -> anyhow::Result<()> {
    transaction
        .execute(
            "UPDATE pending_reads SET generation = generation + 1, not_before = NULL \
             WHERE object_id = $1",
            &[&object_id],
        )
        .await?;
    Ok(())
}

/// Orders are only ever touched through the provider account the event came from.
const SCOPE: &str = "account_id IN (SELECT id FROM accounts WHERE checkr_account_id = $1)";

/// The order a report no order is linked to belongs to, as [`ReportMatch::takes`] rules;
/// locked for the fold.
async fn unlinked_for_report(
    transaction: &Transaction<'_>,
    provider_account: &str,
    report: ReportMatch<'_>,
) -> anyhow::Result<Option<OrderRecord>> {
    let Some(candidate_id) = report.candidate_id else {
        return Ok(None);
    };
    let rows = transaction
        .query(
            &format!(
                "SELECT {ORDER_COLUMNS} FROM orders WHERE candidate_id = $2 AND {SCOPE} \
                 ORDER BY seq DESC FOR UPDATE"
            ),
            &[&provider_account, &candidate_id],
        )
        .await?;
    for row in &rows {
        let order = order_from_row(row)?;
        if report.takes(
            order.candidate_id.as_deref(),
            &order.draft.package,
            order.step,
            order.report_id.as_deref(),
        ) {
            return Ok(Some(order));
        }
    }
    Ok(None)
}

async fn record_in(
    transaction: &Transaction<'_>,
    event: &Event,
    raw: &str,
    now: &str,
) -> anyhow::Result<EventRecorded> {
    let inserted = transaction
        .execute(
            "INSERT INTO webhook_events (id, type, account_id, object_id, created_at, \
             received_at, outcome, payload) VALUES ($1, $2, $3, $4, $5, $6, 'stored', $7) \
             ON CONFLICT (id) DO NOTHING",
            &[
                &event.id,
                &event.type_name,
                &event.account_id,
                &event.data.object.id,
                &event.created_at.as_str(),
                &now,
                &raw,
            ],
        )
        .await?;
    if inserted == 0 {
        return Ok(EventRecorded::Duplicate);
    }
    apply_event(transaction, event, now).await
}

async fn apply_event(
    transaction: &Transaction<'_>,
    event: &Event,
    now: &str,
) -> anyhow::Result<EventRecorded> {
    let object = &event.data.object;
    let provider_account = event.account_id.clone().unwrap_or_default();
    let mut changed = Vec::new();
    match subject(event) {
        Subject::Credentialed => {
            // When it overtakes the OAuth callback no account matches yet; connect_account
            // finds the stored event.
            transaction
                .execute(
                    "UPDATE accounts SET credentialed = TRUE WHERE checkr_account_id = $1",
                    &[&provider_account],
                )
                .await?;
        }
        Subject::Revoked(access_code) => {
            let revoked = digest(access_code);
            transaction
                .execute(
                    "INSERT INTO revoked_tokens (token_digest, revoked_at) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                    &[&revoked, &now],
                )
                .await?;
            transaction
                .execute(
                    "UPDATE accounts SET connection = 'deauthorized', access_token = NULL, \
                     token_digest = NULL, credentialed = FALSE WHERE token_digest = $1",
                    &[&revoked],
                )
                .await?;
        }
        Subject::Invitation(invitation_id) => {
            supersede_read(transaction, invitation_id).await?;
            if let Some(mut order) = load_order(
                transaction,
                &format!("invitation_id = $2 AND {SCOPE}"),
                &[&provider_account, &invitation_id],
            )
            .await?
            {
                if order.folded.apply(event) == Outcome::NeedsRead {
                    want_read(
                        transaction,
                        ReadObject::Invitation,
                        invitation_id,
                        &provider_account,
                    )
                    .await?;
                }
                if let (None, Some(report_id)) = (&order.report_id, &object.report_id) {
                    order.report_id = Some(report_id.clone());
                    if replay_stored(transaction, &mut order, report_id)
                        .await?
                        .needs_read
                    {
                        want_read(
                            transaction,
                            ReadObject::Report,
                            report_id,
                            &provider_account,
                        )
                        .await?;
                    }
                }
                save_folded(transaction, &order, now).await?;
                changed.push(order);
            }
        }
        Subject::Report {
            id: report_id,
            unlinked,
        } => {
            supersede_read(transaction, report_id).await?;
            let linked = load_order(
                transaction,
                &format!("report_id = $2 AND {SCOPE}"),
                &[&provider_account, &report_id],
            )
            .await?;
            let needs_read = match (linked, unlinked) {
                (Some(mut order), _) => {
                    let outcome = order.folded.apply(event);
                    save_folded(transaction, &order, now).await?;
                    changed.push(order);
                    outcome == Outcome::NeedsRead
                }
                (None, Unlinked::ReadFirst) => true,
                (None, Unlinked::Match(report)) => {
                    match unlinked_for_report(transaction, &provider_account, report).await? {
                        Some(mut order) => {
                            order.report_id = Some(report_id.to_owned());
                            let needs_read = replay_stored(transaction, &mut order, report_id)
                                .await?
                                .needs_read;
                            save_folded(transaction, &order, now).await?;
                            changed.push(order);
                            needs_read
                        }
                        None => false,
                    }
                }
            };
            if needs_read {
                want_read(
                    transaction,
                    ReadObject::Report,
                    report_id,
                    &provider_account,
                )
                .await?;
            }
        }
        Subject::Nothing => {}
    }
    Ok(EventRecorded::Stored { changed })
}

/// The newest `created_at` among the recorded events about an object.
async fn newest_event_time(
    transaction: &Transaction<'_>,
    object_id: &str,
) -> anyhow::Result<Option<Timestamp>> {
    let rows = transaction
        .query(
            "SELECT created_at FROM webhook_events WHERE object_id = $1",
            &[&object_id],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| row.try_get::<_, &str>(0).ok())
        .filter_map(|text| Timestamp::parse(text).ok())
        .max_by(|a, b| a.cmp_instant(b)))
}

fn pending_read_from_row(row: &Row) -> anyhow::Result<PendingRead> {
    Ok(PendingRead {
        object_id: row.try_get(0)?,
        object: ReadObject::parse(row.try_get(1)?),
        checkr_account_id: row.try_get(2)?,
        generation: row.try_get(3)?,
        attempts: u32::try_from(row.try_get::<_, i32>(4)?).unwrap_or(0),
    })
}

const PENDING_READ_COLUMNS: &str = "object_id, object, checkr_account_id, generation, attempts";

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl PostgresStore {
    /// Connects a pool to `url`, applies pending migrations under an advisory lock and checks
    /// the sealing key.
    pub(super) async fn connect(url: &Secret, vault: Vault) -> anyhow::Result<Self> {
        let config: tokio_postgres::Config = url
            .expose()
            .parse()
            .context("reading --database-url as a PostgreSQL connection URL")?;
        let manager = Manager::from_config(
            config,
            NoTls,
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
        ordered_by: &str,
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
        let row = self
            .client()
            .await?
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
                    &ordered_by,
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
        order_from_row(&row)
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
        let replayed = replay_stored(&transaction, &mut order, invitation_id).await?;
        if replayed.needs_read
            && let Some(account) = &checkr_account
        {
            want_read(&transaction, ReadObject::Invitation, invitation_id, account).await?;
        }
        if order.report_id.is_none()
            && let Some(report_id) = replayed.report_ids.into_iter().next()
        {
            order.report_id = Some(report_id.clone());
            if replay_stored(&transaction, &mut order, &report_id)
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
        let updated = self
            .client()
            .await?
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

    pub(super) async fn record_events(
        &self,
        batch: Vec<(Event, String, String)>,
    ) -> anyhow::Result<Vec<anyhow::Result<EventRecorded>>> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.try_record_events(&batch).await {
                Err(error) if tries < BATCH_TRIES && is_contention(&error) => {
                    tracing::debug!(tries, "webhook batch tried again after contention");
                }
                outcome => return outcome,
            }
        }
    }

    async fn try_record_events(
        &self,
        batch: &[(Event, String, String)],
    ) -> anyhow::Result<Vec<anyhow::Result<EventRecorded>>> {
        let mut client = self.client().await?;
        let mut transaction = client.transaction().await?;
        // All the batch's account locks at once, in one order: two instances' batches then
        // never hold one lock each while waiting for the other's.
        let mut accounts: Vec<&str> = batch
            .iter()
            .map(|(event, _, _)| event.account_id.as_deref().unwrap_or_default())
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        for account in accounts {
            lock_account(&transaction, account).await?;
        }
        let mut outcomes = Vec::with_capacity(batch.len());
        for (event, raw, now) in batch {
            let savepoint = transaction.savepoint("event").await?;
            match record_in(&savepoint, event, raw, now).await {
                Ok(recorded) => {
                    savepoint.commit().await?;
                    outcomes.push(Ok(recorded));
                }
                Err(error) if is_contention(&error) => return Err(error),
                Err(error) => {
                    savepoint.rollback().await?;
                    outcomes.push(Err(error));
                }
            }
        }
        transaction.commit().await?;
        Ok(outcomes)
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
        transaction.commit().await?;
        Ok(LinkOutcome::Linked(if already_revoked {
            ConnectionState::Deauthorized
        } else {
            ConnectionState::Connected
        }))
    }

    pub(super) async fn disconnect_account(&self, id: &str) -> anyhow::Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE accounts SET connection = 'deauthorized', access_token = NULL, \
                 token_digest = NULL, credentialed = FALSE WHERE id = $1",
                &[&id],
            )
            .await?;
        Ok(())
    }

    pub(super) async fn due_reads(
        &self,
        now_unix: i64,
        include_backed_off: bool,
    ) -> anyhow::Result<Vec<PendingRead>> {
        self.client()
            .await?
            .query(
                &format!(
                    "SELECT {PENDING_READ_COLUMNS} FROM pending_reads \
                     WHERE $2 OR not_before IS NULL OR not_before <= $1 ORDER BY seq LIMIT 100"
                ),
                &[&now_unix, &include_backed_off],
            )
            .await?
            .iter()
            .map(pending_read_from_row)
            .collect()
    }

    pub(super) async fn pending_read(
        &self,
        object_id: &str,
    ) -> anyhow::Result<Option<PendingRead>> {
        self.client()
            .await?
            .query_opt(
                &format!("SELECT {PENDING_READ_COLUMNS} FROM pending_reads WHERE object_id = $1"),
                &[&object_id],
            )
            .await?
            .as_ref()
            .map(pending_read_from_row)
            .transpose()
    }

    pub(super) async fn read_failed(
        &self,
        read: &PendingRead,
        error: &str,
        retry_at: i64,
        give_up: bool,
    ) -> anyhow::Result<()> {
        let client = self.client().await?;
        if give_up {
            client
                .execute(
                    "DELETE FROM pending_reads WHERE object_id = $1 AND generation = $2",
                    &[&read.object_id, &read.generation],
                )
                .await?;
        } else {
            client
                .execute(
                    "UPDATE pending_reads SET attempts = attempts + 1, not_before = $3, \
                     last_error = $4 WHERE object_id = $1 AND generation = $2",
                    &[&read.object_id, &read.generation, &retry_at, &error],
                )
                .await?;
        }
        Ok(())
    }

    pub(super) async fn token_for_checkr_account(
        &self,
        checkr_account_id: &str,
    ) -> anyhow::Result<Option<Secret>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT id, access_token FROM accounts WHERE checkr_account_id = $1 \
                 AND connection = 'connected' AND access_token IS NOT NULL",
                &[&checkr_account_id],
            )
            .await?;
        row.map(|row| {
            let (account_id, sealed): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            self.vault
                .open(&sealed, &token_context(&account_id))
                .map(|opened| opened.secret)
        })
        .transpose()
    }

    pub(super) async fn apply_read(
        &self,
        read: &PendingRead,
        object: EventObject,
        now: String,
    ) -> anyhow::Result<ReadApplied> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let account = &read.checkr_account_id;
        lock_account(&transaction, account).await?;
        let generation: Option<i64> = transaction
            .query_opt(
                "SELECT generation FROM pending_reads WHERE object_id = $1 FOR UPDATE",
                &[&read.object_id],
            )
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        match generation {
            None => {
                return Ok(ReadApplied::Done {
                    changed: Vec::new(),
                });
            }
            Some(current) if current != read.generation => return Ok(ReadApplied::Superseded),
            Some(_) => {}
        }
        let as_of = newest_event_time(&transaction, &read.object_id)
            .await?
            .unwrap_or_else(|| {
                Timestamp::parse(&now).unwrap_or_else(|_| Timestamp::from_unix_seconds(0))
            });
        let mut changed = Vec::new();
        match read.object {
            ReadObject::Invitation => {
                if let Some(mut order) = load_order(
                    &transaction,
                    &format!("invitation_id = $2 AND {SCOPE}"),
                    &[account, &read.object_id],
                )
                .await?
                {
                    order.folded.apply_read(&object, &as_of);
                    if let (None, Some(report_id)) = (&order.report_id, &object.report_id) {
                        order.report_id = Some(report_id.clone());
                        if replay_stored(&transaction, &mut order, report_id)
                            .await?
                            .needs_read
                        {
                            want_read(&transaction, ReadObject::Report, report_id, account).await?;
                        }
                    }
                    save_folded(&transaction, &order, &now).await?;
                    changed.push(order);
                }
            }
            ReadObject::Report => {
                let linked = load_order(
                    &transaction,
                    &format!("report_id = $2 AND {SCOPE}"),
                    &[account, &read.object_id],
                )
                .await?;
                let order = match linked {
                    Some(order) => Some(order),
                    None => {
                        match unlinked_for_report(&transaction, account, ReportMatch::of(&object))
                            .await?
                        {
                            Some(mut order) => {
                                order.report_id = Some(read.object_id.clone());
                                replay_stored(&transaction, &mut order, &read.object_id).await?;
                                Some(order)
                            }
                            None => None,
                        }
                    }
                };
                if let Some(mut order) = order {
                    order.folded.apply_read(&object, &as_of);
                    save_folded(&transaction, &order, &now).await?;
                    changed.push(order);
                }
            }
        }
        transaction
            .execute(
                "DELETE FROM pending_reads WHERE object_id = $1",
                &[&read.object_id],
            )
            .await?;
        transaction.commit().await?;
        Ok(ReadApplied::Done { changed })
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

    /// Tells every instance (this one included) about `notice`, after the notices queued
    /// before it: one task sends them in order, so widgets hear changes in the order they
    /// were made.
    pub(super) fn announce(&self, notice: Notice) {
        // The task ends only with the store.
        let _ = self.announcer.send(notice);
    }

    /// The URL this store connects to, for the listener's own connection.
    pub(super) fn url(&self) -> &Secret {
        &self.url
    }
}

/// Sends queued notices in order, as many as are waiting in one statement, until the store
/// is dropped. A notice that cannot be sent is logged and dropped: widgets catch up when
/// their stream reconnects.
async fn send_notices(pool: Pool, mut queue: tokio::sync::mpsc::UnboundedReceiver<Notice>) {
    let mut waiting = Vec::new();
    while queue.recv_many(&mut waiting, 256).await > 0 {
        let mut channels = Vec::with_capacity(waiting.len());
        let mut payloads = Vec::with_capacity(waiting.len());
        for notice in waiting.drain(..) {
            let (channel, payload) = match notice {
                Notice::Order {
                    account_id,
                    order_id,
                } => (
                    ORDERS_CHANNEL,
                    serde_json::to_string(&(account_id, order_id)).unwrap_or_default(),
                ),
                Notice::Catalog { account_id } => (CATALOGS_CHANNEL, account_id),
            };
            channels.push(channel);
            payloads.push(payload);
        }
        let sent = async {
            pool.get()
                .await?
                .execute(
                    // A function scan yields the arrays' elements in order.
                    "SELECT pg_notify(channel, payload) FROM \
                     unnest($1::text[], $2::text[]) AS n(channel, payload)",
                    &[&channels, &payloads],
                )
                .await?;
            anyhow::Ok(())
        };
        if let Err(error) = sent.await {
            tracing::warn!(error = %format!("{error:#}"), "announcing changes to other instances failed");
        }
    }
}

/// A connection that LISTENs on the store's channels, and the messages it receives.
struct Subscription {
    _client: tokio_postgres::Client,
    messages: tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::AsyncMessage>,
    driver: tokio::task::JoinHandle<()>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Opens a connection of its own (LISTEN needs one outside the pool) and returns once it
/// listens, so nothing announced after this returns is missed.
async fn subscribe(url: &Secret) -> anyhow::Result<Subscription> {
    use futures::StreamExt;
    let (client, mut connection) = tokio_postgres::connect(url.expose(), NoTls)
        .await
        .context("connecting to PostgreSQL for notifications")?;
    let (messages_tx, messages) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut stream = futures::stream::poll_fn(move |context| connection.poll_message(context));
        while let Some(Ok(message)) = stream.next().await {
            if messages_tx.send(message).is_err() {
                return;
            }
        }
    });
    client
        .batch_execute(&format!(
            "LISTEN {ORDERS_CHANNEL}; LISTEN {CATALOGS_CHANNEL}"
        ))
        .await?;
    Ok(Subscription {
        _client: client,
        messages,
        driver,
    })
}

/// Every instance's notices, from the moment this returns until the receiver is dropped; a
/// dropped connection is opened again after a second.
pub(super) async fn listen(
    url: Secret,
) -> anyhow::Result<tokio::sync::mpsc::UnboundedReceiver<Notice>> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let mut current = Some(subscribe(&url).await?);
    tokio::spawn(async move {
        while !sender.is_closed() {
            let subscription = match current.take() {
                Some(subscription) => subscription,
                None => match subscribe(&url).await {
                    Ok(subscription) => subscription,
                    Err(error) => {
                        tracing::warn!(error = %format!("{error:#}"), "PostgreSQL notifications unavailable");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                },
            };
            tokio::select! {
                () = sender.closed() => return,
                () = forward(subscription, &sender) => {}
            }
            tracing::warn!("PostgreSQL notifications interrupted; listening again");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    Ok(receiver)
}

/// Passes notices on until the connection drops.
async fn forward(
    mut subscription: Subscription,
    sender: &tokio::sync::mpsc::UnboundedSender<Notice>,
) {
    while let Some(message) = subscription.messages.recv().await {
        let tokio_postgres::AsyncMessage::Notification(notification) = message else {
            continue;
        };
        let notice = match notification.channel() {
            ORDERS_CHANNEL => {
                let Ok((account_id, order_id)) =
                    serde_json::from_str::<(String, String)>(notification.payload())
                else {
                    continue;
                };
                Notice::Order {
                    account_id,
                    order_id,
                }
            }
            CATALOGS_CHANNEL => Notice::Catalog {
                account_id: notification.payload().to_owned(),
            },
            _other => continue,
        };
        if sender.send(notice).is_err() {
            return;
        }
    }
}
