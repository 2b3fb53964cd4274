//! The expandable list of an order's screenings under its row: name, status, the result for
//! users who may read results, and why a screening was canceled. Read from the proxy when the
//! list is opened, and again whenever the order changes while it is open.

use std::collections::BTreeMap;

use crate::domain::checkr::ReportResult;
use crate::domain::screening::{ScreeningKind, ScreeningStatus, ScreeningView, result_label};

use super::super::decode;
use super::super::transport::Method;
use super::*;

/// What `GET /api/orders/{id}/screenings` answered.
#[derive(Clone, PartialEq)]
pub(super) struct ScreeningList {
    /// Whether the proxy has read them from Checkr yet.
    fetched: bool,
    /// The screenings as this user may see them.
    items: Vec<ScreeningView>,
}

/// The open lists of the order list, by order id. Kept above the rows, which are drawn again
/// on every change of the list, so an open list stays open (and shows what it had) meanwhile.
pub(super) type OpenScreenings = RwSignal<BTreeMap<String, Load<ScreeningList>>>;

fn decode_item(value: &JsValue) -> Option<ScreeningView> {
    let text = |key: &str| decode::field(value, key).and_then(|found| found.as_string());
    let kind = ScreeningKind::parse(&text("type")?);
    let result = match text("result").as_deref() {
        None => None,
        Some("clear") => Some(ReportResult::Clear),
        Some("consider") => Some(ReportResult::Consider),
        Some(_) => return None,
    };
    Some(ScreeningView {
        id: text("id")?,
        kind,
        name: text("name").unwrap_or_else(|| kind.name().to_owned()),
        status: ScreeningStatus::parse(&text("status")?),
        result,
        cancellation_reason: text("cancellation_reason"),
    })
}

fn decode_list(value: &JsValue) -> Option<ScreeningList> {
    let list = decode::field(value, "screenings")?;
    Some(ScreeningList {
        fetched: decode::field(value, "fetched_at").is_some(),
        items: decode::items(&list, decode_item)?,
    })
}

/// The element id of an order's list (for `aria-controls`).
fn list_element_id(order_id: &str) -> String {
    let mut id = String::from("bgc-screenings-");
    id.extend(order_id.chars().filter(char::is_ascii_alphanumeric));
    id
}

/// Reads the order's screenings into `open`, unless the list was closed meanwhile. What the
/// list showed stays until the answer arrives.
fn read(ctx: Ctx, open: OpenScreenings, order_id: String) {
    let Some(client) = ctx.client() else { return };
    spawn_local(async move {
        let mut path = String::from("/api/orders/");
        path.push_str(&String::from(js_sys::encode_uri_component(&order_id)));
        path.push_str("/screenings");
        let loaded = client.call(Method::Get, &path, None, decode_list).await;
        if let Err(problem) = &loaded {
            ctx.report(problem);
        }
        open.update(|open| {
            if let Some(state) = open.get_mut(&order_id) {
                *state = match loaded {
                    Ok(list) => Load::Ready(list),
                    Err(problem) => Load::Failed(problem),
                };
            }
        });
    });
}

#[component]
pub(super) fn Screenings(ctx: Ctx, order_id: String, open: OpenScreenings) -> impl IntoView {
    let list_id = list_element_id(&order_id);
    let id = StoredValue::new(order_id);
    let expanded = move || id.with_value(|id| open.with(|open| open.contains_key(id)));
    // Drawn again after a change of the order while open: read the list again.
    if id.with_value(|id| open.with_untracked(|open| open.contains_key(id))) {
        read(ctx, open, id.get_value());
    }
    let toggle = move |_| {
        let order_id = id.get_value();
        if open.with_untracked(|open| open.contains_key(&order_id)) {
            open.update(|open| {
                open.remove(&order_id);
            });
        } else {
            open.update(|open| {
                open.insert(order_id.clone(), Load::Loading);
            });
            read(ctx, open, order_id);
        }
    };
    let retry = Callback::new(move |()| {
        let order_id = id.get_value();
        open.update(|open| {
            open.insert(order_id.clone(), Load::Loading);
        });
        read(ctx, open, order_id);
    });
    let shown = move || id.with_value(|id| open.with(|open| open.get(id).cloned()));
    view! {
        <div class="bgc-screenings">
            <button
                type="button"
                class="bgc-disclosure"
                data-screenings-toggle=""
                aria-expanded=move || if expanded() { "true" } else { "false" }
                aria-controls=list_id.clone()
                on:click=toggle
            >
                {move || if expanded() { "Hide screenings" } else { "Show screenings" }}
            </button>
            <div id=list_id data-screenings="">
                {move || shown().map(|state| match state {
                    Load::Loading => EitherOf4::A(view! {
                        <p class="bgc-muted" role="status">"Loading screenings…"</p>
                    }),
                    Load::Failed(problem) => EitherOf4::B(view! { <ProblemView problem retry/> }),
                    Load::Ready(list) if list.items.is_empty() => EitherOf4::C(view! {
                        <p class="bgc-muted">{if list.fetched {
                            "Checkr lists no screenings for this report."
                        } else {
                            "Screening details appear here as Checkr reports progress."
                        }}</p>
                    }),
                    Load::Ready(list) => EitherOf4::D(view! {
                        <ul class="bgc-screening-list">
                            {list.items.into_iter().map(|screening| view! { <ScreeningItem screening/> }).collect_view()}
                        </ul>
                    }),
                })}
            </div>
        </div>
    }
}

#[component]
fn ScreeningItem(screening: ScreeningView) -> impl IntoView {
    view! {
        <li class="bgc-screening" data-screening=screening.id.clone()>
            <span class="bgc-screening-name">{screening.name}</span>
            ": "
            <span data-screening-status="">{screening.status.label()}</span>
            {screening.result.map(|result| view! {
                ", " <span data-screening-result="">{result_label(result)}</span>
            })}
            {screening.cancellation_reason.map(|reason| view! {
                <span class="bgc-screening-reason" data-screening-reason="">" (" {reason} ")"</span>
            })}
        </li>
    }
}
