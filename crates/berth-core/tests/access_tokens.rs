//! Personal access tokens: shown once, usable as a password, narrowed when
//! asked, revocable, and unable to mint more tokens.

use berth_auth::token::TokenKeys;
use berth_testkit::{TestApp, USER_PASSWORD};
use serde_json::{Value, json};

async fn granted(app: &TestApp, user: &str, secret: &str, scope: &str) -> Result<Vec<String>, u16> {
    let response = app
        .caller(user, secret)
        .get(&format!("/service/token?service=berth&scope={scope}"))
        .await;
    if response.status() != 200 {
        return Err(response.status().as_u16());
    }
    let body: Value = response.json().await.unwrap();
    let claims = TokenKeys::load(&app.platform)
        .await
        .unwrap()
        .verify(body["token"].as_str().unwrap())
        .unwrap();
    Ok(claims.access[0].actions.clone())
}

#[tokio::test]
async fn a_token_works_like_the_password_and_is_shown_once() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.new_user("alice").await;
    app.new_project(&alice, "team", false).await;
    let created = alice
        .post_json(
            "/api/v2.0/users/current/tokens",
            &json!({"name": "laptop", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("berth_pat_"));
    assert!(created["expires_at"].is_string());

    let listed = alice.get_json("/api/v2.0/users/current/tokens", 200).await;
    assert_eq!(listed[0]["name"], "laptop");
    assert!(listed[0].get("token").is_none(), "never shown again");
    assert!(listed[0]["last_used_at"].is_null());

    let with_token = app.caller("alice", &token);
    assert_eq!(
        with_token.get("/api/v2.0/users/current").await.status(),
        200
    );
    assert_eq!(
        granted(&app, "alice", &token, "repository:team/app:pull,push")
            .await
            .unwrap(),
        ["pull", "push"]
    );
    let listed = alice.get_json("/api/v2.0/users/current/tokens", 200).await;
    assert!(listed[0]["last_used_at"].is_string());

    // Tokens cannot manage tokens.
    let minted_by_token = with_token
        .post_json("/api/v2.0/users/current/tokens", &json!({"name": "more"}))
        .await;
    assert_eq!(minted_by_token.status(), 403);
    // Another user's name with this token is refused.
    let (_, _) = app.new_user("bob").await;
    assert_eq!(
        app.caller("bob", &token)
            .get("/api/v2.0/users/current")
            .await
            .status(),
        401
    );

    // Independent of the password.
    let me = alice.get_json("/api/v2.0/users/current", 200).await;
    let id = me["user_id"].as_i64().unwrap();
    let changed = alice
        .put_json(
            &format!("/api/v2.0/users/{id}/password"),
            &json!({"old_password": USER_PASSWORD, "new_password": "Changed-Passw0rd"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(
        with_token.get("/api/v2.0/users/current").await.status(),
        200
    );

    let fresh = app.caller("alice", "Changed-Passw0rd");
    let token_id = listed[0]["id"].as_i64().unwrap();
    assert_eq!(
        fresh
            .delete(&format!("/api/v2.0/users/current/tokens/{token_id}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        with_token.get("/api/v2.0/users/current").await.status(),
        401,
        "revoked at once"
    );
}

#[tokio::test]
async fn a_narrowed_token_keeps_only_the_projects_and_permissions_it_names() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.new_user("alice").await;
    app.new_project(&alice, "ci-only", false).await;
    app.new_project(&alice, "other", false).await;
    let created: Value = alice
        .post_json(
            "/api/v2.0/users/current/tokens",
            &json!({"name": "ci", "projects": ["ci-only"], "permissions": [{"resource": "repository", "action": "pull"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    assert_eq!(
        granted(&app, "alice", token, "repository:ci-only/app:pull,push")
            .await
            .unwrap(),
        ["pull"]
    );
    assert!(
        granted(&app, "alice", token, "repository:other/app:pull")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.caller("alice", token)
            .get("/api/v2.0/projects/other")
            .await
            .status(),
        404
    );

    // An administrator's narrowed token is not an administrator.
    let admin_token: Value = app
        .admin()
        .post_json(
            "/api/v2.0/users/current/tokens",
            &json!({"name": "mirror", "permissions": [{"resource": "repository", "action": "pull"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let narrowed_admin = app.caller("admin", admin_token["token"].as_str().unwrap());
    assert_eq!(narrowed_admin.get("/api/v2.0/users").await.status(), 403);
    assert_eq!(app.admin().get("/api/v2.0/users").await.status(), 200);
}

#[tokio::test]
async fn expired_tokens_and_bad_requests_are_refused() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.new_user("alice").await;
    for bad in [
        json!({"name": ""}),
        json!({"name": "x", "expires_in_days": 0}),
        json!({"name": "x", "projects": []}),
        json!({"name": "x", "projects": ["Not Valid"]}),
        json!({"name": "x", "permissions": [{"resource": "galaxy", "action": "pull"}]}),
    ] {
        let response = alice
            .post_json("/api/v2.0/users/current/tokens", &bad)
            .await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    let created: Value = alice
        .post_json(
            "/api/v2.0/users/current/tokens",
            &json!({"name": "short", "expires_in_days": 1}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        alice
            .post_json("/api/v2.0/users/current/tokens", &json!({"name": "short"}))
            .await
            .status(),
        409
    );
    sqlx::query("UPDATE personal_tokens SET expires_at = now() - interval '1 second'")
        .execute(app.platform.db())
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    assert_eq!(
        app.caller("alice", token)
            .get("/api/v2.0/users/current")
            .await
            .status(),
        401
    );
}
