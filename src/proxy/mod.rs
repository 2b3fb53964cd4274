//! The partner proxy: the only thing the widget talks to. It holds the provider credentials,
//! pages through the provider's API, and keeps order state in SQLite.

pub mod asset_cache;
pub mod assets;
pub mod checkr;
pub mod clock;
pub mod config;
pub mod continuous;
pub mod crypto;
pub mod demo;
mod employee_checks;
pub mod error;
pub mod identity;
pub mod karmacheck;
pub mod live;
pub mod manage;
mod monitoring;
pub mod oauth;
pub mod orders;
pub mod outbox;
pub mod placement;
mod progress;
mod reread;
pub mod screenings;
pub mod secret;
pub mod server;
pub mod sessions;
pub mod store;
pub mod subscriptions;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::domain::checkr::CustomerType;
use crate::domain::time::Timestamp;
use crate::sandbox::{PartnerApp, Sandbox, SandboxAccount};

pub use config::{Config, ConfigError, Mode};

use self::checkr::{CheckrClient, ClientPolicy};
use self::crypto::{Signer, Vault, load_or_create_secret};
use self::orders::CatalogCache;
use self::secret::Secret;
use self::store::{AccountRecord, ConnectionState, OrderRecord, Store};

/// Shared, cheaply cloned state of a running proxy.
#[derive(Clone)]
pub struct AppState {
    config: Arc<Config>,
    mode: Mode,
    data_dir: Arc<std::path::PathBuf>,
    store: Store,
    checkr: CheckrClient,
    karmacheck: karmacheck::KarmaCheckClient,
    catalogs: CatalogCache,
    sessions: Signer,
    oauth_tickets: Signer,
    oauth_states: Signer,
    session_secret: Secret,
    client_id: String,
    client_secret: Secret,
    partner_base: String,
    dashboard_base: String,
    public_url: String,
    live: live::Channels,
    events: webhooks::EventWriter,
    streams: live::StreamSlots,
    clock: clock::Clock,
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Wakes the task that reads objects from Checkr when webhooks cannot settle them.
    reads: Arc<tokio::sync::Notify>,
    /// Wakes the task that sends webhooks to the ATS backend.
    ats_wake: Arc<tokio::sync::Notify>,
    /// Reads of screenings running in the background (see [`screenings::refresh_later`]).
    screening_reads: screenings::ScreeningReads,
}

/// Everything [`AppState`] needs that depends on where the provider is.
pub struct Provider {
    /// Checkr API base.
    pub api_base: String,
    /// KarmaCheck API base, when accounts may connect to KarmaCheck.
    pub karmacheck_api_base: Option<String>,
    /// Base of the hosted authorize pages.
    pub partner_base: String,
    /// Base of report links.
    pub dashboard_base: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret, which also signs webhooks.
    pub client_secret: Secret,
    /// Key sealing tokens at rest.
    pub encryption_key: Secret,
    /// Secret shared with the ATS backend for widget sessions.
    pub session_secret: Secret,
}

