//! A running proxy and its embedded sandbox for integration tests: real HTTP on loopback
//! port 0, a real SQLite file in a temp dir.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bgcheck::proxy::checkr::ClientPolicy;
use bgcheck::proxy::identity::{Identity, Role};
use bgcheck::proxy::{Config, Running, start_with_policy};
use serde_json::{Value, json};

/// A running proxy with its sandbox, a temp data dir, and an HTTP client.
pub struct Harness {
    pub running: Running,
    pub http: reqwest::Client,
    /// The PostgreSQL database, when the proxy runs on one.
    pub database_url: Option<String>,
    _data: tempfile::TempDir,
}

impl Harness {
    /// A proxy on the store the run asks for: SQLite in a temp dir, or, with
    /// `BGCHECK_TEST_STORE=postgres`, a fresh database on the test PostgreSQL cluster.
    pub async fn start() -> Self {
        let database = if std::env::var("BGCHECK_TEST_STORE").as_deref() == Ok("postgres") {
            Some(
                fresh_postgres_database()
                    .await
                    .expect("BGCHECK_TEST_STORE=postgres needs BGCHECK_TEST_POSTGRES"),
            )
        } else {
            None
        };
        Self::start_on(database).await
    }

    /// A proxy whose store is `database_url` (`None`: SQLite in its temp dir).
    pub async fn start_on(database_url: Option<String>) -> Self {
        Self::start_configured(database_url, |_| {}).await
    }

    /// [`Harness::start_on`] with further flags set by `configure`.
    pub async fn start_configured(
        database_url: Option<String>,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let data = tempfile::tempdir().unwrap();
        let policy = ClientPolicy {
            // Checkr's 2/5/10/30 s back-off in milliseconds, and no wait over 50 ms, so no
            // test waits real seconds.
            backoff: Duration::from_millis(1),
            max_rate_limit_wait: Duration::from_millis(50),
            ..ClientPolicy::default()
        };
        let mut config = Config::for_data_dir(data.path());
        config.database_url = database_url
            .clone()
            .map(bgcheck::proxy::secret::Secret::new);
        configure(&mut config);
        let running = start_with_policy(config, policy).await.unwrap();
        Self {
            running,
            http: reqwest::Client::new(),
            database_url,
            _data: data,
        }
    }

