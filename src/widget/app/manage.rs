//! Managing a placed order from its row: cancel or resend its invitation, each after a
//! confirmation, and (for admins and adjudicators) its history. Which actions an order offers
//! is the domain's rule ([`crate::domain::manage`]), the same one the proxy enforces.

use super::*;

use crate::domain::manage::{AuditAction, cancelable, reads_audit, resendable};
use crate::widget::decode;
use crate::widget::transport::Method;

/// An action on a placed order that needs a confirmation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Manage {
    /// Cancel the pending invitation.
    Cancel,
    /// Cancel it if still pending, and invite the candidate again.
    Resend,
}

impl Manage {
    /// The proxy path of the action on order `id`.
    fn path(self, id: &str) -> String {
        let verb = match self {
            Manage::Cancel => "/cancel",
            Manage::Resend => "/resend",
        };
        [
            "/api/orders/",
            &String::from(js_sys::encode_uri_component(id)),
            verb,
        ]
        .concat()
    }

    /// The row's button.
    pub const fn button(self) -> &'static str {
        match self {
            Manage::Cancel => "Cancel invitation",
            Manage::Resend => "Resend invitation",
        }
    }

    /// What the confirmation asks.
    pub const fn question(self) -> &'static str {
        match self {
            Manage::Cancel => {
                "Cancel this invitation? The candidate's link stops working and the check does not go ahead."
            }
            Manage::Resend => {
                "Send the candidate a new invitation? The current one is canceled if it is still open; the new one is a new order."
            }
        }
    }

    /// The confirming button.
    pub const fn confirm(self) -> &'static str {
        match self {
            Manage::Cancel => "Yes, cancel it",
            Manage::Resend => "Yes, resend",
        }
    }

    const fn working(self) -> &'static str {
        match self {
            Manage::Cancel => "Canceling…",
            Manage::Resend => "Resending…",
        }
    }

    const fn attribute(self) -> &'static str {
        match self {
            Manage::Cancel => "cancel",
            Manage::Resend => "resend",
        }
    }
}

/// The actions `order` offers now, as the proxy would accept them.
pub fn offered(order: &Order) -> Vec<Manage> {
    let invitation = order
        .status
        .invitation
        .as_ref()
        .map(|invitation| invitation.id.as_str());
    let mut actions = Vec::new();
    if cancelable(order.step, invitation, &order.status).is_ok() {
        actions.push(Manage::Cancel);
    }
    if resendable(order.step, invitation, &order.status).is_ok() {
        actions.push(Manage::Resend);
    }
    actions
}

/// Where a row's actions stand.
#[derive(Clone, PartialEq)]
enum Acting {
    Idle,
    Confirming(Manage),
    Sending(Manage),
    Failed(String),
}

/// The id of an element of the row of order `id`: ids are the proxy's, kept to safe characters.
fn element_id(prefix: &str, id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    [prefix, safe.as_str()].concat()
}

