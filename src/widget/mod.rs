//! The embeddable widget: mounted into a shadow root so the host page's styles neither leak in
//! nor get overridden, reachable as `mount(element, options)` and as the custom elements
//! `<bgcheck-order>`, `<bgcheck-status>` and `<bgcheck-badge>`. Every widget of a page with the
//! same proxy and session shares one [`hub::Hub`]: one session read, one batched status call,
//! one live stream.

pub mod api;
mod app;
mod badge;
pub mod decode;
pub mod host;
pub mod hub;
pub mod karmacheck;
pub mod model;
pub mod transport;
pub mod wire;

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use leptos::either::Either;
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRootInit, ShadowRootMode};

use app::Ctx;
#[cfg(feature = "status-view")]
pub use app::Widget;
use host::{MountOptions, View};
use model::Prefill;
use transport::{BrowserTransport, Transport};

#[wasm_bindgen(typescript_custom_section)]
const OPTIONS_TYPE: &str = r#"
/** Options for `mount`; the custom elements take the same values as kebab-case attributes. */
export interface MountOptions {
  /** Base URL of the bgcheck proxy; empty or absent means the page's own origin. */
  proxyUrl?: string;
  /** A widget session token the host already holds. */
  sessionToken?: string;
  /** A host endpoint (POST, same-origin cookies) answering `{"token": "..."}`; also used to renew an expired token. */
  sessionPath?: string;
  /** The ATS applicant id; the field is read-only when given. */
  customId?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  /** ISO 3166-1 alpha-2 work country. */
  country?: string;
  /** US state code, when the country is US. */
  state?: string;
  city?: string;
  /** "order" (form and orders, the default), "status" (orders only) or "badge" (one line for lists). */
  view?: "order" | "status" | "badge";
  /** Badge only: render it as a button that emits `bgcheck:open` (attribute: `clickable`). */
  clickable?: boolean;
  /** CSP nonce: styles go into a `<style nonce>` instead of a constructed stylesheet. */
  nonce?: string;
}

/** `detail` of the widget's events, which bubble out of its shadow root. */
export interface BgcheckEventMap {
  "bgcheck:ready": CustomEvent<{}>;
  "bgcheck:ordered": CustomEvent<{ orderId: string; candidateId: string | null; customId: string; package: string }>;
  "bgcheck:status": CustomEvent<{ orderId: string; label: string; final: boolean; provider: "checkr" | "karmacheck" }>;
  "bgcheck:error": CustomEvent<{ code: string; message: string }>;
  /** A clickable badge was activated: open the applicant's detail view. */
  "bgcheck:open": CustomEvent<{ customId: string }>;
}

declare global {
  interface HTMLElementTagNameMap {
    "bgcheck-order": HTMLElement;
    "bgcheck-status": HTMLElement;
    /** `<bgcheck-badge custom-id="…" [clickable]>`: the newest order's status on one line. */
    "bgcheck-badge": HTMLElement;
  }
}
"#;

struct Mounted {
    host: HtmlElement,
    options: MountOptions,
    transport: Rc<dyn Transport>,
    prefill: Option<RwSignal<Prefill>>,
    view: Option<Box<dyn Any>>,
}

impl Mounted {
    fn render(&mut self) -> Result<(), JsValue> {
        self.clear();
        let root = match self.host.shadow_root() {
            Some(root) => root,
            None => self
                .host
                .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
        };
        host::style(&root, self.options.nonce.as_deref())?;
        let document = self
            .host
            .owner_document()
            .ok_or_else(|| JsValue::from_str("element is not in a document"))?;
        let container: HtmlElement = document.create_element("div")?.unchecked_into();
        container.set_class_name("bgc");
        root.append_child(&container)?;

        let hub = hub::Hub::for_page(
            &self.options.proxy_url,
            self.options.credentials(),
            Rc::clone(&self.transport),
        );
        let clickable = self.options.clickable;
        let prefill_slot = Rc::new(RefCell::new(None));
        let slot = Rc::clone(&prefill_slot);
        let prefill = self.options.prefill.clone();
        let view = self.options.view;
        let host = self.host.clone();
        let inner = container.clone();
        let handle = mount_to(container, move || {
            let prefill = RwSignal::new(prefill);
            slot.replace(Some(prefill));
            let ctx = Ctx::new(hub, host, inner, view, prefill);
            match view {
                View::Badge => Either::Left(view! { <badge::Badge ctx clickable/> }),
                #[cfg(feature = "status-view")]
                View::Order | View::Status => Either::Right(view! { <Widget ctx/> }),
                // The badge-only bundle: the loader never sends it an order or a status list.
                #[cfg(not(feature = "status-view"))]
                View::Order | View::Status => Either::Right(()),
            }
        });
        self.prefill = prefill_slot.take();
        self.view = Some(Box::new(handle));
        Ok(())
    }

    fn clear(&mut self) {
        // Dropping the mount handle disposes the reactive owner, which runs every
        // `on_cleanup`: timers stop and the live stream closes.
        self.view = None;
        self.prefill = None;
        if let Some(root) = self.host.shadow_root() {
            root.set_inner_html("");
            root.set_adopted_style_sheets(&js_sys::Array::new());
        }
    }
}

