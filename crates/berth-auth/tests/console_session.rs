//! Console sign-in: the session cookie, CSRF on state-changing calls, and
//! everything that ends a session.

use berth_testkit::{TestApp, USER_PASSWORD};
use serde_json::json;

struct Session {
    cookie: String,
    csrf: String,
}

async fn login_form(app: &TestApp, user: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/c/login"))
        .form(&[("principal", user), ("password", password)])
        .send()
        .await
        .unwrap()
}

fn session_of(response: &reqwest::Response) -> Session {
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let lower = set_cookie.to_ascii_lowercase();
    assert!(lower.contains("httponly"), "{set_cookie}");
    assert!(lower.contains("samesite=lax"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let csrf = response.headers()["x-harbor-csrf-token"]
        .to_str()
        .unwrap()
        .to_owned();
    Session { cookie, csrf }
}

#[tokio::test]
async fn a_session_reads_freely_and_writes_only_with_the_csrf_token() {
    let app = TestApp::spawn().await;
    app.new_user("alice").await;
    let response = login_form(&app, "alice", USER_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let session = session_of(&response);

    let me = app
        .client
        .get(app.url("/api/v2.0/users/current"))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap()["username"],
        "alice"
    );

    let create = |csrf: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/api/v2.0/projects"))
            .header("cookie", &session.cookie)
            .json(&json!({"project_name": "from-console"}));
        if let Some(csrf) = csrf {
            request = request.header("X-Harbor-CSRF-Token", csrf);
        }
        request.send()
    };
    assert_eq!(create(None).await.unwrap().status(), 403, "no CSRF token");
    assert_eq!(
        create(Some("forged")).await.unwrap().status(),
        403,
        "wrong CSRF token"
    );
    assert_eq!(create(Some(&session.csrf)).await.unwrap().status(), 201);
}

#[tokio::test]
async fn json_sign_in_works_and_bad_credentials_and_robots_are_refused() {
    let app = TestApp::spawn().await;
    let ok = app
        .client
        .post(app.url("/c/login"))
        .json(&json!({"principal": "admin", "password": berth_testkit::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        login_form(&app, "admin", "Wrong-Passw0rd").await.status(),
        401
    );

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
    let robot = login_form(&app, "robot$team+ci", created["secret"].as_str().unwrap()).await;
    assert_eq!(robot.status(), 403);
}

#[tokio::test]
async fn logout_and_password_changes_end_sessions() {
    let app = TestApp::spawn().await;
    let (_, alice_id) = app.new_user("alice").await;
    let first = session_of(&login_form(&app, "alice", USER_PASSWORD).await);
    let second = session_of(&login_form(&app, "alice", USER_PASSWORD).await);
    let current = |cookie: &str| {
        app.client
            .get(app.url("/api/v2.0/users/current"))
            .header("cookie", cookie.to_owned())
            .send()
    };
    assert_eq!(current(&first.cookie).await.unwrap().status(), 200);

    let logout = app
        .client
        .get(app.url("/c/logout"))
        .header("cookie", &first.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);
    assert!(
        logout.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("sid=;")
    );
    assert_eq!(current(&first.cookie).await.unwrap().status(), 401);
    assert_eq!(current(&second.cookie).await.unwrap().status(), 200);

    let reset = app
        .admin()
        .put_json(
            &format!("/api/v2.0/users/{alice_id}/password"),
            &json!({"new_password": "Changed-Passw0rd"}),
        )
        .await;
    assert_eq!(reset.status(), 200);
    assert_eq!(
        current(&second.cookie).await.unwrap().status(),
        401,
        "a password change ends sessions"
    );
}
