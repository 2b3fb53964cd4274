//! The widget in headless Chromium, with the network stubbed at its transport: account
//! states, the node picker, validation, ordering, retry, status badges, live updates and
//! unmounting.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Only the rows and `fold` are used here; the vectors' own checks run in tests/web.rs.
#[allow(dead_code)]
#[macro_use]
#[path = "vectors/checkr.rs"]
mod vectors;

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use bgcheck::domain::checkr::CustomerType;
use bgcheck::domain::order::OrderStep;
use bgcheck::domain::view::{Role, Viewer, shape_order};
use bgcheck::widget::decode;
use bgcheck::widget::host::MountOptions;
use bgcheck::widget::model::{Prefill, badge_of};
use bgcheck::widget::transport::{
    HttpRequest, HttpResponse, Listener, Method, NetworkError, Sent, Transport,
};
use bgcheck::widget::{WidgetHandle, mount_with};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

const PROXY: &str = "http://proxy.test";

// ---------------------------------------------------------------------------------------
// The stub transport

#[derive(Clone)]
enum Reply {
    Json(u16, String),
    /// Answered only once the test opens the gate, so nothing races the reply.
    Held(u16, String, Gate),
    Offline,
}

/// A promise the test resolves explicitly: what a held reply waits for.
#[derive(Clone)]
struct Gate {
    promise: js_sys::Promise,
    resolve: Rc<RefCell<Option<js_sys::Function>>>,
}

impl Gate {
    fn new() -> Self {
        let resolve = Rc::new(RefCell::new(None));
        let slot = Rc::clone(&resolve);
        let promise = js_sys::Promise::new(&mut |done, _| {
            slot.replace(Some(done));
        });
        Self { promise, resolve }
    }

    fn open(&self) {
        if let Some(done) = self.resolve.borrow_mut().take() {
            done.call0(&JsValue::NULL).unwrap();
        }
    }
}

struct Route {
    method: Method,
    url: String,
    replies: Vec<Reply>,
}

/// Answers requests from a table; the last reply of a route repeats.
#[derive(Default)]
struct Stub {
    routes: RefCell<Vec<Route>>,
    sent: RefCell<Vec<HttpRequest>>,
    live: RefCell<Option<Listener>>,
    stream_open: Rc<Cell<bool>>,
    refuse_stream: Cell<bool>,
    stream_urls: RefCell<Vec<String>>,
}

impl Stub {
    fn new() -> Rc<Self> {
        Rc::new(Self::default())
    }

    fn on(&self, method: Method, path: &str, reply: Reply) -> &Self {
        let url = if path.starts_with('/') && !path.starts_with("/host") {
            format!("{PROXY}{path}")
        } else {
            path.to_owned()
        };
        let mut routes = self.routes.borrow_mut();
        match routes
            .iter_mut()
            .find(|route| route.method == method && route.url == url)
        {
            Some(route) => route.replies.push(reply),
            None => routes.push(Route {
                method,
                url,
                replies: vec![reply],
            }),
        }
        self
    }

    fn get(&self, path: &str, status: u16, json: &str) -> &Self {
        self.on(Method::Get, path, Reply::Json(status, json.to_owned()))
    }

    fn post(&self, path: &str, status: u16, json: &str) -> &Self {
        self.on(Method::Post, path, Reply::Json(status, json.to_owned()))
    }

    fn requests(&self, method: Method, path: &str) -> Vec<HttpRequest> {
        let url = format!("{PROXY}{path}");
        self.sent
            .borrow()
            .iter()
            .filter(|request| request.method == method && request.url == url)
            .cloned()
            .collect()
    }

    /// Reports the live stream broken, as `EventSource` does when the proxy ends it.
    fn break_live(&self) {
        let on_broken = Rc::clone(
            &self
                .live
                .borrow()
                .as_ref()
                .expect("the widget listens for live events")
                .on_broken,
        );
        on_broken();
    }

    fn push_live(&self, json: &str) {
        let listener = self.live.borrow();
        let listener = listener
            .as_ref()
            .expect("the widget listens for live events");
        (listener.on_order)(js_sys::JSON::parse(json).unwrap());
    }
}

struct StreamGuard(Rc<Cell<bool>>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl Stub {
    /// The reply to one route, consuming it unless it is the route's last.
    fn reply_to(&self, method: Method, url: &str) -> Option<Reply> {
        let mut routes = self.routes.borrow_mut();
        routes
            .iter_mut()
            .find(|route| route.method == method && route.url == url)
            .map(|route| {
                if route.replies.len() > 1 {
                    route.replies.remove(0)
                } else {
                    route.replies[0].clone()
                }
            })
    }

    /// `GET /api/orders?custom_id=…` answered from the per-applicant routes, as the proxy
    /// answers it: one entry per applicant; the first failing applicant fails the call.
    fn batched_reply(&self, url: &str) -> Option<Reply> {
        let query = url.strip_prefix(&format!("{PROXY}/api/orders?"))?;
        let mut candidates = Vec::new();
        let mut held = None;
        for pair in query.split('&') {
            let id = pair.strip_prefix("custom_id=")?;
            let id = js_sys::decode_uri_component(id)
                .unwrap()
                .as_string()
                .unwrap();
            let single = format!("{PROXY}/api/candidates/{id}/orders");
            let (status, json) = match self.reply_to(Method::Get, &single) {
                None => (200, "[]".to_owned()),
                Some(Reply::Offline) => return Some(Reply::Offline),
                Some(Reply::Json(status, json)) => (status, json),
                Some(Reply::Held(status, json, gate)) => {
                    held = Some(gate);
                    (status, json)
                }
            };
            if status != 200 {
                return Some(Reply::Json(status, json));
            }
            candidates.push(format!("{}:{json}", serde_json_string(&id)));
        }
        let body = format!(r#"{{"candidates":{{{}}}}}"#, candidates.join(","));
        Some(match held {
            Some(gate) => Reply::Held(200, body, gate),
            None => Reply::Json(200, body),
        })
    }
}

fn serde_json_string(text: &str) -> String {
    js_sys::JSON::stringify(&JsValue::from_str(text))
        .unwrap()
        .as_string()
        .unwrap()
}

impl Transport for Stub {
    fn send(&self, request: HttpRequest) -> Sent {
        self.sent.borrow_mut().push(request.clone());
        let reply = self
            .reply_to(request.method, &request.url)
            .or_else(|| match request.method {
                Method::Get => self.batched_reply(&request.url),
                Method::Post | Method::Put | Method::Delete => None,
            });
        Box::pin(async move {
            let (status, json) = match reply {
                None => (
                    404,
                    r#"{"code":"not_found","message":"no stub"}"#.to_owned(),
                ),
                Some(Reply::Offline) => return Err(NetworkError),
                Some(Reply::Json(status, json)) => (status, json),
                Some(Reply::Held(status, json, gate)) => {
                    wasm_bindgen_futures::JsFuture::from(gate.promise)
                        .await
                        .unwrap();
                    (status, json)
                }
            };
            Ok(HttpResponse {
                status,
                body: js_sys::JSON::parse(&json).unwrap(),
            })
        })
    }

    fn listen(&self, url: &str, listener: Listener) -> Option<Box<dyn Any>> {
        self.stream_urls.borrow_mut().push(url.to_owned());
        if self.refuse_stream.get() {
            return None;
        }
        self.live.replace(Some(listener));
        self.stream_open.set(true);
        Some(Box::new(StreamGuard(Rc::clone(&self.stream_open))))
    }
}

// ---------------------------------------------------------------------------------------
// Fixtures

fn session(role: &str, customer: &str, connection: &str, credentialed: bool) -> String {
    let connect = if role == "admin" {
        r#","connect":{"signup_url":"https://signup.test/","signin_url":"https://signin.test/"}"#
    } else {
        ""
    };
    format!(
        r#"{{"account_id":"acme","account_name":"Acme","user_id":"u1","role":"{role}","customer_type":"{customer}","connection":"{connection}","credentialed":{credentialed}{connect}}}"#
    )
}

fn ready_session() -> String {
    session("recruiter", "combined", "connected", true)
}

const PACKAGES: &str = r#"[{"slug":"basic","name":"Basic","price":2900},{"slug":"pro","name":"Pro","price":7900},{"slug":"intl","name":"International"}]"#;

fn catalog(hierarchy: &str, node_required: bool) -> String {
    format!(r#"{{"packages":{PACKAGES},"hierarchy":{hierarchy},"node_required":{node_required}}}"#)
}

const NOT_ENABLED: &str = r#"{"kind":"not_enabled"}"#;
const NO_NODES: &str = r#"{"kind":"nodes","nodes":[]}"#;
const TREE: &str = r#"{"kind":"nodes","nodes":[
  {"custom_id":"west","name":"West","tier":"Region","packages":["basic"]},
  {"custom_id":"east","name":"East","tier":"Region","packages":[]},
  {"custom_id":"sf","name":"San Francisco","tier":"Branch","parent_custom_id":"west","packages":["basic"]},
  {"custom_id":"la","name":"Los Angeles","tier":"Branch","parent_custom_id":"west","packages":["basic","pro"]}
]}"#;

fn order_json(id: &str, step: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"{id}","custom_id":"A-1042","package":"basic","node":null,"region":"us","step":"{step}","can_retry":{},"failure":null,"candidate_id":"cand_1","invitation_id":null,"status":{{}},"eta":null,"ordered_by":"u1","created_at":"2026-11-21T10:00:00Z","updated_at":"2026-11-21T10:00:00Z"{extra}}}"#,
        step != "invited"
    )
}

/// A stub for a ready account with no hierarchy and no orders yet.
fn ready_stub(hierarchy: &str, node_required: bool) -> Rc<Stub> {
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(hierarchy, node_required))
        .get("/api/candidates/A-1042/orders", 200, "[]");
    stub
}

fn options() -> MountOptions {
    MountOptions {
        proxy_url: PROXY.to_owned(),
        session_token: Some("demo:acme:u1:recruiter".to_owned()),
        prefill: Prefill {
            custom_id: Some("A-1042".to_owned()),
            ..Prefill::default()
        },
        ..MountOptions::default()
    }
}

struct Mounted {
    host: HtmlElement,
    root: ShadowRoot,
    handle: WidgetHandle,
    events: Rc<RefCell<Vec<(String, JsValue)>>>,
    _listeners: Vec<Closure<dyn Fn(web_sys::CustomEvent)>>,
}

async fn mount(stub: &Rc<Stub>, options: MountOptions) -> Mounted {
    let mounted = mount_now(stub, options);
    settle().await;
    mounted
}

/// Mounts without waiting, so several widgets can mount in one tick as a page's list does.
fn mount_now(stub: &Rc<Stub>, options: MountOptions) -> Mounted {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let events = Rc::new(RefCell::new(Vec::new()));
    let mut listeners = Vec::new();
    for name in [
        "bgcheck:ready",
        "bgcheck:ordered",
        "bgcheck:status",
        "bgcheck:error",
        "bgcheck:open",
        "bgcheck:disconnected",
    ] {
        let events = Rc::clone(&events);
        let listener =
            Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
                assert!(
                    event.bubbles() && event.composed(),
                    "widget events bubble out of the shadow root"
                );
                events.borrow_mut().push((event.type_(), event.detail()));
            });
        host.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
            .unwrap();
        listeners.push(listener);
    }
    let transport: Rc<dyn Transport> = stub.clone();
    let handle = mount_with(host.clone(), options, transport).expect("mounts");
    let root = host.shadow_root().expect("a shadow root");
    Mounted {
        host,
        root,
        handle,
        events,
        _listeners: listeners,
    }
}

impl Mounted {
    fn text(&self) -> String {
        self.root.text_content().unwrap_or_default()
    }

    fn find(&self, selector: &str) -> Option<web_sys::Element> {
        self.root.query_selector(selector).unwrap()
    }

    fn all(&self, selector: &str) -> Vec<web_sys::Element> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|node| node.unchecked_into())
            .collect()
    }

    fn input(&self, field: &str) -> HtmlInputElement {
        self.find(&format!("input[data-field=\"{field}\"]"))
            .unwrap_or_else(|| panic!("an input for {field}"))
            .unchecked_into()
    }

    fn select(&self, selector: &str) -> HtmlSelectElement {
        self.find(selector)
            .unwrap_or_else(|| panic!("a select {selector}"))
            .unchecked_into()
    }

    fn type_into(&self, field: &str, value: &str) {
        let input = self.input(field);
        input.set_value(value);
        fire(&input, "input");
    }

    fn choose(&self, selector: &str, value: &str) {
        let select = self.select(selector);
        select.set_value(value);
        assert_eq!(select.value(), value, "{selector} offers {value}");
        fire(&select, "change");
    }

    fn click(&self, selector: &str) {
        let button: HtmlElement = self
            .find(selector)
            .unwrap_or_else(|| panic!("a {selector}"))
            .unchecked_into();
        button.click();
    }

    fn button_with(&self, text: &str) -> HtmlElement {
        self.all("button")
            .into_iter()
            .find(|button| button.text_content().unwrap_or_default().contains(text))
            .unwrap_or_else(|| panic!("a button saying {text:?} in {:?}", self.text()))
            .unchecked_into()
    }

    fn option_values(&self, selector: &str) -> Vec<String> {
        self.all(&format!("{selector} option"))
            .into_iter()
            .map(|option| option.get_attribute("value").unwrap_or_default())
            .filter(|value| !value.is_empty())
            .collect()
    }

    fn events(&self, name: &str) -> Vec<JsValue> {
        self.events
            .borrow()
            .iter()
            .filter(|(kind, _)| kind == name)
            .map(|(_, detail)| detail.clone())
            .collect()
    }

    fn fill_valid_candidate(&self) {
        self.type_into("first_name", "Jordan");
        let no_middle: HtmlInputElement =
            self.find("#bgc-no-middle-name").unwrap().unchecked_into();
        no_middle.set_checked(true);
        fire(&no_middle, "change");
        self.type_into("last_name", "Rivera");
        self.type_into("email", "jordan@example.com");
        self.choose("select[data-field=\"country\"]", "US");
    }

    async fn fill_valid_order(&self) {
        self.fill_valid_candidate();
        settle().await;
        self.choose("select[data-field=\"state\"]", "CA");
        self.type_into("city", "Oakland");
        self.choose("select[data-field=\"package\"]", "basic");
        settle().await;
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.handle.unmount();
        self.host.remove();
    }
}

fn fire(target: &web_sys::EventTarget, name: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict(name, &init).unwrap();
    target.dispatch_event(&event).unwrap();
}

fn prop(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// The element focused inside the widget's shadow root.
fn focused(widget: &Mounted) -> Option<web_sys::Element> {
    widget.root.active_element()
}

/// Lets the stubbed requests resolve and Leptos flush its DOM updates (after a macrotask).
async fn settle() {
    for _ in 0..6 {
        sleep(0).await;
    }
}

// ---------------------------------------------------------------------------------------
// Account states

#[wasm_bindgen_test]
async fn not_connected_admin_sees_sign_up_and_sign_in_buttons() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("admin", "combined", "not_connected", false),
    )
    .get("/api/candidates/A-1042/orders", 200, "[]");
    let widget = mount(&stub, options()).await;
    assert!(widget.text().contains("not connected"), "{}", widget.text());
    widget.button_with("Sign up with Checkr");
    widget.button_with("Sign in to Checkr");
    assert!(
        widget.find("form").is_none(),
        "no ordering before the account is connected"
    );
}

#[wasm_bindgen_test]
async fn not_connected_recruiter_is_told_to_ask_an_admin() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("recruiter", "combined", "not_connected", false),
    )
    .get("/api/candidates/A-1042/orders", 200, "[]");
    let widget = mount(&stub, options()).await;
    assert!(widget.text().contains("Ask an admin"), "{}", widget.text());
    assert!(
        widget.all("button").is_empty(),
        "recruiters get no connect buttons"
    );
}

