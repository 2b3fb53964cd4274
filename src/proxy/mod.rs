//! The partner proxy: the only thing the widget talks to.

pub mod config;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use config::Config;

/// Shared, cheaply cloned state of a running proxy.
#[derive(Clone)]
pub struct AppState {
    config: Arc<Config>,
}

impl AppState {
    /// Builds the state from configuration.
    pub fn new(config: Config) -> Self {
        Self {
            config: Arc::new(config),
        }
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

/// The proxy's routes; kept apart from [`serve`] so tests can drive it without a socket.
pub fn app(state: AppState) -> Router {
    let static_dir = &state.config.static_dir;
    let demo =
        ServeDir::new(static_dir).not_found_service(ServeFile::new(static_dir.join("index.html")));
    Router::new()
        .route("/healthz", get(healthz))
        .fallback_service(demo)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Binds, serves until Ctrl-C or SIGTERM, then drains in-flight requests.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "bgcheck proxy listening");
    println!("bgcheck is running: open http://{address}/");
    axum::serve(listener, app(AppState::new(config)))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
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
