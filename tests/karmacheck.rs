//! KarmaCheck end to end: an account connected to KarmaCheck (credentials sealed at rest),
//! the KarmaCheck sandbox beside the Checkr one.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bgcheck::proxy::identity::Role;
use bgcheck::sandbox::karmacheck::GroupCredentials;
use reqwest::Method;
use serde_json::{Value, json};
use support::Harness;

/// The not-connected demo account, which the tests connect to KarmaCheck.
const ACCOUNT: &str = "fresh-start";

fn new_group(harness: &Harness) -> GroupCredentials {
    harness
        .running
        .sandbox
        .as_ref()
        .unwrap()
        .karmacheck()
        .create_group()
}

async fn connect(harness: &Harness, account: &str, group: &GroupCredentials) -> (u16, Value) {
    harness
        .send_as(
            account,
            Role::Admin,
            Method::PUT,
            "/api/account/karmacheck",
            &json!({
                "api_key": group.api_key,
                "client_access_token": group.client_access_token,
            }),
        )
        .await
}

#[tokio::test]
async fn an_admin_connects_an_account_to_karmacheck_and_its_secrets_are_never_shown_or_stored_readably()
 {
    let harness = Harness::start().await;
    let group = new_group(&harness);

    let (status, connected) = connect(&harness, ACCOUNT, &group).await;
    assert_eq!(status, 200, "{connected}");
    assert_eq!(connected["provider"], "karmacheck");
    assert_eq!(
        connected["webhook"]["url"],
        harness.url("/webhooks/karmacheck")
    );
    let password = connected["webhook"]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    let username = connected["webhook"]["username"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        password.len() >= 32,
        "a guessable webhook password: {password}"
    );
    let answer = connected.to_string();
    assert!(!answer.contains(&group.api_key) && !answer.contains(&group.client_access_token));

    let (status, shown) = harness
        .get_as(ACCOUNT, Role::Admin, "/api/account/karmacheck")
        .await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["webhook"]["username"], username.as_str());
    assert!(shown["webhook"].get("password").is_none(), "{shown}");
    let shown = shown.to_string();
    assert!(!shown.contains(&group.api_key) && !shown.contains(&group.client_access_token));

    let stored = harness.database_text().await;
    for secret in [&group.api_key, &group.client_access_token, &password] {
        assert!(
            !stored.contains(secret.as_str()),
            "{secret} is readable at rest"
        );
    }
    harness.stop().await;
}

#[tokio::test]
async fn credentials_karmacheck_refuses_are_not_stored_and_the_admin_is_told_why() {
    let harness = Harness::start().await;
    let mut group = new_group(&harness);
    group.client_access_token.push('x');

    let (status, refused) = connect(&harness, ACCOUNT, &group).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["code"], "karmacheck_credentials_refused");
    assert!(
        refused["message"].as_str().unwrap().contains("KarmaCheck"),
        "{refused}"
    );
    assert_eq!(refused["provider"]["status"], 401);
    let (status, _) = harness
        .get_as(ACCOUNT, Role::Admin, "/api/account/karmacheck")
        .await;
    assert_eq!(status, 404);
    assert!(!harness.database_text().await.contains(&group.api_key));
    harness.stop().await;
}

#[tokio::test]
async fn an_empty_credential_is_refused_before_karmacheck_is_asked() {
    let harness = Harness::start().await;
    let (status, body) = harness
        .send_as(
            ACCOUNT,
            Role::Admin,
            Method::PUT,
            "/api/account/karmacheck",
            &json!({"api_key": "  ", "client_access_token": "token"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("api_key"),
        "{body}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn only_admins_connect_or_see_the_karmacheck_connection() {
    let harness = Harness::start().await;
    let group = new_group(&harness);
    for role in [Role::Recruiter, Role::Adjudicator] {
        let (status, _) = harness
            .send_as(
                ACCOUNT,
                role,
                Method::PUT,
                "/api/account/karmacheck",
                &json!({"api_key": group.api_key, "client_access_token": group.client_access_token}),
            )
            .await;
        assert_eq!(status, 403, "{role:?}");
        let (status, _) = harness
            .get_as(ACCOUNT, role, "/api/account/karmacheck")
            .await;
        assert_eq!(status, 403, "{role:?}");
    }
    harness.stop().await;
}

#[tokio::test]
async fn an_account_connected_to_checkr_is_not_also_connected_to_karmacheck() {
    let harness = Harness::start().await;
    let group = new_group(&harness);
    let (status, body) = connect(&harness, "blue-bakery", &group).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("Checkr"),
        "{body}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn disconnecting_karmacheck_forgets_the_credentials() {
    let harness = Harness::start().await;
    let group = new_group(&harness);
    assert_eq!(connect(&harness, ACCOUNT, &group).await.0, 200);

    let (status, _) = harness
        .send_as(
            ACCOUNT,
            Role::Admin,
            Method::DELETE,
            "/api/account/karmacheck",
            &Value::Null,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = harness
        .get_as(ACCOUNT, Role::Admin, "/api/account/karmacheck")
        .await;
    assert_eq!(status, 404);
    harness.stop().await;
}
