//! The widget's components. They only wire signals to the DOM; the rules live in
//! [`super::model`] and the domain module.

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

use super::api::{CatalogView, Client, Order, Problem, Session, decode_order};
use super::host::{View, emit};
use super::model::{
    AccountView, OrderForm, Picker, Prefill, badge_of, package_name, package_price, upsert,
};
use super::transport::Listener;

/// How often the orders are refreshed when the live stream is unavailable.
const POLL_ORDERS: Duration = Duration::from_secs(15);
/// Shown while Checkr asks the proxy to wait (rate limit, or the same request still in flight).
const CHECKR_BUSY: &str = "Checkr is busy, retrying…";
/// A retry Checkr refused again; the order's row above says why.
const RETRY_REFUSED: &str = "The retry did not go through; the reason is above.";
/// How often the session is re-read while an admin connects the account.
const POLL_SESSION: Duration = Duration::from_secs(5);

/// Something loaded from the proxy.
#[derive(Clone, PartialEq)]
enum Load<T> {
    Loading,
    Ready(T),
    Failed(Problem),
}

/// What every component reaches: cheap, copyable handles.
#[derive(Clone, Copy)]
pub struct Ctx {
    client: StoredValue<Rc<Client>, LocalStorage>,
    host: StoredValue<HtmlElement, LocalStorage>,
    root: StoredValue<HtmlElement, LocalStorage>,
    view: View,
    prefill: RwSignal<Prefill>,
    session: RwSignal<Load<Session>>,
    orders: RwSignal<Load<Vec<Order>>>,
    catalog: RwSignal<Load<CatalogView>>,
    announced_ready: StoredValue<bool>,
}

impl Ctx {
    /// Handles for one mounted widget.
    pub fn new(
        client: Rc<Client>,
        host: HtmlElement,
        root: HtmlElement,
        view: View,
        prefill: RwSignal<Prefill>,
    ) -> Self {
        Self {
            client: StoredValue::new_local(client),
            host: StoredValue::new_local(host),
            root: StoredValue::new_local(root),
            view,
            prefill,
            session: RwSignal::new(Load::Loading),
            orders: RwSignal::new(Load::Loading),
            catalog: RwSignal::new(Load::Loading),
            announced_ready: StoredValue::new(false),
        }
    }

    fn client(&self) -> Option<Rc<Client>> {
        self.client.try_get_value()
    }

