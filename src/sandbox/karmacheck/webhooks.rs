//! Webhooks: per-group subscriptions with their own HTTP Basic username and password, the
//! envelope `{messageId, event, eventObject{…}}`, and `casedata.statuschange` for every change
//! of a case. Deliveries go out one at a time in order; a held subscription keeps its events
//! until a test or the demo releases them, and any event can be delivered again.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::{KarmaCheckSandbox, KarmaError, KarmaState};

/// The only event name KarmaCheck documents; the sandbox announces every case change with it.
pub(crate) const CASE_DATA_STATUS_CHANGE: &str = "casedata.statuschange";

/// Where one group's events go.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Subscription {
    pub(crate) group_profile_id: String,
    pub(crate) url: String,
    pub(crate) username: String,
    pub(crate) password: String,
    /// Keep events until released (`POST /sandbox/webhooks/deliver`).
    #[serde(default)]
    pub(crate) hold: bool,
}

/// One event in the outbox.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct KarmaEvent {
    pub(crate) message_id: String,
    pub(crate) group: usize,
    pub(crate) body: serde_json::Value,
    pub(crate) delivered: bool,
}

impl KarmaState {
    /// Announces the case's current state to its group's subscription.
    pub(crate) fn emit_case_change(&mut self, index: usize) {
        let case = &self.cases[index];
        let group = &self.groups[case.group].credentials;
        let message_id = uuid::Uuid::new_v4().to_string();
        let body = serde_json::json!({
            "messageId": message_id,
            "event": CASE_DATA_STATUS_CHANGE,
            "apiTrackingCode": null,
            "apiTrackingUser": null,
            "eventObject": {
                "id": uuid::Uuid::new_v4().to_string(),
                "caseId": case.id,
                "serviceId": null,
                "serviceName": null,
                "candidateId": case.candidate_id,
                "candidateEmail": case.email,
                "groupProfileId": group.group_profile_id,
                "crStamp": super::timestamp(case.created),
                "modStamp": super::timestamp(case.modified),
            },
        });
        self.events.push(KarmaEvent {
            message_id,
            group: case.group,
            body,
            delivered: false,
        });
        self.wake.notify_one();
    }

    fn subscription_of(&self, group: usize) -> Option<Subscription> {
        let id = &self.groups.get(group)?.credentials.group_profile_id;
        self.subscriptions
            .iter()
            .find(|subscription| &subscription.group_profile_id == id)
            .cloned()
    }
}

/// Sends one event with the subscription's credentials; the HTTP status, or 0 on no answer.
async fn send(http: &reqwest::Client, subscription: &Subscription, event: &KarmaEvent) -> u16 {
    // The username and password travel as HTTP Basic and, as KarmaCheck's envelope lists
    // them, in the body too.
    let mut body = event.body.clone();
    if let Some(fields) = body.as_object_mut() {
        fields.insert("username".to_owned(), subscription.username.clone().into());
        fields.insert("password".to_owned(), subscription.password.clone().into());
    }
    let basic = STANDARD.encode(format!(
        "{}:{}",
        subscription.username, subscription.password
    ));
    match http
        .post(&subscription.url)
        .header("Authorization", format!("Basic {basic}"))
        .json(&body)
        .send()
        .await
    {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

impl KarmaCheckSandbox {
    /// Delivers undelivered events in order (held subscriptions too when `release`); returns
    /// each attempt as `(messageId, status)`.
    async fn deliver_pending(&self, http: &reqwest::Client, release: bool) -> Vec<(String, u16)> {
        let mut results = Vec::new();
        loop {
            let next = self.with_state(|state| {
                state.events.iter().enumerate().find_map(|(index, event)| {
                    let subscription = state.subscription_of(event.group)?;
                    (!event.delivered && (release || !subscription.hold))
                        .then(|| (index, subscription, event.clone()))
                })
            });
            let Some((index, subscription, event)) = next else {
                return results;
            };
            let status = send(http, &subscription, &event).await;
            // An event that was refused is kept as delivered too: KarmaCheck's retry policy is
            // unconfirmed, so the sandbox does not invent one (redeliver drives repeats).
            self.with_state(|state| state.events[index].delivered = true);
            results.push((event.message_id, status));
        }
    }

    /// Delivers events as they are emitted, until the task is aborted.
    pub(crate) async fn deliver_forever(self) {
        let http = reqwest::Client::new();
        let wake = self.with_state(|state| std::sync::Arc::clone(&state.wake));
        loop {
            wake.notified().await;
            self.deliver_pending(&http, false).await;
        }
    }
}

/// `POST /sandbox/subscriptions` (control): sets the group's subscription.
pub(super) async fn subscribe(
    State(sandbox): State<KarmaCheckSandbox>,
    Json(subscription): Json<Subscription>,
) -> StatusCode {
    sandbox.subscribe(subscription);
    StatusCode::NO_CONTENT
}

impl KarmaCheckSandbox {
    /// Sets (or replaces) a group's webhook subscription.
    pub(crate) fn subscribe(&self, subscription: Subscription) {
        self.with_state(|state| {
            state
                .subscriptions
                .retain(|existing| existing.group_profile_id != subscription.group_profile_id);
            state.subscriptions.push(subscription);
            state.wake.notify_one();
        });
    }

    /// Sets a group's webhook subscription (the demo's, at start).
    pub fn subscribe_group(
        &self,
        group_profile_id: &str,
        url: &str,
        username: &str,
        password: &str,
    ) {
        self.subscribe(Subscription {
            group_profile_id: group_profile_id.to_owned(),
            url: url.to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            hold: false,
        });
    }
}

/// `GET /sandbox/events` (control): every event, oldest first, with its body.
pub(super) async fn list(State(sandbox): State<KarmaCheckSandbox>) -> Json<Vec<KarmaEvent>> {
    sandbox.with_state(|state| Json(state.events.clone()))
}

#[derive(Serialize)]
pub(super) struct Delivered {
    message_id: String,
    status: u16,
}

/// `POST /sandbox/webhooks/deliver` (control): releases every undelivered event, in order.
pub(super) async fn deliver(State(sandbox): State<KarmaCheckSandbox>) -> Json<Vec<Delivered>> {
    let http = reqwest::Client::new();
    let results = sandbox.deliver_pending(&http, true).await;
    Json(
        results
            .into_iter()
            .map(|(message_id, status)| Delivered { message_id, status })
            .collect(),
    )
}

/// `POST /sandbox/events/{messageId}/redeliver` (control): the same event again, as a retry
/// or a late duplicate would arrive.
pub(super) async fn redeliver(
    State(sandbox): State<KarmaCheckSandbox>,
    Path(message_id): Path<String>,
) -> Result<Json<Delivered>, KarmaError> {
    let found = sandbox.with_state(|state| {
        let event = state
            .events
            .iter()
            .find(|event| event.message_id == message_id)?
            .clone();
        Some((state.subscription_of(event.group)?, event))
    });
    let (subscription, event) = found
        .ok_or_else(|| KarmaError::new(StatusCode::NOT_FOUND, "No such event or subscription"))?;
    let status = send(&reqwest::Client::new(), &subscription, &event).await;
    Ok(Json(Delivered { message_id, status }))
}
