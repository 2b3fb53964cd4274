//! The common webhook batch in a handful of round trips: events about orders already linked
//! to their invitation or report are stored with one statement, their orders loaded and
//! locked with one, folded in memory in arrival order, and written back with one.
//!
//! The batch takes two round trips: `BEGIN`, the account locks, the insert and the load go
//! out together, and so do the writes and `COMMIT`. Without the driver's transaction guard,
//! a batch abandoned half-way must not hand its open transaction back to the pool: see
//! [`Unsettled`].
//!
//! The account lock is held from the load to the commit, and a durable commit waits for the
//! disk (several milliseconds here): with the flush inside the lock, two instances' batches
//! for one account would each wait for the other's flush. So the batch commits without
//! waiting (`synchronous_commit = off`, which releases its locks once the commit is
//! written), and a second, empty transaction that does wait follows on the same
//! connection: PostgreSQL flushes its log in order, so when that one is durable so is the
//! batch, and only then are the events acknowledged. Batches of several instances then
//! share flushes instead of queueing for them. Another transaction may see the batch a
//! moment before it is durable; a crash in that moment loses only events nobody
//! acknowledged, which Checkr delivers again.
//!
//! Anything rarer (a report to link, a replay of stored events, an account event) is left to
//! the event-by-event path, which then runs the whole batch as before: the fast path only
//! covers the cases where folding in memory provably gives what that path would.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::Object;

use crate::domain::events::{Event, Outcome};
use crate::domain::linking::{Subject, Unlinked, subject};

use super::super::outbox::{self as shared, NewEvent, types};
use super::super::reads::ReadObject;
use super::super::{EventRecorded, OrderRecord, customer_type_from};
use super::outbox::ORDER_OUTBOX_STATE;
use super::{ORDER_COLUMNS, Params, order_from_row};

/// One order as loaded for the batch, with what lookups need.
struct Loaded {
    order: OrderRecord,
    seq: i64,
    checkr_account_id: Option<String>,
    /// The `now` of the last event folded into it, if any.
    touched: Option<String>,
    /// The ATS outbox's view of the order, when the outbox is on.
    outbox: Option<Announced>,
}

/// What the ATS backend was last told about one order, and what folding told it since.
struct Announced {
    customer: crate::domain::checkr::CustomerType,
    badge: Option<String>,
    /// `order.status_changed` events, one per badge change, in the order they happened (as
    /// the event-by-event path writes them).
    events: Vec<NewEvent>,
}

impl Loaded {
    /// Queues `order.status_changed` if the last fold changed the order's badge.
    fn announce_change(&mut self) {
        let Some(announced) = &mut self.outbox else {
            return;
        };
        let badge = shared::badge_key(&self.order, announced.customer);
        if announced.badge.as_deref() != Some(badge.as_str()) {
            announced.events.push(shared::order_event(
                types::ORDER_STATUS_CHANGED,
                &self.order,
                announced.customer,
            ));
            announced.badge = Some(badge);
        }
    }
}

/// The orders of the batch, found as the event-by-event path's queries would find them.
struct Orders(Vec<Loaded>);

impl Orders {
    /// The newest order of `provider_account` that `matches`, as `load_order` picks it.
    fn find(
        &mut self,
        provider_account: &str,
        matches: impl Fn(&OrderRecord) -> bool,
    ) -> Option<&mut Loaded> {
        self.0
            .iter_mut()
            .filter(|loaded| loaded.checkr_account_id.as_deref() == Some(provider_account))
            .filter(|loaded| matches(&loaded.order))
            .max_by_key(|loaded| loaded.seq)
    }
}

