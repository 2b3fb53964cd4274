//! Several proxy instances on one PostgreSQL database, as behind a load balancer: instance A
//! runs the sandbox, instance B talks to that sandbox as to Checkr, with the same credentials
//! and keys. Real PostgreSQL (the throwaway cluster `cargo xtask test` starts), real HTTP.
//! Without `BGCHECK_TEST_POSTGRES` each test says it was skipped and does nothing.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use bgcheck::proxy::checkr::ClientPolicy;
use bgcheck::proxy::crypto::{Vault, sign_hex};
use bgcheck::proxy::secret::Secret;
use bgcheck::proxy::store::Store;
use bgcheck::proxy::{Config, Running, start_with_policy};
use futures::StreamExt;
use serde_json::{Value, json};
use support::{Harness, first_package, fresh_postgres_database, us_order};

const ACCOUNT: &str = "blue-bakery";

/// Instance A (with the sandbox) and instance B, both on `database`.
struct Pair {
    a: Harness,
    b: Running,
    b_http: reqwest::Client,
    _b_data: tempfile::TempDir,
}

impl Pair {
    async fn start(database: String) -> Self {
        let a = Harness::start_on(Some(database.clone())).await;
        let keys = a.running.state.data_dir().to_path_buf();
        let read = |name: &str| {
            Secret::new(
                std::fs::read_to_string(keys.join(name))
                    .unwrap()
                    .trim()
                    .to_owned(),
            )
        };
        let data = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(data.path());
        config.sandbox = false;
        config.checkr_api_base = Some(a.sandbox(""));
        config.checkr_client_id = Some("bgcheck-sandbox".to_owned());
        config.checkr_client_secret = Some(read("sandbox-client-secret"));
        config.encryption_key = Some(read("encryption.key"));
        config.session_secret = Some(read("session.secret"));
        config.database_url = Some(Secret::new(database));
        let b = start_with_policy(config, ClientPolicy::default())
            .await
            .unwrap();
        Self {
            a,
            b,
            b_http: reqwest::Client::new(),
            _b_data: data,
        }
    }

    fn b_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.b.address)
    }

    async fn b_get(&self, path: &str) -> (u16, Value) {
        let response = self
            .b_http
            .get(self.b_url(path))
            .bearer_auth(self.a.token(ACCOUNT))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Posts a signed webhook body to instance A (`to_b`: B) and expects it accepted.
    async fn deliver(&self, body: &Value, to_b: bool) {
        let secret = std::fs::read_to_string(
            self.a
                .running
                .state
                .data_dir()
                .join("sandbox-client-secret"),
        )
        .unwrap();
        let body = body.to_string();
        let signature = sign_hex(secret.trim().as_bytes(), body.as_bytes());
        let url = if to_b {
            self.b_url("/webhooks/checkr")
        } else {
            self.a.url("/webhooks/checkr")
        };
        let response = self
            .a
            .http
            .post(url)
            .header("x-checkr-signature", signature)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    async fn place(&self, custom_id: &str, package: &str) -> Value {
        let (status, order) = self
            .a
            .post(ACCOUNT, "/api/orders", &us_order(custom_id, package))
            .await;
        assert_eq!(status, 201, "{order}");
        order
    }

    async fn stop(self) {
        self.b.stop().await.unwrap();
        self.a.stop().await;
    }
}

/// The Checkr account the demo links `blue-bakery` to.
async fn provider_account(pair: &Pair) -> String {
    pair.a
        .running
        .state
        .store()
        .account(ACCOUNT)
        .await
        .unwrap()
        .unwrap()
        .checkr_account_id
        .unwrap()
}

/// `invitation.completed` naming a report, then that report's `report.completed` a second
/// later: the two events of one order that both change it.
fn completion_pair(order: &Value, provider: &str, tag: &str) -> (Value, Value) {
    let report_id = format!("rpt_{tag}");
    let invitation = json!({
        "id": format!("evt_inv_{tag}"), "object": "event", "type": "invitation.completed",
        "created_at": "2030-01-01T00:00:01Z", "account_id": provider,
        "data": {"object": {"id": order["invitation_id"], "object": "invitation",
            "status": "completed", "report_id": report_id,
            "candidate_id": order["candidate_id"], "package": order["package"]}}
    });
    let report = json!({
        "id": format!("evt_rpt_{tag}"), "object": "event", "type": "report.completed",
        "created_at": "2030-01-01T00:00:02Z", "account_id": provider,
        "data": {"object": {"id": report_id, "object": "report", "status": "complete",
            "result": "clear", "candidate_id": order["candidate_id"],
            "package": order["package"]}}
    });
    (invitation, report)
}

#[tokio::test]
async fn an_order_placed_through_one_instance_is_listed_through_the_other() {
    let Some(database) = fresh_postgres_database().await else {
        return;
    };
    let pair = Pair::start(database).await;
    let package = first_package(&pair.a, ACCOUNT).await;
    let placed = pair.place("PG-1", &package).await;

    let (status, listed) = pair.b_get("/api/candidates/PG-1/orders").await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed[0]["id"], placed["id"]);
    assert_eq!(listed[0]["invitation_id"], placed["invitation_id"]);
    pair.stop().await;
}

