//! `verification.*` webhooks: checks the candidate must complete (an ID verification, a
//! document) while the report waits. Recorded against the order of their report, for the
//! line under its badge ([`crate::domain::progress::progress_line`]).

use serde::Deserialize;

use crate::domain::progress::{VerificationStage, VerificationState, verification_report_id};

use super::AppState;

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    type_name: String,
    #[serde(default)]
    account_id: Option<String>,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: Verification,
}

#[derive(Deserialize)]
struct Verification {
    id: String,
    #[serde(default)]
    verification_type: Option<String>,
    #[serde(default)]
    report_id: Option<String>,
    #[serde(default)]
    uri: Option<String>,
}

/// Whether an event of this type is one [`record`] handles.
pub(crate) fn is_verification_event(type_name: &str) -> bool {
    VerificationStage::of_event(type_name).is_some()
}

/// Records a `verification.*` event (already stored durably as received) against its
/// report's order and tells the widgets. A verification of a report no order is linked to
/// yet is left in the event log only.
pub(crate) async fn record(state: &AppState, raw: &str) -> anyhow::Result<()> {
    let envelope: Envelope = serde_json::from_str(raw)?;
    let Some(stage) = VerificationStage::of_event(&envelope.type_name) else {
        return Ok(());
    };
    let verification = envelope.data.object;
    let (Some(account), Some(report_id)) = (
        envelope.account_id,
        verification_report_id(
            verification.report_id.as_deref(),
            verification.uri.as_deref(),
        ),
    ) else {
        tracing::info!(verification = %verification.id, "verification names no report or account");
        return Ok(());
    };
    let Some(order) = state.store.order_for_report(&account, &report_id).await? else {
        tracing::info!(verification = %verification.id, "verification of a report no order is linked to");
        return Ok(());
    };
    state
        .store
        .record_verification(
            &order.id,
            VerificationState {
                id: verification.id,
                verification_type: verification.verification_type.unwrap_or_default(),
                stage,
            },
            &state.now(),
        )
        .await?;
    state.publish(order);
    Ok(())
}
