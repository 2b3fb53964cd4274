//! What the widget exchanges with the host page: options, attributes, styles and events.

use wasm_bindgen::prelude::*;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement, ShadowRoot};

use super::api::Credentials;
use super::decode;
use super::model::Prefill;

const STYLES: &str = include_str!("../../www/widget.css");

/// Which part of the widget to show.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// The order form and this candidate's orders (`<bgcheck-order>`).
    #[default]
    Order,
    /// Only this candidate's orders (`<bgcheck-status>`).
    Status,
    /// One line: the newest order's status, for lists (`<bgcheck-badge>`).
    Badge,
}

/// What the host passes to `mount` (camelCase keys) or sets as attributes (kebab-case).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MountOptions {
    /// Base URL of the proxy; empty means the page's own origin.
    pub proxy_url: String,
    /// A session token the host already has.
    pub session_token: Option<String>,
    /// The host endpoint that mints session tokens.
    pub session_path: Option<String>,
    /// The applicant and the candidate values to prefill.
    pub prefill: Prefill,
    /// Form and orders, or orders only.
    pub view: View,
    /// A CSP nonce: styles go into a `<style nonce>` instead of a constructed stylesheet.
    pub nonce: Option<String>,
    /// The badge is a button emitting `bgcheck:open` (the `clickable` attribute).
    pub clickable: bool,
}

/// The attributes `<bgcheck-order>` and `<bgcheck-status>` watch.
pub const ATTRIBUTES: [&str; 13] = [
    "proxy-url",
    "session-token",
    "session-path",
    "custom-id",
    "first-name",
    "last-name",
    "email",
    "country",
    "state",
    "city",
    "nonce",
    "clickable",
    "tags",
];

impl View {
    /// The view a custom element's loader names: "order", "status" or "badge".
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "order" => Some(Self::Order),
            "status" => Some(Self::Status),
            "badge" => Some(Self::Badge),
            _ => None,
        }
    }
}

impl MountOptions {
    /// Reads a JavaScript options object; `undefined` or `null` gives the defaults.
    pub fn from_js(value: JsValue) -> Result<Self, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Ok(Self::default());
        }
        if !value.is_object() {
            return Err(invalid("object"));
        }
        let text = |key: &str| match decode::field(&value, key) {
            None => Ok(None),
            Some(found) => found.as_string().map(Some).ok_or_else(|| invalid(key)),
        };
        let view = match text("view")? {
            None => View::Order,
            Some(name) => View::named(&name).ok_or_else(|| invalid("view"))?,
        };
        let clickable = match decode::field(&value, "clickable") {
            None => false,
            Some(flag) => flag.as_bool().ok_or_else(|| invalid("clickable"))?,
        };
        Ok(Self {
            proxy_url: text("proxyUrl")?.unwrap_or_default(),
            session_token: text("sessionToken")?,
            session_path: text("sessionPath")?,
            prefill: Prefill {
                custom_id: text("customId")?,
                first_name: text("firstName")?,
                last_name: text("lastName")?,
                email: text("email")?,
                country: text("country")?,
                state: text("state")?,
                city: text("city")?,
                tags: match decode::field(&value, "tags") {
                    None => Vec::new(),
                    Some(tags) => {
                        decode::items(&tags, JsValue::as_string).ok_or_else(|| invalid("tags"))?
                    }
                },
            },
            view,
            nonce: text("nonce")?,
            clickable,
        })
    }

    /// Reads the custom element's attributes.
    pub fn from_attributes(element: &HtmlElement, view: View) -> Self {
        let get = |name: &str| {
            element
                .get_attribute(name)
                .filter(|value| !value.is_empty())
        };
        Self {
            proxy_url: get("proxy-url").unwrap_or_default(),
            session_token: get("session-token"),
            session_path: get("session-path"),
            prefill: Prefill {
                custom_id: get("custom-id"),
                first_name: get("first-name"),
                last_name: get("last-name"),
                email: get("email"),
                country: get("country"),
                state: get("state"),
                city: get("city"),
                tags: get("tags")
                    .map(|text| crate::domain::manage::split_tag_list(&text))
                    .unwrap_or_default(),
            },
            view,
            nonce: get("nonce"),
            clickable: element.has_attribute("clickable"),
        }
    }

    /// How the widget authenticates.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            token: self.session_token.clone(),
            session_path: self.session_path.clone(),
        }
    }

    /// Whether a change from `self` to `next` needs a fresh widget rather than new prefill.
    pub fn needs_remount(&self, next: &Self) -> bool {
        self.proxy_url != next.proxy_url
            || self.session_token != next.session_token
            || self.session_path != next.session_path
            || self.view != next.view
            || self.prefill.custom_id != next.prefill.custom_id
            || self.nonce != next.nonce
            || self.clickable != next.clickable
    }
}

