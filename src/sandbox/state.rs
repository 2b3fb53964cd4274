//! Everything a sandbox remembers: accounts, the request log, faults, idempotency and the outbox.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::clock;
use super::data::DataSet;
use super::error::ApiError;
use super::model::{Candidate, IdGen, Invitation, Report, Screening};
use super::{AccountCredentials, SandboxAccount, SandboxEvent};

/// Checkr's documented ceiling: 1200 requests a minute.
pub(crate) const RATE_LIMIT: u32 = 1_200;

/// One sandbox account and the objects created in it.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) data: Arc<DataSet>,
    pub(crate) candidates: Vec<Candidate>,
    pub(crate) invitations: Vec<Invitation>,
    pub(crate) reports: Vec<Report>,
    pub(crate) screenings: Vec<Screening>,
    /// Continuous-check enrolments (C-Crim, C-MVR).
    pub(crate) continuous_checks: Vec<super::continuous::ContinuousCheck>,
    /// Subscriptions (a package re-run at an interval).
    pub(crate) subscriptions: Vec<super::subscriptions::Subscription>,
    /// Whether webhooks carry the whole object; off, `data.object` is only `{id, object, uri}`
    /// (a customer's webhook setting `include_object`).
    pub(crate) include_object: bool,
}

impl Account {
    pub(crate) fn candidate(&self, id: &str) -> Option<&Candidate> {
        self.candidates.iter().find(|candidate| candidate.id == id)
    }

    pub(crate) fn invitation(&self, id: &str) -> Option<&Invitation> {
        self.invitations
            .iter()
            .find(|invitation| invitation.id == id)
    }

    pub(crate) fn report(&self, id: &str) -> Option<&Report> {
        self.reports.iter().find(|report| report.id == id)
    }

    pub(crate) fn report_json(&self, report: &Report, host: &str) -> Value {
        let screenings: Vec<&Screening> = report
            .screening_ids
            .iter()
            .filter_map(|id| self.screenings.iter().find(|screening| &screening.id == id))
            .collect();
        report.to_json(host, &screenings)
    }
}

/// A Checkr-API request as the sandbox received it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RequestRecord {
    #[serde(skip)]
    pub(crate) seq: u64,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) account_id: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) body: Value,
    pub(crate) status: u16,
}

/// The POST endpoints a `fail_step` fault can break.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FailEndpoint {
    Candidates,
    Invitations,
}

impl FailEndpoint {
    pub(crate) fn of(method: &axum::http::Method, path: &str) -> Option<Self> {
        if method != axum::http::Method::POST {
            return None;
        }
        match path.trim_end_matches('/') {
            "/v1/candidates" => Some(Self::Candidates),
            "/v1/invitations" => Some(Self::Invitations),
            _ => None,
        }
    }
}

/// A POST that keeps failing until the fault is cleared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FailStep {
    pub(crate) endpoint: FailEndpoint,
    pub(crate) status: u16,
    pub(crate) message: String,
}

/// Faults for one scope (one account, or all accounts).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Faults {
    pub(crate) latency_ms: u64,
    pub(crate) fail_every: u64,
    pub(crate) rate_limit_burst: u64,
    pub(crate) fail_step: Option<FailStep>,
    /// Requests to this endpoint are processed, but their answer is held (and their
    /// Idempotency-Key stays in flight) until the hold is lifted: a slow Checkr, or a
    /// connection that dies before the answer arrives.
    pub(crate) hold: Option<FailEndpoint>,
    #[serde(skip)]
    pub(crate) seen: u64,
}

/// Headers Checkr puts on every response.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateHeaders {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    pub(crate) reset: i64,
}

/// What the fault layer decided for one request.
pub(crate) struct Admission {
    pub(crate) latency: Duration,
    pub(crate) verdict: Result<(), ApiError>,
    pub(crate) rate: RateHeaders,
}

#[derive(Debug)]
enum Stored {
    InFlight {
        fingerprint: String,
    },
    Done {
        fingerprint: String,
        status: StatusCode,
        body: Bytes,
    },
}

/// Result of presenting an Idempotency-Key.
pub(crate) enum IdempotencyBegin {
    Proceed,
    Replay { status: StatusCode, body: Bytes },
    Refuse(ApiError),
}

