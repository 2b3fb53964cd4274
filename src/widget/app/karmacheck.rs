//! A KarmaCheck account's case list: its reading (polled while a case can still move, since
//! the proxy's live stream carries Checkr orders only), `bgcheck:status` for its changes, and
//! the rows with Retry and the choice after KarmaCheck's 409. The rules are in
//! [`crate::widget::karmacheck`].

use super::*;
use crate::domain::karmacheck_order::CaseStep;
use crate::widget::karmacheck::{
    Override, SLOW_POLL_TICKS, case_failure_text, case_package_name, changed_cases, needs_polling,
    poll_interval, upsert_case,
};

impl Ctx {
    /// The account's provider, once the session is known.
    pub(in crate::widget) fn provider(&self) -> Option<Provider> {
        match self.session.try_get() {
            Some(Load::Ready(session)) => Some(session.provider),
            _ => None,
        }
    }

    /// Reads the applicant's cases; `quiet` keeps the list on screen while it is read (a poll).
    pub(super) fn load_cases(self, quiet: bool) {
        let (Some(custom_id), Some(client)) = (self.custom_id(), self.client()) else {
            return;
        };
        if !quiet {
            self.cases.set(Load::Loading);
        }
        spawn_local(async move {
            let read = client.karmacheck_cases(&custom_id).await;
            self.apply_cases(read, quiet);
        });
    }

    fn apply_cases(self, read: Result<Vec<CaseOrder>, Problem>, quiet: bool) {
        match read {
            Ok(fresh) => {
                let before = match self.cases.try_get_untracked() {
                    Some(Load::Ready(before)) => before,
                    _ => Vec::new(),
                };
                for case in changed_cases(&before, &fresh) {
                    self.announce_case(case);
                }
                if before != fresh || !quiet {
                    self.cases.set(Load::Ready(fresh));
                }
                if self.view == View::Status {
                    self.ready();
                }
            }
            // A failed poll keeps what is shown; the next one may succeed.
            Err(_) if quiet => {}
            Err(problem) => {
                self.report(&problem);
                self.cases.set(Load::Failed(problem));
            }
        }
    }

    /// `bgcheck:status` for a KarmaCheck case, shaped as for a Checkr order.
    pub(super) fn announce_case(&self, case: &CaseOrder) {
        let badge = case.badge();
        self.emit(
            "bgcheck:status",
            &[
                ("orderId", JsValue::from_str(&case.id)),
                ("label", JsValue::from_str(badge.label)),
                ("final", JsValue::from_bool(badge.is_final)),
                ("provider", JsValue::from_str(Provider::KarmaCheck.as_str())),
            ],
        );
    }

    /// `bgcheck:ordered` for a KarmaCheck case (KarmaCheck has no candidate id: `null`).
    pub(super) fn announce_case_ordered(&self, case: &CaseOrder) {
        self.emit(
            "bgcheck:ordered",
            &[
                ("orderId", JsValue::from_str(&case.id)),
                ("candidateId", JsValue::NULL),
                ("customId", JsValue::from_str(&case.custom_id)),
                ("package", JsValue::from_str(&case.package_id)),
                ("provider", JsValue::from_str(Provider::KarmaCheck.as_str())),
            ],
        );
    }

    /// The newest copy of `case` in the list (tracked), else `case` itself: a confirmation
    /// follows the case as the list is read again.
    pub(super) fn latest_case(&self, case: &CaseOrder) -> CaseOrder {
        self.cases
            .try_with(|load| match load {
                Load::Ready(cases) => cases.iter().find(|listed| listed.id == case.id).cloned(),
                Load::Loading | Load::Failed(_) => None,
            })
            .flatten()
            .unwrap_or_else(|| case.clone())
    }

    /// Folds a case the proxy sent into the list; true when its badge changed or it is new.
    pub(super) fn merge_case(&self, case: CaseOrder) -> bool {
        let mut changed = false;
        self.cases.update(|load| match load {
            Load::Ready(cases) => changed = upsert_case(cases, case),
            Load::Loading | Load::Failed(_) => {
                *load = Load::Ready(vec![case]);
                changed = true;
            }
        });
        changed
    }
}

