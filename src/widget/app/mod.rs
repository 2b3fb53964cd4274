//! The widget's components. They only wire signals to the DOM; the rules live in
//! [`super::model`] and the domain module.
// Without the order form (the badges bundle) the helpers only the form calls go unused.
#![cfg_attr(not(feature = "order-form"), allow(dead_code, unused_imports))]

use std::rc::Rc;
use std::time::Duration;

use leptos::either::{Either, EitherOf3, EitherOf4};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlElement;

use crate::domain::badge::Badge;
use crate::domain::checkr::CustomerType;
use crate::domain::geo::{COUNTRY_CHOICES, Choices, US_STATE_CHOICES};
use crate::domain::order::OrderStep;
use crate::domain::validation::{Field, OrderRules};

use super::api::{CatalogView, Client, Order, Problem, Provider, Session};
use super::host::{View, emit};
use super::hub::{Hub, Update as HubUpdate, Watch};
use super::karmacheck::{CaseOrder, CasePackage};
use super::model::{
    AccountView, OrderForm, Picker, Prefill, badge_of, package_name, package_price, upsert,
};

#[cfg(feature = "status-view")]
mod account;
#[cfg(feature = "order-form")]
mod continuous;
#[cfg(feature = "order-form")]
mod form;
mod karmacheck;
#[cfg(feature = "order-form")]
mod karmacheck_connect;
#[cfg(feature = "order-form")]
mod karmacheck_form;
#[cfg(feature = "status-view")]
mod manage;
#[cfg(feature = "status-view")]
mod orders;
#[cfg(feature = "order-form")]
mod picker;
#[cfg(feature = "status-view")]
mod screenings;
#[cfg(feature = "order-form")]
mod subscriptions;
#[cfg(feature = "status-view")]
mod unlink;

#[cfg(feature = "status-view")]
use account::*;
#[cfg(feature = "order-form")]
use continuous::*;
#[cfg(feature = "order-form")]
use form::*;
pub(super) use karmacheck::case_follower;
#[cfg(feature = "status-view")]
use karmacheck::*;
#[cfg(feature = "order-form")]
use karmacheck_connect::*;
#[cfg(feature = "order-form")]
use karmacheck_form::*;
#[cfg(feature = "status-view")]
use manage::*;
#[cfg(feature = "status-view")]
use orders::*;
#[cfg(feature = "order-form")]
use picker::*;
#[cfg(feature = "status-view")]
use screenings::*;
#[cfg(feature = "order-form")]
use subscriptions::*;
#[cfg(feature = "status-view")]
use unlink::*;
/// Shown while Checkr asks the proxy to wait (rate limit, or the same request still in flight).
const CHECKR_BUSY: &str = "Checkr is busy, retrying…";
/// A retry Checkr refused again; the order's row above says why.
const RETRY_REFUSED: &str = "The retry did not go through; the reason is above.";
/// How often the session is re-read while an admin connects the account.
const POLL_SESSION: Duration = Duration::from_secs(5);

/// Something loaded from the proxy.
#[derive(Clone, PartialEq)]
pub(super) enum Load<T> {
    Loading,
    Ready(T),
    Failed(Problem),
}

/// What every component reaches: cheap, copyable handles.
#[derive(Clone, Copy)]
pub struct Ctx {
    hub: StoredValue<Rc<Hub>, LocalStorage>,
    host: StoredValue<HtmlElement, LocalStorage>,
    root: StoredValue<HtmlElement, LocalStorage>,
    view: View,
    pub(super) prefill: RwSignal<Prefill>,
    pub(super) session: RwSignal<Load<Session>>,
    pub(super) orders: RwSignal<Load<Vec<Order>>>,
    catalog: RwSignal<Load<CatalogView>>,
    /// A KarmaCheck account's cases of the applicant (see `karmacheck.rs`).
    pub(super) cases: RwSignal<Load<Vec<CaseOrder>>>,
    /// The account's KarmaCheck packages, once the form read them (names for the case list).
    case_packages: RwSignal<Vec<CasePackage>>,
    announced_ready: StoredValue<bool>,
}

