//! Two tenants: nothing of project B is reachable through project A's
//! routes, listings show each caller only what they may see, and hostile
//! query and path input changes nothing.

use berth_testkit::{Caller, TestApp};
use serde_json::{Value, json};

async fn snapshot(caller: &Caller<'_>, paths: &[String]) -> Vec<String> {
    let mut bodies = Vec::new();
    for path in paths {
        bodies.push(caller.get(path).await.text().await.unwrap());
    }
    bodies
}

#[tokio::test]
async fn project_a_routes_never_reach_project_b_resources() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let a = app.new_project(&admin, "alpha", false).await;
    let b = app.new_project(&admin, "beta", false).await;
    let (alice, alice_id) = app.new_user("alice").await;
    let (bob, bob_id) = app.new_user("bob").await;
    app.add_member(a, alice_id, 1).await;
    app.add_member(b, bob_id, 1).await;
    admin.push_image("alpha/app", "v1", "a").await;
    let theirs = admin.push_image("beta/secret", "v1", "b").await;
    let label = admin
        .post_json(
            "/api/v2.0/labels",
            &json!({"name": "b-only", "scope": "p", "project_id": b}),
        )
        .await;
    let b_label = berth_testkit::location_id(&label);
    let robot: Value = alice
        .post_json(
            "/api/v2.0/robots",
            &json!({"name": "ci", "level": "project", "duration": -1,
                    "permissions": [{"kind": "project", "namespace": "alpha", "access": [
                        {"resource": "repository", "action": "pull"},
                        {"resource": "repository", "action": "push"},
                        {"resource": "repository", "action": "read"},
                        {"resource": "repository", "action": "list"},
                        {"resource": "artifact", "action": "read"},
                        {"resource": "artifact", "action": "create"},
                        {"resource": "artifact", "action": "delete"},
                        {"resource": "artifact-label", "action": "create"},
                        {"resource": "label", "action": "read"},
                        {"resource": "label", "action": "list"},
                        {"resource": "label", "action": "update"},
                        {"resource": "label", "action": "delete"},
                        {"resource": "log", "action": "list"},
                        {"resource": "quota", "action": "read"}]}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let alpha_robot = app.caller(
        robot["name"].as_str().unwrap(),
        robot["secret"].as_str().unwrap(),
    );

    let b_views = [
        "/api/v2.0/projects/beta/repositories/secret".to_owned(),
        format!(
            "/api/v2.0/projects/beta/repositories/secret/artifacts/{}",
            theirs.digest
        ),
        format!("/api/v2.0/labels/{b_label}"),
        format!("/api/v2.0/quotas/{b}"),
    ];
    let before = snapshot(&bob, &b_views).await;

    let attempts: Vec<(reqwest::Method, String, Option<Value>)> = vec![
        (
            reqwest::Method::GET,
            "/api/v2.0/projects/alpha/repositories/secret".into(),
            None,
        ),
        (
            reqwest::Method::GET,
            format!(
                "/api/v2.0/projects/alpha/repositories/app/artifacts/{}",
                theirs.digest
            ),
            None,
        ),
        (
            reqwest::Method::DELETE,
            format!(
                "/api/v2.0/projects/alpha/repositories/app/artifacts/{}",
                theirs.digest
            ),
            None,
        ),
        (
            reqwest::Method::POST,
            "/api/v2.0/projects/alpha/repositories/app/artifacts/v1/labels".into(),
            Some(json!({"id": b_label})),
        ),
        (
            reqwest::Method::POST,
            "/api/v2.0/projects/alpha/repositories/stolen/artifacts?from=beta/secret:v1".into(),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/api/v2.0/labels/{b_label}"),
            None,
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v2.0/labels/{b_label}"),
            Some(json!({"name": "mine"})),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/v2.0/labels/{b_label}"),
            None,
        ),
        (reqwest::Method::GET, format!("/api/v2.0/quotas/{b}"), None),
        (
            reqwest::Method::GET,
            "/api/v2.0/projects/beta/logs".into(),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/api/v2.0/labels?scope=p&project_id={b}"),
            None,
        ),
    ];
    for (who, caller) in [("alpha's admin", &alice), ("alpha's robot", &alpha_robot)] {
        for (method, path, body) in &attempts {
            let mut request = caller.request(method.clone(), path);
            if let Some(body) = body {
                request = request.json(body);
            }
            let status = request.send().await.unwrap().status();
            assert_eq!(status, 404, "{who}: {method} {path}");
        }
    }
    assert_eq!(snapshot(&bob, &b_views).await, before, "B is unchanged");
    let logs: Vec<Value> = alice
        .get_json("/api/v2.0/projects/alpha/logs?page_size=100", 200)
        .await
        .as_array()
        .unwrap()
        .clone();
    assert!(
        logs.iter()
            .all(|e| !e["resource"].as_str().unwrap().contains("beta")),
        "{logs:#?}"
    );
}

#[tokio::test]
async fn listings_and_totals_show_only_what_the_caller_may_see() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.new_project(&admin, "open", true).await;
    let closed = app.new_project(&admin, "closed", false).await;
    admin.push_image("open/app", "v1", "o").await;
    admin.push_image("closed/app", "v1", "c").await;
    admin.push_image("closed/tool", "v1", "t").await;
    let (limited, limited_id) = app.new_user("limited").await;
    app.add_member(closed, limited_id, 5).await;

    for (caller, expected) in [(app.anonymous(), 1), (app.new_user("nobody").await.0, 1)] {
        let response = caller.get("/api/v2.0/repositories").await;
        assert_eq!(response.headers()["x-total-count"], expected.to_string());
        let listed: Vec<Value> = response.json().await.unwrap();
        assert_eq!(listed.len(), expected);
        let projects = caller.get("/api/v2.0/projects").await;
        assert_eq!(projects.headers()["x-total-count"], "1");
    }
    let response = limited.get("/api/v2.0/repositories").await;
    assert_eq!(response.headers()["x-total-count"], "3");

    // A private repository answers anonymous callers exactly like a
    // missing one: same status, code and headers.
    let existing = app
        .anonymous()
        .get("/api/v2.0/projects/closed/repositories/app/artifacts")
        .await;
    let missing = app
        .anonymous()
        .get("/api/v2.0/projects/nowhere/repositories/app/artifacts")
        .await;
    assert_eq!(existing.status(), missing.status());
    let header_names = |r: &reqwest::Response| {
        let mut names: Vec<String> = r
            .headers()
            .keys()
            .filter(|k| !matches!(k.as_str(), "x-request-id" | "date" | "content-length"))
            .map(|k| k.to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(header_names(&existing), header_names(&missing));
    let existing: Value = existing.json().await.unwrap();
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(existing["errors"][0]["code"], missing["errors"][0]["code"]);
    assert_eq!(
        existing["errors"][0]["message"]
            .as_str()
            .unwrap()
            .replace("closed", "X"),
        missing["errors"][0]["message"]
            .as_str()
            .unwrap()
            .replace("nowhere", "X")
    );
}

#[tokio::test]
async fn hostile_queries_and_ids_are_refused_or_literal() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.new_project(&admin, "team", false).await;
    admin.push_image("team/app", "v1", "one").await;
    admin.push_image("team/a_b", "v1", "two").await;

    let base = "/api/v2.0/projects/team/repositories";
    let all: Vec<Value> = admin.get_json(base, 200).await.as_array().unwrap().clone();
    for q in [
        "name%3D~%27%3B%20DROP%20TABLE%20users%3B--",
        "name%3D%27%29%20OR%201%3D1--",
        "name%3D~%25",
    ] {
        let found = admin.get_json(&format!("{base}?q={q}"), 200).await;
        assert!(found.as_array().unwrap().is_empty(), "{q}: {found}");
    }
    // `_` matches itself only, not any character.
    let underscore = admin.get_json(&format!("{base}?q=name%3D~a_b"), 200).await;
    assert_eq!(underscore.as_array().unwrap().len(), 1);
    for q in [
        "password%3D~a",
        "salt%3Dx",
        "secret%3Dx",
        "name%3D%7Ba",
        "name%29%20OR%20%281%3D1",
    ] {
        let response = admin.get(&format!("{base}?q={q}")).await;
        assert_eq!(response.status(), 400, "{q}");
    }
    for sort in ["password", "name%3B--", "-secret"] {
        let response = admin.get(&format!("{base}?sort={sort}")).await;
        assert_eq!(response.status(), 400, "{sort}");
    }
    let many = vec!["name=a"; 1_000].join(",");
    let response = admin
        .get(&format!("{base}?q={}", many.replace('=', "%3D")))
        .await;
    assert_eq!(response.status(), 400);
    let after: Vec<Value> = admin.get_json(base, 200).await.as_array().unwrap().clone();
    assert_eq!(after.len(), all.len(), "nothing changed");

    // Typed ids: refused before any query when they are not positive
    // integers.
    for path in [
        "/api/v2.0/labels/abc",
        "/api/v2.0/labels/1%27",
        "/api/v2.0/labels/-1",
        "/api/v2.0/labels/0",
        "/api/v2.0/labels/99999999999999999999999",
        "/api/v2.0/quotas/1%20OR%201",
        "/api/v2.0/quotas/-5",
    ] {
        let response = admin.get(path).await;
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "BAD_REQUEST", "{path}");
    }
}
