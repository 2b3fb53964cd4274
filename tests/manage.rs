//! Managing placed orders end to end: canceling and resending invitations, order history and
//! the audit log, over real HTTP against the embedded sandbox, on the store the run picks
//! (`BGCHECK_TEST_STORE=postgres` for PostgreSQL).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use bgcheck::proxy::identity::Role;
use reqwest::Method;
use serde_json::{Value, json};
use support::{Harness, first_package, place_us_order, sandbox_get, us_order};

const ACCOUNT: &str = "blue-bakery";
const CHECKR_ACCOUNT: &str = "acct_no_hierarchy";

/// Waits until the sandbox has delivered every event it emitted to the proxy.
async fn until_webhooks_delivered(harness: &Harness) {
    for _ in 0..2_000 {
        let events: Value = sandbox_get(harness, "/sandbox/events").await;
        let delivery: Value = sandbox_get(harness, "/sandbox/delivery").await;
        if delivery["delivered"].as_u64() == Some(events.as_array().unwrap().len() as u64) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the sandbox never delivered every webhook");
}

/// Places an order for `custom_id` and waits until its `invitation.created` is in.
async fn placed(harness: &Harness, custom_id: &str) -> Value {
    let (_, order) = place_us_order(harness, ACCOUNT, custom_id).await;
    until_webhooks_delivered(harness).await;
    order
}

async fn post_as(harness: &Harness, role: Role, path: &str) -> (u16, Value) {
    harness
        .send_as(ACCOUNT, role, Method::POST, path, &json!({}))
        .await
}

async fn newest(harness: &Harness, custom_id: &str) -> Vec<Value> {
    let (status, orders) = harness
        .get(ACCOUNT, &format!("/api/candidates/{custom_id}/orders"))
        .await;
    assert_eq!(status, 200, "{orders}");
    orders.as_array().unwrap().clone()
}

fn actions(history: &Value) -> Vec<(String, String)> {
    history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().unwrap().to_owned(),
                entry["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_recruiter_cancels_a_pending_invitation_and_the_badge_says_invitation_canceled() {
    let harness = Harness::start().await;
    let order = placed(&harness, "M-1").await;
    let id = order["id"].as_str().unwrap();

    let (status, canceled) = post_as(
        &harness,
        Role::Recruiter,
        &format!("/api/orders/{id}/cancel"),
    )
    .await;
    assert_eq!(status, 200, "{canceled}");
    assert_eq!(canceled["badge"]["label"], "Invitation Canceled");
    let deletes: Vec<Value> = harness
        .upstream(CHECKR_ACCOUNT)
        .await
        .into_iter()
        .filter(|request| request["method"] == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(
        deletes[0]["path"],
        format!(
            "/v1/invitations/{}",
            order["invitation_id"].as_str().unwrap()
        )
    );

    // Checkr's own invitation.deleted arrives after the answer: the badge stays.
    until_webhooks_delivered(&harness).await;
    assert_eq!(
        newest(&harness, "M-1").await[0]["badge"]["label"],
        "Invitation Canceled"
    );

    let (status, again) = post_as(
        &harness,
        Role::Recruiter,
        &format!("/api/orders/{id}/cancel"),
    )
    .await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["message"], "This invitation was already canceled.");
    harness.stop().await;
}

#[tokio::test]
async fn invitation_deleted_delivered_twice_after_a_cancel_keeps_one_canceled_badge() {
    let harness = Harness::start().await;
    let order = placed(&harness, "M-11").await;
    let id = order["id"].as_str().unwrap();
    harness
        .http
        .post(harness.sandbox("/sandbox/delivery"))
        .json(&json!({"duplicate": true}))
        .send()
        .await
        .unwrap();
    let (status, canceled) = post_as(
        &harness,
        Role::Recruiter,
        &format!("/api/orders/{id}/cancel"),
    )
    .await;
    assert_eq!(status, 200, "{canceled}");
    // Every event once, and the invitation.deleted a second time.
    for _ in 0..2_000 {
        let events: Value = sandbox_get(&harness, "/sandbox/events").await;
        let delivery: Value = sandbox_get(&harness, "/sandbox/delivery").await;
        if delivery["delivered"].as_u64() == Some(events.as_array().unwrap().len() as u64 + 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let orders = newest(&harness, "M-11").await;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["badge"]["label"], "Invitation Canceled");
    let (_, history) = harness
        .get_as(ACCOUNT, Role::Admin, &format!("/api/orders/{id}/history"))
        .await;
    assert_eq!(
        actions(&history),
        vec![
            ("ordered".to_owned(), "succeeded".to_owned()),
            ("canceled".to_owned(), "succeeded".to_owned())
        ]
    );
    harness.stop().await;
}

#[tokio::test]
async fn an_invitation_canceled_from_the_dashboard_first_cannot_be_canceled_again_but_can_be_resent()
 {
    let harness = Harness::start().await;
    let order = placed(&harness, "M-2").await;
    let id = order["id"].as_str().unwrap();
    let invitation = order["invitation_id"].as_str().unwrap();
    harness.step(invitation, "invitation_deleted").await;
    until_webhooks_delivered(&harness).await;
    assert_eq!(
        newest(&harness, "M-2").await[0]["badge"]["label"],
        "Invitation Canceled"
    );

    let (status, refused) = post_as(
        &harness,
        Role::Recruiter,
        &format!("/api/orders/{id}/cancel"),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["message"], "This invitation was already canceled.");

    let (status, resent) = post_as(
        &harness,
        Role::Recruiter,
        &format!("/api/orders/{id}/resend"),
    )
    .await;
    assert_eq!(status, 201, "{resent}");
    assert_eq!(resent["badge"]["label"], "Invitation Sent");
    assert_ne!(resent["invitation_id"], order["invitation_id"]);
    let deletes = harness
        .upstream(CHECKR_ACCOUNT)
        .await
        .into_iter()
        .filter(|request| request["method"] == "DELETE")
        .count();
    assert_eq!(deletes, 0, "nothing left to cancel at Checkr");
    harness.stop().await;
}

#[tokio::test]
async fn a_completed_invitation_cannot_be_canceled_or_resent() {
    let harness = Harness::start().await;
    let order = placed(&harness, "M-3").await;
    let id = order["id"].as_str().unwrap();
    harness
        .step(
            order["invitation_id"].as_str().unwrap(),
            "invitation_completed",
        )
        .await;
    until_webhooks_delivered(&harness).await;

    for action in ["cancel", "resend"] {
        let (status, refused) = post_as(
            &harness,
            Role::Recruiter,
            &format!("/api/orders/{id}/{action}"),
        )
        .await;
        assert_eq!(status, 409, "{action}: {refused}");
        assert!(
            refused["message"]
                .as_str()
                .unwrap()
                .contains("already completed"),
            "{refused}"
        );
    }
    assert_eq!(newest(&harness, "M-3").await.len(), 1, "no new order");
    harness.stop().await;
}

#[tokio::test]
async fn checkr_refusing_a_cancellation_is_explained_and_changes_nothing() {
    let harness = Harness::start().await;
    let order = placed(&harness, "M-4").await;
    let id = order["id"].as_str().unwrap();
    // The candidate finishes the form, but the proxy has not heard yet: hold the webhooks.
    harness
        .http
        .post(harness.sandbox("/sandbox/delivery"))
        .json(&json!({"hold": true}))
        .send()
        .await
        .unwrap();
    harness
        .step(
            order["invitation_id"].as_str().unwrap(),
            "invitation_completed",
        )
        .await;

    let (status, refused) = post_as(
        &harness,
        Role::Recruiter,
        &format!("/api/orders/{id}/cancel"),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("no longer pending"),
        "{refused}"
    );
    assert_eq!(
        newest(&harness, "M-4").await[0]["badge"]["label"],
        "Invitation Sent"
    );
    let (_, history) = harness
        .get_as(ACCOUNT, Role::Admin, &format!("/api/orders/{id}/history"))
        .await;
    assert_eq!(
        actions(&history),
        vec![
            ("ordered".to_owned(), "succeeded".to_owned()),
            ("canceled".to_owned(), "refused".to_owned())
        ]
    );
    harness.stop().await;
}

#[tokio::test]
async fn resending_cancels_the_pending_invitation_and_invites_again_as_a_linked_order() {
    let harness = Harness::start().await;
    let order = placed(&harness, "M-5").await;
    let old_id = order["id"].as_str().unwrap();

    let (status, resent) = post_as(
        &harness,
        Role::Recruiter,
        &format!("/api/orders/{old_id}/resend"),
    )
    .await;
    assert_eq!(status, 201, "{resent}");
    let new_id = resent["id"].as_str().unwrap();
    assert_ne!(new_id, old_id);
    assert_eq!(resent["package"], order["package"]);
    assert_eq!(
        resent["candidate_id"], order["candidate_id"],
        "same candidate"
    );
    assert_eq!(resent["ordered_by"], "recruiter");

    let invitations = harness
        .upstream_posts(CHECKR_ACCOUNT, "/v1/invitations")
        .await;
    assert_eq!(invitations.len(), 2);
    assert_eq!(
        invitations[0]["body"], invitations[1]["body"],
        "same package, node, location"
    );
    assert_eq!(harness.sandbox_candidates(CHECKR_ACCOUNT).await, 1);

    until_webhooks_delivered(&harness).await;
    let orders = newest(&harness, "M-5").await;
    assert_eq!(orders[0]["id"], new_id);
    assert_eq!(orders[0]["badge"]["label"], "Invitation Sent");
    assert_eq!(orders[1]["badge"]["label"], "Invitation Canceled");

    let (status, history) = harness
        .get_as(
            ACCOUNT,
            Role::Adjudicator,
            &format!("/api/orders/{new_id}/history"),
        )
        .await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["resent_from"], old_id);
    assert_eq!(
        actions(&history),
        vec![("ordered".to_owned(), "succeeded".to_owned())]
    );
    let (_, old_history) = harness
        .get_as(
            ACCOUNT,
            Role::Adjudicator,
            &format!("/api/orders/{old_id}/history"),
        )
        .await;
    assert_eq!(
        actions(&old_history),
        vec![
            ("ordered".to_owned(), "succeeded".to_owned()),
            ("canceled".to_owned(), "succeeded".to_owned()),
            ("resent".to_owned(), "succeeded".to_owned())
        ]
    );
    let row = &old_history["entries"][1];
    assert_eq!(row["actor"], "recruiter");
    assert_eq!(row["role"], "recruiter");
    assert!(row["at"].as_str().unwrap().ends_with('Z'));
    harness.stop().await;
}

#[tokio::test]
async fn recruiters_may_not_read_history_or_the_audit_log() {
    let harness = Harness::start().await;
    let order = placed(&harness, "M-6").await;
    let id = order["id"].as_str().unwrap();
    for path in [format!("/api/orders/{id}/history"), "/api/audit".to_owned()] {
        let (status, refused) = harness.get_as(ACCOUNT, Role::Recruiter, &path).await;
        assert_eq!(status, 403, "{path}: {refused}");
        for role in [Role::Adjudicator, Role::Admin] {
            let (status, body) = harness.get_as(ACCOUNT, role, &path).await;
            assert_eq!(status, 200, "{path} as {role:?}: {body}");
        }
    }
    let (status, _) = harness
        .get_as(ACCOUNT, Role::Admin, "/api/orders/ord_999999/history")
        .await;
    assert_eq!(status, 404);
    harness.stop().await;
}

#[tokio::test]
async fn the_audit_log_pages_as_json_and_exports_csv_without_candidate_details() {
    let harness = Harness::start().await;
    for custom_id in ["M-7", "M-8", "M-9"] {
        let order = placed(&harness, custom_id).await;
        let id = order["id"].as_str().unwrap();
        let (status, body) =
            post_as(&harness, Role::Admin, &format!("/api/orders/{id}/cancel")).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, first) = harness
        .get_as(
            ACCOUNT,
            Role::Admin,
            "/api/audit?since=2000-01-01T00:00:00Z&limit=4",
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["entries"].as_array().unwrap().len(), 4);
    let next = first["next"].as_str().unwrap();
    let (status, second) = harness.get_as(ACCOUNT, Role::Admin, next).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["entries"].as_array().unwrap().len(), 2);
    assert!(second["entries"][0]["seq"].as_i64() > first["entries"][3]["seq"].as_i64());

    let (status, future) = harness
        .get_as(
            ACCOUNT,
            Role::Admin,
            "/api/audit?since=2100-01-01T00:00:00Z",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(future["entries"], json!([]));
    assert_eq!(future["next"], Value::Null);
    let (status, bad) = harness
        .get_as(ACCOUNT, Role::Admin, "/api/audit?since=last-week")
        .await;
    assert_eq!(status, 400, "{bad}");

    let response = harness
        .http
        .get(harness.url("/api/audit"))
        .bearer_auth(harness.token_as(ACCOUNT, Role::Adjudicator))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "seq,at,actor,role,action,order_id,outcome,detail");
    assert_eq!(lines.len(), 7, "{csv}");
    assert!(
        lines[1].contains("\"recruiter\",\"recruiter\",\"ordered\""),
        "{csv}"
    );
    assert!(
        lines[2].contains("\"admin\",\"admin\",\"canceled\""),
        "{csv}"
    );
    for detail in ["Jordan", "Rivera", "jordan.rivera@example.com"] {
        assert!(!csv.contains(detail), "{detail} in {csv}");
    }
    harness.stop().await;
}

#[tokio::test]
async fn the_audit_log_is_append_only_in_the_database() {
    let harness = Harness::start().await;
    let order = placed(&harness, "M-10").await;
    let id = order["id"].as_str().unwrap();
    post_as(&harness, Role::Admin, &format!("/api/orders/{id}/cancel")).await;
    let refused = match &harness.database_url {
        None => {
            let path = harness.running.state.data_dir().join("bgcheck.sqlite3");
            let db = rusqlite::Connection::open(path).unwrap();
            db.execute("UPDATE audit_log SET actor = 'someone else'", [])
                .is_err()
                && db.execute("DELETE FROM audit_log", []).is_err()
        }
        Some(url) => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .execute("UPDATE audit_log SET actor = 'someone else'", &[])
                .await
                .is_err()
                && client.execute("DELETE FROM audit_log", &[]).await.is_err()
        }
    };
    assert!(refused, "rows can be changed or removed");
    harness.stop().await;
}

