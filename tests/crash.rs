//! The real `bgcheck` binary killed with SIGKILL in the middle of placing an order, then
//! started again on the same data dir: with nobody clicking anything, the order ends with
//! exactly one candidate and one invitation at Checkr.
//!
//! The sandbox runs in the test process (so it outlives the proxy) and holds Checkr's answer
//! to the call the test wants to crash in: the call is processed at Checkr, the proxy is
//! killed while it waits for the answer, and only then is the answer released.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bgcheck::domain::checkr::CustomerType;
use bgcheck::proxy::crypto::Vault;
use bgcheck::proxy::secret::Secret;
use bgcheck::proxy::store::{AccountRecord, ConnectionState, Store};
use bgcheck::sandbox::{Sandbox, SandboxAccount};
use serde_json::{Value, json};

const ENCRYPTION_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const SESSION_SECRET: &str = "crash-test-session-secret";
const ACCOUNT: &str = "crash-co";

struct World {
    sandbox_base: String,
    data: tempfile::TempDir,
    http: reqwest::Client,
    _sandbox: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// A running `bgcheck` process; killed (SIGKILL) when dropped, so a failing test leaves none.
struct Proxy {
    child: Child,
    base: String,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl World {
    async fn new() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox_base = format!("http://{}", listener.local_addr().unwrap());
        let sandbox = Sandbox::new();
        let task = tokio::spawn(sandbox.clone().serve(listener));
        let data = tempfile::tempdir().unwrap();
        // The ATS account, already connected to the sandbox account, as OAuth would leave it.
        let credentials = sandbox.account(SandboxAccount::NoHierarchy);
        let vault = Vault::from_encoded_key(&Secret::new(ENCRYPTION_KEY)).unwrap();
        let store = Store::open(&data.path().join("bgcheck.sqlite3"), vault).unwrap();
        store
            .upsert_account(AccountRecord {
                id: ACCOUNT.to_owned(),
                name: "Crash Co".to_owned(),
                checkr_account_id: Some(credentials.account_id),
                access_token: Some(Secret::new(credentials.api_key)),
                customer_type: CustomerType::Combined,
                credentialed: true,
                connection: ConnectionState::Connected,
            })
            .await
            .unwrap();
        drop(store);
        Self {
            sandbox_base,
            data,
            http: reqwest::Client::new(),
            _sandbox: task,
        }
    }

    /// Starts the binary against the sandbox and waits for the line naming its address.
    async fn start_proxy(&self) -> Proxy {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.path().join("proxy.log"))
            .unwrap();
        // Checkr mode against the sandbox in this process, which outlives the killed proxy.
        let mut child = Command::new(env!("CARGO_BIN_EXE_bgcheck"))
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(self.data.path())
            .args(["--checkr-api-base", &self.sandbox_base])
            .args(["--checkr-client-id", "crash-test"])
            .args(["--checkr-client-secret", "crash-test-client-secret"])
            .args(["--encryption-key", ENCRYPTION_KEY])
            .args(["--session-secret", SESSION_SECRET])
            .env("RUST_LOG", "bgcheck=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        })
        .await
        .unwrap()
        .unwrap();
        let base = line
            .trim()
            .strip_prefix("bgcheck is running: open ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}: {}", self.log()))
            .trim_end_matches('/')
            .to_owned();
        Proxy { child, base }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("proxy.log")).unwrap_or_default()
    }

    async fn sandbox(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sandbox_base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{path}");
        response.json().await.unwrap_or(Value::Null)
    }

    async fn requests(&self) -> Vec<Value> {
        let log = self
            .sandbox(
                reqwest::Method::GET,
                "/sandbox/requests?account_id=acct_no_hierarchy",
                None,
            )
            .await;
        log.as_array().unwrap().clone()
    }

    async fn posts_to(&self, path: &str) -> Vec<Value> {
        self.requests()
            .await
            .into_iter()
            .filter(|request| request["method"] == "POST" && request["path"] == path)
            .collect()
    }

    async fn objects(&self, kind: &str) -> Vec<Value> {
        let listed = self
            .sandbox(
                reqwest::Method::GET,
                &format!("/sandbox/{kind}?account_id=acct_no_hierarchy"),
                None,
            )
            .await;
        listed.as_array().unwrap().clone()
    }

    async fn session(&self, proxy: &Proxy) -> String {
        let response = self
            .http
            .post(format!("{}/api/sessions", proxy.base))
            .bearer_auth(SESSION_SECRET)
            .json(&json!({"account_id": ACCOUNT, "user_id": "u-1", "role": "recruiter"}))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }
}

