//! The partner proxy: the only thing the widget talks to. It holds the provider credentials,
//! pages through the provider's API, and keeps order state in SQLite.

pub mod checkr;
pub mod config;
pub mod error;
pub mod identity;
pub mod orders;
pub mod secret;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::domain::checkr::CustomerType;
use crate::domain::time::Timestamp;
use crate::sandbox::{Sandbox, SandboxAccount};

pub use config::Config;

use self::checkr::{CheckrClient, ClientPolicy};
use self::orders::CatalogCache;
use self::secret::Secret;
use self::store::{AccountRecord, ConnectionState, Store};

/// Shared, cheaply cloned state of a running proxy.
#[derive(Clone)]
pub struct AppState {
    config: Arc<Config>,
    store: Store,
    checkr: CheckrClient,
    catalogs: CatalogCache,
}

impl AppState {
    /// Builds the state: opens the store in the data dir and a client for `checkr_base`.
    pub fn new(config: Config, checkr_base: &str, policy: ClientPolicy) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
        let store = Store::open(&config.data_dir.join("bgcheck.sqlite3"))?;
        Ok(Self {
            checkr: CheckrClient::new(checkr_base, policy)?,
            config: Arc::new(config),
            store,
            catalogs: CatalogCache::default(),
        })
    }

    /// The store, for set-up code and tests.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Demo sessions stand in for signed widget sessions, and only against the sandbox.
    fn accepts_demo_sessions(&self) -> bool {
        self.config.checkr_api_base.is_none()
    }

    /// Now, as stored in records.
    fn now(&self) -> String {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
            });
        Timestamp::from_unix_seconds(seconds).as_str().to_owned()
    }
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> ([(header::HeaderName, &'static str); 1], &'static str) {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Largest request body the API accepts; orders are a few hundred bytes.
const BODY_LIMIT: usize = 64 * 1024;

/// The proxy's routes; kept apart from [`start`] so tests can drive it without a socket.
pub fn app(state: AppState) -> Router {
    let static_dir = &state.config.static_dir;
    let demo =
        ServeDir::new(static_dir).not_found_service(ServeFile::new(static_dir.join("index.html")));
    let origins: Vec<HeaderValue> = state
        .config
        .allowed_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim()).ok())
        .collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    let api = orders::routes()
        .route("/openapi.json", get(openapi))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(cors);
    // Outermost first: trace everything, turn panics into 500s, then bound each request.
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api", api)
        .fallback_service(demo)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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
    let (checkr_base, sandbox, sandbox_address, sandbox_task) = match &config.checkr_api_base {
        Some(base) => (base.clone(), None, None, None),
        None => {
            let sandbox = Sandbox::new();
            let listener = tokio::net::TcpListener::bind(config.sandbox_listen)
                .await
                .context("binding the sandbox")?;
            let address = listener.local_addr()?;
            let task = tokio::spawn(sandbox.clone().serve(listener));
            (
                format!("http://{address}"),
                Some(sandbox),
                Some(address),
                Some(task),
            )
        }
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let address = listener.local_addr()?;
    let state = AppState::new(config, &checkr_base, policy)?;
    if let Some(sandbox) = &sandbox {
        link_demo_accounts(&state, sandbox).await?;
    }
    let (shutdown, shutdown_received) = tokio::sync::oneshot::channel::<()>();
    let router = app(state.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = shutdown_received.await;
            })
            .await
    });
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

async fn link_demo_accounts(state: &AppState, sandbox: &Sandbox) -> anyhow::Result<()> {
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