/// The error `mount` and `update` throw for an option of the wrong type or value.
fn invalid(key: &str) -> JsValue {
    let mut message = String::from("bgcheck: invalid option ");
    message.push_str(key);
    js_sys::Error::new(&message).into()
}

/// Styles the shadow root without inline `<style>` (allowed under a strict CSP), or with a
/// nonce'd `<style>` when the host gives a nonce or the browser lacks constructed sheets.
pub fn style(root: &ShadowRoot, nonce: Option<&str>) -> Result<(), JsValue> {
    if nonce.is_none()
        && let Some(sheet) = shared_sheet()
    {
        root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        return Ok(());
    }
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or(JsValue::NULL)?;
    let style = document.create_element("style")?;
    if let Some(nonce) = nonce {
        style.set_attribute("nonce", nonce)?;
    }
    style.set_text_content(Some(STYLES));
    root.append_child(&style)?;
    Ok(())
}

thread_local! {
    /// One parsed stylesheet adopted by every widget of the page: 200 badges parse it once.
    static SHEET: std::cell::OnceCell<Option<web_sys::CssStyleSheet>> =
        const { std::cell::OnceCell::new() };
}

fn shared_sheet() -> Option<web_sys::CssStyleSheet> {
    SHEET.with(|sheet| {
        sheet
            .get_or_init(|| {
                let made = web_sys::CssStyleSheet::new().ok()?;
                made.replace_sync(STYLES).ok()?;
                Some(made)
            })
            .clone()
    })
}

/// Dispatches `name` on the host element, bubbling out of the shadow root.
pub fn emit(host: &HtmlElement, name: &str, detail: &[(&str, JsValue)]) {
    let object = js_sys::Object::new();
    for (key, value) in detail {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&object);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

#[wasm_bindgen(inline_js = "
export function defineElement(name, attributes, connect, disconnect, changed) {
  if (customElements.get(name)) return;
  customElements.define(name, class extends HTMLElement {
    static get observedAttributes() { return attributes; }
    connectedCallback() { connect(this); }
    disconnectedCallback() { disconnect(this); }
    attributeChangedCallback(_name, before, after) {
      if (this.isConnected && before !== after) changed(this);
    }
  });
}
")]
extern "C" {
    /// Defines a custom element whose lifecycle callbacks call back into the widget. Only
    /// this class needs JavaScript: wasm cannot extend `HTMLElement` itself.
    #[wasm_bindgen(js_name = defineElement)]
    fn define_element(
        name: &str,
        attributes: &js_sys::Array,
        connect: &JsValue,
        disconnect: &JsValue,
        changed: &JsValue,
    );
}

/// Defines `<bgcheck-order>`, `<bgcheck-status>` and `<bgcheck-badge>` (once per page).
pub fn define_elements(
    on_connect: fn(HtmlElement, View),
    on_disconnect: fn(HtmlElement),
    on_change: fn(HtmlElement, View),
) {
    let attributes: js_sys::Array = ATTRIBUTES
        .iter()
        .map(|name| JsValue::from_str(name))
        .collect();
    let elements = [
        #[cfg(feature = "order-form")]
        ("bgcheck-order", View::Order),
        ("bgcheck-status", View::Status),
        ("bgcheck-badge", View::Badge),
    ];
    for (name, view) in elements {
        let connect = Closure::<dyn Fn(HtmlElement)>::new(move |element| on_connect(element, view));
        let disconnect = Closure::<dyn Fn(HtmlElement)>::new(on_disconnect);
        let changed = Closure::<dyn Fn(HtmlElement)>::new(move |element| on_change(element, view));
        define_element(
            name,
            &attributes,
            connect.as_ref(),
            disconnect.as_ref(),
            changed.as_ref(),
        );
        // The element classes live as long as the page, and so must their callbacks.
        connect.forget();
        disconnect.forget();
        changed.forget();
    }
}
