//! Webhooks to the ATS backend (`--ats-webhook-url`), so its own workflow can move on when a
//! check changes: DOM events only reach a page that is open.
//!
//! The store writes each event into an outbox in the same transaction as the change that
//! causes it; this worker delivers them, signed the Standard Webhooks way, at least once and
//! one after the other per order, retrying with back-off for well over a day. It reads time
//! from the proxy's [`Clock`](super::clock::Clock), so tests move time instead of waiting.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::time::Timestamp;

use super::AppState;
use super::config::Config;
use super::secret::Secret;
use super::store::{AttemptResult, NextStep, OutboxDelivery};

/// Seconds after a failed attempt before the next one: the first retries come within
/// seconds, then they spread out to every eight hours. The whole schedule spans about
/// 40 hours, so a receiver that is down for a day loses nothing.
const RETRY_DELAYS: [u64; 13] = [
    1, 5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800, 28_800, 28_800, 28_800,
];

/// Rows claimed at once; each is a different order, so they are sent in parallel.
const BATCH: u32 = 16;

/// How often the outbox is looked at when nothing woke the worker (another instance's
/// writes, a retry that falls due).
const POLL: Duration = Duration::from_secs(1);

/// The wait before the attempt after `attempt` failed (1-based), or `None` once the schedule
/// is used up.
pub fn retry_delay(attempt: u32) -> Option<u64> {
    let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
    RETRY_DELAYS.get(index).copied()
}

/// Start-up refusals of the ATS webhook flags.
#[derive(Debug, thiserror::Error)]
pub enum AtsWebhookError {
    /// One of the pair without the other.
    #[error("--ats-webhook-url and --ats-webhook-secret go together: set both or neither")]
    Incomplete,
    /// Not a URL.
    #[error("--ats-webhook-url is not an absolute http(s) URL")]
    BadUrl,
    /// Plain HTTP to another machine.
    #[error(
        "--ats-webhook-url must use https (plain http is allowed to loopback only; pass \
         --ats-webhook-allow-http to override)"
    )]
    NotHttps,
    /// A secret too short to sign with, or a malformed `whsec_` one.
    #[error(
        "--ats-webhook-secret must be `whsec_` followed by base64 of 24 to 64 random bytes, \
         or at least 32 characters"
    )]
    BadSecret,
}

/// The signing key, decoded from the secret; never printed.
#[derive(Clone)]
struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl SigningKey {
    /// `whsec_<base64>` as Standard Webhooks libraries write it, or a plain string used as
    /// its bytes.
    fn parse(secret: &Secret) -> Result<Self, AtsWebhookError> {
        let text = secret.expose();
        match text.strip_prefix("whsec_") {
            Some(encoded) => match STANDARD.decode(encoded) {
                Ok(bytes) if (24..=64).contains(&bytes.len()) => Ok(Self(bytes)),
                Ok(_) | Err(_) => Err(AtsWebhookError::BadSecret),
            },
            None if text.len() >= 32 => Ok(Self(text.as_bytes().to_vec())),
            None => Err(AtsWebhookError::BadSecret),
        }
    }
}

/// `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`: the `webhook-signature`.
fn sign(key: &SigningKey, id: &str, timestamp: u64, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key.0) else {
        return String::new();
    };
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Where and how to deliver, from the flags.
#[derive(Debug, Clone)]
pub struct AtsWebhooks {
    url: reqwest::Url,
    key: SigningKey,
    timeout: Duration,
}

impl AtsWebhooks {
    /// The configured receiver, `None` without `--ats-webhook-url`, or why the flags are
    /// refused.
    pub fn from_config(config: &Config) -> Result<Option<Self>, AtsWebhookError> {
        let (url, secret) = match (&config.ats_webhook_url, &config.ats_webhook_secret) {
            (None, None) => return Ok(None),
            (Some(url), Some(secret)) => (url, secret),
            (Some(_), None) | (None, Some(_)) => return Err(AtsWebhookError::Incomplete),
        };
        let url = reqwest::Url::parse(url.expose()).map_err(|_| AtsWebhookError::BadUrl)?;
        let host = url.host_str().ok_or(AtsWebhookError::BadUrl)?;
        let loopback = match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => ip.is_loopback(),
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback || config.ats_webhook_allow_http => {}
            "http" => return Err(AtsWebhookError::NotHttps),
            _other => return Err(AtsWebhookError::BadUrl),
        }
        Ok(Some(Self {
            url,
            key: SigningKey::parse(secret)?,
            timeout: Duration::from_secs(config.ats_webhook_timeout.max(1)),
        }))
    }
}

