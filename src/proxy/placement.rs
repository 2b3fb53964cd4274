//! Sending an order to Checkr, one sender at a time, and the reconciler that finishes what a
//! crash or a busy Checkr left on the way.
//!
//! A sender first claims the order (a lease, written together with the step change). Every
//! write that advances the order names the lease, so a sender whose lease was taken over
//! cannot overwrite the winner. Each Checkr call presents the step's own Idempotency-Key, so
//! repeating a step after a crash returns Checkr's stored answer instead of a second object —
//! for 24 hours. After that the invitation is looked up before it is sent again.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::domain::checkr::{InvitationState, InvitationStatus};
use crate::domain::order::OrderStep;
use crate::domain::time::Timestamp;
use crate::domain::validation::{Region, ValidCandidate, ValidOrder};

use super::AppState;
use super::checkr::{CheckrError, CreatedInvitation};
use super::error::ApiError;
use super::secret::Secret;
use super::store::{Claim, Failure, LeaseGrant, OrderRecord};

/// How long a claim lasts: well over one placement's worst case (three Checkr calls, each
/// with its capped waits), so only a sender that stopped loses it.
pub const LEASE_SECONDS: i64 = 180;

/// How often the reconciler looks for orders left on their way; also how long a busy Checkr
/// is given before the next automatic attempt (the 30 s of its suggested back-off, after the
/// client's own 2, 5 and 10 s).
pub const RECONCILE_EVERY: Duration = Duration::from_secs(30);

/// Checkr replays a stored answer for 24 hours after a key's first use. An invitation first
/// sent longer ago than this (an hour's margin) is looked up before it is sent again.
const REPLAY_WINDOW_SECONDS: i64 = 23 * 3600;

/// The name and contact fields a candidate is sent with; a later order for the same applicant
/// compares against them to notice corrections.
const DETAIL_FIELDS: [&str; 7] = [
    "first_name",
    "middle_name",
    "no_middle_name",
    "last_name",
    "email",
    "phone",
    "zipcode",
];

/// Fields Checkr lets change even after a report exists, so they can be corrected in place
/// on a candidate whose earlier details are unknown.
const ALWAYS_CHANGEABLE: [&str; 2] = ["email", "phone"];

/// How one placement ended.
#[derive(Debug)]
pub enum Placed {
    /// The invitation exists.
    Invited(OrderRecord),
    /// Checkr refused or failed; the order waits in a failed step for a retry.
    Failed(OrderRecord, CheckrError),
    /// Checkr asked to wait; the order stays on its way and is retried automatically.
    Busy(OrderRecord),
    /// Another sender took the order over meanwhile; as it now stands.
    Superseded(OrderRecord),
    /// Left in a failed step without asking Checkr, because sending could invite twice or
    /// the order no longer fits the account; its `failure` says why and what to do.
    Stopped(OrderRecord),
}

/// Who is sending: a person may decide what the reconciler must not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// Someone pressed Order or Retry.
    Person,
    /// The reconciler, resuming an order nobody is watching.
    Reconciler,
}

/// The fields of `candidate` compared between orders.
pub fn candidate_details(candidate: &ValidCandidate) -> Map<String, Value> {
    let Ok(Value::Object(all)) = serde_json::to_value(candidate) else {
        return Map::new();
    };
    all.into_iter()
        .filter(|(name, _)| DETAIL_FIELDS.contains(&name.as_str()))
        .collect()
}

