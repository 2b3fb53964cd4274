//! Reads of invitations and reports from Checkr that the fold asked for: requested in the
//! transaction that records the event (see `apply_event`), done by `crate::proxy::reread`,
//! and folded here.

use rusqlite::{OptionalExtension, params};

use crate::domain::events::EventObject;
use crate::domain::linking::ReportMatch;
use crate::domain::time::Timestamp;

use super::sealing::token_context;
use super::sqlite::SqliteStore;
use super::sqlite::{load_order, replay_stored, save_folded, unlinked_for_report};
use super::{OrderRecord, Secret};

/// Which Checkr resource a pending read fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadObject {
    /// `GET /v1/invitations/{id}?include_deleted=true`
    Invitation,
    /// `GET /v1/reports/{id}`
    Report,
}

impl ReadObject {
    pub(super) const fn as_str(self) -> &'static str {
        match self {
            ReadObject::Invitation => "invitation",
            ReadObject::Report => "report",
        }
    }

    pub(super) fn parse(name: &str) -> Self {
        if name == ReadObject::Invitation.as_str() {
            ReadObject::Invitation
        } else {
            ReadObject::Report
        }
    }
}

/// Asks for `object_id` to be read from Checkr, in the transaction that recorded why, so the
/// request is as durable as the event. An existing request is made due again, and any read
/// already under way is told (by the generation) that it began too early.
pub(super) fn want_read(
    transaction: &rusqlite::Connection,
    object: ReadObject,
    object_id: &str,
    checkr_account_id: &str,
) -> rusqlite::Result<()> {
    transaction.execute(
        "INSERT INTO pending_reads (object_id, object, checkr_account_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT(object_id) DO UPDATE SET generation = generation + 1, not_before = NULL",
        params![object_id, object.as_str(), checkr_account_id],
    )?;
    Ok(())
}

/// A new event about an object with a read under way: that read may predate the event, so it
/// must not be folded; the object is read again at once.
pub(super) fn supersede_read(
    transaction: &rusqlite::Connection,
    object_id: &str,
    checkr_account_id: &str,
) -> rusqlite::Result<()> {
    transaction.execute(
        "UPDATE pending_reads SET generation = generation + 1, not_before = NULL \
         WHERE object_id = ?1 AND checkr_account_id = ?2",
        [object_id, checkr_account_id],
    )?;
    Ok(())
}

/// A read of an invitation or report the fold asked for (see [`Outcome::NeedsRead`]).
#[derive(Debug, Clone)]
pub struct PendingRead {
    /// Checkr's id of the object.
    pub object_id: String,
    /// Which resource it is.
    pub object: ReadObject,
    /// The customer's Checkr account, whose token reads it.
    pub checkr_account_id: String,
    /// Bumped by every event about the object; a read is folded only if it is unchanged.
    pub generation: i64,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// What folding a read did.
#[derive(Debug)]
pub enum ReadApplied {
    /// Folded and the request removed; these orders changed.
    Done {
        /// Orders as they now stand.
        changed: Vec<OrderRecord>,
    },
    /// An event about the object arrived after the read began: the read was not folded and
    /// the request stays, to be read again.
    Superseded,
}

fn pending_read_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PendingRead> {
    Ok(PendingRead {
        object_id: row.get(0)?,
        object: ReadObject::parse(&row.get::<_, String>(1)?),
        checkr_account_id: row.get(2)?,
        generation: row.get(3)?,
        attempts: row.get(4)?,
    })
}

const PENDING_READ_COLUMNS: &str = "object_id, object, checkr_account_id, generation, attempts";

impl SqliteStore {
    /// Reads that are due at `now_unix` (all of them with `include_backed_off`, as at start).
    pub async fn due_reads(
        &self,
        now_unix: i64,
        include_backed_off: bool,
    ) -> anyhow::Result<Vec<PendingRead>> {
        self.call(move |db| {
            let mut statement = db.prepare(&format!(
                "SELECT {PENDING_READ_COLUMNS} FROM pending_reads \
                 WHERE ?2 OR not_before IS NULL OR not_before <= ?1 ORDER BY rowid LIMIT 100"
            ))?;
            let rows = statement
                .query_map(params![now_unix, include_backed_off], pending_read_from_row)?;
            rows.collect()
        })
        .await
    }

    /// The request to read `object_id`, if one is open.
    pub async fn pending_read(&self, object_id: &str) -> anyhow::Result<Option<PendingRead>> {
        let object_id = object_id.to_owned();
        self.call(move |db| {
            db.query_row(
                &format!("SELECT {PENDING_READ_COLUMNS} FROM pending_reads WHERE object_id = ?1"),
                [object_id],
                pending_read_from_row,
            )
            .optional()
        })
        .await
    }

