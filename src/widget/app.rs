//! The widget's root component.

use leptos::prelude::*;

/// Whether the proxy answered.
#[derive(Debug, Clone, PartialEq)]
enum ProxyState {
    Checking,
    Reachable,
    Unreachable(String),
}

async fn check_proxy(proxy_url: &str) -> ProxyState {
    let url = format!("{}/healthz", proxy_url.trim_end_matches('/'));
    match gloo_net::http::Request::get(&url).send().await {
        Ok(response) if response.ok() => ProxyState::Reachable,
        Ok(response) => {
            ProxyState::Unreachable(format!("the proxy answered {}", response.status()))
        }
        Err(error) => ProxyState::Unreachable(error.to_string()),
    }
}

/// The background-check widget.
#[component]
pub fn Widget(
    /// Base URL of the bgcheck proxy; empty means the page's own origin.
    proxy_url: String,
) -> impl IntoView {
    let (state, set_state) = signal(ProxyState::Checking);
    leptos::task::spawn_local(async move {
        set_state.set(check_proxy(&proxy_url).await);
    });
    view! {
        <section class="bgc-card" aria-labelledby="bgc-title">
            <h2 id="bgc-title" class="bgc-title">"Background checks"</h2>
            <p class="bgc-status" role="status">
                {move || match state.get() {
                    ProxyState::Checking => "Connecting…".to_owned(),
                    ProxyState::Reachable => "Connected to the background-check service.".to_owned(),
                    ProxyState::Unreachable(why) => {
                        format!("The background-check service cannot be reached ({why}).")
                    }
                }}
            </p>
        </section>
    }
}
