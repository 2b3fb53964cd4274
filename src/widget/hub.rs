//! The page-level hub: every widget element on a page with the same proxy, session and
//! network shares one of these. It holds the one client (so a token is minted and renewed
//! once), the session (read once), batches the first status reads of all elements into one
//! call per tick, and keeps ONE live stream for the union of the applicants shown, falling
//! back to polling for all of them at once when the stream breaks.
//!
//! Plain Rust with callbacks rather than signals: a hub outlives any one element's reactive
//! owner, and elements come and go independently.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use leptos::prelude::{IntervalHandle, set_interval_with_handle, set_timeout};
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::api::{Client, Credentials, MAX_CUSTOM_IDS, Order, Problem, Session, deferred};
use super::decode;
use super::transport::{Listener, Transport};

/// How often the orders are refreshed when the live stream is unavailable.
const POLL_ORDERS: Duration = Duration::from_secs(15);

/// What a watcher hears about its applicant.
pub enum Update {
    /// The applicant's orders, newest first, as the proxy listed them.
    Listed(Vec<Order>),
    /// A requested listing failed (background refreshes fail quietly).
    Failed(Problem),
    /// One order changed (from the live stream).
    Changed(Order),
}

struct Watcher {
    id: u64,
    custom_id: String,
    notify: Rc<dyn Fn(Update)>,
}

/// Which applicants the open stream was asked for.
enum Subscribed {
    Closed,
    /// Every order of the account (more applicants than one stream may name).
    All,
    Only(Vec<String>),
}

/// Shared by the widgets of one page that use the same proxy, session and transport.
pub struct Hub {
    client: Rc<Client>,
    transport_key: *const (),
    session: RefCell<Option<Session>>,
    session_loading: RefCell<Option<js_sys::Promise>>,
    session_result: RefCell<Option<Result<Session, Problem>>>,
    watchers: RefCell<Vec<Watcher>>,
    next_watcher: Cell<u64>,
    queued: RefCell<Vec<String>>,
    flush_scheduled: Cell<bool>,
    sync_scheduled: Cell<bool>,
    stream: RefCell<Option<Box<dyn Any>>>,
    /// The URL the open stream was opened with (it carries the session token).
    opened_with: RefCell<Option<String>>,
    subscribed: RefCell<Subscribed>,
    polling: RefCell<Option<IntervalHandle>>,
}

thread_local! {
    /// The page's hubs; weak, so a hub goes away with its last widget.
    static HUBS: RefCell<Vec<Weak<Hub>>> = const { RefCell::new(Vec::new()) };
}

fn transport_key(transport: &Rc<dyn Transport>) -> *const () {
    Rc::as_ptr(transport).cast::<()>()
}

impl Hub {
    /// The page's hub for this proxy, session and transport, made on first use.
    pub fn for_page(base: &str, credentials: Credentials, transport: Rc<dyn Transport>) -> Rc<Hub> {
        let key = transport_key(&transport);
        HUBS.with_borrow_mut(|hubs| {
            hubs.retain(|hub| hub.strong_count() > 0);
            if let Some(hub) = hubs
                .iter()
                .filter_map(Weak::upgrade)
                .find(|hub| hub.transport_key == key && hub.client.serves(base, &credentials))
            {
                return hub;
            }
            let hub = Rc::new(Hub {
                client: Rc::new(Client::new(base, credentials, transport)),
                transport_key: key,
                session: RefCell::new(None),
                session_loading: RefCell::new(None),
                session_result: RefCell::new(None),
                watchers: RefCell::new(Vec::new()),
                next_watcher: Cell::new(0),
                queued: RefCell::new(Vec::new()),
                flush_scheduled: Cell::new(false),
                sync_scheduled: Cell::new(false),
                stream: RefCell::new(None),
                opened_with: RefCell::new(None),
                subscribed: RefCell::new(Subscribed::Closed),
                polling: RefCell::new(None),
            });
            hubs.push(Rc::downgrade(&hub));
            hub
        })
    }

    /// The client every widget of the hub calls the proxy with.
    pub fn client(&self) -> Rc<Client> {
        Rc::clone(&self.client)
    }