impl AppState {
    /// Builds the state: opens the store (`--database-url`, else SQLite in the data dir) and
    /// a client for the provider.
    pub async fn new(
        config: Config,
        provider: Provider,
        public_url: String,
        policy: ClientPolicy,
    ) -> anyhow::Result<Self> {
        let mode = config.mode()?;
        let data_dir = prepare_data_dir(&config)?;
        let mut vault = Vault::from_encoded_key(&provider.encryption_key)?;
        if let Some(previous) = &config.previous_encryption_key {
            vault = vault.with_previous_key(previous)?;
        }
        let store = match &config.database_url {
            Some(url) if store::is_postgres_url(url.expose()) => Store::connect(url, vault).await?,
            Some(path) => Store::open(std::path::Path::new(path.expose()), vault)?,
            None => Store::open(&data_dir.join("bgcheck.sqlite3"), vault)?,
        };
        Ok(Self {
            events: webhooks::EventWriter::start(store.clone()),
            karmacheck: karmacheck::KarmaCheckClient::new(
                provider.karmacheck_api_base.as_deref(),
                policy.request_timeout,
            )?,
            checkr: CheckrClient::new(&provider.api_base, policy)?,
            config: Arc::new(config),
            mode,
            data_dir: Arc::new(data_dir),
            store,
            catalogs: CatalogCache::default(),
            sessions: Signer::derived(&provider.session_secret, "widget-session"),
            oauth_tickets: Signer::derived(&provider.session_secret, "oauth-start-ticket"),
            oauth_states: Signer::derived(&provider.session_secret, "oauth-state"),
            session_secret: provider.session_secret,
            client_id: provider.client_id,
            client_secret: provider.client_secret,
            partner_base: provider.partner_base.trim_end_matches('/').to_owned(),
            dashboard_base: provider.dashboard_base.trim_end_matches('/').to_owned(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            live: live::Channels::default(),
            streams: live::StreamSlots::default(),
            clock: clock::Clock::default(),
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
            reads: Arc::new(tokio::sync::Notify::new()),
            ats_wake: Arc::new(tokio::sync::Notify::new()),
            screening_reads: screenings::ScreeningReads::default(),
        })
    }

    /// The store, for set-up code and tests.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where the database and generated keys live.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// Whether the proxy runs against the embedded sandbox.
    pub fn is_sandbox(&self) -> bool {
        self.mode == Mode::Sandbox
    }

    /// The key Checkr signs webhooks with: the OAuth client secret.
    fn webhook_key(&self) -> &[u8] {
        self.client_secret.expose().as_bytes()
    }

    /// The Dashboard link of a report.
    fn report_url(&self, report_id: &str) -> String {
        format!("{}/reports/{report_id}", self.dashboard_base)
    }

    /// Tells live widgets that an order changed: this instance's directly, or, on a shared
    /// store, every instance's through the database (this one hears it back).
    fn publish(&self, order: OrderRecord) {
        self.wake_ats_webhooks();
        if self.store.is_shared() {
            self.store.announce(store::Notice::Order {
                account_id: order.account_id,
                order_id: order.id,
            });
        } else {
            self.live.publish_order(&self.store, order);
        }
    }

    /// Drops the account's cached catalog, on every instance sharing the store.
    fn forget_catalog(&self, account_id: &str) {
        self.wake_ats_webhooks();
        self.catalogs.forget(account_id);
        self.store.announce(store::Notice::Catalog {
            account_id: account_id.to_owned(),
        });
    }

    /// Asks the read task to look for reads that are due (it coalesces wake-ups).
    fn wake_reads(&self) {
        self.reads.notify_one();
    }

    /// Resolves when the proxy starts shutting down, so long-lived streams can end and
    /// graceful shutdown does not wait on them forever.
    fn stopping(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        let mut receiver = self.stopping.subscribe();
        async move {
            let _ = receiver.wait_for(|stopping| *stopping).await;
        }
    }

    /// Now, as stored in records.
    fn now(&self) -> String {
        Timestamp::from_unix_seconds(unix_seconds())
            .as_str()
            .to_owned()
    }
}

/// Seconds since the Unix epoch: the proxy's one reading of the clock, which the pure domain
/// code receives as an argument.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// [`unix_now`] as the signed seconds leases and stored times use.
fn unix_seconds() -> i64 {
    i64::try_from(unix_now()).unwrap_or(i64::MAX)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    /// `reachable` or `unreachable`.
    database: &'static str,
}

/// How long a health check waits for the database.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

async fn database_answers(state: &AppState) -> bool {
    matches!(
        tokio::time::timeout(HEALTH_TIMEOUT, state.store.ping()).await,
        Ok(Ok(()))
    )
}

/// Liveness, with the database's state: 503 while the database does not answer.
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (StatusCode, Json<Health>) {
    let reachable = database_answers(&state).await;
    let health = Health {
        status: if reachable { "ok" } else { "unavailable" },
        version: env!("CARGO_PKG_VERSION"),
        database: if reachable {
            "reachable"
        } else {
            "unreachable"
        },
    };
    let status = if reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health))
}

