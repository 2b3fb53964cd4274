//! `GET /api/events`: a server-sent-events stream of order changes, so badges move as webhooks
//! are applied. Each account has its own channel, a stream receives only the applicants it
//! asked for, and what a stream needs to shape an order (role, customer type) is read once
//! when it opens, so an event costs no database read or token decryption per subscriber.
//!
//! A stream lives no longer than the session that opened it, and one user holds only a few at
//! once: each one is a task and a broadcast subscriber, so a leaked token must not be able to
//! pile them up, and an expired one must not keep receiving.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::stream::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use super::AppState;
use super::error::ApiError;
use super::identity::Identity;
use super::orders::{OrderView, custom_ids_from_query};
use super::store::{OrderRecord, Store};
use crate::domain::checkr::CustomerType;

/// How many changes a slow subscriber may fall behind before it skips some.
const CHANNEL_CAPACITY: usize = 256;

/// What an account's channel carries.
#[derive(Clone, Debug)]
pub enum LiveUpdate {
    /// An order changed; shared, so fan-out clones a pointer, not the order.
    Order(Arc<OrderRecord>),
    /// An admin switched the account's customer type, which changes how badges read.
    CustomerType(CustomerType),
}

/// Per-account broadcast channels, created when the first stream of an account opens and
/// dropped when a publish finds nobody listening.
#[derive(Clone, Default)]
pub struct Channels {
    accounts: Arc<Mutex<HashMap<String, Channel>>>,
}

/// One account's channel, and the turn its order publishes take (see [`Channels::publish_order`]).
#[derive(Clone)]
pub struct Channel {
    sender: broadcast::Sender<LiveUpdate>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Channels {
    /// Sends `update` to the streams of `account_id`, if any.
    pub fn publish(&self, account_id: &str, update: LiveUpdate) {
        if let Some(channel) = self.channel(account_id) {
            let _ = channel.sender.send(update);
        }
    }

    /// The channel of `account_id` while some stream listens; drops it once none does.
    pub fn channel(&self, account_id: &str) -> Option<Channel> {
        let mut accounts = self.accounts.lock().ok()?;
        let channel = accounts.get(account_id)?;
        if channel.sender.receiver_count() == 0 {
            accounts.remove(account_id);
            return None;
        }
        Some(channel.clone())
    }

    /// A receiver of the changes of `account_id`.
    pub fn subscribe(&self, account_id: &str) -> Option<broadcast::Receiver<LiveUpdate>> {
        let mut accounts = self.accounts.lock().ok()?;
        let channel = accounts
            .entry(account_id.to_owned())
            .or_insert_with(|| Channel {
                sender: broadcast::channel(CHANNEL_CAPACITY).0,
                turn: Arc::new(tokio::sync::Mutex::new(())),
            });
        Some(channel.sender.subscribe())
    }

    /// Sends the order as it now stands to the streams of its account. Webhooks for one
    /// order are applied concurrently, so the copy a handler holds may already be stale when
    /// it publishes; re-reading it (once per change, never per stream) in turn guarantees the
    /// last thing a stream hears of an order is its stored state.
    pub fn publish_order(&self, store: &Store, order: OrderRecord) {
        let Some(channel) = self.channel(&order.account_id) else {
            return;
        };
        let store = store.clone();
        tokio::spawn(async move {
            let _turn = channel.turn.lock().await;
            let latest = match store.order(&order.account_id, &order.id).await {
                Ok(Some(latest)) => latest,
                Ok(None) | Err(_) => order,
            };
            let _ = channel.sender.send(LiveUpdate::Order(Arc::new(latest)));
        });
    }
}

/// Live streams one user may hold open at once. The widget opens one per page, so this
/// covers a few open tabs; a browser allows only six connections per host, so a user past
/// four streams would already be starving their own page's API calls.
pub const MAX_STREAMS_PER_USER: usize = 4;

/// The live streams each user holds open.
#[derive(Clone, Default)]
pub struct StreamSlots {
    open: Arc<Mutex<HashMap<(String, String), usize>>>,
}

/// One held stream; dropping it (the stream ended or the client went away) frees the slot.
struct StreamSlot {
    slots: StreamSlots,
    user: (String, String),
}

impl StreamSlots {
    fn claim(&self, identity: &Identity) -> Result<StreamSlot, ApiError> {
        let user = (identity.account_id.clone(), identity.user_id.clone());
        // A panic while holding the lock cannot leave a count half-written.
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let held = open.entry(user.clone()).or_default();
        if *held >= MAX_STREAMS_PER_USER {
            return Err(ApiError::TooManyStreams(MAX_STREAMS_PER_USER));
        }
        *held += 1;
        Ok(StreamSlot {
            slots: self.clone(),
            user,
        })
    }

