//! Catalog assembly for the large sandbox account (2,500 packages, 1,000 nodes) with 50 ms of
//! latency on every provider request: concurrent paging against following `next_href` one
//! page at a time. Prints figures; asserts nothing.
//!
//! Run with `cargo bench --bench catalog`.

use std::time::{Duration, Instant};

use bgcheck::domain::hierarchy::{Node, Package};
use bgcheck::proxy::checkr::{CheckrClient, ClientPolicy};
use bgcheck::proxy::secret::Secret;
use bgcheck::sandbox::{Sandbox, SandboxAccount};

const LATENCY_MS: u64 = 50;
const RUNS: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sandbox = Sandbox::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(sandbox.clone().serve(listener));
    let large = sandbox.account(SandboxAccount::Large);
    let token = Secret::new(large.api_key);

    reqwest::Client::new()
        .post(format!("http://{address}/sandbox/faults"))
        .json(&serde_json::json!({"account_id": large.account_id, "latency_ms": LATENCY_MS}))
        .send()
        .await?
        .error_for_status()?;

    let client = CheckrClient::new(format!("http://{address}"), ClientPolicy::default())?;

    let concurrent = best_of(|| async {
        let (packages, nodes) = tokio::try_join!(
            client.list_all::<Package>(&token, "/v1/packages", ""),
            client.list_all::<Node>(&token, "/v1/nodes", "include=packages"),
        )?;
        Ok((packages.len(), nodes.len()))
    })
    .await?;
    let sequential = best_of(|| async {
        let packages = client
            .list_sequential::<Package>(&token, "/v1/packages", "")
            .await?;
        let nodes = client
            .list_sequential::<Node>(&token, "/v1/nodes", "include=packages")
            .await?;
        Ok((packages.len(), nodes.len()))
    })
    .await?;

    let round_trips = |elapsed: Duration| elapsed.as_secs_f64() * 1000.0 / LATENCY_MS as f64;
    println!("catalog of the large account, {LATENCY_MS} ms per request, best of {RUNS}:");
    println!(
        "  concurrent paging:   {:>8.1} ms  (~{:.1} round trips)  {} packages, {} nodes",
        concurrent.0.as_secs_f64() * 1000.0,
        round_trips(concurrent.0),
        concurrent.1.0,
        concurrent.1.1
    );
    println!(
        "  following next_href: {:>8.1} ms  (~{:.1} round trips)",
        sequential.0.as_secs_f64() * 1000.0,
        round_trips(sequential.0)
    );
    println!(
        "  speed-up: {:.1}x (target: about 3 round trips, at least 10x)",
        sequential.0.as_secs_f64() / concurrent.0.as_secs_f64()
    );
    server.abort();
    Ok(())
}

async fn best_of<F, Fut>(mut run: F) -> anyhow::Result<(Duration, (usize, usize))>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(usize, usize), bgcheck::proxy::checkr::CheckrError>>,
{
    let mut best: Option<(Duration, (usize, usize))> = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let counts = run().await?;
        let elapsed = started.elapsed();
        if best.is_none_or(|(fastest, _)| elapsed < fastest) {
            best = Some((elapsed, counts));
        }
    }
    best.ok_or_else(|| anyhow::anyhow!("no runs"))
}