fn order(package: &str) -> Value {
    json!({
        "candidate": {
            "first_name": "Jordan", "no_middle_name": true, "last_name": "Rivera",
            "email": "jordan.rivera@example.com", "custom_id": "A-1",
            "work_location": {"country": "US", "state": "CA", "city": "Oakland"}
        },
        "package": package
    })
}

/// Kills the proxy while Checkr holds its answer to `held` ("candidates" or "invitations"),
/// releases the answer, restarts the proxy and checks that it finishes the order alone.
async fn crash_while_checkr_answers(held: &str, held_path: &str) {
    let world = World::new().await;
    let proxy = world.start_proxy().await;
    let token = world.session(&proxy).await;
    let catalog: Value = world
        .http
        .get(format!("{}/api/catalog", proxy.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let package = catalog["packages"][0]["slug"].as_str().unwrap().to_owned();
    world
        .sandbox(
            reqwest::Method::POST,
            "/sandbox/faults",
            Some(json!({"hold": held})),
        )
        .await;
    let placing = tokio::spawn({
        let (http, url, token, body) = (
            world.http.clone(),
            format!("{}/api/orders", proxy.base),
            token.clone(),
            order(&package),
        );
        async move { http.post(url).bearer_auth(token).json(&body).send().await }
    });
    // Checkr has the call (and has done its work) when its log shows it.
    for _ in 0..2_000 {
        if !world.posts_to(held_path).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(world.posts_to(held_path).await.len(), 1, "{}", world.log());
    drop(proxy); // SIGKILL
    assert!(
        placing.await.unwrap().is_err(),
        "the proxy died before answering"
    );
    world
        .sandbox(reqwest::Method::DELETE, "/sandbox/faults", None)
        .await;

    let proxy = world.start_proxy().await;
    let token = world.session(&proxy).await;
    let mut seen = Value::Null;
    for _ in 0..1_000 {
        seen = world
            .http
            .get(format!("{}/api/candidates/A-1/orders", proxy.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if seen[0]["step"] == "invited" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen[0]["step"], "invited", "{seen}\n{}", world.log());
    assert_eq!(seen[0]["badge"]["label"], "Invitation Sent");

    let candidates = world.objects("candidates").await;
    let invitations = world.objects("invitations").await;
    assert_eq!(candidates.len(), 1, "exactly one candidate: {candidates:?}");
    assert_eq!(
        invitations.len(),
        1,
        "exactly one invitation: {invitations:?}"
    );
    assert_eq!(invitations[0]["candidate_id"], candidates[0]["id"]);
    assert_eq!(seen[0]["invitation_id"], invitations[0]["id"]);
    // The step that was cut off was repeated with the key it was first sent with.
    let repeated = world.posts_to(held_path).await;
    assert_eq!(repeated.len(), 2, "{repeated:?}");
    assert_eq!(
        repeated[0]["idempotency_key"],
        repeated[1]["idempotency_key"]
    );
    drop(proxy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_the_invitation_call_ends_in_one_candidate_and_one_invitation() {
    crash_while_checkr_answers("invitations", "/v1/invitations").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_the_candidate_call_ends_in_one_candidate_and_one_invitation() {
    crash_while_checkr_answers("candidates", "/v1/candidates").await;
}
