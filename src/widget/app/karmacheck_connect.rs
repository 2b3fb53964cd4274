//! Connecting an account to KarmaCheck, and unlinking it, for admins. The customer gets an
//! API key and a client access token from KarmaCheck; the proxy checks them with KarmaCheck
//! before keeping them and answers once with the webhook login the admin must enter in
//! KarmaCheck's dashboard. Its password is never shown again, so the login stays on screen
//! until the admin moves on; only then is the session read again, which turns the panel into
//! the KarmaCheck account's view.

use js_sys::{JSON, Object, Reflect};

use super::*;

use crate::widget::decode::{nested, text};
use crate::widget::transport::Method;

/// The credentials as the admin typed them. Surrounding spaces from a paste are dropped.
#[derive(Clone, Default, PartialEq)]
struct Credentials {
    api_key: String,
    client_access_token: String,
}

impl Credentials {
    /// The first field still empty, with what to tell the admin.
    fn missing(&self) -> Option<(&'static str, &'static str)> {
        if self.api_key.trim().is_empty() {
            Some(("bgc-kc-api-key", "Enter the API key KarmaCheck gave you."))
        } else if self.client_access_token.trim().is_empty() {
            Some((
                "bgc-kc-token",
                "Enter the client access token KarmaCheck gave you.",
            ))
        } else {
            None
        }
    }

    /// The body of `PUT /api/account/karmacheck`.
    fn json(&self) -> String {
        let object = Object::new();
        for (key, value) in [
            ("api_key", &self.api_key),
            ("client_access_token", &self.client_access_token),
        ] {
            let _ = Reflect::set(
                &object,
                &JsValue::from_str(key),
                &JsValue::from_str(value.trim()),
            );
        }
        JSON::stringify(&object)
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_else(|| "{}".to_owned())
    }
}

/// Where KarmaCheck's webhook subscription must deliver, with the one-time password.
#[derive(Clone, PartialEq)]
struct WebhookLogin {
    url: String,
    username: String,
    password: String,
}

fn webhook_login(value: &JsValue) -> Option<WebhookLogin> {
    Some(WebhookLogin {
        url: text(value, "url")?,
        username: text(value, "username")?,
        password: text(value, "password")?,
    })
}

/// The connection answer: only its webhook login matters here.
fn decode_connection(value: &JsValue) -> Option<WebhookLogin> {
    nested(value, "webhook", webhook_login)?
}

/// Where connecting stands.
#[derive(Clone, PartialEq)]
enum Connecting {
    Closed,
    Open,
    Sending,
    /// The admin left a field empty (its id, the message).
    Missing(&'static str, &'static str),
    /// KarmaCheck or the proxy refused; nothing was stored.
    Refused(String),
    Connected(WebhookLogin),
}

/// "Connect KarmaCheck": a disclosure with the credentials form, beside Checkr's sign-up.
#[component]
pub(super) fn KarmaCheckConnect(ctx: Ctx) -> impl IntoView {
    let state = RwSignal::new(Connecting::Closed);
    let typed = RwSignal::new(Credentials::default());
    let toggle = move |_| {
        state.update(|state| {
            *state = match state {
                Connecting::Closed => Connecting::Open,
                Connecting::Open | Connecting::Missing(..) | Connecting::Refused(_) => {
                    Connecting::Closed
                }
                Connecting::Sending | Connecting::Connected(_) => return,
            }
        });
        if state.get_untracked() == Connecting::Open {
            ctx.focus_on("#bgc-kc-api-key".to_owned());
        }
    };
    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        if state.get_untracked() == Connecting::Sending {
            return;
        }
        let credentials = typed.get_untracked();
        if let Some((field, message)) = credentials.missing() {
            state.set(Connecting::Missing(field, message));
            ctx.focus_on(["#", field].concat());
            return;
        }
        let Some(client) = ctx.client() else { return };
        state.set(Connecting::Sending);
        spawn_local(async move {
            let body = credentials.json();
            let answer = client
                .call(
                    Method::Put,
                    "/api/account/karmacheck",
                    Some(&body),
                    decode_connection,
                )
                .await;
            match answer {
                Ok(login) => {
                    // The secrets leave the page's memory; the login is what is left to show.
                    typed.set(Credentials::default());
                    state.set(Connecting::Connected(login));
                    ctx.focus_on("[data-kc-login]".to_owned());
                }
                Err(problem) => {
                    ctx.report(&problem);
                    state.set(Connecting::Refused(problem.message()));
                    ctx.focus_on("[data-kc-error]".to_owned());
                }
            }
        });
    };
    let done = move |_| {
        let Some(hub) = ctx.hub.try_get_value() else {
            return;
        };
        spawn_local(async move {
            ctx.apply_session(hub.session(true).await);
        });
    };
    let input = move |id: &'static str,
                      label: &'static str,
                      read: fn(&Credentials) -> String,
                      write: fn(&mut Credentials, String)| {
        let invalid = move || match state.get() {
            Connecting::Missing(field, _) if field == id => "true",
            _ => "false",
        };
        view! {
            <div class="bgc-field">
                <label for=id>{label}</label>
                <input
                    id=id
                    type="password"
                    autocomplete="off"
                    spellcheck="false"
                    aria-invalid=invalid
                    prop:value=move || typed.with(read)
                    on:input=move |event| typed.update(|typed| write(typed, event_target_value(&event)))
                />
            </div>
        }
    };
    let sending = move || state.get() == Connecting::Sending;
    let body = move || match state.get() {
        Connecting::Closed => None,
        Connecting::Connected(login) => Some(EitherOf3::A(view! {
            <div class="bgc-kc-login" data-kc-login="" role="status" tabindex="-1">
                <p>"KarmaCheck accepted the credentials. In KarmaCheck's dashboard, add a webhook subscription for this account with this login:"</p>
                <dl>
                    <dt>"URL"</dt><dd data-kc-url="">{login.url}</dd>
                    <dt>"Username"</dt><dd data-kc-username="">{login.username}</dd>
                    <dt>"Password"</dt><dd data-kc-password="">{login.password}</dd>
                </dl>
                <p class="bgc-muted">"Copy the password now: it is not shown again."</p>
                <button type="button" class="bgc-button bgc-primary" data-kc-done="" on:click=done>
                    "I have entered it: continue"
                </button>
            </div>
        })),
        Connecting::Missing(_, message) => Some(EitherOf3::B(view! {
            <p class="bgc-error" role="alert" data-kc-error="" tabindex="-1">{message.to_owned()}</p>
        })),
        // KarmaCheck's own words follow the proxy's: the admin sees which credential it refused.
        Connecting::Refused(message) => Some(EitherOf3::B(view! {
            <p class="bgc-error" role="alert" data-kc-error="" tabindex="-1">
                {["Not connected, nothing was saved. ", message.as_str()].concat()}
            </p>
        })),
        Connecting::Open | Connecting::Sending => Some(EitherOf3::C(())),
    };
    let form = move || {
        let shown = !matches!(state.get(), Connecting::Closed | Connecting::Connected(_));
        shown.then(|| view! {
            <form class="bgc-form" data-kc-connect="" on:submit=submit>
                <p class="bgc-muted">"Enter the API key and client access token your company got from KarmaCheck. They are checked with KarmaCheck before anything is saved."</p>
                {input("bgc-kc-api-key", "API key", |typed| typed.api_key.clone(), |typed, value| typed.api_key = value)}
                {input("bgc-kc-token", "Client access token", |typed| typed.client_access_token.clone(), |typed, value| typed.client_access_token = value)}
                <button type="submit" class="bgc-button bgc-primary" aria-disabled=move || if sending() { "true" } else { "false" }>
                    {move || if sending() { "Checking with KarmaCheck…" } else { "Check and connect" }}
                </button>
            </form>
        })
    };
    view! {
        <div class="bgc-kc-connect">
            <button
                type="button"
                class="bgc-button"
                data-kc-toggle=""
                aria-expanded=move || if matches!(state.get(), Connecting::Closed) { "false" } else { "true" }
                on:click=toggle
            >
                "Connect KarmaCheck"
            </button>
            {form}
            {body}
        </div>
    }
}