#[wasm_bindgen_test]
async fn awaiting_credentialing_says_approval_takes_one_to_three_days() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("admin", "combined", "connected", false),
    )
    .get("/api/candidates/A-1042/orders", 200, "[]");
    let widget = mount(&stub, options()).await;
    assert!(
        widget.text().contains("Approval can take 1–3 days"),
        "{}",
        widget.text()
    );
    assert!(widget.find("form").is_none());
    assert!(stub.requests(Method::Get, "/api/catalog").is_empty());
}

#[wasm_bindgen_test]
async fn deauthorized_account_shows_a_friendly_message_and_a_reconnect_path() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("admin", "combined", "deauthorized", true),
    )
    .get("/api/candidates/A-1042/orders", 200, "[]");
    let widget = mount(&stub, options()).await;
    assert!(
        widget.text().contains("no longer connected"),
        "{}",
        widget.text()
    );
    widget.button_with("Reconnect");
    assert!(widget.find("form").is_none());
}

#[wasm_bindgen_test]
async fn ready_account_shows_the_form_and_announces_ready() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    assert!(widget.find("form").is_some(), "{}", widget.text());
    assert_eq!(widget.events("bgcheck:ready").len(), 1);
    assert!(widget.text().contains("No background checks ordered"));
}

#[wasm_bindgen_test]
async fn a_failed_session_load_is_shown_and_can_be_tried_again() {
    let stub = Stub::new();
    stub.on(Method::Get, "/api/session", Reply::Offline)
        .get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
        .get("/api/candidates/A-1042/orders", 200, "[]");
    let widget = mount(&stub, options()).await;
    assert!(
        widget.text().contains("could not be reached"),
        "{}",
        widget.text()
    );
    assert_eq!(prop(&widget.events("bgcheck:error")[0], "code"), "network");
    widget.button_with("Try again").click();
    settle().await;
    assert!(widget.find("form").is_some(), "{}", widget.text());
}

#[wasm_bindgen_test]
async fn an_expired_token_is_renewed_once_through_the_session_path() {
    let stub = Stub::new();
    stub.post("/host/session", 200, r#"{"token":"fresh"}"#)
        .get(
            "/api/session",
            401,
            r#"{"code":"unauthenticated","message":"expired"}"#,
        )
        .get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
        .get("/api/candidates/A-1042/orders", 200, "[]");
    let widget = mount(
        &stub,
        MountOptions {
            session_token: Some("stale".to_owned()),
            session_path: Some("/host/session".to_owned()),
            ..options()
        },
    )
    .await;
    let calls = stub.requests(Method::Get, "/api/session");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].bearer.as_deref(), Some("stale"));
    assert_eq!(calls[1].bearer.as_deref(), Some("fresh"));
    let minted = stub
        .sent
        .borrow()
        .iter()
        .find(|r| r.url == "/host/session")
        .cloned()
        .unwrap();
    assert!(
        minted.with_credentials,
        "the host's session endpoint gets its cookies"
    );
    assert!(widget.find("form").is_some(), "{}", widget.text());
}

// ---------------------------------------------------------------------------------------
// Node picker (R5) and packages

#[wasm_bindgen_test]
async fn no_hierarchy_means_no_picker_and_every_package() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    assert!(widget.find("[data-field=\"node\"]").is_none());
    assert_eq!(
        widget.option_values("select[data-field=\"package\"]"),
        ["basic", "pro", "intl"]
    );
}

#[wasm_bindgen_test]
async fn hierarchy_without_nodes_means_no_picker_and_every_package() {
    let stub = ready_stub(NO_NODES, false);
    let widget = mount(&stub, options()).await;
    assert!(widget.find("[data-field=\"node\"]").is_none());
    assert_eq!(
        widget.option_values("select[data-field=\"package\"]"),
        ["basic", "pro", "intl"]
    );
}

#[wasm_bindgen_test]
async fn nodes_give_cascading_selects_labelled_by_tier_that_refilter_packages() {
    let stub = ready_stub(TREE, true);
    let widget = mount(&stub, options()).await;
    let label = widget.find("label[for=\"bgc-node-0\"]").unwrap();
    assert_eq!(label.text_content().unwrap(), "Region");
    assert_eq!(widget.option_values("#bgc-node-0"), ["west", "east"]);
    assert_eq!(widget.all("[data-field=\"node\"]").len(), 1);

    widget.choose("#bgc-node-0", "west");
    settle().await;
    assert_eq!(
        widget
            .find("label[for=\"bgc-node-1\"]")
            .unwrap()
            .text_content()
            .unwrap(),
        "Branch"
    );
    assert_eq!(widget.option_values("#bgc-node-1"), ["sf", "la"]);
    assert_eq!(
        widget.option_values("select[data-field=\"package\"]"),
        ["basic"],
        "west offers only its packages"
    );

    widget.choose("#bgc-node-1", "la");
    settle().await;
    assert_eq!(
        widget.option_values("select[data-field=\"package\"]"),
        ["basic", "pro"]
    );

    widget.choose("#bgc-node-0", "east");
    settle().await;
    assert_eq!(
        widget.option_values("select[data-field=\"package\"]"),
        ["basic", "pro", "intl"],
        "a node without packages offers every package"
    );
    assert!(widget.find("#bgc-node-1").is_none(), "east has no children");
}

#[wasm_bindgen_test]
async fn switching_branch_shows_no_stale_choice_at_the_level_below() {
    let tree = r#"{"kind":"nodes","nodes":[
      {"custom_id":"west","name":"West","tier":"Region"},
      {"custom_id":"north","name":"North","tier":"Region"},
      {"custom_id":"sf","name":"San Francisco","tier":"Branch","parent_custom_id":"west"},
      {"custom_id":"la","name":"Los Angeles","tier":"Branch","parent_custom_id":"west"},
      {"custom_id":"ny","name":"New York","tier":"Branch","parent_custom_id":"north"},
      {"custom_id":"bos","name":"Boston","tier":"Branch","parent_custom_id":"north"}
    ]}"#;
    let stub = ready_stub(tree, true);
    let widget = mount(&stub, options()).await;
    // Each pick below leaves the browser's own selection on an option the next render reuses.
    for (depth, choice) in [(0, "west"), (1, "la"), (1, ""), (1, "sf"), (0, "north")] {
        widget.choose(&format!("#bgc-node-{depth}"), choice);
        settle().await;
    }
    assert_eq!(widget.option_values("#bgc-node-1"), ["ny", "bos"]);
    assert_eq!(
        widget.select("#bgc-node-1").value(),
        "",
        "no branch of north is chosen yet"
    );

    for (depth, choice) in [(1, "bos"), (0, "west")] {
        widget.choose(&format!("#bgc-node-{depth}"), choice);
        settle().await;
    }
    assert_eq!(widget.option_values("#bgc-node-1"), ["sf", "la"]);
    assert_eq!(
        widget.select("#bgc-node-1").value(),
        "",
        "no branch of west is chosen any more"
    );
}

#[wasm_bindgen_test]
async fn a_package_the_new_node_does_not_offer_is_cleared() {
    let stub = ready_stub(TREE, true);
    let widget = mount(&stub, options()).await;
    widget.choose("#bgc-node-0", "east");
    settle().await;
    widget.choose("select[data-field=\"package\"]", "pro");
    settle().await;
    widget.choose("#bgc-node-0", "west");
    settle().await;
    assert_eq!(widget.select("select[data-field=\"package\"]").value(), "");
}

#[wasm_bindgen_test]
async fn a_level_with_ten_thousand_nodes_gets_type_to_filter() {
    let nodes: Vec<String> = (0..10_000)
        .map(|i| format!(r#"{{"custom_id":"store-{i}","name":"Store {i}","tier":"Store"}}"#))
        .collect();
    let hierarchy = format!(r#"{{"kind":"nodes","nodes":[{}]}}"#, nodes.join(","));
    let stub = ready_stub(&hierarchy, true);
    let started = js_sys::Date::now();
    let widget = mount(&stub, options()).await;
    let elapsed = js_sys::Date::now() - started;
    assert!(
        elapsed < 3_000.0,
        "the picker renders quickly ({elapsed} ms)"
    );
    let filter = widget.find("input.bgc-filter").expect("a filter box");
    assert!(
        widget.option_values("#bgc-node-0").len() <= 200,
        "the select holds a bounded number of options"
    );
    let filter: HtmlInputElement = filter.unchecked_into();
    filter.set_value("Store 9999");
    fire(&filter, "input");
    settle().await;
    assert_eq!(widget.option_values("#bgc-node-0"), ["store-9999"]);
    widget.choose("#bgc-node-0", "store-9999");
    settle().await;
    assert_eq!(widget.select("#bgc-node-0").value(), "store-9999");
}

// ---------------------------------------------------------------------------------------
// The candidate form

#[wasm_bindgen_test]
async fn the_form_asks_for_no_ssn_dob_or_licence_and_labels_every_input() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    let text = widget.text().to_lowercase();
    for banned in ["social security", "date of birth", "licen"] {
        assert!(!text.contains(banned), "the form mentions {banned}");
    }
    for control in widget.all("input, select") {
        let id = control.id();
        let labelled = control.get_attribute("aria-label").is_some()
            || (!id.is_empty() && widget.find(&format!("label[for=\"{id}\"]")).is_some());
        assert!(labelled, "control {id:?} has a label");
    }
    let custom_id = widget.input("custom_id");
    assert_eq!(custom_id.value(), "A-1042");
    assert!(
        custom_id.read_only(),
        "the host's applicant id is read-only"
    );
}

#[wasm_bindgen_test]
async fn a_field_is_checked_when_left_and_fixed_as_typed() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    widget.type_into("email", "jordan@");
    fire(&widget.input("email"), "blur");
    settle().await;
    let error = widget
        .find("#bgc-email-error")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(!error.is_empty(), "an invalid email gets a message");
    assert_eq!(
        widget
            .input("email")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    widget.type_into("email", "jordan@example.com");
    settle().await;
    assert_eq!(
        widget
            .find("#bgc-email-error")
            .unwrap()
            .text_content()
            .unwrap(),
        ""
    );
}

#[wasm_bindgen_test]
async fn submitting_an_empty_form_lists_the_problems_and_focuses_the_first() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    let summary = widget
        .find(".bgc-summary")
        .expect("a summary")
        .text_content()
        .unwrap();
    assert!(
        summary.contains("Enter the candidate's first name"),
        "{summary}"
    );
    assert!(summary.contains("Package"), "{summary}");
    assert!(
        stub.requests(Method::Post, "/api/orders").is_empty(),
        "nothing is sent"
    );
    let focused = widget.root.active_element().expect("something has focus");
    assert_eq!(
        focused.get_attribute("data-field").as_deref(),
        Some("package"),
        "the package select is the first field on screen"
    );
}

#[wasm_bindgen_test]
async fn the_state_is_asked_only_for_us_work_locations() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    assert!(widget.find("select[data-field=\"state\"]").is_none());
    widget.choose("select[data-field=\"country\"]", "US");
    settle().await;
    assert!(
        widget
            .option_values("select[data-field=\"state\"]")
            .contains(&"CA".to_owned())
    );
    widget.choose("select[data-field=\"country\"]", "CA");
    settle().await;
    assert!(widget.find("select[data-field=\"state\"]").is_none());
    assert!(widget.option_values("select[data-field=\"country\"]").len() >= 249);
}

// ---------------------------------------------------------------------------------------
// Ordering, errors and retry

#[wasm_bindgen_test]
async fn a_valid_order_is_sent_and_announced() {
    let stub = ready_stub(NOT_ENABLED, false);
    let reply = Gate::new();
    stub.on(
        Method::Post,
        "/api/orders",
        Reply::Held(201, order_json("ord_1", "invited", ""), reply.clone()),
    );
    let widget = mount(&stub, options()).await;
    widget.fill_valid_order().await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    let submit: web_sys::HtmlButtonElement = widget
        .find("button[type=\"submit\"]")
        .unwrap()
        .unchecked_into();
    assert_eq!(
        submit.get_attribute("aria-disabled").as_deref(),
        Some("true"),
        "submit says it is busy while sending"
    );
    assert!(
        widget.text().contains("Sending the order"),
        "{}",
        widget.text()
    );
    reply.open();
    settle().await;

    let sent = stub.requests(Method::Post, "/api/orders");
    assert_eq!(sent.len(), 1);
    let body = js_sys::JSON::parse(sent[0].body.as_deref().unwrap()).unwrap();
    let candidate = prop(&body, "candidate");
    assert_eq!(prop(&candidate, "first_name"), "Jordan");
    assert_eq!(prop(&candidate, "custom_id"), "A-1042");
    assert_eq!(prop(&prop(&candidate, "work_location"), "state"), "CA");
    assert_eq!(prop(&body, "package"), "basic");
    assert_eq!(sent[0].bearer.as_deref(), Some("demo:acme:u1:recruiter"));

    let ordered = widget.events("bgcheck:ordered");
    assert_eq!(ordered.len(), 1);
    assert_eq!(prop(&ordered[0], "orderId"), "ord_1");
    assert_eq!(prop(&ordered[0], "candidateId"), "cand_1");
    assert_eq!(prop(&ordered[0], "package"), "basic");
    assert!(
        widget.text().contains("Invitation Sent"),
        "{}",
        widget.text()
    );

    widget.button_with("Order another check").click();
    settle().await;
    assert_eq!(
        widget.input("first_name").value(),
        "Jordan",
        "the candidate is kept"
    );
    assert_eq!(widget.select("select[data-field=\"package\"]").value(), "");
}

#[wasm_bindgen_test]
async fn proxy_field_errors_are_shown_beside_their_fields() {
    let stub = ready_stub(NOT_ENABLED, false);
    stub.post(
        "/api/orders",
        422,
        r#"{"code":"invalid","message":"some fields need attention","fields":{"email":"The provider refuses this address"}}"#,
    );
    let widget = mount(&stub, options()).await;
    widget.fill_valid_order().await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    let error = widget
        .find("#bgc-email-error")
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(error, "The provider refuses this address");
    assert_eq!(prop(&widget.events("bgcheck:error")[0], "code"), "invalid");
}

#[wasm_bindgen_test]
async fn a_network_failure_offers_to_try_again() {
    let stub = ready_stub(NOT_ENABLED, false);
    stub.on(Method::Post, "/api/orders", Reply::Offline).post(
        "/api/orders",
        201,
        &order_json("ord_1", "invited", ""),
    );
    let widget = mount(&stub, options()).await;
    widget.fill_valid_order().await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    assert!(
        widget.text().contains("could not be reached"),
        "{}",
        widget.text()
    );
    assert!(
        focused(&widget).is_some_and(|element| element.class_name() == "bgc-summary"),
        "focus moves to the error"
    );
    widget.button_with("Try again").click();
    settle().await;
    assert_eq!(stub.requests(Method::Post, "/api/orders").len(), 2);
    assert_eq!(widget.events("bgcheck:ordered").len(), 1);
}

