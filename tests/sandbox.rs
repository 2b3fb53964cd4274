#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The embedded Checkr sandbox over real HTTP: envelopes, errors, idempotency, faults, the
//! lifecycle driver and the event outbox.

use std::time::{Duration, Instant};

use bgcheck::domain::time::Timestamp;
use bgcheck::sandbox::{Sandbox, SandboxAccount};
use reqwest::StatusCode;
use serde_json::{Value, json};

const NO_HIERARCHY: &str = "sandbox_key_no_hierarchy";
const NO_NODES: &str = "sandbox_key_no_nodes";
const TREE: &str = "sandbox_key_tree";
const LARGE: &str = "sandbox_key_large";

struct Harness {
    base: String,
    host: String,
    sandbox: Sandbox,
    client: reqwest::Client,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start() -> Harness {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let sandbox = Sandbox::new();
    let task = tokio::spawn(sandbox.clone().serve(listener));
    Harness {
        base: format!("http://{host}"),
        host,
        sandbox,
        client: reqwest::Client::new(),
        task,
    }
}

async fn decode(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

impl Harness {
    async fn get(&self, key: &str, path: &str) -> (StatusCode, Value) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        decode(
            self.client
                .get(url)
                .basic_auth(key, None::<&str>)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn post(&self, key: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        self.post_idempotent(key, path, body, None).await
    }

    async fn post_idempotent(
        &self,
        key: &str,
        path: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .basic_auth(key, None::<&str>)
            .json(body);
        if let Some(idempotency_key) = idempotency_key {
            request = request.header("Idempotency-Key", idempotency_key);
        }
        decode(request.send().await.unwrap()).await
    }

    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        decode(request.send().await.unwrap()).await
    }

    async fn faults(&self, body: Value) {
        let (status, _) = self
            .control(reqwest::Method::POST, "/sandbox/faults", Some(body))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "setting faults answers 204");
    }

    async fn candidate(&self, key: &str, body: &Value) -> String {
        let (status, created) = self.post(key, "/v1/candidates", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["id"].as_str().unwrap().to_owned()
    }

    /// A US candidate with a pending `driver_pro` invitation on the account without nodes.
    async fn invitation(&self) -> String {
        let candidate = self.candidate(NO_NODES, &us_candidate()).await;
        let (status, invitation) = self
            .post(
                NO_NODES,
                "/v1/invitations",
                &json!({"candidate_id": candidate, "package": "driver_pro",
                        "work_locations": [{"country": "US", "state": "CA"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{invitation}");
        invitation["id"].as_str().unwrap().to_owned()
    }

    async fn step(&self, invitation: &str, step: &str) -> (StatusCode, Value) {
        self.control(
            reqwest::Method::POST,
            &format!("/sandbox/invitations/{invitation}/steps"),
            Some(json!({ "step": step })),
        )
        .await
    }

    /// Runs a step that must succeed, checks the emitted event types, and that the last
    /// event carries the same object the API now returns.
    async fn step_ok(&self, invitation: &str, step: &str, expected: &[&str]) -> Value {
        let (status, body) = self.step(invitation, step).await;
        assert_eq!(status, StatusCode::OK, "{step}: {body}");
        let types: Vec<&str> = body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|event| event["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, expected, "{step} emits exactly these events");
        let last = &body["events"].as_array().unwrap().last().unwrap()["data"]["object"];
        if last["object"] == "report" {
            assert_eq!(
                last, &body["report"],
                "{step}: the event carries the report as it now is"
            );
            let (_, fetched) = self
                .get(
                    NO_NODES,
                    &format!("/v1/reports/{}", body["report"]["id"].as_str().unwrap()),
                )
                .await;
            assert_eq!(
                fetched, body["report"],
                "{step}: GET /v1/reports agrees with the step"
            );
            assert_eq!(body["invitation"]["report_id"], body["report"]["id"]);
        } else {
            assert_eq!(
                last, &body["invitation"],
                "{step}: the event carries the invitation"
            );
        }
        body
    }

    async fn screenings(&self, report: &Value) -> Vec<Value> {
        let mut ids: Vec<(String, String)> = Vec::new();
        for (field, collection) in [
            ("ssn_trace_id", "ssn_traces"),
            ("national_criminal_search_id", "national_criminal_searches"),
            ("motor_vehicle_report_id", "motor_vehicle_reports"),
        ] {
            if let Some(id) = report[field].as_str() {
                ids.push((collection.to_owned(), id.to_owned()));
            }
        }
        for id in report["county_criminal_search_ids"].as_array().unwrap() {
            ids.push((
                "county_criminal_searches".into(),
                id.as_str().unwrap().to_owned(),
            ));
        }
        let mut screenings = Vec::new();
        for (collection, id) in ids {
            let (status, screening) = self.get(NO_NODES, &format!("/v1/{collection}/{id}")).await;
            assert_eq!(status, StatusCode::OK, "{collection}/{id}: {screening}");
            screenings.push(screening);
        }
        screenings
    }

    async fn requests(&self, account: &str) -> Vec<Value> {
        let (_, body) = self
            .control(
                reqwest::Method::GET,
                &format!("/sandbox/requests?account_id={account}"),
                None,
            )
            .await;
        body.as_array().unwrap().clone()
    }
}

fn us_candidate() -> Value {
    json!({
        "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
        "work_locations": [{"country": "US", "state": "CA", "city": "San Francisco"}]
    })
}

fn error_of(body: &Value) -> &str {
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error field in {body}"))
}

#[tokio::test]
async fn package_list_counts_everything_and_links_the_next_page_absolutely() {
    let h = start().await;
    let (status, first) = h.get(NO_HIERARCHY, "/v1/packages?per_page=4").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["object"], "list");
    assert_eq!(first["count"], 6, "count is the total across pages");
    assert_eq!(first["data"].as_array().unwrap().len(), 4);
    assert_eq!(first["previous_href"], Value::Null);
    let next = first["next_href"].as_str().unwrap();
    assert_eq!(
        next,
        format!("http://{}/v1/packages?page=2&per_page=4", h.host)
    );

    let (_, last) = h.get(NO_HIERARCHY, next).await;
    assert_eq!(last["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        last["next_href"],
        Value::Null,
        "the last page has no next_href"
    );
    assert!(
        last["previous_href"]
            .as_str()
            .unwrap()
            .starts_with("http://")
    );
}

#[tokio::test]
async fn packages_carry_slug_integer_price_and_screenings() {
    let h = start().await;
    let (_, list) = h.get(NO_NODES, "/v1/packages").await;
    let slugs: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    for default in [
        "tasker_standard",
        "tasker_pro",
        "driver_standard",
        "driver_pro",
    ] {
        assert!(slugs.contains(&default), "{default} is offered");
    }
    let package = &list["data"][0];
    assert_eq!(package["object"], "package");
    assert!(package["price"].is_u64(), "price is integer cents");
    assert!(
        package["uri"]
            .as_str()
            .unwrap()
            .starts_with(&format!("http://{}/v1/packages/", h.host))
    );
    assert!(package["screenings"][0]["type"].is_string());
}

#[tokio::test]
async fn per_page_above_one_hundred_is_refused() {
    let h = start().await;
    let (status, body) = h.get(NO_NODES, "/v1/packages?per_page=101").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!error_of(&body).is_empty());
    let (status, _) = h.get(NO_NODES, "/v1/packages?per_page=100").await;
    assert_eq!(status, StatusCode::OK, "100 is the documented maximum");
}

#[tokio::test]
async fn zero_negative_or_non_numeric_paging_is_refused() {
    let h = start().await;
    for query in [
        "per_page=0",
        "per_page=-1",
        "per_page=ten",
        "page=0",
        "page=x",
    ] {
        let (status, body) = h.get(NO_NODES, &format!("/v1/packages?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(body["error"].is_string(), "{query}");
    }
}

#[tokio::test]
async fn large_account_totals_are_2500_packages_and_1000_nodes() {
    let h = start().await;
    let (_, packages) = h.get(LARGE, "/v1/packages?per_page=100").await;
    assert_eq!(packages["count"], 2_500);
    let (_, nodes) = h
        .get(LARGE, "/v1/nodes?per_page=100&include=packages")
        .await;
    assert_eq!(nodes["count"], 1_000);
    let next = nodes["next_href"].as_str().unwrap();
    assert!(
        next.contains("include=packages"),
        "next_href keeps include: {next}"
    );
    let (_, last) = h.get(LARGE, "/v1/packages?per_page=100&page=25").await;
    assert_eq!(last["data"].as_array().unwrap().len(), 100);
    assert_eq!(last["next_href"], Value::Null);
}

#[tokio::test]
async fn large_hierarchy_has_at_least_three_tiers() {
    let h = start().await;
    let mut tiers = std::collections::BTreeSet::new();
    let mut url = "/v1/nodes?per_page=100".to_owned();
    // Ten pages of 100 hold all 1,000 nodes; the bound turns a runaway next_href into a failure.
    for pages in 1.. {
        assert!(pages <= 10, "next_href keeps pointing past the last node");
        let (_, page) = h.get(LARGE, &url).await;
        for node in page["data"].as_array().unwrap() {
            tiers.insert(node["tier"].as_str().unwrap().to_owned());
        }
        match page["next_href"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert!(tiers.len() >= 3, "tiers: {tiers:?}");
}

#[tokio::test]
async fn nodes_without_hierarchy_answer_403_with_checkrs_text() {
    let h = start().await;
    let (status, body) = h.get(NO_HIERARCHY, "/v1/nodes").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_of(&body),
        "Sorry, your account is not enabled for Hierarchy"
    );
}

#[tokio::test]
async fn hierarchy_without_nodes_is_an_empty_list() {
    let h = start().await;
    let (status, body) = h.get(NO_NODES, "/v1/nodes?include=packages").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["count"], 0);
    assert_eq!(body["data"], json!([]));
    assert_eq!(body["next_href"], Value::Null);
}

#[tokio::test]
async fn tree_nodes_inherit_ancestor_packages_only_when_included() {
    let h = start().await;
    let (_, with) = h.get(TREE, "/v1/nodes?include=packages&per_page=100").await;
    let nodes = with["data"].as_array().unwrap();
    let node = |id: &str| nodes.iter().find(|n| n["custom_id"] == id).unwrap().clone();
    assert_eq!(
        node("acme")["parent_custom_id"],
        Value::Null,
        "the top has no parent"
    );
    assert_eq!(node("site-sf")["parent_custom_id"], "ca");
    let site_sf = node("site-sf");
    let sf: Vec<&str> = site_sf["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    for inherited in ["driver_standard", "driver_pro", "warehouse_basic"] {
        assert!(
            sf.contains(&inherited),
            "site-sf inherits {inherited}: {sf:?}"
        );
    }
    assert_eq!(
        node("site-newark")["packages"],
        json!([]),
        "a branch without packages"
    );
    let tiers: std::collections::BTreeSet<&str> =
        nodes.iter().map(|n| n["tier"].as_str().unwrap()).collect();
    assert_eq!(tiers.len(), 4, "Company, Region, State, Site");

    let (_, without) = h.get(TREE, "/v1/nodes").await;
    assert!(
        without["data"][0].get("packages").is_none(),
        "packages only with include"
    );
}

#[tokio::test]
async fn unknown_or_missing_credentials_are_a_bad_authentication_error() {
    let h = start().await;
    let (status, body) = h.get("not_a_key", "/v1/packages").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&body), "Bad authentication error");

    let anonymous = h
        .client
        .get(format!("{}/v1/packages", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let with_password = h
        .client
        .get(format!("{}/v1/packages", h.base))
        .basic_auth(TREE, Some("secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_password.status(),
        StatusCode::UNAUTHORIZED,
        "the password must be empty"
    );
}

#[tokio::test]
async fn every_checkr_response_carries_rate_limit_headers() {
    let h = start().await;
    for key in [TREE, "wrong"] {
        let response = h
            .client
            .get(format!("{}/v1/packages", h.base))
            .basic_auth(key, None::<&str>)
            .send()
            .await
            .unwrap();
        for name in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            let value = response
                .headers()
                .get(name)
                .unwrap_or_else(|| panic!("{name} missing"))
                .to_str()
                .unwrap();
            if name == "x-ratelimit-reset" {
                // Checkr documents the reset as an ISO 8601 instant.
                Timestamp::parse(value).unwrap();
            } else {
                value.parse::<i64>().unwrap();
            }
        }
    }
}

#[tokio::test]
async fn created_accounts_have_their_own_credentials_and_the_same_data() {
    let h = start().await;
    let seeded = h.sandbox.account(SandboxAccount::Tree);
    assert_eq!(seeded.api_key, "sandbox_key_tree");
    assert_eq!(seeded.account_id, "acct_tree");
    let fresh = h.sandbox.create_account(SandboxAccount::Tree);
    assert_ne!(fresh.api_key, seeded.api_key);
    assert_ne!(fresh.account_id, seeded.account_id);
    let (status, nodes) = h.get(&fresh.api_key, "/v1/nodes").await;
    assert_eq!(status, StatusCode::OK);
    let (_, seeded_nodes) = h.get(TREE, "/v1/nodes").await;
    assert_eq!(nodes["count"], seeded_nodes["count"]);
    h.candidate(TREE, &us_candidate()).await;
    let (_, theirs) = h
        .control(
            reqwest::Method::GET,
            &format!("/sandbox/candidates?account_id={}", fresh.account_id),
            None,
        )
        .await;
    assert_eq!(theirs, json!([]), "a created account starts empty");
}

#[tokio::test]
async fn candidate_is_created_with_checkrs_fields() {
    let h = start().await;
    let (status, created) = h.post(TREE, "/v1/candidates", &us_candidate()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["object"], "candidate");
    assert_eq!(created["email"], "ada@example.com");
    assert_eq!(created["report_ids"], json!([]));
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        created["uri"],
        format!("http://{}/v1/candidates/{id}", h.host)
    );
    let (status, fetched) = h.get(TREE, &format!("/v1/candidates/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);
    let (status, _) = h.get(NO_NODES, &format!("/v1/candidates/{id}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "candidates are private to their account"
    );
}

#[tokio::test]
async fn candidate_validation_uses_checkrs_messages() {
    let h = start().await;
    let cases = [
        (
            json!({"email": "not-an-email"}),
            "Email is not a valid email address",
        ),
        (
            json!({"email": "a b@example.com"}),
            "Email is not a valid email address",
        ),
        (
            json!({"last_name": "L"}),
            "Last name must be at least 2 characters",
        ),
        (
            json!({"work_locations": [{"country": "USA", "state": "CA"}]}),
            "Work location country must be a 2-letter ISO 3166 code",
        ),
        (
            json!({"work_locations": [{"country": "US"}]}),
            "Work location state is required for US candidates",
        ),
        (
            json!({"work_locations": [{"state": "CA", "country": null}], "first_name": ""}),
            "First name is required",
        ),
        (json!({"work_locations": []}), "Work locations are required"),
    ];
    for (patch, message) in cases {
        let mut body = us_candidate();
        for (field, value) in patch.as_object().unwrap() {
            body[field] = value.clone();
        }
        let (status, answer) = h.post(TREE, "/v1/candidates", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{patch}");
        assert_eq!(error_of(&answer), message, "{patch}");
    }
    let (_, none) = h
        .control(
            reqwest::Method::GET,
            "/sandbox/candidates?account_id=acct_tree",
            None,
        )
        .await;
    assert_eq!(none, json!([]), "nothing was created by refused requests");
}

#[tokio::test]
async fn non_us_candidate_needs_no_state() {
    let h = start().await;
    let (status, _) = h
        .post(
            TREE,
            "/v1/candidates",
            &json!({"first_name": "Jo", "last_name": "Ng", "email": "jo@example.ca",
            "work_locations": [{"country": "CA"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn sensitive_fields_are_recorded_in_the_request_log_and_masked_in_responses() {
    let h = start().await;
    let mut body = us_candidate();
    body["ssn"] = json!("111-22-3333");
    body["dob"] = json!("1990-01-01");
    let (_, created) = h.post(TREE, "/v1/candidates", &body).await;
    assert_eq!(created["ssn"], "XXX-XX-3333");
    let log = h.requests("acct_tree").await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["path"], "/v1/candidates");
    assert_eq!(log[0]["status"], 201);
    assert_eq!(
        log[0]["body"]["ssn"], "111-22-3333",
        "the log shows what the caller sent"
    );
}

#[tokio::test]
async fn invitation_is_created_pending_with_a_seven_day_expiry() {
    let h = start().await;
    let candidate = h.candidate(NO_NODES, &us_candidate()).await;
    let (status, invitation) = h
        .post(
            NO_NODES,
            "/v1/invitations",
            &json!({"candidate_id": candidate, "package": "tasker_standard",
            "work_locations": [{"country": "US", "state": "CA"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = invitation["id"].as_str().unwrap();
    assert_eq!(invitation["object"], "invitation");
    assert_eq!(invitation["status"], "pending");
    assert_eq!(
        invitation["invitation_url"],
        format!("http://{}/sandbox/apply/{id}", h.host)
    );
    assert_eq!(invitation["report_id"], Value::Null);
    assert_eq!(invitation["completed_at"], Value::Null);
    assert_eq!(invitation["deleted_at"], Value::Null);
    assert_eq!(invitation["tags"], json!([]));
    let created = Timestamp::parse(invitation["created_at"].as_str().unwrap()).unwrap();
    let expires = Timestamp::parse(invitation["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires.unix_seconds() - created.unix_seconds(), 7 * 86_400);
    let (_, fetched) = h.get(NO_NODES, &format!("/v1/invitations/{id}")).await;
    assert_eq!(fetched, invitation);
    let (_, events) = h
        .control(
            reqwest::Method::GET,
            "/sandbox/events?account_id=acct_no_nodes",
            None,
        )
        .await;
    let types: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["candidate.created", "invitation.created"]);
}

#[tokio::test]
async fn invitation_errors_use_checkrs_statuses_and_messages() {
    let h = start().await;
    let us = h.candidate(TREE, &us_candidate()).await;
    let foreign = h
        .candidate(
            TREE,
            &json!({"first_name": "Jo", "last_name": "Ng", "email": "jo@example.ca",
            "work_locations": [{"country": "CA"}]}),
        )
        .await;
    let ca = json!([{"country": "US", "state": "CA"}]);
    let cases = [
        (
            json!({"candidate_id": "cand_nope", "package": "driver_pro", "node": "site-sf", "work_locations": ca}),
            StatusCode::NOT_FOUND,
            "Candidate not found",
        ),
        (
            json!({"candidate_id": us, "package": "nope", "node": "site-sf", "work_locations": ca}),
            StatusCode::NOT_FOUND,
            "Package not found",
        ),
        (
            json!({"candidate_id": us, "package": "driver_pro", "work_locations": ca}),
            StatusCode::BAD_REQUEST,
            "Node is required for accounts with hierarchy",
        ),
        (
            json!({"candidate_id": us, "package": "driver_pro", "node": "atlantis", "work_locations": ca}),
            StatusCode::NOT_FOUND,
            "Node not found",
        ),
        (
            json!({"candidate_id": us, "package": "executive_full", "node": "site-sf", "work_locations": ca}),
            StatusCode::BAD_REQUEST,
            "Package is not available for this node",
        ),
        (
            json!({"candidate_id": foreign, "package": "driver_pro", "node": "site-sf", "work_locations": ca}),
            StatusCode::BAD_REQUEST,
            "Candidate work location region does not match invitation work location",
        ),
    ];
    for (body, status, message) in cases {
        let (got, answer) = h.post(TREE, "/v1/invitations", &body).await;
        assert_eq!(got, status, "{body}");
        assert_eq!(error_of(&answer), message, "{body}");
    }
}

#[tokio::test]
async fn a_node_without_packages_anywhere_offers_every_package() {
    let h = start().await;
    let us = h.candidate(TREE, &us_candidate()).await;
    for package in ["executive_full", "driver_pro", "tasker_standard"] {
        let (status, body) = h
            .post(
                TREE,
                "/v1/invitations",
                &json!({"candidate_id": us, "package": package, "node": "site-newark",
                "work_locations": [{"country": "US", "state": "NJ"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{package}: {body}");
    }
    let (status, _) = h
        .post(
            TREE,
            "/v1/invitations",
            &json!({"candidate_id": us, "package": "warehouse_basic", "node": "site-sf",
            "work_locations": [{"country": "US", "state": "CA"}]}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a package inherited from the state node is allowed"
    );
}

#[tokio::test]
async fn canceling_an_invitation_sets_deleted_at_and_keeps_the_status() {
    let h = start().await;
    let id = h.invitation().await;
    let response = h
        .client
        .delete(format!("{}/v1/invitations/{id}", h.base))
        .basic_auth(NO_NODES, None::<&str>)
        .send()
        .await
        .unwrap();
    let (status, canceled) = decode(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(canceled["status"], "pending");
    assert!(canceled["deleted_at"].is_string());
    let (status, _) = h.get(NO_NODES, &format!("/v1/invitations/{id}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "canceled invitations are hidden by default"
    );
    let (status, shown) = h
        .get(
            NO_NODES,
            &format!("/v1/invitations/{id}?include_deleted=true"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown, canceled);
    let (_, events) = h
        .control(
            reqwest::Method::GET,
            "/sandbox/events?account_id=acct_no_nodes",
            None,
        )
        .await;
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["type"], "invitation.deleted");
    assert_eq!(last["data"]["object"], canceled);
}

#[tokio::test]
async fn idempotent_replay_returns_the_same_candidate_and_creates_one() {
    let h = start().await;
    let first = h
        .post_idempotent(TREE, "/v1/candidates", &us_candidate(), Some("key-1"))
        .await;
    let second = h
        .post_idempotent(TREE, "/v1/candidates", &us_candidate(), Some("key-1"))
        .await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(second, first, "the replay has the stored status and body");
    let (_, candidates) = h
        .control(
            reqwest::Method::GET,
            "/sandbox/candidates?account_id=acct_tree",
            None,
        )
        .await;
    assert_eq!(candidates.as_array().unwrap().len(), 1);
    let (_, others) = h
        .control(
            reqwest::Method::GET,
            "/sandbox/candidates?account_id=acct_no_nodes",
            None,
        )
        .await;
    assert_eq!(others, json!([]));
    let other_account = h
        .post_idempotent(NO_NODES, "/v1/candidates", &us_candidate(), Some("key-1"))
        .await;
    assert_eq!(other_account.0, StatusCode::CREATED, "keys are per account");
    assert_ne!(other_account.1["id"], first.1["id"]);
}

#[tokio::test]
async fn reusing_an_idempotency_key_with_another_body_is_a_conflict() {
    let h = start().await;
    h.post_idempotent(TREE, "/v1/candidates", &us_candidate(), Some("key-2"))
        .await;
    let mut other = us_candidate();
    other["email"] = json!("grace@example.com");
    let (status, body) = h
        .post_idempotent(TREE, "/v1/candidates", &other, Some("key-2"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error_of(&body),
        "Idempotency-Key reused with a different request"
    );
}

#[tokio::test]
async fn failed_requests_are_not_stored_so_a_retry_runs_again() {
    let h = start().await;
    h.faults(json!({"account_id": "acct_tree", "fail_step": {"endpoint": "candidates", "status": 503, "message": "down"}}))
        .await;
    let (status, _) = h
        .post_idempotent(TREE, "/v1/candidates", &us_candidate(), Some("key-3"))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    h.faults(json!({"account_id": "acct_tree", "fail_step": null}))
        .await;
    let (status, created) = h
        .post_idempotent(TREE, "/v1/candidates", &us_candidate(), Some("key-3"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let log = h.requests("acct_tree").await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[1]["idempotency_key"], "key-3");
}

#[tokio::test]
async fn latency_delays_every_request_of_the_account_by_at_least_the_setting() {
    let h = start().await;
    h.faults(json!({"account_id": "acct_tree", "latency_ms": 300}))
        .await;
    let started = Instant::now();
    let (status, _) = h.get(TREE, "/v1/packages").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn fail_every_third_request_answers_500() {
    let h = start().await;
    h.faults(json!({"account_id": null, "fail_every": 3})).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (status, body) = h.get(NO_NODES, "/v1/packages").await;
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            assert_eq!(error_of(&body), "Internal Server Error");
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 500, 200, 200, 500]);
}

#[tokio::test]
async fn rate_limit_burst_answers_429_with_exhausted_headers_then_recovers() {
    let h = start().await;
    h.faults(json!({"rate_limit_burst": 2})).await;
    for _ in 0..2 {
        let response = h
            .client
            .get(format!("{}/v1/packages", h.base))
            .basic_auth(TREE, None::<&str>)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let header = |name: &str| {
            response.headers()[name]
                .to_str()
                .unwrap()
                .parse::<i64>()
                .unwrap()
        };
        assert_eq!(header("x-ratelimit-remaining"), 0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let reset = Timestamp::parse(response.headers()["x-ratelimit-reset"].to_str().unwrap())
            .unwrap()
            .unix_seconds();
        assert!(
            (now..=now + 2).contains(&reset),
            "reset {reset} is about now+1 ({now})"
        );
        let (_, body) = decode(response).await;
        assert_eq!(error_of(&body), "Too Many Requests");
    }
    let (status, _) = h.get(TREE, "/v1/packages").await;
    assert_eq!(status, StatusCode::OK, "the burst is used up");
}

#[tokio::test]
async fn fail_step_keeps_failing_that_post_until_cleared() {
    let h = start().await;
    h.faults(json!({"fail_step": {"endpoint": "invitations", "status": 422, "message": "Invitation service unavailable"}}))
        .await;
    let candidate = h.candidate(NO_NODES, &us_candidate()).await;
    let order = json!({"candidate_id": candidate, "package": "tasker_standard", "work_locations": [{"country": "US", "state": "CA"}]});
    for _ in 0..2 {
        let (status, body) = h.post(NO_NODES, "/v1/invitations", &order).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_of(&body), "Invitation service unavailable");
    }
    h.faults(json!({"latency_ms": 0})).await;
    let (status, _) = h.post(NO_NODES, "/v1/invitations", &order).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "omitted fields keep their value"
    );
    let (status, _) = h
        .control(reqwest::Method::DELETE, "/sandbox/faults", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = h.post(NO_NODES, "/v1/invitations", &order).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_fault_scoped_to_one_account_leaves_the_others_alone() {
    let h = start().await;
    h.faults(json!({"account_id": "acct_tree", "fail_every": 1}))
        .await;
    let (status, _) = h.get(TREE, "/v1/packages").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _) = h.get(NO_NODES, "/v1/packages").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_fault_fields_are_refused() {
    let h = start().await;
    let (status, body) = h
        .control(
            reqwest::Method::POST,
            "/sandbox/faults",
            Some(json!({"latency": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn request_log_records_every_checkr_request_in_order_and_can_be_cleared() {
    let h = start().await;
    h.get("wrong", "/v1/packages?page=1").await;
    h.get(TREE, "/v1/nodes").await;
    let (_, all) = h
        .control(reqwest::Method::GET, "/sandbox/requests", None)
        .await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["account_id"], Value::Null);
    assert_eq!(all[0]["status"], 401);
    assert_eq!(all[0]["query"], "page=1");
    assert_eq!(all[0]["body"], Value::Null);
    assert_eq!(all[1]["account_id"], "acct_tree");
    assert_eq!(all[1]["path"], "/v1/nodes");
    let (status, _) = h
        .control(reqwest::Method::DELETE, "/sandbox/requests", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, none) = h
        .control(reqwest::Method::GET, "/sandbox/requests", None)
        .await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn invitation_completed_creates_a_pending_report() {
    let h = start().await;
    let id = h.invitation().await;
    let body = h
        .step_ok(
            &id,
            "invitation_completed",
            &["invitation.completed", "report.created"],
        )
        .await;
    assert_eq!(body["invitation"]["status"], "completed");
    assert!(body["invitation"]["completed_at"].is_string());
    assert_eq!(body["report"]["status"], "pending");
    assert_eq!(body["report"]["result"], Value::Null);
    assert_eq!(body["report"]["package"], "driver_pro");
    assert_eq!(body["events"][0]["data"]["object"], body["invitation"]);
    let screenings = h.screenings(&body["report"]).await;
    assert_eq!(screenings.len(), 4, "driver_pro has four screenings");
    assert!(screenings.iter().all(|s| s["status"] == "pending"));
    let candidate = body["report"]["candidate_id"].as_str().unwrap();
    let (_, candidate) = h
        .get(NO_NODES, &format!("/v1/candidates/{candidate}"))
        .await;
    assert_eq!(candidate["report_ids"], json!([body["report"]["id"]]));
}

#[tokio::test]
async fn invitation_expired_marks_the_invitation_expired() {
    let h = start().await;
    let id = h.invitation().await;
    let body = h
        .step_ok(&id, "invitation_expired", &["invitation.expired"])
        .await;
    assert_eq!(body["invitation"]["status"], "expired");
    assert_eq!(body["report"], Value::Null);
}

#[tokio::test]
async fn invitation_deleted_sets_deleted_at() {
    let h = start().await;
    let id = h.invitation().await;
    let body = h
        .step_ok(&id, "invitation_deleted", &["invitation.deleted"])
        .await;
    assert_eq!(body["invitation"]["status"], "pending");
    assert!(body["invitation"]["deleted_at"].is_string());
}

#[tokio::test]
async fn report_eta_sets_the_estimated_completion_time() {
    let h = start().await;
    let id = h.invitation().await;
    let (status, body) = h
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/invitations/{id}/steps"),
            Some(json!({"step": "report_eta", "eta": "2026-11-27T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let types: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["invitation.completed", "report.created", "report.updated"],
        "the invitation completes implicitly"
    );
    assert_eq!(
        body["report"]["estimated_completion_time"],
        "2026-11-27T00:00:00Z"
    );
    assert_eq!(body["events"][2]["data"]["object"], body["report"]);
    assert_eq!(body["report"]["status"], "pending");
}

#[tokio::test]
async fn report_clear_completes_clear_without_canceled_screenings() {
    let h = start().await;
    let id = h.invitation().await;
    let body = h
        .step_ok(
            &id,
            "report_clear",
            &["invitation.completed", "report.created", "report.completed"],
        )
        .await;
    let report = &body["report"];
    assert_eq!(report["status"], "complete");
    assert_eq!(report["result"], "clear");
    assert_eq!(report["includes_canceled"], false);
    assert_eq!(report["adjudication"], Value::Null);
    assert!(report["completed_at"].is_string());
    let screenings = h.screenings(report).await;
    assert!(
        screenings
            .iter()
            .all(|s| s["status"] == "complete" && s["result"] == "clear")
    );
}

#[tokio::test]
async fn report_clear_with_canceled_completes_clear_with_canceled_screenings() {
    let h = start().await;
    let id = h.invitation().await;
    h.step_ok(
        &id,
        "invitation_completed",
        &["invitation.completed", "report.created"],
    )
    .await;
    let body = h
        .step_ok(&id, "report_clear_with_canceled", &["report.completed"])
        .await;
    let report = &body["report"];
    assert_eq!(
        (report["status"].as_str(), report["result"].as_str()),
        (Some("complete"), Some("clear"))
    );
    assert_eq!(report["includes_canceled"], true);
    let screenings = h.screenings(report).await;
    assert!(
        screenings.iter().any(|s| s["status"] == "complete"),
        "at least one screening finished"
    );
    let canceled: Vec<&Value> = screenings
        .iter()
        .filter(|s| s["status"] == "canceled")
        .collect();
    assert!(!canceled.is_empty());
    for screening in canceled {
        assert_eq!(
            screening["cancellation_reason"],
            "complete_now_customer_requested"
        );
        assert!(screening["cancellation_reason_description"].is_string());
    }
}

#[tokio::test]
async fn report_all_canceled_on_complete_has_no_result() {
    let h = start().await;
    let id = h.invitation().await;
    let body = h
        .step_ok(
            &id,
            "report_all_canceled_on_complete",
            &["invitation.completed", "report.created", "report.completed"],
        )
        .await;
    let report = &body["report"];
    assert_eq!(report["status"], "complete");
    assert_eq!(report["result"], Value::Null);
    assert_eq!(report["includes_canceled"], true);
    for screening in h.screenings(report).await {
        assert_eq!(screening["status"], "canceled");
        assert_eq!(screening["cancellation_reason"], "exception_ssn_trace");
    }
}

#[tokio::test]
async fn report_consider_completes_with_a_consider_result() {
    let h = start().await;
    let id = h.invitation().await;
    let body = h
        .step_ok(
            &id,
            "report_consider",
            &["invitation.completed", "report.created", "report.completed"],
        )
        .await;
    assert_eq!(body["report"]["status"], "complete");
    assert_eq!(body["report"]["result"], "consider");
    assert_eq!(body["report"]["adjudication"], Value::Null);
    let screenings = h.screenings(&body["report"]).await;
    assert!(screenings.iter().any(|s| s["result"] == "consider"));
}

#[tokio::test]
async fn report_pre_adverse_action_adjudicates_a_consider_report() {
    let h = start().await;
    let id = h.invitation().await;
    h.step(&id, "report_consider").await;
    let body = h
        .step_ok(
            &id,
            "report_pre_adverse_action",
            &["report.pre_adverse_action"],
        )
        .await;
    assert_eq!(body["report"]["status"], "complete");
    assert_eq!(body["report"]["result"], "consider");
    assert_eq!(body["report"]["adjudication"], "pre_adverse_action");
}

#[tokio::test]
async fn report_post_adverse_action_follows_pre_adverse_action() {
    let h = start().await;
    let id = h.invitation().await;
    h.step(&id, "report_consider").await;
    h.step(&id, "report_pre_adverse_action").await;
    let body = h
        .step_ok(
            &id,
            "report_post_adverse_action",
            &["report.post_adverse_action"],
        )
        .await;
    assert_eq!(body["report"]["status"], "complete");
    assert_eq!(body["report"]["result"], "consider");
    assert_eq!(body["report"]["adjudication"], "post_adverse_action");
}

#[tokio::test]
async fn report_engaged_adjudicates_a_complete_report() {
    let h = start().await;
    let id = h.invitation().await;
    h.step(&id, "report_clear_with_canceled").await;
    let body = h.step_ok(&id, "report_engaged", &["report.engaged"]).await;
    assert_eq!(body["report"]["status"], "complete");
    assert_eq!(body["report"]["adjudication"], "engaged");
    assert_eq!(
        body["report"]["result"], "clear",
        "engaging keeps the result"
    );
}

#[tokio::test]
async fn report_suspended_has_no_result() {
    let h = start().await;
    let id = h.invitation().await;
    let body = h
        .step_ok(
            &id,
            "report_suspended",
            &["invitation.completed", "report.created", "report.suspended"],
        )
        .await;
    assert_eq!(body["report"]["status"], "suspended");
    assert_eq!(body["report"]["result"], Value::Null);
    let screenings = h.screenings(&body["report"]).await;
    assert!(screenings.iter().any(|s| s["status"] == "suspended"));
}

#[tokio::test]
async fn report_resumed_returns_a_suspended_report_to_pending() {
    let h = start().await;
    let id = h.invitation().await;
    h.step(&id, "report_suspended").await;
    let body = h.step_ok(&id, "report_resumed", &["report.resumed"]).await;
    assert_eq!(body["report"]["status"], "pending");
    assert_eq!(body["report"]["result"], Value::Null);
    let screenings = h.screenings(&body["report"]).await;
    assert!(screenings.iter().all(|s| s["status"] == "pending"));
}

#[tokio::test]
async fn report_disputed_follows_a_consider_result() {
    let h = start().await;
    let id = h.invitation().await;
    h.step(&id, "report_consider").await;
    let body = h
        .step_ok(&id, "report_disputed", &["report.disputed"])
        .await;
    assert_eq!(body["report"]["status"], "dispute");
    assert_eq!(body["report"]["result"], Value::Null);
    assert_eq!(body["report"]["adjudication"], Value::Null);
}

#[tokio::test]
async fn report_canceled_cancels_every_unprocessed_screening() {
    let h = start().await;
    let id = h.invitation().await;
    let body = h
        .step_ok(
            &id,
            "report_canceled",
            &["invitation.completed", "report.created", "report.canceled"],
        )
        .await;
    assert_eq!(body["report"]["status"], "canceled");
    assert_eq!(body["report"]["result"], Value::Null);
    let screenings = h.screenings(&body["report"]).await;
    assert!(
        screenings
            .iter()
            .all(|s| s["status"] == "canceled" && s["cancellation_reason"].is_string())
    );
}

#[tokio::test]
async fn report_assess_completed_emits_only_report_updated() {
    let h = start().await;
    let id = h.invitation().await;
    h.step(&id, "invitation_completed").await;
    let body = h
        .step_ok(&id, "report_assess_completed", &["report.updated"])
        .await;
    assert_eq!(body["report"]["status"], "complete");
    assert_eq!(body["report"]["result"], "clear");
    assert_eq!(body["report"]["assessment"], "eligible");
}

#[tokio::test]
async fn steps_that_make_no_sense_from_the_current_state_are_409() {
    let h = start().await;
    let id = h.invitation().await;
    h.step(&id, "report_consider").await;
    let refused = [
        "report_post_adverse_action",
        "invitation_completed",
        "invitation_expired",
        "report_clear",
        "report_resumed",
        "report_canceled",
    ];
    for step in refused {
        let (status, body) = h.step(&id, step).await;
        assert_eq!(status, StatusCode::CONFLICT, "{step}: {body}");
        assert!(body["error"].is_string());
    }
    let (_, report) = h.step(&id, "report_pre_adverse_action").await;
    assert_eq!(
        report["report"]["adjudication"], "pre_adverse_action",
        "a refused step changed nothing"
    );
}

#[tokio::test]
async fn nothing_happens_after_expiry() {
    let h = start().await;
    let id = h.invitation().await;
    h.step(&id, "invitation_expired").await;
    let (_, before) = h
        .control(reqwest::Method::GET, "/sandbox/events", None)
        .await;
    for step in [
        "invitation_completed",
        "invitation_deleted",
        "report_clear",
        "report_eta",
    ] {
        let (status, _) = h.step(&id, step).await;
        assert_eq!(status, StatusCode::CONFLICT, "{step}");
    }
    let (_, after) = h
        .control(reqwest::Method::GET, "/sandbox/events", None)
        .await;
    assert_eq!(before, after, "refused steps emit nothing");
}

#[tokio::test]
async fn report_canceled_after_a_screening_finished_is_refused() {
    let h = start().await;
    let id = h.invitation().await;
    h.step(&id, "report_suspended").await;
    h.step(&id, "report_resumed").await;
    h.step_ok(&id, "report_canceled", &["report.canceled"])
        .await;
    let other = h.invitation().await;
    h.step(&other, "report_clear").await;
    let (status, _) = h.step(&other, "report_canceled").await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn unknown_steps_and_invitations_are_rejected() {
    let h = start().await;
    let id = h.invitation().await;
    let (status, _) = h.step(&id, "report_exploded").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h.step("inv_missing", "report_clear").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn is_checkr_id(id: &Value) -> bool {
    id.as_str().is_some_and(|id| {
        id.len() == 24
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

#[tokio::test]
async fn events_use_checkrs_envelope_with_whole_seconds_and_random_ids() {
    let h = start().await;
    let id = h.invitation().await;
    assert!(
        is_checkr_id(&json!(id)),
        "invitation ids look like Checkr's: {id}"
    );
    h.step(&id, "report_consider").await;
    h.step(&id, "report_pre_adverse_action").await;
    let (_, events) = h
        .control(
            reqwest::Method::GET,
            "/sandbox/events?account_id=acct_no_nodes",
            None,
        )
        .await;
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 6);
    let mut previous: Option<Timestamp> = None;
    for event in events {
        assert_eq!(event["object"], "event");
        assert!(is_checkr_id(&event["id"]), "{}", event["id"]);
        assert!(is_checkr_id(&event["data"]["object"]["id"]), "{event}");
        assert_eq!(event["account_id"], "acct_no_nodes");
        let at = event["created_at"].as_str().unwrap();
        assert!(
            at.len() == 20 && at.ends_with('Z'),
            "UTC to the whole second: {at}"
        );
        let at = Timestamp::parse(at).unwrap();
        if let Some(previous) = &previous {
            assert!(at >= *previous, "created_at never goes back");
        }
        previous = Some(at);
    }
    let (_, elsewhere) = h
        .control(
            reqwest::Method::GET,
            "/sandbox/events?account_id=acct_tree",
            None,
        )
        .await;
    assert_eq!(elsewhere, json!([]));
}

#[tokio::test]
async fn a_frozen_event_clock_stamps_a_whole_lifecycle_with_one_second() {
    let h = start().await;
    let id = h.invitation().await;
    let (status, _) = h
        .control(
            reqwest::Method::POST,
            "/sandbox/clock",
            Some(json!({"frozen_at": "2026-11-21T10:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    h.step(&id, "report_consider").await;
    h.step(&id, "report_engaged").await;
    let (_, events) = h
        .control(
            reqwest::Method::GET,
            "/sandbox/events?account_id=acct_no_nodes",
            None,
        )
        .await;
    let stamps: Vec<&str> = events.as_array().unwrap()[2..]
        .iter()
        .map(|event| event["created_at"].as_str().unwrap())
        .collect();
    assert_eq!(stamps, ["2026-11-21T10:00:00Z"; 4]);
    let (status, _) = h
        .control(
            reqwest::Method::POST,
            "/sandbox/clock",
            Some(json!({"frozen_at": "yesterday"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn with_include_object_off_events_carry_only_a_reference() {
    let h = start().await;
    let id = h.invitation().await;
    let (status, _) = h
        .control(
            reqwest::Method::POST,
            "/sandbox/accounts/acct_no_nodes/webhook_settings",
            Some(json!({"include_object": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, body) = h.step(&id, "report_clear").await;
    for event in body["events"].as_array().unwrap() {
        let object = &event["data"]["object"];
        let fields: Vec<&String> = object.as_object().unwrap().keys().collect();
        assert_eq!(fields, ["id", "object", "uri"], "{event}");
        assert!(
            object["uri"]
                .as_str()
                .unwrap()
                .ends_with(object["id"].as_str().unwrap()),
            "{object}"
        );
    }
    let report = body["report"]["id"].as_str().unwrap();
    let (status, read) = h.get(NO_NODES, &format!("/v1/reports/{report}")).await;
    assert_eq!(
        (status, read["status"].as_str()),
        (StatusCode::OK, Some("complete")),
        "the API still has it all"
    );
    let (status, _) = h
        .control(
            reqwest::Method::POST,
            "/sandbox/accounts/acct_nobody/webhook_settings",
            Some(json!({"include_object": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn undelivered_events_are_handed_out_once_and_broadcast_live() {
    let h = start().await;
    let mut live = h.sandbox.subscribe();
    let id = h.invitation().await;
    let first = h.sandbox.take_undelivered();
    let types: Vec<&str> = first.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["candidate.created", "invitation.created"]);
    assert_eq!(first[1].payload["type"], "invitation.created");
    assert!(
        h.sandbox.take_undelivered().is_empty(),
        "each event is handed out once"
    );
    h.step(&id, "invitation_expired").await;
    let next = h.sandbox.take_undelivered();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].event_type, "invitation.expired");
    let mut heard = Vec::new();
    while let Ok(event) = live.try_recv() {
        heard.push(event.event_type);
    }
    assert_eq!(
        heard,
        [
            "candidate.created",
            "invitation.created",
            "invitation.expired"
        ]
    );
}

#[tokio::test]
async fn the_invitation_link_opens_a_sandbox_page() {
    let h = start().await;
    let candidate = h.candidate(NO_NODES, &us_candidate()).await;
    let (_, invitation) = h
        .post(
            NO_NODES,
            "/v1/invitations",
            &json!({"candidate_id": candidate, "package": "tasker_standard",
                    "work_locations": [{"country": "US", "state": "CA"}]}),
        )
        .await;
    let page = h
        .client
        .get(invitation["invitation_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.unwrap();
    assert!(text.contains(invitation["id"].as_str().unwrap()), "{text}");
    assert!(text.contains("pending"), "{text}");
}

#[tokio::test]
async fn control_api_lists_the_seeded_credentials() {
    let h = start().await;
    let (status, accounts) = h
        .control(reqwest::Method::GET, "/sandbox/accounts", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let tree = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|account| account["data_set"] == "tree")
        .unwrap();
    assert_eq!(tree["api_key"], "sandbox_key_tree");
    assert_eq!(tree["account_id"], "acct_tree");
    assert_eq!(accounts.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn a_held_answer_keeps_its_key_in_flight_and_is_kept_when_the_caller_hangs_up() {
    let h = start().await;
    h.faults(json!({"account_id": "acct_tree", "hold": "candidates"}))
        .await;
    let (client, url) = (h.client.clone(), format!("{}/v1/candidates", h.base));
    let first = tokio::spawn(async move {
        client
            .post(url)
            .basic_auth(TREE, None::<&str>)
            .header("Idempotency-Key", "held-1")
            .json(&us_candidate())
            .send()
            .await
    });
    // The candidate exists as soon as the held request has been processed.
    let mut created = Vec::new();
    for _ in 0..400 {
        let (_, listed) = h
            .control(
                reqwest::Method::GET,
                "/sandbox/candidates?account_id=acct_tree",
                None,
            )
            .await;
        created = listed.as_array().unwrap().clone();
        if !created.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(created.len(), 1, "the held request was processed");
    let (status, body) = h
        .post_idempotent(TREE, "/v1/candidates", &us_candidate(), Some("held-1"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error_of(&body),
        "A request with this Idempotency-Key is still being processed"
    );
    first.abort();
    let _ = first.await;
    h.faults(json!({"account_id": "acct_tree", "hold": null}))
        .await;
    let mut replayed = (StatusCode::CONFLICT, Value::Null);
    for _ in 0..400 {
        replayed = h
            .post_idempotent(TREE, "/v1/candidates", &us_candidate(), Some("held-1"))
            .await;
        if replayed.0 != StatusCode::CONFLICT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(replayed.0, StatusCode::CREATED, "{}", replayed.1);
    assert_eq!(
        replayed.1["id"], created[0]["id"],
        "the lost answer is replayed"
    );
    let (_, listed) = h
        .control(
            reqwest::Method::GET,
            "/sandbox/candidates?account_id=acct_tree",
            None,
        )
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn after_the_replay_window_a_repeated_key_runs_the_request_again() {
    let h = start().await;
    let first = h
        .post_idempotent(NO_NODES, "/v1/candidates", &us_candidate(), Some("day-old"))
        .await;
    let (status, forgotten) = h
        .control(reqwest::Method::POST, "/sandbox/idempotency/expire", None)
        .await;
    assert_eq!(
        (status, forgotten["forgotten"].as_u64()),
        (StatusCode::OK, Some(1))
    );
    let second = h
        .post_idempotent(NO_NODES, "/v1/candidates", &us_candidate(), Some("day-old"))
        .await;
    assert_eq!(second.0, StatusCode::CREATED);
    assert_ne!(
        second.1["id"], first.1["id"],
        "Checkr no longer remembers the key"
    );
}

#[tokio::test]
async fn invitations_are_listed_by_candidate_newest_first_without_canceled_ones() {
    let h = start().await;
    let candidate = h.candidate(NO_NODES, &us_candidate()).await;
    let other = h.candidate(NO_NODES, &us_candidate()).await;
    let invite = |candidate: String| json!({"candidate_id": candidate, "package": "driver_pro"});
    let (_, older) = h
        .post(NO_NODES, "/v1/invitations", &invite(candidate.clone()))
        .await;
    let (_, newer) = h
        .post(NO_NODES, "/v1/invitations", &invite(candidate.clone()))
        .await;
    let (_, canceled) = h
        .post(NO_NODES, "/v1/invitations", &invite(candidate.clone()))
        .await;
    h.post(NO_NODES, "/v1/invitations", &invite(other)).await;
    let canceled_id = canceled["id"].as_str().unwrap();
    let deleted = h
        .client
        .delete(format!("{}/v1/invitations/{canceled_id}", h.base))
        .basic_auth(NO_NODES, None::<&str>)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);

    let (status, listed) = h
        .get(
            NO_NODES,
            &format!("/v1/invitations?candidate_id={candidate}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["object"], "list");
    assert_eq!(listed["count"], 2);
    let ids: Vec<&Value> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(ids, [&newer["id"], &older["id"]]);
    let (status, body) = h
        .get(
            NO_NODES,
            &format!("/v1/invitations?candidate_id={candidate}&status=sent"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("pending"));
}

#[tokio::test]
async fn a_candidate_keeps_a_changeable_email_but_its_name_is_frozen_once_a_report_exists() {
    let h = start().await;
    let id = h.invitation().await;
    let (_, invitation) = h.get(NO_NODES, &format!("/v1/invitations/{id}")).await;
    let candidate = invitation["candidate_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/candidates/{candidate}");
    let (status, updated) = h
        .post(
            NO_NODES,
            &path,
            &json!({"email": "new@example.com", "last_name": "Byron"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["email"], "new@example.com");
    assert_eq!(updated["last_name"], "Byron");
    h.step_ok(
        &id,
        "invitation_completed",
        &["invitation.completed", "report.created"],
    )
    .await;
    let (status, body) = h.post(NO_NODES, &path, &json!({"last_name": "King"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("cannot be updated"), "{body}");
    let (status, updated) = h
        .post(NO_NODES, &path, &json!({"email": "newer@example.com"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["email"], "newer@example.com");
    let (status, _) = h
        .post(NO_NODES, &path, &json!({"email": "not an email"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_slow_request_keeps_its_key_in_flight_so_a_repeat_gets_409() {
    let h = start().await;
    h.faults(json!({"account_id": "acct_tree", "latency_ms": 30_000}))
        .await;
    let (client, url) = (h.client.clone(), format!("{}/v1/candidates", h.base));
    let slow = tokio::spawn(async move {
        client
            .post(url)
            .basic_auth(TREE, None::<&str>)
            .header("Idempotency-Key", "slow-1")
            .json(&us_candidate())
            .send()
            .await
    });
    for _ in 0..400 {
        if !h.requests("acct_tree").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    h.faults(json!({"account_id": "acct_tree", "latency_ms": 0}))
        .await;
    let (status, body) = h
        .post_idempotent(TREE, "/v1/candidates", &us_candidate(), Some("slow-1"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        error_of(&body),
        "A request with this Idempotency-Key is still being processed"
    );
    slow.abort();
}