/// A mounted widget; [`WidgetHandle::unmount`] removes it.
#[wasm_bindgen]
pub struct WidgetHandle {
    mounted: Rc<RefCell<Mounted>>,
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Removes the widget's DOM, its timers and its live stream.
    pub fn unmount(&mut self) {
        self.mounted.borrow_mut().clear();
    }

    /// Applies new options: new prefill values go into the form; a different proxy, session,
    /// applicant or view re-renders the widget.
    pub fn update(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MountOptions")] options: JsValue,
    ) -> Result<(), JsValue> {
        self.apply(MountOptions::from_js(options)?)
    }
}

impl WidgetHandle {
    /// [`WidgetHandle::update`] with options already read.
    pub fn apply(&self, options: MountOptions) -> Result<(), JsValue> {
        let mut mounted = self.mounted.borrow_mut();
        let remount = mounted.options.needs_remount(&options) || mounted.view.is_none();
        let prefill = options.prefill.clone();
        mounted.options = options;
        match (remount, mounted.prefill) {
            (false, Some(signal)) => {
                signal.set(prefill);
                Ok(())
            }
            (true, _) | (false, None) => mounted.render(),
        }
    }
}

/// Mounts the widget into `element` with the browser's network.
#[wasm_bindgen]
pub fn mount(
    element: HtmlElement,
    #[wasm_bindgen(unchecked_param_type = "MountOptions | undefined")] options: JsValue,
) -> Result<WidgetHandle, JsValue> {
    mount_with(element, MountOptions::from_js(options)?, browser())
}

/// Mounts the widget into `element`, sending every request through `transport`.
pub fn mount_with(
    element: HtmlElement,
    options: MountOptions,
    transport: Rc<dyn Transport>,
) -> Result<WidgetHandle, JsValue> {
    let mut mounted = Mounted {
        host: element,
        options,
        transport,
        prefill: None,
        view: None,
    };
    mounted.render()?;
    Ok(WidgetHandle {
        mounted: Rc::new(RefCell::new(mounted)),
    })
}

thread_local! {
    /// The browser's network, one value per page so the widgets' hubs can be shared.
    static BROWSER: Rc<dyn Transport> = Rc::new(BrowserTransport);
    /// The widgets the custom elements mounted, by host element.
    static ELEMENTS: RefCell<Vec<(HtmlElement, WidgetHandle)>> = const { RefCell::new(Vec::new()) };
}

fn browser() -> Rc<dyn Transport> {
    BROWSER.with(Rc::clone)
}

fn element_connected(element: HtmlElement, view: View) {
    let options = MountOptions::from_attributes(&element, view);
    element_disconnected(element.clone());
    match mount_with(element.clone(), options, browser()) {
        Ok(handle) => ELEMENTS.with_borrow_mut(|elements| elements.push((element, handle))),
        Err(error) => web_sys::console::error_1(&error),
    }
}

fn element_disconnected(element: HtmlElement) {
    let removed = ELEMENTS.with_borrow_mut(|elements| {
        elements
            .iter()
            .position(|(host, _)| *host == element)
            .map(|index| elements.swap_remove(index))
    });
    if let Some((_, mut handle)) = removed {
        handle.unmount();
    }
}

fn element_changed(element: HtmlElement, view: View) {
    let options = MountOptions::from_attributes(&element, view);
    let applied = ELEMENTS.with_borrow(|elements| {
        elements
            .iter()
            .find(|(host, _)| *host == element)
            .map(|(_, handle)| handle.apply(options.clone()))
    });
    if let Some(Err(error)) = applied {
        web_sys::console::error_1(&error);
    }
}

/// Defines `<bgcheck-order>`, `<bgcheck-status>` and `<bgcheck-badge>`; safe to call more
/// than once.
#[wasm_bindgen(js_name = defineElements)]
pub fn define_elements() {
    host::define_elements(element_connected, element_disconnected, element_changed);
}

/// Mounts the widget into a custom element the loader (`pkg/embed.js`) defined, when it
/// connects; `view` is "order", "status" or "badge". The loader defines the elements itself so
/// that a `<bgcheck-order>` can fetch the bundle with the form only when one appears.
#[wasm_bindgen(js_name = connectElement)]
pub fn connect_element(element: HtmlElement, view: &str) {
    match View::named(view) {
        Some(view) => element_connected(element, view),
        None => web_sys::console::error_1(&JsValue::from_str("bgcheck: unknown view")),
    }
}

/// Removes the widget of a loader-defined element that left the page.
#[wasm_bindgen(js_name = disconnectElement)]
pub fn disconnect_element(element: HtmlElement) {
    element_disconnected(element);
}

/// Applies a loader-defined element's changed attributes.
#[wasm_bindgen(js_name = changeElement)]
pub fn change_element(element: HtmlElement, view: &str) {
    if let Some(view) = View::named(view) {
        element_changed(element, view);
    }
}

/// Defines the custom elements as soon as the module loads; debug builds also install the
/// panic hook (release builds leave it out: it and the formatting it pulls in weigh more than
/// the rest of the glue).
#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    define_elements();
}
