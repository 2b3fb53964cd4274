//! Webhooks to the ATS backend, received by a real HTTP server on loopback that fails the
//! first attempts, with signatures checked by this file's own HMAC and retries driven by the
//! proxy's clock. Runs on PostgreSQL with `BGCHECK_TEST_STORE=postgres`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bgcheck::domain::checkr::CustomerType;
use bgcheck::proxy::checkr::ClientPolicy;
use bgcheck::proxy::crypto::Vault;
use bgcheck::proxy::identity::{Identity, Role};
use bgcheck::proxy::secret::Secret;
use bgcheck::proxy::store::{AccountRecord, ConnectionState, Store};
use bgcheck::proxy::{Config, Running, start_with_policy};
use bgcheck::sandbox::{Sandbox, SandboxAccount};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// 32 random bytes in the form Standard Webhooks libraries generate.
const SECRET: &str = "whsec_C2FuZGJveC1hdHMtd2ViaG9vay1zZWNyZXQtMzI=";

/// What the receiver does with one request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    /// Never answers: the proxy's timeout ends the attempt.
    Hang,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: Option<u16>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct ReceiverState {
    script: VecDeque<Answer>,
    otherwise: Option<Answer>,
    log: Vec<Received>,
}

/// The ATS backend's endpoint: answers from a script, then 204 (or `otherwise`).
#[derive(Clone)]
struct Receiver {
    state: Arc<Mutex<ReceiverState>>,
    url: String,
}

