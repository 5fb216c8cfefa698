//! Routing, request ids, error envelopes, body limits and metrics.

use berth_testkit::TestApp;

#[tokio::test]
async fn request_ids_are_kept_when_sane_and_generated_otherwise() {
    let app = TestApp::spawn().await;

    let kept = app
        .client
        .get(app.url("/api/v2.0/ping"))
        .header("X-Request-Id", "ci-run.42:step-7")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "ci-run.42:step-7");

    let generated = app.get("/api/v2.0/ping").await;
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let forged = app
        .client
        .get(app.url("/api/v2.0/ping"))
        .header("X-Request-Id", "evil\" injected=1")
        .send()
        .await
        .unwrap();
    let replaced = forged.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(replaced, "evil\" injected=1");
    assert_eq!(replaced.len(), 36);
}

#[tokio::test]
async fn unknown_paths_answer_in_the_envelope_of_their_api_family() {
    let app = TestApp::spawn().await;

    let registry = app.get("/v2/library/app/no-such-endpoint").await;
    assert_eq!(registry.status(), 404);
    let body: serde_json::Value = registry.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "UNSUPPORTED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/v2/library/app/no-such-endpoint")
    );

    for path in [
        "/api/v2.0/no-such-resource",
        "/service/no-such-service",
        "/c/no-such-page",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "NOT_FOUND", "{path}");
    }
}

#[tokio::test]
async fn the_console_is_served_at_the_root_for_any_page_path() {
    let app = TestApp::spawn().await;
    for path in ["/", "/harbor/projects/1/repositories"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
}

#[tokio::test]
async fn declared_bodies_over_the_route_limit_are_refused_before_reading() {
    let app = TestApp::builder()
        .setting("BERTH_API_BODY_LIMIT_BYTES", "2048")
        .setting("BERTH_MANIFEST_BODY_LIMIT_BYTES", "4096")
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;

    let api = app
        .client
        .post(app.url("/api/v2.0/projects"))
        .header("content-type", "application/json")
        .body(vec![b' '; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 413);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "PAYLOAD_TOO_LARGE");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2048")
    );

    let manifest = app
        .client
        .put(app.url("/v2/library/app/manifests/latest"))
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body(vec![b'{'; 8192])
        .send()
        .await
        .unwrap();
    assert_eq!(manifest.status(), 413);
    let body: serde_json::Value = manifest.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "MANIFEST_INVALID");

    // Within the limit the request reaches routing (and finds no such API).
    let small = app
        .client
        .post(app.url("/api/v2.0/no-such-resource"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), 404);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v2.0/ping").await.status(), 200);
    }
    assert_eq!(app.get("/api/v2.0/no-such-thing").await.status(), 404);

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();

    let ping = r#"berth_http_requests_total{method="GET",route="/api/v2.0/ping",status="200"}"#;
    let line = text
        .lines()
        .find(|l| l.starts_with(ping))
        .unwrap_or_else(|| panic!("no ping counter in:\n{text}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3.0, "{line}");
    assert!(
        text.contains(r#"berth_http_requests_total{method="GET",route="unmatched",status="404"}"#),
        "unknown paths share one label:\n{text}"
    );
    assert!(
        text.contains(r#"berth_http_request_duration_seconds_bucket{method="GET",route="/api/v2.0/ping",status="200",le="0.005"}"#),
        "latency is a histogram:\n{text}"
    );
    assert!(
        !text.contains("no-such-thing"),
        "raw paths never become labels"
    );
}
