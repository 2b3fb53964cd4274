//! The ATS webhooks of KarmaCheck orders: the same event types and order shape as Checkr's,
//! with `provider`, the case id and the seed's overall status; `invitation_id` and
//! `report_id` stay null. No name, email or KarmaCheck error text is sent.

use serde_json::{Value, json};

use crate::domain::karmacheck_order::{CaseStep, case_order_badge};

use super::super::karmacheck::CaseOrder;
use super::{NewEvent, types};

/// The badge as announced, to compare with the last one sent.
pub(in crate::proxy::store) fn badge_key(order: &CaseOrder) -> String {
    let badge = case_order_badge(order.step, order.overall);
    format!("{}|{}|{}", badge.label, badge.tone.as_str(), badge.is_final)
}

fn data(order: &CaseOrder) -> Value {
    let badge = case_order_badge(order.step, order.overall);
    json!({
        "order_id": order.id,
        "account_id": order.account_id,
        "applicant_id": order.custom_id,
        "provider": "karmacheck",
        "package": order.draft.package_id,
        "step": order.step.as_str(),
        "status": {
            "label": badge.label,
            "tone": badge.tone.as_str(),
            "final": badge.is_final,
            "canceled_indicator": badge.canceled_indicator,
        },
        "overall_status": order.overall,
        "case_id": order.case_id,
        "invitation_id": null,
        "report_id": null,
    })
}

/// `order.created` or `order.status_changed`.
pub(in crate::proxy::store) fn event(event_type: &'static str, order: &CaseOrder) -> NewEvent {
    NewEvent::new(&order.account_id, Some(&order.id), event_type, data(order))
}

/// `order.failed`: the step is `case`; the provider status, never its message.
pub(in crate::proxy::store) fn failed(order: &CaseOrder) -> NewEvent {
    let mut data = data(order);
    data["failure"] = json!({
        "step": "case",
        "duplicate_email": order.step == CaseStep::DuplicateEmail,
        "provider_status": order.failure.as_ref().and_then(|failure| failure.status),
    });
    NewEvent::new(
        &order.account_id,
        Some(&order.id),
        types::ORDER_FAILED,
        data,
    )
}

/// The events a saved order announces, given the badge last announced: `order.failed` for a
/// failed step, `order.status_changed` when the badge changed.
pub(in crate::proxy::store) fn on_save(
    order: &CaseOrder,
    announced: Option<&str>,
) -> Option<NewEvent> {
    match order.step {
        CaseStep::Failed | CaseStep::DuplicateEmail => Some(failed(order)),
        CaseStep::Sending | CaseStep::Created => (announced != Some(badge_key(order).as_str()))
            .then(|| event(types::ORDER_STATUS_CHANGED, order)),
    }
}
