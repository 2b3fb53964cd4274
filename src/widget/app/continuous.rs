//! Continuous checks (C-Crim, C-MVR) for an applicant who became an employee: the
//! enrolments, and for users with adjudication rights a form to enrol (the employee's
//! evergreen consent must be confirmed) and a button to unenroll, confirmed first. Behind a
//! disclosure: the list is Checkr's, so it is read only when someone opens it.

use crate::domain::continuous::{
    CONSENT_REQUIRED, ContinuousKind, EnrolmentDraft, validate_enrolment,
};

use super::super::decode;
use super::super::transport::Method;
use super::*;

/// One enrolment as the proxy lists it.
#[derive(Clone, PartialEq)]
pub(super) struct Enrolment {
    id: String,
    label: String,
    since: Option<String>,
    notice: Option<String>,
}

fn decode_enrolment(value: &JsValue) -> Option<Enrolment> {
    let text = |key: &str| decode::field(value, key).and_then(|found| found.as_string());
    Some(Enrolment {
        id: text("id")?,
        label: text("label").unwrap_or_else(|| "Continuous check".to_owned()),
        since: text("created_at").map(|at| at.chars().take(10).collect()),
        notice: text("notice"),
    })
}

fn decode_list(value: &JsValue) -> Option<Vec<Enrolment>> {
    decode::items(value, decode_enrolment)
}

fn decode_auto(value: &JsValue) -> Option<bool> {
    decode::field(value, "auto_enroll")?.as_bool()
}

fn auto_json(on: bool, consent: bool) -> String {
    let body = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&body, &"auto_enroll".into(), &JsValue::from_bool(on));
    if on {
        let _ = js_sys::Reflect::set(&body, &"consent".into(), &JsValue::from_bool(consent));
    }
    js_sys::JSON::stringify(&body)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

fn path(custom_id: &str, id: Option<&str>) -> String {
    let mut path = String::from("/api/candidates/");
    path.push_str(&String::from(js_sys::encode_uri_component(custom_id)));
    path.push_str("/continuous-checks");
    if let Some(id) = id {
        path.push('/');
        path.push_str(&String::from(js_sys::encode_uri_component(id)));
    }
    path
}

fn draft_json(kind: ContinuousKind, consent: bool) -> String {
    let body = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&body, &"type".into(), &kind.as_str().into());
    let _ = js_sys::Reflect::set(&body, &"consent".into(), &JsValue::from_bool(consent));
    js_sys::JSON::stringify(&body)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

