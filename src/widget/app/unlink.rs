//! The account's Checkr connection for admins: its state, and "Unlink Checkr account" behind
//! a confirmation. Unlinking calls the proxy's disconnect; the session read afterwards shows
//! the disconnected notice with its reconnect buttons (see [`super::account`]).

use super::*;

use crate::widget::api::Connection;
use crate::widget::transport::Method;

/// Where unlinking stands.
#[derive(Clone, PartialEq)]
enum Unlinking {
    Idle,
    Confirming,
    Sending,
    Failed(String),
}

/// The connection line and the unlink action, for admins of a connected account.
#[component]
pub(super) fn AccountLink(ctx: Ctx, session: Session) -> impl IntoView {
    if !session.role.manages_account() || session.connection != Connection::Connected {
        return None;
    }
    let unlinking = RwSignal::new(Unlinking::Idle);
    let state_line = if session.credentialed {
        "This account is connected to Checkr."
    } else {
        "This account is connected to Checkr and awaiting Checkr's approval."
    };
    let question = [
        "Unlink ",
        session.account_name.as_str(),
        " from Checkr? Nobody in the account can order checks until an admin connects it again. Orders already placed stay visible.",
    ]
    .concat();
    let ask = move |_| {
        if unlinking.get_untracked() != Unlinking::Sending {
            unlinking.set(Unlinking::Confirming);
            ctx.focus_on("[data-account-link] button[data-keep]".to_owned());
        }
    };
    let dismiss = move || {
        unlinking.set(Unlinking::Idle);
        ctx.focus_on("button[data-unlink]".to_owned());
    };
    let unlink = move |()| {
        let (Some(client), Some(hub)) = (ctx.client(), ctx.hub.try_get_value()) else {
            return;
        };
        unlinking.set(Unlinking::Sending);
        spawn_local(async move {
            // 204: nothing to read.
            let done = client
                .call(Method::Post, "/api/account/disconnect", None, |_| Some(()))
                .await;
            match done {
                Ok(()) => {
                    ctx.emit("bgcheck:disconnected", &[]);
                    ctx.apply_session(hub.session(true).await);
                    // The notice that replaces this panel offers the way back.
                    ctx.focus_on(".bgc-notice button".to_owned());
                }
                Err(problem) => {
                    ctx.report(&problem);
                    unlinking.set(Unlinking::Failed(problem.message()));
                    ctx.focus_on("[data-unlink-error]".to_owned());
                }
            }
        });
    };
    let dialog = move || {
        (unlinking.get() == Unlinking::Confirming).then(|| {
            view! {
                <Confirm
                    label="Unlink Checkr account"
                    question=question.clone()
                    question_id="bgc-unlink-question".to_owned()
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
            <p class="bgc-error" role="alert" data-unlink-error="" tabindex="-1">{message}</p>
        }),
        Unlinking::Idle | Unlinking::Confirming | Unlinking::Sending => None,
    };
    Some(view! {
        <div class="bgc-account-link" data-account-link="">
            <p class="bgc-muted">{state_line}</p>
            <button
                type="button"
                class="bgc-button"
                data-unlink=""
                aria-haspopup="dialog"
                aria-disabled=move || if unlinking.get() == Unlinking::Sending { "true" } else { "false" }
                on:click=ask
            >
                {move || if unlinking.get() == Unlinking::Sending { "Unlinking…" } else { "Unlink Checkr account" }}
            </button>
            {dialog}
            {failure}
        </div>
    })
}
