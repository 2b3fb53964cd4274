//! The node picker: one select per hierarchy level, with type-to-filter on long levels.

use super::*;

#[component]
pub(super) fn NodePicker(
    form: RwSignal<OrderForm>,
    catalog: StoredValue<CatalogView>,
) -> impl IntoView {
    let Some(picker) = catalog.with_value(|view| Picker::of(&view.catalog)) else {
        return Either::Left(());
    };
    let picker = StoredValue::new(picker);
    let filters = RwSignal::new(Vec::<String>::new());
    // Keystrokes elsewhere in the form must not re-filter a level of 10,000 nodes.
    let node = Memo::new(move |_| form.with(|form| form.draft.node.clone()));
    // A plain list instead of <For> (about 10 KB of wasm): tachys patches it position by
    // position, so each level keeps its select and filter box, and with them the focus.
    let levels = move || {
        let node = node.get();
        let levels = filters
            .with(|filters| picker.with_value(|picker| picker.levels(node.as_deref(), filters)));
        let deepest = levels.len().saturating_sub(1);
        levels
            .into_iter()
            .map(|level| {
                let takes_error = level.depth == deepest;
                view! { <PickerLevel form catalog picker filters level takes_error/> }
            })
            .collect_view()
    };
    Either::Right(view! {
        <div class="bgc-picker" role="group" aria-label="Account node">
            {levels}
        </div>
    })
}

/// One level, from plain values: the picker re-renders every level on each change. Rebuilding
/// keeps the elements (and so the focus); it rewrites changed text and attributes, and
/// re-attaches the listeners.
#[component]
pub(super) fn PickerLevel(
    form: RwSignal<OrderForm>,
    catalog: StoredValue<CatalogView>,
    picker: StoredValue<Picker>,
    filters: RwSignal<Vec<String>>,
    level: crate::widget::model::LevelView,
    /// The deepest select shown: it carries the node's error, directly beneath it.
    takes_error: bool,
) -> impl IntoView {
    let crate::widget::model::LevelView {
        depth,
        label,
        options,
        total,
        matching,
        selected,
        filterable,
        filter,
    } = level;
    let index = depth.to_string();
    let select_id = ["bgc-node-", index.as_str()].concat();
    let filter_box = filterable.then(|| {
        let mut count = matching.to_string();
        count.push_str(" of ");
        count.push_str(&total.to_string());
        count.push_str(" match");
        if matching > options.len() {
            count.push_str("; type to narrow the list");
        }
        view! {
            <input
                id=[select_id.as_str(), "-filter"].concat()
                class="bgc-filter"
                type="search"
                placeholder="Type to filter"
                aria-label=["Filter ", label.as_str()].concat()
                prop:value=filter
                on:input=move |event| {
                    let text = event_target_value(&event);
                    filters.update(|filters| {
                        if filters.len() <= depth {
                            filters.resize(depth + 1, String::new());
                        }
                        if let Some(slot) = filters.get_mut(depth) {
                            *slot = text;
                        }
                    });
                }
            />
            <p class="bgc-muted bgc-count" aria-live="polite">{count}</p>
        }
    });
    // Choosing at the first level is what the rule asks; the levels below narrow it down.
    let first_required = depth == 0 && required(form, Field::Node);
    let none_chosen = selected.is_none();
    // Options are reused position by position, and a browser ignores `selected` attributes on
    // an option the user has picked before: the value property says what is chosen.
    let chosen_value = selected.clone().unwrap_or_default();
    let options = options
        .into_iter()
        .map(|(id, name)| {
            let chosen = selected.as_deref() == Some(id.as_str());
            view! { <option value=id selected=chosen>{name}</option> }
        })
        .collect_view();
    view! {
        <div class="bgc-field">
            <label for=select_id.clone()>{label}</label>
            {filter_box}
            <select
                id=select_id
                data-field="node"
                data-depth=index
                prop:value=chosen_value
                required=first_required
                aria-required=if first_required { "true" } else { "false" }
                aria-invalid=aria_flag(form, Field::Node, if takes_error { has_error } else { never })
                aria-describedby=takes_error.then(|| error_id_for(Field::Node))
                on:change=move |event| {
                    let choice = event_target_value(&event);
                    let current = form.with_untracked(|form| form.draft.node.clone());
                    let next = picker.with_value(|picker| picker.choose(current.as_deref(), depth, &choice));
                    filters.update(|filters| filters.truncate(depth + 1));
                    catalog.with_value(|view| form.update(|form| {
                        form.choose_node(next, &view.catalog);
                        form.blur(Field::Node);
                    }));
                }
            >
                <option value="" selected=none_chosen>"Choose…"</option>
                {options}
            </select>
            {takes_error.then(|| view! { <FieldError form field=Field::Node/> })}
        </div>
    }
}