#[derive(Debug)]
struct OutboxEntry {
    event: SandboxEvent,
    delivered: bool,
}

/// All sandbox state; guarded by one mutex that is never held across an await.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) accounts: HashMap<String, Account>,
    pub(crate) ids: IdGen,
    keys: HashMap<String, String>,
    data_sets: HashMap<SandboxAccount, Arc<DataSet>>,
    created_accounts: u64,
    next_seq: u64,
    requests: Vec<RequestRecord>,
    /// Keyed by account id; `None` applies to accounts without their own entry.
    faults: HashMap<Option<String>, Faults>,
    idempotency: HashMap<(String, String), Stored>,
    outbox: Vec<OutboxEntry>,
    /// When set, events are stamped with this second instead of the clock's (control API).
    frozen_second: Option<i64>,
    events_tx: broadcast::Sender<SandboxEvent>,
    rate_windows: HashMap<String, (i64, u32)>,
}

impl State {
    pub(crate) fn new() -> Self {
        let (events_tx, _) = broadcast::channel(1_024);
        let mut state = Self {
            accounts: HashMap::new(),
            ids: IdGen,
            keys: HashMap::new(),
            data_sets: HashMap::new(),
            created_accounts: 0,
            next_seq: 0,
            requests: Vec::new(),
            faults: HashMap::new(),
            idempotency: HashMap::new(),
            outbox: Vec::new(),
            frozen_second: None,
            events_tx,
            rate_windows: HashMap::new(),
        };
        for which in SandboxAccount::ALL {
            state.insert_account(
                which,
                format!("sandbox_key_{}", which.as_str()),
                format!("acct_{}", which.as_str()),
            );
        }
        state
    }

    fn insert_account(
        &mut self,
        which: SandboxAccount,
        api_key: String,
        account_id: String,
    ) -> AccountCredentials {
        let data = Arc::clone(
            self.data_sets
                .entry(which)
                .or_insert_with(|| Arc::new(DataSet::build(which))),
        );
        self.keys.insert(api_key.clone(), account_id.clone());
        self.accounts.insert(
            account_id.clone(),
            Account {
                id: account_id.clone(),
                data,
                candidates: Vec::new(),
                invitations: Vec::new(),
                reports: Vec::new(),
                screenings: Vec::new(),
                continuous_checks: Vec::new(),
                subscriptions: Vec::new(),
                include_object: true,
            },
        );
        AccountCredentials {
            api_key,
            account_id,
        }
    }

    pub(crate) fn seeded(which: SandboxAccount) -> AccountCredentials {
        AccountCredentials {
            api_key: format!("sandbox_key_{}", which.as_str()),
            account_id: format!("acct_{}", which.as_str()),
        }
    }

    pub(crate) fn create_account(&mut self, which: SandboxAccount) -> AccountCredentials {
        self.created_accounts += 1;
        let n = self.created_accounts;
        self.insert_account(
            which,
            format!("sandbox_key_{}_{n:06}", which.as_str()),
            format!("acct_{}_{n:06}", which.as_str()),
        )
    }

    /// Revokes a key (an OAuth deauthorization); returns the account it belonged to.
    pub(crate) fn revoke_key(&mut self, api_key: &str) -> Option<String> {
        self.keys.remove(api_key)
    }

    pub(crate) fn account_for_key(&self, api_key: &str) -> Option<String> {
        self.keys.get(api_key).cloned()
    }

    pub(crate) fn account(&self, account_id: &str) -> Result<&Account, ApiError> {
        self.accounts
            .get(account_id)
            .ok_or(ApiError::BadAuthentication)
    }

    pub(crate) fn account_mut(&mut self, account_id: &str) -> Result<&mut Account, ApiError> {
        self.accounts
            .get_mut(account_id)
            .ok_or(ApiError::BadAuthentication)
    }

    pub(crate) fn log_request(&mut self, mut record: RequestRecord) -> u64 {
        self.next_seq += 1;
        record.seq = self.next_seq;
        self.requests.push(record);
        self.next_seq
    }

