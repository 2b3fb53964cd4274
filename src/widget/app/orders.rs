//! The applicant's order list with its badges, retry and busy states. Its live updates come
//! through the page's hub ([`super::super::hub`]).

use super::*;
use crate::domain::assess::{assessment_tag, order_assessment};

#[component]
pub(super) fn Orders(ctx: Ctx) -> impl IntoView {
    if ctx.custom_id().is_none() {
        return Either::Left(view! {
            <p class="bgc-muted">"No applicant is selected, so there are no orders to show."</p>
        });
    }
    ctx.follow_orders();
    let retry = RwSignal::new(Retry::Idle);
    let open = OpenScreenings::new();
    Either::Right(view! {
        <section class="bgc-orders" aria-labelledby="bgc-orders-title" aria-live="polite">
            <h3 id="bgc-orders-title" class="bgc-subtitle">"This candidate's checks"</h3>
            {move || match ctx.orders.get() {
                Load::Loading => EitherOf4::A(view! { <p class="bgc-muted" role="status">"Loading orders…"</p> }),
                Load::Failed(problem) => EitherOf4::B(view! {
                    <ProblemView problem retry=Callback::new(move |()| ctx.load_orders())/>
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
                                .map(|order| view! { <OrderRow ctx order customer retry open/> })
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
pub(super) enum Retry {
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

#[component]
pub(super) fn OrderRow(
    ctx: Ctx,
    order: Order,
    customer: CustomerType,
    retry: RwSignal<Retry>,
    open: OpenScreenings,
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
    // Assess grades arrive only for users who may read results (the proxy shapes the status).
    let assessment = order_assessment(&order.status).map(assessment_tag);
    // Orders with a report get its progress line and screenings list.
    let report_open = order
        .status
        .report
        .as_ref()
        .map(|report| report_is_open(report.status));
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
                {assessment.map(|(word, tone)| view! {
                    <span class=["bgc-tag bgc-tone-", tone.as_str()].concat() data-assessment="">
                        "Assess: " {word}
                    </span>
                })}
            </div>
            {report_open.map(|report_open| view! { <ProgressLine order_id=order.id.clone() report_open open/> })}
            {order.eta.clone().map(|eta| view! { <p class="bgc-eta">"Estimated completion: " {eta}</p> })}
            {reasons.map(|reasons| view! { <p class="bgc-reason">"Cancellation reason: " {reasons}</p> })}
            {report_open.map(|report_open| view! { <Screenings ctx order_id=order.id.clone() report_open open/> })}
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
            <OrderTags tags=order.tags.clone()/>
            <OrderActions ctx order=order.clone()/>
            <OrderHistory ctx order_id=order.id.clone()/>
        </li>
    }
}
