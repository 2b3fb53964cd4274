//! The proxy's widget API as the widget sees it: a client that keeps the session token fresh,
//! and why a call failed. The wire types live in [`super::wire`].

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::domain::validation::OrderDraft;

use super::decode;
use super::transport::{HttpRequest, HttpResponse, Method, Transport};

pub use super::wire::{
    CatalogView, ConnectLinks, Connection, ErrorBody, Failure, Order, Provider, ProviderDetail,
    Role, Session,
};

/// Why a call failed.
#[derive(Clone, PartialEq)]
pub enum Problem {
    /// No answer at all: offer to try again.
    Network,
    /// The proxy answered with an error.
    Api {
        /// The HTTP status.
        status: u16,
        /// The decoded body (empty fields when it was not our shape).
        body: Box<ErrorBody>,
    },
}

impl Problem {
    /// The machine-readable code sent with `bgcheck:error`.
    pub fn code(&self) -> &str {
        match self {
            Problem::Network => "network",
            Problem::Api { body, .. } if !body.code.is_empty() => &body.code,
            Problem::Api { .. } => "http",
        }
    }

    /// One sentence for the user.
    pub fn message(&self) -> String {
        match self {
            Problem::Network => {
                "The background-check service could not be reached. Check the connection and try again."
                    .to_owned()
            }
            Problem::Api { body, .. } => {
                let mut text = if body.message.is_empty() {
                    "The background-check service refused the request.".to_owned()
                } else {
                    body.message.clone()
                };
                if let Some(provider) = &body.provider
                    && !provider.message.is_empty()
                    && provider.message != body.message
                {
                    text.push_str(" Provider said: ");
                    text.push_str(&provider.message);
                    if let Some(status) = provider.status {
                        text.push_str(" (HTTP ");
                        text.push_str(&status.to_string());
                        text.push(')');
                    }
                }
                text
            }
        }
    }

    /// Whether trying the same call again may help.
    pub fn is_retryable(&self) -> bool {
        match self {
            Problem::Network => true,
            Problem::Api { status, .. } => *status >= 500,
        }
    }
}

/// Where the widget gets its session token.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    /// A token handed over by the host.
    pub token: Option<String>,
    /// The host's endpoint that mints one (POST, same-origin cookies, answers `{"token"}`).
    pub session_path: Option<String>,
}

/// Calls the proxy with a bearer token, fetching a new token once when the proxy says 401.
/// One client serves every widget of a page with the same proxy and session, so a token is
/// minted once however many calls need it at the same moment.
pub struct Client {
    base: String,
    credentials: Credentials,
    token: RefCell<Option<String>>,
    transport: Rc<dyn Transport>,
    /// Settles when the token request in flight has answered; later callers wait on it.
    minting: RefCell<Option<js_sys::Promise>>,
    /// What the last token request gave, for the callers that waited on it.
    minted: RefCell<Option<Result<Option<String>, Problem>>>,
}

/// A promise and the function that settles it: lets several tasks wait on one in-flight
/// request without a channel crate.
pub fn deferred() -> (js_sys::Promise, js_sys::Function) {
    let mut settle = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| settle = Some(resolve));
    (
        promise,
        settle.unwrap_or_else(|| js_sys::Function::new_no_args("")),
    )
}