    pub(crate) fn finish_request(&mut self, seq: u64, account_id: Option<&str>, status: u16) {
        if let Some(record) = self.requests.iter_mut().rev().find(|r| r.seq == seq) {
            record.status = status;
            record.account_id = account_id.map(str::to_owned);
        }
    }

    pub(crate) fn requests(&self, account_id: Option<&str>) -> Vec<RequestRecord> {
        self.requests
            .iter()
            .filter(|record| account_id.is_none_or(|id| record.account_id.as_deref() == Some(id)))
            .cloned()
            .collect()
    }

    pub(crate) fn clear_requests(&mut self) {
        self.requests.clear();
    }

    pub(crate) fn faults_mut(&mut self, account_id: Option<String>) -> &mut Faults {
        self.faults.entry(account_id).or_default()
    }

    pub(crate) fn clear_faults(&mut self) {
        self.faults.clear();
    }

    pub(crate) fn faults_json(&self) -> Value {
        let mut scopes: Vec<Value> = self
            .faults
            .iter()
            .map(|(account_id, faults)| {
                json!({
                    "account_id": account_id,
                    "latency_ms": faults.latency_ms,
                    "fail_every": faults.fail_every,
                    "rate_limit_burst": faults.rate_limit_burst,
                    "fail_step": faults.fail_step,
                    "hold": faults.hold,
                })
            })
            .collect();
        scopes.sort_by_key(|scope| scope["account_id"].as_str().map(str::to_owned));
        Value::Array(scopes)
    }

    /// Whether a `hold` fault (the account's own, else the all-accounts one) names `endpoint`.
    pub(crate) fn is_held(&self, account_id: &str, endpoint: FailEndpoint) -> bool {
        let faults = self
            .faults
            .get(&Some(account_id.to_owned()))
            .or_else(|| self.faults.get(&None));
        faults.is_some_and(|faults| faults.hold == Some(endpoint))
    }

    /// Forgets every stored answer, as Checkr does 24 hours after a key was first used; keys
    /// still in flight stay.
    pub(crate) fn expire_idempotency_keys(&mut self) -> usize {
        let before = self.idempotency.len();
        self.idempotency
            .retain(|_, stored| matches!(stored, Stored::InFlight { .. }));
        before - self.idempotency.len()
    }

