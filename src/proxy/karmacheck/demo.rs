//! The demo's KarmaCheck account: connected at start to the sandbox's demo group, whose
//! webhook subscription is pointed at this proxy with a fresh login.

use super::super::AppState;
use super::super::crypto::{digest, random_token};
use super::super::secret::Secret;
use super::super::store::{KarmaCheckCredentials, NewKarmaCheckConnection};
use crate::sandbox::Sandbox;

/// The ATS account the demo connects to KarmaCheck.
pub const DEMO_KARMACHECK_ACCOUNT: (&str, &str) = ("harbor-health", "Harbor Health (KarmaCheck)");

/// Connects the demo account to the sandbox's demo group and subscribes the group's webhooks.
pub async fn link_demo_account(state: &AppState, sandbox: &Sandbox) -> anyhow::Result<()> {
    let (id, name) = DEMO_KARMACHECK_ACCOUNT;
    state.store.ensure_account(id, name).await?;
    let group = sandbox.karmacheck().demo_group();
    let password = random_token(24);
    let username = format!("bgcheck-{}", random_token(9));
    state
        .store
        .save_karmacheck_connection(
            id,
            NewKarmaCheckConnection {
                credentials: KarmaCheckCredentials {
                    api_key: Secret::new(group.api_key),
                    client_access_token: Secret::new(group.client_access_token),
                },
                webhook_username: username.clone(),
                webhook_password_digest: digest(&password),
                connected_at: state.now(),
            },
        )
        .await?;
    sandbox.karmacheck().subscribe_group(
        &group.group_profile_id,
        &format!("{}/webhooks/karmacheck", state.public_url),
        &username,
        &password,
    );
    Ok(())
}