    /// `GET /api/session`, read once for the page; `fresh` reads it again (after a connect
    /// flow, while Checkr reviews the account, or to retry a failure). Calls made while a read
    /// is in flight wait for it.
    pub async fn session(&self, fresh: bool) -> Result<Session, Problem> {
        if !fresh && let Some(session) = self.session.borrow().clone() {
            return Ok(session);
        }
        let waiting = self.session_loading.borrow().clone();
        if let Some(promise) = waiting {
            let _ = JsFuture::from(promise).await;
            if let Some(result) = self.session_result.borrow().clone() {
                return result;
            }
        }
        let (promise, settle) = deferred();
        self.session_loading.replace(Some(promise));
        let result = self.client.session().await;
        if let Ok(session) = &result {
            self.session.replace(Some(session.clone()));
        }
        self.session_result.replace(Some(result.clone()));
        self.session_loading.replace(None);
        let _ = settle.call0(&JsValue::NULL);
        result
    }

    /// Follows `custom_id`: its orders are listed (batched with the other elements' in the
    /// same tick) and its changes arrive on the page's one stream. Dropping the returned
    /// guard stops following; the last one closes the stream.
    pub fn watch(self: &Rc<Self>, custom_id: &str, notify: Rc<dyn Fn(Update)>) -> Watch {
        let id = self.next_watcher.get();
        self.next_watcher.set(id + 1);
        self.watchers.borrow_mut().push(Watcher {
            id,
            custom_id: custom_id.to_owned(),
            notify,
        });
        self.list(custom_id);
        self.schedule_sync();
        Watch {
            hub: Rc::downgrade(self),
            id,
        }
    }

    /// Asks for `custom_id`'s orders in the next batched call; watchers of it hear the answer,
    /// failures included.
    pub fn list(self: &Rc<Self>, custom_id: &str) {
        {
            let mut queued = self.queued.borrow_mut();
            if !queued.iter().any(|queued| queued == custom_id) {
                queued.push(custom_id.to_owned());
            }
        }
        if !self.flush_scheduled.replace(true) {
            let hub = Rc::downgrade(self);
            // A macrotask rather than a microtask: elements that mount as their sessions
            // resolve, one microtask after another, still share the call.
            set_timeout(
                move || {
                    if let Some(hub) = hub.upgrade() {
                        hub.flush_scheduled.set(false);
                        let ids = hub.queued.take();
                        hub.fetch(ids, false, false);
                    }
                },
                Duration::ZERO,
            );
        }
    }

    /// Lists `ids` in batched calls. `after_break`: the stream broke, so once the session is
    /// known good again (the call renews an expired one), reopen it if the token changed.
    fn fetch(self: &Rc<Self>, ids: Vec<String>, quietly: bool, after_break: bool) {
        for chunk in ids.chunks(MAX_CUSTOM_IDS) {
            let chunk = chunk.to_vec();
            let hub = Rc::downgrade(self);
            let client = self.client();
            spawn_local(async move {
                let answer = client.orders_of(&chunk).await;
                let Some(hub) = hub.upgrade() else { return };
                match answer {
                    Ok(listed) => {
                        for (custom_id, orders) in listed {
                            hub.tell(&custom_id, || Update::Listed(orders.clone()));
                        }
                    }
                    Err(_) if quietly => {}
                    Err(problem) => {
                        for custom_id in &chunk {
                            hub.tell(custom_id, || Update::Failed(problem.clone()));
                        }
                    }
                }
                if after_break {
                    hub.reopen_if_renewed();
                }
            });
        }
    }

    /// Calls the watchers of `custom_id`, outside any borrow: a callback may mount or unmount.
    fn tell(&self, custom_id: &str, update: impl Fn() -> Update) {
        let notify: Vec<Rc<dyn Fn(Update)>> = self
            .watchers
            .borrow()
            .iter()
            .filter(|watcher| watcher.custom_id == custom_id)
            .map(|watcher| Rc::clone(&watcher.notify))
            .collect();
        for notify in notify {
            notify(update());
        }
    }

    fn wanted(&self) -> Vec<String> {
        let mut wanted: Vec<String> = Vec::new();
        for watcher in self.watchers.borrow().iter() {
            if !wanted.contains(&watcher.custom_id) {
                wanted.push(watcher.custom_id.clone());
            }
        }
        wanted
    }

    fn schedule_sync(self: &Rc<Self>) {
        if self.sync_scheduled.replace(true) {
            return;
        }
        let hub = Rc::downgrade(self);
        set_timeout(
            move || {
                if let Some(hub) = hub.upgrade() {
                    spawn_local(async move {
                        // The stream's URL carries the token: mint one first if need be.
                        let _ = hub.client.ensure_token().await;
                        hub.sync_scheduled.set(false);
                        hub.sync_stream();
                    });
                }
            },
            Duration::ZERO,
        );
    }

