//! Command-line and environment configuration of the proxy.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// The bgcheck partner proxy: holds provider credentials, serves the widget's API, and by
/// default embeds a sandbox that behaves like Checkr's API.
#[derive(Debug, Clone, Parser)]
#[command(name = "bgcheck", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BGCHECK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder for the SQLite database and generated keys; created if missing.
    #[arg(long, env = "BGCHECK_DATA_DIR", default_value = "bgcheck-data")]
    pub data_dir: PathBuf,

    /// Folder served at `/` for the demo page (index.html, pkg/, www/).
    #[arg(long, env = "BGCHECK_STATIC_DIR", default_value = env!("CARGO_MANIFEST_DIR"))]
    pub static_dir: PathBuf,
}
