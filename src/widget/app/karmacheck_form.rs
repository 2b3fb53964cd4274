//! The KarmaCheck order form: the account's packages, the candidate's names, email and phone
//! checked with KarmaCheck's rules ([`crate::widget::karmacheck::CaseForm`]), and sending. A 409
//! for an email that already has a case leaves the order in the case list with the choice.

use super::*;
use crate::domain::karmacheck_order::CaseStep;
use crate::widget::karmacheck::{CASE_FIELDS, CaseForm};

/// Said above the form when KarmaCheck refused the email: the choice is in the list.
const DUPLICATE_EMAIL: &str = "KarmaCheck already has a case for this email. Choose in the list \
     above whether to add another case or replace the existing one.";

#[component]
pub(super) fn CaseOrderPanel(ctx: Ctx) -> impl IntoView {
    let packages = RwSignal::new(Load::<Vec<CasePackage>>::Loading);
    let load = move || {
        packages.set(Load::Loading);
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            match client.karmacheck_packages().await {
                Ok(list) => {
                    ctx.case_packages.set(list.clone());
                    packages.set(Load::Ready(list));
                    ctx.ready();
                }
                Err(problem) => {
                    ctx.report(&problem);
                    packages.set(Load::Failed(problem));
                }
            }
        });
    };
    load();
    view! {
        {move || match packages.get() {
            Load::Loading => EitherOf3::A(view! { <p class="bgc-muted" role="status">"Loading packages…"</p> }),
            Load::Failed(problem) => EitherOf3::B(view! { <ProblemView problem retry=Callback::new(move |()| load())/> }),
            Load::Ready(list) => EitherOf3::C(view! { <CaseOrderForm ctx packages=list/> }),
        }}
    }
}

fn case_input_id(field: Field) -> String {
    ["bgc-kc-", field.as_str()].concat()
}

fn case_error_id(field: Field) -> String {
    ["bgc-kc-", field.as_str(), "-error"].concat()
}

#[component]
fn CaseFieldError(form: RwSignal<CaseForm>, field: Field) -> impl IntoView {
    view! {
        <p id=case_error_id(field) class="bgc-error" aria-live="polite">
            {move || form.with(|form| form.errors.get(field).map(str::to_owned))}
        </p>
    }
}

#[component]
fn CaseTextField(
    form: RwSignal<CaseForm>,
    field: Field,
    kind: &'static str,
    #[prop(optional)] readonly: bool,
) -> impl IntoView {
    let required = CaseForm::is_required(field);
    view! {
        <div class="bgc-field">
            <label for=case_input_id(field)>
                {field.label()}
                {(!required).then_some(view! { <span class="bgc-muted">" (optional)"</span> })}
            </label>
            <input
                id=case_input_id(field)
                data-field=field.as_str()
                type=kind
                autocomplete="off"
                readonly=readonly
                required=required
                aria-required=if required { "true" } else { "false" }
                aria-invalid=move || if form.with(|form| form.errors.contains(field)) { "true" } else { "false" }
                aria-describedby=case_error_id(field)
                prop:value=move || form.with(|form| form.value(field))
                on:input=move |event| form.update(|form| form.set(field, event_target_value(&event)))
            />
            <CaseFieldError form field/>
        </div>
    }
}