    /// Opens the stream, or reopens it when an applicant it was not asked for is now shown.
    /// Applicants that left stay subscribed until the next reopen: their events are dropped
    /// here, and nobody else's stream is disturbed.
    fn sync_stream(self: &Rc<Self>) {
        let wanted = self.wanted();
        if wanted.is_empty() {
            self.close();
            return;
        }
        let covered = match &*self.subscribed.borrow() {
            Subscribed::Closed => false,
            Subscribed::All => true,
            Subscribed::Only(ids) => wanted.iter().all(|id| ids.contains(id)),
        };
        if covered {
            return;
        }
        // Close first: the browser allows few connections per origin.
        self.stream.replace(None);
        let subscribed = if wanted.len() > MAX_CUSTOM_IDS {
            Subscribed::All
        } else {
            Subscribed::Only(wanted)
        };
        let ids = match &subscribed {
            Subscribed::Only(ids) => Some(ids.as_slice()),
            Subscribed::All | Subscribed::Closed => None,
        };
        let Some(url) = self.client.events_url(ids) else {
            self.subscribed.replace(Subscribed::Closed);
            self.start_polling();
            return;
        };
        let on_order = {
            let hub = Rc::downgrade(self);
            Rc::new(move |value: JsValue| {
                if let (Some(hub), Some(order)) = (hub.upgrade(), decode::order(&value)) {
                    let custom_id = order.custom_id.clone();
                    hub.tell(&custom_id, || Update::Changed(order.clone()));
                }
            })
        };
        let on_broken = {
            let hub = Rc::downgrade(self);
            Rc::new(move || {
                if let Some(hub) = hub.upgrade() {
                    hub.broken();
                }
            })
        };
        match self.client.transport().listen(
            &url,
            Listener {
                on_order,
                on_broken,
            },
        ) {
            Some(guard) => {
                self.stream.replace(Some(guard));
                self.opened_with.replace(Some(url));
                self.subscribed.replace(subscribed);
            }
            None => {
                self.subscribed.replace(Subscribed::Closed);
                self.start_polling();
            }
        }
    }

    /// The stream broke: poll, and refresh at once. The proxy ends a stream when its session
    /// expires; the refresh then renews the session, and the stream is reopened with the new
    /// one. Any other break is left to the browser's own reconnecting.
    fn broken(self: &Rc<Self>) {
        self.start_polling();
        let wanted = self.wanted();
        self.fetch(wanted, true, true);
    }

    /// After the refresh that followed a break: reopen the stream if the session was renewed.
    fn reopen_if_renewed(self: &Rc<Self>) {
        let current = match &*self.subscribed.borrow() {
            Subscribed::Closed => return,
            Subscribed::All => self.client.events_url(None),
            Subscribed::Only(ids) => self.client.events_url(Some(ids)),
        };
        if current.is_some() && current != *self.opened_with.borrow() {
            // Closed here rather than in the callback that reported the break, which the old
            // stream owns.
            self.stream.replace(None);
            self.subscribed.replace(Subscribed::Closed);
            self.sync_stream();
        }
    }

    /// One timer refreshing every shown applicant, in batched calls.
    fn start_polling(self: &Rc<Self>) {
        if self.polling.borrow().is_some() {
            return;
        }
        let hub = Rc::downgrade(self);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if let Some(hub) = hub.upgrade() {
                    let wanted = hub.wanted();
                    hub.fetch(wanted, true, false);
                }
            },
            POLL_ORDERS,
        ) {
            self.polling.replace(Some(handle));
        }
    }

    fn close(&self) {
        self.stream.replace(None);
        self.opened_with.replace(None);
        self.subscribed.replace(Subscribed::Closed);
        if let Some(handle) = self.polling.take() {
            handle.clear();
        }
    }

    fn unwatch(&self, id: u64) {
        let empty = {
            let mut watchers = self.watchers.borrow_mut();
            watchers.retain(|watcher| watcher.id != id);
            watchers.is_empty()
        };
        if empty {
            self.close();
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.close();
    }
}

/// Following one applicant; dropping it stops.
pub struct Watch {
    hub: Weak<Hub>,
    id: u64,
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.unwatch(self.id);
        }
    }
}
