//! Subscriptions: an employee's package re-run at an interval (US only). The list with each
//! next run, and for users with adjudication rights a form to subscribe (checked with the
//! same rules as the proxy's) and a cancel button, confirmed first. Behind a disclosure: the
//! list is read from Checkr only when someone opens it.

use crate::domain::subscription::{Day, IntervalUnit, SubscriptionDraft, validate_subscription};

use super::super::decode;
use super::super::transport::Method;
use super::*;

/// One subscription as the proxy lists it.
#[derive(Clone, PartialEq)]
pub(super) struct Listed {
    id: String,
    package: String,
    every: String,
    next: Option<String>,
    active: bool,
}

fn decode_listed(value: &JsValue) -> Option<Listed> {
    let text = |key: &str| decode::field(value, key).and_then(|found| found.as_string());
    let count = decode::field(value, "interval_count")
        .and_then(|found| found.as_f64())
        .unwrap_or(1.0);
    let unit = text("interval_unit").unwrap_or_default();
    let mut every = String::from("every ");
    if count != 1.0 {
        every.push_str(&count.to_string());
        every.push(' ');
    }
    every.push_str(&unit);
    if count != 1.0 {
        every.push('s');
    }
    Some(Listed {
        id: text("id")?,
        package: text("package").unwrap_or_default(),
        every,
        next: text("next_occurrence_date"),
        active: text("status").as_deref() != Some("inactive"),
    })
}

fn decode_list(value: &JsValue) -> Option<Vec<Listed>> {
    decode::items(value, decode_listed)
}

fn path(custom_id: &str, id: Option<&str>) -> String {
    let mut path = String::from("/api/candidates/");
    path.push_str(&String::from(js_sys::encode_uri_component(custom_id)));
    path.push_str("/subscriptions");
    if let Some(id) = id {
        path.push('/');
        path.push_str(&String::from(js_sys::encode_uri_component(id)));
    }
    path
}

fn today() -> Day {
    Day::of_unix_seconds((js_sys::Date::now() / 1000.0) as i64)
}

fn draft_json(draft: &SubscriptionDraft) -> String {
    let body = js_sys::Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = js_sys::Reflect::set(&body, &key.into(), &value);
    };
    set("package", draft.package.clone().unwrap_or_default().into());
    set(
        "start_date",
        draft.start_date.clone().unwrap_or_default().into(),
    );
    set(
        "interval_count",
        JsValue::from_f64(f64::from(draft.interval_count.unwrap_or_default())),
    );
    set(
        "interval_unit",
        draft.interval_unit.clone().unwrap_or_default().into(),
    );
    js_sys::JSON::stringify(&body)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

