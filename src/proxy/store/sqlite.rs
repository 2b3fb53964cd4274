//! The SQLite store: the embedded default, one file in WAL mode owned by one proxy process.

mod manage;

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::domain::checkr::CustomerType;
use crate::domain::connection::{Holding, LinkDecision, decide_link};
use crate::domain::events::{Event, FoldedOrder, Outcome};
use crate::domain::linking::{ReportMatch, Subject, Unlinked, subject};
use crate::domain::order::{Lease, OrderStep};
use crate::domain::validation::{OrderDraft, Region};

use super::super::crypto::{Vault, digest};
use super::super::secret::Secret;
use super::audit::{AuditEntry, OrderOrigin, about};
use super::reads::{ReadObject, supersede_read, want_read};
use super::sealing::{self, token_context};

mod monitoring;
mod screenings;
use super::{
    AccountRecord, Claim, ConnectionState, EventRecorded, Failure, KnownCandidate, LeaseGrant,
    LinkOutcome, OrderRecord, StepKeys, customer_type_from, parse_region, region_name,
};

pub(super) mod karmacheck;
mod karmacheck_orders;
mod outbox;

/// Schema changes, applied in order at start; the index of the last applied one is stored.
const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE accounts (
        id                TEXT PRIMARY KEY,
        name              TEXT NOT NULL,
        checkr_account_id TEXT UNIQUE,
        access_token      TEXT,
        customer_type     TEXT NOT NULL DEFAULT 'combined',
        credentialed      INTEGER NOT NULL DEFAULT 0,
        connection        TEXT NOT NULL DEFAULT 'not_connected'
    );
    CREATE TABLE candidates (
        account_id          TEXT NOT NULL REFERENCES accounts(id),
        custom_id           TEXT NOT NULL,
        region              TEXT NOT NULL,
        checkr_candidate_id TEXT NOT NULL,
        created_at          TEXT NOT NULL,
        PRIMARY KEY (account_id, custom_id, region)
    );
    CREATE TABLE orders (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        id             TEXT NOT NULL UNIQUE,
        account_id     TEXT NOT NULL REFERENCES accounts(id),
        custom_id      TEXT NOT NULL,
        region         TEXT NOT NULL,
        ordered_by     TEXT NOT NULL,
        draft          TEXT NOT NULL,
        step           TEXT NOT NULL,
        candidate_id   TEXT,
        invitation_id  TEXT UNIQUE,
        invitation_url TEXT,
        failure        TEXT,
        attempts       INTEGER NOT NULL DEFAULT 0,
        folded         TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    );
    CREATE INDEX orders_by_candidate ON orders(account_id, custom_id);
