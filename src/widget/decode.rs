//! Reads the proxy's JSON (already parsed by the browser) into the widget's types, and writes
//! the order draft back. Written by hand rather than derived: one small reader per type costs
//! a fraction of what generic deserialisation adds to the wasm the host page downloads.
//!
//! The rules follow the wire types' declarations: a required field that is missing or of the
//! wrong type fails the whole value; an optional one may be absent or `null`.

use js_sys::{Array, JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::domain::checkr::{
    Adjudication, Assessment, CustomerType, InvitationState, InvitationStatus, OrderStatus,
    ReportResult, ReportState, ReportStatus,
};
use crate::domain::hierarchy::{Catalog, Hierarchy, Node, Package};
use crate::domain::order::OrderStep;
use crate::domain::time::Timestamp;
use crate::domain::validation::{CandidateDraft, OrderDraft};

use super::wire::{
    CatalogView, ConnectLinks, Connection, ErrorBody, Failure, Order, Provider, ProviderDetail,
    Role, Session,
};

/// `value[key]`, or `None` when it is absent or `null` (or `value` is no object).
pub fn field(value: &JsValue, key: &str) -> Option<JsValue> {
    if !value.is_object() {
        return None;
    }
    Reflect::get(value, &JsValue::from_str(key))
        .ok()
        .filter(|found| !found.is_undefined() && !found.is_null())
}

/// A required string.
pub(super) fn text(value: &JsValue, key: &str) -> Option<String> {
    field(value, key)?.as_string()
}

/// An optional string: `Some(None)` when absent, `None` when of the wrong type.
pub(super) fn optional_text(value: &JsValue, key: &str) -> Option<Option<String>> {
    match field(value, key) {
        None => Some(None),
        Some(found) => found.as_string().map(Some),
    }
}

/// A string that defaults to empty.
pub(super) fn text_or_empty(value: &JsValue, key: &str) -> Option<String> {
    optional_text(value, key).map(Option::unwrap_or_default)
}

/// A boolean that defaults to false.
pub(super) fn flag(value: &JsValue, key: &str) -> Option<bool> {
    match field(value, key) {
        None => Some(false),
        Some(found) => found.as_bool(),
    }
}

/// An optional whole number no greater than `max`.
fn optional_count(value: &JsValue, key: &str, max: f64) -> Option<Option<u64>> {
    let Some(found) = field(value, key) else {
        return Some(None);
    };
    let number = found.as_f64()?;
    if number >= 0.0 && number <= max && number.trunc() == number {
        Some(Some(number as u64))
    } else {
        None
    }
}

/// An optional HTTP status.
fn optional_status(value: &JsValue, key: &str) -> Option<Option<u16>> {
    optional_count(value, key, f64::from(u16::MAX)).map(|status| status.map(|s| s as u16))
}

/// A list whose items all decode; absent means empty.
fn list<T>(value: &JsValue, key: &str, item: fn(&JsValue) -> Option<T>) -> Option<Vec<T>> {
    let Some(found) = field(value, key) else {
        return Some(Vec::new());
    };
    items(&found, item)
}

/// Every item of the array `value`, or `None` when it is no array or an item does not decode.
pub fn items<T>(value: &JsValue, item: fn(&JsValue) -> Option<T>) -> Option<Vec<T>> {
    if !Array::is_array(value) {
        return None;
    }
    // A plain loop rather than `collect` into `Option<Vec<_>>`: the iterator adapters behind
    // that are instantiated again for every item type.
    let mut decoded = Vec::new();
    for entry in Array::from(value).iter() {
        decoded.push(item(&entry)?);
    }
    Some(decoded)
}

fn string_item(value: &JsValue) -> Option<String> {
    value.as_string()
}

/// An enum named by a string, through `parse`.
pub(super) fn named<T>(value: &JsValue, key: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
    parse(&text(value, key)?)
}

/// An optional enum named by a string.
pub(super) fn optional_named<T>(
    value: &JsValue,
    key: &str,
    parse: fn(&str) -> Option<T>,
) -> Option<Option<T>> {
    match field(value, key) {
        None => Some(None),
        Some(found) => parse(&found.as_string()?).map(Some),
    }
}

/// An optional nested object.
pub(super) fn nested<T>(
    value: &JsValue,
    key: &str,
    read: fn(&JsValue) -> Option<T>,
) -> Option<Option<T>> {
    match field(value, key) {
        None => Some(None),
        Some(found) => read(&found).map(Some),
    }
}

fn connection(name: &str) -> Option<Connection> {
    match name {
        "not_connected" => Some(Connection::NotConnected),
        "connected" => Some(Connection::Connected),
        "deauthorized" => Some(Connection::Deauthorized),
        _ => None,
    }
}

fn customer_type(name: &str) -> Option<CustomerType> {
    [CustomerType::Combined, CustomerType::Segregated]
        .into_iter()
        .find(|kind| kind.as_str() == name)
}

fn invitation_status(name: &str) -> Option<InvitationStatus> {
    match name {
        "pending" => Some(InvitationStatus::Pending),
        "completed" => Some(InvitationStatus::Completed),
        "expired" => Some(InvitationStatus::Expired),
        "deleted" => Some(InvitationStatus::Deleted),
        _ => None,
    }
}

/// Any status this version does not know reads as unrecognised, as the wire type declares.
fn report_status(name: &str) -> Option<ReportStatus> {
    Some(match name {
        "pending" => ReportStatus::Pending,
        "paused" => ReportStatus::Paused,
        "complete" => ReportStatus::Complete,
        "suspended" => ReportStatus::Suspended,
        "dispute" => ReportStatus::Dispute,
        "canceled" => ReportStatus::Canceled,
        _ => ReportStatus::Unrecognized,
    })
}

fn report_result(name: &str) -> Option<ReportResult> {
    match name {
        "clear" => Some(ReportResult::Clear),
        "consider" => Some(ReportResult::Consider),
        _ => None,
    }
}

fn adjudication(name: &str) -> Option<Adjudication> {
    match name {
        "engaged" => Some(Adjudication::Engaged),
        "pre_adverse_action" => Some(Adjudication::PreAdverseAction),
        "post_adverse_action" => Some(Adjudication::PostAdverseAction),
        _ => None,
    }
}

fn assessment(name: &str) -> Option<Assessment> {
    match name {
        "eligible" => Some(Assessment::Eligible),
        "review" => Some(Assessment::Review),
        "escalated" => Some(Assessment::Escalated),
        _ => None,
    }
}

fn connect_links(value: &JsValue) -> Option<ConnectLinks> {
    Some(ConnectLinks {
        signup_url: text(value, "signup_url")?,
        signin_url: text(value, "signin_url")?,
    })
}

/// `GET /api/session`.
pub fn session(value: &JsValue) -> Option<Session> {
    Some(Session {
        account_name: text_or_empty(value, "account_name")?,
        role: named(value, "role", Role::parse)?,
        customer_type: optional_named(value, "customer_type", customer_type)?.unwrap_or_default(),
        connection: named(value, "connection", connection)?,
        credentialed: flag(value, "credentialed")?,
        connect: nested(value, "connect", connect_links)?,
        // Proxies from before KarmaCheck only served Checkr accounts.
        provider: optional_named(value, "provider", Provider::parse)?.unwrap_or(Provider::Checkr),
    })
}

fn package(value: &JsValue) -> Option<Package> {
    Some(Package {
        slug: text(value, "slug")?,
        name: text(value, "name")?,
        // JavaScript numbers are exact up to 2^53.
        price_cents: optional_count(value, "price", 9_007_199_254_740_992.0)?,
    })
}

fn node(value: &JsValue) -> Option<Node> {
    Some(Node {
        custom_id: text(value, "custom_id")?,
        name: text(value, "name")?,
        tier: optional_text(value, "tier")?,
        parent_custom_id: optional_text(value, "parent_custom_id")?,
        packages: list(value, "packages", string_item)?,
    })
}

fn hierarchy(value: &JsValue) -> Option<Hierarchy> {
    match text(value, "kind")?.as_str() {
        "not_enabled" => Some(Hierarchy::NotEnabled),
        "nodes" => Some(Hierarchy::Nodes(items(&field(value, "nodes")?, node)?)),
        _ => None,
    }
}

/// `GET /api/catalog`.
pub fn catalog(value: &JsValue) -> Option<CatalogView> {
    Some(CatalogView {
        catalog: Catalog {
            packages: items(&field(value, "packages")?, package)?,
            hierarchy: hierarchy(&field(value, "hierarchy")?)?,
        },
        node_required: flag(value, "node_required")?,
    })
}

pub(super) fn failure(value: &JsValue) -> Option<Failure> {
    Some(Failure {
        status: optional_status(value, "status")?,
        message: text_or_empty(value, "message")?,
    })
}

fn invitation(value: &JsValue) -> Option<InvitationState> {
    Some(InvitationState {
        id: text(value, "id")?,
        status: named(value, "status", invitation_status)?,
        report_id: optional_text(value, "report_id")?,
    })
}

fn report(value: &JsValue) -> Option<ReportState> {
    Some(ReportState {
        id: text(value, "id")?,
        status: named(value, "status", report_status)?,
        result: optional_named(value, "result", report_result)?,
        adjudication: optional_named(value, "adjudication", adjudication)?,
        assessment: optional_named(value, "assessment", assessment)?,
        includes_canceled: flag(value, "includes_canceled")?,
    })
}

fn timestamp(value: &JsValue) -> Option<Timestamp> {
    Timestamp::parse(&value.as_string()?).ok()
}

fn order_status(value: &JsValue) -> Option<OrderStatus> {
    if !value.is_object() {
        return None;
    }
    Some(OrderStatus {
        invitation: nested(value, "invitation", invitation)?,
        report: nested(value, "report", report)?,
        estimated_completion_time: nested(value, "estimated_completion_time", timestamp)?,
    })
}

/// One order, from a response or a live event.
pub fn order(value: &JsValue) -> Option<Order> {
    Some(Order {
        id: text(value, "id")?,
        custom_id: text_or_empty(value, "custom_id")?,
        package: text_or_empty(value, "package")?,
        candidate_id: optional_text(value, "candidate_id")?,
        step: named(value, "step", OrderStep::parse)?,
        can_retry: flag(value, "can_retry")?,
        busy: flag(value, "busy")?,
        failure: nested(value, "failure", failure)?,
        status: nested(value, "status", order_status)?.unwrap_or_default(),
        eta: optional_text(value, "eta")?,
        report_url: optional_text(value, "report_url")?,
        cancellation_reasons: list(value, "cancellation_reasons", string_item)?,
        tags: list(value, "tags", string_item)?,
    })
}

fn provider(value: &JsValue) -> Option<ProviderDetail> {
    Some(ProviderDetail {
        status: optional_status(value, "status")?,
        message: text_or_empty(value, "message")?,
    })
}

/// `field name → message`; absent means none.
fn messages(value: &JsValue, key: &str) -> Option<Vec<(String, String)>> {
    let Some(found) = field(value, key) else {
        return Some(Vec::new());
    };
    let object: &Object = found.dyn_ref()?;
    let mut messages = Vec::new();
    for entry in Object::entries(object).iter() {
        let pair = Array::from(&entry);
        messages.push((pair.get(0).as_string()?, pair.get(1).as_string()?));
    }
    Some(messages)
}

/// `GET /api/orders?custom_id=…`: each applicant with its orders, newest first.
pub fn orders_by_candidate(value: &JsValue) -> Option<Vec<(String, Vec<Order>)>> {
    let candidates = field(value, "candidates")?;
    let object: &Object = candidates.dyn_ref()?;
    let mut decoded = Vec::new();
    for entry in Object::entries(object).iter() {
        let pair = Array::from(&entry);
        decoded.push((pair.get(0).as_string()?, items(&pair.get(1), order)?));
    }
    Some(decoded)
}

/// The proxy's error body.
pub fn error_body(value: &JsValue) -> Option<ErrorBody> {
    if !value.is_object() {
        return None;
    }
    Some(ErrorBody {
        code: text_or_empty(value, "code")?,
        message: text_or_empty(value, "message")?,
        fields: messages(value, "fields")?,
        provider: nested(value, "provider", provider)?,
        // A KarmaCheck error carries its case order, which is no Checkr order: the rest of
        // the body (code, message, provider detail) must still be read.
        order: nested(value, "order", order).flatten(),
    })
}

/// `{"token": "..."}` from the host's session endpoint.
pub fn minted_token(value: &JsValue) -> Option<String> {
    text(value, "token")
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

fn text_value(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn optional_value(text: Option<&String>) -> JsValue {
    text.map_or(JsValue::NULL, |text| JsValue::from_str(text))
}

fn candidate(draft: &CandidateDraft) -> Object {
    let object = Object::new();
    set(&object, "first_name", &text_value(&draft.first_name));
    set(
        &object,
        "middle_name",
        &optional_value(draft.middle_name.as_ref()),
    );
    set(
        &object,
        "no_middle_name",
        &JsValue::from_bool(draft.no_middle_name),
    );
    set(&object, "last_name", &text_value(&draft.last_name));
    set(&object, "email", &text_value(&draft.email));
    set(&object, "phone", &optional_value(draft.phone.as_ref()));
    set(&object, "zipcode", &optional_value(draft.zipcode.as_ref()));
    set(&object, "custom_id", &text_value(&draft.custom_id));
    let location = Object::new();
    let work = &draft.work_location;
    set(&location, "country", &text_value(&work.country));
    // Absent rather than null, as the proxy's type declares.
    if let Some(state) = &work.state {
        set(&location, "state", &text_value(state));
    }
    if let Some(city) = &work.city {
        set(&location, "city", &text_value(city));
    }
    set(&object, "work_location", &location);
    // The refused identifiers (SSN, date of birth, licence) are never sent.
    object
}

/// The body of `POST /api/orders`.
pub fn draft_json(draft: &OrderDraft) -> String {
    let object = Object::new();
    set(&object, "candidate", &candidate(&draft.candidate));
    set(&object, "package", &text_value(&draft.package));
    set(&object, "node", &optional_value(draft.node.as_ref()));
    if !draft.tags.is_empty() {
        let tags = Array::new();
        for tag in &draft.tags {
            tags.push(&text_value(tag));
        }
        set(&object, "tags", &tags);
    }
    JSON::stringify(&object)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_else(|| "{}".to_owned())
}
