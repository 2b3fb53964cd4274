//! The widget's logic as plain data and functions, so components stay thin and the rules
//! can be tested without a DOM.

use crate::domain::badge::Badge;
use crate::domain::checkr::CustomerType;
use crate::domain::hierarchy::{Catalog, Node, NodeTree, filter_options};
use crate::domain::order::order_badge;
use crate::domain::validation::{
    Field, FieldErrors, OrderDraft, OrderRules, validate_order, validate_order_field,
};

use super::api::{ConnectLinks, Connection, Order, Session};

/// What the account's connection lets the user do.
#[derive(Clone, PartialEq)]
pub enum AccountView {
    /// Never connected; admins get the connect links.
    NotConnected(Option<ConnectLinks>),
    /// Connected, waiting for the provider's approval.
    AwaitingApproval,
    /// The provider revoked the connection; admins get the links to reconnect.
    Disconnected(Option<ConnectLinks>),
    /// Ordering works.
    Ready,
}

impl AccountView {
    /// The view for `session`; connect links are kept only for admins.
    pub fn of(session: &Session) -> Self {
        let links = session
            .role
            .manages_account()
            .then(|| session.connect.clone())
            .flatten();
        match (session.connection, session.credentialed) {
            (Connection::NotConnected, _) => AccountView::NotConnected(links),
            (Connection::Deauthorized, _) => AccountView::Disconnected(links),
            (Connection::Connected, false) => AccountView::AwaitingApproval,
            (Connection::Connected, true) => AccountView::Ready,
        }
    }
}

/// Levels with more options than this get a type-to-filter box.
pub const FILTER_THRESHOLD: usize = 12;
/// At most this many options are put into one select; the filter narrows the rest.
pub const MAX_SHOWN: usize = 200;

/// One cascading select, ready to render.
pub struct LevelView {
    /// Position from the top, 0 for the roots.
    pub depth: usize,
    /// The tier label.
    pub label: String,
    /// `(custom_id, name)` of the options shown after filtering and capping.
    pub options: Vec<(String, String)>,
    /// How many options the level has before filtering.
    pub total: usize,
    /// How many match the filter.
    pub matching: usize,
    /// The chosen node at this level.
    pub selected: Option<String>,
    /// Whether to offer the filter box.
    pub filterable: bool,
    /// What the filter box holds.
    pub filter: String,
}

/// The node picker: the repaired tree and the chosen node.
#[derive(Clone)]
pub struct Picker {
    tree: NodeTree,
}

impl Picker {
    /// The picker for `catalog`, or `None` when it has no nodes to pick (R5).
    pub fn of(catalog: &Catalog) -> Option<Self> {
        catalog.picker().map(|tree| Self { tree })
    }

    /// The selects to show for `selected`, each filtered by its entry in `filters`.
    pub fn levels(&self, selected: Option<&str>, filters: &[String]) -> Vec<LevelView> {
        self.tree
            .levels_for(selected)
            .into_iter()
            .enumerate()
            .map(|(depth, level)| {
                let query = filters.get(depth).map_or("", String::as_str);
                let filter = query.to_owned();
                let matching: Vec<&Node> = filter_options(&level.options, query);
                let selected = level.selected.map(str::to_owned);
                let mut options: Vec<(String, String)> = matching
                    .iter()
                    .take(MAX_SHOWN)
                    .map(|node| (node.custom_id.clone(), node.name.clone()))
                    .collect();
                // The chosen node stays selectable even when the filter hides it.
                if let Some(chosen) = &selected
                    && !options.iter().any(|(id, _)| id == chosen)
                    && let Some(node) = self.tree.node(chosen)
                {
                    options.insert(0, (node.custom_id.clone(), node.name.clone()));
                }
                LevelView {
                    depth,
                    label: level.label,
                    total: level.options.len(),
                    matching: matching.len(),
                    options,
                    selected,
                    filterable: level.options.len() > FILTER_THRESHOLD,
                    filter,
                }
            })
            .collect()
    }

