//! The order form: loading the catalog, the candidate fields, validation and sending.

use super::*;

#[component]
pub(super) fn OrderPanel(ctx: Ctx) -> impl IntoView {
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
pub(super) fn OrderForm(ctx: Ctx, catalog: CatalogView) -> impl IntoView {
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
    let catalog = StoredValue::new(catalog);
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
                }
                Err(failed) => {
                    ctx.report(&failed);
                    if let Problem::Api { body, .. } = &failed {
                        let (fields, other) = body.field_errors();
                        if !fields.is_empty() || !other.is_empty() {
                            let first = form
                                .try_update(|form| form.server_errors(fields, other))
                                .flatten();
                            if let Some(field) = first {
                                ctx.focus(field);
                            }
                        }
                        if let Some(order) = body.order.clone() {
                            ctx.merge(order);
                        }
                    }
                    problem.set(Some(failed));
                }
            }
            sending.set(false);
        });
    };

    let summary = move || {
        let errors: Vec<(Field, String)> = form.with(|form| {
            form.errors
                .iter()
                .map(|(field, message)| (field, message.to_owned()))
                .chain(
                    form.other_errors
                        .iter()
                        .map(|message| (Field::Ssn, message.clone())),
                )
                .collect()
        });
        let failure = problem.get();
        if errors.is_empty() && failure.is_none() {
            return None;
        }
        Some(view! {
            <div class="bgc-summary" role="alert">
                {failure.map(|failure| {
                    let retryable = failure.is_retryable();
                    view! {
                        <p>{failure.message()}</p>
                        {retryable.then(|| view! {
                            <button type="button" class="bgc-button" on:click=move |_| send()>"Try again"</button>
                        })}
                    }
                })}
                {(!errors.is_empty()).then(|| view! {
                    <p>"Please fix the following:"</p>
                    <ul>
                        {errors.into_iter().map(|(field, message)| view! {
                            <li>{field.label()} ": " {message}</li>
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
                    <div class="bgc-notice bgc-notice-positive" role="status">
                        <p>"Ordered " {name} ". Status: " {status} "."</p>
                        {move || busy().map(|text| view! { <p data-busy="">{text}</p> })}
                        <button type="button" class="bgc-button bgc-primary" on:click=move |_| {
                            form.update(OrderForm::another);
                            problem.set(None);
                            placed.set(None);
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
                        <button type="submit" class="bgc-button bgc-primary" disabled=move || sending.get() aria-busy=move || if sending.get() { "true" } else { "false" }>
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

pub(super) fn id_for(field: Field) -> String {
    ["bgc-", field.as_str()].concat()
}

pub(super) fn error_id_for(field: Field) -> String {
    ["bgc-", field.as_str(), "-error"].concat()
}

/// Whether the form asks for `field` even though the domain allows leaving it out.
pub(super) const fn is_optional(field: Field) -> bool {
    match field {
        Field::Phone | Field::Zipcode | Field::City => true,
        // A middle name or the "No middle name" box is required.
        Field::MiddleName
        | Field::FirstName
        | Field::LastName
        | Field::Email
        | Field::CustomId
        | Field::Country
        | Field::State
        | Field::Package
        | Field::Node
        | Field::Ssn
        | Field::DriverLicense
        | Field::Dob => false,
    }
}

// The bindings every input and select shares. Made by these functions, each is one closure
// type, so the wasm carries one copy of its rendering code instead of one per component.

/// `aria-invalid` of `field`'s control.
pub(super) fn aria_invalid(
    form: RwSignal<OrderForm>,
    field: Field,
) -> impl Fn() -> &'static str + Copy {
    move || {
        if form.with(|form| form.errors.contains(field)) {
            "true"
        } else {
            "false"
        }
    }
}

/// The current value of `field`'s control.
pub(super) fn field_value(form: RwSignal<OrderForm>, field: Field) -> impl Fn() -> String + Copy {
    move || form.with(|form| form.value(field))
}

/// A select's change: store the choice and check it at once.
pub(super) fn select_changed(
    form: RwSignal<OrderForm>,
    field: Field,
) -> impl Fn(web_sys::Event) + Copy {
    move |event| {
        form.update(|form| {
            form.set(field, event_target_value(&event));
            form.blur(field);
        })
    }
}

#[component]
pub(super) fn FieldError(form: RwSignal<OrderForm>, field: Field) -> impl IntoView {
    view! {
        <p id=error_id_for(field) class="bgc-error" aria-live="polite">
            {move || form.with(|form| form.errors.get(field).map(str::to_owned))}
        </p>
    }
}

#[component]
pub(super) fn TextField(
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
                {is_optional(field).then_some(view! { <span class="bgc-muted">" (optional)"</span> })}
            </label>
            <input
                id=id_for(field)
                data-field=field.as_str()
                type=kind
                autocomplete=autocomplete
                readonly=readonly
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
pub(super) fn CodeSelect(
    form: RwSignal<OrderForm>,
    field: Field,
    choices: Choices,
) -> impl IntoView {
    let current = form.with_untracked(|form| form.value(field));
    view! {
        <div class="bgc-field">
            <label for=id_for(field)>{field.label()}</label>
            <select
                id=id_for(field)
                data-field=field.as_str()
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
pub(super) fn PackageSelect(
    form: RwSignal<OrderForm>,
    catalog: StoredValue<CatalogView>,
) -> impl IntoView {
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
    view! {
        <div class="bgc-field">
            <label for=id_for(Field::Package)>"Package"</label>
            {empty.then(|| view! { <p class="bgc-muted">"This account has no packages to order."</p> })}
            <select
                id=id_for(Field::Package)
                data-field="package"
                required=true
                aria-invalid=aria_invalid(form, Field::Package)
                aria-describedby=error_id_for(Field::Package)
                prop:value=field_value(form, Field::Package)
                on:change=select_changed(form, Field::Package)
            >
                <option value="">"Choose a package…"</option>
                {options}
            </select>
            <FieldError form field=Field::Package/>
        </div>
    }
}