    /// How many streams `account_id`'s user `user_id` holds open now.
    pub fn held(&self, account_id: &str, user_id: &str) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.get(&(account_id.to_owned(), user_id.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = open.get_mut(&self.user) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                open.remove(&self.user);
            }
        }
    }
}

impl AppState {
    /// The live streams users hold open.
    pub fn streams(&self) -> &StreamSlots {
        &self.streams
    }
}

/// Streams `order` events (data: the order as the widget shows it to this user) until the
/// session expires or the proxy stops.
///
/// Query: `token` (an `EventSource` cannot send headers) and, repeated, `custom_id`: the
/// applicants the page shows, at most [`super::orders::MAX_CUSTOM_IDS`]. Without any
/// `custom_id` the stream carries every order of the account.
///
/// With `custom_id`s, the stream starts with those applicants' orders as they stand once it
/// is subscribed (oldest first): a change published between the page's first listing and the
/// stream's (re)connection is not lost.
pub async fn events(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let query = query.unwrap_or_default();
    let (identity, expires_at) = form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "token")
        .and_then(|(_, token)| state.verify_session_until(&token))
        .ok_or(ApiError::Unauthenticated)?;
    let asked = custom_ids_from_query(&query, true)?;
    let account = state
        .store
        .account(&identity.account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let slot = state.streams.claim(&identity)?;
    let receiver = state
        .live
        .subscribe(&identity.account_id)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("live channels poisoned")))?;
    let role = identity.role;
    let mut customer = account.customer_type;
    // Read after subscribing: whatever changes later arrives on the channel.
    let mut current = state
        .store
        .orders_for_candidates(&identity.account_id, &asked)
        .await?;
    current.reverse();
    let initial: Vec<Result<SseEvent, Infallible>> = current
        .iter()
        .filter_map(|order| order_event(&OrderView::new(order, customer, role, &state)))
        .collect();
    let wanted: Option<HashSet<String>> = (!asked.is_empty()).then(|| asked.into_iter().collect());
    let (stopping, expired) = (state.stopping(), state.clock.reached(expires_at));
    let ends = async move {
        tokio::select! {
            () = stopping => {}
            () = expired => {}
        }
    };
    let updates = BroadcastStream::new(receiver).take_until(ends);
    let stream = updates.filter_map(move |update| {
        // A lagging subscriber skips what it missed; the widget refreshes its list on (re)connect.
        let event = match update {
            Ok(LiveUpdate::CustomerType(changed)) => {
                customer = changed;
                None
            }
            Ok(LiveUpdate::Order(order)) => wanted
                .as_ref()
                .is_none_or(|wanted| wanted.contains(&order.custom_id))
                .then(|| OrderView::new(&order, customer, role, &state))
                .and_then(|view| order_event(&view)),
            Err(_) => None,
        };
        std::future::ready(event)
    });
    // The slot is held for exactly as long as the stream is: it goes when the stream is dropped.
    let held = futures::stream::iter(initial)
        .chain(stream)
        .map(move |event| {
            let _slot = &slot;
            event
        });
    Ok(Sse::new(held).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn order_event(view: &OrderView) -> Option<Result<SseEvent, Infallible>> {
    let data = serde_json::to_string(view).ok()?;
    Some(Ok(SseEvent::default().event("order").data(data)))
}
