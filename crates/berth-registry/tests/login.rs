//! `GET /v2/` and the login flow real clients run: the challenge, then the
//! token service, then `/v2/` again with the token.

use berth_testkit::{TestApp, USER_PASSWORD};
use serde_json::json;
use tokio::process::Command;

#[tokio::test]
async fn the_base_endpoint_challenges_then_accepts_a_token() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/v2/").await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["docker-distribution-api-version"],
        "registry/2.0"
    );
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        challenge,
        format!(
            r#"Bearer realm="http://127.0.0.1:{}/service/token",service="berth""#,
            app.port
        )
        .replace(
            &format!("127.0.0.1:{}", app.port),
            &format!("127.0.0.1:{}", app.platform.config().http_addr.port())
        )
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "UNAUTHORIZED");

    let token: serde_json::Value = app
        .admin()
        .get_json("/service/token?service=berth", 200)
        .await;
    let ok = app
        .client
        .get(app.url("/v2/"))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers()["docker-distribution-api-version"],
        "registry/2.0"
    );

    let forged = app
        .client
        .get(app.url("/v2/"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}

/// Runs skopeo without blocking the test's runtime, which also drives the
/// in-process platform's database pool.
async fn skopeo_login(app: &TestApp, user: &str, password: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new("skopeo")
        .args(["login", "--tls-verify=false", "--authfile"])
        .arg(dir.path().join("auth.json"))
        .args(["--username", user, "--password", password])
        .arg(format!("127.0.0.1:{}", app.port))
        .output()
        .await
        .expect("skopeo is installed (scripts/test.sh installs it)")
}

#[tokio::test]
async fn skopeo_logs_in_with_a_user_a_robot_and_an_access_token_and_fails_with_a_wrong_secret() {
    // The realm in the challenge must be reachable: serve on the port the
    // external URL names.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let app = TestApp::builder()
        .setting("BERTH_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    let (owner, _) = app.new_user("owner").await;
    app.new_project(&owner, "team", false).await;
    let created: serde_json::Value = owner
        .post_json(
            "/api/v2.0/robots",
            &json!({"name": "ci", "level": "project", "duration": -1,
                "permissions": [{"kind": "project", "namespace": "team",
                    "access": [{"resource": "repository", "action": "pull"}]}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap();

    let user = skopeo_login(&app, "owner", USER_PASSWORD).await;
    assert!(
        user.status.success(),
        "{}",
        String::from_utf8_lossy(&user.stderr)
    );
    assert!(String::from_utf8_lossy(&user.stdout).contains("Login Succeeded"));

    let robot = skopeo_login(&app, "robot$team+ci", secret).await;
    assert!(
        robot.status.success(),
        "{}",
        String::from_utf8_lossy(&robot.stderr)
    );

    let pat: serde_json::Value = owner
        .post_json("/api/v2.0/users/current/tokens", &json!({"name": "docker"}))
        .await
        .json()
        .await
        .unwrap();
    let with_token = skopeo_login(&app, "owner", pat["token"].as_str().unwrap()).await;
    assert!(
        with_token.status.success(),
        "{}",
        String::from_utf8_lossy(&with_token.stderr)
    );

    let wrong = skopeo_login(&app, "robot$team+ci", "Wrong-Secret-123").await;
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("invalid username/password"), "{stderr}");
}
