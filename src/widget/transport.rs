//! The network boundary: every request the widget makes goes through a [`Transport`], so tests
//! can answer from a stub and the browser build answers with `fetch` and `EventSource`.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// HTTP methods the widget uses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Reads.
    Get,
    /// Writes and token requests.
    Post,
    /// Changes a setting.
    Put,
    /// Ends something (an enrolment).
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One request, as the widget builds it.
#[derive(Clone)]
pub struct HttpRequest {
    /// GET, POST, PUT or DELETE.
    pub method: Method,
    /// Absolute or page-relative URL.
    pub url: String,
    /// Sent as `Authorization: Bearer <token>` when present.
    pub bearer: Option<String>,
    /// A JSON body, already serialised.
    pub body: Option<String>,
    /// Send the host page's cookies: only the host's own session endpoint needs them.
    pub with_credentials: bool,
}

/// A response: its status and its body parsed as JSON (`null` when it was not JSON).
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The parsed body.
    pub body: JsValue,
}

/// The request never got an answer (offline, DNS, CORS, aborted).
pub struct NetworkError;

// A rejected `fetch` or body read carries only a JS error object, and all the widget can tell
// the user is that the service was not reached; this lets `?` say so inside `fetch`.
impl From<JsValue> for NetworkError {
    fn from(_: JsValue) -> Self {
        NetworkError
    }
}

/// What a [`Transport::send`] resolves to.
pub type Sent = Pin<Box<dyn Future<Output = Result<HttpResponse, NetworkError>>>>;

/// Callbacks of a live status stream.
pub struct Listener {
    /// Called with each `order` event's data, parsed from JSON.
    pub on_order: Rc<dyn Fn(JsValue)>,
    /// Called when the stream fails; the widget then falls back to polling.
    pub on_broken: Rc<dyn Fn()>,
}

/// Where the widget's requests go.
pub trait Transport {
    /// Sends one request.
    fn send(&self, request: HttpRequest) -> Sent;

    /// Opens the live status stream at `url`. The returned guard closes it when dropped;
    /// `None` means no stream could be opened.
    fn listen(&self, url: &str, listener: Listener) -> Option<Box<dyn Any>>;
}

/// The browser's `fetch` and `EventSource`.
pub struct BrowserTransport;

impl Transport for BrowserTransport {
    fn send(&self, request: HttpRequest) -> Sent {
        Box::pin(fetch(request))
    }

    fn listen(&self, url: &str, listener: Listener) -> Option<Box<dyn Any>> {
        let source = web_sys::EventSource::new(url).ok()?;
        let on_order = listener.on_order;
        let message =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                if let Some(text) = event.data().as_string()
                    && let Ok(value) = js_sys::JSON::parse(&text)
                {
                    on_order(value);
                }
            });
        let on_broken = listener.on_broken;
        let error = Closure::<dyn Fn()>::new(move || on_broken());
        source
            .add_event_listener_with_callback("order", message.as_ref().unchecked_ref())
            .ok()?;
        source.set_onerror(Some(error.as_ref().unchecked_ref()));
        Some(Box::new(EventStream {
            source,
            _message: message,
            _error: error,
        }))
    }
}

/// An open `EventSource` and the callbacks it calls; dropping it closes the stream first so
/// no callback runs after its closure is freed.
struct EventStream {
    source: web_sys::EventSource,
    _message: Closure<dyn Fn(web_sys::MessageEvent)>,
    _error: Closure<dyn Fn()>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.source.set_onerror(None);
        self.source.close();
    }
}

async fn fetch(request: HttpRequest) -> Result<HttpResponse, NetworkError> {
    let init = web_sys::RequestInit::new();
    init.set_method(request.method.as_str());
    init.set_credentials(if request.with_credentials {
        web_sys::RequestCredentials::SameOrigin
    } else {
        web_sys::RequestCredentials::Omit
    });
    let headers = web_sys::Headers::new()?;
    headers.set("Accept", "application/json")?;
    if let Some(token) = &request.bearer {
        let mut value = String::with_capacity(token.len() + 7);
        value.push_str("Bearer ");
        value.push_str(token);
        headers.set("Authorization", &value)?;
    }
    if let Some(body) = &request.body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or(NetworkError)?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&request.url, &init))
            .await?
            .unchecked_into();
    let status = response.status();
    let body = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await?
            .as_string()
            .and_then(|text| js_sys::JSON::parse(&text).ok())
            .unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    Ok(HttpResponse { status, body })
}