/// Readiness for a load balancer: 503 once the proxy is stopping (so it is taken out of
/// rotation while it drains) or while the database does not answer. Migrations run before
/// the server answers anything, so no request is routed to a half-migrated instance.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> StatusCode {
    if *state.stopping.borrow() || !database_answers(&state).await {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> ([(header::HeaderName, &'static str); 1], &'static str) {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Largest request body the API accepts; orders are a few hundred bytes.
const BODY_LIMIT: usize = 64 * 1024;

/// The proxy's routes; kept apart from [`start`] so tests can drive it without a socket.
pub fn app(state: AppState) -> Router {
    let origins: Vec<HeaderValue> = state
        .config
        .allowed_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim()).ok())
        .collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    let api = orders::routes()
        .merge(manage::routes())
        .merge(karmacheck::routes())
        .merge(screenings::routes())
        .merge(continuous::routes())
        .merge(subscriptions::routes())
        .route("/openapi.json", get(openapi))
        .route("/sessions", post(sessions::create_session))
        .route("/events", get(live::events))
        .route("/account/disconnect", post(oauth::disconnect))
        .route("/account/settings", put(oauth::update_settings))
        .fallback(error::no_such_endpoint)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(cors);
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/webhooks/checkr", post(webhooks::receive))
        .route("/webhooks/karmacheck", post(karmacheck::webhook::receive))
        .route("/oauth/checkr/start", get(oauth::start))
        .route("/oauth/checkr/callback", get(oauth::callback))
        .nest("/api", api);
    // The demo endpoints mint admin sessions and drive the sandbox: they exist only in
    // sandbox mode, not merely refuse outside it.
    if state.is_sandbox() {
        router = router
            .route("/demo/session", post(sessions::demo_session))
            .route("/demo/deauthorize", post(demo::deauthorize))
            .route(
                "/demo/sandbox/{*path}",
                axum::routing::any(demo::sandbox_control),
            );
    }
    let serve_demo_page = state.is_sandbox() || state.config.serve_demo_page;
    // Outermost first: trace everything, turn panics into 500s, then bound each request.
    router
        .merge(assets::routes(&state.config.static_dir, serve_demo_page))
        .fallback(not_found)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

async fn not_found() -> error::ApiError {
    error::ApiError::NotFound("page")
}

/// The span of one request: method and path only. Query strings are left out because some
/// carry credentials (the live stream's session token, the OAuth code and state).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
}

/// A running proxy (and its sandbox, when it uses one).
pub struct Running {
    /// Where the proxy listens.
    pub address: SocketAddr,
    /// Where the embedded sandbox listens, when the proxy uses it.
    pub sandbox_address: Option<SocketAddr>,
    /// The embedded sandbox, when the proxy uses it.
    pub sandbox: Option<Sandbox>,
    /// The proxy's state, for tests and set-up code.
    pub state: AppState,
    shutdown: tokio::sync::oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    sandbox_task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Stops accepting connections, drains in-flight requests, and stops the sandbox.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.state.stopping.send_replace(true);
        let _ = self.shutdown.send(());
        self.server.await??;
        if let Some(task) = self.sandbox_task {
            task.abort();
        }
        Ok(())
    }
}

/// The demo's ATS accounts, one per sandbox data set, already connected and credentialed.
pub const DEMO_ACCOUNTS: [(&str, &str, SandboxAccount); 4] = [
    (
        "acme",
        "Acme Logistics (account hierarchy)",
        SandboxAccount::Tree,
    ),
    (
        "blue-bakery",
        "Blue Bakery (no hierarchy)",
        SandboxAccount::NoHierarchy,
    ),
    (
        "corner-cafe",
        "Corner Cafe (hierarchy, no nodes)",
        SandboxAccount::NoNodes,
    ),
    (
        "mega-retail",
        "Mega Retail (2,500 packages)",
        SandboxAccount::Large,
    ),
];

/// Starts the proxy; without a Checkr API base it first starts the embedded sandbox and
/// links the demo accounts to it.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    start_with_policy(config, ClientPolicy::default()).await
}

