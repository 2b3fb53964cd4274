//! The KarmaCheck API client: authentication (`POST /auth/api`) and the error shape
//! `{message, error, statusCode}` every endpoint answers with.

use std::time::Duration;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::domain::karmacheck::{
    CaseState, KarmaCheckError as KarmaCheckDomainError, PrimaryStatus, SecondaryStatus,
};

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

/// A KarmaCheck API client bound to one base URL (or to none); cheap to clone. It keeps each
/// account's bearer token and signs in again once when KarmaCheck no longer takes it.
#[derive(Debug, Clone)]
pub struct KarmaCheckClient {
    http: reqwest::Client,
    base: Option<String>,
    tokens: Arc<Mutex<HashMap<String, Secret>>>,
}

/// One package, as `GET /package/min/list` lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Package {
    /// KarmaCheck's package id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// `POST /case/create`'s answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedCase {
    /// The case.
    pub case_id: String,
}

/// The parts of `GET /case/id/{caseId}` the overall status is read from. Each attribute is
/// read from its system id when KarmaCheck sends a confirmed one, else from its name.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseRecord {
    #[serde(default)]
    case_status: Option<String>,
    #[serde(default)]
    case_status_id: Option<String>,
    #[serde(default)]
    secondary_status: Option<String>,
    #[serde(default)]
    secondary_case_status_id: Option<String>,
    #[serde(default)]
    adverse_action_status: Option<String>,
    #[serde(default)]
    result_type: Option<String>,
    #[serde(default)]
    result_type_id: Option<String>,
    /// When the case last changed.
    #[serde(default)]
    pub mod_stamp: Option<String>,
}

impl CaseRecord {
    /// The four attributes, as the domain reads them.
    pub fn state(&self) -> Result<CaseState, KarmaCheckDomainError> {
        let pick = |id: &Option<String>, name: &Option<String>| id.clone().or_else(|| name.clone());
        let primary = pick(&self.case_status_id, &self.case_status).unwrap_or_default();
        let result = pick(&self.result_type_id, &self.result_type).unwrap_or_default();
        // An id the domain does not know (unconfirmed ones are left out) falls back to the name.
        let primary = if PrimaryStatus::parse(&primary).is_some() {
            primary
        } else {
            self.case_status.clone().unwrap_or(primary)
        };
        let secondary = match (&self.secondary_case_status_id, &self.secondary_status) {
            (Some(id), _) if SecondaryStatus::parse(id).is_some() => Some(id.clone()),
            (_, Some(name)) => Some(name.clone()),
            (Some(id), None) => Some(id.clone()),
            (None, None) => None,
        };
        CaseState::from_raw(
            &primary,
            secondary.as_deref(),
            self.adverse_action_status.as_deref(),
            &result,
        )
    }
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
            tokens: Arc::default(),
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

    fn cached(&self, account_id: &str) -> Option<Secret> {
        self.tokens.lock().ok()?.get(account_id).cloned()
    }

    fn remember(&self, account_id: &str, token: Option<Secret>) {
        if let Ok(mut tokens) = self.tokens.lock() {
            match token {
                Some(token) => tokens.insert(account_id.to_owned(), token),
                None => tokens.remove(account_id),
            };
        }
    }

    /// Forgets the account's bearer token (after its credentials change).
    pub fn forget(&self, account_id: &str) {
        self.remember(account_id, None);
    }

    /// Sends `build(token)` with the account's bearer token, signing in first when there is
    /// none and once more when KarmaCheck answers 401 (the token expired or was revoked).
    async fn authorized<T: serde::de::DeserializeOwned>(
        &self,
        account_id: &str,
        credentials: &KarmaCheckCredentials,
        build: impl Fn(&reqwest::Client, &str) -> Result<reqwest::RequestBuilder, KarmaCheckError>,
    ) -> Result<T, KarmaCheckError> {
        let mut fresh = false;
        let mut token = match self.cached(account_id) {
            Some(token) => token,
            None => {
                fresh = true;
                self.authenticate(credentials).await?.token
            }
        };
        loop {
            self.remember(account_id, Some(token.clone()));
            match self.send(build(&self.http, token.expose())?).await {
                Err(KarmaCheckError::Unauthorized { status: 401, .. }) if !fresh => {
                    fresh = true;
                    token = self.authenticate(credentials).await?.token;
                }
                other => return other,
            }
        }
    }

    /// `GET /package/min/list`.
    pub async fn packages(
        &self,
        account_id: &str,
        credentials: &KarmaCheckCredentials,
    ) -> Result<Vec<Package>, KarmaCheckError> {
        let url = self.url("/package/min/list")?;
        self.authorized(account_id, credentials, |http, token| {
            Ok(http.get(&url).bearer_auth(token))
        })
        .await
    }

    /// `POST /case/create` with `autoProcess: false`: KarmaCheck invites the candidate, who
    /// provides the rest. `order_override` is `add` or `replace` after a 409.
    pub async fn create_case(
        &self,
        account_id: &str,
        credentials: &KarmaCheckCredentials,
        draft: &crate::proxy::store::CaseDraft,
        order_override: Option<&str>,
    ) -> Result<CreatedCase, KarmaCheckError> {
        let url = self.url("/case/create")?;
        let mut body = serde_json::json!({
            "packageId": draft.package_id,
            "email": draft.email,
            "givenName": draft.given_name,
            "familyName": draft.family_name,
            "autoProcess": false,
        });
        if let Some(fields) = body.as_object_mut() {
            if let Some(middle) = &draft.middle_name {
                fields.insert("middleName".to_owned(), middle.clone().into());
            }
            if let Some(phone) = &draft.phone {
                fields.insert("phone".to_owned(), phone.clone().into());
            }
            if let Some(mode) = order_override {
                fields.insert("orderOverride".to_owned(), mode.into());
            }
        }
        self.authorized(account_id, credentials, |http, token| {
            Ok(http.post(&url).bearer_auth(token).json(&body))
        })
        .await
    }

    /// `GET /case/id/{caseId}`.
    pub async fn read_case(
        &self,
        account_id: &str,
        credentials: &KarmaCheckCredentials,
        case_id: &str,
    ) -> Result<CaseRecord, KarmaCheckError> {
        let url = self.url(&format!(
            "/case/id/{}",
            form_urlencoded::byte_serialize(case_id.as_bytes()).collect::<String>()
        ))?;
        self.authorized(account_id, credentials, |http, token| {
            Ok(http.get(&url).bearer_auth(token))
        })
        .await
    }
}