/// Turns the outbox on (or off, without the flags) and, when on, starts the delivery worker,
/// which ends with the proxy.
pub async fn start(state: &AppState) -> anyhow::Result<()> {
    let hooks = AtsWebhooks::from_config(&state.config)?;
    state.store.set_ats_outbox(hooks.is_some()).await?;
    if let Some(hooks) = hooks {
        tracing::info!(
            host = hooks.url.host_str().unwrap_or_default(),
            "webhooks to the ATS backend on"
        );
        let client = reqwest::Client::builder()
            // A redirect would send the signed event somewhere not configured.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(hooks.timeout)
            .timeout(hooks.timeout)
            .build()?;
        tokio::spawn(deliver_forever(state.clone(), hooks, client));
    }
    Ok(())
}

async fn deliver_forever(state: AppState, hooks: AtsWebhooks, client: reqwest::Client) {
    let owner = uuid::Uuid::new_v4().to_string();
    // Longer than any one attempt (bounded by the timeout), so a lease only runs out for a
    // sender that stopped; short, because on a shared store that sender's rows wait for it.
    let lease = i64::try_from(hooks.timeout.as_secs()).unwrap_or(60) + 5;
    let stopping = state.stopping();
    tokio::pin!(stopping);
    let mut next_prune = 0;
    loop {
        let now = i64::try_from(state.clock.now()).unwrap_or(i64::MAX);
        if now >= next_prune {
            prune(&state, now).await;
            next_prune = now.saturating_add(PRUNE_EVERY);
        }
        match state
            .store
            .claim_deliveries(&owner, now, now + lease, BATCH)
            .await
        {
            Ok(batch) if !batch.is_empty() => {
                futures::future::join_all(
                    batch
                        .iter()
                        .map(|row| deliver(&state, &hooks, &client, &owner, row)),
                )
                .await;
                continue;
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "reading the ATS outbox failed")
            }
        }
        let due = state
            .store
            .next_delivery_due()
            .await
            .ok()
            .flatten()
            .and_then(|due| u64::try_from(due).ok())
            .filter(|due| *due > state.clock.now());
        let retry = async {
            match due {
                Some(due) => state.clock.reached(due).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = &mut stopping => return,
            () = state.ats_wake.notified() => {}
            () = retry => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Seconds between prunings of delivered rows.
const PRUNE_EVERY: i64 = 3_600;

/// Drops delivered rows older than `--event-retention` days: only undelivered ones are needed
/// again, and every attempt stays on record for the audit listing.
async fn prune(state: &AppState, now: i64) {
    let retention =
        i64::try_from(state.config.event_retention.saturating_mul(86_400)).unwrap_or(i64::MAX);
    let before = Timestamp::from_unix_seconds(now.saturating_sub(retention));
    match state.store.prune_delivered(before.as_str()).await {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(pruned, "delivered ATS webhooks pruned"),
        Err(error) => {
            tracing::warn!(error = %format!("{error:#}"), "pruning delivered ATS webhooks failed")
        }
    }
}

/// One attempt at one row, recorded whatever its outcome.
async fn deliver(
    state: &AppState,
    hooks: &AtsWebhooks,
    client: &reqwest::Client,
    owner: &str,
    row: &OutboxDelivery,
) {
    let timestamp = state.clock.now();
    let answer = client
        .post(hooks.url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &row.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            sign(&hooks.key, &row.event_id, timestamp, &row.body),
        )
        .body(row.body.clone())
        .send()
        .await;
    let (status, error) = match answer {
        Ok(response) => (Some(response.status().as_u16()), None),
        // The URL may hold the receiver's own token, so the error is described without it.
        Err(error) if error.is_timeout() => (None, Some("timed out".to_owned())),
        Err(error) if error.is_connect() => (None, Some("could not connect".to_owned())),
        Err(_) => (None, Some("the connection failed".to_owned())),
    };
    let attempt = row.attempts.saturating_add(1);
    let done = i64::try_from(state.clock.now()).unwrap_or(i64::MAX);
    let next = if status.is_some_and(|status| (200..300).contains(&status)) {
        NextStep::Delivered
    } else {
        match retry_delay(attempt) {
            Some(delay) => NextStep::RetryAt(done.saturating_add_unsigned(delay)),
            None => NextStep::GiveUp,
        }
    };
    match next {
        NextStep::Delivered => {
            tracing::debug!(event = %row.event_id, kind = %row.event_type, attempt, "ATS webhook delivered")
        }
        NextStep::RetryAt(_) => {
            tracing::info!(event = %row.event_id, kind = %row.event_type, attempt, ?status, ?error, "ATS webhook not accepted; will retry")
        }
        NextStep::GiveUp => {
            tracing::warn!(event = %row.event_id, kind = %row.event_type, attempt, ?status, ?error, "ATS webhook given up")
        }
    }
    let result = AttemptResult {
        attempted_at: Timestamp::from_unix_seconds(i64::try_from(timestamp).unwrap_or(i64::MAX))
            .as_str()
            .to_owned(),
        status,
        error,
        next,
    };
    if let Err(error) = state.store.record_delivery(row, owner, &result).await {
        // The row's lease runs out and it is sent again: at least once, never lost.
        tracing::warn!(error = %format!("{error:#}"), "recording an ATS webhook attempt failed");
    }
}

impl AppState {
    /// Tells the ATS webhook worker that the outbox may have grown.
    pub(super) fn wake_ats_webhooks(&self) {
        self.ats_wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_start_within_seconds_and_last_more_than_a_day() {
        assert_eq!(retry_delay(1), Some(1));
        assert_eq!(retry_delay(2), Some(5));
        assert_eq!(retry_delay(3), Some(30));
        let total: u64 = (1..).map_while(retry_delay).sum();
        assert!(total >= 24 * 3600, "{total}");
        assert_eq!(retry_delay(0), None);
        assert_eq!(retry_delay(14), None);
    }

    fn config(url: &str, secret: &str) -> Config {
        let mut config = Config::for_data_dir("/nonexistent");
        config.ats_webhook_url = Some(Secret::new(url));
        config.ats_webhook_secret = Some(Secret::new(secret));
        config
    }

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn plain_http_is_refused_except_to_loopback_or_when_allowed() {
        assert!(matches!(
            AtsWebhooks::from_config(&config("http://ats.example.com/hook", SECRET)),
            Err(AtsWebhookError::NotHttps)
        ));
        assert!(AtsWebhooks::from_config(&config("http://127.0.0.1:9/hook", SECRET)).is_ok());
        assert!(AtsWebhooks::from_config(&config("https://ats.example.com/h", SECRET)).is_ok());
        let mut allowed = config("http://ats.internal/hook", SECRET);
        allowed.ats_webhook_allow_http = true;
        assert!(AtsWebhooks::from_config(&allowed).is_ok());
        assert!(matches!(
            AtsWebhooks::from_config(&config("ftp://ats.example.com/", SECRET)),
            Err(AtsWebhookError::BadUrl)
        ));
    }

    #[test]
    fn secrets_are_standard_webhooks_ones_or_long_enough() {
        let url = "https://ats.example.com/hook";
        assert!(AtsWebhooks::from_config(&config(url, SECRET)).is_ok());
        for bad in ["whsec_not base64!", "whsec_c2hvcnQ=", "short"] {
            assert!(
                matches!(
                    AtsWebhooks::from_config(&config(url, bad)),
                    Err(AtsWebhookError::BadSecret)
                ),
                "{bad}"
            );
        }
        let mut half = Config::for_data_dir("/nonexistent");
        half.ats_webhook_url = Some(Secret::new(url));
        assert!(matches!(
            AtsWebhooks::from_config(&half),
            Err(AtsWebhookError::Incomplete)
        ));
    }

    #[test]
    fn the_key_never_prints() {
        let hooks = AtsWebhooks::from_config(&config("https://ats.example.com/h", SECRET));
        let shown = format!("{hooks:?}");
        assert!(!shown.contains("MfKQ9r8"), "{shown}");
    }
}