/// The batch's stored events (one statement), and the orders they concern, locked.
async fn store_and_load(
    client: &Object,
    accounts: &[&str],
    batch: &[(Event, String, String)],
) -> anyhow::Result<(HashSet<String>, Orders)> {
    let lock = client
        .prepare_cached(
            "SELECT pg_advisory_xact_lock(hashtextextended('fold:' || a, 0)) \
             FROM unnest($1::text[]) AS a",
        )
        .await?;
    let insert = client
        .prepare_cached(
            "INSERT INTO webhook_events (id, type, account_id, object_id, created_at, \
             received_at, outcome, payload) \
             SELECT id, type, account_id, object_id, created_at, received_at, 'stored', payload \
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::text[]) AS e(id, type, account_id, object_id, created_at, received_at, payload) \
             ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .await?;
    let load = client
        .prepare_cached(&format!(
            "SELECT {ORDER_COLUMNS}, seq, \
             (SELECT checkr_account_id FROM accounts WHERE accounts.id = orders.account_id), \
             {ORDER_OUTBOX_STATE} \
             FROM orders WHERE account_id IN \
             (SELECT id FROM accounts WHERE checkr_account_id = ANY($1)) \
             AND (invitation_id = ANY($2) OR report_id = ANY($3)) FOR UPDATE"
        ))
        .await?;
    let column = |pick: fn(&Event, &str, &str) -> Option<String>| -> Vec<Option<String>> {
        batch
            .iter()
            .map(|(event, raw, now)| pick(event, raw, now))
            .collect()
    };
    let ids = column(|event, _, _| Some(event.id.clone()));
    let types = column(|event, _, _| Some(event.type_name.clone()));
    let senders = column(|event, _, _| event.account_id.clone());
    let objects = column(|event, _, _| event.data.object.id.clone());
    let created = column(|event, _, _| Some(event.created_at.as_str().to_owned()));
    let received = column(|_, _, now| Some(now.to_owned()));
    let payloads = column(|_, raw, _| Some(raw.to_owned()));
    let providers: Vec<&str> = batch
        .iter()
        .filter_map(|(event, _, _)| event.account_id.as_deref())
        .collect();
    let mut invitations = Vec::new();
    let mut reports = Vec::new();
    for (event, _, _) in batch {
        match subject(event) {
            Subject::Invitation(id) => invitations.push(id),
            Subject::Report { id, .. } => reports.push(id),
            Subject::Credentialed | Subject::Revoked(_) | Subject::Nothing => {}
        }
    }
    let insert_params: Params<'_> = &[
        &ids, &types, &senders, &objects, &created, &received, &payloads,
    ];
    let load_params: Params<'_> = &[&providers, &invitations, &reports];
    let lock_params: Params<'_> = &[&accounts];
    // All go out before any answer is awaited, and run in order: one round trip. The locks
    // come in one order (a function scan yields the array's elements in order), so two
    // instances' batches never hold one lock each while waiting for the other's.
    let ((), _, inserted, rows) = futures::try_join!(
        client.batch_execute("BEGIN; SET LOCAL synchronous_commit = off"),
        client.execute(&lock, lock_params),
        client.query(&insert, insert_params),
        client.query(&load, load_params),
    )?;
    let fresh = inserted
        .iter()
        .map(|row| row.try_get::<_, String>(0))
        .collect::<Result<_, _>>()?;
    let orders = rows
        .iter()
        .map(|row| {
            Ok(Loaded {
                order: order_from_row(row)?,
                seq: row.try_get(23)?,
                checkr_account_id: row.try_get(24)?,
                touched: None,
                outbox: match row.try_get::<_, Option<bool>>(25)? {
                    Some(true) => Some(Announced {
                        customer: customer_type_from(
                            row.try_get::<_, Option<&str>>(26)?.unwrap_or_default(),
                        ),
                        badge: row.try_get(27)?,
                        events: Vec::new(),
                    }),
                    Some(false) | None => None,
                },
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok((fresh, Orders(orders)))
}

/// A pooled connection that may be inside a transaction: unless settled, it is closed
/// rather than returned to the pool, and PostgreSQL rolls back whatever it left open.
pub(super) struct Unsettled(Option<Object>);

impl Unsettled {
    pub(super) fn new(client: Object) -> Self {
        Self(Some(client))
    }

    /// The connection, known to be outside any transaction.
    pub(super) fn settle(mut self) -> Option<Object> {
        self.0.take()
    }

    fn client(&self) -> anyhow::Result<&Object> {
        self.0
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("the connection was already settled"))
    }
}

impl Drop for Unsettled {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(Object::take(client));
        }
    }
}

/// Records `batch` (whose provider accounts, sorted, are `accounts`) in one transaction
/// without savepoints and commits it; or answers `None`, having rolled back, when some
/// event needs the event-by-event path. On an error the transaction may still be open.
pub(super) async fn record_fast(
    connection: &Unsettled,
    accounts: &[&str],
    batch: &[(Event, String, String)],
) -> anyhow::Result<Option<Vec<anyhow::Result<EventRecorded>>>> {
    let client = connection.client()?;
    let (mut fresh, mut orders) = store_and_load(client, accounts, batch).await?;
    let Some((outcomes, superseded, wanted)) = fold(batch, &mut fresh, &mut orders) else {
        client.batch_execute("ROLLBACK").await?;
        return Ok(None);
    };
    write_back(client, &superseded, &wanted, &orders).await?;
    Ok(Some(outcomes))
}

/// What folding the batch in memory gave: each event's outcome, the reads it made stale,
/// and those it asked for.
type Folded<'a> = (
    Vec<anyhow::Result<EventRecorded>>,
    Vec<&'a str>,
    Vec<(&'a str, ReadObject, &'a str)>,
);