#[component]
pub(super) fn ContinuousChecks(ctx: Ctx, manage: bool, admin: bool) -> impl IntoView {
    let Some(custom_id) = ctx.custom_id() else {
        return Either::Left(());
    };
    let custom_id = StoredValue::new(custom_id);
    let enrolments: RwSignal<Load<Vec<Enrolment>>> = RwSignal::new(Load::Loading);
    let load = move || {
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let listed = client
                .call(
                    Method::Get,
                    &path(&custom_id.get_value(), None),
                    None,
                    decode_list,
                )
                .await;
            enrolments.set(match listed {
                Ok(list) => Load::Ready(list),
                Err(problem) => Load::Failed(problem),
            });
        });
    };
    let message: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    let expanded = RwSignal::new(false);
    // The account's automatic enrolment (admins): as read, and the consent box for turning it on.
    let auto: RwSignal<Option<bool>> = RwSignal::new(None);
    let auto_wanted = RwSignal::new(false);
    let auto_consent = RwSignal::new(false);
    let load_auto = move || {
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            if let Ok(on) = client
                .call(
                    Method::Get,
                    "/api/account/continuous-checks",
                    None,
                    decode_auto,
                )
                .await
            {
                auto.set(Some(on));
                auto_wanted.set(on);
            }
        });
    };
    let toggle = move |_| {
        let opening = !expanded.get_untracked();
        expanded.set(opening);
        if opening {
            enrolments.set(Load::Loading);
            load();
            if admin {
                load_auto();
            }
        }
    };
    let save_auto = move |_| {
        let on = auto_wanted.get_untracked();
        if on && !auto_consent.get_untracked() {
            message.set(Some((false, CONSENT_REQUIRED.to_owned())));
            return;
        }
        let Some(client) = ctx.client() else { return };
        let body = auto_json(on, auto_consent.get_untracked());
        spawn_local(async move {
            match client
                .call(
                    Method::Put,
                    "/api/account/continuous-checks",
                    Some(&body),
                    decode_auto,
                )
                .await
            {
                Ok(now) => {
                    auto.set(Some(now));
                    message.set(Some((
                        true,
                        if now {
                            "Automatic enrolment is on.".to_owned()
                        } else {
                            "Automatic enrolment is off.".to_owned()
                        },
                    )));
                }
                Err(problem) => {
                    ctx.report(&problem);
                    message.set(Some((false, problem.message())));
                }
            }
        });
    };
    let kind = RwSignal::new(ContinuousKind::Criminal);
    let consent = RwSignal::new(false);
    let consent_error: RwSignal<Option<&'static str>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let confirming: RwSignal<Option<String>> = RwSignal::new(None);
    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let draft = EnrolmentDraft {
            kind: Some(kind.get_untracked().as_str().to_owned()),
            consent: Some(consent.get_untracked()),
        };
        if let Err(errors) = validate_enrolment(&draft) {
            consent_error.set(
                errors
                    .iter()
                    .find(|(field, _)| *field == "consent")
                    .map(|(_, message)| *message),
            );
            ctx.focus_on("#bgc-continuous-consent".to_owned());
            return;
        }
        consent_error.set(None);
        let Some(client) = ctx.client() else { return };
        busy.set(true);
        let body = draft_json(kind.get_untracked(), true);
        spawn_local(async move {
            let sent = client
                .call(
                    Method::Post,
                    &path(&custom_id.get_value(), None),
                    Some(&body),
                    decode_enrolment,
                )
                .await;
            busy.set(false);
            match sent {
                Ok(enrolment) => {
                    message.set(Some((
                        true,
                        ["Enrolled: ", enrolment.label.as_str()].concat(),
                    )));
                    consent.set(false);
                    load();
                }
                Err(problem) => {
                    ctx.report(&problem);
                    message.set(Some((false, problem.message())));
                }
            }
        });
    };
    let unenroll = move |id: String| {
        let Some(client) = ctx.client() else { return };
        confirming.set(None);
        spawn_local(async move {
            let ended = client
                .call(
                    Method::Delete,
                    &path(&custom_id.get_value(), Some(&id)),
                    None,
                    decode_enrolment,
                )
                .await;
            match ended {
                Ok(enrolment) => {
                    message.set(Some((
                        true,
                        ["Unenrolled: ", enrolment.label.as_str()].concat(),
                    )));
                    load();
                }
                Err(problem) => {
                    ctx.report(&problem);
                    message.set(Some((false, problem.message())));
                }
            }
        });
    };
    Either::Right(view! {
        <section class="bgc-continuous" aria-labelledby="bgc-continuous-title">
            <h3 id="bgc-continuous-title" class="bgc-subtitle">"Continuous checks (employees in the US)"</h3>
            <button
                type="button"
                class="bgc-disclosure"
                data-continuous-toggle=""
                aria-expanded=move || if expanded.get() { "true" } else { "false" }
                aria-controls="bgc-continuous-body"
                on:click=toggle
            >
                {move || if expanded.get() { "Hide enrolments" } else { "Show enrolments" }}
            </button>
            <div id="bgc-continuous-body">
            {move || expanded.get().then(|| view! {
            {move || match enrolments.get() {
                Load::Loading => EitherOf4::A(view! { <p class="bgc-muted" role="status">"Loading enrolments…"</p> }),
                Load::Failed(problem) => EitherOf4::B(view! { <ProblemView problem retry=Callback::new(move |()| load())/> }),
                Load::Ready(list) if list.is_empty() => EitherOf4::C(view! {
                    <p class="bgc-muted" data-continuous-empty="">"Not enrolled in continuous checks."</p>
                }),
                Load::Ready(list) => EitherOf4::D(view! {
                    <ul class="bgc-list">
                        {list.into_iter().map(|enrolment| {
                            let id = enrolment.id.clone();
                            let asking = id.clone();
                            let label = enrolment.label.clone();
                            view! {
                                <li class="bgc-enrolment" data-enrolment=enrolment.id.clone()>
                                    <span>{enrolment.label.clone()}</span>
                                    {enrolment.since.clone().map(|since| view! { <span class="bgc-muted">" since " {since}</span> })}
                                    {enrolment.notice.clone().map(|notice| view! { <span class="bgc-reason" data-enrolment-notice="">" " {notice}</span> })}
                                    {manage.then(|| view! {
                                        {move || if confirming.get().as_deref() == Some(asking.as_str()) {
                                            let id = id.clone();
                                            Either::Left(view! {
                                                <span role="group" aria-label="Confirm unenrolment">
                                                    " Unenroll this employee? "
                                                    <button type="button" class="bgc-button" data-unenroll-confirm="" on:click=move |_| unenroll(id.clone())>"Yes, unenroll"</button>
                                                    " "
                                                    <button type="button" class="bgc-disclosure" on:click=move |_| confirming.set(None)>"Keep"</button>
                                                </span>
                                            })
                                        } else {
                                            let id = asking.clone();
                                            let name = ["Unenroll from ", label.as_str()].concat();
                                            Either::Right(view! {
                                                " " <button type="button" class="bgc-disclosure" data-unenroll="" aria-label=name on:click=move |_| confirming.set(Some(id.clone()))>"Unenroll"</button>
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
                <form class="bgc-continuous-form" on:submit=submit novalidate>
                    <label>"Type "
                        <select data-continuous-type="" on:change=move |event| {
                            if let Some(found) = ContinuousKind::parse(&event_target_value(&event)) {
                                kind.set(found);
                            }
                        }>
                            <option value="criminal" selected>{ContinuousKind::Criminal.label()}</option>
                            <option value="mvr">{ContinuousKind::Mvr.label()}</option>
                        </select>
                    </label>
                    <label class="bgc-check">
                        <input
                            type="checkbox"
                            id="bgc-continuous-consent"
                            data-continuous-consent=""
                            prop:checked=move || consent.get()
                            aria-invalid=move || if consent_error.get().is_some() { "true" } else { "false" }
                            aria-describedby="bgc-continuous-consent-error"
                            on:change=move |event| consent.set(event_target_checked(&event))
                        />
                        " The employee gave evergreen consent to continuous checks"
                    </label>
                    <p id="bgc-continuous-consent-error" class="bgc-error" data-continuous-error="">
                        {move || consent_error.get()}
                    </p>
                    <button type="submit" class="bgc-button" aria-disabled=move || if busy.get() { "true" } else { "false" }>
                        {move || if busy.get() { "Enrolling…" } else { "Enrol" }}
                    </button>
                </form>
            })}
            {(admin && expanded.get()).then(|| view! {
                <fieldset class="bgc-group" data-continuous-auto="">
                    <legend>"Automatic enrolment (account setting)"</legend>
                    <label class="bgc-check">
                        <input type="checkbox" data-auto-enroll="" prop:checked=move || auto_wanted.get()
                            on:change=move |event| auto_wanted.set(event_target_checked(&event))/>
                        " Enrol employees in C-Crim when a report ends Clear or the candidate is engaged; unenroll when adverse action starts"
                    </label>
                    {move || (auto_wanted.get() && auto.get() != Some(true)).then(|| view! {
                        <label class="bgc-check">
                            <input type="checkbox" data-auto-consent="" prop:checked=move || auto_consent.get()
                                on:change=move |event| auto_consent.set(event_target_checked(&event))/>
                            " The customer holds every employee's evergreen consent"
                        </label>
                    })}
                    <button type="button" class="bgc-button" data-auto-save="" on:click=save_auto>"Save setting"</button>
                </fieldset>
            })}
            {move || message.get().map(|(ok, text)| view! {
                <p class=if ok { "bgc-muted" } else { "bgc-error" } role=if ok { "status" } else { "alert" } data-continuous-message="">{text}</p>
            })}
            })}
            </div>
        </section>
    })
}