"#,
    r#"
    ALTER TABLE accounts ADD COLUMN token_digest TEXT;
    CREATE UNIQUE INDEX accounts_by_token_digest ON accounts(token_digest);
    ALTER TABLE orders ADD COLUMN report_id TEXT;
    ALTER TABLE orders ADD COLUMN cancellation_reasons TEXT;
    CREATE INDEX orders_by_report ON orders(report_id);
    CREATE INDEX orders_by_provider_candidate ON orders(candidate_id);
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
"#,
    r#"
    CREATE TABLE spent_oauth_tickets (
        nonce      TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE oauth_states (
        nonce_digest   TEXT PRIMARY KEY,
        account_id     TEXT NOT NULL,
        user_id        TEXT NOT NULL,
        browser_digest TEXT NOT NULL,
        expires_at     INTEGER NOT NULL
    );
    CREATE TABLE sealing_key (
        key_id      TEXT NOT NULL,
        check_value TEXT NOT NULL
    );
"#,
    r#"
    CREATE TABLE pending_reads (
        object_id         TEXT PRIMARY KEY,
        object            TEXT NOT NULL,
        checkr_account_id TEXT NOT NULL,
        generation        INTEGER NOT NULL DEFAULT 0,
        attempts          INTEGER NOT NULL DEFAULT 0,
        not_before        INTEGER,
        last_error        TEXT
    );
    CREATE TABLE revoked_tokens (
        token_digest TEXT PRIMARY KEY,
        revoked_at   TEXT NOT NULL
    );
"#,
    // Placement: per-step Idempotency-Keys (random UUID v4, so a reset database cannot
    // collide with Checkr's 24-hour replay), the sender's lease, Checkr-busy waits, and
    // what each candidate was last sent with (to notice a corrected name or email).
    r#"
    ALTER TABLE orders ADD COLUMN candidate_key TEXT;
    ALTER TABLE orders ADD COLUMN candidate_update_key TEXT;
    ALTER TABLE orders ADD COLUMN invitation_key TEXT;
    ALTER TABLE orders ADD COLUMN invitation_first_sent INTEGER;
    ALTER TABLE orders ADD COLUMN lease_owner TEXT;
    ALTER TABLE orders ADD COLUMN lease_until INTEGER;
    ALTER TABLE orders ADD COLUMN busy INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX orders_by_step ON orders(step);
    ALTER TABLE candidates ADD COLUMN details TEXT;
"#,
    // The outbox of webhooks to the ATS backend (see sqlite/outbox.rs), the last badge and
    // link state announced, and every delivery attempt for the audit listing.
    r#"
    CREATE TABLE ats_outbox (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id        TEXT NOT NULL UNIQUE,
        account_id      TEXT NOT NULL,
        order_key       TEXT NOT NULL,
        order_id        TEXT,
        type            TEXT NOT NULL,
        body            TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        lease_owner     TEXT,
        lease_until     INTEGER
    );
    CREATE INDEX ats_outbox_pending ON ats_outbox(state, order_key, seq);
    CREATE TABLE ats_order_badges (
        order_id TEXT PRIMARY KEY,
        badge    TEXT NOT NULL
    );
    CREATE TABLE ats_account_links (
        account_id   TEXT PRIMARY KEY,
        connection   TEXT NOT NULL,
        credentialed INTEGER NOT NULL
    );
    CREATE TABLE ats_delivery_attempts (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id    TEXT NOT NULL,
        event_id      TEXT NOT NULL,
        type          TEXT NOT NULL,
        order_id      TEXT,
        attempt       INTEGER NOT NULL,
        attempted_at  TEXT NOT NULL,
        status        INTEGER,
        error         TEXT,
        next_retry_at TEXT
    );
    CREATE INDEX ats_delivery_attempts_by_account ON ats_delivery_attempts(account_id, attempted_at);
    CREATE TABLE ats_outbox_switch (enabled INTEGER NOT NULL);
"#,
    // Managing orders (issue 14): an append-only audit log, and resent orders' links.
    r#"
    CREATE TABLE audit_log (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT NOT NULL,
        at_unix    INTEGER NOT NULL,
        account_id TEXT NOT NULL,
        actor      TEXT NOT NULL,
        role       TEXT,
        action     TEXT NOT NULL,
        order_id   TEXT,
        outcome    TEXT NOT NULL,
        detail     TEXT NOT NULL
    );
    CREATE INDEX audit_by_order ON audit_log(account_id, order_id, seq);
    CREATE INDEX audit_by_time ON audit_log(account_id, at_unix, seq);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TABLE order_links (
        order_id    TEXT PRIMARY KEY,
        account_id  TEXT NOT NULL,
        resent_from TEXT NOT NULL
    );
"#,
    // KarmaCheck (issue 16): connections, orders (cases) and webhook receipts.
    r#"
    CREATE TABLE karmacheck_connections (
        account_id              TEXT PRIMARY KEY REFERENCES accounts(id),
        api_key                 TEXT NOT NULL,
        client_access_token     TEXT NOT NULL,
        webhook_username        TEXT NOT NULL UNIQUE,
        webhook_password_digest TEXT NOT NULL,
        connected_at            TEXT NOT NULL
    );
    CREATE TABLE karmacheck_orders (
        id          TEXT PRIMARY KEY,
        account_id  TEXT NOT NULL REFERENCES accounts(id),
        custom_id   TEXT NOT NULL,
        ordered_by  TEXT NOT NULL,
        draft       TEXT NOT NULL,
        step        TEXT NOT NULL,
        case_id     TEXT UNIQUE,
        failure     TEXT,
        attempts    INTEGER NOT NULL,
        overall     TEXT,
        case_state  TEXT,
        read_stamp  TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE INDEX karmacheck_orders_by_candidate ON karmacheck_orders(account_id, custom_id);
    CREATE TABLE karmacheck_events (
        account_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        event       TEXT NOT NULL,
        case_id     TEXT,
        received_at TEXT NOT NULL,
        PRIMARY KEY (account_id, message_id)
    );
"#,
    // Screening statuses and results, read from Checkr when report events arrive, and the
    // verifications (`verification.*`) an open report waits for, and
    // each account's automatic enrolment in continuous checks, and the Checkr
    // subscriptions made for each applicant.
    r#"
    CREATE TABLE order_screenings (
        order_id   TEXT PRIMARY KEY REFERENCES orders(id),
        report_id  TEXT NOT NULL,
        screenings TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    );
    CREATE TABLE order_verifications (
        verification_id   TEXT PRIMARY KEY,
        order_id          TEXT NOT NULL REFERENCES orders(id),
        verification_type TEXT NOT NULL,
        stage             INTEGER NOT NULL,
        updated_at        TEXT NOT NULL
    );
    CREATE INDEX order_verifications_by_order ON order_verifications(order_id);
    CREATE TABLE continuous_settings (
        account_id  TEXT PRIMARY KEY REFERENCES accounts(id),
        auto_enroll INTEGER NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE subscriptions (
        id          TEXT PRIMARY KEY,
        account_id  TEXT NOT NULL REFERENCES accounts(id),
        custom_id   TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX subscriptions_by_applicant ON subscriptions(account_id, custom_id);
"#,
];

fn json_column<T: serde::de::DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(error))
    })
}

fn to_json<T: Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
}

const ORDER_COLUMNS: &str = "id, account_id, custom_id, region, ordered_by, draft, step, \
    candidate_id, invitation_id, invitation_url, failure, attempts, folded, created_at, updated_at, \
    report_id, cancellation_reasons, candidate_key, candidate_update_key, invitation_key, \
    invitation_first_sent, lease_until, busy";

fn order_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OrderRecord> {
    let step: String = row.get(6)?;
    let failure: Option<String> = row.get(10)?;
    Ok(OrderRecord {
        id: row.get(0)?,
        account_id: row.get(1)?,
        custom_id: row.get(2)?,
        region: parse_region(&row.get::<_, String>(3)?),
        ordered_by: row.get(4)?,
        draft: json_column(&row.get::<_, String>(5)?)?,
        step: OrderStep::parse(&step).unwrap_or(OrderStep::Drafted),
        candidate_id: row.get(7)?,
        invitation_id: row.get(8)?,
        invitation_url: row.get(9)?,
        failure: failure.as_deref().map(json_column).transpose()?,
        attempts: row.get(11)?,
        folded: json_column(&row.get::<_, String>(12)?)?,
        created_at: row.get(13)?,
        updated_at: row.get(14)?,
        report_id: row.get(15)?,
        cancellation_reasons: row
            .get::<_, Option<String>>(16)?
            .as_deref()
            .map(json_column)
            .transpose()?
            .unwrap_or_default(),
        // Orders stored before keys were kept get theirs when next claimed.
        keys: StepKeys {
            candidate: row.get::<_, Option<String>>(17)?.unwrap_or_default(),
            candidate_update: row.get::<_, Option<String>>(18)?.unwrap_or_default(),
            invitation: row.get::<_, Option<String>>(19)?.unwrap_or_default(),
        },
        invitation_first_sent: row.get(20)?,
        lease_until: row.get(21)?,
        busy: row.get(22)?,
    })
}

