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

pub(super) fn id_for(field: Field) -> String {
    ["bgc-", field.as_str()].concat()
}

/// The id of the control that takes `field`'s focus; the node's is the picker's select at
/// `node_depth`.
pub(super) fn control_id(field: Field, node_depth: usize) -> String {
    match field {
        Field::Node => ["bgc-node-", node_depth.to_string().as_str()].concat(),
        _ => id_for(field),
    }
}

pub(super) fn error_id_for(field: Field) -> String {
    ["bgc-", field.as_str(), "-error"].concat()
}

// The bindings every input and select shares. Made by these functions, each is one closure
// type, so the wasm carries one copy of its rendering code instead of one per component.

/// An ARIA state of `field`'s control: "true" while `test` holds. One closure type for
/// every such attribute keeps one copy of its rendering code in the wasm.
pub(super) fn aria_flag(
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
pub(super) fn aria_invalid(
    form: RwSignal<OrderForm>,
    field: Field,
) -> impl Fn() -> &'static str + Copy {
    aria_flag(form, field, has_error)
}

/// `aria-required` of `field`'s control (the middle name stops being required once "No
/// middle name" is ticked).
pub(super) fn aria_required(
    form: RwSignal<OrderForm>,
    field: Field,
) -> impl Fn() -> &'static str + Copy {
    aria_flag(form, field, OrderForm::is_required)
}

/// `required` of `field`'s control, as the form starts.
pub(super) fn required(form: RwSignal<OrderForm>, field: Field) -> bool {
    form.with_untracked(|form| form.is_required(field))
}

pub(super) fn has_error(form: &OrderForm, field: Field) -> bool {
    form.errors.contains(field)
}

pub(super) fn never(_: &OrderForm, _: Field) -> bool {
    false
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