/// Cancel and resend for one order row, with an inline confirmation that is reached, answered
/// and dismissed (Escape) from the keyboard.
#[component]
pub(super) fn OrderActions(ctx: Ctx, order: Order) -> impl IntoView {
    let actions = offered(&order);
    if actions.is_empty() {
        return None;
    }
    let acting = RwSignal::new(Acting::Idle);
    let id = StoredValue::new(order.id.clone());
    let question_id = element_id("bgc-confirm-q-", &order.id);
    let back_to = move |action: Manage| {
        ctx.focus_on(order_selector(
            &id.get_value(),
            &[" button[data-manage=\"", action.attribute(), "\"]"].concat(),
        ));
    };
    let ask = move |action: Manage| {
        acting.set(Acting::Confirming(action));
        // The safe choice takes focus: Enter right away keeps the invitation.
        ctx.focus_on(order_selector(&id.get_value(), " button[data-keep]"));
    };
    let dismiss = move |action: Manage| {
        acting.set(Acting::Idle);
        back_to(action);
    };
    let run = move |action: Manage| {
        let Some(client) = ctx.client() else { return };
        acting.set(Acting::Sending(action));
        let order_id = id.get_value();
        spawn_local(async move {
            let path = action.path(&order_id);
            match client.call(Method::Post, &path, None, decode::order).await {
                Ok(changed) => {
                    acting.set(Acting::Idle);
                    let focus = order_selector(&changed.id, "");
                    ctx.merge(changed.clone());
                    if action == Manage::Resend {
                        ctx.announce_ordered(&changed);
                        // The old order changed too (canceled): list both as they now are.
                        if let Some(custom_id) = ctx.custom_id() {
                            ctx.hub.with_value(|hub| hub.list(&custom_id));
                        }
                    }
                    ctx.announce_status(&changed);
                    ctx.focus_on(focus);
                }
                Err(problem) => {
                    ctx.report(&problem);
                    acting.set(Acting::Failed(problem.message()));
                    ctx.focus_on(order_selector(&order_id, " [data-manage-error]"));
                }
            }
        });
    };
    let buttons = actions
        .into_iter()
        .map(|action| {
            view! {
                <button
                    type="button"
                    class="bgc-button"
                    data-manage=action.attribute()
                    aria-haspopup="dialog"
                    aria-disabled=move || if matches!(acting.get(), Acting::Sending(_)) { "true" } else { "false" }
                    on:click=move |_| {
                        if !matches!(acting.get_untracked(), Acting::Sending(_)) {
                            ask(action);
                        }
                    }
                >
                    {move || match acting.get() {
                        Acting::Sending(running) if running == action => running.working(),
                        Acting::Idle | Acting::Confirming(_) | Acting::Sending(_) | Acting::Failed(_) => action.button(),
                    }}
                </button>
            }
        })
        .collect_view();
    let dialog = move || match acting.get() {
        Acting::Confirming(action) => Some(view! {
            <Confirm
                label=action.button()
                question=action.question().to_owned()
                question_id=question_id.clone()
                yes=action.confirm()
                no="No, keep it"
                on_yes=Callback::new(move |()| run(action))
                on_no=Callback::new(move |()| dismiss(action))
            />
        }),
        Acting::Idle | Acting::Sending(_) | Acting::Failed(_) => None,
    };
    let failure = move || match acting.get() {
        Acting::Failed(message) => Some(view! {
            <p class="bgc-error" role="alert" data-manage-error="" tabindex="-1">{message}</p>
        }),
        Acting::Idle | Acting::Confirming(_) | Acting::Sending(_) => None,
    };
    Some(view! {
        <div class="bgc-manage">
            <div class="bgc-actions">{buttons}</div>
            {dialog}
            {failure}
        </div>
    })
}

/// An inline confirmation of a destructive action: an `alertdialog` whose safe answer the
/// caller focuses, answered by its buttons and dismissed with Escape (as `on_no`).
#[component]
pub(super) fn Confirm(
    label: &'static str,
    question: String,
    question_id: String,
    yes: &'static str,
    no: &'static str,
    on_yes: Callback<()>,
    on_no: Callback<()>,
) -> impl IntoView {
    let described = question_id.clone();
    view! {
        <div
            class="bgc-confirm"
            role="alertdialog"
            aria-modal="false"
            aria-label=label
            aria-describedby=described
            on:keydown=move |event: web_sys::KeyboardEvent| {
                if event.key() == "Escape" {
                    event.prevent_default();
                    on_no.run(());
                }
            }
        >
            <p id=question_id>{question}</p>
            <div class="bgc-actions">
                <button type="button" class="bgc-button bgc-primary" data-confirm-yes="" on:click=move |_| on_yes.run(())>
                    {yes}
                </button>
                <button type="button" class="bgc-button" data-keep="" on:click=move |_| on_no.run(())>
                    {no}
                </button>
            </div>
        </div>
    }
}

/// One row of an order's history, as the widget shows it.
#[derive(Clone, PartialEq, Debug)]
pub struct HistoryEntry {
    /// When, as the proxy wrote it (RFC 3339).
    pub at: String,
    /// The ATS user id.
    pub actor: String,
    /// What was done.
    pub action: Option<AuditAction>,
    /// `succeeded`, `refused` or `failed`.
    pub outcome: String,
    /// The short note.
    pub detail: String,
}