    /// Applies the account's faults (its own entry wins over the all-accounts one) and counts
    /// the request against the rate-limit window.
    pub(crate) fn admit(&mut self, account_id: &str, endpoint: Option<FailEndpoint>) -> Admission {
        let now = clock::now_seconds();
        let window = now.div_euclid(60);
        let counter = self
            .rate_windows
            .entry(account_id.to_owned())
            .or_insert((window, 0));
        if counter.0 != window {
            *counter = (window, 0);
        }
        counter.1 = counter.1.saturating_add(1);
        let mut rate = RateHeaders {
            limit: RATE_LIMIT,
            remaining: RATE_LIMIT.saturating_sub(counter.1),
            reset: (window + 1) * 60,
        };
        let scope = if self.faults.contains_key(&Some(account_id.to_owned())) {
            Some(account_id.to_owned())
        } else {
            None
        };
        let Some(faults) = self.faults.get_mut(&scope) else {
            return Admission {
                latency: Duration::ZERO,
                verdict: Ok(()),
                rate,
            };
        };
        let latency = Duration::from_millis(faults.latency_ms);
        let verdict = if faults.rate_limit_burst > 0 {
            faults.rate_limit_burst -= 1;
            rate.remaining = 0;
            rate.reset = now + 1;
            Err(ApiError::TooManyRequests)
        } else if let Some(step) = faults
            .fail_step
            .as_ref()
            .filter(|step| Some(step.endpoint) == endpoint)
        {
            Err(ApiError::Injected {
                status: StatusCode::from_u16(step.status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                message: step.message.clone(),
            })
        } else if faults.fail_every > 0 {
            faults.seen += 1;
            if faults.seen % faults.fail_every == 0 {
                Err(ApiError::Internal)
            } else {
                Ok(())
            }
        } else {
            Ok(())
        };
        Admission {
            latency,
            verdict,
            rate,
        }
    }

    pub(crate) fn rate_for_unknown_caller() -> RateHeaders {
        let now = clock::now_seconds();
        RateHeaders {
            limit: RATE_LIMIT,
            remaining: RATE_LIMIT,
            reset: (now.div_euclid(60) + 1) * 60,
        }
    }

    pub(crate) fn idempotency_begin(
        &mut self,
        account_id: &str,
        key: &str,
        fingerprint: String,
    ) -> IdempotencyBegin {
        let slot = (account_id.to_owned(), key.to_owned());
        match self.idempotency.get(&slot) {
            None => {
                self.idempotency
                    .insert(slot, Stored::InFlight { fingerprint });
                IdempotencyBegin::Proceed
            }
            Some(Stored::InFlight { .. }) => IdempotencyBegin::Refuse(ApiError::Conflict(
                "A request with this Idempotency-Key is still being processed".into(),
            )),
            Some(Stored::Done {
                fingerprint: stored,
                status,
                body,
            }) => {
                if *stored == fingerprint {
                    IdempotencyBegin::Replay {
                        status: *status,
                        body: body.clone(),
                    }
                } else {
                    IdempotencyBegin::Refuse(ApiError::Conflict(
                        "Idempotency-Key reused with a different request".into(),
                    ))
                }
            }
        }
    }

    /// Stores a 2xx answer for replay; anything else frees the key so a retry runs again.
    pub(crate) fn idempotency_finish(
        &mut self,
        account_id: &str,
        key: &str,
        status: StatusCode,
        body: Option<Bytes>,
    ) {
        let slot = (account_id.to_owned(), key.to_owned());
        let fingerprint = match self.idempotency.remove(&slot) {
            Some(Stored::InFlight { fingerprint } | Stored::Done { fingerprint, .. }) => {
                fingerprint
            }
            None => return,
        };
        if let (true, Some(body)) = (status.is_success(), body) {
            self.idempotency.insert(
                slot,
                Stored::Done {
                    fingerprint,
                    status,
                    body,
                },
            );
        }
    }

    /// Stamps every later event with `second` (Unix seconds), or with the clock again when
    /// `None`, so that a test can make events share a second as they often do at Checkr.
    pub(crate) fn freeze_event_clock(&mut self, second: Option<i64>) {
        self.frozen_second = second;
    }

    /// Wraps `object` in Checkr's event envelope, keeps it in the outbox and announces it.
    /// Like Checkr's, `created_at` is to the whole second and the id is random, so neither
    /// orders two events of one second.
    pub(crate) fn emit(&mut self, account_id: &str, event_type: &str, object: Value) -> Value {
        let second = self.frozen_second.unwrap_or_else(clock::now_seconds);
        let id = self.ids.next();
        let created_at = clock::rfc3339_seconds(second);
        let include_object = self
            .accounts
            .get(account_id)
            .is_none_or(|account| account.include_object);
        let object = if include_object {
            object
        } else {
            json!({"id": object["id"], "object": object["object"], "uri": object["uri"]})
        };
        let payload = json!({
            "id": id,
            "object": "event",
            "type": event_type,
            "created_at": created_at,
            "account_id": account_id,
            "data": { "object": object },
        });
        let event = SandboxEvent {
            id,
            event_type: event_type.to_owned(),
            account_id: account_id.to_owned(),
            created_at,
            payload: payload.clone(),
        };
        // Nobody listening is normal (tests, demo without webhooks): the outbox still has it.
        let _ = self.events_tx.send(event.clone());
        self.outbox.push(OutboxEntry {
            event,
            delivered: false,
        });
        payload
    }

    pub(crate) fn events(&self, account_id: Option<&str>) -> Vec<Value> {
        self.outbox
            .iter()
            .filter(|entry| account_id.is_none_or(|id| entry.event.account_id == id))
            .map(|entry| entry.event.payload.clone())
            .collect()
    }

    pub(crate) fn take_undelivered(&mut self) -> Vec<SandboxEvent> {
        self.outbox
            .iter_mut()
            .filter(|entry| !entry.delivered)
            .map(|entry| {
                entry.delivered = true;
                entry.event.clone()
            })
            .collect()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<SandboxEvent> {
        self.events_tx.subscribe()
    }
}
