//! Webhook ingestion: signed events posted over loopback to `POST /webhooks/checkr` (signature
//! check, durable SQLite write, fold into the order), beside a no-op handler on a server in the
//! same process as the ceiling. Prints throughput and latency percentiles; asserts nothing.
//! With `BGCHECK_BENCH_POSTGRES` (an admin `postgres://` URL) it adds PostgreSQL rows: one
//! instance, and two instances sharing the database with the load spread over both. Each
//! store also gets one report's long history: the first and last 1,000 of its events should
//! cost the same, since folding keeps its state and nothing re-reads the stored events.
//!
//! Run with `cargo bench --bench webhooks`.

use std::time::{Duration, Instant};

use axum::routing::post;
use bgcheck::proxy::crypto::sign_hex;
use bgcheck::proxy::identity::{Identity, Role};
use bgcheck::proxy::secret::Secret;
use bgcheck::proxy::{Config, Running, start};
use futures::stream::{self, StreamExt};
use serde_json::json;

const EVENTS: usize = 5_000;
const CONCURRENCY: usize = 32;
const ORDERS: usize = 20;
const REPORT_HISTORY: usize = 6_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let running = start(Config::for_data_dir(data.path())).await?;
    let http = reqwest::Client::new();
    let base = format!("http://{}", running.address);
    let prepared = prepare(&http, &running, data.path()).await?;
    let bodies = &prepared.bodies;

    let noop = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let noop_address = noop.local_addr()?;
    let noop_server = tokio::spawn(async move {
        let router = axum::Router::new().route("/noop", post(|| async { "" }));
        axum::serve(noop, router).await
    });

    let urls = [format!("{base}/webhooks/checkr")];
    let receiver = load(&http, &urls, bodies).await;
    let ceiling = load(&http, &[format!("http://{noop_address}/noop")], bodies).await;

    println!("webhook ingestion, {EVENTS} signed events, {CONCURRENCY} concurrent, loopback:");
    receiver.print("verify + durable write + fold");
    ceiling.print("no-op handler (ceiling)");
    println!(
        "  ratio: {:.2} of the ceiling's throughput (target: >= 5,000 events/s and p99 <= 20 ms on 2 cores)",
        receiver.per_second / ceiling.per_second
    );
    noop_server.abort();
    let (early, late) = long_history(&http, &urls, &prepared).await;
    println!("  one report, {REPORT_HISTORY} events in a row, SQLite:");
    early.print("first 1,000 events");
    late.print(&format!("last 1,000 (after {})", REPORT_HISTORY - 1_000));
    running.stop().await?;

    match std::env::var("BGCHECK_BENCH_POSTGRES") {
        Ok(admin) => {
            for instances in [1, 2] {
                let (figures, early, late) = on_postgres(&http, &admin, instances).await?;
                figures.print(&format!("PostgreSQL, {instances} instance(s)"));
                early.print("  one report: first 1,000");
                late.print(&format!("  last 1,000 (after {})", REPORT_HISTORY - 1_000));
            }
        }
        Err(_) => println!(
            "  PostgreSQL: not measured; set BGCHECK_BENCH_POSTGRES to an admin postgres:// URL"
        ),
    }
    Ok(())
}

/// Signed events for one store, and what signing more needs.
struct Prepared {
    bodies: Vec<(String, String)>,
    invitations: Vec<String>,
    secret: String,
}