/// The account with its token still sealed; [`SqliteStore::account`] opens it.
fn account_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(AccountRecord, Option<String>)> {
    Ok((
        AccountRecord {
            id: row.get(0)?,
            name: row.get(1)?,
            checkr_account_id: row.get(2)?,
            access_token: None,
            customer_type: customer_type_from(&row.get::<_, String>(4)?),
            credentialed: row.get(5)?,
            connection: ConnectionState::parse(&row.get::<_, String>(6)?),
        },
        row.get(3)?,
    ))
}

/// Handle to the database file; cheap to clone. Access tokens pass through its [`Vault`], so
/// the file never holds one readably.
#[derive(Clone)]
pub(super) struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
    pub(super) vault: Vault,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path, vault: Vault) -> anyhow::Result<Self> {
        create_private_file(path)
            .with_context(|| format!("creating the database at {}", path.display()))?;
        let mut connection = Connection::open(path)
            .with_context(|| format!("opening the database at {}", path.display()))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        // A webhook is acknowledged only once on disk, and an order step only once it
        // survives a power cut: FULL syncs the WAL at every commit. Webhooks are committed in
        // batches (see `record_events`) so that costs one sync per batch.
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut connection)?;
        sealing::check_and_reseal(&mut connection, &vault, &path.display().to_string())?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            vault,
        })
    }

    /// Runs `work` on the connection off the async runtime's threads.
    pub(super) async fn call<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut guard = connection
                .lock()
                .map_err(|_| anyhow::anyhow!("the database lock was poisoned"))?;
            work(&mut guard).map_err(anyhow::Error::from)
        })
        .await
        .context("database task failed")?
    }

    /// Inserts the account or replaces its fields.
    pub async fn upsert_account(&self, account: AccountRecord) -> anyhow::Result<()> {
        let sealed = account
            .access_token
            .as_ref()
            .map(|token| self.vault.seal(token.expose(), &token_context(&account.id)))
            .transpose()?;
        let token_digest = account
            .access_token
            .as_ref()
            .map(|token| digest(token.expose()));
        self.call(move |db| {
            db.execute(
                "INSERT INTO accounts (id, name, checkr_account_id, access_token, customer_type, \
                 credentialed, connection, token_digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT(id) DO UPDATE SET name = ?2, checkr_account_id = ?3, \
                 access_token = ?4, customer_type = ?5, credentialed = ?6, connection = ?7, \
                 token_digest = ?8",
                params![
                    account.id,
                    account.name,
                    account.checkr_account_id,
                    sealed,
                    account.customer_type.as_str(),
                    account.credentialed,
                    account.connection.as_str(),
                    token_digest,
                ],
            )
            .map(drop)
        })
        .await
    }

    /// Creates the account if the ATS names one this proxy has not seen; never changes an
    /// existing one.
    pub async fn ensure_account(&self, id: &str, name: &str) -> anyhow::Result<()> {
        let (id, name) = (id.to_owned(), name.to_owned());
        self.call(move |db| {
            db.execute(
                "INSERT INTO accounts (id, name) VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING",
                params![id, name],
            )
            .map(drop)
        })
        .await
    }

    /// Changes how the account's users are told about results.
    pub async fn set_customer_type(
        &self,
        id: &str,
        customer_type: CustomerType,
    ) -> anyhow::Result<bool> {
        let id = id.to_owned();
        self.call(move |db| {
            db.execute(
                "UPDATE accounts SET customer_type = ?2 WHERE id = ?1",
                params![id, customer_type.as_str()],
            )
            .map(|changed| changed == 1)
        })
        .await
    }

    /// The account with this ATS id.
    pub async fn account(&self, id: &str) -> anyhow::Result<Option<AccountRecord>> {
        let id = id.to_owned();
        let row = self
            .call(move |db| {
                db.query_row(
                    "SELECT id, name, checkr_account_id, access_token, customer_type, \
                     credentialed, connection FROM accounts WHERE id = ?1",
                    [id],
                    account_from_row,
                )
                .optional()
            })
            .await?;
        row.map(|(mut account, sealed)| {
            account.access_token = sealed
                .map(|sealed| self.vault.open(&sealed, &token_context(&account.id)))
                .transpose()?
                .map(|opened| opened.secret);
            Ok(account)
        })
        .transpose()
    }

    /// The provider candidate already created for this applicant in this region (R7, R9).
    pub async fn candidate(
        &self,
        account_id: &str,
        custom_id: &str,
        region: Region,
    ) -> anyhow::Result<Option<KnownCandidate>> {
        let (account_id, custom_id) = (account_id.to_owned(), custom_id.to_owned());
        self.call(move |db| {
            db.query_row(
                "SELECT checkr_candidate_id, details FROM candidates \
                 WHERE account_id = ?1 AND custom_id = ?2 AND region = ?3",
                params![account_id, custom_id, region_name(region)],
                |row| {
                    let details: Option<String> = row.get(1)?;
                    Ok(KnownCandidate {
                        id: row.get(0)?,
                        // Unreadable details count as unknown: the caller re-sends contact fields.
                        details: details.and_then(|text| serde_json::from_str(&text).ok()),
                    })
                },
            )
            .optional()
        })
        .await
    }

    /// Creates an order in the `Drafted` step, claimed by its creator's `lease`, with fresh
    /// Idempotency-Keys for its steps.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_order(
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
        let lease = lease.clone();
        let origin = origin.clone();
        let ordered_by = origin.ordered.actor.clone();
        let (account_id, custom_id, now) =
            (account_id.to_owned(), custom_id.to_owned(), now.to_owned());
        self.call(move |db| {
            let transaction = db.transaction()?;
            let next: i64 = transaction.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM orders",
                [],
                |row| row.get(0),
            )?;
            let id = format!("ord_{next:06}");
            transaction.execute(
                "INSERT INTO orders (seq, id, account_id, custom_id, region, ordered_by, draft, \
                 step, folded, created_at, updated_at, candidate_key, candidate_update_key, \
                 invitation_key, lease_owner, lease_until) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    next,
                    id,
                    account_id,
                    custom_id,
                    region_name(region),
                    ordered_by,
                    draft_json,
                    OrderStep::Drafted.as_str(),
                    folded_json,
                    now,
                    keys.candidate,
                    keys.candidate_update,
                    keys.invitation,
                    lease.owner,
                    lease.until,
                ],
            )?;
            let record = transaction.query_row(
                &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?1"),
                [&id],
                order_from_row,
            )?;
            outbox::order_created(&transaction, &record)?;
            manage::record_origin_in(&transaction, &record, &origin)?;
            transaction.commit()?;
            Ok(record)
        })
        .await
    }

    /// Records a created (or reused) candidate on the order and, for reuse by later orders,
    /// against the applicant and region with the details it was sent — in one transaction,
    /// before the invitation is tried. `false` when `owner` no longer holds the order.
    pub async fn record_candidate(
        &self,
        order: &OrderRecord,
        owner: &str,
        candidate_id: &str,
        details: &serde_json::Map<String, serde_json::Value>,
        now: &str,
    ) -> anyhow::Result<bool> {
        let details = serde_json::to_string(details)?;
        let (order_id, account_id, custom_id, region, candidate_id, owner, now) = (
            order.id.clone(),
            order.account_id.clone(),
            order.custom_id.clone(),
            region_name(order.region),
            candidate_id.to_owned(),
            owner.to_owned(),
            now.to_owned(),
        );
        self.call(move |db| {
            let transaction = db.transaction()?;
            let updated = transaction.execute(
                "UPDATE orders SET step = ?2, candidate_id = ?3, failure = NULL, updated_at = ?4 \
                 WHERE id = ?1 AND lease_owner = ?5",
                params![
                    order_id,
                    OrderStep::CandidateCreated.as_str(),
                    candidate_id,
                    now,
                    owner
                ],
            )?;
            if updated == 0 {
                return Ok(false);
            }
            // A replacement candidate (corrected name) takes over the applicant's mapping.
            transaction.execute(
                "INSERT INTO candidates (account_id, custom_id, region, checkr_candidate_id, \
                 created_at, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT DO UPDATE SET checkr_candidate_id = ?4, details = ?6",
                params![account_id, custom_id, region, candidate_id, now, details],
            )?;
            transaction.commit()?;
            Ok(true)
        })
        .await
    }

    /// Notes that the invitation is about to be sent (the first time only: Checkr's replay
    /// window runs from then). `false` when `owner` no longer holds the order.
    pub async fn mark_invitation_sending(
        &self,
        order_id: &str,
        owner: &str,
        unix_now: i64,
    ) -> anyhow::Result<bool> {
        let (order_id, owner) = (order_id.to_owned(), owner.to_owned());
        self.call(move |db| {
            db.execute(
                "UPDATE orders SET invitation_first_sent = COALESCE(invitation_first_sent, ?3) \
                 WHERE id = ?1 AND lease_owner = ?2",
                params![order_id, owner, unix_now],
            )
            .map(|updated| updated == 1)
        })
        .await
    }

    /// Records a created invitation and the status it starts in, releases the lease, and
    /// folds in the invitation's (and its report's) events that arrived before the order was
    /// linked to them. `None` when `owner` no longer holds the order.
    pub async fn record_invitation(
        &self,
        order_id: &str,
        owner: &str,
        invitation_id: &str,
        invitation_url: Option<&str>,
        folded: &FoldedOrder,
        now: &str,
    ) -> anyhow::Result<Option<OrderRecord>> {
        let folded = serde_json::to_string(folded)?;
        let (order_id, owner, invitation_id, invitation_url, now) = (
            order_id.to_owned(),
            owner.to_owned(),
            invitation_id.to_owned(),
            invitation_url.map(str::to_owned),
            now.to_owned(),
        );
        self.call(move |db| {
            let transaction = db.transaction()?;
            let updated = transaction.execute(
                "UPDATE orders SET step = ?2, invitation_id = ?3, invitation_url = ?4, \
                 folded = ?5, failure = NULL, updated_at = ?6, lease_owner = NULL, \
                 lease_until = NULL, busy = 0 WHERE id = ?1 AND lease_owner = ?7",
                params![
                    order_id,
                    OrderStep::Invited.as_str(),
                    invitation_id,
                    invitation_url,
                    folded,
                    now,
                    owner
                ],
            )?;
            let Some(mut order) =
                load_order(&transaction, "id = ?1", [&order_id])?.filter(|_| updated == 1)
            else {
                return Ok(None);
            };
            // Events that arrived before this link are folded now; a tie among them is settled
            // by a read, as it would have been had the order been linked already.
            let checkr_account: Option<String> = transaction
                .query_row(
                    "SELECT checkr_account_id FROM accounts WHERE id = ?1",
                    [&order.account_id],
                    |row| row.get(0),
                )
                .optional()?
                .flatten();
            // Only events the linked Checkr account sent belong to this order; an account
            // that is not linked has none.
            if let Some(account) = &checkr_account {
                let replayed = replay_stored(&transaction, &mut order, &invitation_id, account)?;
                if replayed.needs_read {
                    want_read(
                        &transaction,
                        ReadObject::Invitation,
                        &invitation_id,
                        account,
                    )?;
                }
                if order.report_id.is_none()
                    && let Some(report_id) = replayed.report_ids.into_iter().next()
                {
                    order.report_id = Some(report_id.clone());
                    if replay_stored(&transaction, &mut order, &report_id, account)?.needs_read {
                        want_read(&transaction, ReadObject::Report, &report_id, account)?;
                    }
                }
            }
            save_folded(&transaction, &order, &now)?;
            transaction.commit()?;
            Ok(Some(order))
        })
        .await
    }

    /// Records a failed step with the provider's explanation and releases the lease. `false`
    /// when `owner` no longer holds the order.
    pub async fn record_failure(
        &self,
        order_id: &str,
        owner: &str,
        step: OrderStep,
        failure: &Failure,
        now: &str,
    ) -> anyhow::Result<bool> {
        let (order_id, owner, failure, now) = (
            order_id.to_owned(),
            owner.to_owned(),
            to_json(failure)?,
            now.to_owned(),
        );
        self.call(move |db| {
            let transaction = db.transaction()?;
            let updated = transaction.execute(
                "UPDATE orders SET step = ?2, failure = ?3, updated_at = ?4, lease_owner = NULL, \
                 lease_until = NULL, busy = 0 WHERE id = ?1 AND lease_owner = ?5",
                params![order_id, step.as_str(), failure, now, owner],
            )?;
            if updated == 1 {
                outbox::order_failed(&transaction, &order_id)?;
            }
            transaction.commit()?;
            Ok(updated == 1)
        })
        .await
    }

    /// Checkr asked to wait: the order stays in its sending step, marked busy, and the lease
    /// becomes the time of the next automatic attempt (the reconciler takes it from there).
    /// `false` when `owner` no longer holds the order.
    pub async fn record_busy(
        &self,
        order_id: &str,
        owner: &str,
        retry_at: i64,
        now: &str,
    ) -> anyhow::Result<bool> {
        let (order_id, owner, now) = (order_id.to_owned(), owner.to_owned(), now.to_owned());
        self.call(move |db| {
            db.execute(
                "UPDATE orders SET busy = 1, lease_owner = 'waiting-for-checkr', \
                 lease_until = ?3, updated_at = ?4 WHERE id = ?1 AND lease_owner = ?2",
                params![order_id, owner, retry_at, now],
            )
            .map(|updated| updated == 1)
        })
        .await
    }

    /// Claims an order for sending, atomically: only a failed step or a sending step whose
    /// lease is free (never held, or expired at `unix_now`) can be claimed, and the claim moves
    /// it to the step it is sent from, so every viewer sees "Sending".
    pub async fn claim_order(
        &self,
        account_id: &str,
        order_id: &str,
        lease: &LeaseGrant,
        unix_now: i64,
        now: &str,
        audit: &AuditEntry,
    ) -> anyhow::Result<Claim> {
        let (account_id, order_id, lease, now, audit) = (
            account_id.to_owned(),
            order_id.to_owned(),
            lease.clone(),
            now.to_owned(),
            audit.clone(),
        );
        let fresh = StepKeys::generate();
        self.call(move |db| {
            let transaction = db.transaction()?;
            let Some(order) = load_order(
                &transaction,
                "account_id = ?1 AND id = ?2",
                [&account_id, &order_id],
            )?
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
            transaction.execute(
                "UPDATE orders SET step = ?2, lease_owner = ?3, lease_until = ?4, \
                 failure = NULL, updated_at = ?5, \
                 candidate_key = COALESCE(candidate_key, ?6), \
                 candidate_update_key = COALESCE(candidate_update_key, ?7), \
                 invitation_key = COALESCE(invitation_key, ?8) WHERE id = ?1",
                params![
                    order.id,
                    resumed.as_str(),
                    lease.owner,
                    lease.until,
                    now,
                    fresh.candidate,
                    fresh.candidate_update,
                    fresh.invitation,
                ],
            )?;
            let claimed = load_order(&transaction, "id = ?1", [&order.id])?;
            if let Some(claimed) = &claimed {
                outbox::order_changed(&transaction, claimed)?;
                manage::append_audit_in(&transaction, &about(&audit, &claimed.id))?;
            }
            transaction.commit()?;
            Ok(claimed.map_or(Claim::Missing, Claim::Claimed))
        })
        .await
    }

    /// Orders stopped on their way (a sending step whose lease is free at `unix_now`), as
    /// `(account, order)` ids, oldest first: what the reconciler resumes.
    pub async fn stalled_orders(&self, unix_now: i64) -> anyhow::Result<Vec<(String, String)>> {
        self.call(move |db| {
            let mut statement = db.prepare(
                "SELECT account_id, id FROM orders WHERE step IN (?1, ?2) \
                 AND (lease_until IS NULL OR lease_until <= ?3) ORDER BY seq",
            )?;
            let rows = statement.query_map(
                params![
                    OrderStep::Drafted.as_str(),
                    OrderStep::CandidateCreated.as_str(),
                    unix_now
                ],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            rows.collect()
        })
        .await
    }

    /// Voids every sender's lease. Only at start: one proxy process owns a SQLite file, so
    /// any lease in it belongs to a run that has ended (a PostgreSQL store shared by several
    /// proxies would let leases expire instead).
    pub async fn release_all_leases(&self) -> anyhow::Result<usize> {
        self.call(move |db| {
            db.execute(
                "UPDATE orders SET lease_owner = NULL, lease_until = NULL \
                 WHERE lease_owner IS NOT NULL AND lease_owner <> 'waiting-for-checkr'",
                [],
            )
        })
        .await
    }

    /// Whether any order of the account is already linked to this invitation.
    pub async fn invitation_is_linked(
        &self,
        account_id: &str,
        invitation_id: &str,
    ) -> anyhow::Result<bool> {
        let (account_id, invitation_id) = (account_id.to_owned(), invitation_id.to_owned());
        self.call(move |db| {
            db.query_row(
                "SELECT EXISTS (SELECT 1 FROM orders WHERE account_id = ?1 AND invitation_id = ?2)",
                [account_id, invitation_id],
                |row| row.get(0),
            )
        })
        .await
    }

    /// Counts one more attempt at placing the order.
    pub async fn count_attempt(&self, order_id: &str) -> anyhow::Result<u32> {
        let order_id = order_id.to_owned();
        self.call(move |db| {
            db.query_row(
                "UPDATE orders SET attempts = attempts + 1 WHERE id = ?1 RETURNING attempts",
                [order_id],
                |row| row.get(0),
            )
        })
        .await
    }

    /// One order of an account.
    pub async fn order(
        &self,
        account_id: &str,
        order_id: &str,
    ) -> anyhow::Result<Option<OrderRecord>> {
        let (account_id, order_id) = (account_id.to_owned(), order_id.to_owned());
        self.call(move |db| {
            db.query_row(
                &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = ?1 AND id = ?2"),
                [account_id, order_id],
                order_from_row,
            )
            .optional()
        })
        .await
    }

    /// Every order of one applicant, newest first.
    pub async fn orders_for_candidate(
        &self,
        account_id: &str,
        custom_id: &str,
    ) -> anyhow::Result<Vec<OrderRecord>> {
        let (account_id, custom_id) = (account_id.to_owned(), custom_id.to_owned());
        self.call(move |db| {
            let mut statement = db.prepare(&format!(
                "SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = ?1 AND custom_id = ?2 \
                 ORDER BY seq DESC"
            ))?;
            let rows = statement.query_map([account_id, custom_id], order_from_row)?;
            rows.collect()
        })
        .await
    }

    /// Every order of several applicants, newest first, in one query.
    pub async fn orders_for_candidates(
        &self,
        account_id: &str,
        custom_ids: &[String],
    ) -> anyhow::Result<Vec<OrderRecord>> {
        if custom_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut params = Vec::with_capacity(custom_ids.len() + 1);
        params.push(account_id.to_owned());
        params.extend(custom_ids.iter().cloned());
        self.call(move |db| {
            let placeholders = vec!["?"; params.len() - 1].join(", ");
            let mut statement = db.prepare(&format!(
                "SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = ? \
                 AND custom_id IN ({placeholders}) ORDER BY seq DESC"
            ))?;
            let rows =
                statement.query_map(rusqlite::params_from_iter(params.iter()), order_from_row)?;
            rows.collect()
        })
        .await
    }
}

