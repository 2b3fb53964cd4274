//! `GET /api/events`: a server-sent-events stream of the caller's account's order changes, so
//! badges move as webhooks are applied.
//!
//! A stream lives no longer than the session that opened it, and one user holds only a few at
//! once: each one is a task and a broadcast subscriber, so a leaked token must not be able to
//! pile them up, and an expired one must not keep receiving.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::stream::{Stream, StreamExt};
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;

use super::AppState;
use super::error::ApiError;
use super::identity::Identity;
use super::orders::OrderView;

/// Live streams one user may hold open at once. The widget opens one per page, so this
/// covers a few open tabs; a browser allows only six connections per host, so a user past
/// four streams would already be starving their own page's API calls.
pub const MAX_STREAMS_PER_USER: usize = 4;

/// `EventSource` cannot send headers, so the session token comes as a query parameter.
#[derive(Deserialize)]
pub struct EventsQuery {
    /// Optional here so that a missing token is answered like any missing session.
    #[serde(default)]
    token: Option<String>,
}

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
pub async fn events(
    State(state): State<AppState>,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let Query(query) = query?;
    let (identity, expires_at) = query
        .token
        .and_then(|token| state.verify_session_until(&token))
        .ok_or(ApiError::Unauthenticated)?;
    let slot = state.streams.claim(&identity)?;
    let (stopping, expired) = (state.stopping(), state.clock.reached(expires_at));
    let ends = async move {
        tokio::select! {
            () = stopping => {}
            () = expired => {}
        }
    };
    let updates = BroadcastStream::new(state.subscribe()).take_until(ends);
    let stream = updates.filter_map(move |update| {
        let (state, identity) = (state.clone(), identity.clone());
        async move {
            // A lagging subscriber skips what it missed; the widget refreshes its list on (re)connect.
            let order = update.ok()?;
            if order.account_id != identity.account_id {
                return None;
            }
            let account = state.store.account(&identity.account_id).await.ok()??;
            let view = OrderView::new(&order, account.customer_type, identity.role, &state);
            let data = serde_json::to_string(&view).ok()?;
            Some(Ok(SseEvent::default().event("order").data(data)))
        }
    });
    // The slot is held for exactly as long as the stream is: it goes when the stream is dropped.
    let held = stream.map(move |event| {
        let _slot = &slot;
        event
    });
    Ok(Sse::new(held).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
