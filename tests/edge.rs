//! The proxy's edge against slow and greedy clients: real sockets on 127.0.0.1 that trickle
//! headers, idle on keep-alive, or open more connections than the proxy serves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bgcheck::proxy::checkr::ClientPolicy;
use bgcheck::proxy::{Config, Running, start_with_policy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far beyond every limit configured below: a connection still open then was never closed.
const NEVER: Duration = Duration::from_secs(20);

async fn proxy(data: &std::path::Path, configure: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::for_data_dir(data);
    configure(&mut config);
    start_with_policy(config, ClientPolicy::default())
        .await
        .unwrap()
}

/// Reads until the server closes the connection; `false` if it is still open at `NEVER`.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut sink = [0u8; 4096];
    let read_to_end = async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(NEVER, read_to_end).await.is_ok()
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_disconnected() {
    let data = tempfile::tempdir().unwrap();
    let running = proxy(data.path(), |config| config.header_read_timeout = 1).await;
    let mut stream = TcpStream::connect(running.address).await.unwrap();
    let trickle = async {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\n" {
            if stream.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    // The trickle would take 10 s; the limit cuts it off long before it ends or NEVER.
    let cut_off = tokio::time::timeout(NEVER, trickle).await.is_ok();
    assert!(cut_off);
    assert!(closed_by_server(&mut stream).await);
    running.stop().await.unwrap();
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let data = tempfile::tempdir().unwrap();
    let running = proxy(data.path(), |config| {
        config.idle_timeout = 1;
        config.header_read_timeout = 30;
    })
    .await;
    let mut stream = TcpStream::connect(running.address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 1024];
    let read = stream.read(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"));
    assert!(
        closed_by_server(&mut stream).await,
        "the idle connection was closed"
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn connections_beyond_the_cap_get_a_clear_503_and_the_rest_keep_working() {
    let data = tempfile::tempdir().unwrap();
    let running = proxy(data.path(), |config| {
        config.max_connections = 2;
        config.header_read_timeout = 30;
        config.idle_timeout = 30;
    })
    .await;
    let first = TcpStream::connect(running.address).await.unwrap();
    let mut second = TcpStream::connect(running.address).await.unwrap();
    // The second connection answers, so both are being served before the third arrives.
    second
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 1024];
    let read = second.read(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"));

    let http = reqwest::Client::new();
    let url = format!("http://{}/healthz", running.address);
    let refused = http.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "overloaded");

    drop(first);
    // The freed slot is taken again once the server has seen the close.
    let mut served = false;
    for _ in 0..100 {
        if http.get(&url).send().await.unwrap().status() == 200 {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served, "a closed connection frees its slot");
    drop(second);
    running.stop().await.unwrap();
}

async fn signed_delivery(running: &Running, data: &std::path::Path, body: &str) -> u16 {
    let secret = std::fs::read_to_string(data.join("sandbox-client-secret")).unwrap();
    let signature = bgcheck::proxy::crypto::sign_hex(secret.trim().as_bytes(), body.as_bytes());
    reqwest::Client::new()
        .post(format!("http://{}/webhooks/checkr", running.address))
        .header("content-type", "application/json")
        .header("X-Checkr-Signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

const EVENT: &str = r#"{"id":"evt_hygiene_1","object":"event","type":"invitation.created","created_at":"2026-11-20T10:00:00Z","account_id":"acct_no_hierarchy","data":{"object":{"id":"inv_unlinked","object":"invitation","status":"pending","package":"hygiene-marker"}}}"#;

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_and_every_database_file_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("state");
    let running = proxy(&dir, |_| {}).await;
    assert_eq!(signed_delivery(&running, &dir, EVENT).await, 200);
    let mode = |name: &str| {
        std::fs::metadata(dir.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700, "the data dir");
    for file in [
        "bgcheck.sqlite3",
        "bgcheck.sqlite3-wal",
        "bgcheck.sqlite3-shm",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    running.stop().await.unwrap();
}

#[tokio::test]
async fn pruned_webhook_bodies_still_recognise_a_redelivery() {
    let data = tempfile::tempdir().unwrap();
    let running = proxy(data.path(), |_| {}).await;
    assert_eq!(signed_delivery(&running, data.path(), EVENT).await, 200);
    let payload = || {
        let db = rusqlite::Connection::open(data.path().join("bgcheck.sqlite3")).unwrap();
        db.query_row(
            "SELECT payload FROM webhook_events WHERE id = 'evt_hygiene_1'",
            [],
            |row| row.get::<_, String>(0),
        )
        .unwrap()
    };
    assert!(payload().contains("hygiene-marker"), "kept while recent");
    let pruned = running
        .state
        .store()
        .prune_event_payloads("2026-11-21T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(pruned, 0, "received just now: inside the retention");
    let pruned = running
        .state
        .store()
        .prune_event_payloads("9999-01-01T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(payload(), "", "the body is gone");
    assert_eq!(
        signed_delivery(&running, data.path(), EVENT).await,
        200,
        "a redelivery is still acknowledged as already recorded"
    );
    running.stop().await.unwrap();
}