/// Returns a starter that reads the applicant's cases, then reads them again on the
/// [`poll_interval`] while one can still move and every [`SLOW_POLL_TICKS`]th tick otherwise,
/// until the calling view is disposed. Starting it twice keeps one timer. Call it where the
/// view is built, start it from anywhere.
pub(in crate::widget) fn case_follower(ctx: Ctx) -> impl Fn() + Copy + 'static {
    let polling = StoredValue::new_local(None::<IntervalHandle>);
    on_cleanup(move || {
        if let Some(Some(handle)) = polling.try_update_value(Option::take) {
            handle.clear();
        }
    });
    move || {
        if polling.try_with_value(Option::is_some) != Some(false) {
            return;
        }
        ctx.load_cases(false);
        let ticks = std::cell::Cell::new(0_u32);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let moving = ctx.cases.try_with_untracked(|load| match load {
                    Load::Ready(cases) => Some(needs_polling(cases)),
                    // A list that could not be read is read again by its Try again button.
                    Load::Loading | Load::Failed(_) => None,
                });
                let tick = ticks.get().wrapping_add(1);
                ticks.set(tick);
                match moving.flatten() {
                    Some(true) => ctx.load_cases(true),
                    Some(false) if tick.is_multiple_of(SLOW_POLL_TICKS) => ctx.load_cases(true),
                    Some(false) | None => {}
                }
            },
            poll_interval(),
        ) {
            polling.set_value(Some(handle));
        }
    }
}

/// Where a row's retry or choice stands.
#[derive(Clone, PartialEq)]
enum RowAction {
    Idle,
    /// Replace cancels the existing case: asked once more.
    ConfirmReplace,
    Sending,
    Failed(String),
}

/// A KarmaCheck account's view: the cases and, in `<bgcheck-order>`, the form.
#[cfg(feature = "status-view")]
#[component]
pub(super) fn KarmaCheckAccount(ctx: Ctx) -> impl IntoView {
    let ordering = ctx.view == View::Order && cfg!(feature = "order-form");
    if !ordering {
        ctx.ready();
    }
    #[cfg(feature = "order-form")]
    let panel = ordering.then(|| view! { <CaseOrderPanel ctx/> });
    #[cfg(not(feature = "order-form"))]
    let panel = ();
    #[cfg(feature = "order-form")]
    let unlink = view! { <KarmaCheckUnlink ctx/> };
    #[cfg(not(feature = "order-form"))]
    let unlink = ();
    view! {
        <p class="bgc-muted">"Background checks for this account are ordered through KarmaCheck."</p>
        {unlink}
        <Cases ctx/>
        {panel}
    }
}

#[cfg(feature = "status-view")]
#[component]
fn Cases(ctx: Ctx) -> impl IntoView {
    if ctx.custom_id().is_none() {
        return Either::Left(view! {
            <p class="bgc-muted">"No applicant is selected, so there are no checks to show."</p>
        });
    }
    case_follower(ctx)();
    Either::Right(view! {
        <section class="bgc-orders" aria-labelledby="bgc-orders-title" aria-live="polite">
            <h3 id="bgc-orders-title" class="bgc-subtitle">"This candidate's checks"</h3>
            {move || match ctx.cases.get() {
                Load::Loading => EitherOf4::A(view! { <p class="bgc-muted" role="status">"Loading checks…"</p> }),
                Load::Failed(problem) => EitherOf4::B(view! {
                    <ProblemView problem retry=Callback::new(move |()| ctx.load_cases(false))/>
                }),
                Load::Ready(cases) if cases.is_empty() => EitherOf4::C(view! {
                    <p class="bgc-muted">"No background checks ordered for this candidate yet."</p>
                }),
                Load::Ready(cases) => EitherOf4::D(view! {
                    <ul class="bgc-list">
                        {cases.into_iter().map(|case| view! { <CaseRow ctx case/> }).collect_view()}
                    </ul>
                }),
            }}
        </section>
    })
}