#[component]
pub(super) fn Subscriptions(ctx: Ctx, manage: bool) -> impl IntoView {
    let Some(custom_id) = ctx.custom_id() else {
        return Either::Left(());
    };
    let custom_id = StoredValue::new(custom_id);
    let listed: RwSignal<Load<Vec<Listed>>> = RwSignal::new(Load::Loading);
    let load = move || {
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let answer = client
                .call(
                    Method::Get,
                    &path(&custom_id.get_value(), None),
                    None,
                    decode_list,
                )
                .await;
            listed.set(match answer {
                Ok(list) => Load::Ready(list),
                Err(problem) => Load::Failed(problem),
            });
        });
    };
    let expanded = RwSignal::new(false);
    let toggle = move |_| {
        let opening = !expanded.get_untracked();
        expanded.set(opening);
        if opening {
            listed.set(Load::Loading);
            load();
        }
    };
    let package = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let count = RwSignal::new(String::from("1"));
    let unit = RwSignal::new(String::from("year"));
    let errors: RwSignal<Vec<(&'static str, &'static str)>> = RwSignal::new(Vec::new());
    let message: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    let confirming: RwSignal<Option<String>> = RwSignal::new(None);
    let error_of = move |field: &'static str| {
        errors.with(|errors| {
            errors
                .iter()
                .find(|(name, _)| *name == field)
                .map(|(_, text)| *text)
        })
    };
    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let draft = SubscriptionDraft {
            package: Some(package.get_untracked()),
            start_date: Some(start.get_untracked()),
            interval_count: count.get_untracked().trim().parse().ok(),
            interval_unit: Some(unit.get_untracked()),
        };
        if let Err(found) = validate_subscription(&draft, today()) {
            errors.set(found);
            return;
        }
        errors.set(Vec::new());
        let Some(client) = ctx.client() else { return };
        let body = draft_json(&draft);
        spawn_local(async move {
            match client
                .call(
                    Method::Post,
                    &path(&custom_id.get_value(), None),
                    Some(&body),
                    decode_listed,
                )
                .await
            {
                Ok(created) => {
                    let mut text = String::from("Subscribed: ");
                    text.push_str(&created.every);
                    message.set(Some((true, text)));
                    load();
                }
                Err(problem) => {
                    ctx.report(&problem);
                    message.set(Some((false, problem.message())));
                }
            }
        });
    };
    let cancel = move |id: String| {
        let Some(client) = ctx.client() else { return };
        confirming.set(None);
        spawn_local(async move {
            match client
                .call(
                    Method::Delete,
                    &path(&custom_id.get_value(), Some(&id)),
                    None,
                    decode_listed,
                )
                .await
            {
                Ok(_) => {
                    message.set(Some((true, "Subscription canceled.".to_owned())));
                    load();
                }
                Err(problem) => {
                    ctx.report(&problem);
                    message.set(Some((false, problem.message())));
                }
            }
        });
    };
    let packages = move || {
        ctx.catalog.with(|load| match load {
            Load::Ready(view) => view
                .catalog
                .packages
                .iter()
                .map(|package| (package.slug.clone(), package.name.clone()))
                .collect(),
            Load::Loading | Load::Failed(_) => Vec::new(),
        })
    };
    Either::Right(view! {
        <section class="bgc-subscriptions" aria-labelledby="bgc-subscriptions-title">
            <h3 id="bgc-subscriptions-title" class="bgc-subtitle">"Subscriptions (re-runs for employees in the US)"</h3>
            <button type="button" class="bgc-disclosure" data-subscriptions-toggle=""
                aria-expanded=move || if expanded.get() { "true" } else { "false" }
                aria-controls="bgc-subscriptions-body" on:click=toggle>
                {move || if expanded.get() { "Hide subscriptions" } else { "Show subscriptions" }}
            </button>
            <div id="bgc-subscriptions-body">
            {move || expanded.get().then(|| view! {
                {move || match listed.get() {
                    Load::Loading => EitherOf4::A(view! { <p class="bgc-muted" role="status">"Loading subscriptions…"</p> }),
                    Load::Failed(problem) => EitherOf4::B(view! { <ProblemView problem retry=Callback::new(move |()| load())/> }),
                    Load::Ready(list) if list.is_empty() => EitherOf4::C(view! {
                        <p class="bgc-muted" data-subscriptions-empty="">"No subscriptions."</p>
                    }),
                    Load::Ready(list) => EitherOf4::D(view! {
                        <ul class="bgc-list">
                            {list.into_iter().map(|item| {
                                let asking = item.id.clone();
                                let id = item.id.clone();
                                let name = ctx.catalog.with(|load| match load {
                                    Load::Ready(view) => package_name(Some(&view.catalog), &item.package),
                                    Load::Loading | Load::Failed(_) => package_name(None, &item.package),
                                });
                                view! {
                                    <li data-subscription=item.id.clone()>
                                        {name} " " {item.every.clone()}
                                        {if item.active {
                                            item.next.clone().map(|next| ["; next run ", next.as_str()].concat())
                                        } else {
                                            Some("; canceled".to_owned())
                                        }}
                                        {(manage && item.active).then(|| view! {
                                            {move || if confirming.get().as_deref() == Some(asking.as_str()) {
                                                let id = id.clone();
                                                Either::Left(view! {
                                                    <span role="group" aria-label="Confirm cancellation">
                                                        " Cancel this subscription? "
                                                        <button type="button" class="bgc-button" data-subscription-cancel-confirm="" on:click=move |_| cancel(id.clone())>"Yes, cancel it"</button>
                                                        " "
                                                        <button type="button" class="bgc-disclosure" on:click=move |_| confirming.set(None)>"Keep"</button>
                                                    </span>
                                                })
                                            } else {
                                                let id = asking.clone();
                                                Either::Right(view! {
                                                    " " <button type="button" class="bgc-disclosure" data-subscription-cancel="" on:click=move |_| confirming.set(Some(id.clone()))>"Cancel subscription"</button>
                                                })
                                            }}
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }),
                }}
                {manage.then(|| view! {
                    <form class="bgc-subscription-form" on:submit=submit novalidate>
                        <label>"Package "
                            <select data-subscription-package="" on:change=move |event| package.set(event_target_value(&event))>
                                <option value="">"Choose a package…"</option>
                                {move || packages().into_iter().map(|(slug, name)| view! { <option value=slug>{name}</option> }).collect_view()}
                            </select>
                        </label>
                        <p class="bgc-error" data-subscription-error="package">{move || error_of("package")}</p>
                        <label>"First run "
                            <input type="date" data-subscription-start="" on:input=move |event| start.set(event_target_value(&event))/>
                        </label>
                        <p class="bgc-error" data-subscription-error="start_date">{move || error_of("start_date")}</p>
                        <label>"Every "
                            <input type="number" min="1" max="365" data-subscription-count="" prop:value=move || count.get()
                                on:input=move |event| count.set(event_target_value(&event))/>
                        </label>
                        <p class="bgc-error" data-subscription-error="interval_count">{move || error_of("interval_count")}</p>
                        <label>"Unit "
                            <select data-subscription-unit="" on:change=move |event| unit.set(event_target_value(&event))>
                                {IntervalUnit::ALL.into_iter().map(|choice| view! {
                                    <option value=choice.as_str() selected=choice == IntervalUnit::Year>{choice.as_str()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <p class="bgc-error" data-subscription-error="interval_unit">{move || error_of("interval_unit")}</p>
                        <button type="submit" class="bgc-button">"Subscribe"</button>
                    </form>
                })}
                {move || message.get().map(|(ok, text)| view! {
                    <p class=if ok { "bgc-muted" } else { "bgc-error" } role=if ok { "status" } else { "alert" } data-subscription-message="">{text}</p>
                })}
            })}
            </div>
        </section>
    })
}
