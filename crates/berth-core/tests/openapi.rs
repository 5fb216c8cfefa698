//! The OpenAPI document: served, complete for every documented operation,
//! and kept as a reviewed file so any change to the wire contract shows up
//! as a diff (`BERTH_UPDATE_OPENAPI=1 cargo test -p berth-core --test openapi`
//! rewrites it).

use berth_testkit::TestApp;
use serde_json::Value;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");

#[tokio::test]
async fn the_document_is_served_and_matches_the_reviewed_file() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/api/v2.0/openapi.json").await;
    assert_eq!(response.status(), 200);
    let served = response.text().await.unwrap();
    let document: Value = serde_json::from_str(&served).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/v2.0/users/current/tokens",
        "/api/v2.0/robots/{robot_id}",
        "/api/v2.0/projects/{project_name_or_id}/members",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    let token_schema = &document["components"]["schemas"]["AccessToken"];
    assert!(
        token_schema["properties"].get("token").is_some(),
        "{token_schema}"
    );

    if std::env::var_os("BERTH_UPDATE_OPENAPI").is_some() {
        std::fs::write(SNAPSHOT, format!("{served}\n")).unwrap();
    }
    let reviewed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert_eq!(
        reviewed.trim_end(),
        served.trim_end(),
        "docs/openapi.json is stale: rerun with BERTH_UPDATE_OPENAPI=1 and review the diff"
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::spawn().await;
    let document: Value = app
        .anonymous()
        .get_json("/api/v2.0/openapi.json", 200)
        .await;
    let mut unrouted = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{project_name_or_id}", "no-such-project")
            .replace("{user_id}", "999999")
            .replace("{mid}", "999999")
            .replace("{robot_id}", "999999")
            .replace("{token_id}", "999999");
        for method in operations.as_object().unwrap().keys() {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let response = app
                .admin()
                .request(method.clone(), &concrete)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            // The router's own miss says "<METHOD> <path> not found".
            if status == 404 && body.contains(&format!("{method} {concrete} not found")) {
                unrouted.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
}