impl Client {
    /// A client for the proxy at `base` (empty: the page's origin).
    pub fn new(base: &str, credentials: Credentials, transport: Rc<dyn Transport>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token: RefCell::new(credentials.token.clone()),
            credentials,
            transport,
            minting: RefCell::new(None),
            minted: RefCell::new(None),
        }
    }

    /// The base URL and credentials this client was made for.
    pub fn serves(&self, base: &str, credentials: &Credentials) -> bool {
        self.base == base.trim_end_matches('/') && self.credentials == *credentials
    }

    /// The token, minting one first when the host gave a session path but no token.
    pub async fn ensure_token(&self) -> Option<String> {
        let known = self.token.borrow().clone();
        match known {
            Some(token) => Some(token),
            None => self.mint_token().await.ok().flatten(),
        }
    }

    /// The transport, for the live status stream.
    pub fn transport(&self) -> &Rc<dyn Transport> {
        &self.transport
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        let mut url = String::with_capacity(self.base.len() + path.len());
        url.push_str(&self.base);
        url.push_str(path);
        url
    }

    /// The URL of the live status stream for `custom_ids` (all of the account's orders when
    /// `None`); `None` until a token is known.
    pub fn events_url(&self, custom_ids: Option<&[String]>) -> Option<String> {
        let token = self.token.borrow().clone()?;
        let mut url = self.url("/api/events?token=");
        url.push_str(&String::from(js_sys::encode_uri_component(&token)));
        for id in custom_ids.unwrap_or_default() {
            url.push_str("&custom_id=");
            url.push_str(&String::from(js_sys::encode_uri_component(id)));
        }
        Some(url)
    }

    /// A fresh token from the host, shared with every call asking at the same time.
    async fn mint_token(&self) -> Result<Option<String>, Problem> {
        let waiting = self.minting.borrow().clone();
        if let Some(promise) = waiting {
            let _ = JsFuture::from(promise).await;
            return self.minted.borrow().clone().unwrap_or(Ok(None));
        }
        let (promise, settle) = deferred();
        self.minting.replace(Some(promise));
        let minted = self.mint_once().await;
        self.minted.replace(Some(minted.clone()));
        self.minting.replace(None);
        let _ = settle.call0(&JsValue::NULL);
        minted
    }

    async fn mint_once(&self) -> Result<Option<String>, Problem> {
        let Some(path) = &self.credentials.session_path else {
            return Ok(None);
        };
        let response = self
            .transport
            .send(HttpRequest {
                method: Method::Post,
                url: path.clone(),
                bearer: None,
                body: Some("{}".to_owned()),
                with_credentials: true,
            })
            .await
            .map_err(|_| Problem::Network)?;
        if !(200..300).contains(&response.status) {
            return Err(api_problem(response));
        }
        let minted = decode::minted_token(&response.body).ok_or_else(|| {
            refusal(
                response.status,
                "unauthenticated",
                "The host page did not hand over a session for the background-check widget.",
            )
        })?;
        self.token.replace(Some(minted.clone()));
        Ok(Some(minted))
    }

    async fn send_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        token: Option<String>,
    ) -> Result<HttpResponse, Problem> {
        self.transport
            .send(HttpRequest {
                method,
                url: self.url(path),
                bearer: token,
                body: body.map(str::to_owned),
                with_credentials: false,
            })
            .await
            .map_err(|_| Problem::Network)
    }

    /// Sends a call and decodes a 2xx answer with `decode`.
    pub async fn call<T>(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        decode: fn(&JsValue) -> Option<T>,
    ) -> Result<T, Problem> {
        let response = self.exchange(method, path, body).await?;
        decode(&response.body).ok_or_else(|| malformed(response.status))
    }

    /// The 2xx answer to a call. Kept apart from [`Client::call`] so the wasm holds one copy
    /// of this state machine rather than one per answer type.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Result<HttpResponse, Problem> {
        let mut token = self.token.borrow().clone();
        if token.is_none() {
            token = self.mint_token().await?;
        }
        let mut response = self.send_once(method, path, body, token.clone()).await?;
        // An expired token is renewed once; a second 401 is the host's problem to show.
        if response.status == 401 && self.credentials.session_path.is_some() {
            // Another call may have renewed it meanwhile: then use that one.
            let current = self.token.borrow().clone();
            let fresh = if current.is_some() && current != token {
                current
            } else {
                self.mint_token().await?
            };
            response = self.send_once(method, path, body, fresh).await?;
        }
        if (200..300).contains(&response.status) {
            Ok(response)
        } else {
            Err(api_problem(response))
        }
    }

    /// `GET /api/session`.
    pub async fn session(&self) -> Result<Session, Problem> {
        self.call(Method::Get, "/api/session", None, decode::session)
            .await
    }

    /// `GET /api/catalog`.
    pub async fn catalog(&self) -> Result<CatalogView, Problem> {
        self.call(Method::Get, "/api/catalog", None, decode::catalog)
            .await
    }

    /// `POST /api/orders`.
    pub async fn place(&self, draft: &OrderDraft) -> Result<Order, Problem> {
        let body = decode::draft_json(draft);
        self.call(Method::Post, "/api/orders", Some(&body), decode::order)
            .await
    }

    /// `POST /api/orders/{id}/retry`.
    pub async fn retry(&self, order_id: &str) -> Result<Order, Problem> {
        let mut path = String::from("/api/orders/");
        path.push_str(&String::from(js_sys::encode_uri_component(order_id)));
        path.push_str("/retry");
        self.call(Method::Post, &path, None, decode::order).await
    }

    /// `GET /api/orders?custom_id=…`: the orders of several applicants in one call (at most
    /// [`MAX_CUSTOM_IDS`]).
    pub async fn orders_of(
        &self,
        custom_ids: &[String],
    ) -> Result<Vec<(String, Vec<Order>)>, Problem> {
        let mut path = String::from("/api/orders");
        for (index, id) in custom_ids.iter().enumerate() {
            path.push_str(if index == 0 {
                "?custom_id="
            } else {
                "&custom_id="
            });
            path.push_str(&String::from(js_sys::encode_uri_component(id)));
        }
        self.call(Method::Get, &path, None, decode::orders_by_candidate)
            .await
    }
}

/// The most applicants the proxy takes in one batched call or one live stream.
pub const MAX_CUSTOM_IDS: usize = 200;

/// A 2xx answer that did not decode. Out of line: [`Client::call`] is instantiated once per
/// answer type, and this would otherwise be copied into each.
fn malformed(status: u16) -> Problem {
    refusal(
        status,
        "malformed_response",
        "The background-check service sent an answer this widget does not understand.",
    )
}

fn refusal(status: u16, code: &str, message: &str) -> Problem {
    Problem::Api {
        status,
        body: Box::new(ErrorBody::plain(code, message)),
    }
}

fn api_problem(response: HttpResponse) -> Problem {
    let body = decode::error_body(&response.body).unwrap_or_else(|| ErrorBody::plain("", ""));
    Problem::Api {
        status: response.status,
        body: Box::new(body),
    }
}

/// Decodes one live `order` event.
pub fn decode_order(value: JsValue) -> Option<Order> {
    decode::order(&value)
}

/// Whether `value` is absent or null.
pub fn is_nothing(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}