impl Ctx {
    /// Handles for one mounted widget.
    pub fn new(
        hub: Rc<Hub>,
        host: HtmlElement,
        root: HtmlElement,
        view: View,
        prefill: RwSignal<Prefill>,
    ) -> Self {
        Self {
            hub: StoredValue::new_local(hub),
            host: StoredValue::new_local(host),
            root: StoredValue::new_local(root),
            view,
            prefill,
            session: RwSignal::new(Load::Loading),
            orders: RwSignal::new(Load::Loading),
            catalog: RwSignal::new(Load::Loading),
            cases: RwSignal::new(Load::Loading),
            case_packages: RwSignal::new(Vec::new()),
            announced_ready: StoredValue::new(false),
        }
    }

    fn client(&self) -> Option<Rc<Client>> {
        self.hub.try_with_value(|hub| hub.client())
    }

    pub(super) fn emit(&self, name: &str, detail: &[(&str, JsValue)]) {
        self.host.try_with_value(|host| emit(host, name, detail));
    }

    fn report(&self, problem: &Problem) {
        self.emit(
            "bgcheck:error",
            &[
                ("code", JsValue::from_str(problem.code())),
                ("message", JsValue::from_str(&problem.message())),
            ],
        );
    }

    pub(super) fn ready(&self) {
        if self.announced_ready.try_get_value() == Some(false) {
            self.announced_ready.set_value(true);
            // Leptos renders after the current task: announce once the form is on screen.
            let ctx = *self;
            set_timeout(move || ctx.emit("bgcheck:ready", &[]), Duration::ZERO);
        }
    }

    pub(super) fn customer(&self) -> CustomerType {
        match self.session.try_get_untracked() {
            Some(Load::Ready(session)) => session.customer_type,
            _ => CustomerType::default(),
        }
    }

    pub(super) fn custom_id(&self) -> Option<String> {
        self.prefill
            .try_with_untracked(|prefill| prefill.custom_id.clone())
            .flatten()
            .filter(|id| !id.trim().is_empty())
    }

    /// Moves focus to the input of `field` once the DOM shows its error.
    fn focus(&self, field: Field) {
        let root = self.root;
        set_timeout(
            move || {
                root.try_with_value(|root| focus_field(root, field));
            },
            Duration::ZERO,
        );
    }

    /// Moves focus to the first element matching `selector` once the DOM shows it: after an
    /// outcome replaces the control that had focus, focus would otherwise fall to `<body>`.
    fn focus_on(&self, selector: String) {
        let root = self.root;
        set_timeout(
            move || {
                root.try_with_value(|root| {
                    if let Ok(Some(element)) = root.query_selector(&selector)
                        && let Ok(element) = element.dyn_into::<HtmlElement>()
                    {
                        let _ = element.focus();
                    }
                });
            },
            Duration::ZERO,
        );
    }

    /// Reads the page's session (shared with the other widgets); `fresh` asks the proxy again.
    pub(super) fn load_session(self, fresh: bool) {
        self.session.set(Load::Loading);
        let Some(hub) = self.hub.try_get_value() else {
            return;
        };
        spawn_local(async move {
            let loaded = hub.session(fresh).await;
            self.apply_session(loaded);
        });
    }

    fn apply_session(self, loaded: Result<Session, Problem>) {
        match loaded {
            Ok(session) => {
                if self
                    .session
                    .try_with_untracked(|now| *now != Load::Ready(session.clone()))
                    == Some(true)
                {
                    self.session.set(Load::Ready(session));
                }
            }
            Err(problem) => {
                self.report(&problem);
                self.session.set(Load::Failed(problem));
            }
        }
    }

    /// Lists the applicant's orders again (in the page's next batched call).
    fn load_orders(self) {
        let Some(custom_id) = self.custom_id() else {
            return;
        };
        self.orders.set(Load::Loading);
        self.hub.with_value(|hub| hub.list(&custom_id));
    }

    /// Follows the applicant through the page's hub until the calling view is disposed:
    /// its listing, then its live changes (or polled listings when the stream breaks).
    pub(super) fn follow_orders(self) {
        let Some(custom_id) = self.custom_id() else {
            return;
        };
        let notify = Rc::new(move |update: HubUpdate| self.apply_update(update));
        let watch = self.hub.try_with_value(|hub| hub.watch(&custom_id, notify));
        let guard = StoredValue::new_local(watch);
        on_cleanup(move || {
            let _: Option<Option<Watch>> = guard.try_update_value(Option::take);
        });
    }

