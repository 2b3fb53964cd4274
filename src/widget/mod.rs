//! The embeddable widget: mounted into a shadow root so the host page's styles neither leak in
//! nor get overridden.

mod app;

use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRootInit, ShadowRootMode};

pub use app::Widget;

const STYLES: &str = include_str!("../../www/widget.css");

/// What the host passes to [`mount`].
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountOptions {
    /// Base URL of the bgcheck proxy; empty means the page's own origin.
    #[serde(default)]
    pub proxy_url: String,
}

/// A mounted widget; dropping it or calling [`WidgetHandle::unmount`] removes it.
#[wasm_bindgen]
pub struct WidgetHandle {
    host: HtmlElement,
    mounted: Option<Box<dyn std::any::Any>>,
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Removes the widget's DOM and disposes its reactive state.
    pub fn unmount(&mut self) {
        self.mounted = None;
        if let Some(root) = self.host.shadow_root() {
            root.set_inner_html("");
        }
    }
}

/// Mounts the widget into `element`. `options` is a plain object (see [`MountOptions`]).
#[wasm_bindgen]
pub fn mount(element: HtmlElement, options: JsValue) -> Result<WidgetHandle, JsValue> {
    let options: MountOptions = if options.is_undefined() || options.is_null() {
        MountOptions::default()
    } else {
        serde_wasm_bindgen::from_value(options)?
    };
    let root = match element.shadow_root() {
        Some(root) => root,
        None => element.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    root.set_inner_html("");
    let document = element
        .owner_document()
        .ok_or_else(|| JsValue::from_str("element is not in a document"))?;
    let style = document.create_element("style")?;
    style.set_text_content(Some(STYLES));
    root.append_child(&style)?;
    let container: HtmlElement = document.create_element("div")?.unchecked_into();
    container.set_class_name("bgc");
    root.append_child(&container)?;

    let handle = mount_to(
        container,
        move || view! { <Widget proxy_url=options.proxy_url/> },
    );
    Ok(WidgetHandle {
        host: element,
        mounted: Some(Box::new(handle)),
    })
}

/// Installs the panic hook so a bug shows in the console instead of a silent dead widget.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