/// [`start`] with a chosen retry and paging policy (tests shorten the waits).
pub async fn start_with_policy(config: Config, policy: ClientPolicy) -> anyhow::Result<Running> {
    let mode = config.mode()?;
    let dir = prepare_data_dir(&config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let address = listener.local_addr()?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));

    let (provider, sandbox, sandbox_address, sandbox_task) = match mode {
        Mode::Checkr => (production_provider(&config)?, None, None, None),
        Mode::Sandbox => {
            let sandbox = Sandbox::new();
            let sandbox_listener = tokio::net::TcpListener::bind(config.sandbox_listen)
                .await
                .context("binding the sandbox")?;
            let sandbox_address = sandbox_listener.local_addr()?;
            let sandbox_base = format!("http://{sandbox_address}");
            let provider = Provider {
                api_base: sandbox_base.clone(),
                karmacheck_api_base: Some(config.karmacheck_api_base.clone().unwrap_or_else(
                    || format!("{sandbox_base}{}", crate::sandbox::KARMACHECK_PREFIX),
                )),
                partner_base: config
                    .checkr_partner_base
                    .clone()
                    .unwrap_or_else(|| sandbox_base.clone()),
                dashboard_base: format!("{sandbox_base}/dashboard"),
                client_id: config
                    .checkr_client_id
                    .clone()
                    .unwrap_or_else(|| "bgcheck-sandbox".to_owned()),
                client_secret: match &config.checkr_client_secret {
                    Some(secret) => secret.clone(),
                    None => load_or_create_secret(&dir.join("sandbox-client-secret"), 32)?,
                },
                encryption_key: match &config.encryption_key {
                    Some(key) => key.clone(),
                    None => load_or_create_secret(&dir.join("encryption.key"), 32)?,
                },
                session_secret: match &config.session_secret {
                    Some(secret) => secret.clone(),
                    None => load_or_create_secret(&dir.join("session.secret"), 32)?,
                },
            };
            sandbox.register_partner(PartnerApp {
                client_id: provider.client_id.clone(),
                client_secret: provider.client_secret.expose().to_owned(),
                webhook_url: format!("{public_url}/webhooks/checkr"),
                credential_delay: Duration::from_secs(config.sandbox_credential_delay),
            });
            let task = tokio::spawn(sandbox.clone().serve(sandbox_listener));
            (provider, Some(sandbox), Some(sandbox_address), Some(task))
        }
    };
    let state = AppState::new(config, provider, public_url, policy).await?;
    if let Some(notices) = state.store.notices().await? {
        tokio::spawn(relay_notices(state.clone(), notices));
    }
    if let Some(sandbox) = &sandbox {
        link_demo_accounts(&state, sandbox).await?;
    }
    // Reads left pending by an earlier run are retried now; the task ends with the proxy.
    tokio::spawn(reread::run(state.clone()));
    // Nothing of this process is sending yet, so every lease left in the file is from a run
    // that ended; the reconciler resumes those orders now, then periodically.
    state.store.release_all_leases().await?;
    tokio::spawn(placement::reconcile_forever(state.clone()));
    outbox::start(&state).await?;
    let (shutdown, shutdown_received) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(prune_events(state.clone()));
    let router = app(state.clone());
    let limits = state.config.limits();
    let server = tokio::spawn(server::serve(listener, router, limits, async move {
        let _ = shutdown_received.await;
    }));
    Ok(Running {
        address,
        sandbox_address,
        sandbox,
        state,
        shutdown,
        server,
        sandbox_task,
    })
}

/// Acts on what any instance sharing the store announced: loads a changed order for this
/// instance's live widgets, drops a stale catalog. Ends with the proxy.
async fn relay_notices(
    state: AppState,
    mut notices: tokio::sync::mpsc::UnboundedReceiver<store::Notice>,
) {
    let stopping = state.stopping();
    tokio::pin!(stopping);
    loop {
        let notice = tokio::select! {
            () = &mut stopping => return,
            notice = notices.recv() => notice,
        };
        match notice {
            None => return,
            Some(store::Notice::Order {
                account_id,
                order_id,
            }) => match state.store.order(&account_id, &order_id).await {
                Ok(Some(order)) => state.live.publish_order(&state.store, order),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "loading an announced order failed")
                }
            },
            Some(store::Notice::Catalog { account_id }) => state.catalogs.forget(&account_id),
        }
    }
}

/// How often old webhook bodies are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);