    /// The depth and label of the select that takes the node's error and focus: the deepest
    /// one shown.
    pub fn error_level(&self, selected: Option<&str>) -> Option<(usize, String)> {
        let levels = self.tree.levels_for(selected);
        let depth = levels.len().checked_sub(1)?;
        levels.into_iter().last().map(|level| (depth, level.label))
    }

    /// The node chosen after picking `choice` at `depth` (empty: clear that level) while
    /// `current` was chosen.
    pub fn choose(&self, current: Option<&str>, depth: usize, choice: &str) -> Option<String> {
        if !choice.is_empty() {
            return self.tree.node(choice).map(|node| node.custom_id.clone());
        }
        let path = current.map(|id| self.tree.path(id)).unwrap_or_default();
        depth
            .checked_sub(1)
            .and_then(|parent| path.get(parent))
            .map(|node| node.custom_id.clone())
    }
}

/// The order form: the draft, its errors, and which fields the user has left.
#[derive(Clone, Default)]
pub struct OrderForm {
    /// What is entered so far.
    pub draft: OrderDraft,
    /// Messages beside the fields, in form order.
    pub errors: FieldErrors,
    /// Messages with no field to sit beside (shown in the summary).
    pub other_errors: Vec<String>,
    touched: Touched,
    /// Fields left while the pointer was down on the submit button: checked on release.
    held: Touched,
    /// The pointer is down on the submit button.
    pressing: bool,
    /// Whether the error summary shows: only after a submit, so that leaving a field never
    /// moves the submit button between mousedown and click.
    pub summary_shown: bool,
    /// Whether the account needs a node on every order.
    pub rules: OrderRules,
}

/// One line of the error summary, in screen order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryEntry {
    /// The field to move focus to, when the message belongs to one.
    pub field: Option<Field>,
    /// The field's visible label (or empty for messages without a field).
    pub label: String,
    /// What to fix.
    pub message: String,
}

impl OrderForm {
    /// An empty form under `rules`, prefilled from `prefill`.
    pub fn new(rules: OrderRules, prefill: &Prefill) -> Self {
        let mut form = Self {
            rules,
            ..Self::default()
        };
        form.prefill(prefill);
        form
    }

    /// Copies the host's prefill values over the draft.
    pub fn prefill(&mut self, prefill: &Prefill) {
        self.draft.tags.clone_from(&prefill.tags);
        let candidate = &mut self.draft.candidate;
        let pairs: [(&Option<String>, &mut String); 4] = [
            (&prefill.custom_id, &mut candidate.custom_id),
            (&prefill.first_name, &mut candidate.first_name),
            (&prefill.last_name, &mut candidate.last_name),
            (&prefill.email, &mut candidate.email),
        ];
        for (value, slot) in pairs {
            if let Some(value) = value {
                slot.clone_from(value);
            }
        }
        if let Some(country) = &prefill.country {
            candidate.work_location.country = country.trim().to_ascii_uppercase();
        }
        if prefill.state.is_some() {
            candidate.work_location.state = prefill
                .state
                .as_ref()
                .map(|s| s.trim().to_ascii_uppercase());
        }
        if prefill.city.is_some() {
            candidate.work_location.city.clone_from(&prefill.city);
        }
    }

    /// The current value of a text field.
    pub fn value(&self, field: Field) -> String {
        let candidate = &self.draft.candidate;
        let location = &candidate.work_location;
        let text = match field {
            Field::FirstName => Some(&candidate.first_name),
            Field::MiddleName => candidate.middle_name.as_ref(),
            Field::LastName => Some(&candidate.last_name),
            Field::Email => Some(&candidate.email),
            Field::Phone => candidate.phone.as_ref(),
            Field::Zipcode => candidate.zipcode.as_ref(),
            Field::CustomId => Some(&candidate.custom_id),
            Field::Country => Some(&location.country),
            Field::State => location.state.as_ref(),
            Field::City => location.city.as_ref(),
            Field::Package => Some(&self.draft.package),
            Field::Node => self.draft.node.as_ref(),
            // The form has no inputs for these; they always stay empty.
            Field::Ssn | Field::DriverLicense | Field::Dob => None,
        };
        text.cloned().unwrap_or_default()
    }

