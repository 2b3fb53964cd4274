//! Safe to deploy: what an anonymous caller can reach, which start-ups are refused, OAuth
//! state that works once and only in the browser that started it, and no token readable at
//! rest. Real HTTP on 127.0.0.1, real SQLite files, the real binary where start-up is checked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bgcheck::proxy::checkr::{CheckrClient, ClientPolicy};
use bgcheck::proxy::identity::Role;
use bgcheck::proxy::secret::Secret;
use bgcheck::proxy::{Config, start_with_policy};
use serde_json::{Value, json};
use support::Harness;

/// A static dir laid out like the package folder, with things that must never be served.
fn static_dir_with_secrets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("index.html", "<!doctype html><title>demo ATS page</title>");
    write("www/embed.js", "export {};");
    write("www/.env", "SECRET=1");
    write("pkg/bgcheck.js", "export {};");
    write(".git/config", "[core]");
    write("Cargo.toml", "[package]");
    write("src/main.rs", "fn main() {}");
    write("bgcheck-data/session.secret", "abc");
    dir
}

fn checkr_config(data: &Path, static_dir: &Path) -> Config {
    let mut config = Config::for_data_dir(data);
    config.sandbox = false;
    config.static_dir = static_dir.to_path_buf();
    // Nothing listens there: these tests never reach Checkr.
    config.checkr_api_base = Some("http://127.0.0.1:9".to_owned());
    config.checkr_client_id = Some("client".to_owned());
    config.checkr_client_secret = Some(Secret::new("client-secret"));
    config.encryption_key = Some(Secret::new(hex_key(1)));
    config.session_secret = Some(Secret::new("session-secret"));
    config
}

fn hex_key(byte: u8) -> String {
    format!("{byte:02x}").repeat(32)
}

