//! Under an order's badge: the progress line of an open report ("Waiting for the candidate's
//! ID verification") and the expandable list of its screenings (name, status, the result for
//! users who may read results, why one was canceled). Both come from one proxy call, made for
//! open reports and open lists, and again whenever the order changes meanwhile.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::checkr::{ReportResult, ReportStatus};
use crate::domain::screening::{ScreeningKind, ScreeningStatus, ScreeningView, result_label};

use super::super::decode;
use super::super::transport::Method;
use super::*;

/// What `GET /api/orders/{id}/screenings` answered.
#[derive(Clone, PartialEq)]
pub(super) struct ScreeningList {
    /// Whether the proxy has read them from Checkr yet.
    fetched: bool,
    /// The line under the badge, if any.
    progress: Option<String>,
    /// The screenings as this user may see them.
    items: Vec<ScreeningView>,
}

/// What the order list knows of its orders' screenings. Kept above the rows, which are drawn
/// again on every change of the list, so an open list stays open (and shows what it had)
/// meanwhile.
#[derive(Clone, Copy)]
pub(super) struct OpenScreenings {
    /// The last answer (or the read under way) per order id.
    loaded: RwSignal<BTreeMap<String, Load<ScreeningList>>>,
    /// The orders whose list is open.
    expanded: RwSignal<BTreeSet<String>>,
}

impl OpenScreenings {
    /// Nothing read, every list closed.
    pub(super) fn new() -> Self {
        Self {
            loaded: RwSignal::new(BTreeMap::new()),
            expanded: RwSignal::new(BTreeSet::new()),
        }
    }
}

/// Whether a report with this status may still change, so its progress line is worth reading.
pub(super) fn report_is_open(status: ReportStatus) -> bool {
    match status {
        ReportStatus::Pending | ReportStatus::Paused | ReportStatus::Unrecognized => true,
        ReportStatus::Complete
        | ReportStatus::Suspended
        | ReportStatus::Dispute
        | ReportStatus::Canceled => false,
    }
}

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
        progress: decode::field(value, "progress").and_then(|found| found.as_string()),
        items: decode::items(&list, decode_item)?,
    })
}

/// The element id of an order's list (for `aria-controls`).
fn list_element_id(order_id: &str) -> String {
    let mut id = String::from("bgc-screenings-");
    id.extend(order_id.chars().filter(char::is_ascii_alphanumeric));
    id
}

/// Reads the order's screenings into `open`. What the row showed stays until the answer
/// arrives.
fn read(ctx: Ctx, open: OpenScreenings, order_id: String) {
    let Some(client) = ctx.client() else { return };
    open.loaded.update(|loaded| {
        loaded.entry(order_id.clone()).or_insert(Load::Loading);
    });
    spawn_local(async move {
        let mut path = String::from("/api/orders/");
        path.push_str(&String::from(js_sys::encode_uri_component(&order_id)));
        path.push_str("/screenings");
        let loaded = client.call(Method::Get, &path, None, decode_list).await;
        if let Err(problem) = &loaded {
            ctx.report(problem);
        }
        open.loaded.update(|all| {
            all.insert(
                order_id,
                match loaded {
                    Ok(list) => Load::Ready(list),
                    Err(problem) => Load::Failed(problem),
                },
            );
        });
    });
}

#[component]
pub(super) fn Screenings(
    ctx: Ctx,
    order_id: String,
    report_open: bool,
    open: OpenScreenings,
) -> impl IntoView {
    let list_id = list_element_id(&order_id);
    let id = StoredValue::new(order_id);
    let expanded = move || id.with_value(|id| open.expanded.with(|open| open.contains(id)));
    // Drawn (again) for an open report or an open list: read what is new.
    if report_open || id.with_value(|id| open.expanded.with_untracked(|open| open.contains(id))) {
        read(ctx, open, id.get_value());
    }
    let toggle = move |_| {
        let order_id = id.get_value();
        if open
            .expanded
            .with_untracked(|open| open.contains(&order_id))
        {
            open.expanded.update(|open| {
                open.remove(&order_id);
            });
        } else {
            open.expanded.update(|open| {
                open.insert(order_id.clone());
            });
            // An open report was read when drawn; only a failed read is tried again.
            let kept = open.loaded.with_untracked(|loaded| {
                matches!(loaded.get(&order_id), Some(Load::Ready(_) | Load::Loading))
            });
            if !(report_open && kept) {
                open.loaded.update(|loaded| {
                    loaded.insert(order_id.clone(), Load::Loading);
                });
                read(ctx, open, order_id);
            }
        }
    };
    let retry = Callback::new(move |()| {
        let order_id = id.get_value();
        open.loaded.update(|loaded| {
            loaded.insert(order_id.clone(), Load::Loading);
        });
        read(ctx, open, order_id);
    });
    let state = move || id.with_value(|id| open.loaded.with(|loaded| loaded.get(id).cloned()));
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
                {move || expanded().then(state).flatten().map(|state| match state {
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

/// The line under the badge of an open report, from what [`Screenings`] read.
#[component]
pub(super) fn ProgressLine(
    order_id: String,
    report_open: bool,
    open: OpenScreenings,
) -> impl IntoView {
    let line = move || {
        if !report_open {
            return None;
        }
        open.loaded.with(|loaded| match loaded.get(&order_id) {
            Some(Load::Ready(list)) => list.progress.clone(),
            Some(Load::Loading | Load::Failed(_)) | None => None,
        })
    };
    move || line().map(|line| view! { <p class="bgc-progress" data-progress="">{line}</p> })
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