impl SqliteStore {
    /// Records webhook events and applies them, all in one transaction (one disk sync for
    /// the batch); each event runs in its own savepoint, so one that fails leaves the others
    /// recorded. When this returns, every `Ok` in it is durable and its effects are visible.
    pub async fn record_events(
        &self,
        batch: Vec<(Event, String, String)>,
    ) -> anyhow::Result<Vec<anyhow::Result<EventRecorded>>> {
        self.call(move |db| {
            let mut transaction = db.transaction()?;
            let mut outcomes = Vec::with_capacity(batch.len());
            for (event, raw, now) in batch {
                let mut savepoint = transaction.savepoint()?;
                let outcome = record_in(&savepoint, &event, &raw, &now);
                if outcome.is_err() {
                    savepoint.rollback()?;
                }
                savepoint.commit()?;
                outcomes.push(outcome.map_err(anyhow::Error::from));
            }
            transaction.commit()?;
            Ok(outcomes)
        })
        .await
    }

    /// Blanks the raw bodies of webhook events received before `before` (RFC 3339); their
    /// id, type, object and time stay for deduplication. Returns how many were pruned.
    pub async fn prune_event_payloads(&self, before: &str) -> anyhow::Result<usize> {
        let before = before.to_owned();
        self.call(move |db| {
            db.execute(
                "UPDATE webhook_events SET payload = '' WHERE received_at < ?1 AND payload <> ''",
                [before],
            )
        })
        .await
    }