#[cfg(feature = "status-view")]
#[component]
fn CaseRow(ctx: Ctx, case: CaseOrder) -> impl IntoView {
    let badge = case.badge();
    let tone = ["bgc-badge bgc-tone-", badge.tone.as_str()].concat();
    let package = StoredValue::new(case.package_id.clone());
    let name = move || {
        let id = package.get_value();
        ctx.case_packages
            .with(|packages| case_package_name(packages, &id))
    };
    let action = RwSignal::new(RowAction::Idle);
    let id = StoredValue::new(case.id.clone());
    let send = move |choice: Option<Override>| {
        let Some(client) = ctx.client() else { return };
        if action.with_untracked(|action| *action == RowAction::Sending) {
            return;
        }
        action.set(RowAction::Sending);
        let id = id.get_value();
        spawn_local(async move {
            match client.karmacheck_retry(&id, choice).await {
                Ok(case) => {
                    let created = case.step == CaseStep::Created;
                    if ctx.merge_case(case.clone()) && created {
                        ctx.announce_case_ordered(&case);
                        ctx.announce_case(&case);
                    }
                    // The buttons are gone: focus the row they were in.
                    ctx.focus_on(order_selector(&id, ""));
                }
                Err(problem) => {
                    ctx.report(&problem);
                    action.set(RowAction::Failed(problem.message()));
                    ctx.focus_on(order_selector(&id, " [data-retry-error]"));
                    // The proxy kept the order with the new reason: show it.
                    ctx.load_cases(true);
                }
            }
        });
    };
    let failure = case_failure_text(&case);
    let needs_override = case.needs_override;
    let sending = move || action.with(|action| *action == RowAction::Sending);
    let aria_busy = move || if sending() { "true" } else { "false" };
    let controls = move || {
        let state = action.get();
        if state == RowAction::ConfirmReplace {
            return EitherOf3::A(view! {
                <div class="bgc-confirm" role="alertdialog" aria-modal="false" aria-label="Replace the existing case?"
                    on:keydown=move |event: web_sys::KeyboardEvent| {
                        if event.key() == "Escape" {
                            event.prevent_default();
                            action.set(RowAction::Idle);
                        }
                    }>
                    <p>"Replacing cancels the case KarmaCheck already has for this email. Replace it?"</p>
                    <button type="button" class="bgc-button bgc-primary" data-confirm-replace="" on:click=move |_| send(Some(Override::Replace))>
                        "Yes, replace it"
                    </button>
                    <button type="button" class="bgc-button" data-keep="" on:click=move |_| {
                        action.set(RowAction::Idle);
                        ctx.focus_on(order_selector(&id.get_value(), " [data-override=\"replace\"]"));
                    }>"Keep it"</button>
                </div>
            });
        }
        if needs_override {
            EitherOf3::B(view! {
                <div class="bgc-actions">
                    <button type="button" class="bgc-button bgc-primary" data-override="add" aria-disabled=aria_busy on:click=move |_| send(Some(Override::Add))>
                        {move || if sending() { "Sending…" } else { "Add another case" }}
                    </button>
                    <button type="button" class="bgc-button" data-override="replace" aria-disabled=aria_busy on:click=move |_| {
                        if !sending() {
                            action.set(RowAction::ConfirmReplace);
                            ctx.focus_on(order_selector(&id.get_value(), " [data-confirm-replace]"));
                        }
                    }>"Replace the existing case"</button>
                </div>
            })
        } else {
            EitherOf3::C(view! {
                <button type="button" class="bgc-button" data-retry="" aria-disabled=aria_busy
                    aria-label=move || ["Retry the ", name().as_str(), " order"].concat()
                    on:click=move |_| send(None)>
                    {move || if sending() { "Retrying…" } else { "Retry" }}
                </button>
            })
        }
    };
    view! {
        <li class="bgc-order" data-order=case.id.clone() data-provider="karmacheck" tabindex="-1">
            <div class="bgc-order-head">
                <span class="bgc-order-name">{name}</span>
                <span class=tone data-badge="" data-final=if badge.is_final { "true" } else { "false" }>{badge.label}</span>
            </div>
            {failure.map(|why| view! {
                <div class="bgc-failure" data-failure="" tabindex="-1">
                    <p>{why}</p>
                    {controls}
                </div>
            })}
            {move || match action.get() {
                RowAction::Failed(message) => Some(view! {
                    <p class="bgc-error" role="alert" data-retry-error="" tabindex="-1">{message}</p>
                }),
                RowAction::Idle | RowAction::ConfirmReplace | RowAction::Sending => None,
            }}
        </li>
    }
}