/// Places real orders through `running` (so events are routed and folded, not just stored)
/// and signs one event per index, each later than the last for its invitation.
async fn prepare(
    http: &reqwest::Client,
    running: &Running,
    keys: &std::path::Path,
) -> anyhow::Result<Prepared> {
    let base = format!("http://{}", running.address);
    let secret = std::fs::read_to_string(keys.join("sandbox-client-secret"))?;
    let session = running.state.mint_session(&Identity {
        account_id: "blue-bakery".to_owned(),
        user_id: "bench".to_owned(),
        role: Role::Recruiter,
    });
    let catalog: serde_json::Value = http
        .get(format!("{base}/api/catalog"))
        .bearer_auth(&session.0)
        .send()
        .await?
        .json()
        .await?;
    let package = catalog["packages"][0]["slug"].clone();
    let mut invitations = Vec::new();
    for index in 0..ORDERS {
        let order: serde_json::Value = http
            .post(format!("{base}/api/orders"))
            .bearer_auth(&session.0)
            .json(&json!({"candidate": {"first_name": "Bench", "no_middle_name": true, "last_name": "Mark",
                "email": "bench@example.com", "custom_id": format!("B-{index}"),
                "work_location": {"country": "US", "state": "CA"}}, "package": package}))
            .send()
            .await?
            .json()
            .await?;
        invitations.push(
            order["invitation_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let bodies = (0..EVENTS)
        .map(|index| {
            let body = json!({"id": format!("evt_bench_{index}"), "object": "event", "type": "invitation.created",
                "created_at": format!("2026-11-21T10:{:02}:{:02}.{:03}Z", index / 60_000 % 60, index / 1000 % 60, index % 1000),
                "account_id": "acct_no_hierarchy",
                "data": {"object": {"id": invitations[index % ORDERS], "object": "invitation", "status": "pending"}}})
            .to_string();
            let signature = sign_hex(secret.trim().as_bytes(), body.as_bytes());
            (body, signature)
        })
        .collect();
    Ok(Prepared {
        bodies,
        invitations,
        secret: secret.trim().to_owned(),
    })
}

/// Links a report to the first order, then posts `REPORT_HISTORY` updates of that report:
/// figures for the first 1,000 and the last 1,000.
async fn long_history(
    http: &reqwest::Client,
    urls: &[String],
    prepared: &Prepared,
) -> (Figures, Figures) {
    let sign = |body: String| {
        let signature = sign_hex(prepared.secret.as_bytes(), body.as_bytes());
        (body, signature)
    };
    let report_id = "b0b0b0b0b0b0b0b0b0b0b0b0";
    let link = json!({"id": "evt_bench_link", "object": "event", "type": "invitation.completed",
        "created_at": "2026-11-21T09:00:00Z", "account_id": "acct_no_hierarchy",
        "data": {"object": {"id": prepared.invitations[0], "object": "invitation", "status": "completed",
            "report_id": report_id}}});
    load(http, &urls[..1], &[sign(link.to_string())]).await;
    let history: Vec<(String, String)> = (0..REPORT_HISTORY)
        .map(|index| {
            sign(json!({"id": format!("evt_report_{index}"), "object": "event", "type": "report.updated",
                "created_at": format!("2026-11-22T10:{:02}:{:02}.{:03}Z", index / 60_000 % 60, index / 1000 % 60, index % 1000),
                "account_id": "acct_no_hierarchy",
                "data": {"object": {"id": report_id, "object": "report", "status": "pending",
                    "estimated_completion_time": format!("2026-12-{:02}T00:00:00Z", 1 + index % 28)}}})
            .to_string())
        })
        .collect();
    let (first, rest) = history.split_at(1_000);
    let (middle, last) = rest.split_at(rest.len() - 1_000);
    let early = load(http, urls, first).await;
    load(http, urls, middle).await;
    let late = load(http, urls, last).await;
    (early, late)
}

/// The same load on a fresh PostgreSQL database, spread over `instances` proxies (the
/// second talks to the first's sandbox as to Checkr, with the same keys).
async fn on_postgres(
    http: &reqwest::Client,
    admin: &str,
    instances: usize,
) -> anyhow::Result<(Figures, Figures, Figures)> {
    let name = format!("bgcheck_bench_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls).await?;
    let connection = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    drop(client);
    let _ = connection.await;
    let database = format!(
        "{}/{name}",
        admin.rsplit_once('/').map_or(admin, |(base, _)| base)
    );

    let data = tempfile::tempdir()?;
    let mut config = Config::for_data_dir(data.path());
    config.database_url = Some(Secret::new(database.clone()));
    let first = start(config).await?;
    let prepared = prepare(http, &first, data.path()).await?;
    let mut urls = vec![format!("http://{}/webhooks/checkr", first.address)];
    let mut others = Vec::new();
    let other_data = tempfile::tempdir()?;
    if instances > 1 {
        let read = |file: &str| -> anyhow::Result<Secret> {
            Ok(Secret::new(
                std::fs::read_to_string(data.path().join(file))?
                    .trim()
                    .to_owned(),
            ))
        };
        let mut config = Config::for_data_dir(other_data.path());
        config.sandbox = false;
        config.checkr_api_base = first
            .sandbox_address
            .map(|address| format!("http://{address}"));
        config.checkr_client_id = Some("bgcheck-sandbox".to_owned());
        config.checkr_client_secret = Some(read("sandbox-client-secret")?);
        config.encryption_key = Some(read("encryption.key")?);
        config.session_secret = Some(read("session.secret")?);
        config.database_url = Some(Secret::new(database));
        let second = start(config).await?;
        urls.push(format!("http://{}/webhooks/checkr", second.address));
        others.push(second);
    }
    let figures = load(http, &urls, &prepared.bodies).await;
    let (early, late) = long_history(http, &urls, &prepared).await;
    for other in others {
        other.stop().await?;
    }
    first.stop().await?;
    Ok((figures, early, late))
}

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    failures: usize,
}

impl Figures {
    fn print(&self, what: &str) {
        println!(
            "  {what:<32} {:>8.0} events/s   p50 {:>6.2} ms   p99 {:>6.2} ms   non-2xx {}",
            self.per_second,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.failures
        );
    }
}

/// Posts every body, `CONCURRENCY` at once, spread over `urls` in turn.
async fn load(http: &reqwest::Client, urls: &[String], bodies: &[(String, String)]) -> Figures {
    let started = Instant::now();
    let results: Vec<(Duration, bool)> = stream::iter(bodies.iter().enumerate())
        .map(|(index, (body, signature))| async move {
            let url = &urls[index % urls.len()];
            let sent = Instant::now();
            let ok = http
                .post(url)
                .header("content-type", "application/json")
                .header("X-Checkr-Signature", signature)
                .body(body.clone())
                .send()
                .await
                .is_ok_and(|response| response.status().is_success());
            (sent.elapsed(), ok)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = results.iter().map(|(latency, _)| *latency).collect();
    latencies.sort();
    let at = |fraction: f64| {
        latencies[((latencies.len() as f64 * fraction) as usize).min(latencies.len() - 1)]
    };
    Figures {
        per_second: bodies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        failures: results.iter().filter(|(_, ok)| !ok).count(),
    }
}