#[wasm_bindgen_test]
async fn a_failed_invitation_shows_why_and_retry_places_it() {
    let failed = order_json(
        "ord_9",
        "invitation_failed",
        r#","failure":{"status":400,"message":"Package not available for this node"}"#,
    )
    .replace(r#""failure":null,"#, "");
    let stub = ready_stub(NOT_ENABLED, false);
    stub.post(
        "/api/orders",
        422,
        &format!(
            r#"{{"code":"provider_rejected","message":"Checkr refused the invitation.","provider":{{"status":400,"message":"Package not available for this node"}},"order":{failed}}}"#
        ),
    )
    .post("/api/orders/ord_9/retry", 200, &order_json("ord_9", "invited", ""));
    let widget = mount(&stub, options()).await;
    widget.fill_valid_order().await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    let text = widget.text();
    assert_eq!(
        text.matches("Package not available for this node").count(),
        1,
        "Checkr's message is said once: {text}"
    );
    assert!(
        text.contains("(HTTP 400)"),
        "with the provider's status: {text}"
    );
    assert!(text.contains("Not Sent"), "{text}");
    assert!(
        widget.find(".bgc-summary").is_none(),
        "no second box: {text}"
    );
    assert!(
        focused(&widget).is_some_and(|element| element.has_attribute("data-failure")),
        "focus moves to the refused order"
    );
    assert_eq!(
        widget
            .find("button[data-retry]")
            .unwrap()
            .get_attribute("aria-label")
            .as_deref(),
        Some("Retry the Basic order")
    );
    widget.click("button[data-retry]");
    settle().await;
    assert_eq!(
        focused(&widget).and_then(|element| element.get_attribute("data-order")),
        Some("ord_9".to_owned()),
        "after the retry, focus is on the order it placed"
    );
    assert_eq!(
        stub.requests(Method::Post, "/api/orders/ord_9/retry").len(),
        1
    );
    let text = widget.text();
    assert!(text.contains("Invitation Sent"), "{text}");
    assert!(widget.find("button[data-retry]").is_none());
    assert_eq!(
        prop(&widget.events("bgcheck:ordered")[0], "orderId"),
        "ord_9"
    );
}

#[wasm_bindgen_test]
async fn a_busy_checkr_is_shown_as_retrying_and_the_order_goes_out_later() {
    let busy = order_json("ord_1", "drafted", r#","busy":true"#)
        .replace(r#""can_retry":true"#, r#""can_retry":false"#);
    let stub = ready_stub(NOT_ENABLED, false);
    stub.post("/api/orders", 202, &busy);
    let widget = mount(&stub, options()).await;
    widget.fill_valid_order().await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    let text = widget.text();
    assert!(text.contains("Checkr is busy, retrying"), "{text}");
    assert!(text.contains("Status: Sending."), "{text}");
    assert!(!text.contains("refused"), "not shown as a failure: {text}");
    assert!(widget.find(".bgc-summary").is_none(), "{text}");
    assert!(
        widget.find("button[data-retry]").is_none(),
        "the proxy retries by itself"
    );
    assert!(widget.events("bgcheck:error").is_empty());

    stub.push_live(&order_json("ord_1", "invited", ""));
    settle().await;
    let text = widget.text();
    assert!(text.contains("Status: Invitation Sent."), "{text}");
    assert!(!text.contains("Checkr is busy"), "{text}");
}

#[wasm_bindgen_test]
async fn an_order_someone_is_sending_shows_sending_and_offers_no_retry() {
    let sending = order_json("ord_3", "candidate_created", "")
        .replace(r#""can_retry":true"#, r#""can_retry":false"#);
    let interrupted = order_json("ord_4", "candidate_created", "");
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
        .get(
            "/api/candidates/A-1042/orders",
            200,
            &format!("[{sending},{interrupted}]"),
        )
        // A Retry that finds another sender at work: the order as it stands, still sending.
        .post(
            "/api/orders/ord_4/retry",
            202,
            &sending.replace("ord_3", "ord_4"),
        );
    let widget = mount(&stub, options()).await;
    let row = |id: &str| {
        widget
            .find(&format!("[data-order=\"{id}\"]"))
            .unwrap()
            .text_content()
            .unwrap()
    };
    assert!(row("ord_3").contains("Sending"), "{}", row("ord_3"));
    assert!(
        widget
            .find("[data-order=\"ord_3\"] button[data-retry]")
            .is_none()
    );
    assert!(row("ord_4").contains("interrupted"), "{}", row("ord_4"));
    widget.click("[data-order=\"ord_4\"] button[data-retry]");
    settle().await;
    assert!(
        widget
            .find("[data-order=\"ord_4\"] button[data-retry]")
            .is_none()
    );
    assert!(row("ord_4").contains("Sending"), "{}", row("ord_4"));
    assert!(
        !row("ord_4").contains("could not"),
        "no error: {}",
        row("ord_4")
    );
}

// ---------------------------------------------------------------------------------------
// Orders and live status

#[wasm_bindgen_test]
async fn the_report_link_is_shown_only_when_the_proxy_sends_one() {
    let stub = Stub::new();
    let orders = format!(
        "[{},{}]",
        order_json(
            "ord_a",
            "invited",
            r#","report_url":"https://dashboard.test/reports/rpt_1""#
        ),
        order_json("ord_b", "invited", "")
    );
    stub.get(
        "/api/session",
        200,
        &session("adjudicator", "combined", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get("/api/candidates/A-1042/orders", 200, &orders);
    let widget = mount(&stub, options()).await;
    let links = widget.all("a.bgc-link");
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].get_attribute("href").as_deref(),
        Some("https://dashboard.test/reports/rpt_1")
    );
    assert!(widget.find("[data-order=\"ord_a\"] a").is_some());
    assert!(widget.find("[data-order=\"ord_b\"] a").is_none());
}

#[wasm_bindgen_test]
async fn eta_and_cancellation_reasons_are_shown_to_segregated_customers() {
    let stub = Stub::new();
    let orders = format!(
        "[{}]",
        order_json(
            "ord_a",
            "invited",
            r#","cancellation_reasons":["Candidate did not respond"]"#
        )
        .replace(r#""eta":null"#, r#""eta":"Nov 27, 2026""#)
    );
    stub.get(
        "/api/session",
        200,
        &session("recruiter", "segregated", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get("/api/candidates/A-1042/orders", 200, &orders);
    let widget = mount(&stub, options()).await;
    let text = widget.text();
    assert!(
        text.contains("Estimated completion: Nov 27, 2026"),
        "{text}"
    );
    assert!(text.contains("Candidate did not respond"), "{text}");
}

#[wasm_bindgen_test]
async fn a_live_event_updates_the_badge_and_announces_the_status() {
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
        .get(
            "/api/candidates/A-1042/orders",
            200,
            &format!("[{}]", order_json("ord_1", "invited", "")),
        );
    let widget = mount(&stub, options()).await;
    assert!(
        widget.text().contains("Invitation Sent"),
        "{}",
        widget.text()
    );
    let completed = order_json("ord_1", "invited", "").replace(
        r#""status":{}"#,
        r#""status":{"invitation":{"id":"inv_1","status":"completed"}}"#,
    );
    stub.push_live(&completed);
    settle().await;
    let badge = widget.find("[data-order=\"ord_1\"] [data-badge]").unwrap();
    assert!(badge.text_content().unwrap().starts_with("Pending"));
    let status = widget.events("bgcheck:status");
    assert_eq!(status.len(), 1);
    assert_eq!(prop(&status[0], "label"), "Pending");
    assert_eq!(prop(&status[0], "final"), false);
}

#[wasm_bindgen_test]
async fn the_order_confirmation_follows_the_live_status() {
    let stub = ready_stub(NOT_ENABLED, false);
    stub.post("/api/orders", 201, &order_json("ord_1", "invited", ""));
    let widget = mount(&stub, options()).await;
    widget.fill_valid_order().await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    let confirmation = || {
        widget
            .find("[role=\"status\"].bgc-notice")
            .unwrap()
            .text_content()
            .unwrap()
    };
    assert!(
        confirmation().contains("Status: Invitation Sent."),
        "{}",
        confirmation()
    );

    stub.push_live(&order_json("ord_1", "invited", "").replace(
        r#""status":{}"#,
        r#""status":{"invitation":{"id":"inv_1","status":"completed"}}"#,
    ));
    settle().await;
    assert!(
        confirmation().contains("Status: Pending."),
        "{}",
        confirmation()
    );
}

#[wasm_bindgen_test]
async fn a_stream_ended_with_its_session_is_reopened_with_a_renewed_one() {
    let stub = Stub::new();
    stub.post("/host/session", 200, r#"{"token":"renewed"}"#)
        .get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
        .get("/api/candidates/A-1042/orders", 200, "[]")
        .get(
            "/api/candidates/A-1042/orders",
            401,
            r#"{"code":"unauthenticated","message":"expired"}"#,
        )
        .get("/api/candidates/A-1042/orders", 200, "[]");
    let _widget = mount(
        &stub,
        MountOptions {
            session_token: Some("first".to_owned()),
            session_path: Some("/host/session".to_owned()),
            ..options()
        },
    )
    .await;
    assert_eq!(
        *stub.stream_urls.borrow(),
        [format!("{PROXY}/api/events?token=first&custom_id=A-1042")]
    );

    stub.break_live();
    settle().await;
    assert_eq!(
        *stub.stream_urls.borrow(),
        [
            format!("{PROXY}/api/events?token=first&custom_id=A-1042"),
            format!("{PROXY}/api/events?token=renewed&custom_id=A-1042")
        ],
        "the refresh renewed the session and the stream reopened with it"
    );
    assert!(stub.stream_open.get());
}

#[wasm_bindgen_test]
async fn a_stream_broken_while_its_session_is_valid_is_left_to_the_browsers_retry() {
    let stub = ready_stub(NOT_ENABLED, false);
    let _widget = mount(&stub, options()).await;
    stub.break_live();
    settle().await;
    assert_eq!(stub.stream_urls.borrow().len(), 1, "not reopened");
    assert!(stub.stream_open.get(), "not closed either");
    assert_eq!(
        stub.requests(Method::Get, "/api/orders?custom_id=A-1042")
            .len(),
        2,
        "the list is refreshed once, to catch up"
    );
}

#[wasm_bindgen_test]
async fn unmount_removes_the_dom_and_closes_the_live_stream() {
    let stub = ready_stub(NOT_ENABLED, false);
    let mut widget = mount(&stub, options()).await;
    assert!(
        stub.stream_open.get(),
        "the live stream is open while mounted"
    );
    assert!(widget.find("form").is_some());
    widget.handle.unmount();
    settle().await;
    assert!(!stub.stream_open.get(), "unmount closes the live stream");
    assert_eq!(
        widget.root.child_element_count(),
        0,
        "unmount removes the DOM"
    );
    assert_eq!(
        widget.host.inner_html(),
        "",
        "nothing was ever put in the host page's DOM"
    );
}

#[wasm_bindgen_test]
async fn update_changes_the_prefill_without_losing_the_form() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    widget.type_into("last_name", "Rivera");
    widget
        .handle
        .apply({
            let mut options = options();
            options.prefill.first_name = Some("Sam".to_owned());
            options
        })
        .unwrap();
    settle().await;
    assert_eq!(widget.input("first_name").value(), "Sam");
    assert_eq!(widget.input("last_name").value(), "Rivera");
}

#[wasm_bindgen_test]
async fn the_custom_element_mounts_from_its_attributes_and_is_never_blank() {
    bgcheck::widget::define_elements();
    let document = web_sys::window().unwrap().document().unwrap();
    let element: HtmlElement = document
        .create_element("bgcheck-status")
        .unwrap()
        .unchecked_into();
    // The test server has no proxy: the widget must say so rather than stay empty.
    element.set_attribute("proxy-url", "").unwrap();
    element
        .set_attribute("session-token", "demo:acme:u1:recruiter")
        .unwrap();
    element.set_attribute("custom-id", "A-1042").unwrap();
    document.body().unwrap().append_child(&element).unwrap();
    let root = element
        .shadow_root()
        .expect("the element renders into a shadow root");
    // The real request to the test server ends when it ends: wait for its outcome on screen
    // (bounded), not for a guessed time.
    let mut text = String::new();
    for _ in 0..1_000 {
        text = root.text_content().unwrap_or_default();
        if text.len() > "Background checks".len() {
            break;
        }
        sleep(10).await;
    }
    assert!(text.contains("Background checks"), "{text}");
    assert!(
        text.len() > "Background checks".len(),
        "more than a title: {text}"
    );
    element.remove();
    settle().await;
    assert_eq!(
        root.child_element_count(),
        0,
        "removing the element unmounts the widget"
    );
}

// ---------------------------------------------------------------------------------------
// A badge for every row of the seed's status table

/// The badge a recruiter of a `customer` account sees for `row`, from the status the proxy
/// sends them: shaped by the same domain function, so a segregated recruiter's widget gets
/// no result before engagement and must still show the seed's label.
async fn badge_for(row: &vectors::Row, customer: CustomerType) -> (String, bool) {
    let steps: Vec<usize> = (0..row.path.len()).collect();
    let folded = vectors::fold(row, &steps);
    let viewer = Viewer {
        role: Role::Recruiter,
        customer,
    };
    let shown = shape_order(OrderStep::Invited, &folded.status, viewer).status;
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let status = serde::Serialize::serialize(&shown, &serializer).unwrap();
    let order = js_sys::JSON::parse(&order_json("ord_1", "invited", "")).unwrap();
    js_sys::Reflect::set(&order, &JsValue::from_str("status"), &status).unwrap();
    let orders = js_sys::JSON::stringify(&js_sys::Array::of1(&order))
        .unwrap()
        .as_string()
        .unwrap();
    let customer_name = match customer {
        CustomerType::Combined => "combined",
        CustomerType::Segregated => "segregated",
    };
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("recruiter", customer_name, "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get("/api/candidates/A-1042/orders", 200, &orders);
    let widget = mount(
        &stub,
        MountOptions {
            view: bgcheck::widget::host::View::Status,
            ..options()
        },
    )
    .await;
    let badge = widget.find("[data-badge]").expect("a badge");
    let indicator = badge.query_selector(".bgc-indicator").unwrap().is_some();
    let label = badge.text_content().unwrap().replace(" ⚠", "");
    (label, indicator)
}

macro_rules! badge_case {
    ($name:ident, $row:expr) => {
        #[wasm_bindgen_test]
        async fn $name() {
            let row = $row;
            let (combined, indicator) = super::badge_for(&row, CustomerType::Combined).await;
            assert_eq!(combined, row.combined, "combined customers' badge");
            assert_eq!(
                indicator, row.indicator,
                "the canceled-screenings indicator"
            );
            let (segregated, _) = super::badge_for(&row, CustomerType::Segregated).await;
            assert_eq!(segregated, row.segregated, "segregated customers' badge");
        }
    };
}

mod badges {
    use super::{CustomerType, vectors};
    use wasm_bindgen_test::wasm_bindgen_test;
    checkr_rows!(badge_case);
}

// ---------------------------------------------------------------------------------------
// The form as people use it (issue 17)

fn offset_top(widget: &Mounted, selector: &str) -> i32 {
    let element: HtmlElement = widget.find(selector).unwrap().unchecked_into();
    element.offset_top()
}

#[wasm_bindgen_test]
async fn leaving_an_invalid_field_shows_its_error_but_no_summary_until_submit() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    widget.type_into("email", "jordan@");
    fire(&widget.input("email"), "blur");
    settle().await;
    assert!(
        !widget
            .find("#bgc-email-error")
            .unwrap()
            .text_content()
            .unwrap()
            .is_empty(),
        "the field's own message shows"
    );
    assert!(
        widget.find(".bgc-summary").is_none(),
        "the summary waits for a submit"
    );
    widget.click("button[type=\"submit\"]");
    settle().await;
    assert!(widget.find(".bgc-summary").is_some());
}

#[wasm_bindgen_test]
async fn a_field_left_by_pressing_submit_keeps_the_button_in_place_and_the_click_submits() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    widget.fill_valid_order().await;
    widget.type_into("email", "jordan@");
    let submit = "button[type=\"submit\"]";
    let before = offset_top(&widget, submit);
    // mousedown on the button, then the field loses focus, then the click: in that order.
    fire(&widget.find(submit).unwrap(), "mousedown");
    fire(&widget.input("email"), "blur");
    settle().await;
    assert_eq!(
        offset_top(&widget, submit),
        before,
        "nothing moves the button between mousedown and click"
    );
    widget.click(submit);
    settle().await;
    assert!(widget.find(".bgc-summary").is_some(), "the click submitted");
    assert_eq!(
        focused(&widget).and_then(|element| element.get_attribute("data-field")),
        Some("email".to_owned())
    );
}

#[wasm_bindgen_test]
async fn a_press_on_submit_dragged_away_checks_the_field_it_left() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    widget.type_into("email", "jordan@");
    let submit = widget.find("button[type=\"submit\"]").unwrap();
    fire(&submit, "mousedown");
    fire(&widget.input("email"), "blur");
    settle().await;
    fire(&submit, "mouseleave");
    settle().await;
    assert!(
        !widget
            .find("#bgc-email-error")
            .unwrap()
            .text_content()
            .unwrap()
            .is_empty(),
        "the check that waited runs"
    );
    assert!(stub.requests(Method::Post, "/api/orders").is_empty());
}

#[wasm_bindgen_test]
async fn an_invalid_submit_focuses_the_picker_first_and_lists_errors_in_screen_order() {
    let stub = ready_stub(TREE, true);
    let mut options = options();
    options.prefill.first_name = Some("Jordan".to_owned());
    let widget = mount(&stub, options).await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    assert_eq!(
        focused(&widget).and_then(|element| element.id().into()),
        Some("bgc-node-0".to_owned()),
        "the picker is the first field on screen"
    );
    let links: Vec<String> = widget
        .all(".bgc-summary a")
        .iter()
        .map(|link| link.text_content().unwrap_or_default())
        .collect();
    assert_eq!(
        links[..4],
        ["Region", "Package", "Middle name", "Last name"],
        "visible labels, in screen order"
    );
    assert_eq!(
        widget
            .find(".bgc-summary a")
            .unwrap()
            .get_attribute("href")
            .as_deref(),
        Some("#bgc-node-0"),
        "each entry links to its control"
    );
    let package_link: HtmlElement = widget
        .all(".bgc-summary a")
        .into_iter()
        .find(|link| link.text_content().as_deref() == Some("Package"))
        .unwrap()
        .unchecked_into();
    package_link.click();
    settle().await;
    assert_eq!(
        focused(&widget).and_then(|element| element.get_attribute("data-field")),
        Some("package".to_owned()),
        "a summary entry moves focus to its field"
    );
}

#[wasm_bindgen_test]
async fn the_pickers_deepest_select_is_marked_invalid_with_its_error_beneath() {
    let stub = ready_stub(TREE, true);
    let widget = mount(&stub, options()).await;
    let select = widget.select("#bgc-node-0");
    assert_eq!(
        select.get_attribute("aria-required").as_deref(),
        Some("true")
    );
    assert!(select.required());
    widget.click("button[type=\"submit\"]");
    settle().await;
    let select = widget.select("#bgc-node-0");
    assert_eq!(
        select.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    let error_id = select.get_attribute("aria-describedby").unwrap();
    let error = select
        .next_element_sibling()
        .expect("something under the select");
    assert_eq!(
        error.id(),
        error_id,
        "the error sits directly under the select"
    );
    assert_eq!(
        error.text_content().unwrap(),
        "Choose the node this order belongs to"
    );
    widget.choose("#bgc-node-0", "west");
    settle().await;
    assert_eq!(
        widget
            .select("#bgc-node-0")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );
}

#[wasm_bindgen_test]
async fn required_fields_say_so_and_optional_ones_do_not() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    for field in [
        "first_name",
        "middle_name",
        "last_name",
        "email",
        "custom_id",
    ] {
        let input = widget.input(field);
        assert!(input.required(), "{field} is required");
        assert_eq!(
            input.get_attribute("aria-required").as_deref(),
            Some("true")
        );
    }
    for field in ["phone", "zipcode", "city"] {
        assert!(!widget.input(field).required(), "{field} is optional");
    }
    assert!(widget.select("select[data-field=\"country\"]").required());
    assert!(widget.select("select[data-field=\"package\"]").required());
    let no_middle: HtmlInputElement = widget.find("#bgc-no-middle-name").unwrap().unchecked_into();
    no_middle.set_checked(true);
    fire(&no_middle, "change");
    settle().await;
    assert_eq!(
        widget
            .input("middle_name")
            .get_attribute("aria-required")
            .as_deref(),
        Some("false"),
        "the box stands in for it"
    );
}

#[wasm_bindgen_test]
async fn the_submit_button_keeps_focus_while_sending_and_the_confirmation_takes_it_after() {
    let stub = ready_stub(NOT_ENABLED, false);
    let reply = Gate::new();
    stub.on(
        Method::Post,
        "/api/orders",
        Reply::Held(201, order_json("ord_1", "invited", ""), reply.clone()),
    );
    let widget = mount(&stub, options()).await;
    widget.fill_valid_order().await;
    let submit: web_sys::HtmlButtonElement = widget
        .find("button[type=\"submit\"]")
        .unwrap()
        .unchecked_into();
    submit.focus().unwrap();
    submit.click();
    settle().await;
    assert!(
        !submit.disabled(),
        "not disabled: that would drop its focus"
    );
    assert_eq!(
        focused(&widget).map(|element| element.tag_name()),
        Some("BUTTON".to_owned()),
        "the button keeps focus while sending"
    );
    submit.click();
    settle().await;
    assert_eq!(
        stub.requests(Method::Post, "/api/orders").len(),
        1,
        "a press while sending sends nothing more"
    );
    reply.open();
    settle().await;
    assert!(
        focused(&widget).is_some_and(|element| element.has_attribute("data-confirmation")),
        "focus moves to the confirmation"
    );
    widget.button_with("Order another check").click();
    settle().await;
    assert!(
        focused(&widget).is_some_and(|element| element.has_attribute("data-field")),
        "and back to the form's first field"
    );
}

#[wasm_bindgen_test]
async fn a_failed_retry_moves_focus_to_its_message() {
    let failed = order_json(
        "ord_9",
        "invitation_failed",
        r#","failure":{"status":400,"message":"Package not available for this node"}"#,
    )
    .replace(r#""failure":null,"#, "");
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
        .get("/api/candidates/A-1042/orders", 200, &format!("[{failed}]"));
    stub.post(
        "/api/orders/ord_9/retry",
        502,
        r#"{"code":"provider_unavailable","message":"Checkr did not answer."}"#,
    );
    let widget = mount(&stub, options()).await;
    widget.click("button[data-retry]");
    settle().await;
    let focus = focused(&widget).expect("focus stays in the widget");
    assert!(
        focus.has_attribute("data-retry-error"),
        "{:?}",
        focus.outer_html()
    );
    assert!(
        focus
            .text_content()
            .unwrap()
            .contains("Checkr did not answer")
    );
}

#[wasm_bindgen_test]
async fn an_order_row_shows_the_package_name_once_the_catalog_arrives_after_the_orders() {
    let stub = Stub::new();
    let catalog_reply = Gate::new();
    stub.get("/api/session", 200, &ready_session())
        .on(
            Method::Get,
            "/api/catalog",
            Reply::Held(200, catalog(NOT_ENABLED, false), catalog_reply.clone()),
        )
        .get(
            "/api/candidates/A-1042/orders",
            200,
            &format!("[{}]", order_json("ord_1", "invited", "")),
        );
    let widget = mount(&stub, options()).await;
    assert_eq!(
        widget
            .find(".bgc-order-name")
            .unwrap()
            .text_content()
            .unwrap(),
        "basic",
        "before the catalog, only the slug is known"
    );
    catalog_reply.open();
    settle().await;
    assert_eq!(
        widget
            .find(".bgc-order-name")
            .unwrap()
            .text_content()
            .unwrap(),
        "Basic"
    );
}

#[wasm_bindgen_test]
async fn the_chosen_packages_price_shows_beside_its_select() {
    let stub = ready_stub(NOT_ENABLED, false);
    let widget = mount(&stub, options()).await;
    widget.choose("select[data-field=\"package\"]", "pro");
    settle().await;
    assert_eq!(
        widget
            .find("#bgc-package-price")
            .unwrap()
            .text_content()
            .unwrap(),
        "Price: $79.00"
    );
}

#[wasm_bindgen_test]
async fn a_retry_refused_again_keeps_checkrs_reason_in_one_place() {
    let failed = order_json(
        "ord_9",
        "invitation_failed",
        r#","failure":{"status":400,"message":"Package not available for this node"}"#,
    )
    .replace(r#""failure":null,"#, "");
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
        .get("/api/candidates/A-1042/orders", 200, &format!("[{failed}]"));
    stub.post(
        "/api/orders/ord_9/retry",
        422,
        &format!(
            r#"{{"code":"provider_rejected","message":"Checkr refused the invitation.","provider":{{"status":400,"message":"Package not available for this node"}},"order":{failed}}}"#
        ),
    );
    let widget = mount(&stub, options()).await;
    widget.click("button[data-retry]");
    settle().await;
    let text = widget.text();
    assert_eq!(
        text.matches("Package not available for this node").count(),
        1,
        "{text}"
    );
    assert!(
        focused(&widget).is_some_and(|element| element.has_attribute("data-retry-error")),
        "focus moves to the retry's message"
    );
}

#[wasm_bindgen_test]
async fn a_refusal_whose_order_offers_no_retry_is_said_above_the_form() {
    let refused = order_json(
        "ord_7",
        "invitation_failed",
        r#","failure":{"status":400,"message":"Package not available for this node"}"#,
    )
    .replace(r#""failure":null,"#, "")
    .replace(r#""can_retry":true"#, r#""can_retry":false"#);
    let stub = ready_stub(NOT_ENABLED, false);
    stub.post(
        "/api/orders",
        422,
        &format!(
            r#"{{"code":"provider_rejected","message":"Checkr refused the invitation.","provider":{{"status":400,"message":"Package not available for this node"}},"order":{refused}}}"#
        ),
    );
    let widget = mount(&stub, options()).await;
    widget.fill_valid_order().await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    let summary = widget.find(".bgc-summary").expect("the refusal is shown");
    assert!(
        summary
            .text_content()
            .unwrap()
            .contains("Package not available for this node (HTTP 400)"),
        "{}",
        widget.text()
    );
    assert_eq!(
        widget
            .text()
            .matches("Package not available for this node")
            .count(),
        1
    );
    assert!(focused(&widget).is_some_and(|element| element.class_name() == "bgc-summary"));
}

// ---------------------------------------------------------------------------------------
// Many widgets on one page: <bgcheck-badge> and the page's shared hub

fn badge_options(custom_id: &str) -> MountOptions {
    MountOptions {
        view: bgcheck::widget::host::View::Badge,
        prefill: Prefill {
            custom_id: Some(custom_id.to_owned()),
            ..Prefill::default()
        },
        ..options()
    }
}

/// An order of `custom_id` with the given `status` JSON.
fn order_of(custom_id: &str, id: &str, status: &str, extra: &str) -> String {
    order_json(id, "invited", extra)
        .replace(
            r#""custom_id":"A-1042""#,
            &format!(r#""custom_id":"{custom_id}""#),
        )
        .replace(r#""status":{}"#, &format!(r#""status":{status}"#))
}

impl Mounted {
    /// The badge's line: its state, accessible name and visible label.
    fn line(&self) -> web_sys::Element {
        self.find(".bgc-line").expect("a badge line")
    }

    fn label(&self) -> String {
        self.find("[data-badge]")
            .expect("a label")
            .text_content()
            .unwrap()
            .replace(" ⚠", "")
    }
}

async fn badge_line_for(row: &vectors::Row, customer: CustomerType) -> (String, bool, String) {
    let steps: Vec<usize> = (0..row.path.len()).collect();
    let folded = vectors::fold(row, &steps);
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let status = serde::Serialize::serialize(&folded.status, &serializer).unwrap();
    let status = js_sys::JSON::stringify(&status)
        .unwrap()
        .as_string()
        .unwrap();
    let customer_name = match customer {
        CustomerType::Combined => "combined",
        CustomerType::Segregated => "segregated",
    };
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("recruiter", customer_name, "connected", true),
    )
    .get(
        "/api/candidates/A-7/orders",
        200,
        &format!("[{}]", order_of("A-7", "ord_1", &status, "")),
    );
    let badge = mount(&stub, badge_options("A-7")).await;
    let line = badge.line();
    assert_eq!(line.get_attribute("data-state").as_deref(), Some("ready"));
    let indicator = badge.find(".bgc-indicator").is_some();
    (
        badge.label(),
        indicator,
        line.get_attribute("aria-label").unwrap(),
    )
}

macro_rules! badge_line_case {
    ($name:ident, $row:expr) => {
        #[wasm_bindgen_test]
        async fn $name() {
            let row = $row;
            for (customer, expected) in [
                (CustomerType::Combined, row.combined),
                (CustomerType::Segregated, row.segregated),
            ] {
                let (label, indicator, name) = super::badge_line_for(&row, customer).await;
                assert_eq!(label, expected, "{customer:?} customers' badge");
                let mut accessible = format!("Background check: {expected}");
                if indicator {
                    accessible.push_str(", includes canceled screenings");
                }
                assert_eq!(name, accessible, "the accessible name says the status");
                if customer == CustomerType::Combined {
                    assert_eq!(
                        indicator, row.indicator,
                        "the canceled-screenings indicator"
                    );
                }
            }
        }
    };
}

mod badge_lines {
    use super::{CustomerType, vectors};
    use wasm_bindgen_test::wasm_bindgen_test;
    checkr_rows!(badge_line_case);
}

#[wasm_bindgen_test]
async fn a_badge_shows_a_compact_loading_state_until_its_status_arrives() {
    let held = Gate::new();
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session()).on(
        Method::Get,
        "/api/candidates/A-7/orders",
        Reply::Held(
            200,
            format!("[{}]", order_of("A-7", "ord_1", "{}", "")),
            held.clone(),
        ),
    );
    let badge = mount(&stub, badge_options("A-7")).await;
    let line = badge.line();
    assert_eq!(line.get_attribute("data-state").as_deref(), Some("loading"));
    assert_eq!(line.get_attribute("aria-busy").as_deref(), Some("true"));
    assert_eq!(
        line.get_attribute("aria-label").as_deref(),
        Some("Background check: loading")
    );
    assert_eq!(
        line.get_attribute("tabindex").as_deref(),
        Some("0"),
        "focusable"
    );
    assert!(
        badge.events("bgcheck:ready").is_empty(),
        "not ready while loading"
    );

    held.open();
    settle().await;
    assert_eq!(line.get_attribute("data-state").as_deref(), Some("ready"));
    assert_eq!(badge.label(), "Invitation Sent");
    assert_eq!(
        badge.line().get_attribute("aria-label").as_deref(),
        Some("Background check: Invitation Sent")
    );
    assert_eq!(badge.events("bgcheck:ready").len(), 1);
}

#[wasm_bindgen_test]
async fn a_badge_that_cannot_load_says_so_in_one_line_with_the_reason_as_its_tooltip() {
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session()).get(
        "/api/candidates/A-7/orders",
        500,
        r#"{"code":"internal","message":"Something went wrong on our side."}"#,
    );
    let badge = mount(&stub, badge_options("A-7")).await;
    let line = badge.line();
    assert_eq!(line.get_attribute("data-state").as_deref(), Some("error"));
    assert_eq!(badge.label(), "Unavailable");
    assert_eq!(
        line.get_attribute("title").as_deref(),
        Some("Something went wrong on our side.")
    );
    assert!(
        line.get_attribute("aria-label")
            .unwrap()
            .starts_with("Background check: unavailable."),
    );
    assert_eq!(badge.events("bgcheck:error").len(), 1);

    let offline = Stub::new();
    offline.on(Method::Get, "/api/session", Reply::Offline);
    let badge = mount(&offline, badge_options("A-7")).await;
    assert_eq!(
        badge.line().get_attribute("data-state").as_deref(),
        Some("error"),
        "a failed session read is an error too: {}",
        badge.text()
    );
}

#[wasm_bindgen_test]
async fn a_badge_counts_several_orders_and_shows_the_newest_with_its_eta() {
    let stub = Stub::new();
    let newest = order_of(
        "A-7",
        "ord_2",
        r#"{"invitation":{"id":"inv_2","status":"completed"}}"#,
        "",
    )
    .replace(r#""eta":null"#, r#""eta":"Dec 4, 2026""#);
    let older = order_of("A-7", "ord_1", "{}", "");
    stub.get("/api/session", 200, &ready_session()).get(
        "/api/candidates/A-7/orders",
        200,
        &format!("[{newest},{older}]"),
    );
    let badge = mount(&stub, badge_options("A-7")).await;
    assert_eq!(badge.label(), "Pending", "the newest order's status");
    assert_eq!(
        badge.find(".bgc-count").unwrap().text_content().unwrap(),
        "2 checks"
    );
    let line = badge.line();
    assert_eq!(
        line.get_attribute("title").as_deref(),
        Some("Estimated completion: Dec 4, 2026")
    );
    assert_eq!(
        line.get_attribute("aria-label").as_deref(),
        Some("Background check: Pending, 2 checks, newest shown")
    );

    let none = Stub::new();
    none.get("/api/session", 200, &ready_session());
    let badge = mount(&none, badge_options("A-8")).await;
    assert_eq!(badge.label(), "Not ordered");
    assert_eq!(
        badge.line().get_attribute("aria-label").as_deref(),
        Some("Background check: Not ordered")
    );
}

#[wasm_bindgen_test]
async fn a_clickable_badge_is_a_button_that_asks_the_host_to_open_the_applicant() {
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session());
    let badge = mount(
        &stub,
        MountOptions {
            clickable: true,
            ..badge_options("A-9")
        },
    )
    .await;
    let line = badge.line();
    assert_eq!(line.tag_name(), "BUTTON");
    assert!(badge.events("bgcheck:open").is_empty());
    line.unchecked_ref::<HtmlElement>().click();
    let opened = badge.events("bgcheck:open");
    assert_eq!(opened.len(), 1);
    assert_eq!(prop(&opened[0], "customId"), "A-9");
}

#[wasm_bindgen_test]
async fn badges_on_one_page_share_one_session_read_one_status_call_and_one_stream() {
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session());
    for id in ["A-1", "A-2", "A-3"] {
        stub.get(
            &format!("/api/candidates/{id}/orders"),
            200,
            &format!("[{}]", order_of(id, &format!("ord_{id}"), "{}", "")),
        );
    }
    // Mounted in one go, as a page renders its list, with a full status card for one of them.
    let badges: Vec<Mounted> = ["A-1", "A-2", "A-3"]
        .into_iter()
        .map(|id| mount_now(&stub, badge_options(id)))
        .collect();
    let card = mount_now(
        &stub,
        MountOptions {
            view: bgcheck::widget::host::View::Status,
            ..badge_options("A-2")
        },
    );
    settle().await;

    assert_eq!(stub.requests(Method::Get, "/api/session").len(), 1);
    let batched: Vec<String> = stub
        .sent
        .borrow()
        .iter()
        .filter(|request| request.url.starts_with(&format!("{PROXY}/api/orders?")))
        .map(|request| request.url.clone())
        .collect();
    assert_eq!(
        batched,
        [format!(
            "{PROXY}/api/orders?custom_id=A-1&custom_id=A-2&custom_id=A-3"
        )],
        "one status call for every element"
    );
    let streams = stub.stream_urls.borrow().clone();
    assert_eq!(streams.len(), 1, "one live stream: {streams:?}");
    assert!(
        streams[0].ends_with("&custom_id=A-1&custom_id=A-2&custom_id=A-3"),
        "the stream asks for exactly the shown applicants: {}",
        streams[0]
    );
    for badge in &badges {
        assert_eq!(badge.label(), "Invitation Sent");
    }
    assert!(card.text().contains("Invitation Sent"), "{}", card.text());

    // A change reaches its applicant's elements and no other.
    stub.push_live(&order_of(
        "A-2",
        "ord_A-2",
        r#"{"invitation":{"id":"inv_1","status":"completed"}}"#,
        "",
    ));
    settle().await;
    let labels: Vec<String> = badges.iter().map(Mounted::label).collect();
    assert_eq!(labels, ["Invitation Sent", "Pending", "Invitation Sent"]);
    assert!(card.text().contains("Pending"), "{}", card.text());
}

#[wasm_bindgen_test]
async fn unmounting_one_badge_keeps_the_stream_for_the_others_and_the_last_closes_it() {
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session());
    let mut first = mount_now(&stub, badge_options("A-1"));
    let second = mount_now(&stub, badge_options("A-2"));
    settle().await;
    assert!(stub.stream_open.get(), "the page's stream is open");
    assert_eq!(
        stub.stream_urls.borrow().len(),
        1,
        "{:?}",
        stub.stream_urls.borrow()
    );

    first.handle.unmount();
    settle().await;
    assert!(stub.stream_open.get(), "the other badge still listens");
    assert_eq!(stub.stream_urls.borrow().len(), 1, "and on the same stream");
    stub.push_live(&order_of("A-2", "ord_9", "{}", ""));
    settle().await;
    assert_eq!(second.label(), "Invitation Sent", "{}", second.text());

    drop(second);
    settle().await;
    assert!(
        !stub.stream_open.get(),
        "the last unmount closes the stream"
    );
    drop(first);
}

// ---------------------------------------------------------------------------------------
// The proxy's real responses (recorded by tests/wire_fixtures.rs) through the real readers

const PROXY_RESPONSES: &str = include_str!("fixtures/proxy-responses.json");

/// Each recorded response: its name, the reader the widget applies, and the body.
fn recorded_responses() -> Vec<(String, String, JsValue)> {
    let fixture = js_sys::JSON::parse(PROXY_RESPONSES).expect("the fixture is JSON");
    js_sys::Object::entries(fixture.unchecked_ref())
        .iter()
        .map(|entry| {
            let pair = js_sys::Array::from(&entry);
            let recorded = pair.get(1);
            (
                pair.get(0).as_string().unwrap(),
                decode::field(&recorded, "decoder")
                    .and_then(|name| name.as_string())
                    .unwrap(),
                decode::field(&recorded, "body").unwrap(),
            )
        })
        .collect()
}

fn recorded(name: &str) -> JsValue {
    recorded_responses()
        .into_iter()
        .find(|(recorded, _, _)| recorded == name)
        .map(|(_, _, body)| body)
        .unwrap_or_else(|| panic!("the fixture records {name}"))
}

/// The orders a response carries, as the widget decodes them, each beside the badge label
/// the proxy computed for it.
fn orders_in(decoder: &str, body: &JsValue) -> Option<Vec<(bgcheck::widget::wire::Order, String)>> {
    let raw: Vec<JsValue> = match decoder {
        "order" => vec![body.clone()],
        "orders" => js_sys::Array::from(body).iter().collect(),
        "orders_by_candidate" => {
            let candidates = decode::field(body, "candidates")?;
            js_sys::Object::values(candidates.unchecked_ref())
                .iter()
                .flat_map(|orders| js_sys::Array::from(&orders).iter().collect::<Vec<_>>())
                .collect()
        }
        "error_body" => decode::field(body, "order").into_iter().collect(),
        _ => Vec::new(),
    };
    raw.iter()
        .map(|order| {
            let label = decode::field(order, "badge")
                .and_then(|badge| decode::field(&badge, "label"))
                .and_then(|label| label.as_string())?;
            Some((decode::order(order)?, label))
        })
        .collect()
}

#[wasm_bindgen_test]
fn every_response_the_proxy_gives_is_read_by_the_widgets_decoders() {
    let responses = recorded_responses();
    assert!(
        responses.len() >= 12,
        "{} responses recorded",
        responses.len()
    );
    for (name, decoder, body) in &responses {
        let read = match decoder.as_str() {
            "session" => decode::session(body).is_some(),
            "catalog" => decode::catalog(body).is_some(),
            "order" => decode::order(body).is_some(),
            // The single applicant's list: the same orders the batched call groups.
            "orders" => decode::items(body, decode::order).is_some(),
            "orders_by_candidate" => decode::orders_by_candidate(body).is_some(),
            "error_body" => decode::error_body(body).is_some(),
            other => panic!("{name}: no reader named {other}"),
        };
        assert!(
            read,
            "{name}: the widget cannot read the proxy's answer as {decoder}: {}",
            String::from(js_sys::JSON::stringify(body).unwrap())
        );
    }
}

#[wasm_bindgen_test]
fn the_widget_shows_the_same_badge_the_proxy_computed_for_every_recorded_order() {
    let mut compared = 0;
    for (name, decoder, body) in recorded_responses() {
        let orders = orders_in(&decoder, &body)
            .unwrap_or_else(|| panic!("{name}: every order decodes and carries a badge"));
        for (order, proxy_label) in orders {
            // Every recorded order belongs to a combined customer.
            let badge = badge_of(&order, CustomerType::Combined);
            assert_eq!(badge.label, proxy_label, "{name}: order {}", order.id);
            compared += 1;
        }
    }
    assert!(compared >= 6, "only {compared} orders compared");
    let (clear, label) = orders_in("order", &recorded("event_order_clear"))
        .unwrap()
        .remove(0);
    assert_eq!(label, "Clear");
    assert_eq!(clear.custom_id, "FIX-1");
}

#[wasm_bindgen_test]
fn the_recorded_session_states_and_errors_read_as_the_user_sees_them() {
    use bgcheck::domain::hierarchy::Hierarchy;
    use bgcheck::widget::wire::Connection;

    let fresh = decode::session(&recorded("session_not_connected_admin")).unwrap();
    assert!(fresh.connection == Connection::NotConnected);
    assert!(
        fresh.connect.is_some(),
        "an admin is offered the connect links"
    );
    let revoked = decode::session(&recorded("session_deauthorized_admin")).unwrap();
    assert!(revoked.connection == Connection::Deauthorized);
    let segregated = decode::session(&recorded("session_segregated_recruiter")).unwrap();
    assert!(segregated.customer_type == CustomerType::Segregated);
    assert!(segregated.role == Role::Recruiter);

    let tree = decode::catalog(&recorded("catalog_hierarchy")).unwrap();
    assert!(tree.node_required);
    assert!(matches!(tree.catalog.hierarchy, Hierarchy::Nodes(ref nodes) if !nodes.is_empty()));
    let flat = decode::catalog(&recorded("catalog_no_hierarchy")).unwrap();
    assert!(matches!(flat.catalog.hierarchy, Hierarchy::NotEnabled));
    assert!(!flat.catalog.packages.is_empty());

    let field = decode::error_body(&recorded("error_field")).unwrap();
    assert!(
        field.fields.iter().any(|(name, _)| name == "node"),
        "the node error lands beside the picker"
    );
    let refused = decode::error_body(&recorded("error_provider_refused")).unwrap();
    let provider = refused.provider.unwrap();
    assert_eq!(provider.status, Some(400));
    assert!(
        provider
            .message
            .contains("Package is temporarily unavailable")
    );
    let kept = refused.order.unwrap();
    assert!(kept.step == OrderStep::InvitationFailed && kept.can_retry);
    let disconnected = decode::error_body(&recorded("error_disconnected")).unwrap();
    assert_eq!(disconnected.code, "disconnected");
}

// ---------------------------------------------------------------------------------------
// Managing placed orders: cancel, resend, history (issue 14)

fn invited_order(id: &str, invitation: &str) -> String {
    order_json(id, "invited", "").replace(
        r#""status":{}"#,
        &format!(r#""status":{{"invitation":{{"id":"inv_{id}","status":"{invitation}"}}}}"#),
    )
}

fn stub_with_orders(role: &str, orders: &str) -> Rc<Stub> {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session(role, "combined", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get("/api/candidates/A-1042/orders", 200, orders);
    stub
}

/// Presses a key on `target` as the browser does (bubbling `keydown`).
fn press(target: &web_sys::EventTarget, key: &str) {
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"key".into(), &key.into()).unwrap();
    js_sys::Reflect::set(&init, &"bubbles".into(), &true.into()).unwrap();
    let constructor: js_sys::Function =
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"KeyboardEvent".into())
            .unwrap()
            .unchecked_into();
    let args = js_sys::Array::of2(&"keydown".into(), &init);
    let event: web_sys::Event = js_sys::Reflect::construct(&constructor, &args)
        .unwrap()
        .unchecked_into();
    target.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn canceling_asks_first_and_escape_keeps_the_invitation() {
    let stub = stub_with_orders(
        "recruiter",
        &format!("[{}]", invited_order("ord_1", "pending")),
    );
    let widget = mount(&stub, options()).await;
    widget.click("button[data-manage=\"cancel\"]");
    settle().await;
    let dialog = widget
        .find("[role=\"alertdialog\"]")
        .expect("a confirmation");
    assert!(
        dialog
            .text_content()
            .unwrap()
            .contains("link stops working"),
        "{:?}",
        dialog.text_content()
    );
    assert!(
        focused(&widget).is_some_and(|element| element.has_attribute("data-keep")),
        "the safe choice has focus"
    );
    press(&focused(&widget).unwrap(), "Escape");
    settle().await;
    assert!(widget.find("[role=\"alertdialog\"]").is_none());
    assert_eq!(
        focused(&widget).and_then(|element| element.get_attribute("data-manage")),
        Some("cancel".to_owned()),
        "focus returns to the button that opened it"
    );
    assert!(
        stub.requests(Method::Post, "/api/orders/ord_1/cancel")
            .is_empty()
    );
}

#[wasm_bindgen_test]
async fn a_confirmed_cancel_shows_invitation_canceled_and_offers_resend_only() {
    let stub = stub_with_orders(
        "recruiter",
        &format!("[{}]", invited_order("ord_1", "pending")),
    );
    stub.post(
        "/api/orders/ord_1/cancel",
        200,
        &invited_order("ord_1", "deleted"),
    );
    let widget = mount(&stub, options()).await;
    assert!(widget.text().contains("Invitation Sent"));
    widget.click("button[data-manage=\"cancel\"]");
    settle().await;
    widget.click("button[data-confirm-yes]");
    settle().await;
    assert_eq!(
        stub.requests(Method::Post, "/api/orders/ord_1/cancel")
            .len(),
        1
    );
    let text = widget.text();
    assert!(text.contains("Invitation Canceled"), "{text}");
    assert!(widget.find("button[data-manage=\"cancel\"]").is_none());
    assert!(widget.find("button[data-manage=\"resend\"]").is_some());
    assert_eq!(
        prop(
            &widget.events("bgcheck:status").last().unwrap().clone(),
            "label"
        ),
        "Invitation Canceled"
    );
}

#[wasm_bindgen_test]
async fn a_resend_lists_the_new_order_above_the_canceled_one() {
    let old = invited_order("ord_1", "pending");
    let stub = stub_with_orders("recruiter", &format!("[{old}]"));
    let fresh = invited_order("ord_2", "pending");
    stub.post("/api/orders/ord_1/resend", 201, &fresh).get(
        "/api/candidates/A-1042/orders",
        200,
        &format!("[{fresh},{}]", invited_order("ord_1", "deleted")),
    );
    let widget = mount(&stub, options()).await;
    widget.click("button[data-manage=\"resend\"]");
    settle().await;
    assert!(widget.text().contains("new invitation"));
    widget.click("button[data-confirm-yes]");
    settle().await;
    settle().await;
    let rows: Vec<String> = widget
        .all("[data-order]")
        .iter()
        .map(|row| row.get_attribute("data-order").unwrap())
        .collect();
    assert_eq!(rows, ["ord_2", "ord_1"]);
    let text = widget.text();
    assert!(text.contains("Invitation Canceled"), "{text}");
    assert_eq!(
        prop(&widget.events("bgcheck:ordered")[0], "orderId"),
        "ord_2"
    );
}

#[wasm_bindgen_test]
async fn a_refused_cancel_says_why_and_takes_focus() {
    let stub = stub_with_orders(
        "recruiter",
        &format!("[{}]", invited_order("ord_1", "pending")),
    );
    stub.post(
        "/api/orders/ord_1/cancel",
        409,
        r#"{"code":"conflict","message":"Checkr did not cancel the invitation because it is no longer pending."}"#,
    );
    let widget = mount(&stub, options()).await;
    widget.click("button[data-manage=\"cancel\"]");
    settle().await;
    widget.click("button[data-confirm-yes]");
    settle().await;
    let focus = focused(&widget).expect("focus stays in the widget");
    assert!(
        focus.has_attribute("data-manage-error"),
        "{}",
        focus.outer_html()
    );
    assert!(focus.text_content().unwrap().contains("no longer pending"));
}

#[wasm_bindgen_test]
async fn a_completed_invitation_offers_no_cancel_or_resend() {
    let stub = stub_with_orders(
        "recruiter",
        &format!("[{}]", invited_order("ord_1", "completed")),
    );
    let widget = mount(&stub, options()).await;
    assert!(
        widget.find("button[data-manage]").is_none(),
        "{}",
        widget.text()
    );
}

#[wasm_bindgen_test]
async fn history_is_for_adjudicators_and_admins_and_loads_when_opened() {
    let orders = format!("[{}]", invited_order("ord_1", "pending"));
    let recruiter = mount(&stub_with_orders("recruiter", &orders), options()).await;
    assert!(recruiter.find("button[data-history]").is_none());
    drop(recruiter);

    let stub = stub_with_orders("adjudicator", &orders);
    stub.get(
        "/api/orders/ord_1/history",
        200,
        r#"{"order_id":"ord_1","resent_from":null,"entries":[
          {"seq":1,"at":"2026-12-01T10:00:00Z","account_id":"acme","actor":"u7","role":"recruiter","action":"ordered","order_id":"ord_1","outcome":"succeeded","detail":""},
          {"seq":2,"at":"2026-12-01T10:05:00Z","account_id":"acme","actor":"u7","role":"recruiter","action":"canceled","order_id":"ord_1","outcome":"refused","detail":"Checkr answered 400"}]}"#,
    );
    let widget = mount(&stub, options()).await;
    let toggle = widget
        .find("button[data-history]")
        .expect("a history toggle");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert!(
        stub.requests(Method::Get, "/api/orders/ord_1/history")
            .is_empty()
    );
    widget.click("button[data-history]");
    settle().await;
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let lines: Vec<String> = widget
        .all(".bgc-history-list li")
        .iter()
        .map(|line| line.text_content().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "2026-12-01 10:00:00 UTC · u7 · Ordered",
            "2026-12-01 10:05:00 UTC · u7 · Canceled the invitation (refused) · Checkr answered 400"
        ]
    );
}

#[wasm_bindgen_test]
async fn the_hosts_tags_are_sent_with_the_order_and_shown_on_its_row() {
    let stub = ready_stub(NOT_ENABLED, false);
    stub.post(
        "/api/orders",
        201,
        &order_json("ord_1", "invited", r#","tags":["REQ-7","hm@example.com"]"#),
    );
    let mut with_tags = options();
    with_tags.prefill.tags = vec!["REQ-7".to_owned(), "hm@example.com".to_owned()];
    let widget = mount(&stub, with_tags).await;
    widget.fill_valid_order().await;
    widget.click("button[type=\"submit\"]");
    settle().await;
    let sent = stub.requests(Method::Post, "/api/orders");
    let body = js_sys::JSON::parse(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&prop(&body, "tags")).unwrap(),
        r#"["REQ-7","hm@example.com"]"#
    );
    let tags = widget.find("[data-tags]").expect("the row lists its tags");
    assert_eq!(tags.text_content().unwrap(), "Tags: REQ-7, hm@example.com");
}

#[wasm_bindgen_test]
fn the_tags_attribute_is_a_comma_separated_list() {
    let document = web_sys::window().unwrap().document().unwrap();
    let element: HtmlElement = document
        .create_element("bgcheck-order")
        .unwrap()
        .unchecked_into();
    element
        .set_attribute("tags", "REQ-7, hm@example.com,")
        .unwrap();
    let options = MountOptions::from_attributes(&element, bgcheck::widget::host::View::Order);
    assert_eq!(options.prefill.tags, ["REQ-7", "hm@example.com"]);
}

// ---------------------------------------------------------------------------------------
// Unlinking the Checkr account (issue 14)

#[wasm_bindgen_test]
async fn an_admin_unlinks_after_confirming_and_is_offered_to_reconnect() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("admin", "combined", "connected", true),
    )
    .get(
        "/api/session",
        200,
        &session("admin", "combined", "deauthorized", false),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get("/api/candidates/A-1042/orders", 200, "[]")
    .post("/api/account/disconnect", 204, "null");
    let widget = mount(&stub, options()).await;
    assert!(
        widget
            .text()
            .contains("This account is connected to Checkr.")
    );
    widget.button_with("Unlink Checkr account").click();
    settle().await;
    let dialog = widget
        .find("[role=\"alertdialog\"]")
        .expect("a confirmation");
    assert!(
        dialog
            .text_content()
            .unwrap()
            .contains("Unlink Acme from Checkr?")
    );
    assert!(
        focused(&widget).is_some_and(|element| element.has_attribute("data-keep")),
        "keeping the connection is the focused choice"
    );
    press(&focused(&widget).unwrap(), "Escape");
    settle().await;
    assert!(widget.find("[role=\"alertdialog\"]").is_none());
    assert!(focused(&widget).is_some_and(|element| element.has_attribute("data-unlink")));
    assert!(
        stub.requests(Method::Post, "/api/account/disconnect")
            .is_empty()
    );

    widget.button_with("Unlink Checkr account").click();
    settle().await;
    widget.click("[role=\"alertdialog\"] button[data-confirm-yes]");
    settle().await;
    settle().await;
    assert_eq!(
        stub.requests(Method::Post, "/api/account/disconnect").len(),
        1
    );
    let text = widget.text();
    assert!(text.contains("no longer connected to Checkr"), "{text}");
    assert!(widget.find("button[data-unlink]").is_none());
    let reconnect = widget.button_with("Reconnect: sign in to Checkr");
    assert!(reconnect.is_connected());
    assert_eq!(widget.events("bgcheck:disconnected").len(), 1);
}

#[wasm_bindgen_test]
async fn only_admins_are_offered_to_unlink() {
    for role in ["recruiter", "adjudicator"] {
        let stub = stub_with_orders(role, "[]");
        let widget = mount(&stub, options()).await;
        assert!(widget.find("button[data-unlink]").is_none(), "{role}");
    }
}

// ---------------------------------------------------------------------------------------
// Screenings under an order (issue 15)

fn order_with_report(id: &str, report_status: &str) -> String {
    order_json(id, "invited", "").replace(
        r#""status":{}"#,
        &format!(r#""status":{{"report":{{"id":"rpt_1","status":"{report_status}"}}}}"#),
    )
}

const SCREENINGS_WITH_RESULTS: &str = r#"{"order_id":"ord_1","report_id":"rpt_1","fetched_at":"2026-11-22T10:00:00Z","results_shown":true,"screenings":[
  {"id":"s1","type":"ssn_trace","name":"SSN trace","status":"complete","result":"clear","cancellation_reason":null},
  {"id":"s2","type":"county_criminal_search","name":"County criminal search","status":"canceled","result":null,"cancellation_reason":"The customer completed the report early"},
  {"id":"s3","type":"national_criminal_search","name":"National criminal search","status":"complete","result":"consider","cancellation_reason":null}
]}"#;

#[wasm_bindgen_test]
async fn the_screenings_list_opens_and_closes_from_a_button_under_the_order() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("adjudicator", "combined", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get(
        "/api/candidates/A-1042/orders",
        200,
        &format!("[{}]", order_with_report("ord_1", "complete")),
    )
    .get("/api/orders/ord_1/screenings", 200, SCREENINGS_WITH_RESULTS);
    let widget = mount(&stub, options()).await;
    let toggle = widget
        .find("[data-order=\"ord_1\"] button[data-screenings-toggle]")
        .expect("a screenings button under the order");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    let controlled = toggle.get_attribute("aria-controls").unwrap();
    assert!(
        widget.find(&format!("#{controlled}")).is_some(),
        "aria-controls names the list"
    );
    assert!(
        stub.requests(Method::Get, "/api/orders/ord_1/screenings")
            .is_empty(),
        "nothing is read before the list is opened"
    );

    widget.click("button[data-screenings-toggle]");
    settle().await;
    let toggle = widget.find("button[data-screenings-toggle]").unwrap();
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let rows: Vec<String> = widget
        .all("li[data-screening]")
        .iter()
        .map(|row| row.text_content().unwrap_or_default())
        .collect();
    assert_eq!(
        rows,
        [
            "SSN trace: Complete, Clear",
            "County criminal search: Canceled (The customer completed the report early)",
            "National criminal search: Complete, Consider",
        ]
    );

    widget.click("button[data-screenings-toggle]");
    settle().await;
    assert!(widget.all("li[data-screening]").is_empty());
    assert_eq!(
        widget
            .find("button[data-screenings-toggle]")
            .unwrap()
            .get_attribute("aria-expanded")
            .as_deref(),
        Some("false")
    );
    assert_eq!(
        stub.requests(Method::Get, "/api/orders/ord_1/screenings")
            .len(),
        1
    );
}

#[wasm_bindgen_test]
async fn screenings_show_no_result_when_the_proxy_sends_none_and_orders_without_a_report_have_no_list()
 {
    let stub = Stub::new();
    let statuses_only = r#"{"order_id":"ord_1","report_id":"rpt_1","fetched_at":"2026-11-22T10:00:00Z","results_shown":false,"screenings":[
      {"id":"s3","type":"national_criminal_search","name":"National criminal search","status":"complete","result":null,"cancellation_reason":null}
    ]}"#;
    stub.get(
        "/api/session",
        200,
        &session("recruiter", "segregated", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get(
        "/api/candidates/A-1042/orders",
        200,
        &format!(
            "[{},{}]",
            order_with_report("ord_1", "complete"),
            order_json("ord_2", "invited", "")
        ),
    )
    .get("/api/orders/ord_1/screenings", 200, statuses_only);
    let widget = mount(&stub, options()).await;
    assert!(
        widget
            .find("[data-order=\"ord_2\"] button[data-screenings-toggle]")
            .is_none()
    );
    widget.click("[data-order=\"ord_1\"] button[data-screenings-toggle]");
    settle().await;
    let text = widget
        .find("li[data-screening]")
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(text, "National criminal search: Complete");
    assert!(widget.find("[data-screening-result]").is_none());
}

#[wasm_bindgen_test]
async fn a_failed_screenings_read_says_why_and_can_be_tried_again() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("adjudicator", "combined", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get(
        "/api/candidates/A-1042/orders",
        200,
        &format!("[{}]", order_with_report("ord_1", "complete")),
    )
    .on(Method::Get, "/api/orders/ord_1/screenings", Reply::Offline)
    .get("/api/orders/ord_1/screenings", 200, SCREENINGS_WITH_RESULTS);
    let widget = mount(&stub, options()).await;
    widget.click("button[data-screenings-toggle]");
    settle().await;
    let problem = widget
        .find("[data-screenings] .bgc-problem")
        .expect("the failure is shown in the list");
    assert!(
        problem
            .text_content()
            .unwrap()
            .contains("could not be reached"),
        "{}",
        widget.text()
    );
    widget.button_with("Try again").click();
    settle().await;
    assert_eq!(widget.all("li[data-screening]").len(), 3);
}

#[wasm_bindgen_test]
async fn an_open_report_shows_what_it_waits_for_under_the_badge_and_reads_it_again_on_a_change() {
    let stub = Stub::new();
    let waiting = r#"{"order_id":"ord_1","report_id":"rpt_1","fetched_at":null,"results_shown":true,"progress":"Waiting for the candidate's ID verification","screenings":[]}"#;
    let counted = r#"{"order_id":"ord_1","report_id":"rpt_1","fetched_at":"2026-11-22T10:00:00Z","results_shown":true,"progress":"1 of 3 screenings finished","screenings":[]}"#;
    stub.get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
        .get(
            "/api/candidates/A-1042/orders",
            200,
            &format!("[{}]", order_with_report("ord_1", "pending")),
        )
        .get("/api/orders/ord_1/screenings", 200, waiting)
        .get("/api/orders/ord_1/screenings", 200, counted);
    let widget = mount(&stub, options()).await;
    let line = widget
        .find("[data-order=\"ord_1\"] [data-progress]")
        .expect("a progress line under the badge");
    assert_eq!(
        line.text_content().as_deref(),
        Some("Waiting for the candidate's ID verification")
    );
    let badge = widget.find("[data-order=\"ord_1\"] [data-badge]").unwrap();
    let label = badge.text_content().unwrap();
    // Opening the list uses what was read for the line.
    widget.click("button[data-screenings-toggle]");
    settle().await;
    assert_eq!(
        stub.requests(Method::Get, "/api/orders/ord_1/screenings")
            .len(),
        1
    );

    // The order changes (the proxy sends it after a webhook): the line is read again.
    stub.push_live(&order_with_report("ord_1", "pending").replace(
        r#""updated_at":"2026-11-21T10:00:00Z""#,
        r#""updated_at":"2026-11-21T11:00:00Z""#,
    ));
    settle().await;
    let line = widget.find("[data-progress]").unwrap();
    assert_eq!(
        line.text_content().as_deref(),
        Some("1 of 3 screenings finished")
    );
    assert_eq!(
        widget.find("[data-badge]").unwrap().text_content().unwrap(),
        label,
        "the badge keeps its label"
    );
    assert_eq!(
        widget
            .find("button[data-screenings-toggle]")
            .unwrap()
            .get_attribute("aria-expanded")
            .as_deref(),
        Some("true"),
        "an open list stays open across the change"
    );
}

#[wasm_bindgen_test]
async fn an_assess_grade_is_a_tag_beside_the_badge_only_when_the_proxy_sends_it() {
    let stub = Stub::new();
    let graded = order_json("ord_1", "invited", "").replace(
        r#""status":{}"#,
        r#""status":{"report":{"id":"rpt_1","status":"complete","result":"consider","assessment":"escalated"}}"#,
    );
    let ungraded = order_json("ord_2", "invited", "").replace(
        r#""status":{}"#,
        r#""status":{"report":{"id":"rpt_2","status":"complete","result":"consider"}}"#,
    );
    stub.get(
        "/api/session",
        200,
        &session("adjudicator", "combined", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get(
        "/api/candidates/A-1042/orders",
        200,
        &format!("[{graded},{ungraded}]"),
    )
    .get("/api/orders/ord_1/screenings", 200, SCREENINGS_WITH_RESULTS);
    let widget = mount(&stub, options()).await;
    let tag = widget
        .find("[data-order=\"ord_1\"] [data-assessment]")
        .expect("the grade beside the badge");
    assert_eq!(tag.text_content().as_deref(), Some("Assess: Escalated"));
    assert!(tag.class_name().contains("bgc-tone-negative"));
    let badge = widget.find("[data-order=\"ord_1\"] [data-badge]").unwrap();
    assert!(
        !badge.text_content().unwrap().contains("Escalated"),
        "the grade is not mixed into the badge"
    );
    assert!(
        widget
            .find("[data-order=\"ord_2\"] [data-assessment]")
            .is_none()
    );
}

// ---------------------------------------------------------------------------------------
// Continuous checks (issue 15)

const ENROLLED: &str = r#"[{"id":"cc_1","type":"criminal","label":"Continuous criminal (C-Crim)","created_at":"2026-11-22T10:00:00Z","node":null,"notice":null}]"#;

#[wasm_bindgen_test]
async fn enrolment_needs_the_consent_box_and_unenrolment_is_confirmed_first() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("adjudicator", "combined", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get("/api/candidates/A-1042/orders", 200, "[]")
    .get("/api/candidates/A-1042/continuous-checks", 200, "[]")
    .get("/api/candidates/A-1042/continuous-checks", 200, ENROLLED)
    .post(
        "/api/candidates/A-1042/continuous-checks",
        201,
        r#"{"id":"cc_1","type":"criminal","label":"Continuous criminal (C-Crim)","created_at":"2026-11-22T10:00:00Z","node":null}"#,
    )
    .on(
        Method::Delete,
        "/api/candidates/A-1042/continuous-checks/cc_1",
        Reply::Json(200, ENROLLED.trim_start_matches('[').trim_end_matches(']').to_owned()),
    );
    let widget = mount(&stub, options()).await;
    assert!(
        stub.requests(Method::Get, "/api/candidates/A-1042/continuous-checks")
            .is_empty(),
        "Checkr's list is read only when opened"
    );
    widget.click("button[data-continuous-toggle]");
    settle().await;
    assert!(
        widget.find("[data-continuous-empty]").is_some(),
        "{}",
        widget.text()
    );

    // Without the consent box: a field error, and nothing is sent.
    widget.button_with("Enrol").click();
    settle().await;
    let error = widget.find("[data-continuous-error]").unwrap();
    assert!(
        error.text_content().unwrap().contains("consent"),
        "{}",
        widget.text()
    );
    let consent: HtmlInputElement = widget
        .find("[data-continuous-consent]")
        .unwrap()
        .unchecked_into();
    assert_eq!(
        consent.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert!(
        stub.requests(Method::Post, "/api/candidates/A-1042/continuous-checks")
            .is_empty()
    );

    consent.set_checked(true);
    fire(&consent, "change");
    widget.button_with("Enrol").click();
    settle().await;
    let sent = stub.requests(Method::Post, "/api/candidates/A-1042/continuous-checks");
    assert_eq!(sent.len(), 1);
    let body: JsValue = js_sys::JSON::parse(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(prop(&body, "type"), "criminal");
    assert_eq!(prop(&body, "consent"), true);
    assert!(
        widget
            .text()
            .contains("Enrolled: Continuous criminal (C-Crim)"),
        "{}",
        widget.text()
    );
    assert!(widget.find("[data-enrolment=\"cc_1\"]").is_some());

    // Unenrolling asks first; only the confirmation sends the DELETE.
    widget.click("button[data-unenroll]");
    settle().await;
    assert!(
        stub.requests(
            Method::Delete,
            "/api/candidates/A-1042/continuous-checks/cc_1"
        )
        .is_empty()
    );
    widget.click("button[data-unenroll-confirm]");
    settle().await;
    assert_eq!(
        stub.requests(
            Method::Delete,
            "/api/candidates/A-1042/continuous-checks/cc_1"
        )
        .len(),
        1
    );
    assert!(widget.text().contains("Unenrolled"), "{}", widget.text());
}

#[wasm_bindgen_test]
async fn a_recruiter_sees_enrolments_but_no_enrol_form() {
    let stub = Stub::new();
    stub.get("/api/session", 200, &ready_session())
        .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
        .get("/api/candidates/A-1042/orders", 200, "[]")
        .get(
            "/api/candidates/A-1042/continuous-checks",
            200,
            &ENROLLED.replace(
                r#""notice":null"#,
                r#""notice":"Checkr asks the customer to confirm this enrolment.""#,
            ),
        );
    let widget = mount(&stub, options()).await;
    widget.click("button[data-continuous-toggle]");
    settle().await;
    assert!(widget.find("[data-enrolment=\"cc_1\"]").is_some());
    assert_eq!(
        widget
            .find("[data-enrolment-notice]")
            .and_then(|notice| notice.text_content())
            .as_deref(),
        Some(" Checkr asks the customer to confirm this enrolment.")
    );
    assert!(widget.find("[data-continuous-consent]").is_none());
    assert!(widget.find("button[data-unenroll]").is_none());
}

#[wasm_bindgen_test]
async fn an_admin_turns_on_automatic_enrolment_only_with_the_consent_confirmed() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("admin", "combined", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get("/api/candidates/A-1042/orders", 200, "[]")
    .get("/api/candidates/A-1042/continuous-checks", 200, "[]")
    .get(
        "/api/account/continuous-checks",
        200,
        r#"{"auto_enroll":false}"#,
    )
    .on(
        Method::Put,
        "/api/account/continuous-checks",
        Reply::Json(200, r#"{"auto_enroll":true}"#.to_owned()),
    );
    let widget = mount(&stub, options()).await;
    widget.click("button[data-continuous-toggle]");
    settle().await;
    let auto: HtmlInputElement = widget.find("[data-auto-enroll]").unwrap().unchecked_into();
    assert!(!auto.checked());
    auto.set_checked(true);
    fire(&auto, "change");
    settle().await;
    widget.click("button[data-auto-save]");
    settle().await;
    assert!(
        stub.requests(Method::Put, "/api/account/continuous-checks")
            .is_empty()
    );
    assert!(
        widget.text().contains("evergreen consent"),
        "{}",
        widget.text()
    );

    let consent: HtmlInputElement = widget.find("[data-auto-consent]").unwrap().unchecked_into();
    consent.set_checked(true);
    fire(&consent, "change");
    widget.click("button[data-auto-save]");
    settle().await;
    let sent = stub.requests(Method::Put, "/api/account/continuous-checks");
    assert_eq!(sent.len(), 1);
    let body: JsValue = js_sys::JSON::parse(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(prop(&body, "auto_enroll"), true);
    assert_eq!(prop(&body, "consent"), true);
    assert!(
        widget.text().contains("Automatic enrolment is on."),
        "{}",
        widget.text()
    );
}

// ---------------------------------------------------------------------------------------
// Subscriptions (issue 15)

#[wasm_bindgen_test]
async fn a_subscription_is_checked_before_sending_then_created_and_canceled_after_a_confirmation() {
    let tomorrow = bgcheck::domain::subscription::Day::of_unix_seconds(
        (js_sys::Date::now() / 1000.0) as i64 + 86_400,
    )
    .to_iso();
    let listed = format!(
        r#"[{{"id":"sub_1","status":"active","package":"basic","interval_count":1,"interval_unit":"year","start_date":"{tomorrow}","next_occurrence_date":"{tomorrow}","canceled_at":null}}]"#
    );
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("adjudicator", "combined", "connected", true),
    )
    .get("/api/catalog", 200, &catalog(NOT_ENABLED, false))
    .get("/api/candidates/A-1042/orders", 200, "[]")
    .get("/api/candidates/A-1042/subscriptions", 200, "[]")
    .get("/api/candidates/A-1042/subscriptions", 200, &listed)
    .post(
        "/api/candidates/A-1042/subscriptions",
        201,
        listed.trim_start_matches('[').trim_end_matches(']'),
    )
    .on(
        Method::Delete,
        "/api/candidates/A-1042/subscriptions/sub_1",
        Reply::Json(
            200,
            listed
                .trim_start_matches('[')
                .trim_end_matches(']')
                .replace(r#""status":"active""#, r#""status":"inactive""#),
        ),
    );
    let widget = mount(&stub, options()).await;
    assert!(
        stub.requests(Method::Get, "/api/candidates/A-1042/subscriptions")
            .is_empty()
    );
    widget.click("button[data-subscriptions-toggle]");
    settle().await;
    assert!(widget.find("[data-subscriptions-empty]").is_some());

    widget.button_with("Subscribe").click();
    settle().await;
    assert!(
        stub.requests(Method::Post, "/api/candidates/A-1042/subscriptions")
            .is_empty()
    );
    let package_error = widget
        .find("[data-subscription-error=\"package\"]")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(!package_error.is_empty(), "{}", widget.text());

    widget.choose("select[data-subscription-package]", "basic");
    let start: HtmlInputElement = widget
        .find("[data-subscription-start]")
        .unwrap()
        .unchecked_into();
    start.set_value(&tomorrow);
    fire(&start, "input");
    widget.button_with("Subscribe").click();
    settle().await;
    let sent = stub.requests(Method::Post, "/api/candidates/A-1042/subscriptions");
    assert_eq!(sent.len(), 1, "{}", widget.text());
    let body: JsValue = js_sys::JSON::parse(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(prop(&body, "package"), "basic");
    assert_eq!(prop(&body, "start_date"), tomorrow.as_str());
    assert_eq!(prop(&body, "interval_unit"), "year");
    assert!(
        widget.text().contains("Subscribed: every year"),
        "{}",
        widget.text()
    );
    let row = widget.find("[data-subscription=\"sub_1\"]").unwrap();
    let row = row.text_content().unwrap();
    assert!(
        row.contains(&["next run ", tomorrow.as_str()].concat()),
        "{row}"
    );
    assert!(
        row.starts_with("Basic every year"),
        "the package by its name: {row}"
    );

    widget.click("button[data-subscription-cancel]");
    settle().await;
    assert!(
        stub.requests(Method::Delete, "/api/candidates/A-1042/subscriptions/sub_1")
            .is_empty()
    );
    widget.click("button[data-subscription-cancel-confirm]");
    settle().await;
    assert_eq!(
        stub.requests(Method::Delete, "/api/candidates/A-1042/subscriptions/sub_1")
            .len(),
        1
    );
    assert!(widget.text().contains("Subscription canceled."));
}

// ---------------------------------------------------------------------------------------
// KarmaCheck accounts: the case list and badge from the seed's overall statuses, the form
// with KarmaCheck's rules, and the choice after a 409 for a duplicate email

fn karmacheck_session() -> String {
    let checkr = ready_session();
    [&checkr[..checkr.len() - 1], r#","provider":"karmacheck"}"#].concat()
}

const KC_PACKAGES: &str =
    r#"[{"id":"pkg_basic","name":"Basic screen"},{"id":"pkg_plus","name":"Plus screen"}]"#;

/// A KarmaCheck order as the proxy lists it; `overall` is the seed's status once read.
fn case_json(id: &str, custom_id: &str, step: &str, overall: Option<&str>) -> String {
    let overall = overall.map_or_else(|| "null".to_owned(), |name| format!("\"{name}\""));
    let retry = matches!(step, "failed" | "duplicate_email");
    let duplicate = step == "duplicate_email";
    let case_id = if step == "created" {
        r#""case_1""#
    } else {
        "null"
    };
    let failure = if retry {
        r#"{"status":409,"message":"An order already exists for this email"}"#
    } else {
        "null"
    };
    format!(
        r#"{{"id":"{id}","provider":"karmacheck","custom_id":"{custom_id}","package_id":"pkg_basic","step":"{step}","can_retry":{retry},"needs_override":{duplicate},"failure":{failure},"case_id":{case_id},"badge":{{"label":"(the widget maps it)","tone":"neutral","is_final":false,"canceled_indicator":false}},"overall_status":{overall},"case_state":null,"attempts":1,"ordered_by":"u1","created_at":"2026-11-21T10:00:00Z","updated_at":"2026-11-21T10:00:00Z"}}"#
    )
}

fn karmacheck_stub(custom_id: &str, cases: &str) -> Rc<Stub> {
    let stub = Stub::new();
    stub.get("/api/session", 200, &karmacheck_session())
        .get("/api/karmacheck/packages", 200, KC_PACKAGES)
        // Checkr's list of the same applicant must not be what a KarmaCheck account shows.
        .get(
            &format!("/api/candidates/{custom_id}/orders"),
            200,
            &format!("[{}]", order_of(custom_id, "ord_checkr", "{}", "")),
        )
        .get(
            &format!("/api/karmacheck/candidates/{custom_id}/orders"),
            200,
            cases,
        );
    stub
}

/// Waits (without timing anything) until `done` holds, for changes a poll brings.
async fn until(widget: &Mounted, what: &str, done: impl Fn(&Mounted) -> bool) {
    for _ in 0..200 {
        if done(widget) {
            return;
        }
        sleep(10).await;
    }
    panic!("{what} never happened: {}", widget.text());
}

/// The proxy's wire name of an overall status: serde's `snake_case` of the variant, derived
/// here from the name itself rather than from the widget's own mapping.
fn snake_case(status: bgcheck::domain::karmacheck::OverallStatus) -> String {
    let mut name = String::new();
    for (index, letter) in format!("{status:?}").chars().enumerate() {
        if letter.is_ascii_uppercase() && index > 0 {
            name.push('_');
        }
        name.push(letter.to_ascii_lowercase());
    }
    name
}

#[wasm_bindgen_test]
async fn a_karmacheck_badge_shows_the_seeds_overall_status_with_its_tone() {
    use bgcheck::domain::karmacheck::OverallStatus;
    // Every row of the seed's three tables, as the domain lists them.
    let rows = OverallStatus::ALL.map(|status| {
        (
            "created",
            Some(snake_case(status)),
            status.label(),
            Some(status),
        )
    });
    assert_eq!(rows.len(), 14, "the seed's tables have 14 rows");
    let extra = [
        // Created but not read yet: the case's first status.
        (
            "created",
            None,
            "Invitation sent",
            Some(OverallStatus::InvitationSent),
        ),
        // KarmaCheck refused it: our own step.
        ("duplicate_email", None, "Not Sent", None),
    ];
    for (step, overall, label, status) in rows.into_iter().chain(extra) {
        let stub = karmacheck_stub(
            "A-7",
            &format!("[{}]", case_json("kc_1", "A-7", step, overall.as_deref())),
        );
        let badge = mount(&stub, badge_options("A-7")).await;
        assert_eq!(
            badge.line().get_attribute("data-state").as_deref(),
            Some("ready"),
            "{label}"
        );
        assert_eq!(badge.label(), label, "{step} {overall:?}");
        let tone = status.map_or("negative", |status| status.tone().as_str());
        let class = badge.find("[data-badge]").unwrap().class_name();
        assert!(
            class.ends_with(&format!("bgc-tone-{tone}")),
            "{label}: {class}"
        );
        assert_eq!(
            badge.line().get_attribute("aria-label").unwrap(),
            format!("Background check: {label}")
        );
    }
}

#[wasm_bindgen_test]
async fn a_karmacheck_case_reopened_from_placed_shows_needs_review_again_and_is_announced() {
    use bgcheck::widget::karmacheck::set_poll_interval;
    let reread = Gate::new();
    let stub = karmacheck_stub(
        "A-1042",
        &format!(
            "[{}]",
            case_json("kc_1", "A-1042", "created", Some("placed"))
        ),
    );
    stub.on(
        Method::Get,
        "/api/karmacheck/candidates/A-1042/orders",
        Reply::Held(
            200,
            format!(
                "[{}]",
                case_json("kc_1", "A-1042", "created", Some("needs_review"))
            ),
            reread.clone(),
        ),
    );
    // A short poll; what the widget shows next is decided by the gate, not by the timer.
    set_poll_interval(std::time::Duration::from_millis(5));
    let widget = mount(
        &stub,
        MountOptions {
            view: bgcheck::widget::host::View::Status,
            ..options()
        },
    )
    .await;
    set_poll_interval(std::time::Duration::from_secs(10));
    let row = widget.find("[data-order=\"kc_1\"] [data-badge]").unwrap();
    assert_eq!(row.text_content().unwrap(), "Placed");
    assert_eq!(row.get_attribute("data-final").as_deref(), Some("true"));
    assert!(!widget.text().contains("Checkr"), "{}", widget.text());
    assert!(widget.find("[data-order=\"ord_checkr\"]").is_none());
    assert!(widget.events("bgcheck:status").is_empty());
    assert_eq!(widget.events("bgcheck:ready").len(), 1);

    reread.open();
    until(&widget, "the reversal", |widget| {
        widget.text().contains("Needs review")
    })
    .await;
    let row = widget.find("[data-order=\"kc_1\"] [data-badge]").unwrap();
    assert_eq!(row.text_content().unwrap(), "Needs review");
    assert!(row.class_name().ends_with("bgc-tone-attention"));
    let announced = widget.events("bgcheck:status");
    assert_eq!(announced.len(), 1, "announced once");
    assert_eq!(prop(&announced[0], "orderId"), "kc_1");
    assert_eq!(prop(&announced[0], "label"), "Needs review");
    assert_eq!(prop(&announced[0], "final"), true);
    assert_eq!(prop(&announced[0], "provider"), "karmacheck");
}

#[wasm_bindgen_test]
async fn the_karmacheck_form_follows_karmachecks_name_rules_and_asks_for_no_work_location() {
    let stub = karmacheck_stub("A-1042", "[]");
    stub.post(
        "/api/karmacheck/orders",
        201,
        &case_json("kc_2", "A-1042", "created", Some("invitation_sent")),
    );
    let widget = mount(&stub, options()).await;
    assert_eq!(widget.events("bgcheck:ready").len(), 1);
    let text = widget.text();
    assert!(!text.contains("not connected"), "{text}");
    for absent in ["country", "state", "city", "node", "zipcode"] {
        assert!(
            widget.find(&format!("[data-field=\"{absent}\"]")).is_none(),
            "no {absent}: {text}"
        );
    }
    assert_eq!(
        widget.option_values("select[data-field=\"package\"]"),
        ["pkg_basic", "pkg_plus"]
    );
    assert!(widget.input("custom_id").read_only());

    widget.click("button[type=\"submit\"]");
    settle().await;
    assert!(
        stub.requests(Method::Post, "/api/karmacheck/orders")
            .is_empty()
    );
    let summary = widget
        .find(".bgc-summary")
        .expect("the problems are listed")
        .text_content()
        .unwrap();
    assert!(
        summary.contains("Choose one of the account's KarmaCheck packages"),
        "{summary}"
    );
    assert_eq!(
        focused(&widget).and_then(|element| element.get_attribute("data-field")),
        Some("package".to_owned()),
        "focus goes to the first problem"
    );

    widget.choose("select[data-field=\"package\"]", "pkg_plus");
    widget.type_into("first_name", "Ana<b>");
    widget.type_into("last_name", "O'Neil, Jr.");
    widget.type_into("email", "ana@example.com");
    widget.type_into("phone", "555-1234");
    settle().await;
    let first = widget
        .find("#bgc-kc-first_name-error")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        first.contains("letters, digits, spaces and - ' , . _"),
        "{first}"
    );
    assert_eq!(
        widget
            .input("first_name")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(
        !widget
            .find("#bgc-kc-phone-error")
            .unwrap()
            .text_content()
            .unwrap()
            .is_empty()
    );
    assert!(
        widget
            .find("#bgc-kc-last_name-error")
            .unwrap()
            .text_content()
            .unwrap()
            .is_empty()
    );

    widget.type_into("first_name", "Ana-María");
    widget.type_into("phone", "+15551234567");
    settle().await;
    assert!(widget.find(".bgc-summary").is_none(), "{}", widget.text());
    widget.click("button[type=\"submit\"]");
    settle().await;
    let sent = stub.requests(Method::Post, "/api/karmacheck/orders");
    assert_eq!(sent.len(), 1);
    let body = js_sys::JSON::parse(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(prop(&body, "package_id"), "pkg_plus");
    assert_eq!(prop(&body, "first_name"), "Ana-María");
    assert_eq!(prop(&body, "last_name"), "O'Neil, Jr.");
    assert_eq!(prop(&body, "phone"), "+15551234567");
    assert_eq!(prop(&body, "custom_id"), "A-1042");
    assert!(prop(&body, "work_location").is_undefined());
    assert!(
        widget.text().contains("Status: Invitation sent"),
        "{}",
        widget.text()
    );
    let ordered = widget.events("bgcheck:ordered");
    assert_eq!(ordered.len(), 1);
    assert_eq!(prop(&ordered[0], "orderId"), "kc_2");
    assert_eq!(prop(&ordered[0], "provider"), "karmacheck");
    let status = widget.events("bgcheck:status");
    assert_eq!(prop(&status[0], "label"), "Invitation sent");
    assert_eq!(prop(&status[0], "final"), false);
}

#[wasm_bindgen_test]
async fn a_karmacheck_duplicate_email_offers_another_case_or_replacing_the_existing_one_after_confirming()
 {
    let stub = karmacheck_stub("A-1042", "[]");
    stub.get(
        "/api/karmacheck/candidates/A-1042/orders",
        200,
        &format!("[{}]", case_json("kc_3", "A-1042", "duplicate_email", None)),
    )
    .post(
        "/api/karmacheck/orders",
        409,
        &format!(
            r#"{{"code":"karmacheck_duplicate_email","message":"KarmaCheck already has a case for this email in this account.","provider":{{"status":409,"message":"An order already exists for this email"}},"order":{}}}"#,
            case_json("kc_3", "A-1042", "duplicate_email", None)
        ),
    )
    .post(
        "/api/karmacheck/orders/kc_3/retry",
        200,
        &case_json("kc_3", "A-1042", "created", Some("invitation_sent")),
    );
    let widget = mount(&stub, options()).await;
    widget.choose("select[data-field=\"package\"]", "pkg_basic");
    widget.type_into("first_name", "Ana");
    widget.type_into("last_name", "Lopez");
    widget.type_into("email", "ana@example.com");
    widget.click("button[type=\"submit\"]");
    settle().await;

    let text = widget.text();
    assert!(text.contains("Choose in the list above"), "{text}");
    let row = widget
        .find("[data-order=\"kc_3\"]")
        .expect("the kept order")
        .text_content()
        .unwrap();
    assert!(row.contains("Not Sent"), "{row}");
    assert!(
        row.contains("Add another case") && row.contains("Replace the existing case"),
        "{row}"
    );
    assert_eq!(
        focused(&widget).and_then(|element| element.get_attribute("data-override")),
        Some("add".to_owned()),
        "focus goes to the choice"
    );
    assert_eq!(
        prop(&widget.events("bgcheck:error")[0], "code"),
        "karmacheck_duplicate_email"
    );

    // Replacing cancels the existing case: it is asked once more, and can be declined.
    widget.click("[data-override=\"replace\"]");
    settle().await;
    assert!(widget.text().contains("Replace it?"), "{}", widget.text());
    assert_eq!(
        focused(&widget).map(|element| element.has_attribute("data-confirm-replace")),
        Some(true)
    );
    widget.click("[data-keep]");
    settle().await;
    assert!(
        stub.requests(Method::Post, "/api/karmacheck/orders/kc_3/retry")
            .is_empty()
    );
    assert!(!widget.text().contains("Replace it?"));

    widget.click("[data-override=\"replace\"]");
    settle().await;
    widget.click("[data-confirm-replace]");
    settle().await;
    let sent = stub.requests(Method::Post, "/api/karmacheck/orders/kc_3/retry");
    assert_eq!(sent.len(), 1);
    let body = js_sys::JSON::parse(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(prop(&body, "order_override"), "replace");
    let row = widget
        .find("[data-order=\"kc_3\"]")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(row.contains("Invitation sent"), "{row}");
    assert!(widget.find("[data-override]").is_none());
    assert_eq!(
        prop(&widget.events("bgcheck:ordered")[0], "orderId"),
        "kc_3"
    );
}

#[wasm_bindgen_test]
async fn a_failed_karmacheck_order_says_why_and_retry_sends_it_again() {
    let stub = karmacheck_stub(
        "A-1042",
        &format!("[{}]", case_json("kc_4", "A-1042", "failed", None)),
    );
    stub.post(
        "/api/karmacheck/orders/kc_4/retry",
        200,
        &case_json("kc_4", "A-1042", "created", Some("invitation_sent")),
    );
    let widget = mount(
        &stub,
        MountOptions {
            view: bgcheck::widget::host::View::Status,
            ..options()
        },
    )
    .await;
    let row = widget
        .find("[data-order=\"kc_4\"]")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        row.contains("KarmaCheck said: An order already exists for this email (HTTP 409)"),
        "{row}"
    );
    widget.click("button[data-retry]");
    settle().await;
    let sent = stub.requests(Method::Post, "/api/karmacheck/orders/kc_4/retry");
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.is_none(), "a plain retry sends no choice");
    assert!(
        widget.text().contains("Invitation sent"),
        "{}",
        widget.text()
    );
    assert_eq!(
        focused(&widget).and_then(|element| element.get_attribute("data-order")),
        Some("kc_4".to_owned())
    );
}

// ---------------------------------------------------------------------------------------
// Connecting an account to KarmaCheck, and unlinking it (admins)

/// A KarmaCheck account's session for an admin: connected, credentialed, no Checkr links.
fn karmacheck_admin_session() -> String {
    karmacheck_session().replace(r#""role":"recruiter""#, r#""role":"admin""#)
}

fn not_connected_admin_stub() -> Rc<Stub> {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("admin", "combined", "not_connected", false),
    )
    .get("/api/candidates/A-1042/orders", 200, "[]");
    stub
}

const WEBHOOK_LOGIN: &str = r#"{"provider":"karmacheck","connected_at":"2026-12-01T13:30:00Z","webhook":{"url":"https://proxy.test/webhooks/karmacheck","username":"bgcheck-Xy12ab34c","password":"pw-7f3kQ9zL2mN8vR4tB6wY1xC5"}}"#;

impl Mounted {
    fn input_by_id(&self, id: &str) -> HtmlInputElement {
        self.find(&format!("#{id}"))
            .unwrap_or_else(|| panic!("an input #{id}"))
            .unchecked_into()
    }

    fn enter(&self, id: &str, value: &str) {
        let input = self.input_by_id(id);
        input.set_value(value);
        fire(&input, "input");
    }

    fn open_karmacheck_form(&self) {
        let toggle = self.button_with("Connect KarmaCheck");
        assert_eq!(
            toggle.get_attribute("aria-expanded").as_deref(),
            Some("false")
        );
        assert!(
            self.find("form[data-kc-connect]").is_none(),
            "closed at first"
        );
        toggle.click();
    }
}

#[wasm_bindgen_test]
async fn an_admin_connects_karmacheck_and_sees_the_webhook_login_once() {
    let stub = not_connected_admin_stub();
    let answer = Gate::new();
    stub.on(
        Method::Put,
        "/api/account/karmacheck",
        Reply::Held(200, WEBHOOK_LOGIN.to_owned(), answer.clone()),
    )
    .get("/api/session", 200, &karmacheck_admin_session())
    .get("/api/karmacheck/packages", 200, KC_PACKAGES)
    .get("/api/karmacheck/candidates/A-1042/orders", 200, "[]");
    let widget = mount(&stub, options()).await;
    widget.button_with("Sign up with Checkr");
    widget.open_karmacheck_form();
    settle().await;
    for (id, label) in [
        ("bgc-kc-api-key", "API key"),
        ("bgc-kc-token", "Client access token"),
    ] {
        let input = widget.find(&format!("#{id}")).unwrap();
        assert_eq!(input.get_attribute("type").as_deref(), Some("password"));
        assert_eq!(input.get_attribute("autocomplete").as_deref(), Some("off"));
        let text = widget
            .find(&format!("label[for=\"{id}\"]"))
            .unwrap_or_else(|| panic!("a label for {id}"))
            .text_content()
            .unwrap();
        assert_eq!(text, label);
    }
    widget.enter("bgc-kc-api-key", "  kc_live_key_123 ");
    widget.enter("bgc-kc-token", "cat_456");
    widget.button_with("Check and connect").click();
    settle().await;
    assert!(
        widget.text().contains("Checking with KarmaCheck…"),
        "{}",
        widget.text()
    );
    let sent = stub.requests(Method::Put, "/api/account/karmacheck");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body.as_deref(),
        Some(r#"{"api_key":"kc_live_key_123","client_access_token":"cat_456"}"#)
    );
    answer.open();
    settle().await;
    let login = widget
        .find("[data-kc-login]")
        .expect("the webhook login")
        .text_content()
        .unwrap();
    for shown in [
        "https://proxy.test/webhooks/karmacheck",
        "bgcheck-Xy12ab34c",
        "pw-7f3kQ9zL2mN8vR4tB6wY1xC5",
        "KarmaCheck's dashboard",
        "not shown again",
    ] {
        assert!(login.contains(shown), "{shown} in {login}");
    }
    assert!(
        widget.find("#bgc-kc-api-key").is_none(),
        "the form is gone once connected"
    );
    assert_eq!(
        stub.requests(Method::Get, "/api/session").len(),
        1,
        "the login stays until the admin moves on"
    );
    widget.click("button[data-kc-done]");
    until(&widget, "the KarmaCheck account view", |widget| {
        widget.text().contains("ordered through KarmaCheck")
    })
    .await;
    assert!(
        !widget.text().contains("pw-7f3kQ9zL2mN8vR4tB6wY1xC5"),
        "the password is shown once: {}",
        widget.text()
    );
    assert!(!widget.text().contains("not connected"));
    widget.button_with("Unlink KarmaCheck");
}

#[wasm_bindgen_test]
async fn a_refused_karmacheck_key_is_explained_and_nothing_else_changes() {
    let stub = not_connected_admin_stub();
    stub.on(
        Method::Put,
        "/api/account/karmacheck",
        Reply::Json(
            422,
            r#"{"code":"karmacheck_credentials_refused","message":"KarmaCheck refused the API key or client access token.","provider":{"status":401,"message":"Invalid API key"}}"#.to_owned(),
        ),
    );
    let widget = mount(&stub, options()).await;
    widget.open_karmacheck_form();
    settle().await;
    widget.enter("bgc-kc-api-key", "wrong");
    widget.enter("bgc-kc-token", "cat_456");
    widget.button_with("Check and connect").click();
    settle().await;
    let error = widget
        .find("[data-kc-error]")
        .expect("the refusal")
        .text_content()
        .unwrap();
    assert!(error.contains("nothing was saved"), "{error}");
    assert!(
        error.contains("KarmaCheck refused the API key or client access token."),
        "{error}"
    );
    assert!(error.contains("Invalid API key (HTTP 401)"), "{error}");
    assert!(widget.find("[data-kc-login]").is_none());
    assert_eq!(widget.events("bgcheck:error").len(), 1);
    // Still a Checkr sign-up candidate; what was typed stays to be corrected.
    assert!(widget.text().contains("not connected to Checkr"));
    widget.button_with("Sign up with Checkr");
    assert_eq!(widget.input_by_id("bgc-kc-api-key").value(), "wrong");
    assert_eq!(widget.input_by_id("bgc-kc-token").value(), "cat_456");
    assert_eq!(stub.requests(Method::Get, "/api/session").len(), 1);
}

#[wasm_bindgen_test]
async fn a_recruiter_sees_no_karmacheck_connect_form() {
    let stub = Stub::new();
    stub.get(
        "/api/session",
        200,
        &session("recruiter", "combined", "not_connected", false),
    )
    .get("/api/candidates/A-1042/orders", 200, "[]");
    let widget = mount(&stub, options()).await;
    assert!(widget.text().contains("Ask an admin"), "{}", widget.text());
    assert!(widget.find("[data-kc-toggle]").is_none());
    assert!(widget.find("form[data-kc-connect]").is_none());
    assert!(!widget.text().contains("KarmaCheck"), "{}", widget.text());
    // Nor, in a KarmaCheck account, the way to unlink it.
    let stub = karmacheck_stub("A-1042", "[]");
    let widget = mount(&stub, options()).await;
    assert!(widget.text().contains("ordered through KarmaCheck"));
    assert!(widget.find("[data-kc-unlink]").is_none());
}

#[wasm_bindgen_test]
async fn an_admin_unlinks_karmacheck_after_confirming() {
    let stub = Stub::new();
    stub.get("/api/session", 200, &karmacheck_admin_session())
        .get(
            "/api/session",
            200,
            &session("admin", "combined", "not_connected", false),
        )
        .get("/api/karmacheck/packages", 200, KC_PACKAGES)
        .get("/api/karmacheck/candidates/A-1042/orders", 200, "[]")
        .get("/api/candidates/A-1042/orders", 200, "[]")
        .on(
            Method::Delete,
            "/api/account/karmacheck",
            Reply::Json(204, "null".to_owned()),
        );
    let widget = mount(&stub, options()).await;
    widget.click("button[data-kc-unlink]");
    settle().await;
    let dialog = widget
        .find("[role=\"alertdialog\"]")
        .expect("a confirmation");
    assert!(
        dialog
            .text_content()
            .unwrap()
            .contains("Unlink Acme from KarmaCheck?"),
        "{}",
        widget.text()
    );
    widget.button_with("No, keep it connected").click();
    settle().await;
    assert!(
        stub.requests(Method::Delete, "/api/account/karmacheck")
            .is_empty()
    );
    widget.click("button[data-kc-unlink]");
    settle().await;
    widget.button_with("Yes, unlink").click();
    until(&widget, "the not-connected notice", |widget| {
        widget.text().contains("not connected")
    })
    .await;
    assert_eq!(
        stub.requests(Method::Delete, "/api/account/karmacheck")
            .len(),
        1
    );
    assert_eq!(widget.events("bgcheck:disconnected").len(), 1);
    widget.button_with("Connect KarmaCheck");
}
