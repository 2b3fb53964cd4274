//! Command-line and environment configuration of the proxy.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use super::secret::Secret;

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

    /// Checkr API base URL, e.g. https://api.checkr-staging.com or https://api.checkr.com.
    /// Absent: the embedded sandbox is started and used.
    #[arg(long, env = "BGCHECK_CHECKR_API_BASE")]
    pub checkr_api_base: Option<String>,

    /// The partner application's OAuth client id.
    #[arg(long, env = "BGCHECK_CHECKR_CLIENT_ID")]
    pub checkr_client_id: Option<String>,

    /// The partner application's OAuth client secret (also the webhook signing key).
    #[arg(long, env = "BGCHECK_CHECKR_CLIENT_SECRET", hide_env_values = true)]
    pub checkr_client_secret: Option<Secret>,

    /// Where Checkr's hosted sign-up and sign-in pages live (the OAuth authorize base).
    /// Absent: https://partners.checkr.com with a Checkr API base, the sandbox without one.
    #[arg(long, env = "BGCHECK_CHECKR_PARTNER_BASE")]
    pub checkr_partner_base: Option<String>,

    /// Base of report links shown to adjudicators.
    #[arg(
        long,
        env = "BGCHECK_CHECKR_DASHBOARD_BASE",
        default_value = "https://dashboard.checkr.com"
    )]
    pub checkr_dashboard_base: String,

    /// The proxy's public URL, used for the OAuth redirect URI (default: http://<listen>).
    #[arg(long, env = "BGCHECK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// 32-byte key (hex or base64) that seals access tokens at rest. Required with a Checkr
    /// API base; the sandbox generates one in the data dir.
    #[arg(long, env = "BGCHECK_ENCRYPTION_KEY", hide_env_values = true)]
    pub encryption_key: Option<Secret>,

    /// Secret shared with the ATS backend: it authenticates `POST /api/sessions` and signs
    /// widget sessions. Required with a Checkr API base; the sandbox generates one.
    #[arg(long, env = "BGCHECK_SESSION_SECRET", hide_env_values = true)]
    pub session_secret: Option<Secret>,

    /// Sandbox only: seconds between a sign-up and its `account.credentialed` webhook.
    #[arg(long, env = "BGCHECK_SANDBOX_CREDENTIAL_DELAY", default_value_t = 20)]
    pub sandbox_credential_delay: u64,

    /// Origins allowed to embed the widget and call the API cross-origin (comma-separated).
    #[arg(long, env = "BGCHECK_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Address of the embedded sandbox when it runs (port 0 picks a free one).
    #[arg(long, env = "BGCHECK_SANDBOX_LISTEN", default_value = "127.0.0.1:0")]
    pub sandbox_listen: SocketAddr,
}

impl Config {
    /// A configuration for tests and embedding: sandbox mode, loopback, the given data dir.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            static_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            checkr_api_base: None,
            checkr_client_id: None,
            checkr_client_secret: None,
            checkr_partner_base: None,
            checkr_dashboard_base: "https://dashboard.checkr.com".to_owned(),
            public_url: None,
            encryption_key: None,
            session_secret: None,
            sandbox_credential_delay: 1,
            allowed_origins: Vec::new(),
            sandbox_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}
