//! The OpenAPI document: served, complete for every documented operation,
//! and kept as a reviewed file so any change to the wire contract shows up
//! as a diff (`BERTH_UPDATE_OPENAPI=1 cargo test -p berth-core --test openapi`
//! rewrites it).

use berth_testkit::TestApp;
use serde_json::Value;
use std::collections::BTreeSet;

/// A documented path with every parameter filled in: ids that exist
/// nowhere, names of nothing.
fn concrete_path(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .unwrap_or(rest.len() - 1);
        let name = &rest[open + 1..close];
        out.push_str(match name {
            "reference" => "no-such-tag",
            n if n == "id" || n == "mid" || n.ends_with("_id") => "999999",
            _ => "no-such-name",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// `(METHOD, /api/v2.0/path)` for every route registered in
/// `src/routes/*.rs`: each `web::resource("…")` with the methods of its
/// `.route(web::<method>()…)` calls, up to the next resource.
fn registered_routes() -> BTreeSet<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for chunk in source.split("web::resource(\"").skip(1) {
            let path = &chunk[..chunk.find('"').unwrap()];
            let body = chunk.split("\n}\n").next().unwrap();
            for method in ["get", "post", "put", "delete", "head", "patch"] {
                if body.contains(&format!("web::{method}()")) {
                    routes.insert((method.to_uppercase(), format!("/api/v2.0{path}")));
                }
            }
        }
    }
    routes
}

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
        let concrete = concrete_path(path);
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

#[tokio::test]
async fn every_routed_operation_is_documented() {
    let app = TestApp::spawn().await;
    let document: Value = app
        .anonymous()
        .get_json("/api/v2.0/openapi.json", 200)
        .await;
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .unwrap()
                .keys()
                .map(|method| (method.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let routed = registered_routes();
    assert!(routed.len() > 60, "the scan found {} routes", routed.len());
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routed but missing from the OpenAPI document: {undocumented:?}"
    );
    for probe in ["/api/v2.0/ping", "/api/v2.0/health"] {
        assert!(
            documented.contains(&("GET".to_owned(), probe.to_owned())),
            "{probe}"
        );
    }
}

#[tokio::test]
async fn harbor_tooling_and_people_find_the_document() {
    let app = TestApp::spawn().await;
    let openapi = app.anonymous().get("/api/v2.0/openapi.json").await;
    let swagger = app.anonymous().get("/api/v2.0/swagger.json").await;
    assert_eq!(swagger.status(), 200);
    assert_eq!(openapi.text().await.unwrap(), swagger.text().await.unwrap());
    let page = app.anonymous().get("/devcenter-api-2.0/").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let initializer = app
        .anonymous()
        .get("/devcenter-api-2.0/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        initializer.contains("/api/v2.0/openapi.json"),
        "{initializer}"
    );
}