async fn status(http: &reqwest::Client, url: String) -> u16 {
    http.get(url).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn only_the_page_the_widget_and_its_assets_are_served() {
    let statics = static_dir_with_secrets();
    let data = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(data.path());
    config.static_dir = statics.path().to_path_buf();
    let running = start_with_policy(config, ClientPolicy::default())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://{}", running.address);
    for allowed in ["/", "/index.html", "/www/embed.js", "/pkg/bgcheck.js"] {
        assert_eq!(
            status(&http, format!("{base}{allowed}")).await,
            200,
            "{allowed}"
        );
    }
    for forbidden in [
        "/.git/config",
        "/%2egit/config",
        "/Cargo.toml",
        "/src/main.rs",
        "/bgcheck-data/session.secret",
        "/www/.env",
        "/www/%2eenv",
        "/www/%2e%2e/Cargo.toml",
        "/pkg/../Cargo.toml",
        "/no-such-page",
    ] {
        let response = http.get(format!("{base}{forbidden}")).send().await.unwrap();
        assert_eq!(response.status(), 404, "{forbidden}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["code"], "not_found",
            "{forbidden}: the API's error shape"
        );
    }
    running.stop().await.unwrap();
}

#[tokio::test]
async fn against_checkr_there_is_no_demo_page_and_no_demo_endpoint_unless_asked() {
    let statics = static_dir_with_secrets();
    let data = tempfile::tempdir().unwrap();
    let running = start_with_policy(
        checkr_config(data.path(), statics.path()),
        ClientPolicy::default(),
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://{}", running.address);
    assert!(running.sandbox.is_none(), "no sandbox without --sandbox");
    assert_eq!(status(&http, format!("{base}/")).await, 404);
    assert_eq!(status(&http, format!("{base}/www/embed.js")).await, 200);
    for demo in [
        "/demo/session?account=acme&role=admin",
        "/demo/deauthorize?account=acme",
        "/demo/sandbox/faults",
    ] {
        let response = http.post(format!("{base}{demo}")).send().await.unwrap();
        assert_eq!(response.status(), 404, "{demo}");
    }
    running.stop().await.unwrap();

    let data = tempfile::tempdir().unwrap();
    let mut config = checkr_config(data.path(), statics.path());
    config.serve_demo_page = true;
    let running = start_with_policy(config, ClientPolicy::default())
        .await
        .unwrap();
    let base = format!("http://{}", running.address);
    assert_eq!(status(&http, format!("{base}/")).await, 200, "asked for");
    running.stop().await.unwrap();
}

#[tokio::test]
async fn demo_sessions_exist_only_for_the_demo_accounts_and_keys_stay_on_the_sandbox() {
    let harness = Harness::start().await;
    let secret =
        std::fs::read_to_string(harness.running.state.data_dir().join("session.secret")).unwrap();
    let minted = harness
        .http
        .post(harness.url("/api/sessions"))
        .bearer_auth(secret.trim())
        .json(&json!({"account_id": "real-tenant", "user_id": "u-1", "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(minted.status(), 200);
    let refused = harness
        .http
        .post(harness.url("/demo/session?account=real-tenant&role=admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404, "a real tenant gets no demo session");
    let demo = harness
        .http
        .post(harness.url("/demo/session?account=acme&role=admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(demo.status(), 200);
    for hidden in ["/demo/sandbox/accounts", "/demo/sandbox/requests"] {
        assert_eq!(
            status(&harness.http, harness.url(hidden)).await,
            404,
            "{hidden}"
        );
    }
    harness.stop().await;
}

/// Runs the real binary with `args` and no BGCHECK_* settings from the environment; returns
/// its exit success and what it printed on stderr. A refused start-up exits at once.
fn run_binary(args: &[&str], home: &Path) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bgcheck"));
    for (name, _) in std::env::vars() {
        if name.starts_with("BGCHECK_") {
            command.env_remove(name);
        }
    }
    let output = command
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn start_up_refuses_the_unsafe_combinations_and_names_the_flags() {
    let home = tempfile::tempdir().unwrap();
    let (ok, said) = run_binary(&["--listen", "127.0.0.1:0"], home.path());
    assert!(!ok);
    assert!(
        said.contains("--sandbox") && said.contains("--checkr-api-base"),
        "{said}"
    );

    let (ok, said) = run_binary(&["--sandbox", "--listen", "0.0.0.0:0"], home.path());
    assert!(!ok);
    assert!(said.contains("--sandbox-allow-remote"), "{said}");

    let statics = static_dir_with_secrets();
    let inside = statics.path().join("bgcheck-data");
    let (ok, said) = run_binary(
        &[
            "--sandbox",
            "--listen",
            "127.0.0.1:0",
            "--static-dir",
            statics.path().to_str().unwrap(),
            "--data-dir",
            inside.to_str().unwrap(),
        ],
        home.path(),
    );
    assert!(!ok);
    assert!(
        said.contains("--data-dir") && said.contains("--static-dir"),
        "{said}"
    );

    let (ok, said) = run_binary(
        &["--sandbox", "--checkr-api-base", "https://api.checkr.com"],
        home.path(),
    );
    assert!(!ok, "one provider or the other");
    assert!(said.contains("--checkr-api-base"), "{said}");
}

#[tokio::test]
async fn a_wrong_encryption_key_stops_start_up_and_a_rotation_keeps_every_token() {
    let statics = static_dir_with_secrets();
    let data = tempfile::tempdir().unwrap();
    let running = start_with_policy(
        checkr_config(data.path(), statics.path()),
        ClientPolicy::default(),
    )
    .await
    .unwrap();
    running
        .state
        .store()
        .ensure_account("tenant", "Tenant")
        .await
        .unwrap();
    running
        .state
        .store()
        .connect_account("tenant", "acct_1", &Secret::new("tok_live_rotation"))
        .await
        .unwrap();
    running.stop().await.unwrap();

    let mut wrong = checkr_config(data.path(), statics.path());
    wrong.encryption_key = Some(Secret::new(hex_key(2)));
    let refused = start_with_policy(wrong, ClientPolicy::default())
        .await
        .err()
        .expect("a wrong key is refused at start");
    let message = format!("{refused:#}");
    assert!(message.contains("--encryption-key"), "{message}");

    let mut rotated = checkr_config(data.path(), statics.path());
    rotated.encryption_key = Some(Secret::new(hex_key(2)));
    rotated.previous_encryption_key = Some(Secret::new(hex_key(1)));
    let running = start_with_policy(rotated, ClientPolicy::default())
        .await
        .unwrap();
    running.stop().await.unwrap();

    let mut new_key_only = checkr_config(data.path(), statics.path());
    new_key_only.encryption_key = Some(Secret::new(hex_key(2)));
    let running = start_with_policy(new_key_only, ClientPolicy::default())
        .await
        .unwrap();
    let account = running
        .state
        .store()
        .account("tenant")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        account.access_token.unwrap().expose(),
        "tok_live_rotation",
        "the token survived the rotation"
    );
    running.stop().await.unwrap();
}

async fn admin_links(harness: &Harness, account: &str) -> Value {
    let (_, session) = harness.get_as(account, Role::Admin, "/api/session").await;
    session["connect"].clone()
}

#[tokio::test]
async fn a_connect_link_works_once() {
    let harness = Harness::start().await;
    let link = admin_links(&harness, "fresh-start").await["signin_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let authorized = harness.authorize(&link, "tree").await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let again = no_redirects.get(&link).send().await.unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("works once"));
    assert_eq!(harness.callback(&authorized).await.status(), 200);
    harness.stop().await;
}

#[tokio::test]
async fn a_replayed_state_or_one_from_another_browser_is_refused() {
    let harness = Harness::start().await;
    let links = admin_links(&harness, "fresh-start").await;

    // Someone else's browser (no cookie, or its own) cannot complete the admin's flow.
    let mut stolen = harness
        .authorize(links["signin_url"].as_str().unwrap(), "tree")
        .await;
    stolen.cookie = "bgcheck_oauth=attacker".to_owned();
    let refused = harness.callback(&stolen).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("another browser"));
    let (_, session) = harness
        .get_as("fresh-start", Role::Admin, "/api/session")
        .await;
    assert_eq!(session["connection"], "not_connected");

    // The admin's own flow works, once.
    let authorized = harness
        .authorize(links["signup_url"].as_str().unwrap(), "tree")
        .await;
    assert_eq!(harness.callback(&authorized).await.status(), 200);
    let replayed = harness.callback(&authorized).await;
    assert_eq!(replayed.status(), 400);
    assert!(replayed.text().await.unwrap().contains("already used"));
    harness.stop().await;
}

#[tokio::test]
async fn a_widget_session_is_not_an_oauth_state() {
    let harness = Harness::start().await;
    let links = admin_links(&harness, "fresh-start").await;
    let authorized = harness
        .authorize(links["signin_url"].as_str().unwrap(), "tree")
        .await;
    let session = harness.token_as("fresh-start", Role::Admin);
    let mut forged = authorized.clone();
    let url = reqwest::Url::parse(&authorized.callback).unwrap();
    let code = url
        .query_pairs()
        .find(|(name, _)| name == "code")
        .unwrap()
        .1
        .into_owned();
    forged.callback = format!(
        "{}?code={code}&state={session}",
        authorized.callback.split('?').next().unwrap()
    );
    assert_eq!(harness.callback(&forged).await.status(), 400);
    harness.stop().await;
}

#[tokio::test]
async fn a_checkr_account_another_tenant_uses_is_refused_with_a_clear_message_not_a_500() {
    let harness = Harness::start().await;
    // Acme is linked to the seeded "tree" Checkr account; Fresh Start's admin signs in to it.
    let links = admin_links(&harness, "fresh-start").await;
    let authorized = harness
        .authorize_with(links["signin_url"].as_str().unwrap(), "tree", true)
        .await;
    let page = harness.callback(&authorized).await;
    assert_eq!(page.status(), 409);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("already connected to another account of this ATS")
    );
    let (_, session) = harness
        .get_as("fresh-start", Role::Admin, "/api/session")
        .await;
    assert_eq!(session["connection"], "not_connected");
    let (status, _) = harness.get("acme", "/api/catalog").await;
    assert_eq!(status, 200, "Acme keeps its link");
    harness.stop().await;
}

#[tokio::test]
async fn a_connected_account_is_not_moved_to_another_checkr_account_but_reconnects_after_unlinking()
{
    let harness = Harness::start().await;
    // Blue Bakery is connected; a link for it (as an admin could still hold) leads to a
    // different, new Checkr account.
    let links = harness
        .running
        .state
        .connect_links("blue-bakery", "alex.admin");
    let authorized = harness.authorize(&links.signup_url, "tree").await;
    let page = harness.callback(&authorized).await;
    assert_eq!(page.status(), 409);
    assert!(page.text().await.unwrap().contains("disconnect it"));
    let (status, _) = harness.get("blue-bakery", "/api/catalog").await;
    assert_eq!(status, 200, "still on its own Checkr account");

    let (status, _) = harness
        .send_as(
            "blue-bakery",
            Role::Admin,
            reqwest::Method::POST,
            "/api/account/disconnect",
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let links = admin_links(&harness, "blue-bakery").await;
    let authorized = harness
        .authorize(links["signin_url"].as_str().unwrap(), "tree")
        .await;
    assert_eq!(harness.callback(&authorized).await.status(), 200);
    let (_, session) = harness
        .get_as("blue-bakery", Role::Admin, "/api/session")
        .await;
    assert_eq!(session["connection"], "connected");
    harness.stop().await;
}

#[tokio::test]
async fn no_token_is_readable_in_the_database_after_connecting_ordering_and_disconnecting() {
    let harness = Harness::start().await;
    let links = admin_links(&harness, "fresh-start").await;
    let authorized = harness
        .authorize(links["signup_url"].as_str().unwrap(), "no_hierarchy")
        .await;
    assert_eq!(harness.callback(&authorized).await.status(), 200);
    let mut credentialed = false;
    for _ in 0..100 {
        let (_, session) = harness.get("fresh-start", "/api/session").await;
        if session["credentialed"] == true {
            credentialed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(credentialed);
    let token = harness
        .running
        .state
        .store()
        .account("fresh-start")
        .await
        .unwrap()
        .unwrap()
        .access_token
        .unwrap();
    let (_, catalog) = harness.get("fresh-start", "/api/catalog").await;
    let package = catalog["packages"][0]["slug"].clone();
    let (status, _) = harness
        .post(
            "fresh-start",
            "/api/orders",
            &json!({"candidate": {"first_name": "Tok", "no_middle_name": true, "last_name": "En",
                "email": "tok@example.com", "custom_id": "TOK-1",
                "work_location": {"country": "US", "state": "CA", "city": "Oakland"}},
                "package": package}),
        )
        .await;
    assert_eq!(status, 201);
    // The customer disconnects in Checkr: token.deauthorized carries the revoked token.
    let revoked = harness
        .http
        .post(harness.sandbox("/oauth/deauthorize"))
        .basic_auth(token.expose(), Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let mut disconnected = false;
    for _ in 0..100 {
        let (_, session) = harness
            .get_as("fresh-start", Role::Admin, "/api/session")
            .await;
        if session["connection"] == "deauthorized" {
            disconnected = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(disconnected, "token.deauthorized was applied");
    let stored = harness.database_text().await;
    assert!(
        stored.contains("token.deauthorized"),
        "the event was stored"
    );
    assert!(stored.contains("fresh-start"));
    assert!(
        !stored.contains(token.expose()) && !stored.contains("sandbox_key_"),
        "no token, in any table or stored payload"
    );
    assert!(
        !stored.contains("/sandbox/apply/"),
        "nor the candidate's invitation link, which opens their form"
    );
    harness.stop().await;
}

/// A one-route server standing in for a misbehaving Checkr list endpoint.
async fn serve_list(body: Value) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().route(
        "/v1/packages",
        axum::routing::get(move || {
            let body = body.clone();
            async move { axum::Json(body) }
        }),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, task)
}

#[tokio::test]
async fn list_sizes_and_next_links_from_upstream_are_not_trusted() {
    let token = Secret::new("tok");
    let (base, server) = serve_list(json!({"count": 1_000_000_000_000u64, "data": []})).await;
    let client = CheckrClient::new(&base, ClientPolicy::default()).unwrap();
    let error = client.packages(&token).await.unwrap_err();
    assert!(error.to_string().contains("pages"), "{error}");
    server.abort();

    let (base, server) = serve_list(json!({
        "data": [{"slug": "basic", "name": "Basic"}],
        "next_href": "https://collector.example.net/v1/packages?page=2"
    }))
    .await;
    let client = CheckrClient::new(&base, ClientPolicy::default()).unwrap();
    let error = client.packages(&token).await.unwrap_err();
    assert!(error.to_string().contains("next_href"), "{error}");
    server.abort();
}

#[tokio::test]
async fn a_recruiter_is_refused_account_settings_before_the_body_is_read() {
    let harness = Harness::start().await;
    let response = harness
        .http
        .put(harness.url("/api/account/settings"))
        .bearer_auth(harness.token_as("acme", Role::Recruiter))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "forbidden");
    harness.stop().await;
}

#[tokio::test]
async fn the_demo_relay_to_the_sandbox_cannot_escape_its_controls() {
    let harness = Harness::start().await;
    for path in [
        "/demo/sandbox/invitations/..%2f..%2frequests/steps",
        "/demo/sandbox/faults%2f..%2frequests",
        "/demo/sandbox/..%2fsandbox%2faccounts",
    ] {
        let response = harness.http.get(harness.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    harness.stop().await;
}