/// Folds the batch into the loaded orders in arrival order; `None` when some event needs
/// the event-by-event path.
fn fold<'a>(
    batch: &'a [(Event, String, String)],
    fresh: &mut HashSet<String>,
    orders: &mut Orders,
) -> Option<Folded<'a>> {
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut superseded: Vec<&str> = Vec::new();
    let mut wanted: Vec<(&str, ReadObject, &str)> = Vec::new();
    for (event, _, now) in batch {
        // A redelivery inside the batch is a duplicate of its first copy.
        if !fresh.remove(&event.id) {
            outcomes.push(Ok(EventRecorded::Duplicate));
            continue;
        }
        let provider_account = event.account_id.as_deref().unwrap_or_default();
        let mut changed = Vec::new();
        match subject(event) {
            Subject::Credentialed | Subject::Revoked(_) => return None,
            Subject::Nothing => {}
            Subject::Invitation(invitation_id) => {
                superseded.push(invitation_id);
                let found = orders.find(provider_account, |order| {
                    order.invitation_id.as_deref() == Some(invitation_id)
                });
                if let Some(loaded) = found {
                    // Linking a report replays its stored events: the other path's work.
                    if loaded.order.report_id.is_none() && event.data.object.report_id.is_some() {
                        return None;
                    }
                    if loaded.order.folded.apply(event) == Outcome::NeedsRead {
                        wanted.push((invitation_id, ReadObject::Invitation, provider_account));
                    }
                    loaded.announce_change();
                    loaded.touched = Some(now.clone());
                    changed.push(loaded.order.clone());
                }
            }
            Subject::Report { id, unlinked } => {
                superseded.push(id);
                let found = orders.find(provider_account, |order| {
                    order.report_id.as_deref() == Some(id)
                });
                let needs_read = match (found, unlinked) {
                    (Some(loaded), _) => {
                        let outcome = loaded.order.folded.apply(event);
                        loaded.announce_change();
                        loaded.touched = Some(now.clone());
                        changed.push(loaded.order.clone());
                        outcome == Outcome::NeedsRead
                    }
                    (None, Unlinked::ReadFirst) => true,
                    (None, Unlinked::Match(report)) if report.candidate_id.is_none() => false,
                    // Finding the order that takes the report is the other path's work.
                    (None, Unlinked::Match(_)) => return None,
                };
                if needs_read {
                    wanted.push((id, ReadObject::Report, provider_account));
                }
            }
        }
        outcomes.push(Ok(EventRecorded::Stored { changed }));
    }
    Some((outcomes, superseded, wanted))
}