#[tokio::test]
async fn a_webhook_applied_on_one_instance_reaches_a_live_stream_on_the_other() {
    let Some(database) = fresh_postgres_database().await else {
        return;
    };
    let pair = Pair::start(database).await;
    let package = first_package(&pair.a, ACCOUNT).await;
    let placed = pair.place("PG-2", &package).await;
    let provider = provider_account(&pair).await;

    let token = pair.a.token(ACCOUNT);
    let stream = pair
        .b_http
        .get(pair.b_url(&format!("/api/events?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let (invitation, _) = completion_pair(&placed, &provider, "live");
    pair.deliver(&invitation, false).await;

    // The stream on B carries the order as A folded it: the report the event named.
    let mut stream = stream;
    let mut seen = String::new();
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("rpt_live") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(
        heard,
        "instance B's stream never carried the change: {seen}"
    );
    pair.stop().await;
}

#[tokio::test]
async fn events_of_one_report_posted_to_two_instances_at_once_lose_no_update() {
    let Some(database) = fresh_postgres_database().await else {
        return;
    };
    let pair = Pair::start(database).await;
    let package = first_package(&pair.a, ACCOUNT).await;
    let provider = provider_account(&pair).await;

    // Sequential delivery to one instance sets what every order must end as.
    let control = pair.place("PG-control", &package).await;
    let (invitation, report) = completion_pair(&control, &provider, "control");
    pair.deliver(&invitation, false).await;
    pair.deliver(&report, false).await;
    let (_, expected) = pair.b_get("/api/candidates/PG-control/orders").await;
    assert_eq!(expected[0]["report_id"], "rpt_control");

    const PAIRS: usize = 50;
    let mut orders = Vec::new();
    for index in 0..PAIRS {
        orders.push(pair.place(&format!("PG-{index}"), &package).await);
    }
    // Each order's two events at once: one to A, the other to B (alternating which).
    let deliveries = orders.iter().enumerate().flat_map(|(index, order)| {
        let (invitation, report) = completion_pair(order, &provider, &index.to_string());
        [(invitation, index % 2 == 0), (report, index % 2 == 1)]
    });
    futures::stream::iter(deliveries)
        .for_each_concurrent(32, |(body, to_b)| {
            let pair = &pair;
            async move { pair.deliver(&body, to_b).await }
        })
        .await;

    for index in 0..PAIRS {
        let (_, listed) = pair
            .b_get(&format!("/api/candidates/PG-{index}/orders"))
            .await;
        let order = &listed[0];
        assert_eq!(order["report_id"], format!("rpt_{index}"), "{order}");
        for field in [
            ["invitation", "status"],
            ["report", "status"],
            ["report", "result"],
        ] {
            assert_eq!(
                order["status"][field[0]][field[1]], expected[0]["status"][field[0]][field[1]],
                "{order}"
            );
        }
        assert_eq!(order["badge"], expected[0]["badge"], "{order}");
    }
    pair.stop().await;
}

#[tokio::test]
async fn orders_placed_at_once_through_two_instances_get_distinct_ids() {
    let Some(database) = fresh_postgres_database().await else {
        return;
    };
    let pair = Pair::start(database).await;
    let package = first_package(&pair.a, ACCOUNT).await;
    let token = pair.a.token(ACCOUNT);
    let placements = (0..20).map(|index| {
        let url = if index % 2 == 0 {
            pair.a.url("/api/orders")
        } else {
            pair.b_url("/api/orders")
        };
        let request = pair
            .a
            .http
            .post(url)
            .bearer_auth(&token)
            .json(&us_order(&format!("ID-{index}"), &package));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 201);
            response.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    });
    let mut ids = futures::future::join_all(placements).await;
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20, "{ids:?}");
    pair.stop().await;
}

#[tokio::test]
async fn instances_starting_together_migrate_once_and_both_serve() {
    let Some(database) = fresh_postgres_database().await else {
        return;
    };
    let url = Secret::new(database.clone());
    let key = Secret::new("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    let vault = || Vault::from_encoded_key(&key).unwrap();
    let (first, second) =
        tokio::join!(Store::connect(&url, vault()), Store::connect(&url, vault()));
    let (first, second) = (first.unwrap(), second.unwrap());
    first.ensure_account("acme", "Acme").await.unwrap();
    assert_eq!(second.account("acme").await.unwrap().unwrap().name, "Acme");

    let (client, connection) = tokio_postgres::connect(&database, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let versions: i64 = client
        .query_one("SELECT COUNT(*) FROM schema_version WHERE version = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        versions, 1,
        "the first migration was recorded more than once"
    );
}

#[tokio::test]
async fn a_database_sealed_with_another_key_is_refused_at_start() {
    let Some(database) = fresh_postgres_database().await else {
        return;
    };
    let url = Secret::new(database);
    let key = |hex: &str| Vault::from_encoded_key(&Secret::new(hex)).unwrap();
    Store::connect(
        &url,
        key("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
    )
    .await
    .unwrap();
    let refused = Store::connect(
        &url,
        key("1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"),
    )
    .await
    .err()
    .expect("a wrong key must be refused");
    assert!(
        format!("{refused:#}").contains("another encryption key"),
        "{refused:#}"
    );
}

#[tokio::test]
async fn health_and_readiness_report_a_database_that_stops_answering() {
    let Some(database) = fresh_postgres_database().await else {
        return;
    };
    let harness = Harness::start_on(Some(database.clone())).await;
    let get = |path: &str| harness.http.get(harness.url(path)).send();
    let health = get("/healthz").await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.json::<Value>().await.unwrap()["database"],
        "reachable"
    );
    assert_eq!(get("/readyz").await.unwrap().status(), 200);

    // The database goes away under the running proxy (as when its server is lost).
    let admin = std::env::var(support::POSTGRES_ENV).unwrap();
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = database.rsplit_once('/').unwrap().1;
    client
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();

    let health = get("/healthz").await.unwrap();
    assert_eq!(health.status(), 503);
    assert_eq!(
        health.json::<Value>().await.unwrap()["database"],
        "unreachable"
    );
    assert_eq!(get("/readyz").await.unwrap().status(), 503);
    harness.stop().await;
}