    /// Stores why screenings of an order's report were canceled.
    pub async fn set_cancellation_reasons(
        &self,
        order_id: &str,
        reasons: Vec<String>,
    ) -> anyhow::Result<Option<OrderRecord>> {
        let order_id = order_id.to_owned();
        let reasons = serde_json::to_string(&reasons)?;
        self.call(move |db| {
            db.execute(
                "UPDATE orders SET cancellation_reasons = ?2 WHERE id = ?1",
                params![order_id, reasons],
            )?;
            db.query_row(
                &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?1"),
                [order_id],
                order_from_row,
            )
            .optional()
        })
        .await
    }

    /// Links the ATS account to a provider account after OAuth, as [`decide_link`] rules;
    /// nothing changes unless the decision links. Ordering waits for `account.credentialed`
    /// unless it already arrived for that provider account, and a token whose
    /// `token.deauthorized` overtook this callback is stored as deauthorized.
    pub async fn connect_account(
        &self,
        id: &str,
        checkr_account_id: &str,
        token: &Secret,
    ) -> anyhow::Result<LinkOutcome> {
        let sealed = self.vault.seal(token.expose(), &token_context(id))?;
        let token_digest = digest(token.expose());
        let (id, checkr_account_id) = (id.to_owned(), checkr_account_id.to_owned());
        self.call(move |db| {
            let transaction = db.transaction()?;
            let holding = |row: &rusqlite::Row<'_>| -> rusqlite::Result<(Option<String>, String)> {
                Ok((row.get(0)?, row.get(1)?))
            };
            let this = transaction
                .query_row(
                    "SELECT checkr_account_id, connection FROM accounts WHERE id = ?1",
                    [&id],
                    holding,
                )
                .optional()?;
            let other = transaction
                .query_row(
                    "SELECT checkr_account_id, connection FROM accounts \
                     WHERE checkr_account_id = ?1 AND id <> ?2",
                    params![checkr_account_id, id],
                    holding,
                )
                .optional()?;
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
            let decision = decide_link(as_holding(&this), as_holding(&other), &checkr_account_id);
            match decision {
                LinkDecision::ConnectedElsewhere | LinkDecision::HeldByAnotherAccount => {
                    return Ok(LinkOutcome::Refused(decision));
                }
                LinkDecision::Connect | LinkDecision::Refresh => {}
            }
            // A released holder gives the provider account up, with anything left of its token.
            transaction.execute(
                "UPDATE accounts SET checkr_account_id = NULL, access_token = NULL, \
                 token_digest = NULL, credentialed = 0 WHERE checkr_account_id = ?1 AND id <> ?2",
                params![checkr_account_id, id],
            )?;
            let already_credentialed: bool = transaction.query_row(
                "SELECT EXISTS (SELECT 1 FROM webhook_events WHERE type = 'account.credentialed' \
                 AND account_id = ?1)",
                [&checkr_account_id],
                |row| row.get(0),
            )?;
            // token.deauthorized can overtake the callback that stores the token it revokes.
            let already_revoked: bool = transaction.query_row(
                "SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE token_digest = ?1)",
                [&token_digest],
                |row| row.get(0),
            )?;
            // Reads that waited for a connection to this provider account can go now.
            transaction.execute(
                "UPDATE pending_reads SET not_before = NULL WHERE checkr_account_id = ?1",
                [&checkr_account_id],
            )?;
            if already_revoked {
                transaction.execute(
                    "UPDATE accounts SET checkr_account_id = ?2, access_token = NULL, \
                     token_digest = NULL, connection = 'deauthorized', credentialed = 0 \
                     WHERE id = ?1",
                    params![id, checkr_account_id],
                )?;
            } else {
                transaction.execute(
                    "UPDATE accounts SET checkr_account_id = ?2, access_token = ?3, token_digest = ?4, \
                     connection = 'connected', credentialed = MAX(credentialed, ?5) WHERE id = ?1",
                    params![id, checkr_account_id, sealed, token_digest, already_credentialed],
                )?;
            }
            outbox::accounts_changed(&transaction, "a.id = ?1", [&id])?;
            transaction.commit()?;
            Ok(LinkOutcome::Linked(if already_revoked {
                ConnectionState::Deauthorized
            } else {
                ConnectionState::Connected
            }))
        })
        .await
    }

    /// Marks the account disconnected and forgets its token.
    pub async fn disconnect_account(&self, id: &str) -> anyhow::Result<()> {
        let id = id.to_owned();
        self.call(move |db| {
            let transaction = db.transaction()?;
            transaction.execute(
                "UPDATE accounts SET connection = 'deauthorized', access_token = NULL, \
                 token_digest = NULL, credentialed = 0 WHERE id = ?1",
                [&id],
            )?;
            outbox::accounts_changed(&transaction, "a.id = ?1", [&id])?;
            transaction.commit()
        })
        .await
    }
}