/// Blanks webhook bodies older than `--event-retention` days, at start and then hourly,
/// until the proxy stops.
async fn prune_events(state: AppState) {
    let stopping = state.stopping();
    tokio::pin!(stopping);
    loop {
        let retention = state.config.event_retention.saturating_mul(86_400);
        let cutoff = unix_seconds().saturating_sub(i64::try_from(retention).unwrap_or(i64::MAX));
        let before = Timestamp::from_unix_seconds(cutoff);
        match state.store.prune_event_payloads(before.as_str()).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "old webhook bodies pruned"),
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "pruning webhook bodies failed")
            }
        }
        tokio::select! {
            () = &mut stopping => return,
            () = tokio::time::sleep(PRUNE_EVERY) => {}
        }
    }
}

/// Against Checkr itself every credential must come from the operator.
fn production_provider(config: &Config) -> anyhow::Result<Provider> {
    let missing = |what: &str, flag: &str| {
        anyhow::anyhow!("{what} is required with --checkr-api-base: set {flag}")
    };
    Ok(Provider {
        api_base: config
            .checkr_api_base
            .clone()
            .ok_or_else(|| missing("the Checkr API base", "--checkr-api-base"))?,
        karmacheck_api_base: config.karmacheck_api_base.clone(),
        partner_base: config
            .checkr_partner_base
            .clone()
            .unwrap_or_else(|| "https://partners.checkr.com".to_owned()),
        dashboard_base: config.checkr_dashboard_base.clone(),
        client_id: config
            .checkr_client_id
            .clone()
            .ok_or_else(|| missing("the OAuth client id", "--checkr-client-id"))?,
        client_secret: config
            .checkr_client_secret
            .clone()
            .ok_or_else(|| missing("the OAuth client secret", "--checkr-client-secret"))?,
        encryption_key: config
            .encryption_key
            .clone()
            .ok_or_else(|| missing("an encryption key", "--encryption-key"))?,
        session_secret: config
            .session_secret
            .clone()
            .ok_or_else(|| missing("a session secret", "--session-secret"))?,
    })
}

/// Resolves the data dir, creates it readable by the owner only, and refuses one the static
/// files could expose.
fn prepare_data_dir(config: &Config) -> anyhow::Result<std::path::PathBuf> {
    let dir = config.resolved_data_dir()?;
    create_private_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    config::check_data_dir_placement(&dir, &config.static_dir)?;
    Ok(dir)
}

#[cfg(unix)]
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// An ATS account the demo leaves unconnected, to show the sign-up and sign-in flows.
pub const DEMO_UNCONNECTED_ACCOUNT: (&str, &str) =
    ("fresh-start", "Fresh Start Staffing (not connected)");

/// Whether `id` is one of the demo's own ATS accounts, the only ones `/demo/*` acts on.
pub fn is_demo_account(id: &str) -> bool {
    id == DEMO_UNCONNECTED_ACCOUNT.0
        || id == karmacheck::demo::DEMO_KARMACHECK_ACCOUNT.0
        || DEMO_ACCOUNTS.iter().any(|(demo, _, _)| *demo == id)
}

async fn link_demo_accounts(state: &AppState, sandbox: &Sandbox) -> anyhow::Result<()> {
    let (id, name) = DEMO_UNCONNECTED_ACCOUNT;
    state.store.ensure_account(id, name).await?;
    karmacheck::demo::link_demo_account(state, sandbox).await?;
    for (id, name, data_set) in DEMO_ACCOUNTS {
        let credentials = sandbox.account(data_set);
        let customer_type = match state.store.account(id).await? {
            Some(existing) => existing.customer_type,
            None => CustomerType::Combined,
        };
        state
            .store
            .upsert_account(AccountRecord {
                id: id.to_owned(),
                name: name.to_owned(),
                checkr_account_id: Some(credentials.account_id),
                access_token: Some(Secret::new(credentials.api_key)),
                customer_type,
                credentialed: true,
                connection: ConnectionState::Connected,
            })
            .await?;
    }
    Ok(())
}

/// Runs the proxy until Ctrl-C or SIGTERM, then drains in-flight requests.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let running = start(config).await?;
    tracing::info!(address = %running.address, "bgcheck proxy listening");
    if let Some(sandbox) = running.sandbox_address {
        tracing::info!(address = %sandbox, "embedded Checkr sandbox listening");
    }
    println!("bgcheck is running: open http://{}/", running.address);
    shutdown_signal().await;
    running.stop().await
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
