//! `<bgcheck-badge>`: the newest order's status on one line, for pipeline boards and candidate
//! tables. It shares the page's hub with every other widget, so a list of 200 costs one
//! session read, one batched status call and one live stream.

use leptos::either::Either;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::domain::badge::Badge;

use super::api::{Provider, Session};
use super::app::{Ctx, Load, case_follower};
use super::model::badge_of;

/// Everything the line shows, in every state: the same shape keeps the row's height and the
/// element (and with it the keyboard focus) when the status changes.
#[derive(Clone, PartialEq)]
struct Line {
    /// `loading`, `error`, `empty` or `ready`, for styling hooks and tests.
    state: &'static str,
    text: String,
    class: String,
    indicator: bool,
    /// "3 checks" when the applicant has several orders.
    count: Option<String>,
    /// The accessible name.
    name: String,
    /// The tooltip: the ETA, or what went wrong.
    title: Option<String>,
}

fn tone_class(tone: &str) -> String {
    ["bgc-badge bgc-tone-", tone].concat()
}

fn plain(state: &'static str, text: &str, tone: &str, name: &str, title: Option<String>) -> Line {
    Line {
        state,
        text: text.to_owned(),
        class: tone_class(tone),
        indicator: false,
        count: None,
        name: ["Background check: ", name].concat(),
        title,
    }
}

/// The newest order's badge and ETA, and how many orders there are: what the line needs
/// from either provider's list.
type Newest = (Option<(Badge, Option<String>)>, usize);

fn newest_of<T>(load: &Load<Vec<T>>, read: impl Fn(&T) -> (Badge, Option<String>)) -> Load<Newest> {
    match load {
        Load::Loading => Load::Loading,
        Load::Failed(problem) => Load::Failed(problem.clone()),
        // The proxy lists newest first, and live changes of new orders are put in front.
        Load::Ready(list) => Load::Ready((list.first().map(read), list.len())),
    }
}

fn line_of(session: &Load<Session>, orders: &Load<Newest>, has_applicant: bool) -> Line {
    if !has_applicant {
        return plain("empty", "No applicant", "neutral", "No applicant", None);
    }
    let orders = match (session, orders) {
        (Load::Failed(problem), _) | (_, Load::Failed(problem)) => {
            let message = problem.message();
            return plain(
                "error",
                "Unavailable",
                "negative",
                &["unavailable. ", message.as_str()].concat(),
                Some(message),
            );
        }
        (Load::Loading, _) | (_, Load::Loading) => {
            return plain("loading", "…", "neutral", "loading", None);
        }
        (Load::Ready(_), Load::Ready(orders)) => orders,
    };
    let (Some((badge, eta)), total) = orders else {
        return plain("empty", "Not ordered", "neutral", "Not ordered", None);
    };
    let count = (*total > 1).then(|| {
        let mut count = total.to_string();
        count.push_str(" checks");
        count
    });
    // The name holds the visible words in the order they are shown (label, then count), so
    // a speech user can say what they see (WCAG 2.5.3, label in name).
    let mut name = ["Background check: ", badge.label].concat();
    if let Some(count) = &count {
        name.push_str(", ");
        name.push_str(count);
        name.push_str(", newest shown");
    }
    if badge.canceled_indicator {
        name.push_str(", includes canceled screenings");
    }
    Line {
        state: "ready",
        text: badge.label.to_owned(),
        class: tone_class(badge.tone.as_str()),
        indicator: badge.canceled_indicator,
        count,
        name,
        title: eta
            .as_ref()
            .map(|eta| ["Estimated completion: ", eta.as_str()].concat()),
    }
}

/// The badge. With `clickable` it is a button that emits `bgcheck:open` with the applicant's
/// id; otherwise a focusable image-like element whose accessible name is the status.
#[component]
pub fn Badge(ctx: Ctx, clickable: bool) -> impl IntoView {
    ctx.load_session(false);
    ctx.follow_orders();
    let has_applicant = ctx.custom_id().is_some();
    // A KarmaCheck account's cases are read once the session names the provider.
    let follow_cases = case_follower(ctx);
    Effect::new(move |_| {
        if has_applicant && ctx.provider() == Some(Provider::KarmaCheck) {
            follow_cases();
        }
    });
    let line = Memo::new(move |_| {
        ctx.session.with(|session| {
            let newest = match session {
                Load::Ready(ready) if ready.provider == Provider::KarmaCheck => ctx
                    .cases
                    .with(|cases| newest_of(cases, |case| (case.badge(), None))),
                Load::Ready(ready) => {
                    let customer = ready.customer_type;
                    ctx.orders.with(|orders| {
                        newest_of(orders, |order| {
                            (badge_of(order, customer), order.eta.clone())
                        })
                    })
                }
                Load::Loading | Load::Failed(_) => Load::Loading,
            };
            line_of(session, &newest, has_applicant)
        })
    });
    Effect::new(move |_| {
        if line.with(|line| line.state != "loading") {
            ctx.ready();
        }
    });
    let inner = move || {
        let line = line.get();
        view! {
            <span class=line.class data-badge="">
                {line.text}
                {line.indicator.then(|| view! { <span class="bgc-indicator" aria-hidden="true">" ⚠"</span> })}
            </span>
            // The space keeps the words apart in the text a speech user reads off the
            // screen ("Pending 2 checks"); the flex gap alone only spaces them visually.
            {line.count.map(|count| view! { " " <span class="bgc-count">{count}</span> })}
        }
    };
    let state = move || line.with(|line| line.state);
    let name = move || line.with(|line| line.name.clone());
    let title = move || line.with(|line| line.title.clone());
    let busy = move || {
        line.with(|line| {
            if line.state == "loading" {
                "true"
            } else {
                "false"
            }
        })
    };
    if clickable {
        let open = move |_| {
            let id = ctx.custom_id().unwrap_or_default();
            ctx.emit("bgcheck:open", &[("customId", JsValue::from_str(&id))]);
        };
        Either::Left(view! {
            <button type="button" class="bgc-line" data-state=state aria-label=name title=title aria-busy=busy on:click=open>
                {inner}
            </button>
        })
    } else {
        Either::Right(view! {
            <span class="bgc-line" tabindex="0" role="img" data-state=state aria-label=name title=title aria-busy=busy>
                {inner}
            </span>
        })
    }
}