/// What to send `POST /v1/candidates/{id}` so the candidate matches `wanted`. With unknown
/// earlier details only the always-changeable contact fields are sent: re-sending a name
/// could be refused for no reason once a report exists.
pub fn candidate_changes(
    sent: Option<&Map<String, Value>>,
    wanted: &Map<String, Value>,
) -> Map<String, Value> {
    wanted
        .iter()
        .filter(|(name, value)| match sent {
            Some(sent) => sent.get(name.as_str()) != Some(value),
            None => ALWAYS_CHANGEABLE.contains(&name.as_str()),
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Whether Checkr refused a candidate update because the field is frozen by a report.
fn frozen_by_report(error: &CheckrError) -> bool {
    matches!(error, CheckrError::Rejected { status: 400, message } if message.contains("cannot be updated"))
}

/// Carries a claimed order through the remaining Checkr calls, recording each outcome before
/// the next call. `unix_now` dates the first invitation attempt and decides whether Checkr's
/// replay window has passed.
pub async fn place(
    state: &AppState,
    token: &Secret,
    mut order: OrderRecord,
    lease: &LeaseGrant,
    valid: &ValidOrder,
    (sender, unix_now): (Sender, i64),
) -> Result<Placed, ApiError> {
    state.store.count_attempt(&order.id).await?;
    let owner = lease.owner.as_str();

    if order.step.needs_candidate() {
        let (candidate_id, details) = match candidate_for(state, token, &order, valid).await? {
            Ok(found) => found,
            Err(error) => return settle(state, order, owner, error, unix_now).await,
        };
        let recorded = state
            .store
            .record_candidate(&order, owner, &candidate_id, &details, &state.now())
            .await?;
        if !recorded {
            return superseded(state, &order).await;
        }
        order.candidate_id = Some(candidate_id);
        order.step = OrderStep::CandidateCreated;
    }

    let Some(candidate_id) = order.candidate_id.clone() else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "order {} has no candidate",
            order.id
        )));
    };
    if let Some(first_sent) = order.invitation_first_sent
        && unix_now.saturating_sub(first_sent) >= REPLAY_WINDOW_SECONDS
    {
        match (order.region, sender) {
            // Checkr's invitation list leaves out non-US invitations, so whether the first
            // attempt went through cannot be seen: the reconciler does not send blindly, a
            // person who was told so may.
            (Region::NonUs, Sender::Reconciler) => {
                let failure = Failure {
                    status: None,
                    message: "bgcheck cannot tell whether Checkr created this invitation before \
                              sending stopped. Look for it in the Checkr Dashboard; retry only \
                              if it is not there."
                        .to_owned(),
                };
                return stop(state, order, owner, failure).await;
            }
            (Region::NonUs, Sender::Person) => {}
            (Region::Us, Sender::Person | Sender::Reconciler) => {
                match lost_invitation(state, token, &order, &candidate_id, first_sent).await? {
                    Ok(Some(found)) => {
                        tracing::info!(order = %order.id, invitation = %found.id, "invitation found after the replay window");
                        return link(state, order, owner, found).await;
                    }
                    Ok(None) => {}
                    Err(error) => return settle(state, order, owner, error, unix_now).await,
                }
            }
        }
    }
    if !state
        .store
        .mark_invitation_sending(&order.id, owner, unix_now)
        .await?
    {
        return superseded(state, &order).await;
    }
    let sent = state
        .checkr
        .create_invitation(
            token,
            &valid.invitation(&candidate_id),
            &order.keys.invitation,
        )
        .await;
    match sent {
        Ok(invitation) => link(state, order, owner, invitation).await,
        Err(error) => settle(state, order, owner, error, unix_now).await,
    }
}

/// The candidate for this order and the details it now has: the applicant's earlier one,
/// corrected in place when a name or contact field changed, or a new one when Checkr no
/// longer lets the name change (a report exists), so the invitation never goes to an old
/// address.
async fn candidate_for(
    state: &AppState,
    token: &Secret,
    order: &OrderRecord,
    valid: &ValidOrder,
) -> Result<Result<(String, Map<String, Value>), CheckrError>, ApiError> {
    let wanted = candidate_details(valid.candidate());
    let known = state
        .store
        .candidate(&order.account_id, &order.custom_id, order.region)
        .await?;
    if let Some(known) = known {
        let changes = candidate_changes(known.details.as_ref(), &wanted);
        if changes.is_empty() {
            return Ok(Ok((known.id, wanted)));
        }
        let updated = state
            .checkr
            .update_candidate(token, &known.id, &changes, &order.keys.candidate_update)
            .await;
        match updated {
            Ok(_) => {
                tracing::info!(order = %order.id, "candidate details corrected at Checkr");
                return Ok(Ok((known.id, wanted)));
            }
            Err(error) if frozen_by_report(&error) => {
                tracing::info!(order = %order.id, "candidate details frozen by a report; creating a new candidate");
            }
            Err(error) => return Ok(Err(error)),
        }
    }
    let created = state
        .checkr
        .create_candidate(token, valid.candidate(), &order.keys.candidate)
        .await;
    Ok(created.map(|created| (created.id, wanted)))
}