    /// Stores what the user typed; re-checks the field once it has been left or has an error.
    pub fn set(&mut self, field: Field, value: String) {
        let optional = if value.is_empty() {
            None
        } else {
            Some(value.clone())
        };
        let candidate = &mut self.draft.candidate;
        match field {
            Field::FirstName => candidate.first_name = value,
            Field::MiddleName => candidate.middle_name = optional,
            Field::LastName => candidate.last_name = value,
            Field::Email => candidate.email = value,
            Field::Phone => candidate.phone = optional,
            Field::Zipcode => candidate.zipcode = optional,
            Field::CustomId => candidate.custom_id = value,
            Field::Country => {
                // A state only belongs to a US location.
                if !value.eq_ignore_ascii_case("US") {
                    candidate.work_location.state = None;
                    self.errors.remove(Field::State);
                }
                candidate.work_location.country = value;
            }
            Field::State => candidate.work_location.state = optional,
            Field::City => candidate.work_location.city = optional,
            Field::Package => self.draft.package = value,
            Field::Node => self.draft.node = optional,
            Field::Ssn | Field::DriverLicense | Field::Dob => {}
        }
        if self.touched.contains(field) || self.errors.contains(field) {
            self.check(field);
        }
    }

    /// Ticks or unticks "No middle name".
    pub fn set_no_middle_name(&mut self, checked: bool) {
        self.draft.candidate.no_middle_name = checked;
        if checked {
            self.draft.candidate.middle_name = None;
        }
        self.touched.insert(Field::MiddleName);
        self.check(Field::MiddleName);
    }

    /// The user left `field`: check it from now on. While the pointer is down on the submit
    /// button the check waits: a message appearing now would move the button from under the
    /// pointer, and the click that follows would land on nothing.
    pub fn blur(&mut self, field: Field) {
        self.touched.insert(field);
        if self.pressing {
            self.held.insert(field);
        } else {
            self.check(field);
        }
    }

    /// A mouse button (or a tap) went down on the submit button.
    pub fn press_submit(&mut self) {
        self.pressing = true;
    }

    /// The mouse left the submit button without a click: run the checks that waited.
    pub fn release_submit(&mut self) {
        self.pressing = false;
        let held = std::mem::take(&mut self.held);
        for field in Field::ALL {
            if held.contains(field) {
                self.check(field);
            }
        }
    }

    /// Whether the form asks for `field` (`required`/`aria-required` on its control).
    pub fn is_required(&self, field: Field) -> bool {
        match field {
            Field::Phone | Field::Zipcode | Field::City => false,
            Field::MiddleName => !self.draft.candidate.no_middle_name,
            Field::Node => self.rules.node_required,
            Field::FirstName
            | Field::LastName
            | Field::Email
            | Field::CustomId
            | Field::Country
            | Field::State
            | Field::Package => true,
            // Never asked for.
            Field::Ssn | Field::DriverLicense | Field::Dob => false,
        }
    }

    /// The error summary in screen order, each entry under its field's visible label;
    /// `node_label` is the label of the picker's select that takes the node's error.
    pub fn summary(&self, node_label: Option<&str>) -> Vec<SummaryEntry> {
        if !self.summary_shown {
            return Vec::new();
        }
        let fields = self.errors.iter().map(|(field, message)| {
            let label = match (field, node_label) {
                (Field::Node, Some(label)) => label,
                _ => field.label(),
            };
            SummaryEntry {
                field: Some(field),
                label: label.to_owned(),
                message: message.to_owned(),
            }
        });
        let others = self.other_errors.iter().map(|message| SummaryEntry {
            field: None,
            label: String::new(),
            message: message.clone(),
        });
        fields.chain(others).collect()
    }

    fn check(&mut self, field: Field) {
        match validate_order_field(&self.draft, self.rules, field) {
            Some(message) => {
                self.errors.insert(field, message);
            }
            None => self.errors.remove(field),
        }
    }

