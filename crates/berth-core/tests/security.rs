//! Attacks from the reliability checklist that cut across endpoints.

use berth_testkit::{TestApp, USER_PASSWORD};
use serde_json::{Value, json};

#[tokio::test]
async fn a_registry_token_is_not_a_password_or_a_robot_secret() {
    let app = TestApp::spawn().await;
    app.new_user("alice").await;
    let body = app
        .caller("alice", USER_PASSWORD)
        .get_json(
            "/service/token?service=berth&scope=repository:x/y:pull",
            200,
        )
        .await;
    let jwt = body["token"].as_str().unwrap();
    assert_eq!(
        app.caller("alice", jwt)
            .get("/api/v2.0/users/current")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.caller("robot$alice", jwt)
            .get("/api/v2.0/users/current")
            .await
            .status(),
        401
    );
    let bearer = app
        .client
        .get(app.url("/api/v2.0/users/current"))
        .bearer_auth(jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bearer.status(),
        401,
        "the management API takes no registry tokens"
    );
}

#[tokio::test]
async fn privileged_fields_in_a_profile_update_are_ignored() {
    let app = TestApp::spawn().await;
    let (alice, id) = app.new_user("alice").await;
    let response = alice
        .put_json(
            &format!("/api/v2.0/users/{id}"),
            &json!({"email": "a@example.com", "realname": "A", "comment": "", "sysadmin_flag": true, "user_id": 1}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let me = alice.get_json("/api/v2.0/users/current", 200).await;
    assert_eq!(me["sysadmin_flag"], false);
    assert_eq!(me["user_id"], id);
    assert_eq!(alice.get("/api/v2.0/users").await.status(), 403);
}

#[tokio::test]
async fn a_robot_update_cannot_change_its_level_name_or_namespace() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    app.new_project(&owner, "team", false).await;
    let (other_owner, _) = app.new_user("other").await;
    app.new_project(&other_owner, "foreign", false).await;
    let created: Value = owner
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
    let path = format!("/api/v2.0/robots/{}", created["id"]);
    let entry = |namespace: &str| json!([{"kind": "project", "namespace": namespace, "access": [{"resource": "repository", "action": "pull", "effect": "allow"}]}]);
    let cases = [
        json!({"level": "system", "duration": -1, "permissions": entry("team")}),
        json!({"name": "robot$team+renamed", "duration": -1, "permissions": entry("team")}),
        json!({"duration": -1, "permissions": entry("foreign")}),
        json!({"duration": -1, "permissions": [{"kind": "project", "namespace": "team",
            "access": [{"resource": "repository", "action": "pull"}, {"resource": "metadata", "action": "list"}]}]}),
    ];
    for body in cases {
        let status = owner.put_json(&path, &body).await.status().as_u16();
        assert!(status == 400 || status == 403, "{body}: {status}");
    }
    let robot = owner.get_json(&path, 200).await;
    assert_eq!(robot["name"], "robot$team+ci");
    assert_eq!(robot["permissions"], entry("team"));
}

#[tokio::test]
async fn path_variants_never_reach_a_private_project() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.new_user("alice").await;
    let (mallory, _) = app.new_user("mallory").await;
    let id = app.new_project(&alice, "secret", false).await;
    for path in [
        "/api/v2.0/projects/secret/".to_owned(),
        "/api/v2.0//projects/secret".to_owned(),
        "/api/v2.0/projects/%73ecret".to_owned(),
        "/api/v2.0/projects/SECRET".to_owned(),
        "/api/v2.0/projects/secret;x=1".to_owned(),
        "/api/v2.0/projects/x/../secret".to_owned(),
        "/api/v2.0/projects/x%2F..%2Fsecret".to_owned(),
        format!("/api/v2.0/projects/{id}/"),
        format!("/api/v2.0/projects/0{id}"),
    ] {
        let response = mallory.get(&path).await;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert!(status == 404 || status == 400, "{path}: {status}");
        assert!(!body.contains("\"project_id\""), "{path} leaked {body}");
    }
}

#[tokio::test]
async fn secrets_never_come_back_after_creation() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    app.new_project(&owner, "team", false).await;
    let canary = "Canary-Secret-4242xyz";
    let created: Value = owner
        .post_json(
            "/api/v2.0/robots",
            &json!({"name": "ci", "level": "project", "duration": -1, "secret": canary,
                "permissions": [{"kind": "project", "namespace": "team",
                    "access": [{"resource": "repository", "action": "pull"}]}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["secret"], canary, "shown once, at creation");
    let id = created["id"].as_i64().unwrap();
    // Failed attempts with the secret in odd places must not echo it either.
    app.caller("robot$team+ci", &format!("{canary}-wrong"))
        .get("/api/v2.0/users/current")
        .await;
    let reads = [
        owner
            .get(&format!("/api/v2.0/robots/{id}"))
            .await
            .text()
            .await
            .unwrap(),
        app.admin()
            .get("/api/v2.0/robots")
            .await
            .text()
            .await
            .unwrap(),
        owner
            .get("/api/v2.0/projects/team")
            .await
            .text()
            .await
            .unwrap(),
    ];
    for body in reads {
        assert!(!body.contains("Canary-Secret"), "{body}");
    }
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws(' ', username, resource, operation, detail) FROM audit_log",
    )
    .fetch_all(app.platform.db())
    .await
    .unwrap();
    assert!(
        audit.iter().all(|row| !row.contains("Canary-Secret")),
        "{audit:?}"
    );
    let stored: String = sqlx::query_scalar("SELECT secret_hash FROM robots WHERE id = $1")
        .bind(id)
        .fetch_one(app.platform.db())
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains("Canary"));
}
