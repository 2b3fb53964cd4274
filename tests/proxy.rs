//! The proxy's ordering path end to end: real HTTP on loopback, a real SQLite file, and the
//! embedded sandbox standing in for Checkr.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::{Harness, first_package, us_order};

#[tokio::test]
async fn an_account_without_hierarchy_gets_every_package_and_no_picker() {
    let harness = Harness::start().await;
    let (status, catalog) = harness.get("blue-bakery", "/api/catalog").await;
    assert_eq!(status, 200, "{catalog}");
    assert_eq!(catalog["hierarchy"]["kind"], "not_enabled");
    assert_eq!(catalog["node_required"], false);
    assert!(catalog["packages"].as_array().unwrap().len() >= 4);
    harness.stop().await;
}

#[tokio::test]
async fn an_account_with_hierarchy_but_no_nodes_gets_every_package_and_no_picker() {
    let harness = Harness::start().await;
    let (status, catalog) = harness.get("corner-cafe", "/api/catalog").await;
    assert_eq!(status, 200, "{catalog}");
    assert_eq!(catalog["hierarchy"]["kind"], "nodes");
    assert_eq!(catalog["hierarchy"]["nodes"].as_array().unwrap().len(), 0);
    assert_eq!(catalog["node_required"], false);
    harness.stop().await;
}