#[tokio::test]
async fn the_management_endpoints_are_documented() {
    let harness = Harness::start().await;
    let spec: Value = harness
        .http
        .get(harness.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/orders/{id}/cancel", "post"),
        ("/api/orders/{id}/resend", "post"),
        ("/api/orders/{id}/history", "get"),
        ("/api/audit", "get"),
        ("/api/orders/{id}/tags", "put"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path}");
    }
    harness.stop().await;
}

fn tagged_order(custom_id: &str, package: &str, tags: Value) -> Value {
    let mut order = us_order(custom_id, package);
    order["tags"] = tags;
    order
}

async fn sandbox_report_tags(harness: &Harness, report_id: &str) -> Vec<Value> {
    let token = {
        let accounts: Value = sandbox_get(harness, "/sandbox/accounts").await;
        accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|account| account["account_id"] == CHECKR_ACCOUNT)
            .unwrap()["api_key"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let page: Value = harness
        .http
        .get(harness.sandbox(&format!("/v1/reports/{report_id}/tags")))
        .basic_auth(token, Some(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn tags_given_when_ordering_go_on_the_invitation_and_show_on_the_order() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    let (status, order) = harness
        .post(
            ACCOUNT,
            "/api/orders",
            &tagged_order(
                "M-20",
                &package,
                json!(["REQ-7", " hm@example.com ", "REQ-7"]),
            ),
        )
        .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["tags"], json!(["REQ-7", "hm@example.com"]));
    let invitations = harness
        .upstream_posts(CHECKR_ACCOUNT, "/v1/invitations")
        .await;
    assert_eq!(
        invitations[0]["body"]["tags"],
        json!(["REQ-7", "hm@example.com"])
    );
    assert_eq!(newest(&harness, "M-20").await[0]["tags"], order["tags"]);
    harness.stop().await;
}

#[tokio::test]
async fn too_many_or_too_long_tags_are_refused_before_anything_is_sent() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    let many: Vec<String> = (0..11).map(|n| format!("t{n}")).collect();
    for (tags, says) in [
        (json!(many), "at most 10 tags"),
        (json!(["x".repeat(65)]), "longer than 64 characters"),
    ] {
        let (status, refused) = harness
            .post(
                ACCOUNT,
                "/api/orders",
                &tagged_order("M-21", &package, tags),
            )
            .await;
        assert_eq!(status, 400, "{refused}");
        assert!(
            refused["message"].as_str().unwrap().contains(says),
            "{refused}"
        );
    }
    assert_eq!(harness.sandbox_candidates(CHECKR_ACCOUNT).await, 0);
    harness.stop().await;
}

#[tokio::test]
async fn setting_tags_adds_and_removes_one_tag_per_checkr_call() {
    let harness = Harness::start().await;
    let package = first_package(&harness, ACCOUNT).await;
    let (status, order) = harness
        .post(
            ACCOUNT,
            "/api/orders",
            &tagged_order("M-22", &package, json!(["keep", "drop"])),
        )
        .await;
    assert_eq!(status, 201, "{order}");
    let id = order["id"].as_str().unwrap();

    let (status, early) = harness
        .send_as(
            ACCOUNT,
            Role::Recruiter,
            Method::PUT,
            &format!("/api/orders/{id}/tags"),
            &json!({"tags": ["keep"]}),
        )
        .await;
    assert_eq!(status, 409, "no report yet: {early}");
    assert!(
        early["message"]
            .as_str()
            .unwrap()
            .contains("completes the invitation")
    );

    harness
        .step(
            order["invitation_id"].as_str().unwrap(),
            "invitation_completed",
        )
        .await;
    until_webhooks_delivered(&harness).await;
    let report_id = harness
        .wait_for(ACCOUNT, Role::Admin, "M-22", |order| {
            order["report_id"].is_string()
        })
        .await["report_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        sandbox_report_tags(&harness, &report_id).await,
        vec![json!({"name": "keep"}), json!({"name": "drop"})],
        "the invitation's tags went onto the report"
    );

    let (status, tagged) = harness
        .send_as(
            ACCOUNT,
            Role::Recruiter,
            Method::PUT,
            &format!("/api/orders/{id}/tags"),
            &json!({"tags": ["keep", "hm@example.com"]}),
        )
        .await;
    assert_eq!(status, 200, "{tagged}");
    assert_eq!(tagged["tags"], json!(["keep", "hm@example.com"]));
    let calls: Vec<(Value, Value)> = harness
        .upstream(CHECKR_ACCOUNT)
        .await
        .into_iter()
        .filter(|request| {
            request["path"] == format!("/v1/reports/{report_id}/tags") && request["method"] != "GET"
        })
        .map(|request| (request["method"].clone(), request["body"].clone()))
        .collect();
    assert_eq!(
        calls,
        vec![
            (json!("POST"), json!({"tag": "hm@example.com"})),
            (json!("DELETE"), json!({"tag": "drop"})),
        ]
    );
    assert_eq!(
        sandbox_report_tags(&harness, &report_id).await,
        vec![json!({"name": "keep"}), json!({"name": "hm@example.com"})]
    );

    let (_, history) = harness
        .get_as(ACCOUNT, Role::Admin, &format!("/api/orders/{id}/history"))
        .await;
    let tagged_row = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["action"] == "tagged")
        .expect("a tagged row")
        .clone();
    assert_eq!(tagged_row["detail"], "+1 -1 of 2 wanted");
    assert!(
        !history.to_string().contains("hm@example.com"),
        "tags may hold an email, so the log keeps counts only: {history}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn the_sandbox_answers_report_tag_calls_as_checkr_does() {
    let harness = Harness::start().await;
    let accounts: Value = sandbox_get(&harness, "/sandbox/accounts").await;
    let key = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|account| account["account_id"] == CHECKR_ACCOUNT)
        .unwrap()["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let call = |method: Method, body: Value| {
        harness
            .http
            .request(method, harness.sandbox("/v1/reports/nope/tags"))
            .basic_auth(&key, Some(""))
            .json(&body)
            .send()
    };
    let missing = call(Method::POST, json!({"tag": "x"})).await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.json::<Value>().await.unwrap(),
        json!({"error": "Report not found"})
    );
    let blank = call(Method::DELETE, json!({})).await.unwrap();
    assert_eq!(blank.status(), 400);
    assert_eq!(
        blank.json::<Value>().await.unwrap(),
        json!({"error": "tag is required"})
    );
    harness.stop().await;
}

#[tokio::test]
async fn an_admin_unlinking_is_logged_and_the_session_offers_to_reconnect() {
    let harness = Harness::start().await;
    let (status, refused) = post_as(&harness, Role::Adjudicator, "/api/account/disconnect").await;
    assert_eq!(status, 403, "{refused}");
    let response = harness
        .http
        .post(harness.url("/api/account/disconnect"))
        .bearer_auth(harness.token_as(ACCOUNT, Role::Admin))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (_, session) = harness.get_as(ACCOUNT, Role::Admin, "/api/session").await;
    assert_eq!(session["connection"], "deauthorized");
    assert!(session["connect"]["signin_url"].is_string(), "{session}");
    let (_, audit) = harness.get_as(ACCOUNT, Role::Admin, "/api/audit").await;
    let row = &audit["entries"][0];
    assert_eq!(row["action"], "disconnected");
    assert_eq!(row["actor"], "admin");
    assert_eq!(row["order_id"], Value::Null);
    harness.stop().await;
}