    /// Chooses a node and drops the package when the node does not offer it.
    pub fn choose_node(&mut self, node: Option<String>, catalog: &Catalog) {
        self.draft.node = node;
        if !self.draft.package.is_empty()
            && !catalog.is_offered(self.draft.node.as_deref(), &self.draft.package)
        {
            self.draft.package.clear();
        }
        if self.touched.contains(Field::Node) || self.errors.contains(Field::Node) {
            self.check(Field::Node);
        }
    }

    /// Validates everything; on failure keeps the messages and returns the first field to fix.
    pub fn submit(&mut self) -> Result<OrderDraft, Option<Field>> {
        self.other_errors.clear();
        self.touched = Touched::ALL;
        self.pressing = false;
        self.held = Touched::NONE;
        match validate_order(&self.draft, self.rules) {
            Ok(_) => {
                self.errors.clear();
                self.summary_shown = false;
                Ok(self.draft.clone())
            }
            Err(errors) => {
                let first = errors.first();
                self.errors = errors;
                self.summary_shown = true;
                Err(first)
            }
        }
    }

    /// Shows the proxy's field errors beside the fields.
    pub fn server_errors(&mut self, errors: FieldErrors, other: Vec<String>) -> Option<Field> {
        let first = errors.first();
        self.errors = errors;
        self.other_errors = other;
        self.summary_shown = true;
        first
    }

    /// Clears what to order but keeps the candidate, for "Order another check".
    pub fn another(&mut self) {
        self.draft.package.clear();
        self.draft.node = None;
        self.errors.clear();
        self.other_errors.clear();
        self.summary_shown = false;
        self.touched = Touched::NONE;
    }
}

/// The fields the user has left at least once, one bit per field: a set type would add its
/// own code to the wasm for what fits in a word.
#[derive(Clone, Copy, Default)]
struct Touched(u32);

// Every field needs its own bit: each discriminant must be a valid shift.
const _: () = {
    let mut at = 0;
    while at < Field::ALL.len() {
        assert!((Field::ALL[at] as u32) < u32::BITS);
        at += 1;
    }
};

impl Touched {
    const NONE: Self = Self(0);
    const ALL: Self = Self(u32::MAX);

    const fn bit(field: Field) -> u32 {
        1 << (field as u32)
    }

    fn insert(&mut self, field: Field) {
        self.0 |= Self::bit(field);
    }

    const fn contains(self, field: Field) -> bool {
        self.0 & Self::bit(field) != 0
    }
}

/// Candidate values the host fills in.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Prefill {
    /// The ATS applicant id; makes the field read-only.
    pub custom_id: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Work country (ISO code).
    pub country: Option<String>,
    /// Work state (when US).
    pub state: Option<String>,
    /// Work city.
    pub city: Option<String>,
    /// Tags for the report (attribute `tags`, option `tags`), sent with the order.
    pub tags: Vec<String>,
}

/// The badge an order shows, from the shared status mapping.
pub fn badge_of(order: &Order, customer: CustomerType) -> Badge {
    order_badge(order.step, &order.status, customer)
}

/// Puts `order` into `orders` (newest first), replacing the one with its id. Returns the
/// badge label change the host should hear about, if any.
pub fn upsert(orders: &mut Vec<Order>, order: Order) -> bool {
    match orders.iter_mut().find(|existing| existing.id == order.id) {
        Some(existing) => {
            let changed = existing.step != order.step || existing.status != order.status;
            *existing = order;
            changed
        }
        None => {
            orders.insert(0, order);
            true
        }
    }
}

/// The display name of a package slug in `catalog`, else the slug itself.
pub fn package_name(catalog: Option<&Catalog>, slug: &str) -> String {
    catalog
        .and_then(|catalog| catalog.packages.iter().find(|package| package.slug == slug))
        .map_or_else(
            || {
                crate::domain::continuous::continuous_package_name(slug)
                    .map_or_else(|| slug.to_owned(), str::to_owned)
            },
            |package| package.name.clone(),
        )
}

/// The price of the chosen package, shown beside its select: narrow selects cut the end of
/// their option text, where the price is.
pub fn package_price(catalog: &Catalog, slug: &str) -> Option<String> {
    catalog
        .packages
        .iter()
        .find(|package| package.slug == slug)
        .and_then(|package| package.price_display())
}