#[tokio::test]
async fn an_account_with_nodes_gets_the_tree_and_must_name_a_node() {
    let harness = Harness::start().await;
    let (status, catalog) = harness.get("acme", "/api/catalog").await;
    assert_eq!(status, 200, "{catalog}");
    let nodes = catalog["hierarchy"]["nodes"].as_array().unwrap();
    assert!(nodes.len() > 3);
    assert!(
        nodes.iter().any(|node| node["tier"].is_string()),
        "nodes carry their tier"
    );
    assert_eq!(catalog["node_required"], true);

    let (status, refused) = harness
        .post("acme", "/api/orders", &us_order("A-1", "tasker_standard"))
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["fields"]["node"].is_string(),
        "the node field carries the error: {refused}"
    );
    assert!(
        harness
            .upstream_posts("acct_tree", "/v1/candidates")
            .await
            .is_empty(),
        "nothing was sent"
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_node_with_packages_offers_only_those_and_a_node_without_offers_all() {
    let harness = Harness::start().await;
    let (_, catalog) = harness.get("acme", "/api/catalog").await;
    let nodes = catalog["hierarchy"]["nodes"].as_array().unwrap();
    let all: Vec<&str> = catalog["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    let restricted = nodes
        .iter()
        .find(|node| {
            let offered = node["packages"].as_array().unwrap();
            !offered.is_empty() && offered.len() < all.len()
        })
        .expect("the tree has a node limited to some packages");
    let offered: Vec<&str> = restricted["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let not_offered = all.iter().find(|slug| !offered.contains(slug)).unwrap();

    let mut order = us_order("A-2", not_offered);
    order["node"] = restricted["custom_id"].clone();
    let (status, refused) = harness.post("acme", "/api/orders", &order).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["fields"]["package"]
            .as_str()
            .unwrap()
            .contains("not offered"),
        "{refused}"
    );

    order["package"] = json!(offered[0]);
    let (status, placed) = harness.post("acme", "/api/orders", &order).await;
    assert_eq!(status, 201, "{placed}");

    let open = nodes
        .iter()
        .find(|node| node["packages"].as_array().unwrap().is_empty())
        .expect("a node without packages");
    let mut order = us_order("A-3", not_offered);
    order["node"] = open["custom_id"].clone();
    let (status, placed) = harness.post("acme", "/api/orders", &order).await;
    assert_eq!(
        status, 201,
        "a node without packages offers every package: {placed}"
    );
    let invitation = &harness.upstream_posts("acct_tree", "/v1/invitations").await[1]["body"];
    assert_eq!(
        invitation["node"], open["custom_id"],
        "the node is sent on the invitation"
    );
    harness.stop().await;
}

#[tokio::test]
async fn every_page_of_a_large_account_is_read_100_at_a_time() {
    let harness = Harness::start().await;
    let (status, catalog) = harness.get("mega-retail", "/api/catalog").await;
    assert_eq!(status, 200);
    assert_eq!(catalog["packages"].as_array().unwrap().len(), 2_500);
    assert_eq!(
        catalog["hierarchy"]["nodes"].as_array().unwrap().len(),
        1_000
    );
    let reads = harness.upstream("acct_large").await;
    let package_pages = reads
        .iter()
        .filter(|request| request["path"] == "/v1/packages")
        .count();
    let node_pages = reads
        .iter()
        .filter(|request| request["path"] == "/v1/nodes")
        .count();
    assert_eq!(
        (package_pages, node_pages),
        (25, 10),
        "one request per page of 100"
    );
    assert!(
        reads
            .iter()
            .all(|request| request["query"].as_str().unwrap().contains("per_page=100"))
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_valid_order_creates_the_candidate_then_the_invitation() {
    let harness = Harness::start().await;
    let package = first_package(&harness, "blue-bakery").await;
    let (status, order) = harness
        .post("blue-bakery", "/api/orders", &us_order("A-10", &package))
        .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["step"], "invited");
    assert_eq!(order["badge"]["label"], "Invitation Sent");
    assert!(order["invitation_id"].is_string());

    let candidates = harness
        .upstream_posts("acct_no_hierarchy", "/v1/candidates")
        .await;
    assert_eq!(candidates.len(), 1);
    let sent = &candidates[0]["body"];
    assert_eq!(sent["custom_id"], "A-10");
    assert_eq!(sent["work_locations"][0]["state"], "CA");
    assert!(
        candidates[0]["idempotency_key"].is_string(),
        "writes carry an Idempotency-Key"
    );
    let invitations = harness
        .upstream_posts("acct_no_hierarchy", "/v1/invitations")
        .await;
    assert_eq!(
        invitations[0]["body"]["candidate_id"],
        order["candidate_id"]
    );
    assert_eq!(invitations[0]["body"]["package"], package.as_str());

    let (status, listed) = harness
        .get("blue-bakery", "/api/candidates/A-10/orders")
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["id"], order["id"]);
    harness.stop().await;
}

#[tokio::test]
async fn a_failed_invitation_keeps_the_order_and_retry_reuses_the_candidate() {
    let harness = Harness::start().await;
    let package = first_package(&harness, "blue-bakery").await;
    harness
        .fault(json!({"account_id": "acct_no_hierarchy",
            "fail_step": {"endpoint": "invitations", "status": 400, "message": "Package is temporarily unavailable"}}))
        .await;
    let (status, failed) = harness
        .post("blue-bakery", "/api/orders", &us_order("A-20", &package))
        .await;
    assert_eq!(status, 422, "{failed}");
    assert_eq!(failed["code"], "provider_rejected");
    assert_eq!(failed["provider"]["status"], 400);
    assert!(
        failed["provider"]["message"]
            .as_str()
            .unwrap()
            .contains("Package is temporarily unavailable")
    );
    assert_eq!(failed["order"]["step"], "invitation_failed");
    assert_eq!(failed["order"]["can_retry"], true);
    let candidate_id = failed["order"]["candidate_id"].clone();
    assert!(
        candidate_id.is_string(),
        "the candidate step succeeded and was kept"
    );

    harness.clear_faults().await;
    let order_id = failed["order"]["id"].as_str().unwrap();
    let (status, retried) = harness
        .post(
            "blue-bakery",
            &format!("/api/orders/{order_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{retried}");
    assert_eq!(retried["step"], "invited");
    assert_eq!(
        retried["candidate_id"], candidate_id,
        "the retry reused the candidate"
    );
    assert_eq!(
        harness.sandbox_candidates("acct_no_hierarchy").await,
        1,
        "the sandbox holds one candidate"
    );

    let (status, again) = harness
        .post(
            "blue-bakery",
            &format!("/api/orders/{order_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "a placed order has nothing to retry: {again}");
    harness.stop().await;
}

#[tokio::test]
async fn a_second_order_for_the_same_applicant_reuses_the_candidate() {
    let harness = Harness::start().await;
    let package = first_package(&harness, "blue-bakery").await;
    let (first_status, first) = harness
        .post("blue-bakery", "/api/orders", &us_order("A-30", &package))
        .await;
    let (second_status, second) = harness
        .post("blue-bakery", "/api/orders", &us_order("A-30", &package))
        .await;
    assert_eq!((first_status, second_status), (201, 201));
    assert_eq!(first["candidate_id"], second["candidate_id"]);
    assert_ne!(first["invitation_id"], second["invitation_id"]);
    assert_eq!(
        harness
            .upstream_posts("acct_no_hierarchy", "/v1/candidates")
            .await
            .len(),
        1
    );
    let (_, listed) = harness
        .get("blue-bakery", "/api/candidates/A-30/orders")
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    harness.stop().await;
}

#[tokio::test]
async fn us_and_non_us_work_locations_get_separate_candidates() {
    let harness = Harness::start().await;
    let package = first_package(&harness, "blue-bakery").await;
    let (status, us) = harness
        .post("blue-bakery", "/api/orders", &us_order("A-40", &package))
        .await;
    assert_eq!(status, 201, "{us}");
    let mut abroad = us_order("A-40", &package);
    abroad["candidate"]["work_location"] = json!({"country": "GB", "city": "London"});
    let (status, non_us) = harness.post("blue-bakery", "/api/orders", &abroad).await;
    assert_eq!(status, 201, "{non_us}");
    assert_ne!(us["candidate_id"], non_us["candidate_id"]);
    assert_eq!(non_us["region"], "non_us");
    let invitations = harness
        .upstream_posts("acct_no_hierarchy", "/v1/invitations")
        .await;
    assert_eq!(invitations[1]["body"]["work_locations"][0]["country"], "GB");
    assert_eq!(harness.sandbox_candidates("acct_no_hierarchy").await, 2);
    harness.stop().await;
}

#[tokio::test]
async fn a_rate_limit_burst_upstream_is_waited_out() {
    let harness = Harness::start().await;
    harness
        .fault(json!({"account_id": "acct_no_hierarchy", "rate_limit_burst": 2}))
        .await;
    let (status, catalog) = harness.get("blue-bakery", "/api/catalog").await;
    assert_eq!(status, 200, "{catalog}");
    let statuses = harness.upstream_statuses("acct_no_hierarchy").await;
    assert!(
        statuses.contains(&json!(429)),
        "the sandbox did answer 429: {statuses:?}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn upstream_server_errors_on_reads_are_retried() {
    let harness = Harness::start().await;
    harness
        .fault(json!({"account_id": "acct_no_hierarchy", "fail_every": 2}))
        .await;
    let (status, catalog) = harness.get("blue-bakery", "/api/catalog").await;
    assert_eq!(status, 200, "{catalog}");
    let statuses = harness.upstream_statuses("acct_no_hierarchy").await;
    assert!(
        statuses.contains(&json!(500)),
        "the sandbox did fail: {statuses:?}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_server_error_on_an_order_keeps_it_for_retry() {
    let harness = Harness::start().await;
    let package = first_package(&harness, "blue-bakery").await;
    harness
        .fault(json!({"account_id": "acct_no_hierarchy",
            "fail_step": {"endpoint": "candidates", "status": 503, "message": "Service Unavailable"}}))
        .await;
    let (status, failed) = harness
        .post("blue-bakery", "/api/orders", &us_order("A-50", &package))
        .await;
    assert_eq!(status, 502, "{failed}");
    assert_eq!(failed["order"]["step"], "candidate_failed");
    assert!(failed["message"].as_str().unwrap().contains("Try again"));
    harness.clear_faults().await;
    let order_id = failed["order"]["id"].as_str().unwrap();
    let (status, retried) = harness
        .post(
            "blue-bakery",
            &format!("/api/orders/{order_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{retried}");
    assert_eq!(harness.sandbox_candidates("acct_no_hierarchy").await, 1);
    harness.stop().await;
}

#[tokio::test]
async fn an_ssn_in_the_request_is_refused_and_nothing_is_sent() {
    let harness = Harness::start().await;
    let package = first_package(&harness, "blue-bakery").await;
    let mut order = us_order("A-60", &package);
    order["candidate"]["ssn"] = json!("123-45-6789");
    order["candidate"]["dob"] = json!("1990-01-01");
    let (status, refused) = harness.post("blue-bakery", "/api/orders", &order).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["code"], "invalid");
    assert!(
        refused["fields"]["ssn"]
            .as_str()
            .unwrap()
            .contains("never sent"),
        "{refused}"
    );
    assert!(refused["fields"]["dob"].is_string());
    let posts = harness.upstream("acct_no_hierarchy").await;
    assert!(
        posts.iter().all(|request| request["method"] != "POST"),
        "nothing reached the provider"
    );
    let (_, listed) = harness
        .get("blue-bakery", "/api/candidates/A-60/orders")
        .await;
    assert_eq!(listed, json!([]), "no order was stored");
    harness.stop().await;
}

#[tokio::test]
async fn malformed_and_unauthenticated_requests_get_clear_errors() {
    let harness = Harness::start().await;
    let response = harness
        .http
        .post(harness.url("/api/orders"))
        .bearer_auth(harness.token("blue-bakery"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "malformed_request");

    let response = harness
        .http
        .get(harness.url("/api/catalog"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");
    harness.stop().await;
}

#[tokio::test]
async fn the_api_is_documented_and_health_is_reported() {
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
    for path in [
        "/api/catalog",
        "/api/orders",
        "/api/orders/{id}/retry",
        "/api/candidates/{custom_id}/orders",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} is documented");
    }
    let health = harness
        .http
        .get(harness.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    harness.stop().await;
}

/// The served description, as a schema-driven client reads it.
fn openapi() -> Value {
    serde_json::from_str(include_str!("../src/proxy/openapi.json")).unwrap()
}

#[test]
fn every_operation_documents_its_request_body_and_success_answers() {
    let spec = openapi();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(operation["operationId"].is_string(), "{name}: operationId");
            let responses = operation["responses"].as_object().unwrap();
            let successes: Vec<_> = responses
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .collect();
            assert!(!successes.is_empty(), "{name}: no 2xx answer");
            for (status, response) in successes {
                if status != "204" {
                    assert!(
                        response["content"].is_object(),
                        "{name} {status}: the answer's body is not described"
                    );
                }
            }
            if let Some(body) = operation.get("requestBody") {
                assert!(
                    body["content"]["application/json"]["schema"].is_object(),
                    "{name}: the request body is not described"
                );
            }
        }
    }
}

#[test]
fn the_documented_work_location_codes_are_the_ones_validation_accepts() {
    use bgcheck::domain::geo::{COUNTRIES, US_STATES};
    let spec = openapi();
    let location = &spec["components"]["schemas"]["WorkLocation"];
    let documented = |codes: &Value| -> Vec<String> {
        let mut codes: Vec<String> = codes
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap().to_owned())
            .collect();
        codes.sort();
        codes
    };
    let known = |table: &[(&str, &str)]| -> Vec<String> {
        let mut codes: Vec<String> = table.iter().map(|(code, _)| (*code).to_owned()).collect();
        codes.sort();
        codes
    };
    assert_eq!(
        documented(&location["properties"]["country"]["enum"]),
        known(COUNTRIES)
    );
    assert_eq!(
        documented(&location["then"]["properties"]["state"]["enum"]),
        known(US_STATES)
    );
}
