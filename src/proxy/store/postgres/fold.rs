//! Folding events and reads into orders on PostgreSQL, under the provider account's lock.

use tokio_postgres::error::SqlState;
use tokio_postgres::{Row, Transaction};

use crate::domain::events::{Event, EventObject, Outcome};
use crate::domain::linking::{ReportMatch, Subject, Unlinked, subject};
use crate::domain::time::Timestamp;

use super::super::super::crypto::digest;
use super::super::super::secret::Secret;
use super::super::reads::{PendingRead, ReadApplied, ReadObject};
use super::super::sealing::token_context;
use super::super::{EventRecorded, OrderRecord};
use super::batch::{Unsettled, record_fast};
use super::{BATCH_TRIES, ORDER_COLUMNS, Params, PostgresStore, order_from_row};

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
pub(super) async fn lock_account(
    transaction: &Transaction<'_>,
    provider_account: &str,
) -> anyhow::Result<()> {
    transaction
        .execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('fold:' || $1, 0))",
            &[&provider_account],
        )
        .await?;
    Ok(())
}

pub(super) async fn load_order(
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

pub(super) async fn save_folded(
    transaction: &Transaction<'_>,
    order: &OrderRecord,
    now: &str,
) -> anyhow::Result<()> {
    // What the outbox needs comes back with the update: no extra round trip per event.
    let outbox = transaction
        .query_opt(
            &format!(
                "UPDATE orders SET folded = $2, report_id = $3, updated_at = $4 WHERE id = $1 \
                 RETURNING {}",
                super::outbox::ORDER_OUTBOX_STATE
            ),
            &[
                &order.id,
                &serde_json::to_string(&order.folded)?,
                &order.report_id,
                &now,
            ],
        )
        .await?;
    super::outbox::order_changed_given(transaction, order, outbox).await
}

/// What replaying stored events found.
#[derive(Debug, Default)]
pub(super) struct Replayed {
    pub(super) needs_read: bool,
    pub(super) report_ids: Vec<String>,
}

/// Folds every stored event that `checkr_account_id` sent about `object_id` into `order`.
/// Object ids are only unique within a Checkr account, so another account's event never
/// reaches the order.
pub(super) async fn replay_stored(
    transaction: &Transaction<'_>,
    order: &mut OrderRecord,
    object_id: &str,
    checkr_account_id: &str,
) -> anyhow::Result<Replayed> {
    let rows = transaction
        .query(
            "SELECT payload FROM webhook_events WHERE object_id = $1 AND account_id = $2 \
             ORDER BY received_at, id",
            &[&object_id, &checkr_account_id],
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

pub(super) async fn want_read(
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
            super::outbox::accounts_changed(
                transaction,
                "a.checkr_account_id = $1",
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
            // Found before the update, which forgets the token they are found by.
            let holders = super::outbox::token_holders(transaction, &revoked).await?;
            transaction
                .execute(
                    "UPDATE accounts SET connection = 'deauthorized', access_token = NULL, \
                     token_digest = NULL, credentialed = FALSE WHERE token_digest = $1",
                    &[&revoked],
                )
                .await?;
            for holder in holders {
                super::outbox::accounts_changed(transaction, "a.id = $1", &[&holder]).await?;
            }
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
                    if replay_stored(transaction, &mut order, report_id, &provider_account)
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
                            let needs_read = replay_stored(
                                transaction,
                                &mut order,
                                report_id,
                                &provider_account,
                            )
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

/// The newest `created_at` among the events `checkr_account_id` sent about an object.
async fn newest_event_time(
    transaction: &Transaction<'_>,
    object_id: &str,
    checkr_account_id: &str,
) -> anyhow::Result<Option<Timestamp>> {
    let rows = transaction
        .query(
            "SELECT created_at FROM webhook_events WHERE object_id = $1 AND account_id = $2",
            &[&object_id, &checkr_account_id],
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

impl PostgresStore {
    pub(in crate::proxy::store) async fn record_events(
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
        // All the batch's account locks at once, in one order: two instances' batches then
        // never hold one lock each while waiting for the other's.
        let mut accounts: Vec<&str> = batch
            .iter()
            .map(|(event, _, _)| event.account_id.as_deref().unwrap_or_default())
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        let connection = Unsettled::new(self.client().await?);
        let mut client = match record_fast(&connection, &accounts, batch).await {
            Ok(Some(outcomes)) => {
                connection.settle();
                return Ok(outcomes);
            }
            Ok(None) => match connection.settle() {
                Some(client) => client,
                None => self.client().await?,
            },
            // Dropping the connection unsettled closes it: PostgreSQL rolls back.
            Err(error) if is_contention(&error) => return Err(error),
            Err(error) => {
                drop(connection);
                tracing::debug!(error = %format!("{error:#}"), "webhook batch failed together; recording event by event");
                self.client().await?
            }
        };
        let mut transaction = client.transaction().await?;
        for account in accounts {
            lock_account(&transaction, account).await?;
        }
        // Even a batch of duplicates commits durably: the originals it found may have been
        // committed by a fast batch still waiting for its flush (see `batch`), and this
        // commit's flush covers theirs.
        transaction.execute("SELECT txid_current()", &[]).await?;
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

    pub(in crate::proxy::store) async fn due_reads(
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

    pub(in crate::proxy::store) async fn pending_read(
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

    pub(in crate::proxy::store) async fn read_failed(
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

    pub(in crate::proxy::store) async fn token_for_checkr_account(
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

    pub(in crate::proxy::store) async fn apply_read(
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
        // The read is authoritative up to the newest event about the object. The order's
        // fold keeps that time; only orders folded before it was kept scan the events.
        let as_of = async |seen: Option<&Timestamp>| -> anyhow::Result<Timestamp> {
            let newest = match seen {
                Some(seen) => Some(seen.clone()),
                None => newest_event_time(&transaction, &read.object_id, account).await?,
            };
            Ok(newest.unwrap_or_else(|| {
                Timestamp::parse(&now).unwrap_or_else(|_| Timestamp::from_unix_seconds(0))
            }))
        };
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
                    let as_of = as_of(order.folded.newest_invitation_event()).await?;
                    order.folded.apply_read(&object, &as_of);
                    if let (None, Some(report_id)) = (&order.report_id, &object.report_id) {
                        order.report_id = Some(report_id.clone());
                        if replay_stored(&transaction, &mut order, report_id, account)
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
                                replay_stored(&transaction, &mut order, &read.object_id, account)
                                    .await?;
                                Some(order)
                            }
                            None => None,
                        }
                    }
                };
                if let Some(mut order) = order {
                    let as_of = as_of(order.folded.newest_report_event()).await?;
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
}