impl HistoryEntry {
    /// One line: when, who, what, and how it ended when it did not succeed.
    pub fn line(&self) -> String {
        let when = self.at.replacen('T', " ", 1).replace('Z', " UTC");
        let what = self.action.map_or("Changed", AuditAction::label);
        let mut line = [when.as_str(), " · ", self.actor.as_str(), " · ", what].concat();
        if self.outcome != "succeeded" {
            line.push_str(" (");
            line.push_str(&self.outcome);
            line.push(')');
        }
        if !self.detail.is_empty() {
            line.push_str(" · ");
            line.push_str(&self.detail);
        }
        line
    }
}

fn history_entry(value: &JsValue) -> Option<HistoryEntry> {
    let text = |key: &str| decode::field(value, key).and_then(|found| found.as_string());
    Some(HistoryEntry {
        at: text("at")?,
        actor: text("actor")?,
        action: text("action").as_deref().and_then(AuditAction::parse),
        outcome: text("outcome")?,
        detail: text("detail").unwrap_or_default(),
    })
}

/// Reads `GET /api/orders/{id}/history`'s answer.
pub fn history(value: &JsValue) -> Option<Vec<HistoryEntry>> {
    decode::items(&decode::field(value, "entries")?, history_entry)
}

/// An order's history behind a disclosure button, loaded when first opened; only for the
/// roles that may read it.
#[component]
pub(super) fn OrderHistory(ctx: Ctx, order_id: String) -> impl IntoView {
    let role = match ctx.session.get_untracked() {
        Load::Ready(session) => session.role,
        Load::Loading | Load::Failed(_) => return None,
    };
    if !reads_audit(role) {
        return None;
    }
    let open = RwSignal::new(false);
    let loaded = RwSignal::new(None::<Load<Vec<HistoryEntry>>>);
    let panel_id = element_id("bgc-history-", &order_id);
    let order_id = StoredValue::new(order_id);
    let load = move || {
        let Some(client) = ctx.client() else { return };
        loaded.set(Some(Load::Loading));
        let path = [
            "/api/orders/",
            &String::from(js_sys::encode_uri_component(&order_id.get_value())),
            "/history",
        ]
        .concat();
        spawn_local(async move {
            let answer = client.call(Method::Get, &path, None, history).await;
            loaded.set(Some(match answer {
                Ok(entries) => Load::Ready(entries),
                Err(problem) => Load::Failed(problem),
            }));
        });
    };
    let toggle = move |_| {
        let now_open = !open.get_untracked();
        open.set(now_open);
        if now_open && !matches!(loaded.get_untracked(), Some(Load::Ready(_))) {
            load();
        }
    };
    let panel = move || {
        open.get().then(|| match loaded.get() {
            None | Some(Load::Loading) => EitherOf4::A(view! {
                <p class="bgc-muted" role="status">"Loading history…"</p>
            }),
            Some(Load::Failed(problem)) => EitherOf4::B(view! {
                <ProblemView problem retry=Callback::new(move |()| load())/>
            }),
            Some(Load::Ready(entries)) if entries.is_empty() => EitherOf4::C(view! {
                <p class="bgc-muted">"Nothing recorded for this order yet."</p>
            }),
            Some(Load::Ready(entries)) => EitherOf4::D(view! {
                <ol class="bgc-history-list">
                    {entries.into_iter().map(|entry| view! { <li>{entry.line()}</li> }).collect_view()}
                </ol>
            }),
        })
    };
    Some(view! {
        <div class="bgc-history">
            <button
                type="button"
                class="bgc-link-button"
                data-history=""
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls=panel_id.clone()
                on:click=toggle
            >
                {move || if open.get() { "Hide history" } else { "Show history" }}
            </button>
            <div id=panel_id.clone()>{panel}</div>
        </div>
    })
}

/// The report's tags on the order row, when it has any.
#[component]
pub(super) fn OrderTags(tags: Vec<String>) -> impl IntoView {
    (!tags.is_empty()).then(|| {
        view! {
            <p class="bgc-tags" data-tags="">
                "Tags: "
                {tags.join(", ")}
            </p>
        }
    })
}