impl Receiver {
    async fn start(script: &[Answer]) -> Self {
        let state = Arc::new(Mutex::new(ReceiverState {
            script: script.iter().copied().collect(),
            ..ReceiverState::default()
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/bgcheck", listener.local_addr().unwrap());
        let shared = Arc::clone(&state);
        let app = axum::Router::new().route(
            "/hooks/bgcheck",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let shared = Arc::clone(&shared);
                async move { receive(shared, headers, body).await }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { state, url }
    }

    fn set_otherwise(&self, answer: Option<Answer>) {
        self.state.lock().unwrap().otherwise = answer;
    }

    fn log(&self) -> Vec<Received> {
        self.state.lock().unwrap().log.clone()
    }

    /// Waits until `count` requests arrived (each ends in an answer or a hang).
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..600 {
            let log = self.log();
            if log.len() >= count {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("fewer than {count} deliveries arrived: {:#?}", self.log());
    }

    /// The accepted deliveries, once `count` of them arrived.
    async fn wait_for_accepted(&self, count: usize) -> Vec<Received> {
        for _ in 0..1_000 {
            let accepted: Vec<Received> = self
                .log()
                .into_iter()
                .filter(|received| received.answered.is_some_and(|status| status < 300))
                .collect();
            if accepted.len() >= count {
                return accepted;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("fewer than {count} deliveries accepted: {:#?}", self.log());
    }
}

async fn receive(state: Arc<Mutex<ReceiverState>>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let answer = {
        let mut state = state.lock().unwrap();
        let answer = state
            .script
            .pop_front()
            .or(state.otherwise)
            .unwrap_or(Answer::Status(204));
        state.log.push(Received {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            body,
            answered: match answer {
                Answer::Status(status) => Some(status),
                Answer::Hang => None,
            },
        });
        answer
    };
    match answer {
        Answer::Status(status) => StatusCode::from_u16(status).unwrap(),
        Answer::Hang => std::future::pending().await,
    }
}

/// The ATS side's check, written from the Standard Webhooks description: HMAC-SHA256 keyed
/// with the base64 after `whsec_`, over `id.timestamp.body`, base64, behind `v1,`.
fn signature_is_valid(received: &Received) -> bool {
    let key = STANDARD
        .decode(SECRET.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", received.id, received.timestamp, received.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received
        .signature
        .split(' ')
        .any(|candidate| candidate == expected)
}

struct Proxy {
    running: Running,
    http: reqwest::Client,
    _data: tempfile::TempDir,
}

impl Proxy {
    async fn start(receiver: &Receiver) -> Self {
        let database_url = if std::env::var("BGCHECK_TEST_STORE").as_deref() == Ok("postgres") {
            support::fresh_postgres_database().await
        } else {
            None
        };
        Self::start_on(receiver, database_url).await
    }

    async fn start_on(receiver: &Receiver, database_url: Option<String>) -> Self {
        let data = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(data.path());
        config.database_url = database_url.map(Secret::new);
        config.ats_webhook_url = Some(Secret::new(receiver.url.clone()));
        config.ats_webhook_secret = Some(Secret::new(SECRET));
        config.ats_webhook_timeout = 1;
        let policy = ClientPolicy {
            backoff: Duration::from_millis(1),
            max_rate_limit_wait: Duration::from_millis(50),
            ..ClientPolicy::default()
        };
        let running = start_with_policy(config, policy).await.unwrap();
        Self {
            running,
            http: reqwest::Client::new(),
            _data: data,
        }
    }

    fn token(&self, account: &str, role: Role) -> String {
        let identity = Identity {
            account_id: account.to_owned(),
            user_id: "u-1".to_owned(),
            role,
        };
        self.running.state.mint_session(&identity).0
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("http://{}{path}", self.running.address))
            .bearer_auth(self.token("blue-bakery", Role::Admin));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    async fn place_order(&self, custom_id: &str) -> Value {
        let catalog = self.call(reqwest::Method::GET, "/api/catalog", None).await;
        let package = catalog["packages"][0]["slug"].as_str().unwrap().to_owned();
        self.call(
            reqwest::Method::POST,
            "/api/orders",
            Some(support::us_order(custom_id, &package)),
        )
        .await
    }

    /// Waits until the store holds `count` attempts for the account, so the next retry is
    /// scheduled before the clock is moved.
    async fn wait_for_attempts(&self, count: usize) -> Vec<bgcheck::proxy::store::DeliveryAttempt> {
        for _ in 0..600 {
            let attempts = self
                .running
                .state
                .store()
                .delivery_attempts("blue-bakery", "1970-01-01T00:00:00Z", 100)
                .await
                .unwrap();
            if attempts.len() >= count {
                return attempts;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("fewer than {count} attempts recorded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_fails_at_first_gets_each_event_signed_once_accepted_and_in_order() {
    let receiver = Receiver::start(&[Answer::Status(503), Answer::Hang]).await;
    let proxy = Proxy::start(&receiver).await;
    let clock = proxy.running.state.clock().clone();
    let placed = proxy.place_order("A-7").await;
    let order_id = placed["id"].as_str().unwrap().to_owned();

    // First attempt: 503. The order's next event waits behind it.
    receiver.wait_for(1).await;
    proxy.wait_for_attempts(1).await;
    clock.advance(Duration::from_secs(1));
    // Second attempt: the receiver never answers and the proxy gives up on it.
    receiver.wait_for(2).await;
    let attempts = proxy.wait_for_attempts(2).await;
    assert_eq!(receiver.log().len(), 2, "nothing else was sent meanwhile");
    clock.advance(Duration::from_secs(5));
    let accepted = receiver.wait_for_accepted(2).await;

    let log = receiver.log();
    let types: Vec<String> = log
        .iter()
        .map(|received| received.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "order.created",
            "order.created",
            "order.created",
            "order.status_changed"
        ],
        "the status change waited for the creation to be accepted"
    );
    assert!(log[..3].iter().all(|received| received.id == log[0].id));
    assert_ne!(log[3].id, log[0].id);
    for received in &log {
        assert!(signature_is_valid(received), "{received:?}");
        let sent: u64 = received.timestamp.parse().unwrap();
        assert!(
            sent.abs_diff(clock.now()) <= 300,
            "within the usual tolerance"
        );
        // The applicant id, never the candidate's name or contact details.
        assert!(!received.body.contains("Jordan"), "{}", received.body);
        assert!(!received.body.contains("example.com"), "{}", received.body);
    }
    let created = accepted[0].json();
    assert_eq!(created["data"]["order_id"], order_id.as_str());
    assert_eq!(created["data"]["applicant_id"], "A-7");
    assert_eq!(created["data"]["status"]["label"], "Sending");
    let changed = accepted[1].json();
    assert_eq!(changed["data"]["status"]["label"], "Invitation Sent");
    assert_eq!(changed["data"]["status"]["tone"], "neutral");
    assert_eq!(changed["data"]["status"]["final"], false);

    // The attempts are on record for the audit listing.
    let attempts_now = proxy.wait_for_attempts(4).await;
    assert_eq!(attempts[0].status, Some(503));
    assert!(attempts[0].next_retry_at.is_some());
    assert_eq!(attempts[1].status, None);
    assert_eq!(attempts[1].error.as_deref(), Some("timed out"));
    assert_eq!(attempts_now[2].attempt, 3);
    assert_eq!(attempts_now[2].status, Some(204));
    assert_eq!(attempts_now[2].next_retry_at, None);
    assert_eq!(attempts_now[3].event_type, "order.status_changed");
    assert_eq!(attempts_now[3].order_id.as_deref(), Some(order_id.as_str()));

    // An admin reads the same attempts in the account's audit log, beside people's actions.
    let audit = proxy
        .call(reqwest::Method::GET, "/api/audit?limit=1000", None)
        .await;
    let notes: Vec<(String, String)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "delivered")
        .map(|entry| {
            assert_eq!(entry["actor"], "proxy");
            assert_eq!(entry["order_id"], order_id.as_str());
            (
                entry["outcome"].as_str().unwrap().to_owned(),
                entry["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert_eq!(notes[0].0, "failed");
    assert!(notes[0].1.contains("order.created") && notes[0].1.contains("HTTP 503"));
    assert!(notes[1].1.contains("timed out"), "{notes:?}");
    assert_eq!(notes[2].0, "succeeded");
    assert!(notes[3].1.contains("order.status_changed"));
    proxy.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_refused_for_more_than_a_day_is_given_up_and_the_orders_next_one_goes() {
    let refusals = [Answer::Status(500); 14];
    let receiver = Receiver::start(&refusals).await;
    let proxy = Proxy::start(&receiver).await;
    let clock = proxy.running.state.clock().clone();
    let started = clock.now();
    proxy.place_order("A-11").await;
    let mut attempt = 1;
    while let Some(delay) = bgcheck::proxy::outbox::retry_delay(attempt) {
        proxy.wait_for_attempts(attempt as usize).await;
        clock.advance(Duration::from_secs(delay));
        attempt += 1;
    }
    assert!(clock.now() - started >= 24 * 3600, "retried for over a day");
    let accepted = receiver.wait_for_accepted(1).await;
    assert_eq!(accepted[0].json()["type"], "order.status_changed");
    let log = receiver.log();
    assert_eq!(log.len(), 15);
    assert!(log[..14].iter().all(|received| received.id == log[0].id));
    let attempts = proxy.wait_for_attempts(15).await;
    assert_eq!(attempts[13].attempt, 14);
    assert_eq!(attempts[13].next_retry_at, None, "given up");
    assert!(attempts[12].next_retry_at.is_some());
    proxy.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_and_an_unlinked_account_reach_the_ats_backend() {
    let receiver = Receiver::start(&[]).await;
    let proxy = Proxy::start(&receiver).await;
    let placed = proxy.place_order("A-8").await;
    let invitation_id = placed["invitation_id"].as_str().unwrap().to_owned();
    receiver.wait_for_accepted(2).await;
    let sandbox = format!(
        "http://{}/sandbox/invitations/{invitation_id}/steps",
        proxy.running.sandbox_address.unwrap()
    );
    for step in ["invitation_completed", "report_clear"] {
        let response = proxy
            .http
            .post(&sandbox)
            .json(&json!({"step": step, "eta": "2026-12-04T00:00:00Z"}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{step}");
    }
    let mut final_status = Value::Null;
    for _ in 0..400 {
        if let Some(last) = receiver.log().last()
            && last.json()["data"]["status"]["final"] == true
        {
            final_status = last.json()["data"]["status"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(final_status["label"], "Clear", "{:#?}", receiver.log());
    assert_eq!(final_status["tone"], "positive");

    let before = receiver.log().len();
    proxy
        .call(reqwest::Method::POST, "/api/account/disconnect", None)
        .await;
    let log = receiver.wait_for(before + 1).await;
    let disconnected = log.last().unwrap().json();
    assert_eq!(disconnected["type"], "account.disconnected");
    assert_eq!(disconnected["data"]["account_id"], "blue-bakery");
    assert!(log.iter().all(signature_is_valid));
    // Every field the API description promises is there.
    let spec: Value = serde_json::from_str(include_str!("../src/proxy/openapi.json")).unwrap();
    let schemas = &spec["components"]["schemas"];
    for received in &log {
        let body = received.json();
        let data = if body["type"].as_str().unwrap().starts_with("order.") {
            &schemas["AtsWebhookOrder"]
        } else {
            &schemas["AtsWebhookAccount"]
        };
        for (schema, value) in [
            (&schemas["AtsWebhookOrderEvent"], &body),
            (data, &body["data"]),
        ] {
            for field in schema["required"].as_array().unwrap() {
                let field = field.as_str().unwrap();
                assert!(value.get(field).is_some(), "{field} missing in {body}");
            }
        }
    }
    proxy.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_order_is_announced_as_failed_without_checkrs_words_then_as_sending_again() {
    let receiver = Receiver::start(&[]).await;
    let proxy = Proxy::start(&receiver).await;
    let sandbox = format!("http://{}", proxy.running.sandbox_address.unwrap());
    let fault = |fail_step: Value| {
        proxy
            .http
            .post(format!("{sandbox}/sandbox/faults"))
            .json(&json!({"account_id": "acct_no_hierarchy", "fail_step": fail_step}))
            .send()
    };
    assert!(
        fault(json!({"endpoint": "invitations", "status": 400, "message": "Package is paused for jordan.rivera@example.com"}))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let catalog = proxy.call(reqwest::Method::GET, "/api/catalog", None).await;
    let package = catalog["packages"][0]["slug"].as_str().unwrap().to_owned();
    let failed = proxy
        .http
        .post(format!("http://{}/api/orders", proxy.running.address))
        .bearer_auth(proxy.token("blue-bakery", Role::Recruiter))
        .json(&support::us_order("A-10", &package))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status().as_u16(), 422);
    let failed: Value = failed.json().await.unwrap();
    let order_id = failed["order"]["id"].as_str().unwrap().to_owned();
    let accepted = receiver.wait_for_accepted(2).await;
    let announced = accepted[1].json();
    assert_eq!(announced["type"], "order.failed");
    assert_eq!(announced["data"]["failure"]["step"], "invitation");
    assert_eq!(announced["data"]["failure"]["provider_status"], 400);
    assert_eq!(announced["data"]["status"]["label"], "Not Sent");
    assert!(!accepted[1].body.contains("paused"), "{}", accepted[1].body);
    assert!(
        !accepted[1].body.contains("example.com"),
        "{}",
        accepted[1].body
    );

    fault(Value::Null).await.unwrap();
    proxy
        .call(
            reqwest::Method::POST,
            &format!("/api/orders/{order_id}/retry"),
            Some(json!({})),
        )
        .await;
    let accepted = receiver.wait_for_accepted(4).await;
    let labels: Vec<Value> = accepted[2..]
        .iter()
        .map(|received| received.json()["data"]["status"]["label"].clone())
        .collect();
    assert_eq!(labels, [json!("Sending"), json!("Invitation Sent")]);
    assert!(accepted.iter().all(signature_is_valid));
    proxy.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_an_account_is_announced_then_its_credentialing() {
    let receiver = Receiver::start(&[]).await;
    let database_url = if std::env::var("BGCHECK_TEST_STORE").as_deref() == Ok("postgres") {
        support::fresh_postgres_database().await
    } else {
        None
    };
    let harness = support::Harness::start_configured(database_url, |config| {
        config.ats_webhook_url = Some(Secret::new(receiver.url.clone()));
        config.ats_webhook_secret = Some(Secret::new(SECRET));
    })
    .await;
    let (_, session) = harness
        .get_as("fresh-start", Role::Admin, "/api/session")
        .await;
    let authorized = harness
        .authorize(
            session["connect"]["signup_url"].as_str().unwrap(),
            "no_hierarchy",
        )
        .await;
    assert_eq!(harness.callback(&authorized).await.status(), 200);
    // The sandbox sends account.credentialed a second after the sign-up.
    let accepted = receiver.wait_for_accepted(2).await;
    let bodies: Vec<Value> = accepted.iter().map(Received::json).collect();
    assert_eq!(bodies[0]["type"], "account.connected");
    assert_eq!(bodies[0]["data"]["account_id"], "fresh-start");
    assert_eq!(bodies[0]["data"]["credentialed"], false);
    assert_eq!(bodies[1]["type"], "account.credentialed");
    assert_eq!(bodies[1]["data"]["credentialed"], true);
    assert!(accepted.iter().all(signature_is_valid));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_at_checkr_is_announced_as_a_disconnection() {
    let receiver = Receiver::start(&[]).await;
    let proxy = Proxy::start(&receiver).await;
    let response = proxy
        .http
        .post(format!(
            "http://{}/demo/deauthorize?account=acme",
            proxy.running.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let accepted = receiver.wait_for_accepted(1).await;
    let body = accepted[0].json();
    assert_eq!(body["type"], "account.disconnected");
    assert_eq!(body["data"]["account_id"], "acme");
    assert_eq!(body["data"]["connection"], "deauthorized");
    assert!(signature_is_valid(&accepted[0]));
    proxy.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_store_deliver_each_event_once_and_in_order() {
    let Some(database) = support::fresh_postgres_database().await else {
        return;
    };
    let receiver = Receiver::start(&[]).await;
    let a = Proxy::start_on(&receiver, Some(database.clone())).await;
    // The second instance: Checkr mode against the first one's sandbox, same keys and store.
    let keys = a.running.state.data_dir().to_path_buf();
    let read = |name: &str| Secret::new(std::fs::read_to_string(keys.join(name)).unwrap().trim());
    let data = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(data.path());
    config.sandbox = false;
    config.checkr_api_base = Some(format!("http://{}", a.running.sandbox_address.unwrap()));
    config.checkr_client_id = Some("bgcheck-sandbox".to_owned());
    config.checkr_client_secret = Some(read("sandbox-client-secret"));
    config.encryption_key = Some(read("encryption.key"));
    config.session_secret = Some(read("session.secret"));
    config.database_url = Some(Secret::new(database));
    config.ats_webhook_url = Some(Secret::new(receiver.url.clone()));
    config.ats_webhook_secret = Some(Secret::new(SECRET));
    let b = start_with_policy(config, ClientPolicy::default())
        .await
        .unwrap();

    let orders = 6;
    let applicants: Vec<String> = (0..orders).map(|index| format!("P-{index}")).collect();
    futures::future::join_all(applicants.iter().map(|applicant| a.place_order(applicant))).await;
    let accepted = receiver.wait_for_accepted(2 * orders).await;
    let mut ids: Vec<&str> = accepted
        .iter()
        .map(|received| received.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), accepted.len(), "no event was sent twice");
    for index in 0..orders {
        let applicant = format!("P-{index}");
        let types: Vec<String> = accepted
            .iter()
            .map(Received::json)
            .filter(|body| body["data"]["applicant_id"] == applicant.as_str())
            .map(|body| body["type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            types,
            ["order.created", "order.status_changed"],
            "{applicant}"
        );
    }
    b.stop().await.unwrap();
    a.running.stop().await.unwrap();
}

const ENCRYPTION_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const SESSION_SECRET: &str = "ats-webhook-test-session-secret";

/// The real binary, killed with SIGKILL when dropped.
struct Binary(Child, String);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_binary(
    data: &std::path::Path,
    database: Option<&str>,
    sandbox_base: &str,
    receiver: &Receiver,
) -> Binary {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bgcheck"));
    if let Some(database) = database {
        command.args(["--database-url", database]);
    }
    let mut child = command
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(["--checkr-api-base", sandbox_base])
        .args(["--checkr-client-id", "ats-test"])
        .args(["--checkr-client-secret", "ats-test-client-secret"])
        .args(["--encryption-key", ENCRYPTION_KEY])
        .args(["--session-secret", SESSION_SECRET])
        .args(["--ats-webhook-url", &receiver.url])
        .args(["--ats-webhook-secret", SECRET])
        .args(["--ats-webhook-timeout", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("bgcheck is running: open ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    Binary(child, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_committed_before_a_kill_are_delivered_after_the_restart() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox_base = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = Sandbox::new();
    tokio::spawn(sandbox.clone().serve(listener));
    let data = tempfile::tempdir().unwrap();
    let credentials = sandbox.account(SandboxAccount::NoHierarchy);
    let vault = Vault::from_encoded_key(&Secret::new(ENCRYPTION_KEY)).unwrap();
    let database = if std::env::var("BGCHECK_TEST_STORE").as_deref() == Ok("postgres") {
        support::fresh_postgres_database().await
    } else {
        None
    };
    let store = match &database {
        Some(url) => Store::connect(&Secret::new(url.clone()), vault)
            .await
            .unwrap(),
        None => Store::open(&data.path().join("bgcheck.sqlite3"), vault).unwrap(),
    };
    store
        .upsert_account(AccountRecord {
            id: "blue-bakery".to_owned(),
            name: "Blue Bakery".to_owned(),
            checkr_account_id: Some(credentials.account_id),
            access_token: Some(Secret::new(credentials.api_key)),
            customer_type: CustomerType::Combined,
            credentialed: true,
            connection: ConnectionState::Connected,
        })
        .await
        .unwrap();
    drop(store);
    // Every delivery hangs: the proxy dies while the receiver holds the first one.
    let receiver = Receiver::start(&[]).await;
    receiver.set_otherwise(Some(Answer::Hang));
    let http = reqwest::Client::new();
    let proxy = start_binary(data.path(), database.as_deref(), &sandbox_base, &receiver);
    let session: Value = http
        .post(format!("{}/api/sessions", proxy.1))
        .bearer_auth(SESSION_SECRET)
        .json(&json!({"account_id": "blue-bakery", "user_id": "u-1", "role": "recruiter"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let catalog: Value = http
        .get(format!("{}/api/catalog", proxy.1))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let package = catalog["packages"][0]["slug"].as_str().unwrap();
    let placed = http
        .post(format!("{}/api/orders", proxy.1))
        .bearer_auth(&token)
        .json(&support::us_order("A-9", package))
        .send()
        .await
        .unwrap();
    assert!(placed.status().is_success());
    let first = receiver.wait_for(1).await;
    assert_eq!(first[0].json()["type"], "order.created");
    drop(proxy); // SIGKILL, with the delivery in flight.

    receiver.set_otherwise(None);
    // SQLite: the new process voids the dead one's delivery lease at start. PostgreSQL: the
    // lease (timeout + 5 s) has to run out, as another live instance could hold it.
    let _proxy = start_binary(data.path(), database.as_deref(), &sandbox_base, &receiver);
    let accepted = receiver.wait_for_accepted(2).await;
    assert_eq!(accepted[0].id, first[0].id, "the same event, not a new one");
    assert_eq!(accepted[0].json()["type"], "order.created");
    assert_eq!(accepted[1].json()["type"], "order.status_changed");
    assert!(accepted.iter().all(signature_is_valid));
}
