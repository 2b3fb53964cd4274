//! Live changes between instances: NOTIFY sent in order by one task, LISTEN on a connection
//! of its own.

use std::time::Duration;

use anyhow::Context;
use deadpool_postgres::Pool;

use super::super::super::secret::Secret;
use super::super::Notice;
use super::tls::Connect;
use super::{CATALOGS_CHANNEL, ORDERS_CHANNEL, PostgresStore};

impl PostgresStore {
    /// Tells every instance (this one included) about `notice`, after the notices queued
    /// before it: one task sends them in order, so widgets hear changes in the order they
    /// were made.
    pub(in crate::proxy::store) fn announce(&self, notice: Notice) {
        // The task ends only with the store.
        let _ = self.announcer.send(notice);
    }
}

/// Sends queued notices in order, as many as are waiting in one statement, until the store
/// is dropped. A notice that cannot be sent is logged and dropped: widgets catch up when
/// their stream reconnects.
pub(super) async fn send_notices(
    pool: Pool,
    mut queue: tokio::sync::mpsc::UnboundedReceiver<Notice>,
) {
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
    let Connect { config, tls } = Connect::parse(url)?;
    let (client, mut connection) = config
        .connect(tls)
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
pub(in crate::proxy::store) async fn listen(
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
