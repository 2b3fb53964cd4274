//! Command-line and environment configuration of the proxy.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use super::secret::Secret;

/// The bgcheck partner proxy: holds provider credentials and serves the widget's API. It runs
/// against Checkr (`--checkr-api-base` and the credentials) or, only when asked with
/// `--sandbox`, against an embedded sandbox that behaves like Checkr's API.
#[derive(Debug, Clone, Parser)]
#[command(name = "bgcheck", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BGCHECK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder for the SQLite database (and generated keys in sandbox mode); created with mode
    /// 0700 if missing. Default: `$XDG_DATA_HOME/bgcheck`, else `~/.local/share/bgcheck`. It
    /// must not lie inside the static dir.
    #[arg(long, env = "BGCHECK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Where the state lives: a `postgres://user:password@host/db` URL shares one PostgreSQL
    /// database between several proxy instances; a file path names a SQLite database; absent,
    /// SQLite in the data dir (`bgcheck.sqlite3`).
    #[arg(long, env = "BGCHECK_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<Secret>,

    /// Folder holding the browser's files. Only `index.html` (the demo page), `www/` and
    /// `pkg/` are served from it, never hidden files.
    #[arg(long, env = "BGCHECK_STATIC_DIR", default_value = env!("CARGO_MANIFEST_DIR"))]
    pub static_dir: PathBuf,

    /// Run against the embedded sandbox instead of Checkr: generated keys, demo accounts and
    /// the demo endpoints. For demos and development only.
    #[arg(long, env = "BGCHECK_SANDBOX", conflicts_with = "checkr_api_base")]
    pub sandbox: bool,

    /// Sandbox mode only: allow a `--listen` address other than loopback. The sandbox mints
    /// demo admin sessions for anyone who can reach it.
    #[arg(long, env = "BGCHECK_SANDBOX_ALLOW_REMOTE", requires = "sandbox")]
    pub sandbox_allow_remote: bool,

    /// Serve the demo ATS page (`index.html`) against Checkr too; sandbox mode always does.
    #[arg(long, env = "BGCHECK_SERVE_DEMO_PAGE")]
    pub serve_demo_page: bool,

    /// Checkr API base URL, e.g. https://api.checkr-staging.com or https://api.checkr.com.
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

    /// KarmaCheck API base URL (e.g. https://api-stage.karmacheck.io), for accounts connected
    /// to KarmaCheck; without it (and outside sandbox mode) no account can connect to it.
    #[arg(long, env = "BGCHECK_KARMACHECK_API_BASE")]
    pub karmacheck_api_base: Option<String>,

    /// The proxy's public URL, used for the OAuth redirect URI (default: http://<listen>).
    #[arg(long, env = "BGCHECK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// 32-byte key (hex or base64) that seals access tokens at rest. Required with a Checkr
    /// API base; the sandbox generates one in the data dir.
    #[arg(long, env = "BGCHECK_ENCRYPTION_KEY", hide_env_values = true)]
    pub encryption_key: Option<Secret>,

    /// The key the database was sealed with before a rotation: tokens it opens are sealed
    /// again under `--encryption-key` at start, after which it can be dropped.
    #[arg(long, env = "BGCHECK_PREVIOUS_ENCRYPTION_KEY", hide_env_values = true)]
    pub previous_encryption_key: Option<Secret>,

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

    /// Days a webhook's raw body is kept; after that only its id, type, object and time stay
    /// (enough to recognise a redelivery).
    #[arg(long, env = "BGCHECK_EVENT_RETENTION", default_value_t = 30)]
    pub event_retention: u64,

    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "BGCHECK_HEADER_READ_TIMEOUT", default_value_t = 10)]
    pub header_read_timeout: u64,

    /// Seconds a connection may stay without traffic before it is closed.
    #[arg(long, env = "BGCHECK_IDLE_TIMEOUT", default_value_t = 60)]
    pub idle_timeout: u64,

    /// Connections served at once; more are answered 503.
    #[arg(long, env = "BGCHECK_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Address of the embedded sandbox when it runs (port 0 picks a free one).
    #[arg(long, env = "BGCHECK_SANDBOX_LISTEN", default_value = "127.0.0.1:0")]
    pub sandbox_listen: SocketAddr,

    /// The ATS backend's webhook endpoint: order and account events are sent there, signed
    /// the Standard Webhooks way. https only, except to loopback.
    #[arg(long, env = "BGCHECK_ATS_WEBHOOK_URL", hide_env_values = true)]
    pub ats_webhook_url: Option<Secret>,

    /// The key those webhooks are signed with: `whsec_` + base64, as Standard Webhooks
    /// libraries generate it, or any string of at least 32 characters.
    #[arg(long, env = "BGCHECK_ATS_WEBHOOK_SECRET", hide_env_values = true)]
    pub ats_webhook_secret: Option<Secret>,

    /// Allow a plain-http `--ats-webhook-url` to a machine other than this one.
    #[arg(long, env = "BGCHECK_ATS_WEBHOOK_ALLOW_HTTP")]
    pub ats_webhook_allow_http: bool,

    /// Seconds an ATS webhook delivery may take before it counts as failed.
    #[arg(long, env = "BGCHECK_ATS_WEBHOOK_TIMEOUT", default_value_t = 10)]
    pub ats_webhook_timeout: u64,
}

