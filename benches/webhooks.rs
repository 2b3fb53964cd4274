//! Webhook ingestion: signed events posted over loopback to `POST /webhooks/checkr` (signature
//! check, durable SQLite write, fold into the order), beside a no-op handler on a server in the
//! same process as the ceiling. Prints throughput and latency percentiles; asserts nothing.
//!
//! Run with `cargo bench --bench webhooks`.

use std::time::{Duration, Instant};

use axum::routing::post;
use bgcheck::proxy::crypto::sign_hex;
use bgcheck::proxy::identity::{Identity, Role};
use bgcheck::proxy::{Config, start};
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
    let secret = std::fs::read_to_string(data.path().join("sandbox-client-secret"))?;

    // Real orders, so events are routed and folded, not just stored.
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

    let bodies: Vec<(String, String)> = (0..EVENTS)
        .map(|index| {
            // Each event is later than the last for its invitation, so every one is folded
            // into its order and saved, not merely stored.
            let body = json!({"id": format!("evt_bench_{index}"), "object": "event", "type": "invitation.created",
                "created_at": format!("2026-11-21T10:{:02}:{:02}.{:03}Z", index / 60_000 % 60, index / 1000 % 60, index % 1000),
                "account_id": "acct_no_hierarchy",
                "data": {"object": {"id": invitations[index % ORDERS], "object": "invitation", "status": "pending"}}})
            .to_string();
            let signature = sign_hex(secret.trim().as_bytes(), body.as_bytes());
            (body, signature)
        })
        .collect();

    let noop = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let noop_address = noop.local_addr()?;
    let noop_server = tokio::spawn(async move {
        let router = axum::Router::new().route("/noop", post(|| async { "" }));
        axum::serve(noop, router).await
    });

    let receiver = load(&http, &format!("{base}/webhooks/checkr"), &bodies).await;
    let ceiling = load(&http, &format!("http://{noop_address}/noop"), &bodies).await;

    println!("webhook ingestion, {EVENTS} signed events, {CONCURRENCY} concurrent, loopback:");
    receiver.print("verify + durable write + fold");
    ceiling.print("no-op handler (ceiling)");
    println!(
        "  ratio: {:.2} of the ceiling's throughput (target: >= 5,000 events/s and p99 <= 20 ms on 2 cores)",
        receiver.per_second / ceiling.per_second
    );

    // One report with a long history: each event must cost the same however many came
    // before it (the fold keeps its state; nothing re-reads the report's stored events).
    let report_id = "b0b0b0b0b0b0b0b0b0b0b0b0";
    let link = json!({"id": "evt_bench_link", "object": "event", "type": "invitation.completed",
        "created_at": "2026-11-21T09:00:00Z", "account_id": "acct_no_hierarchy",
        "data": {"object": {"id": invitations[0], "object": "invitation", "status": "completed",
            "report_id": report_id}}})
    .to_string();
    let signature = sign_hex(secret.trim().as_bytes(), link.as_bytes());
    load(
        &http,
        &format!("{base}/webhooks/checkr"),
        &[(link, signature)],
    )
    .await;
    let history: Vec<(String, String)> = (0..REPORT_HISTORY)
        .map(|index| {
            let body = json!({"id": format!("evt_report_{index}"), "object": "event", "type": "report.updated",
                "created_at": format!("2026-11-22T10:{:02}:{:02}.{:03}Z", index / 60_000 % 60, index / 1000 % 60, index % 1000),
                "account_id": "acct_no_hierarchy",
                "data": {"object": {"id": report_id, "object": "report", "status": "pending",
                    "estimated_completion_time": format!("2026-12-{:02}T00:00:00Z", 1 + index % 28)}}})
            .to_string();
            let signature = sign_hex(secret.trim().as_bytes(), body.as_bytes());
            (body, signature)
        })
        .collect();
    let url = format!("{base}/webhooks/checkr");
    let (first, rest) = history.split_at(1_000);
    let (middle, last) = rest.split_at(rest.len() - 1_000);
    let early = load(&http, &url, first).await;
    load(&http, &url, middle).await;
    let late = load(&http, &url, last).await;
    println!("one report, {REPORT_HISTORY} events in a row, {CONCURRENCY} concurrent:");
    early.print("first 1,000 events");
    late.print(&format!("last 1,000 (after {})", REPORT_HISTORY - 1_000));

    noop_server.abort();
    running.stop().await?;
    Ok(())
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

async fn load(http: &reqwest::Client, url: &str, bodies: &[(String, String)]) -> Figures {
    let started = Instant::now();
    let results: Vec<(Duration, bool)> = stream::iter(bodies)
        .map(|(body, signature)| async move {
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