/// Supersedes the reads the batch's events made stale, asks for the reads they need, saves
/// every folded order and commits: four statements sent together. A failed one aborts the
/// transaction, so the `COMMIT` after it rolls back, and its error is what this returns.
/// Returns once the batch is durable (see the module's notes).
async fn write_back(
    client: &Object,
    superseded: &[&str],
    wanted: &[(&str, ReadObject, &str)],
    orders: &Orders,
) -> anyhow::Result<()> {
    let supersede = client
        .prepare_cached(
            "UPDATE pending_reads SET generation = generation + 1, not_before = NULL \
             WHERE object_id = ANY($1)",
        )
        .await?;
    // A conflict bumps the generation as the event-by-event path's request does; each
    // object once, since one statement may not change a row twice.
    let want = client
        .prepare_cached(
            "INSERT INTO pending_reads (object_id, object, checkr_account_id) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) \
             ON CONFLICT (object_id) DO UPDATE SET \
             generation = pending_reads.generation + 1, not_before = NULL",
        )
        .await?;
    let save = client
        .prepare_cached(
            "UPDATE orders SET folded = v.folded, updated_at = v.now \
             FROM unnest($1::text[], $2::text[], $3::text[]) AS v(id, folded, now) \
             WHERE orders.id = v.id",
        )
        .await?;
    // The outbox rows and last announced badges of the ATS webhooks, in the same
    // transaction as the folds that caused them (two more statements in the same trip).
    let announce = client
        .prepare_cached(
            "INSERT INTO ats_outbox (event_id, account_id, order_key, order_id, type, body, \
             created_at) SELECT a, b, c, d, e, f, g FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
             $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS e(a, b, c, d, e, f, g, n) \
             ORDER BY n",
        )
        .await?;
    let remember = client
        .prepare_cached(
            "INSERT INTO ats_order_badges (order_id, badge) \
             SELECT * FROM unnest($1::text[], $2::text[]) \
             ON CONFLICT (order_id) DO UPDATE SET badge = excluded.badge",
        )
        .await?;
    let mut seen = HashMap::new();
    for (object_id, object, account) in wanted {
        seen.entry(*object_id)
            .or_insert((object.as_str(), *account));
    }
    let (want_ids, rest): (Vec<&str>, Vec<(&str, &str)>) = seen.into_iter().unzip();
    let (want_objects, want_accounts): (Vec<&str>, Vec<&str>) = rest.into_iter().unzip();
    let mut save_ids = Vec::new();
    let mut save_folded = Vec::new();
    let mut save_now = Vec::new();
    for loaded in &orders.0 {
        if let Some(now) = &loaded.touched {
            save_ids.push(loaded.order.id.as_str());
            save_folded.push(serde_json::to_string(&loaded.order.folded)?);
            save_now.push(now.as_str());
        }
    }
    let events: Vec<&NewEvent> = orders
        .0
        .iter()
        .filter_map(|loaded| loaded.outbox.as_ref())
        .flat_map(|announced| &announced.events)
        .collect();
    let column = |pick: fn(&NewEvent) -> Option<&str>| -> Vec<Option<&str>> {
        events.iter().map(|event| pick(event)).collect()
    };
    let announce_columns: (Vec<_>, Vec<_>, Vec<_>, Vec<_>, Vec<_>, Vec<_>, Vec<_>) = (
        column(|event| Some(&event.event_id)),
        column(|event| Some(&event.account_id)),
        column(|event| Some(&event.order_key)),
        column(|event| event.order_id.as_deref()),
        column(|event| Some(event.event_type)),
        column(|event| Some(&event.body)),
        column(|event| Some(&event.created_at)),
    );
    let (badge_orders, badges): (Vec<&str>, Vec<&str>) = orders
        .0
        .iter()
        .filter_map(|loaded| {
            let announced = loaded.outbox.as_ref()?;
            announced.events.last()?;
            Some((loaded.order.id.as_str(), announced.badge.as_deref()?))
        })
        .unzip();
    let announce_params: Params<'_> = &[
        &announce_columns.0,
        &announce_columns.1,
        &announce_columns.2,
        &announce_columns.3,
        &announce_columns.4,
        &announce_columns.5,
        &announce_columns.6,
    ];
    let remember_params: Params<'_> = &[&badge_orders, &badges];
    let supersede_params: Params<'_> = &[&superseded];
    let want_params: Params<'_> = &[&want_ids, &want_objects, &want_accounts];
    let save_params: Params<'_> = &[&save_ids, &save_folded, &save_now];
    // `try_join!` polls in order and stops at the first error: a statement that fails
    // before it is sent (its parameters would not encode) keeps `COMMIT` from being sent.
    futures::try_join!(
        client.execute(&supersede, supersede_params),
        client.execute(&want, want_params),
        client.execute(&save, save_params),
        client.execute(&announce, announce_params),
        client.execute(&remember, remember_params),
        client.batch_execute("COMMIT"),
        // An id makes the transaction write a commit record, whose flush it waits for.
        client.batch_execute("BEGIN; SELECT txid_current(); COMMIT"),
    )?;
    Ok(())
}
