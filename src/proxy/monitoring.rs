//! Reports Checkr starts by itself (continuous checks, subscriptions) join the applicant's
//! orders: before such a report's first event is folded, an order linked to it is made (see
//! [`super::store::Store::ensure_monitoring_order`]), and the fold applies its events to it.

use serde::Deserialize;

use crate::domain::continuous::started_by_checkr;

use super::AppState;

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    account_id: Option<String>,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: Report,
}

#[derive(Deserialize)]
struct Report {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    candidate_id: Option<String>,
}

/// Prepares an order for the report of a `report.*` event, when Checkr started it. A bare
/// event names no package: its report joins once a full event about it arrives.
pub(crate) async fn prepare(state: &AppState, raw: &str) -> anyhow::Result<()> {
    let envelope: Envelope = serde_json::from_str(raw)?;
    let report = envelope.data.object;
    let (Some(account), Some(report_id), Some(package), Some(candidate)) = (
        envelope.account_id,
        report.id,
        report.package,
        report.candidate_id,
    ) else {
        return Ok(());
    };
    let Some(ordered_by) = started_by_checkr(&package, report.source.as_deref()) else {
        return Ok(());
    };
    if state
        .store
        .ensure_monitoring_order(
            &account,
            &candidate,
            &package,
            &report_id,
            ordered_by,
            &state.now(),
        )
        .await?
    {
        tracing::info!(report = %report_id, "order made for a report Checkr started");
    }
    Ok(())
}