/// An invitation of this candidate and package that no other order holds: the one whose
/// answer was lost, if Checkr created it.
async fn lost_invitation(
    state: &AppState,
    token: &Secret,
    order: &OrderRecord,
    candidate_id: &str,
    first_sent: i64,
) -> Result<Result<Option<CreatedInvitation>, CheckrError>, ApiError> {
    let listed = match state
        .checkr
        .invitations_for_candidate(token, candidate_id)
        .await
    {
        Ok(listed) => listed,
        Err(error) => return Ok(Err(error)),
    };
    for invitation in listed {
        let same_package = invitation.package.as_deref() == Some(order.draft.package.as_str());
        // Created before our first attempt means it belongs to something else (a margin
        // allows for clocks that disagree by a few minutes).
        let too_old = invitation
            .created_at
            .as_deref()
            .and_then(|text| Timestamp::parse(text).ok())
            .is_some_and(|created| created.unix_seconds() < first_sent.saturating_sub(300));
        if same_package
            && !too_old
            && !state
                .store
                .invitation_is_linked(&order.account_id, &invitation.id)
                .await?
        {
            return Ok(Ok(Some(invitation)));
        }
    }
    Ok(Ok(None))
}

async fn link(
    state: &AppState,
    mut order: OrderRecord,
    owner: &str,
    invitation: CreatedInvitation,
) -> Result<Placed, ApiError> {
    order.folded.status.invitation = Some(InvitationState {
        id: invitation.id.clone(),
        status: InvitationStatus::Pending,
        report_id: None,
    });
    let recorded = state
        .store
        .record_invitation(
            &order.id,
            owner,
            &invitation.id,
            // The invitation URL opens the candidate's own form at Checkr: a bearer link that
            // Checkr emails to the candidate and no viewer may see, so it is not kept at all.
            None,
            &order.folded,
            &state.now(),
        )
        .await?;
    match recorded {
        Some(placed) => {
            tracing::info!(order = %placed.id, invitation = %invitation.id, "invitation created");
            Ok(Placed::Invited(placed))
        }
        None => superseded(state, &order).await,
    }
}

/// Records how a Checkr call ended badly: a wait (busy) keeps the order on its way for the
/// reconciler; anything else leaves it in a failed step for a human.
async fn settle(
    state: &AppState,
    order: OrderRecord,
    owner: &str,
    error: CheckrError,
    unix_now: i64,
) -> Result<Placed, ApiError> {
    let step = order.step.failed();
    if error.is_busy() {
        tracing::warn!(order = %order.id, step = order.step.as_str(), "Checkr is busy; the order will be retried");
        // The waits already spent count from now, not from when sending began.
        let now = unix_now.max(super::unix_seconds());
        let retry_at = now.saturating_add(RECONCILE_EVERY.as_secs().try_into().unwrap_or(30));
        if !state
            .store
            .record_busy(&order.id, owner, retry_at, &state.now())
            .await?
        {
            return superseded(state, &order).await;
        }
        return Ok(Placed::Busy(reload(state, &order).await?));
    }
    tracing::warn!(order = %order.id, step = step.as_str(), status = ?error.status(), error = %error, "order step failed");
    let failure = Failure {
        status: error.status(),
        message: error.user_message(),
    };
    if !state
        .store
        .record_failure(&order.id, owner, step, &failure, &state.now())
        .await?
    {
        return superseded(state, &order).await;
    }
    Ok(Placed::Failed(reload(state, &order).await?, error))
}

async fn stop(
    state: &AppState,
    order: OrderRecord,
    owner: &str,
    failure: Failure,
) -> Result<Placed, ApiError> {
    let step = order.step.failed();
    tracing::warn!(order = %order.id, step = step.as_str(), "order left for a person");
    if !state
        .store
        .record_failure(&order.id, owner, step, &failure, &state.now())
        .await?
    {
        return superseded(state, &order).await;
    }
    Ok(Placed::Stopped(reload(state, &order).await?))
}

async fn superseded(state: &AppState, order: &OrderRecord) -> Result<Placed, ApiError> {
    tracing::info!(order = %order.id, "another sender took the order over");
    Ok(Placed::Superseded(reload(state, order).await?))
}

async fn reload(state: &AppState, order: &OrderRecord) -> Result<OrderRecord, ApiError> {
    state
        .store
        .order(&order.account_id, &order.id)
        .await?
        .ok_or(ApiError::NotFound("order"))
}

