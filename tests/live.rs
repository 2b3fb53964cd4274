//! The live stream's bounds, and the API's error shape where callers used to get plain text:
//! a stream ends with its session, one user holds only a few streams, and the stream and the
//! server-to-server session endpoint refuse in JSON.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use bgcheck::proxy::identity::Role;
use bgcheck::proxy::live::MAX_STREAMS_PER_USER;
use bgcheck::proxy::sessions::SESSION_SECONDS;
use reqwest::Response;
use serde_json::{Value, json};
use support::Harness;

async fn open_stream(harness: &Harness, token: &str) -> Response {
    harness
        .http
        .get(harness.url(&format!("/api/events?token={token}")))
        .send()
        .await
        .unwrap()
}

/// Status, content type and JSON body of a refusal.
async fn refusal(response: Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, content_type, body)
}

/// Waits (bounded) until the proxy counts `expected` open streams for the recruiter user.
async fn wait_for_held(harness: &Harness, expected: usize) {
    let streams = harness.running.state.streams();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while streams.held("blue-bakery", "recruiter") != expected {
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {expected} open streams, the proxy counts {}",
            streams.held("blue-bakery", "recruiter")
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_live_stream_ends_when_its_session_expires() {
    let harness = Harness::start().await;
    let token = harness.token("blue-bakery");
    let mut stream = open_stream(&harness, &token).await;
    assert_eq!(stream.status(), 200);
    wait_for_held(&harness, 1).await;

    harness
        .running
        .state
        .clock()
        .advance(Duration::from_secs(SESSION_SECONDS));
    // Any keep-alive comment may come first; the stream must then end, long before the next
    // real-time keep-alive would be due.
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while stream.chunk().await.unwrap().is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived its session");
    wait_for_held(&harness, 0).await;

    let (status, content_type, body) = refusal(open_stream(&harness, &token).await).await;
    assert_eq!(status, 401, "the expired token opens no new stream");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(body["code"], "unauthenticated");
    harness.stop().await;
}

#[tokio::test]
async fn one_user_holds_at_most_a_few_streams_and_a_closed_one_frees_its_place() {
    let harness = Harness::start().await;
    let mut open = Vec::new();
    for _ in 0..MAX_STREAMS_PER_USER {
        let stream = open_stream(&harness, &harness.token("blue-bakery")).await;
        assert_eq!(stream.status(), 200);
        open.push(stream);
    }

    let (status, content_type, body) =
        refusal(open_stream(&harness, &harness.token("blue-bakery")).await).await;
    assert_eq!(status, 429, "{body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(body["code"], "too_many_streams");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&MAX_STREAMS_PER_USER.to_string()),
        "the message says what the limit is: {body}"
    );

    let colleague = open_stream(
        &harness,
        &harness.token_as("blue-bakery", Role::Adjudicator),
    )
    .await;
    assert_eq!(
        colleague.status(),
        200,
        "the cap is per user, not per account"
    );

    drop(open.pop());
    wait_for_held(&harness, MAX_STREAMS_PER_USER - 1).await;
    let again = open_stream(&harness, &harness.token("blue-bakery")).await;
    assert_eq!(again.status(), 200, "a closed stream frees its place");
    harness.stop().await;
}

#[tokio::test]
async fn the_live_stream_refuses_a_missing_token_in_the_apis_json_shape() {
    let harness = Harness::start().await;
    for path in [
        "/api/events",
        "/api/events?token=",
        "/api/events?token=forged",
    ] {
        let response = harness.http.get(harness.url(path)).send().await.unwrap();
        let (status, content_type, body) = refusal(response).await;
        assert_eq!(status, 401, "{path}");
        assert!(
            content_type.starts_with("application/json"),
            "{path}: {content_type}"
        );
        assert_eq!(body["code"], "unauthenticated", "{path}");
        assert!(body["message"].is_string(), "{path}");
    }
    harness.stop().await;
}

#[tokio::test]
async fn a_wrong_session_secret_gets_a_message_for_the_ats_backend() {
    let harness = Harness::start().await;
    let request = json!({"account_id": "acme", "user_id": "u1", "role": "recruiter"});
    let wrong = harness
        .http
        .post(harness.url("/api/sessions"))
        .bearer_auth("not-the-secret")
        .json(&request)
        .send()
        .await
        .unwrap();
    let missing = harness
        .http
        .post(harness.url("/api/sessions"))
        .json(&request)
        .send()
        .await
        .unwrap();
    // The secret is checked first: a wrong one learns nothing about the body it would need.
    let wrong_and_malformed = harness
        .http
        .post(harness.url("/api/sessions"))
        .bearer_auth("not-the-secret")
        .header("content-type", "application/json")
        .body("{\"account_id\": ")
        .send()
        .await
        .unwrap();
    for response in [wrong, missing, wrong_and_malformed] {
        let (status, content_type, body) = refusal(response).await;
        assert_eq!(status, 401, "{body}");
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert_eq!(body["code"], "invalid_session_secret");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("session secret") && message.contains("Authorization: Bearer"),
            "tells the backend's developer what to send: {message}"
        );
        assert!(
            !message.contains("sign in"),
            "not the browser user's message: {message}"
        );
    }
    harness.stop().await;
}

#[tokio::test]
async fn failures_answered_before_any_handler_runs_are_in_the_apis_json_shape_too() {
    let harness = Harness::start().await;
    let token = harness.token("blue-bakery");
    let cases = [
        (
            reqwest::Method::GET,
            "/api/candidates/%FF/orders",
            400,
            "malformed_request",
        ),
        (
            reqwest::Method::GET,
            "/api/orders/ord_1/retry",
            405,
            "method_not_allowed",
        ),
        (
            reqwest::Method::GET,
            "/api/no-such-endpoint",
            404,
            "not_found",
        ),
        (
            reqwest::Method::POST,
            "/api/orders",
            413,
            "payload_too_large",
        ),
    ];
    for (method, path, expected, code) in cases {
        let mut request = harness
            .http
            .request(method.clone(), harness.url(path))
            .bearer_auth(&token);
        if expected == 413 {
            request = request
                .header("content-type", "application/json")
                .body(vec![b' '; 100 * 1024]);
        }
        let response = request.send().await.unwrap();
        let allow = response.headers().get("allow").cloned();
        let (status, content_type, body) = refusal(response).await;
        assert_eq!(status, expected, "{method} {path}: {body}");
        assert!(
            content_type.starts_with("application/json"),
            "{method} {path}: {content_type}"
        );
        assert_eq!(body["code"], code, "{method} {path}");
        assert!(
            !body["message"].as_str().unwrap().is_empty(),
            "{method} {path}: {body}"
        );
        if expected == 405 {
            assert!(allow.is_some(), "a 405 still names the allowed methods");
        }
    }
    harness.stop().await;
}