#[component]
fn CaseOrderForm(ctx: Ctx, packages: Vec<CasePackage>) -> impl IntoView {
    let form = RwSignal::new(CaseForm::new(&packages, &ctx.prefill.get_untracked()));
    // The host may change the prefill after mounting (`update`).
    Effect::new(move |first: Option<()>| {
        let prefill = ctx.prefill.get();
        if first.is_some() {
            form.update(|form| form.prefill(&prefill));
        }
    });
    let packages = StoredValue::new(packages);
    let sending = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let placed = RwSignal::new(None::<CaseOrder>);
    let readonly_id = ctx.custom_id().is_some();

    let send = move || {
        let draft = match form.try_update(CaseForm::submit) {
            Some(Ok(draft)) => draft,
            Some(Err(field)) => {
                ctx.focus(field);
                return;
            }
            None => return,
        };
        let Some(client) = ctx.client() else { return };
        sending.set(true);
        problem.set(None);
        spawn_local(async move {
            match client.karmacheck_place(&draft).await {
                Ok(case) => {
                    ctx.merge_case(case.clone());
                    ctx.announce_case_ordered(&case);
                    if case.step == CaseStep::Created {
                        ctx.announce_case(&case);
                    }
                    placed.set(Some(case));
                    ctx.focus_on("[data-confirmation]".to_owned());
                }
                Err(failed) => {
                    ctx.report(&failed);
                    let fields = match &failed {
                        Problem::Api { body, .. } => body.fields.clone(),
                        Problem::Network => Vec::new(),
                    };
                    let field = form.try_update(|form| form.server_errors(fields)).flatten();
                    if let Some(field) = field {
                        ctx.focus(field);
                    } else if failed.code() == "karmacheck_duplicate_email" {
                        // The proxy kept the order with the choice: list it, then go there.
                        problem.set(Some(DUPLICATE_EMAIL.to_owned()));
                        if let Some(custom_id) = ctx.custom_id() {
                            let read = client.karmacheck_cases(&custom_id).await;
                            if let Ok(cases) = read {
                                ctx.cases.set(Load::Ready(cases));
                            }
                        }
                        ctx.focus_on("[data-override=\"add\"]".to_owned());
                    } else {
                        // A failed create is kept too, with Retry in its row.
                        problem.set(Some(failed.message()));
                        ctx.load_cases(true);
                        ctx.focus_on(".bgc-kc-form .bgc-summary".to_owned());
                    }
                }
            }
            sending.set(false);
        });
    };

    let summary = move || {
        let failure = problem.get();
        let entries: Vec<(Field, String)> = form.with(|form| {
            CASE_FIELDS
                .into_iter()
                .filter_map(|field| form.errors.get(field).map(|m| (field, m.to_owned())))
                .collect()
        });
        if entries.is_empty() && failure.is_none() {
            return None;
        }
        Some(view! {
            <div class="bgc-summary" role="alert" tabindex="-1" data-summary="">
                {failure.map(|text| view! { <p>{text}</p> })}
                {(!entries.is_empty()).then(|| view! {
                    <p>"Please fix the following:"</p>
                    <ul>
                        {entries.into_iter().map(|(field, message)| view! {
                            <li><a href=["#", case_input_id(field).as_str()].concat() on:click=move |event| {
                                event.prevent_default();
                                ctx.focus(field);
                            }>{message}</a></li>
                        }).collect_view()}
                    </ul>
                })}
            </div>
        })
    };

    let package_select = move || {
        let current = form.with_untracked(|form| form.draft.package_id.clone());
        let field = Field::Package;
        view! {
            <div class="bgc-field">
                <label for=case_input_id(field)>{field.label()}</label>
                <select
                    id=case_input_id(field)
                    data-field=field.as_str()
                    required=true
                    aria-required="true"
                    aria-invalid=move || if form.with(|form| form.errors.contains(field)) { "true" } else { "false" }
                    aria-describedby=case_error_id(field)
                    prop:value=move || form.with(|form| form.draft.package_id.clone())
                    on:change=move |event| form.update(|form| form.set(field, event_target_value(&event)))
                >
                    <option value="" selected=current.is_empty()>"Choose…"</option>
                    {packages.with_value(|list| list.iter().map(|package| {
                        let selected = package.id == current;
                        view! { <option value=package.id.clone() selected=selected>{package.name.clone()}</option> }
                    }).collect_view())}
                </select>
                <CaseFieldError form field/>
            </div>
        }
    };

    view! {
        {move || match placed.get() {
            Some(case) => Either::Left(view! {
                <div class="bgc-notice bgc-notice-positive" role="status" tabindex="-1" data-confirmation="">
                    <p>"Ordered through KarmaCheck. Status: " {move || ctx.latest_case(&case).badge().label} "."</p>
                    <button type="button" class="bgc-button bgc-primary" on:click=move |_| {
                        form.update(CaseForm::another);
                        problem.set(None);
                        placed.set(None);
                        ctx.focus_on(".bgc-kc-form [data-field]".to_owned());
                    }>"Order another check"</button>
                </div>
            }),
            None => Either::Right(view! {
                <form class="bgc-form bgc-kc-form" novalidate=true on:submit=move |event| {
                    event.prevent_default();
                    if !sending.get_untracked() {
                        send();
                    }
                }>
                    <h3 class="bgc-subtitle">"Order a background check through KarmaCheck"</h3>
                    {summary}
                    <fieldset class="bgc-group">
                        <legend>"What to order"</legend>
                        {package_select}
                    </fieldset>
                    <fieldset class="bgc-group">
                        <legend>"Candidate"</legend>
                        <CaseTextField form field=Field::FirstName kind="text"/>
                        <CaseTextField form field=Field::MiddleName kind="text"/>
                        <CaseTextField form field=Field::LastName kind="text"/>
                        <CaseTextField form field=Field::Email kind="email"/>
                        <CaseTextField form field=Field::Phone kind="tel"/>
                        <CaseTextField form field=Field::CustomId kind="text" readonly=readonly_id/>
                    </fieldset>
                    <p class="bgc-muted">"KarmaCheck emails the candidate an invitation to give the rest of their details."</p>
                    <div class="bgc-actions">
                        <button
                            type="submit"
                            class="bgc-button bgc-primary"
                            aria-disabled=move || if sending.get() { "true" } else { "false" }
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
