//! `GET /api/events`: a server-sent-events stream of the caller's account's order changes, so
//! badges move as webhooks are applied.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::stream::{Stream, StreamExt};
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;

use super::AppState;
use super::error::ApiError;
use super::orders::OrderView;

/// `EventSource` cannot send headers, so the session token comes as a query parameter.
#[derive(Deserialize)]
pub struct EventsQuery {
    token: String,
}

/// Streams `order` events (data: the order as the widget shows it to this user).
pub async fn events(
    State(state): State<AppState>,
    Query(query): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let identity = state
        .verify_session(&query.token)
        .ok_or(ApiError::Unauthenticated)?;
    let updates = BroadcastStream::new(state.subscribe()).take_until(state.stopping());
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
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
