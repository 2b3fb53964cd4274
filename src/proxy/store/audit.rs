//! The audit log's rows, shared by both backends. Rows are generic on purpose: any change a
//! person (or the proxy itself) makes can be written as one, inside the transaction of the
//! change, by the backend's `append_audit_in`.
//!
//! A row never holds candidate PII: the applicant is named only by the order (whose
//! `custom_id` is the ATS's own id), and `detail` is a short machine-made note such as an
//! invitation id, a linked order id or tag counts, never names or emails.

use serde::Serialize;

use crate::domain::manage::AuditAction;
use crate::domain::view::Role;

/// How the audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// It did what was asked.
    Succeeded,
    /// It was refused (by Checkr or by a rule) and changed nothing.
    Refused,
    /// It failed on the way (Checkr unreachable, …) and may be tried again.
    Failed,
}

impl AuditOutcome {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Succeeded => "succeeded",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Failed => "failed",
        }
    }

    pub(super) fn parse(name: &str) -> Self {
        match name {
            "succeeded" => AuditOutcome::Succeeded,
            "refused" => AuditOutcome::Refused,
            _failed => AuditOutcome::Failed,
        }
    }
}

/// One row to append.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// When (RFC 3339, whole seconds).
    pub at: String,
    /// The ATS account the row belongs to.
    pub account_id: String,
    /// The ATS user id from the session, or `proxy` for the proxy's own work.
    pub actor: String,
    /// The actor's role, when a person acted.
    pub role: Option<Role>,
    /// What was done.
    pub action: AuditAction,
    /// The order it concerns, if any.
    pub order_id: Option<String>,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// A short non-PII note (ids, counts, Checkr's status code).
    pub detail: String,
}

/// The longest `detail` kept; longer notes are cut so no caller can store a document.
pub const MAX_DETAIL_CHARS: usize = 200;

impl AuditEntry {
    /// `detail` as stored: cut to [`MAX_DETAIL_CHARS`].
    pub(super) fn stored_detail(&self) -> String {
        self.detail.chars().take(MAX_DETAIL_CHARS).collect()
    }
}

/// Who creates an order, and from which order if it is a resend: the audit rows (and the
/// resend's link) are written in the new order's own transaction, so a crash never keeps the
/// order without them.
#[derive(Debug, Clone)]
pub struct OrderOrigin {
    /// The `Ordered` row, its `order_id` left empty: the store fills in the new order's id.
    pub ordered: AuditEntry,
    /// The order this one resends, if any.
    pub resent_from: Option<String>,
}

impl OrderOrigin {
    /// The rows for the new order `order_id`: `Ordered` on it, and for a resend `Resent` on
    /// the old order naming the new one.
    pub(super) fn rows(&self, order_id: &str) -> Vec<AuditEntry> {
        let mut ordered = self.ordered.clone();
        ordered.order_id = Some(order_id.to_owned());
        let Some(old) = &self.resent_from else {
            return vec![ordered];
        };
        ordered.detail = format!("resend of {old}");
        let resent = AuditEntry {
            action: AuditAction::Resent,
            order_id: Some(old.clone()),
            detail: format!("resent as {order_id}"),
            ..self.ordered.clone()
        };
        vec![resent, ordered]
    }
}

/// `entry` about the order `order_id`.
pub(super) fn about(entry: &AuditEntry, order_id: &str) -> AuditEntry {
    AuditEntry {
        order_id: Some(order_id.to_owned()),
        ..entry.clone()
    }
}

/// A stored row, with its position in the account's log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    /// Increasing with every row written (the pagination cursor).
    pub seq: i64,
    /// The row.
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// Builds a record from stored columns: seq, at, account_id, actor, role, action, order_id,
/// outcome, detail.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_from_columns(
    seq: i64,
    at: String,
    account_id: String,
    actor: String,
    role: Option<String>,
    action: String,
    order_id: Option<String>,
    outcome: String,
    detail: String,
) -> AuditRecord {
    AuditRecord {
        seq,
        entry: AuditEntry {
            at,
            account_id,
            actor,
            role: role.as_deref().and_then(Role::parse),
            action: AuditAction::parse(&action).unwrap_or(AuditAction::Delivered),
            order_id,
            outcome: AuditOutcome::parse(&outcome),
            detail,
        },
    }
}

/// The columns, in [`record_from_columns`]'s order.
pub(super) const AUDIT_COLUMNS: &str =
    "seq, at, account_id, actor, role, action, order_id, outcome, detail";