/// Records one event and applies it within the caller's transaction.
fn record_in(
    transaction: &rusqlite::Connection,
    event: &Event,
    raw: &str,
    now: &str,
) -> rusqlite::Result<EventRecorded> {
    let object_id = event.data.object.id.clone();
    let inserted = transaction.execute(
        "INSERT INTO webhook_events (id, type, account_id, object_id, created_at, received_at, \
         outcome, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'stored', ?7) ON CONFLICT(id) DO NOTHING",
        params![
            event.id,
            event.type_name,
            event.account_id,
            object_id,
            event.created_at.as_str(),
            now,
            raw,
        ],
    )?;
    if inserted == 0 {
        return Ok(EventRecorded::Duplicate);
    }
    apply_event(transaction, event, now)
}

pub(super) fn load_order(
    transaction: &rusqlite::Connection,
    condition: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Option<OrderRecord>> {
    transaction
        .query_row(
            &format!(
                "SELECT {ORDER_COLUMNS} FROM orders WHERE {condition} ORDER BY seq DESC LIMIT 1"
            ),
            args,
            order_from_row,
        )
        .optional()
}

pub(super) fn save_folded(
    transaction: &rusqlite::Connection,
    order: &OrderRecord,
    now: &str,
) -> rusqlite::Result<()> {
    transaction.execute(
        "UPDATE orders SET folded = ?2, report_id = ?3, updated_at = ?4 WHERE id = ?1",
        params![order.id, to_json(&order.folded)?, order.report_id, now],
    )?;
    outbox::order_changed(transaction, order)
}

/// What replaying stored events found.
#[derive(Debug, Default)]
pub(crate) struct Replayed {
    /// Some event needs a read of its object to settle (see [`Outcome::NeedsRead`]).
    pub(crate) needs_read: bool,
    /// The report ids those events named.
    pub(crate) report_ids: Vec<String>,
}

/// Folds every stored event that `checkr_account_id` sent about `object_id` into `order`
/// (events that arrived before the order could be linked to them). Object ids are only
/// unique within a Checkr account, so an event of another account never reaches the order.
pub(super) fn replay_stored(
    transaction: &rusqlite::Connection,
    order: &mut OrderRecord,
    object_id: &str,
    checkr_account_id: &str,
) -> rusqlite::Result<Replayed> {
    let mut statement = transaction.prepare(
        "SELECT payload FROM webhook_events WHERE object_id = ?1 AND account_id = ?2 \
         ORDER BY rowid",
    )?;
    let payloads: Vec<String> = statement
        .query_map([object_id, checkr_account_id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut replayed = Replayed::default();
    for payload in payloads {
        if let Ok(event) = serde_json::from_str::<Event>(&payload) {
            replayed.needs_read |= order.folded.apply(&event) == Outcome::NeedsRead;
            replayed
                .report_ids
                .extend(event.data.object.report_id.clone());
        }
    }
    Ok(replayed)
}

fn apply_event(
    transaction: &rusqlite::Connection,
    event: &Event,
    now: &str,
) -> rusqlite::Result<EventRecorded> {
    let object = &event.data.object;
    let provider_account = event.account_id.clone().unwrap_or_default();
    // Orders are only ever touched through the provider account the event came from.
    let scope = "account_id IN (SELECT id FROM accounts WHERE checkr_account_id = ?1)";
    let mut changed = Vec::new();
    match subject(event) {
        Subject::Credentialed => {
            // When it overtakes the OAuth callback no account matches yet; the event stays
            // recorded and connect_account finds it the moment the connection is stored.
            transaction.execute(
                "UPDATE accounts SET credentialed = 1 WHERE checkr_account_id = ?1",
                [&provider_account],
            )?;
            outbox::accounts_changed(transaction, "a.checkr_account_id = ?1", [&provider_account])?;
        }
        Subject::Revoked(access_code) => {
            // account_id here is the partner's own account; the revoked token names the
            // customer. Matching on the token's digest means a revocation of an old token
            // never touches a newer connection, and one that overtakes the callback storing
            // its token is remembered for connect_account.
            let revoked = digest(access_code);
            transaction.execute(
                "INSERT INTO revoked_tokens (token_digest, revoked_at) VALUES (?1, ?2) \
                 ON CONFLICT DO NOTHING",
                params![revoked, now],
            )?;
            // Found before the update, which forgets the token they are found by.
            let holders = outbox::token_holders(transaction, &revoked)?;
            transaction.execute(
                "UPDATE accounts SET connection = 'deauthorized', access_token = NULL, \
                 token_digest = NULL, credentialed = 0 WHERE token_digest = ?1",
                [&revoked],
            )?;
            for holder in holders {
                outbox::accounts_changed(transaction, "a.id = ?1", [holder])?;
            }
        }
        Subject::Invitation(invitation_id) => {
            supersede_read(transaction, invitation_id, &provider_account)?;
            if let Some(mut order) = load_order(
                transaction,
                &format!("invitation_id = ?2 AND {scope}"),
                params![provider_account, invitation_id],
            )? {
                if order.folded.apply(event) == Outcome::NeedsRead {
                    want_read(
                        transaction,
                        ReadObject::Invitation,
                        invitation_id,
                        &provider_account,
                    )?;
                }
                if let (None, Some(report_id)) = (&order.report_id, &object.report_id) {
                    order.report_id = Some(report_id.clone());
                    if replay_stored(transaction, &mut order, report_id, &provider_account)?
                        .needs_read
                    {
                        want_read(
                            transaction,
                            ReadObject::Report,
                            report_id,
                            &provider_account,
                        )?;
                    }
                }
                save_folded(transaction, &order, now)?;
                changed.push(order);
            }
        }
        Subject::Report {
            id: report_id,
            unlinked,
        } => {
            supersede_read(transaction, report_id, &provider_account)?;
            let linked = load_order(
                transaction,
                &format!("report_id = ?2 AND {scope}"),
                params![provider_account, report_id],
            )?;
            let needs_read = match (linked, unlinked) {
                (Some(mut order), _) => {
                    let outcome = order.folded.apply(event);
                    save_folded(transaction, &order, now)?;
                    changed.push(order);
                    outcome == Outcome::NeedsRead
                }
                (None, Unlinked::ReadFirst) => true,
                // A report event can beat invitation.completed: link it as the domain rules.
                (None, Unlinked::Match(report)) => {
                    match unlinked_for_report(transaction, &provider_account, report)? {
                        Some(mut order) => {
                            order.report_id = Some(report_id.to_owned());
                            let needs_read = replay_stored(
                                transaction,
                                &mut order,
                                report_id,
                                &provider_account,
                            )?
                            .needs_read;
                            save_folded(transaction, &order, now)?;
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
                )?;
            }
        }
        Subject::Nothing => {}
    }
    Ok(EventRecorded::Stored { changed })
}

/// The order a report no order is linked to belongs to, as [`ReportMatch::takes`] rules.
pub(super) fn unlinked_for_report(
    transaction: &rusqlite::Connection,
    provider_account: &str,
    report: ReportMatch<'_>,
) -> rusqlite::Result<Option<OrderRecord>> {
    let Some(candidate_id) = report.candidate_id else {
        return Ok(None);
    };
    let mut statement = transaction.prepare(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE candidate_id = ?2 AND \
         account_id IN (SELECT id FROM accounts WHERE checkr_account_id = ?1) ORDER BY seq DESC"
    ))?;
    let orders = statement.query_map(params![provider_account, candidate_id], order_from_row)?;
    for order in orders {
        let order = order?;
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

/// Creates the database file readable by its owner only; SQLite gives its `-wal` and `-shm`
/// files the same mode as the database itself.
#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(not(unix))]
fn create_private_file(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

fn migrate(connection: &mut Connection) -> anyhow::Result<()> {
    let transaction = connection.transaction()?;
    transaction
        .execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let applied: usize = transaction.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |row| row.get(0),
    )?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        transaction
            .execute_batch(migration)
            .with_context(|| format!("applying migration {}", index + 1))?;
        transaction.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [index + 1],
        )?;
    }
    transaction.commit()?;
    Ok(())
}

impl SqliteStore {
    /// Whether the database answers.
    pub(super) async fn ping(&self) -> anyhow::Result<()> {
        self.call(|db| db.query_row("SELECT 1", [], |_| Ok(())))
            .await
    }
}