/// Where unlinking KarmaCheck stands.
#[derive(Clone, PartialEq)]
enum Unlinking {
    Idle,
    Confirming,
    Sending,
    Failed(String),
}

/// "Unlink KarmaCheck" behind a confirmation, for admins of a KarmaCheck account.
#[component]
pub(super) fn KarmaCheckUnlink(ctx: Ctx) -> impl IntoView {
    let session = match ctx.session.get_untracked() {
        Load::Ready(session) if session.role.manages_account() => session,
        _ => return None,
    };
    let unlinking = RwSignal::new(Unlinking::Idle);
    let question = [
        "Unlink ",
        session.account_name.as_str(),
        " from KarmaCheck? Nobody in the account can order checks until an admin connects it again. Orders already placed stay visible.",
    ]
    .concat();
    let ask = move |_| {
        if unlinking.get_untracked() != Unlinking::Sending {
            unlinking.set(Unlinking::Confirming);
            ctx.focus_on("[data-kc-unlink-panel] button[data-keep]".to_owned());
        }
    };
    let dismiss = move || {
        unlinking.set(Unlinking::Idle);
        ctx.focus_on("button[data-kc-unlink]".to_owned());
    };
    let unlink = move |()| {
        let (Some(client), Some(hub)) = (ctx.client(), ctx.hub.try_get_value()) else {
            return;
        };
        unlinking.set(Unlinking::Sending);
        spawn_local(async move {
            // 204: nothing to read.
            let done = client
                .call(
                    Method::Delete,
                    "/api/account/karmacheck",
                    None,
                    |_| Some(()),
                )
                .await;
            match done {
                Ok(()) => {
                    ctx.emit("bgcheck:disconnected", &[]);
                    ctx.apply_session(hub.session(true).await);
                    ctx.focus_on(".bgc-notice button".to_owned());
                }
                Err(problem) => {
                    ctx.report(&problem);
                    unlinking.set(Unlinking::Failed(problem.message()));
                    ctx.focus_on("[data-kc-unlink-error]".to_owned());
                }
            }
        });
    };
    let dialog = move || {
        (unlinking.get() == Unlinking::Confirming).then(|| {
            view! {
                <Confirm
                    label="Unlink KarmaCheck"
                    question=question.clone()
                    question_id="bgc-kc-unlink-question".to_owned()
                    yes="Yes, unlink"
                    no="No, keep it connected"
                    on_yes=Callback::new(unlink)
                    on_no=Callback::new(move |()| dismiss())
                />
            }
        })
    };
    let failure = move || match unlinking.get() {
        Unlinking::Failed(message) => Some(view! {
            <p class="bgc-error" role="alert" data-kc-unlink-error="" tabindex="-1">{message}</p>
        }),
        Unlinking::Idle | Unlinking::Confirming | Unlinking::Sending => None,
    };
    Some(view! {
        <div class="bgc-account-link" data-kc-unlink-panel="">
            <button
                type="button"
                class="bgc-button"
                data-kc-unlink=""
                aria-haspopup="dialog"
                aria-disabled=move || if unlinking.get() == Unlinking::Sending { "true" } else { "false" }
                on:click=ask
            >
                {move || if unlinking.get() == Unlinking::Sending { "Unlinking…" } else { "Unlink KarmaCheck" }}
            </button>
            {dialog}
            {failure}
        </div>
    })
}
