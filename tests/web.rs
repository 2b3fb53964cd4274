//! The domain module in headless Chromium: the same vectors as the native suites, and the
//! widget mounted into a page.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
#[path = "vectors/checkr.rs"]
mod checkr_vectors;
#[macro_use]
#[path = "vectors/karmacheck.rs"]
mod karmacheck_vectors;
#[macro_use]
#[path = "vectors/hierarchy.rs"]
mod hierarchy_vectors;
#[macro_use]
#[path = "vectors/validation.rs"]
mod validation_vectors;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

// Each vectors file names its rows `vectors::Row`; these macros point that name at the
// right file and turn every row into a browser test.
macro_rules! browser_cases {
    ($case:ident, $tests:ident, $module:ident, $rows:ident) => {
        mod $tests {
            use super::$module as vectors;
            use wasm_bindgen_test::wasm_bindgen_test;
            macro_rules! $case {
                ($name:ident, $row:expr) => {
                    #[wasm_bindgen_test]
                    fn $name() {
                        vectors::check(&$row);
                    }
                };
            }
            $rows!($case);
        }
    };
}

browser_cases!(checkr_case, checkr, checkr_vectors, checkr_rows);
browser_cases!(
    karmacheck_case,
    karmacheck,
    karmacheck_vectors,
    karmacheck_rows
);
browser_cases!(hierarchy_case, hierarchy, hierarchy_vectors, hierarchy_rows);
browser_cases!(
    validation_case,
    validation,
    validation_vectors,
    validation_rows
);

/// Lets Leptos flush its pending DOM updates (they run after the current task).
async fn next_macrotask() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn fresh_host() -> web_sys::HtmlElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let host: web_sys::HtmlElement = document
        .create_element("div")
        .expect("a div")
        .unchecked_into();
    document
        .body()
        .expect("a body")
        .append_child(&host)
        .expect("appended");
    host
}

#[wasm_bindgen_test]
async fn mounting_renders_the_widget_inside_a_shadow_root_and_unmount_removes_it() {
    let host = fresh_host();
    let mut handle =
        bgcheck::widget::mount(host.clone(), wasm_bindgen::JsValue::UNDEFINED).expect("mounts");
    next_macrotask().await;
    let root = host
        .shadow_root()
        .expect("the widget renders into a shadow root");
    let heading = root
        .query_selector("h2")
        .expect("query")
        .expect("a heading");
    assert_eq!(heading.text_content().as_deref(), Some("Background checks"));
    assert_eq!(
        host.inner_html(),
        "",
        "nothing leaks into the host page's own DOM"
    );

    handle.unmount();
    next_macrotask().await;
    assert!(
        root.query_selector("h2").expect("query").is_none(),
        "unmount removes the view"
    );
}
