//! The KarmaCheck API client: authentication (`POST /auth/api`) and the error shape
//! `{message, error, statusCode}` every endpoint answers with.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use super::super::secret::Secret;
use super::super::store::KarmaCheckCredentials;

/// What a KarmaCheck call can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KarmaCheckError {
    /// This proxy has no KarmaCheck API base (`--karmacheck-api-base`).
    #[error(
        "this proxy is not set up for KarmaCheck: its operator needs to pass --karmacheck-api-base"
    )]
    NotConfigured,
    /// 401 or 403: the API key, client access token or bearer token is not accepted.
    #[error("KarmaCheck did not accept the credentials: {message}")]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// KarmaCheck's `message`.
        message: String,
    },
    /// Another 4xx: the request was refused.
    #[error("KarmaCheck refused the request: {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// KarmaCheck's `message`.
        message: String,
    },
    /// A 5xx.
    #[error("KarmaCheck is not responding properly right now ({message}); try again in a moment")]
    Unavailable {
        /// HTTP status.
        status: u16,
        /// KarmaCheck's `message`, or the status reason.
        message: String,
    },
    /// No answer, or no connection.
    #[error("KarmaCheck could not be reached; try again in a moment")]
    Unreachable,
    /// An answer that is not what KarmaCheck documents.
    #[error("KarmaCheck's answer could not be read: {0}")]
    Decode(String),
}

impl KarmaCheckError {
    /// KarmaCheck's HTTP status, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { status, .. }
            | Self::Rejected { status, .. }
            | Self::Unavailable { status, .. } => Some(*status),
            Self::NotConfigured | Self::Unreachable | Self::Decode(_) => None,
        }
    }
}

/// KarmaCheck's error body.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<serde_json::Value>,
}

fn error_for(status: StatusCode, body: &[u8]) -> KarmaCheckError {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    // `message` is a string, or a list of strings for validation failures.
    let message = match parsed.message {
        Some(serde_json::Value::String(text)) => text,
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        _other => status
            .canonical_reason()
            .unwrap_or("no explanation given")
            .to_owned(),
    };
    let status_code = status.as_u16();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        KarmaCheckError::Unauthorized {
            status: status_code,
            message,
        }
    } else if status.is_client_error() {
        KarmaCheckError::Rejected {
            status: status_code,
            message,
        }
    } else {
        KarmaCheckError::Unavailable {
            status: status_code,
            message,
        }
    }
}

/// A signed-in API client: the bearer token and the group it belongs to.
#[derive(Debug, Clone)]
pub struct ApiSession {
    /// The JWT to send as `Authorization: Bearer …`.
    pub token: Secret,
    /// The customer group the credentials belong to.
    pub group_profile_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthAnswer {
    token: String,
    #[serde(default)]
    group_profile_id: Option<String>,
}

/// A KarmaCheck API client bound to one base URL (or to none); cheap to clone.
#[derive(Debug, Clone)]
pub struct KarmaCheckClient {
    http: reqwest::Client,
    base: Option<String>,
}

impl KarmaCheckClient {
    /// A client for `base` (e.g. `https://api-stage.karmacheck.io`); `None` refuses every
    /// call with [`KarmaCheckError::NotConfigured`].
    pub fn new(base: Option<&str>, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("bgcheck/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            base: base.map(|base| base.trim_end_matches('/').to_owned()),
        })
    }

    fn url(&self, path: &str) -> Result<String, KarmaCheckError> {
        let base = self.base.as_ref().ok_or(KarmaCheckError::NotConfigured)?;
        Ok(format!("{base}{path}"))
    }

    /// Sends a request and reads a 2xx body as `T`, or KarmaCheck's error.
    pub(super) async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, KarmaCheckError> {
        let response = request
            .send()
            .await
            .map_err(|_| KarmaCheckError::Unreachable)?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|_| KarmaCheckError::Unreachable)?;
        if !status.is_success() {
            return Err(error_for(status, &body));
        }
        serde_json::from_slice(&body).map_err(|error| KarmaCheckError::Decode(error.to_string()))
    }

    /// `POST /auth/api`: exchanges the customer's API key and client access token for a
    /// bearer token.
    pub async fn authenticate(
        &self,
        credentials: &KarmaCheckCredentials,
    ) -> Result<ApiSession, KarmaCheckError> {
        let request = self
            .http
            .post(self.url("/auth/api")?)
            .json(&serde_json::json!({
                "apiKey": credentials.api_key.expose(),
                "clientAccessToken": credentials.client_access_token.expose(),
            }));
        let answer: AuthAnswer = self.send(request).await?;
        Ok(ApiSession {
            token: Secret::new(answer.token),
            group_profile_id: answer.group_profile_id,
        })
    }
}
