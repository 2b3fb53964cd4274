//! Continuous checks over real HTTP against the sandbox: enrolment needs the employee's
//! consent confirmed (a field error otherwise), a US candidate, and adjudication rights;
//! the list and unenrolment go to Checkr, and another applicant's enrolment is not found.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bgcheck::proxy::identity::Role;
use reqwest::Method;
use serde_json::{Value, json};
use support::{Harness, first_package, place_abroad_order, place_us_order, us_order};

const ACCOUNT: &str = "blue-bakery";
const PATH: &str = "/api/candidates/EMP-1/continuous-checks";

async fn enrol(harness: &Harness, role: Role, path: &str, body: Value) -> (u16, Value) {
    harness
        .send_as(ACCOUNT, role, Method::POST, path, &body)
        .await
}

#[tokio::test]
async fn enrolment_without_the_consent_confirmed_is_refused_with_a_field_error_and_sends_nothing() {
    let harness = Harness::start().await;
    place_us_order(&harness, ACCOUNT, "EMP-1").await;
    for body in [
        json!({"type": "criminal"}),
        json!({"type": "criminal", "consent": false}),
    ] {
        let (status, answer) = enrol(&harness, Role::Admin, PATH, body).await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["code"], "invalid");
        assert!(
            answer["fields"]["consent"]
                .as_str()
                .unwrap()
                .contains("consent")
        );
    }
    let (status, answer) = enrol(
        &harness,
        Role::Admin,
        PATH,
        json!({"type": "drug", "consent": true}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(answer["fields"]["type"].is_string(), "{answer}");
    let sent = harness.upstream("acct_no_hierarchy").await;
    assert!(
        !sent.iter().any(|request| request["path"]
            .as_str()
            .unwrap_or_default()
            .contains("continuous_checks")),
        "nothing reached Checkr"
    );
    harness.stop().await;
}

#[tokio::test]
async fn an_adjudicator_enrols_lists_and_unenrols_an_employee() {
    let harness = Harness::start().await;
    place_us_order(&harness, ACCOUNT, "EMP-1").await;
    let (status, created) = enrol(
        &harness,
        Role::Adjudicator,
        PATH,
        json!({"type": "criminal", "consent": true}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["type"], "criminal");
    assert_eq!(created["label"], "Continuous criminal (C-Crim)");
    let id = created["id"].as_str().unwrap().to_owned();
    let posts = harness
        .upstream("acct_no_hierarchy")
        .await
        .into_iter()
        .filter(|request| {
            request["method"] == "POST"
                && request["path"]
                    .as_str()
                    .is_some_and(|path| path.ends_with("/continuous_checks"))
        })
        .count();
    assert_eq!(posts, 1);

    // Checkr refuses a second enrolment of the same type; the proxy passes its words on.
    let (status, again) = enrol(
        &harness,
        Role::Adjudicator,
        PATH,
        json!({"type": "criminal", "consent": true}),
    )
    .await;
    assert_eq!(status, 422, "{again}");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("already enrolled"),
        "{again}"
    );

    // Anyone may list.
    let (status, listed) = harness.get_as(ACCOUNT, Role::Recruiter, PATH).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());

    let (status, ended) = harness
        .send_as(
            ACCOUNT,
            Role::Adjudicator,
            Method::DELETE,
            &format!("{PATH}/{id}"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{ended}");
    let (_, listed) = harness.get_as(ACCOUNT, Role::Recruiter, PATH).await;
    assert_eq!(listed, json!([]));
    harness.stop().await;
}

#[tokio::test]
async fn a_recruiter_may_neither_enrol_nor_unenrol() {
    let harness = Harness::start().await;
    place_us_order(&harness, ACCOUNT, "EMP-1").await;
    let (status, _) = enrol(
        &harness,
        Role::Recruiter,
        PATH,
        json!({"type": "mvr", "consent": true}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = harness
        .send_as(
            ACCOUNT,
            Role::Recruiter,
            Method::DELETE,
            &format!("{PATH}/abc123"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);
    harness.stop().await;
}

#[tokio::test]
async fn only_employees_in_the_us_can_be_enrolled() {
    let harness = Harness::start().await;
    place_abroad_order(&harness, ACCOUNT, "EMP-GB").await;
    let (status, answer) = enrol(
        &harness,
        Role::Admin,
        "/api/candidates/EMP-GB/continuous-checks",
        json!({"type": "criminal", "consent": true}),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("US work locations only")
    );

    let (status, answer) = enrol(
        &harness,
        Role::Admin,
        "/api/candidates/NOBODY/continuous-checks",
        json!({"type": "criminal", "consent": true}),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("Order a background check")
    );
    harness.stop().await;
}

#[tokio::test]
async fn another_employees_enrolment_is_not_found_and_stays() {
    let harness = Harness::start().await;
    place_us_order(&harness, ACCOUNT, "EMP-1").await;
    place_us_order(&harness, ACCOUNT, "EMP-2").await;
    let (_, created) = enrol(
        &harness,
        Role::Admin,
        PATH,
        json!({"type": "mvr", "consent": true}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let (status, _) = harness
        .send_as(
            ACCOUNT,
            Role::Admin,
            Method::DELETE,
            &format!("/api/candidates/EMP-2/continuous-checks/{id}"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (_, listed) = harness.get_as(ACCOUNT, Role::Admin, PATH).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    harness.stop().await;
}

#[tokio::test]
async fn continuous_check_webhooks_are_shown_with_the_enrolment() {
    let harness = Harness::start().await;
    place_us_order(&harness, ACCOUNT, "EMP-1").await;
    let (_, created) = enrol(
        &harness,
        Role::Admin,
        PATH,
        json!({"type": "criminal", "consent": true}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, listed) = harness.get_as(ACCOUNT, Role::Recruiter, PATH).await;
    assert_eq!(listed[0]["notice"], Value::Null);
    let response = harness
        .http
        .post(harness.sandbox(&format!("/sandbox/continuous_checks/{id}/events")))
        .json(&json!({"type": "confirmation_required"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut notice = Value::Null;
    for _ in 0..100 {
        let (_, listed) = harness.get_as(ACCOUNT, Role::Recruiter, PATH).await;
        notice = listed[0]["notice"].clone();
        if !notice.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        notice,
        "Checkr asks the customer to confirm this enrolment."
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_report_of_a_continuous_check_joins_the_applicants_orders_with_its_badge() {
    let harness = Harness::start().await;
    place_us_order(&harness, ACCOUNT, "EMP-1").await;
    let (_, created) = enrol(
        &harness,
        Role::Admin,
        PATH,
        json!({"type": "criminal", "consent": true}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let response = harness
        .http
        .post(harness.sandbox(&format!("/sandbox/continuous_checks/{id}/report")))
        .json(&json!({"result": "consider"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["report"]["source"], "continuous_check");
    let order = harness
        .wait_for(ACCOUNT, Role::Adjudicator, "EMP-1", |order| {
            order["package"] == "continuous_check" && order["badge"]["label"] == "Needs Review"
        })
        .await;
    assert_eq!(order["report_id"], report["report"]["id"]);
    assert_eq!(order["ordered_by"], "Checkr continuous check");
    let (_, orders) = harness
        .get_as(ACCOUNT, Role::Adjudicator, "/api/candidates/EMP-1/orders")
        .await;
    assert_eq!(
        orders.as_array().unwrap().len(),
        2,
        "the hire's own order stays"
    );

    // A second report of the same enrolment is an order of its own.
    harness
        .http
        .post(harness.sandbox(&format!("/sandbox/continuous_checks/{id}/report")))
        .json(&json!({"result": "clear"}))
        .send()
        .await
        .unwrap();
    for _ in 0..100 {
        let (_, orders) = harness
            .get_as(ACCOUNT, Role::Adjudicator, "/api/candidates/EMP-1/orders")
            .await;
        if orders.as_array().unwrap().len() == 3 && orders[0]["badge"]["label"] == "Clear" {
            assert_eq!(orders[1]["badge"]["label"], "Needs Review", "{orders}");
            harness.stop().await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the second report never joined the orders");
}

async fn enrolments_when(harness: &Harness, count: usize) -> Value {
    for _ in 0..100 {
        let (_, listed) = harness.get_as(ACCOUNT, Role::Admin, PATH).await;
        if listed.as_array().is_some_and(|items| items.len() == count) {
            return listed;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, listed) = harness.get_as(ACCOUNT, Role::Admin, PATH).await;
    panic!("expected {count} enrolments: {listed}");
}

#[tokio::test]
async fn automatic_enrolment_is_an_admin_setting_that_needs_consent_and_follows_the_report() {
    let harness = Harness::start().await;
    let setting = "/api/account/continuous-checks";
    let (status, _) = harness
        .send_as(
            ACCOUNT,
            Role::Adjudicator,
            Method::PUT,
            setting,
            &json!({"auto_enroll": true, "consent": true}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, answer) = harness
        .send_as(
            ACCOUNT,
            Role::Admin,
            Method::PUT,
            setting,
            &json!({"auto_enroll": true}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["fields"]["consent"].is_string());
    let (status, answer) = harness
        .send_as(
            ACCOUNT,
            Role::Admin,
            Method::PUT,
            setting,
            &json!({"auto_enroll": true, "consent": true}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (_, read) = harness.get_as(ACCOUNT, Role::Recruiter, setting).await;
    assert_eq!(read["auto_enroll"], true);

    // A consider report enrols nobody; engaging the candidate does.
    let package = first_package(&harness, ACCOUNT).await;
    let (_, order) = harness
        .post(ACCOUNT, "/api/orders", &us_order("EMP-1", &package))
        .await;
    let invitation = order["invitation_id"].as_str().unwrap().to_owned();
    harness.step(&invitation, "report_consider").await;
    harness
        .wait_for(ACCOUNT, Role::Admin, "EMP-1", |order| {
            order["badge"]["label"] == "Needs Review"
        })
        .await;
    let (_, listed) = harness.get_as(ACCOUNT, Role::Admin, PATH).await;
    assert_eq!(listed, json!([]));
    harness.step(&invitation, "report_engaged").await;
    let listed = enrolments_when(&harness, 1).await;
    assert_eq!(listed[0]["type"], "criminal");

    // Adverse action on a later check ends the enrolment.
    let (_, second) = harness
        .post(ACCOUNT, "/api/orders", &us_order("EMP-1", &package))
        .await;
    let invitation = second["invitation_id"].as_str().unwrap().to_owned();
    harness.step(&invitation, "report_consider").await;
    harness.step(&invitation, "report_pre_adverse_action").await;
    enrolments_when(&harness, 0).await;
    harness.stop().await;
}
