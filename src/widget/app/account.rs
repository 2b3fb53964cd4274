//! The account views: loading and failure of the session, the notices for an account that
//! is not connected, awaiting approval or disconnected, and the connect buttons for admins.

use super::*;

#[component]
pub(super) fn Account(ctx: Ctx, session: Session) -> impl IntoView {
    // KarmaCheck has no connect flow, approval or hierarchy of Checkr's: its own view.
    if session.provider == Provider::KarmaCheck {
        return Either::Left(view! { <KarmaCheckAccount ctx/> });
    }
    let account = AccountView::of(&session);
    // One notice shape for every account state keeps a single rendering routine in the wasm.
    let state = match account.clone() {
        AccountView::Ready => None,
        AccountView::NotConnected(links) => Some(Notice {
            class: "bgc-notice",
            text: "This account is not connected to Checkr yet.",
            links,
            reconnect: false,
            without_links: Some(
                "Ask an admin to connect the account to order background checks.",
            ),
        }),
        AccountView::AwaitingApproval => {
            session_poller(ctx)();
            Some(Notice {
            class: "bgc-notice",
            text: "Checkr is reviewing this account. Approval can take 1–3 days; ordering opens as soon as it is approved.",
            links: None,
            reconnect: false,
            without_links: None,
        })
        }
        AccountView::Disconnected(links) => Some(Notice {
            class: "bgc-notice bgc-notice-attention",
            text: "This account is no longer connected to Checkr, so new checks cannot be ordered. Existing orders are still shown.",
            links,
            reconnect: true,
            without_links: Some("Ask an admin to reconnect the account."),
        }),
    }
    .map(|notice| notice.view(ctx));
    let ordering = account == AccountView::Ready && ctx.view == View::Order;
    if !ordering {
        ctx.ready();
    }
    #[cfg(feature = "order-form")]
    let panel = ordering.then(|| {
        let (manage, admin) = (session.role.sees_reports(), session.role.manages_account());
        view! {
            <OrderPanel ctx/>
            <ContinuousChecks ctx manage admin/>
            <Subscriptions ctx manage/>
        }
    });
    // The badges bundle never mounts `<bgcheck-order>`: the loader sends it to the full one.
    #[cfg(not(feature = "order-form"))]
    let panel = ();
    Either::Right(view! {
        <AccountLink ctx session/>
        {state}
        <Orders ctx/>
        {panel}
    })
}

/// What the account's state tells the user, and the connect buttons when an admin may use them.
pub(super) struct Notice {
    class: &'static str,
    text: &'static str,
    links: Option<crate::widget::api::ConnectLinks>,
    reconnect: bool,
    /// Shown instead of the buttons when the user may not connect the account.
    without_links: Option<&'static str>,
}

impl Notice {
    fn view(self, ctx: Ctx) -> impl IntoView {
        let reconnect = self.reconnect;
        // KarmaCheck is offered only to an account that never connected: the proxy refuses it
        // while Checkr's connection stands.
        #[cfg(feature = "order-form")]
        let karmacheck =
            (self.links.is_some() && !reconnect).then(|| view! { <KarmaCheckConnect ctx/> });
        #[cfg(not(feature = "order-form"))]
        let karmacheck = ();
        let fallback = match self.links {
            Some(_) => None,
            None => self.without_links,
        };
        view! {
            <div class=self.class role="status">
                <p>{self.text}</p>
                {self.links.map(|links| view! { <Connect ctx links reconnect/> })}
                {karmacheck}
                {fallback.map(|text| view! { <p class="bgc-muted">{text}</p> })}
            </div>
        }
    }
}

/// Returns a starter that re-reads the session every few seconds until the calling view is
/// disposed: after a connect link opens in another tab, and while Checkr reviews the account,
/// the widget must notice the change by itself. Starting it twice keeps one timer.
pub(super) fn session_poller(ctx: Ctx) -> impl Fn() + Copy + 'static {
    let polling = StoredValue::new_local(None::<IntervalHandle>);
    on_cleanup(move || {
        if let Some(Some(handle)) = polling.try_update_value(Option::take) {
            handle.clear();
        }
    });
    move || {
        if polling.try_with_value(Option::is_some) == Some(false)
            && let Ok(handle) = set_interval_with_handle(
                move || {
                    if let Some(hub) = ctx.hub.try_get_value() {
                        spawn_local(async move {
                            if let Ok(session) = hub.session(true).await {
                                ctx.apply_session(Ok(session));
                            }
                        });
                    }
                },
                POLL_SESSION,
            )
        {
            polling.set_value(Some(handle));
        }
    }
}

#[component]
pub(super) fn Connect(
    ctx: Ctx,
    links: crate::widget::api::ConnectLinks,
    #[prop(optional)] reconnect: bool,
) -> impl IntoView {
    let watch = session_poller(ctx);
    let open = move |url: String| {
        if let Some(window) = web_sys::window() {
            let _ = window.open_with_url_and_target_and_features(&url, "_blank", "noopener");
        }
        watch();
    };
    let signup = links.signup_url;
    let signin = links.signin_url;
    let open_signup = open;
    view! {
        <p>"An admin connects the account once. Sign-up approval can take 1–3 days."</p>
        <div class="bgc-actions">
            <button type="button" class="bgc-button bgc-primary" on:click=move |_| open_signup(signup.clone())>
                {if reconnect { "Reconnect: sign up with Checkr" } else { "Sign up with Checkr" }}
            </button>
            <button type="button" class="bgc-button" on:click=move |_| open(signin.clone())>
                {if reconnect { "Reconnect: sign in to Checkr" } else { "Sign in to Checkr" }}
            </button>
        </div>
        <p class="bgc-muted">"The Checkr pages open in a new tab; this panel updates by itself once the account is connected."</p>
    }
}

#[component]
pub(super) fn ProblemView(problem: Problem, retry: Callback<()>) -> impl IntoView {
    let retryable = problem.is_retryable();
    view! {
        <div class="bgc-problem" role="alert">
            <p>{problem.message()}</p>
            {retryable.then(|| view! {
                <button type="button" class="bgc-button" on:click=move |_| retry.run(())>"Try again"</button>
            })}
        </div>
    }
}