    /// Everything the store holds, as text, to search for what must never be stored
    /// readably: the SQLite file and its WAL as bytes, or every row of every PostgreSQL table.
    pub async fn database_text(&self) -> String {
        let Some(url) = &self.database_url else {
            let dir = self.running.state.data_dir();
            let mut bytes = Vec::new();
            for name in ["bgcheck.sqlite3", "bgcheck.sqlite3-wal"] {
                bytes.extend(std::fs::read(dir.join(name)).unwrap_or_default());
            }
            return String::from_utf8_lossy(&bytes).into_owned();
        };
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let tables = client
            .query(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public'",
                &[],
            )
            .await
            .unwrap();
        let mut text = String::new();
        for table in tables {
            let name: String = table.get(0);
            for row in client
                .query(&format!("SELECT t::text FROM {name} t"), &[])
                .await
                .unwrap()
            {
                text.push_str(row.get::<_, &str>(0));
                text.push('\n');
            }
        }
        text
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.running.address)
    }

    pub fn sandbox(&self, path: &str) -> String {
        format!("http://{}{path}", self.running.sandbox_address.unwrap())
    }

    pub fn token(&self, account: &str) -> String {
        self.token_as(account, Role::Recruiter)
    }

    pub fn token_as(&self, account: &str, role: Role) -> String {
        let identity = Identity {
            account_id: account.to_owned(),
            user_id: format!("{role:?}").to_lowercase(),
            role,
        };
        self.running.state.mint_session(&identity).0
    }

    pub async fn get_as(&self, account: &str, role: Role, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(self.token_as(account, role))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn send_as(
        &self,
        account: &str,
        role: Role,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let response = self
            .http
            .request(method, self.url(path))
            .bearer_auth(self.token_as(account, role))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Runs a lifecycle step on the sandbox invitation.
    pub async fn step(&self, invitation_id: &str, step: &str) -> Value {
        let response = self
            .http
            .post(self.sandbox(&format!("/sandbox/invitations/{invitation_id}/steps")))
            .json(&json!({"step": step, "eta": "2026-12-04T00:00:00Z"}))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "step {step}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// The applicant's orders as `role` sees them, once `done` holds for the newest one
    /// (webhooks arrive asynchronously); panics after a few seconds.
    pub async fn wait_for(
        &self,
        account: &str,
        role: Role,
        custom_id: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let path = format!("/api/candidates/{custom_id}/orders");
        for _ in 0..100 {
            let (_, orders) = self.get_as(account, role, &path).await;
            if orders.get(0).is_some_and(&done) {
                return orders[0].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (_, orders) = self.get_as(account, role, &path).await;
        panic!("the order never reached the expected state: {orders}");
    }

    pub async fn get(&self, account: &str, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(self.token(account))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, account: &str, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(self.token(account))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn fault(&self, fault: Value) {
        let response = self
            .http
            .post(self.sandbox("/sandbox/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "setting a sandbox fault");
    }

    pub async fn clear_faults(&self) {
        self.http
            .delete(self.sandbox("/sandbox/faults"))
            .send()
            .await
            .unwrap();
    }

    /// Requests the sandbox received for an account, as `(method, path)` with their bodies.
    pub async fn upstream(&self, account_id: &str) -> Vec<Value> {
        sandbox_get(self, &format!("/sandbox/requests?account_id={account_id}")).await
    }

    /// The HTTP statuses the sandbox answered an account with, in order.
    pub async fn upstream_statuses(&self, account_id: &str) -> Vec<Value> {
        self.upstream(account_id)
            .await
            .iter()
            .map(|request| request["status"].clone())
            .collect()
    }

    pub async fn upstream_posts(&self, account_id: &str, path: &str) -> Vec<Value> {
        self.upstream(account_id)
            .await
            .into_iter()
            .filter(|request| request["method"] == "POST" && request["path"] == path)
            .collect()
    }

    pub async fn sandbox_candidates(&self, account_id: &str) -> usize {
        let candidates: Vec<Value> = self
            .http
            .get(self.sandbox(&format!("/sandbox/candidates?account_id={account_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        candidates.len()
    }

    pub async fn stop(self) {
        self.running.stop().await.unwrap();
    }
}

pub fn us_order(custom_id: &str, package: &str) -> Value {
    json!({
        "candidate": {
            "first_name": "Jordan", "no_middle_name": true, "last_name": "Rivera",
            "email": "jordan.rivera@example.com", "custom_id": custom_id,
            "work_location": {"country": "US", "state": "CA", "city": "Oakland"}
        },
        "package": package
    })
}

pub async fn first_package(harness: &Harness, account: &str) -> String {
    let (status, catalog) = harness.get(account, "/api/catalog").await;
    assert_eq!(status, 200, "{catalog}");
    catalog["packages"][0]["slug"].as_str().unwrap().to_owned()
}

/// Places a US order for `custom_id` with the account's first package and asserts it was
/// accepted; the package and the order as the proxy answered.
pub async fn place_us_order(harness: &Harness, account: &str, custom_id: &str) -> (String, Value) {
    let package = first_package(harness, account).await;
    let (status, order) = harness
        .post(account, "/api/orders", &us_order(custom_id, &package))
        .await;
    assert_eq!(status, 201, "{order}");
    (package, order)
}

/// Places an order for `custom_id` with a work location in Great Britain and the account's
/// first package, and asserts it was accepted; the package.
pub async fn place_abroad_order(harness: &Harness, account: &str, custom_id: &str) -> String {
    let package = first_package(harness, account).await;
    let mut abroad = us_order(custom_id, &package);
    abroad["candidate"]["work_location"] = json!({"country": "GB", "city": "London"});
    let (status, order) = harness.post(account, "/api/orders", &abroad).await;
    assert_eq!(status, 201, "{order}");
    package
}

/// What a sandbox route answers to a plain `GET`.
pub async fn sandbox_get<T: serde::de::DeserializeOwned>(harness: &Harness, path: &str) -> T {
    harness
        .http
        .get(harness.sandbox(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The account's admin makes it a customer of `customer_type`; asserts it was accepted.
pub async fn set_customer_type(harness: &Harness, account: &str, customer_type: &str) {
    let (status, body) = harness
        .send_as(
            account,
            Role::Admin,
            reqwest::Method::PUT,
            "/api/account/settings",
            &json!({"customer_type": customer_type}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

/// Posts `body` to a sandbox control route; the HTTP status it answers.
pub async fn sandbox_control(harness: &Harness, path: &str, body: &Value) -> u16 {
    harness
        .http
        .post(harness.sandbox(path))
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A finished visit to Checkr's hosted pages: where Checkr sends the browser back, and the
/// browser-binding cookie the proxy set when the flow started.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub callback: String,
    pub cookie: String,
}

impl Harness {
    /// Follows a connect link like a browser: the proxy's start (which sets the binding
    /// cookie and redirects), the authorize page's form, then the redirect back, returning
    /// the callback URL (with code and state) without visiting it.
    pub async fn authorize(&self, start_url: &str, data_set: &str) -> Authorized {
        self.authorize_with(start_url, data_set, false).await
    }

    /// [`Harness::authorize`], signing in to the data set's existing (seeded) Checkr account
    /// when `existing` is set: the account the demo's ATS accounts are linked to.
    pub async fn authorize_with(
        &self,
        start_url: &str,
        data_set: &str,
        existing: bool,
    ) -> Authorized {
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let started = no_redirects.get(start_url).send().await.unwrap();
        assert_eq!(started.status(), 303, "the connect link starts the flow");
        let cookie = started.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let url = started.headers()["location"].to_str().unwrap().to_owned();
        let page = no_redirects.get(&url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let parsed = reqwest::Url::parse(&url).unwrap();
        let query: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        let response = no_redirects
            .post(&url)
            .form(&[
                ("state", query["state"].as_str()),
                ("redirect_uri", query["redirect_uri"].as_str()),
                ("data_set", data_set),
                ("decision", "allow"),
                ("existing", if existing { "true" } else { "false" }),
            ])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_redirection(), "{}", response.status());
        Authorized {
            callback: response.headers()["location"].to_str().unwrap().to_owned(),
            cookie,
        }
    }

    /// Visits the callback from the browser that started the flow.
    pub async fn callback(&self, authorized: &Authorized) -> reqwest::Response {
        self.http
            .get(&authorized.callback)
            .header("cookie", &authorized.cookie)
            .send()
            .await
            .unwrap()
    }
}

/// The variable naming the throwaway PostgreSQL cluster `cargo xtask test` starts (an admin
/// `postgres://` URL).
pub const POSTGRES_ENV: &str = "BGCHECK_TEST_POSTGRES";

/// A new, empty database on the test cluster, as a `postgres://` URL; `None`, with a note
/// saying the test is skipped, when no cluster was given.
pub async fn fresh_postgres_database() -> Option<String> {
    let Ok(admin) = std::env::var(POSTGRES_ENV) else {
        // Straight to the stream: the test harness would swallow `eprintln!` of a test that
        // passes, and a skip must be seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {POSTGRES_ENV} is unset, so this PostgreSQL test did not run; \
             `cargo xtask test` starts a throwaway cluster and sets it"
        );
        return None;
    };
    let name = format!("bgcheck_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap();
    let connection = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    drop(client);
    let _ = connection.await;
    let base = admin.rsplit_once('/').unwrap().0;
    Some(format!("{base}/{name}"))
}