    fn emit(&self, name: &str, detail: &[(&str, JsValue)]) {
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

    fn ready(&self) {
        if self.announced_ready.try_get_value() == Some(false) {
            self.announced_ready.set_value(true);
            // Leptos renders after the current task: announce once the form is on screen.
            let ctx = *self;
            set_timeout(move || ctx.emit("bgcheck:ready", &[]), Duration::ZERO);
        }
    }

    fn customer(&self) -> CustomerType {
        match self.session.try_get_untracked() {
            Some(Load::Ready(session)) => session.customer_type,
            _ => CustomerType::default(),
        }
    }

    fn custom_id(&self) -> Option<String> {
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

    fn load_session(self) {
        self.session.set(Load::Loading);
        let Some(client) = self.client() else { return };
        spawn_local(async move {
            let loaded = client.session().await;
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

    fn load_orders(self, quietly: bool) {
        let Some(custom_id) = self.custom_id() else {
            return;
        };
        let Some(client) = self.client() else { return };
        if !quietly {
            self.orders.set(Load::Loading);
        }
        spawn_local(self.fetch_orders(client, custom_id, quietly, None));
    }

    /// Loads the orders; after a break of the live stream, `after_break` names the stream so
    /// it can be reopened if the load renewed the session. (One future type for both keeps
    /// the wasm smaller.)
    async fn fetch_orders(
        self,
        client: Rc<Client>,
        custom_id: String,
        quietly: bool,
        after_break: Option<(Live, String)>,
    ) {
        match client.orders(&custom_id).await {
            Ok(fresh) => {
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
                if self.view == View::Status {
                    self.ready();
                }
            }
            Err(problem) if quietly => {
                // A failed background refresh keeps the list the user is reading.
                let _ = problem;
            }
            Err(problem) => {
                self.report(&problem);
                self.orders.set(Load::Failed(problem));
            }
        }
        if let Some((live, opened_with)) = after_break {
            live.refreshed(&client, &opened_with);
        }
    }

    fn announce_status(&self, order: &Order) {
        let badge = badge_of(order, self.customer());
        self.emit(
            "bgcheck:status",
            &[
                ("orderId", JsValue::from_str(&order.id)),
                ("label", JsValue::from_str(badge.label)),
                ("final", JsValue::from_bool(badge.is_final)),
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

/// The whole widget: account state first, then the orders and, for `<bgcheck-order>`, the form.
#[component]
pub fn Widget(
    /// Handles for this mounted widget.
    ctx: Ctx,
) -> impl IntoView {
    ctx.load_session();
    view! {
        <section class="bgc-card" aria-labelledby="bgc-title">
            <h2 id="bgc-title" class="bgc-title">"Background checks"</h2>
            {move || match ctx.session.get() {
                Load::Loading => EitherOf3::A(view! { <p class="bgc-muted" role="status">"Loading…"</p> }),
                Load::Failed(problem) => EitherOf3::B(view! {
                    <ProblemView problem retry=Callback::new(move |()| ctx.load_session())/>
                }),
                Load::Ready(session) => EitherOf3::C(view! { <Account ctx session/> }),
            }}
        </section>
    }
}

#[component]
fn Account(ctx: Ctx, session: Session) -> impl IntoView {
    let account = AccountView::of(&session);
    // One notice shape for every account state keeps a single rendering routine in the wasm.
    let state = match account.clone() {
        AccountView::Ready => None,
        AccountView::NotConnected(links) => Some(Notice {
            class: "bgc-notice",
            text: "This account is not connected to Checkr yet.",
            links,
            reconnect: false,
            without_links: Some(
                "Ask an admin to connect the account to order background checks.",
            ),
        }),
        AccountView::AwaitingApproval => {
            session_poller(ctx)();
            Some(Notice {
            class: "bgc-notice",
            text: "Checkr is reviewing this account. Approval can take 1–3 days; ordering opens as soon as it is approved.",
            links: None,
            reconnect: false,
            without_links: None,
        })
        }
        AccountView::Disconnected(links) => Some(Notice {
            class: "bgc-notice bgc-notice-attention",
            text: "This account is no longer connected to Checkr, so new checks cannot be ordered. Existing orders are still shown.",
            links,
            reconnect: true,
            without_links: Some("Ask an admin to reconnect the account."),
        }),
    }
    .map(|notice| notice.view(ctx));
    let ordering = account == AccountView::Ready && ctx.view == View::Order;
    if !ordering {
        ctx.ready();
    }
    view! {
        {state}
        <Orders ctx/>
        {ordering.then(|| view! { <OrderPanel ctx/> })}
    }
}

/// What the account's state tells the user, and the connect buttons when an admin may use them.
struct Notice {
    class: &'static str,
    text: &'static str,
    links: Option<super::api::ConnectLinks>,
    reconnect: bool,
    /// Shown instead of the buttons when the user may not connect the account.
    without_links: Option<&'static str>,
}

impl Notice {
    fn view(self, ctx: Ctx) -> impl IntoView {
        let reconnect = self.reconnect;
        let fallback = match self.links {
            Some(_) => None,
            None => self.without_links,
        };
        view! {
            <div class=self.class role="status">
                <p>{self.text}</p>
                {self.links.map(|links| view! { <Connect ctx links reconnect/> })}
                {fallback.map(|text| view! { <p class="bgc-muted">{text}</p> })}
            </div>
        }
    }
}

/// Returns a starter that re-reads the session every few seconds until the calling view is
/// disposed: after a connect link opens in another tab, and while Checkr reviews the account,
/// the widget must notice the change by itself. Starting it twice keeps one timer.
fn session_poller(ctx: Ctx) -> impl Fn() + Copy + 'static {
    let polling = StoredValue::new_local(None::<IntervalHandle>);
    on_cleanup(move || {
        if let Some(Some(handle)) = polling.try_update_value(Option::take) {
            handle.clear();
        }
    });
    move || {
        if polling.try_with_value(Option::is_some) == Some(false)
            && let Ok(handle) = set_interval_with_handle(
                move || {
                    if let Some(client) = ctx.client() {
                        spawn_local(async move {
                            if let Ok(session) = client.session().await {
                                ctx.apply_session(Ok(session));
                            }
                        });
                    }
                },
                POLL_SESSION,
            )
        {
            polling.set_value(Some(handle));
        }
    }
}

#[component]
fn Connect(
    ctx: Ctx,
    links: super::api::ConnectLinks,
    #[prop(optional)] reconnect: bool,
) -> impl IntoView {
    let watch = session_poller(ctx);
    let open = move |url: String| {
        if let Some(window) = web_sys::window() {
            let _ = window.open_with_url_and_target_and_features(&url, "_blank", "noopener");
        }
        watch();
    };
    let signup = links.signup_url;
    let signin = links.signin_url;
    let open_signup = open;
    view! {
        <p>"An admin connects the account once. Sign-up approval can take 1–3 days."</p>
        <div class="bgc-actions">
            <button type="button" class="bgc-button bgc-primary" on:click=move |_| open_signup(signup.clone())>
                {if reconnect { "Reconnect: sign up with Checkr" } else { "Sign up with Checkr" }}
            </button>
            <button type="button" class="bgc-button" on:click=move |_| open(signin.clone())>
                {if reconnect { "Reconnect: sign in to Checkr" } else { "Sign in to Checkr" }}
            </button>
        </div>
        <p class="bgc-muted">"The Checkr pages open in a new tab; this panel updates by itself once the account is connected."</p>
    }
}

#[component]
fn ProblemView(problem: Problem, retry: Callback<()>) -> impl IntoView {
    let retryable = problem.is_retryable();
    view! {
        <div class="bgc-problem" role="alert">
            <p>{problem.message()}</p>
            {retryable.then(|| view! {
                <button type="button" class="bgc-button" on:click=move |_| retry.run(())>"Try again"</button>
            })}
        </div>
    }
}

#[component]
fn Orders(ctx: Ctx) -> impl IntoView {
    if ctx.custom_id().is_none() {
        return Either::Left(view! {
            <p class="bgc-muted">"No applicant is selected, so there are no orders to show."</p>
        });
    }
    ctx.load_orders(false);
    live_updates(ctx);
    let retry = RwSignal::new(Retry::Idle);
    Either::Right(view! {
        <section class="bgc-orders" aria-labelledby="bgc-orders-title" aria-live="polite">
            <h3 id="bgc-orders-title" class="bgc-subtitle">"This candidate's checks"</h3>
            {move || match ctx.orders.get() {
                Load::Loading => EitherOf4::A(view! { <p class="bgc-muted" role="status">"Loading orders…"</p> }),
                Load::Failed(problem) => EitherOf4::B(view! {
                    <ProblemView problem retry=Callback::new(move |()| ctx.load_orders(false))/>
                }),
                Load::Ready(orders) if orders.is_empty() => EitherOf4::C(view! {
                    <p class="bgc-muted">"No background checks ordered for this candidate yet."</p>
                }),
                Load::Ready(orders) => {
                    let customer = ctx.customer();
                    EitherOf4::D(view! {
                        <ul class="bgc-list">
                            {orders
                                .into_iter()
                                .map(|order| view! { <OrderRow ctx order customer retry/> })
                                .collect_view()}
                        </ul>
                    })
                }
            }}
        </section>
    })
}

/// Where the latest retry in the order list stands.
#[derive(Clone, PartialEq)]
enum Retry {
    /// No retry is running and the last one (if any) succeeded.
    Idle,
    /// The order with this id is being retried.
    Sending(String),
    /// The order with this id could not be retried, and what to say; kept until the next retry.
    Failed(String, String),
}

impl Retry {
    fn is_sending(&self, order_id: &str) -> bool {
        match self {
            Retry::Sending(id) => id == order_id,
            Retry::Idle | Retry::Failed(..) => false,
        }
    }

    fn problem_of(&self, order_id: &str) -> Option<String> {
        match self {
            Retry::Failed(id, message) if id == order_id => Some(message.clone()),
            Retry::Idle | Retry::Sending(_) | Retry::Failed(..) => None,
        }
    }
}

/// The live status stream, falling back to polling when it cannot be opened or breaks.
fn live_updates(ctx: Ctx) {
    let live = Live {
        ctx,
        polling: StoredValue::new_local(None),
        stream: StoredValue::new_local(None),
    };
    on_cleanup(move || {
        if let Some(Some(handle)) = live.polling.try_update_value(Option::take) {
            handle.clear();
        }
        live.stream.try_update_value(Option::take);
    });
    live.open();
}

/// One widget's live stream, and the polling that stands in for it.
#[derive(Clone, Copy)]
struct Live {
    ctx: Ctx,
    polling: StoredValue<Option<IntervalHandle>, LocalStorage>,
    stream: StoredValue<Option<Box<dyn std::any::Any>>, LocalStorage>,
}

impl Live {
    fn open(self) {
        let Some(client) = self.ctx.client() else {
            return;
        };
        let Some(url) = client.events_url() else {
            self.poll();
            return;
        };
        let ctx = self.ctx;
        let custom_id = ctx.custom_id().unwrap_or_default();
        let opened_with = url.clone();
        let listener = Listener {
            on_order: Rc::new(move |value| {
                if let Some(order) = decode_order(value)
                    && order.custom_id == custom_id
                {
                    let announce = order.clone();
                    if ctx.merge(order) {
                        ctx.announce_status(&announce);
                    }
                }
            }),
            on_broken: Rc::new(move || self.broken(&opened_with)),
        };
        match client.transport().listen(&url, listener) {
            Some(guard) => self.stream.set_value(Some(guard)),
            None => self.poll(),
        }
    }

    fn poll(self) {
        let ctx = self.ctx;
        if self.polling.try_with_value(Option::is_some) == Some(false)
            && let Ok(handle) = set_interval_with_handle(move || ctx.load_orders(true), POLL_ORDERS)
        {
            self.polling.set_value(Some(handle));
        }
    }

    /// The stream broke: poll, and refresh at once. The proxy ends a stream when its session
    /// expires; the refresh then renews the session, and the stream is reopened with the new
    /// one. Any other break is left to the browser's own reconnecting.
    fn broken(self, opened_with: &str) {
        self.poll();
        let (Some(client), Some(custom_id)) = (self.ctx.client(), self.ctx.custom_id()) else {
            return;
        };
        spawn_local(self.ctx.fetch_orders(
            client,
            custom_id,
            true,
            Some((self, opened_with.to_owned())),
        ));
    }

    /// After the refresh that followed a break: reopen the stream if the session was renewed.
    fn refreshed(self, client: &Client, opened_with: &str) {
        if client.events_url().is_some_and(|url| url != opened_with) {
            // Closed here rather than in the callback that reported the break, which the old
            // stream owns.
            self.stream.try_update_value(Option::take);
            self.open();
        }
    }
}

#[component]
fn OrderRow(
    ctx: Ctx,
    order: Order,
    customer: CustomerType,
    retry: RwSignal<Retry>,
) -> impl IntoView {
    let badge: Badge = badge_of(&order, customer);
    // Tracked: the orders may arrive before the catalog, and the row must then swap the slug
    // for the package's name.
    let slug = StoredValue::new(order.package.clone());
    let name = move || {
        slug.with_value(|slug| {
            ctx.catalog
                .with(|load| match load {
                    Load::Ready(view) => Some(package_name(Some(&view.catalog), slug)),
                    Load::Loading | Load::Failed(_) => None,
                })
                .unwrap_or_else(|| slug.clone())
        })
    };
    let mut tone = String::from("bgc-badge bgc-tone-");
    tone.push_str(badge.tone.as_str());
    let reasons = (customer.shows_cancellation_reason() && !order.cancellation_reasons.is_empty())
        .then(|| order.cancellation_reasons.join("; "));
    // While Checkr asks to wait, the proxy retries by itself: say so instead of failing.
    let busy = order.busy;
    let failure = (order.can_retry && !busy).then(|| {
        let mut why = order.failure.as_ref().map_or_else(
            || match order.step {
                OrderStep::Drafted | OrderStep::CandidateCreated => {
                    "Sending was interrupted before the invitation went out.".to_owned()
                }
                OrderStep::CandidateFailed | OrderStep::InvitationFailed | OrderStep::Invited => {
                    "The invitation was not sent.".to_owned()
                }
            },
            |failure| ["Checkr said: ", failure.message.as_str()].concat(),
        );
        // The certification asks for the provider's detail: its status code too.
        if let Some(status) = order.failure.as_ref().and_then(|failure| failure.status) {
            why.push_str(" (HTTP ");
            why.push_str(&status.to_string());
            why.push(')');
        }
        why
    });
    let id = order.id.clone();
    let busy_id = order.id.clone();
    let problem_id = order.id.clone();
    let start_retry = move |_| {
        let Some(client) = ctx.client() else { return };
        let id = id.clone();
        if retry.with_untracked(|retry| retry.is_sending(&id)) {
            return;
        }
        retry.set(Retry::Sending(id.clone()));
        spawn_local(async move {
            match client.retry(&id).await {
                Ok(order) => {
                    let placed = order.step == OrderStep::Invited;
                    ctx.merge(order.clone());
                    if placed {
                        ctx.announce_ordered(&order);
                        ctx.announce_status(&order);
                    }
                    // Another order's retry may have started meanwhile: leave its state alone.
                    retry.update(|state| {
                        if state.is_sending(&id) {
                            *state = Retry::Idle;
                        }
                    });
                    // The Retry button is gone: focus the row it was in.
                    ctx.focus_on(order_selector(&id, ""));
                }
                Err(problem) => {
                    ctx.report(&problem);
                    // When the proxy sends the order back, its row states the provider's
                    // reason: the retry's own message then only says that it failed.
                    let message = match &problem {
                        Problem::Api { body, .. } if body.order.is_some() => {
                            if let Some(order) = body.order.clone() {
                                ctx.merge(order);
                            }
                            RETRY_REFUSED.to_owned()
                        }
                        Problem::Api { .. } | Problem::Network => problem.message(),
                    };
                    ctx.focus_on(order_selector(&id, " [data-retry-error]"));
                    retry.set(Retry::Failed(id, message));
                }
            }
        });
    };
    view! {
        <li class="bgc-order" data-order=order.id.clone() tabindex="-1">
            <div class="bgc-order-head">
                <span class="bgc-order-name">{name}</span>
                <span class=tone data-badge="">
                    {badge.label}
                    {badge.canceled_indicator.then(|| view! {
                        <span class="bgc-indicator" role="img" aria-label="Includes canceled screenings" title="Includes canceled screenings">" ⚠"</span>
                    })}
                </span>
            </div>
            {order.eta.clone().map(|eta| view! { <p class="bgc-eta">"Estimated completion: " {eta}</p> })}
            {reasons.map(|reasons| view! { <p class="bgc-reason">"Cancellation reason: " {reasons}</p> })}
            {order.report_url.clone().map(|url| view! {
                <p><a class="bgc-link" href=url target="_blank" rel="noopener noreferrer">"Open the report in the Checkr Dashboard"</a></p>
            })}
            {busy.then(|| view! {
                <p class="bgc-muted" role="status" data-busy="">{CHECKR_BUSY}</p>
            })}
            {failure.map(|why| view! {
                <div class="bgc-failure" data-failure="" tabindex="-1">
                    <p>"Not sent. " {why}</p>
                    <button
                        type="button"
                        class="bgc-button"
                        data-retry=""
                        aria-label=move || ["Retry the ", name().as_str(), " order"].concat()
                        aria-disabled=move || if retry.with(|retry| retry.is_sending(&busy_id)) { "true" } else { "false" }
                        on:click=start_retry
                    >
                        {
                            let busy_id = order.id.clone();
                            move || if retry.with(|retry| retry.is_sending(&busy_id)) { "Retrying…" } else { "Retry" }
                        }
                    </button>
                </div>
            })}
            {move || retry.with(|retry| retry.problem_of(&problem_id)).map(|message| view! {
                <p class="bgc-error" role="alert" data-retry-error="" tabindex="-1">{message}</p>
            })}
        </li>
    }
}

#[component]
fn OrderPanel(ctx: Ctx) -> impl IntoView {
    let load = move || {
        ctx.catalog.set(Load::Loading);
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            match client.catalog().await {
                Ok(view) => {
                    ctx.catalog.set(Load::Ready(view));
                    ctx.ready();
                }
                Err(problem) => {
                    ctx.report(&problem);
                    ctx.catalog.set(Load::Failed(problem));
                }
            }
        });
    };
    load();
    view! {
        {move || match ctx.catalog.get() {
            Load::Loading => EitherOf3::A(view! { <p class="bgc-muted" role="status">"Loading packages…"</p> }),
            Load::Failed(problem) => EitherOf3::B(view! { <ProblemView problem retry=Callback::new(move |()| load())/> }),
            Load::Ready(catalog) => EitherOf3::C(view! { <OrderForm ctx catalog/> }),
        }}
    }
}

#[component]
fn OrderForm(ctx: Ctx, catalog: CatalogView) -> impl IntoView {
    let rules = OrderRules {
        node_required: catalog.node_required || catalog.catalog.node_required(),
    };
    let form = RwSignal::new(OrderForm::new(rules, &ctx.prefill.get_untracked()));
    // The host may change the prefill after mounting (`update`).
    Effect::new(move |first: Option<()>| {
        let prefill = ctx.prefill.get();
        if first.is_some() {
            form.update(|form| form.prefill(&prefill));
        }
    });
    let picker = catalog.clone();
    let catalog = StoredValue::new(catalog);
    let picker = StoredValue::new(Picker::of(&picker.catalog));
    let sending = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let placed = RwSignal::new(None::<Order>);
    let readonly_id = ctx.custom_id().is_some();

    let send = move || {
        let draft = match form.try_update(OrderForm::submit) {
            Some(Ok(draft)) => draft,
            Some(Err(first)) => {
                if let Some(field) = first {
                    ctx.focus(field);
                }
                return;
            }
            None => return,
        };
        let Some(client) = ctx.client() else { return };
        sending.set(true);
        problem.set(None);
        spawn_local(async move {
            match client.place(&draft).await {
                Ok(order) => {
                    ctx.merge(order.clone());
                    ctx.announce_ordered(&order);
                    placed.set(Some(order));
                    ctx.focus_on("[data-confirmation]".to_owned());
                }
                Err(failed) => {
                    ctx.report(&failed);
                    let mut focus_field = None;
                    let mut kept_order = None;
                    if let Problem::Api { body, .. } = &failed {
                        let (fields, other) = body.field_errors();
                        if !fields.is_empty() || !other.is_empty() {
                            focus_field = form
                                .try_update(|form| form.server_errors(fields, other))
                                .flatten();
                        }
                        if let Some(order) = body.order.clone() {
                            // Only a row that offers Retry shows the failure.
                            if order.can_retry && !order.busy {
                                kept_order = Some(order.id.clone());
                            }
                            ctx.merge(order);
                        }
                    }
                    match (focus_field, kept_order) {
                        (Some(field), _) => ctx.focus(field),
                        // The kept order's row says why it was not sent and offers Retry:
                        // saying it again above the form would say it twice.
                        (None, Some(id)) => ctx.focus_on(order_selector(&id, " [data-failure]")),
                        (None, None) => {
                            problem.set(Some(failed));
                            ctx.focus_on(".bgc-summary".to_owned());
                        }
                    }
                }
            }
            sending.set(false);
        });
    };

    let summary = move || {
        let node_level = picker.with_value(|picker| {
            picker
                .as_ref()
                .and_then(|picker| form.with(|form| picker.error_level(form.draft.node.as_deref())))
        });
        let entries =
            form.with(|form| form.summary(node_level.as_ref().map(|(_, label)| label.as_str())));
        let node_depth = node_level.map_or(0, |(depth, _)| depth);
        let failure = problem.get();
        if entries.is_empty() && failure.is_none() {
            return None;
        }
        Some(view! {
            <div class="bgc-summary" role="alert" tabindex="-1">
                {failure.map(|failure| {
                    let retryable = failure.is_retryable();
                    view! {
                        <p>{failure.message()}</p>
                        {retryable.then(|| view! {
                            <button type="button" class="bgc-button" on:click=move |_| send()>"Try again"</button>
                        })}
                    }
                })}
                {(!entries.is_empty()).then(|| view! {
                    <p>"Please fix the following:"</p>
                    <ul>
                        {entries.into_iter().map(|entry| match entry.field {
                            Some(field) => Either::Left(view! {
                                <li>
                                    <a class="bgc-link" href=["#", control_id(field, node_depth).as_str()].concat() on:click=move |event| {
                                        // Fragment links do not reach into a shadow root.
                                        event.prevent_default();
                                        ctx.focus(field);
                                    }>{entry.label}</a>
                                    ": " {entry.message}
                                </li>
                            }),
                            None => Either::Right(view! { <li>{entry.message}</li> }),
                        }).collect_view()}
                    </ul>
                })}
            </div>
        })
    };

    view! {
        {move || match placed.get() {
            Some(order) => {
                let name = catalog.with_value(|view| package_name(Some(&view.catalog), &order.package));
                // The order moves on while the confirmation shows: follow the list's copy.
                let followed = order.clone();
                let status = move || badge_of(&ctx.latest(&order), ctx.customer()).label;
                let busy = move || ctx.latest(&followed).busy.then_some(CHECKR_BUSY);
                Either::Left(view! {
                    <div class="bgc-notice bgc-notice-positive" role="status" tabindex="-1" data-confirmation="">
                        <p>"Ordered " {name} ". Status: " {status} "."</p>
                        {move || busy().map(|text| view! { <p data-busy="">{text}</p> })}
                        <button type="button" class="bgc-button bgc-primary" on:click=move |_| {
                            form.update(OrderForm::another);
                            problem.set(None);
                            placed.set(None);
                            ctx.focus_on(".bgc-form [data-field]".to_owned());
                        }>"Order another check"</button>
                    </div>
                })
            }
            None => Either::Right(view! {
                <form class="bgc-form" novalidate=true on:submit=move |event| {
                    event.prevent_default();
                    if !sending.get_untracked() {
                        send();
                    }
                }>
                    <h3 class="bgc-subtitle">"Order a background check"</h3>
                    {summary}
                    <fieldset class="bgc-group">
                        <legend>"What to order"</legend>
                        <NodePicker form catalog/>
                        <PackageSelect form catalog/>
                    </fieldset>
                    <fieldset class="bgc-group">
                        <legend>"Candidate"</legend>
                        <TextField form field=Field::FirstName kind="text" autocomplete="off"/>
                        <TextField form field=Field::MiddleName kind="text" autocomplete="off"/>
                        <div class="bgc-check">
                            <input
                                id="bgc-no-middle-name"
                                type="checkbox"
                                prop:checked=move || form.with(|form| form.draft.candidate.no_middle_name)
                                on:change=move |event| form.update(|form| form.set_no_middle_name(event_target_checked(&event)))
                            />
                            <label for="bgc-no-middle-name">"No middle name"</label>
                        </div>
                        <TextField form field=Field::LastName kind="text" autocomplete="off"/>
                        <TextField form field=Field::Email kind="email" autocomplete="off"/>
                        <TextField form field=Field::Phone kind="tel" autocomplete="off"/>
                        <TextField form field=Field::Zipcode kind="text" autocomplete="off"/>
                        <TextField form field=Field::CustomId kind="text" autocomplete="off" readonly=readonly_id/>
                    </fieldset>
                    <fieldset class="bgc-group">
                        <legend>"Work location"</legend>
                        <CodeSelect form field=Field::Country choices=COUNTRY_CHOICES/>
                        {move || form.with(|form| form.draft.candidate.work_location.region() == crate::domain::validation::Region::Us)
                            .then(|| view! { <CodeSelect form field=Field::State choices=US_STATE_CHOICES/> })}
                        <TextField form field=Field::City kind="text" autocomplete="off"/>
                    </fieldset>
                    <div class="bgc-actions">
                        // aria-disabled rather than disabled: a disabled button drops the focus
                        // it has, and the submit handler ignores presses while sending anyway.
                        <button
                            type="submit"
                            class="bgc-button bgc-primary"
                            aria-disabled=move || if sending.get() { "true" } else { "false" }
                            // Mouse events, not pointer events: a tap's pointerleave comes
                            // before the blur, its compatibility mousedown before it.
                            on:mousedown=move |_| form.update(OrderForm::press_submit)
                            on:mouseleave=move |_| form.update(OrderForm::release_submit)
                        >
                            {move || if sending.get() { "Ordering…" } else { "Order check" }}
                        </button>
                        {move || sending.get().then(|| view! {
                            <span class="bgc-progress" role="status"><span class="bgc-spinner" aria-hidden="true"></span>"Sending the order…"</span>
                        })}
                    </div>
                </form>
            }),
        }}
    }
}

fn id_for(field: Field) -> String {
    ["bgc-", field.as_str()].concat()
}

/// The id of the control that takes `field`'s focus; the node's is the picker's select at
/// `node_depth`.
fn control_id(field: Field, node_depth: usize) -> String {
    match field {
        Field::Node => ["bgc-node-", node_depth.to_string().as_str()].concat(),
        _ => id_for(field),
    }
}

fn error_id_for(field: Field) -> String {
    ["bgc-", field.as_str(), "-error"].concat()
}

// The bindings every input and select shares. Made by these functions, each is one closure
// type, so the wasm carries one copy of its rendering code instead of one per component.

/// An ARIA state of `field`'s control: "true" while `test` holds. One closure type for
/// every such attribute keeps one copy of its rendering code in the wasm.
fn aria_flag(
    form: RwSignal<OrderForm>,
    field: Field,
    test: fn(&OrderForm, Field) -> bool,
) -> impl Fn() -> &'static str + Copy {
    move || {
        if form.with(|form| test(form, field)) {
            "true"
        } else {
            "false"
        }
    }
}

/// `aria-invalid` of `field`'s control.
fn aria_invalid(form: RwSignal<OrderForm>, field: Field) -> impl Fn() -> &'static str + Copy {
    aria_flag(form, field, has_error)
}

/// `aria-required` of `field`'s control (the middle name stops being required once "No
/// middle name" is ticked).
fn aria_required(form: RwSignal<OrderForm>, field: Field) -> impl Fn() -> &'static str + Copy {
    aria_flag(form, field, OrderForm::is_required)
}

/// `required` of `field`'s control, as the form starts.
fn required(form: RwSignal<OrderForm>, field: Field) -> bool {
    form.with_untracked(|form| form.is_required(field))
}

fn has_error(form: &OrderForm, field: Field) -> bool {
    form.errors.contains(field)
}

fn never(_: &OrderForm, _: Field) -> bool {
    false
}

/// The current value of `field`'s control.
fn field_value(form: RwSignal<OrderForm>, field: Field) -> impl Fn() -> String + Copy {
    move || form.with(|form| form.value(field))
}

/// A select's change: store the choice and check it at once.
fn select_changed(form: RwSignal<OrderForm>, field: Field) -> impl Fn(web_sys::Event) + Copy {
    move |event| {
        form.update(|form| {
            form.set(field, event_target_value(&event));
            form.blur(field);
        })
    }
}

#[component]
fn FieldError(form: RwSignal<OrderForm>, field: Field) -> impl IntoView {
    view! {
        <p id=error_id_for(field) class="bgc-error" aria-live="polite">
            {move || form.with(|form| form.errors.get(field).map(str::to_owned))}
        </p>
    }
}

#[component]
fn TextField(
    form: RwSignal<OrderForm>,
    field: Field,
    kind: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] readonly: bool,
) -> impl IntoView {
    view! {
        <div class="bgc-field">
            <label for=id_for(field)>
                {field.label()}
                {(!form.with_untracked(|form| form.is_required(field)) && field != Field::MiddleName)
                    .then_some(view! { <span class="bgc-muted">" (optional)"</span> })}
            </label>
            <input
                id=id_for(field)
                data-field=field.as_str()
                type=kind
                autocomplete=autocomplete
                readonly=readonly
                required=required(form, field)
                aria-required=aria_required(form, field)
                aria-invalid=aria_invalid(form, field)
                aria-describedby=error_id_for(field)
                prop:value=field_value(form, field)
                prop:disabled=move || field == Field::MiddleName && form.with(|form| form.draft.candidate.no_middle_name)
                on:input=move |event| form.update(|form| form.set(field, event_target_value(&event)))
                on:blur=move |_| form.update(|form| form.blur(field))
            />
            <FieldError form field/>
        </div>
    }
}

#[component]
fn CodeSelect(form: RwSignal<OrderForm>, field: Field, choices: Choices) -> impl IntoView {
    let current = form.with_untracked(|form| form.value(field));
    view! {
        <div class="bgc-field">
            <label for=id_for(field)>{field.label()}</label>
            <select
                id=id_for(field)
                data-field=field.as_str()
                required=required(form, field)
                aria-required=aria_required(form, field)
                aria-invalid=aria_invalid(form, field)
                aria-describedby=error_id_for(field)
                prop:value=field_value(form, field)
                on:change=select_changed(form, field)
            >
                <option value="" selected=current.is_empty()>"Choose…"</option>
                {choices.iter().map(|(code, name)| view! {
                    <option value=code selected=current == code>{name}</option>
                }).collect_view()}
            </select>
            <FieldError form field/>
        </div>
    }
}

#[component]
fn PackageSelect(form: RwSignal<OrderForm>, catalog: StoredValue<CatalogView>) -> impl IntoView {
    let node = Memo::new(move |_| form.with(|form| form.draft.node.clone()));
    let options = move || {
        let node = node.get();
        let current = form.with_untracked(|form| form.draft.package.clone());
        catalog.with_value(|view| {
            view.catalog
                .offered_packages(node.as_deref())
                .into_iter()
                .map(|package| {
                    let mut text = package.name.clone();
                    if let Some(price) = package.price_display() {
                        text.push_str(" — ");
                        text.push_str(&price);
                    }
                    let selected = package.slug == current;
                    view! { <option value=package.slug.clone() selected=selected>{text}</option> }
                })
                .collect_view()
        })
    };
    let empty = catalog.with_value(|view| view.catalog.packages.is_empty());
    let price = move || {
        form.with(|form| {
            catalog.with_value(|view| package_price(&view.catalog, &form.draft.package))
        })
        .map(|price| ["Price: ", price.as_str()].concat())
    };
    view! {
        <div class="bgc-field">
            <label for=id_for(Field::Package)>"Package"</label>
            {empty.then(|| view! { <p class="bgc-muted">"This account has no packages to order."</p> })}
            <select
                id=id_for(Field::Package)
                data-field="package"
                required=true
                aria-required="true"
                aria-invalid=aria_invalid(form, Field::Package)
                aria-describedby=[error_id_for(Field::Package).as_str(), " bgc-package-price"].concat()
                prop:value=field_value(form, Field::Package)
                on:change=select_changed(form, Field::Package)
            >
                <option value="">"Choose a package…"</option>
                {options}
            </select>
            <p id="bgc-package-price" class="bgc-muted bgc-price">{price}</p>
            <FieldError form field=Field::Package/>
        </div>
    }
}

#[component]
fn NodePicker(form: RwSignal<OrderForm>, catalog: StoredValue<CatalogView>) -> impl IntoView {
    let Some(picker) = catalog.with_value(|view| Picker::of(&view.catalog)) else {
        return Either::Left(());
    };
    let picker = StoredValue::new(picker);
    let filters = RwSignal::new(Vec::<String>::new());
    // Keystrokes elsewhere in the form must not re-filter a level of 10,000 nodes.
    let node = Memo::new(move |_| form.with(|form| form.draft.node.clone()));
    // A plain list instead of <For> (about 10 KB of wasm): tachys patches it position by
    // position, so each level keeps its select and filter box, and with them the focus.
    let levels = move || {
        let node = node.get();
        let levels = filters
            .with(|filters| picker.with_value(|picker| picker.levels(node.as_deref(), filters)));
        let deepest = levels.len().saturating_sub(1);
        levels
            .into_iter()
            .map(|level| {
                let takes_error = level.depth == deepest;
                view! { <PickerLevel form catalog picker filters level takes_error/> }
            })
            .collect_view()
    };
    Either::Right(view! {
        <div class="bgc-picker" role="group" aria-label="Account node">
            {levels}
        </div>
    })
}

/// One level, from plain values: the picker re-renders every level on each change. Rebuilding
/// keeps the elements (and so the focus); it rewrites changed text and attributes, and
/// re-attaches the listeners.
#[component]
fn PickerLevel(
    form: RwSignal<OrderForm>,
    catalog: StoredValue<CatalogView>,
    picker: StoredValue<Picker>,
    filters: RwSignal<Vec<String>>,
    level: super::model::LevelView,
    /// The deepest select shown: it carries the node's error, directly beneath it.
    takes_error: bool,
) -> impl IntoView {
    let super::model::LevelView {
        depth,
        label,
        options,
        total,
        matching,
        selected,
        filterable,
        filter,
    } = level;
    let index = depth.to_string();
    let select_id = ["bgc-node-", index.as_str()].concat();
    let filter_box = filterable.then(|| {
        let mut count = matching.to_string();
        count.push_str(" of ");
        count.push_str(&total.to_string());
        count.push_str(" match");
        if matching > options.len() {
            count.push_str("; type to narrow the list");
        }
        view! {
            <input
                id=[select_id.as_str(), "-filter"].concat()
                class="bgc-filter"
                type="search"
                placeholder="Type to filter"
                aria-label=["Filter ", label.as_str()].concat()
                prop:value=filter
                on:input=move |event| {
                    let text = event_target_value(&event);
                    filters.update(|filters| {
                        if filters.len() <= depth {
                            filters.resize(depth + 1, String::new());
                        }
                        if let Some(slot) = filters.get_mut(depth) {
                            *slot = text;
                        }
                    });
                }
            />
            <p class="bgc-muted bgc-count" aria-live="polite">{count}</p>
        }
    });
    // Choosing at the first level is what the rule asks; the levels below narrow it down.
    let first_required = depth == 0 && required(form, Field::Node);
    let none_chosen = selected.is_none();
    // Options are reused position by position, and a browser ignores `selected` attributes on
    // an option the user has picked before: the value property says what is chosen.
    let chosen_value = selected.clone().unwrap_or_default();
    let options = options
        .into_iter()
        .map(|(id, name)| {
            let chosen = selected.as_deref() == Some(id.as_str());
            view! { <option value=id selected=chosen>{name}</option> }
        })
        .collect_view();
    view! {
        <div class="bgc-field">
            <label for=select_id.clone()>{label}</label>
            {filter_box}
            <select
                id=select_id
                data-field="node"
                data-depth=index
                prop:value=chosen_value
                required=first_required
                aria-required=if first_required { "true" } else { "false" }
                aria-invalid=aria_flag(form, Field::Node, if takes_error { has_error } else { never })
                aria-describedby=takes_error.then(|| error_id_for(Field::Node))
                on:change=move |event| {
                    let choice = event_target_value(&event);
                    let current = form.with_untracked(|form| form.draft.node.clone());
                    let next = picker.with_value(|picker| picker.choose(current.as_deref(), depth, &choice));
                    filters.update(|filters| filters.truncate(depth + 1));
                    catalog.with_value(|view| form.update(|form| {
                        form.choose_node(next, &view.catalog);
                        form.blur(Field::Node);
                    }));
                }
            >
                <option value="" selected=none_chosen>"Choose…"</option>
                {options}
            </select>
            {takes_error.then(|| view! { <FieldError form field=Field::Node/> })}
        </div>
    }
}