impl Config {
    /// A configuration for tests and embedding: sandbox mode, loopback, the given data dir.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: Some(data_dir.into()),
            database_url: None,
            static_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            sandbox: true,
            sandbox_allow_remote: false,
            serve_demo_page: false,
            checkr_api_base: None,
            checkr_client_id: None,
            checkr_client_secret: None,
            checkr_partner_base: None,
            checkr_dashboard_base: "https://dashboard.checkr.com".to_owned(),
            karmacheck_api_base: None,
            public_url: None,
            encryption_key: None,
            previous_encryption_key: None,
            session_secret: None,
            sandbox_credential_delay: 1,
            allowed_origins: Vec::new(),
            event_retention: 30,
            header_read_timeout: 10,
            idle_timeout: 60,
            max_connections: 1024,
            sandbox_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ats_webhook_url: None,
            ats_webhook_secret: None,
            ats_webhook_allow_http: false,
            ats_webhook_timeout: 10,
        }
    }
}

/// The provider the proxy runs against, decided once at start from the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Checkr itself (staging or production).
    Checkr,
    /// The embedded sandbox, asked for with `--sandbox`.
    Sandbox,
}

/// Start-up refusals: each names the flags that fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither provider was chosen.
    #[error(
        "no provider configured: pass --checkr-api-base with --checkr-client-id, \
         --checkr-client-secret, --encryption-key and --session-secret to run against Checkr, \
         or --sandbox to run the embedded demo sandbox"
    )]
    NoProvider,
    /// Both providers were chosen.
    #[error("--sandbox and --checkr-api-base exclude each other: choose one")]
    TwoProviders,
    /// The sandbox would be reachable from other machines.
    #[error(
        "--sandbox serves demo admin sessions to anyone who can connect, so it listens on \
         loopback only; {listen} is not loopback (pass --sandbox-allow-remote to override)"
    )]
    SandboxNotLoopback {
        /// The refused address.
        listen: SocketAddr,
    },
    /// The data dir could be served to browsers.
    #[error(
        "the data dir {data_dir} lies inside the static dir {static_dir}: move --data-dir \
         outside --static-dir so keys and the database can never be served"
    )]
    DataDirInsideStaticDir {
        /// The resolved data dir.
        data_dir: String,
        /// The resolved static dir.
        static_dir: String,
    },
    /// No data dir given and no home to put the default in.
    #[error("no data dir: pass --data-dir (neither XDG_DATA_HOME nor HOME is set)")]
    NoDataDir,
}

impl Config {
    /// The connection limits these flags set.
    pub fn limits(&self) -> super::server::Limits {
        super::server::Limits {
            header_read_timeout: std::time::Duration::from_secs(self.header_read_timeout.max(1)),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout.max(1)),
            max_connections: self.max_connections.max(1),
        }
    }

    /// Which provider these flags select, or why they select none.
    pub fn mode(&self) -> Result<Mode, ConfigError> {
        match (self.sandbox, &self.checkr_api_base) {
            (false, Some(_)) => Ok(Mode::Checkr),
            (true, Some(_)) => Err(ConfigError::TwoProviders),
            (true, _) if !self.listen.ip().is_loopback() && !self.sandbox_allow_remote => {
                Err(ConfigError::SandboxNotLoopback {
                    listen: self.listen,
                })
            }
            (true, _) => Ok(Mode::Sandbox),
            (false, None) => Err(ConfigError::NoProvider),
        }
    }

    /// The data dir: the flag, or the user's XDG data home.
    pub fn resolved_data_dir(&self) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        let data_home = std::env::var_os("XDG_DATA_HOME")
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|value| !value.is_empty())
                    .map(|home| PathBuf::from(home).join(".local").join("share"))
            })
            .ok_or(ConfigError::NoDataDir)?;
        Ok(data_home.join("bgcheck"))
    }
}

/// Refuses a data dir inside the static dir (both must exist; symlinks are resolved).
pub fn check_data_dir_placement(
    data_dir: &std::path::Path,
    static_dir: &std::path::Path,
) -> Result<(), ConfigError> {
    let data = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let Ok(served) = std::fs::canonicalize(static_dir) else {
        // A static dir that does not exist serves nothing.
        return Ok(());
    };
    if data.starts_with(&served) {
        return Err(ConfigError::DataDirInsideStaticDir {
            data_dir: data.display().to_string(),
            static_dir: served.display().to_string(),
        });
    }
    Ok(())
}