    /// Records a failed read: tried again at `retry_at` (Unix seconds), or at once if an event
    /// about the object arrived meanwhile; `give_up` drops the request.
    pub async fn read_failed(
        &self,
        read: &PendingRead,
        error: &str,
        retry_at: i64,
        give_up: bool,
    ) -> anyhow::Result<()> {
        let (object_id, generation, error) =
            (read.object_id.clone(), read.generation, error.to_owned());
        self.call(move |db| {
            if give_up {
                db.execute(
                    "DELETE FROM pending_reads WHERE object_id = ?1 AND generation = ?2",
                    params![object_id, generation],
                )?;
            } else {
                db.execute(
                    "UPDATE pending_reads SET attempts = attempts + 1, not_before = ?3, \
                     last_error = ?4 WHERE object_id = ?1 AND generation = ?2",
                    params![object_id, generation, retry_at, error],
                )?;
            }
            Ok(())
        })
        .await
    }

    /// The access token of the connected ATS account linked to this Checkr account.
    pub async fn token_for_checkr_account(
        &self,
        checkr_account_id: &str,
    ) -> anyhow::Result<Option<Secret>> {
        let checkr_account_id = checkr_account_id.to_owned();
        let row: Option<(String, String)> = self
            .call(move |db| {
                db.query_row(
                    "SELECT id, access_token FROM accounts WHERE checkr_account_id = ?1 \
                     AND connection = 'connected' AND access_token IS NOT NULL",
                    [checkr_account_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
            })
            .await?;
        row.map(|(account_id, sealed)| {
            self.vault
                .open(&sealed, &token_context(&account_id))
                .map(|opened| opened.secret)
        })
        .transpose()
    }

    /// Folds an object read from Checkr into the order it belongs to (linking a report found
    /// only by the read) and closes the request, unless an event about the object arrived
    /// after the read began.
    pub async fn apply_read(
        &self,
        read: &PendingRead,
        object: EventObject,
        now: String,
    ) -> anyhow::Result<ReadApplied> {
        let read = read.clone();
        self.call(move |db| {
            let transaction = db.transaction()?;
            let generation: Option<i64> = transaction
                .query_row(
                    "SELECT generation FROM pending_reads WHERE object_id = ?1",
                    [&read.object_id],
                    |row| row.get(0),
                )
                .optional()?;
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
            // fold keeps that time, so this costs no look at the stored events; only orders
            // folded before it was kept fall back to scanning them.
            let as_of = |seen: Option<&Timestamp>| -> rusqlite::Result<Timestamp> {
                let newest = match seen {
                    Some(seen) => Some(seen.clone()),
                    None => {
                        newest_event_time(&transaction, &read.object_id, &read.checkr_account_id)?
                    }
                };
                Ok(newest.unwrap_or_else(|| {
                    Timestamp::parse(&now).unwrap_or_else(|_| Timestamp::from_unix_seconds(0))
                }))
            };
            let account = &read.checkr_account_id;
            let scope = "account_id IN (SELECT id FROM accounts WHERE checkr_account_id = ?1)";
            let mut changed = Vec::new();
            match read.object {
                ReadObject::Invitation => {
                    if let Some(mut order) = load_order(
                        &transaction,
                        &format!("invitation_id = ?2 AND {scope}"),
                        params![account, read.object_id],
                    )? {
                        let as_of = as_of(order.folded.newest_invitation_event())?;
                        order.folded.apply_read(&object, &as_of);
                        if let (None, Some(report_id)) = (&order.report_id, &object.report_id) {
                            order.report_id = Some(report_id.clone());
                            if replay_stored(&transaction, &mut order, report_id, account)?
                                .needs_read
                            {
                                want_read(&transaction, ReadObject::Report, report_id, account)?;
                            }
                        }
                        save_folded(&transaction, &order, &now)?;
                        changed.push(order);
                    }
                }
                ReadObject::Report => {
                    let linked = load_order(
                        &transaction,
                        &format!("report_id = ?2 AND {scope}"),
                        params![account, read.object_id],
                    )?;
                    let order =
                        match linked {
                            Some(order) => Some(order),
                            None => unlinked_for_report(
                                &transaction,
                                account,
                                ReportMatch::of(&object),
                            )?
                            .map(|mut order| -> rusqlite::Result<OrderRecord> {
                                order.report_id = Some(read.object_id.clone());
                                // Whatever these leave unsettled, the read settles next.
                                replay_stored(&transaction, &mut order, &read.object_id, account)?;
                                Ok(order)
                            })
                            .transpose()?,
                        };
                    if let Some(mut order) = order {
                        let as_of = as_of(order.folded.newest_report_event())?;
                        order.folded.apply_read(&object, &as_of);
                        save_folded(&transaction, &order, &now)?;
                        changed.push(order);
                    }
                }
            }
            transaction.execute(
                "DELETE FROM pending_reads WHERE object_id = ?1",
                [&read.object_id],
            )?;
            transaction.commit()?;
            Ok(ReadApplied::Done { changed })
        })
        .await
    }
}

/// The newest `created_at` among the recorded events the account sent about an object.
fn newest_event_time(
    transaction: &rusqlite::Connection,
    object_id: &str,
    checkr_account_id: &str,
) -> rusqlite::Result<Option<Timestamp>> {
    let mut statement = transaction.prepare(
        "SELECT created_at FROM webhook_events WHERE object_id = ?1 AND account_id = ?2",
    )?;
    let times: Vec<String> = statement
        .query_map([object_id, checkr_account_id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(times
        .iter()
        .filter_map(|text| Timestamp::parse(text).ok())
        .max_by(|a, b| a.cmp_instant(b)))
}