/// Resumes every order left on its way at `unix_now`: a sending step whose lease is free (the
/// sender stopped, or Checkr's wait is over). Returns how many were sent on.
pub async fn reconcile(state: &AppState, unix_now: i64) -> anyhow::Result<usize> {
    let stalled = state.store.stalled_orders(unix_now).await?;
    let mut resumed = 0;
    for (account_id, order_id) in stalled {
        match resume(state, &account_id, &order_id, unix_now).await {
            Ok(true) => resumed += 1,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(order = %order_id, error = %error, "could not resume the order");
            }
        }
    }
    Ok(resumed)
}

async fn resume(
    state: &AppState,
    account_id: &str,
    order_id: &str,
    unix_now: i64,
) -> Result<bool, ApiError> {
    // An account that cannot order (disconnected, awaiting credentialing) keeps its orders
    // until it can.
    let Ok(account) = super::orders::ordering_account_by_id(state, account_id).await else {
        return Ok(false);
    };
    let lease = LeaseGrant::new(unix_now, LEASE_SECONDS);
    let order = match state
        .store
        .claim_order(
            account_id,
            order_id,
            &lease,
            unix_now,
            &state.now(),
            &super::manage::resume_audit(state, account_id),
        )
        .await?
    {
        Claim::Claimed(order) => order,
        Claim::Taken(_) | Claim::Missing => return Ok(false),
    };
    tracing::info!(order = %order.id, step = order.step.as_str(), "resuming an order left on its way");
    let valid = match super::orders::validate_for(state, &account, &order).await {
        Ok(valid) => valid,
        Err(ApiError::Invalid(fields)) => {
            let reasons: Vec<String> = fields
                .iter()
                .map(|(field, message)| format!("{}: {message}", field.label()))
                .collect();
            let failure = Failure {
                status: None,
                message: format!(
                    "The order no longer fits the account's catalog. {}",
                    reasons.join(" ")
                ),
            };
            let placed = stop(state, order, &lease.owner, failure).await?;
            publish(state, &placed);
            return Ok(true);
        }
        Err(ApiError::Provider { source, .. }) if source.is_busy() => {
            // The catalog could not be read for now: wait like any busy answer.
            let placed = settle(state, order, &lease.owner, source, unix_now).await?;
            publish(state, &placed);
            return Ok(true);
        }
        // Anything else passing (Checkr down, storage): the lease runs out and the next
        // round tries again.
        Err(other) => return Err(other),
    };
    let sent_by = (Sender::Reconciler, unix_now);
    let placed = place(state, &account.token, order, &lease, &valid, sent_by).await?;
    publish(state, &placed);
    Ok(true)
}

/// Tells live widgets how the order now stands.
pub fn publish(state: &AppState, placed: &Placed) {
    let order = match placed {
        Placed::Invited(order)
        | Placed::Failed(order, _)
        | Placed::Busy(order)
        | Placed::Superseded(order)
        | Placed::Stopped(order) => order,
    };
    state.publish(order.clone());
}

/// Runs [`reconcile`] now and then every [`RECONCILE_EVERY`] until the proxy stops.
pub async fn reconcile_forever(state: AppState) {
    let stopping = state.stopping();
    tokio::pin!(stopping);
    loop {
        let now = super::unix_seconds();
        if let Err(error) = reconcile(&state, now).await {
            tracing::warn!(error = %format!("{error:#}"), "reconciling orders failed");
        }
        tokio::select! {
            () = &mut stopping => return,
            () = tokio::time::sleep(RECONCILE_EVERY) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _other => Map::new(),
        }
    }

    #[test]
    fn only_changed_fields_are_sent_to_correct_a_candidate() {
        let sent = map(json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "old@example.com", "no_middle_name": true}));
        let wanted = map(json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "new@example.com", "no_middle_name": true}));
        assert_eq!(
            candidate_changes(Some(&sent), &wanted),
            map(json!({"email": "new@example.com"}))
        );
        assert!(candidate_changes(Some(&wanted), &wanted).is_empty());
    }

    #[test]
    fn with_unknown_earlier_details_only_contact_fields_are_resent() {
        let wanted = map(json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "jordan@example.com", "phone": "5105550100"}));
        assert_eq!(
            candidate_changes(None, &wanted),
            map(json!({"email": "jordan@example.com", "phone": "5105550100"}))
        );
    }
}
