//! Reads of invitations and reports from Checkr where webhooks alone cannot settle an order:
//! same-second events the lifecycle does not order, and events whose object came bare
//! (`include_object` off). Checkr's own advice for ordering doubts is to read the object.
//!
//! A request to read is stored in the same transaction as the event that caused it, so it is
//! as durable as the event and the webhook is still answered only once both are written. The
//! read itself happens here, after the answer: a failed one is retried with back-off, at once
//! when another event about the object arrives, and at every start. A request is removed only
//! once its read is folded.

use std::time::Duration;

use super::AppState;
use super::checkr::CheckrError;
use super::store::{PendingRead, ReadApplied, ReadObject};

/// How often requests that failed are looked at again.
const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// Longest back-off between attempts at one read.
const MAX_BACKOFF_SECONDS: i64 = 3_600;
/// A read Checkr keeps answering 404 is dropped after this many attempts: the object is not
/// visible to the account's token, so no read will ever settle it.
const ATTEMPTS_BEFORE_NOT_FOUND_IS_FINAL: u32 = 5;
/// Times one request is read again in a row because events kept arriving during the read.
const SUPERSEDED_RETRIES: usize = 5;

/// Runs until the proxy stops: every request at start, then whatever is due whenever an event
/// asks (see [`AppState::wake_reads`]) and every [`SWEEP_EVERY`].
pub(crate) async fn run(state: AppState) {
    let mut at_start = true;
    loop {
        match sweep(&state, at_start).await {
            // A settled read can ask for another (an invitation read links a report whose
            // bare events then need a read of their own): look again at once rather than at
            // the next sweep. Failed reads are pushed back, so this ends when nothing is due.
            Ok(settled) if settled > 0 => state.wake_reads(),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "pending Checkr reads not processed");
            }
        }
        at_start = false;
        tokio::select! {
            () = state.reads.notified() => {}
            () = tokio::time::sleep(SWEEP_EVERY) => {}
            () = state.stopping() => return,
        }
    }
}

/// Settles every read due now; answers how many it tried.
async fn sweep(state: &AppState, at_start: bool) -> anyhow::Result<usize> {
    let now = super::unix_seconds();
    let due = state.store.due_reads(now, at_start).await?;
    let tried = due.len();
    for read in due {
        settle(state, read, now).await?;
    }
    Ok(tried)
}

/// Checkr's ids are hex; anything else is never put into a URL path.
fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

async fn settle(state: &AppState, mut read: PendingRead, now: i64) -> anyhow::Result<()> {
    for _ in 0..SUPERSEDED_RETRIES {
        if !is_plain_id(&read.object_id) {
            tracing::warn!("dropping a read of an object whose id is not Checkr's");
            return state
                .store
                .read_failed(&read, "not a Checkr id", now, true)
                .await;
        }
        // Without a connection there is nothing to read with; the request waits (connecting
        // the account makes it due again).
        let Some(token) = state
            .store
            .token_for_checkr_account(&read.checkr_account_id)
            .await?
        else {
            let later = now + MAX_BACKOFF_SECONDS;
            return state
                .store
                .read_failed(&read, "the account is not connected", later, false)
                .await;
        };
        let fetched = match read.object {
            ReadObject::Invitation => state.checkr.read_invitation(&token, &read.object_id).await,
            ReadObject::Report => state.checkr.read_report(&token, &read.object_id).await,
        };
        let object = match fetched {
            Ok(object) => object,
            Err(error) => {
                let attempts = read.attempts + 1;
                let give_up = matches!(error, CheckrError::Rejected { status: 404, .. })
                    && attempts >= ATTEMPTS_BEFORE_NOT_FOUND_IS_FINAL;
                let backoff = 5i64
                    .saturating_mul(1i64 << read.attempts.min(20))
                    .min(MAX_BACKOFF_SECONDS);
                tracing::warn!(object = %read.object_id, attempts, give_up, error = %error, "reading from Checkr failed");
                return state
                    .store
                    .read_failed(&read, &error.to_string(), now + backoff, give_up)
                    .await;
            }
        };
        match state.store.apply_read(&read, object, state.now()).await? {
            ReadApplied::Done { changed } => {
                tracing::info!(object = %read.object_id, orders = changed.len(), "read from Checkr folded");
                for order in changed {
                    super::webhooks::follow_up(state, order);
                }
                return Ok(());
            }
            ReadApplied::Superseded => match state.store.pending_read(&read.object_id).await? {
                Some(again) => read = again,
                None => return Ok(()),
            },
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_go_into_a_path() {
        assert!(is_plain_id("4722c07dd9a10c3985ae432a"));
        for bad in ["", "../v1/candidates", "a?b=c", "a/b", "a b"] {
            assert!(!is_plain_id(bad), "{bad}");
        }
    }
}