    fn apply_update(self, update: HubUpdate) {
        match update {
            HubUpdate::Listed(fresh) => {
                let before = match self.orders.try_get_untracked() {
                    Some(Load::Ready(before)) => before,
                    _ => Vec::new(),
                };
                for order in &fresh {
                    let known = before.iter().find(|old| old.id == order.id);
                    if known.is_some_and(|old| old.step != order.step || old.status != order.status)
                    {
                        self.announce_status(order);
                    }
                }
                self.orders.set(Load::Ready(fresh));
                // A badge announces itself once it shows a status, which also needs the session.
                if self.view == View::Status {
                    self.ready();
                }
            }
            HubUpdate::Failed(problem) => {
                self.report(&problem);
                self.orders.set(Load::Failed(problem));
            }
            HubUpdate::Changed(order) => {
                let announce = order.clone();
                if self.merge(order) {
                    self.announce_status(&announce);
                }
            }
        }
    }

    pub(super) fn announce_status(&self, order: &Order) {
        let badge = badge_of(order, self.customer());
        self.emit(
            "bgcheck:status",
            &[
                ("orderId", JsValue::from_str(&order.id)),
                ("label", JsValue::from_str(badge.label)),
                ("final", JsValue::from_bool(badge.is_final)),
                ("provider", JsValue::from_str(Provider::Checkr.as_str())),
            ],
        );
    }

    fn announce_ordered(&self, order: &Order) {
        self.emit(
            "bgcheck:ordered",
            &[
                ("orderId", JsValue::from_str(&order.id)),
                (
                    "candidateId",
                    order
                        .candidate_id
                        .as_deref()
                        .map_or(JsValue::NULL, JsValue::from_str),
                ),
                ("customId", JsValue::from_str(&order.custom_id)),
                ("package", JsValue::from_str(&order.package)),
            ],
        );
    }

    /// The newest copy of `order` in the list (tracked), else `order` itself.
    fn latest(&self, order: &Order) -> Order {
        self.orders
            .try_with(|load| match load {
                Load::Ready(orders) => orders.iter().find(|listed| listed.id == order.id).cloned(),
                Load::Loading | Load::Failed(_) => None,
            })
            .flatten()
            .unwrap_or_else(|| order.clone())
    }

    /// Folds an order the proxy sent into the list; true when its status changed.
    fn merge(&self, order: Order) -> bool {
        let mut changed = false;
        self.orders.update(|load| match load {
            Load::Ready(orders) => changed = upsert(orders, order),
            Load::Loading | Load::Failed(_) => {
                *load = Load::Ready(vec![order]);
                changed = true;
            }
        });
        changed
    }
}

/// The CSS selector of the row of order `id`, followed by `inner` (a descendant selector or "").
fn order_selector(id: &str, inner: &str) -> String {
    // Order ids are the proxy's UUIDs, but quoting keeps any id a valid selector.
    let quoted: String = id.chars().filter(|c| *c != '"' && *c != '\\').collect();
    ["[data-order=\"", quoted.as_str(), "\"]", inner].concat()
}

fn focus_field(root: &HtmlElement, field: Field) {
    let mut selector = String::from("[data-field=\"");
    selector.push_str(field.as_str());
    selector.push_str("\"]");
    let Ok(found) = root.query_selector_all(&selector) else {
        return;
    };
    // The node picker has one select per level; the deepest one is the one to fill in.
    let last = found.length().saturating_sub(1);
    if let Some(element) = found
        .item(last)
        .and_then(|node| node.dyn_into::<HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

#[cfg(feature = "status-view")]
/// The whole widget: account state first, then the orders and, for `<bgcheck-order>`, the form.
#[component]
pub fn Widget(
    /// Handles for this mounted widget.
    ctx: Ctx,
) -> impl IntoView {
    ctx.load_session(false);
    view! {
        <section class="bgc-card" aria-labelledby="bgc-title">
            <h2 id="bgc-title" class="bgc-title">"Background checks"</h2>
            {move || match ctx.session.get() {
                Load::Loading => EitherOf3::A(view! { <p class="bgc-muted" role="status">"Loading…"</p> }),
                Load::Failed(problem) => EitherOf3::B(view! {
                    <ProblemView problem retry=Callback::new(move |()| ctx.load_session(true))/>
                }),
                Load::Ready(session) => EitherOf3::C(view! { <Account ctx session/> }),
            }}
        </section>
    }
}
