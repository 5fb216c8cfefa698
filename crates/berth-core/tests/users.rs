//! Users, passwords, administrators and sign-in, over HTTP.

use berth_testkit::{ADMIN_PASSWORD, TestApp, USER_PASSWORD};
use serde_json::json;

async fn audit_count(app: &TestApp, operation: &str, resource: &str, success: bool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE operation = $1 AND resource = $2 AND success = $3",
    )
    .bind(operation)
    .bind(resource)
    .bind(success)
    .fetch_one(app.platform.db())
    .await
    .unwrap()
}

#[tokio::test]
async fn the_first_start_creates_admin_from_the_configured_password() {
    let app = TestApp::spawn().await;
    let me = app.admin().get_json("/api/v2.0/users/current", 200).await;
    assert_eq!(me["username"], "admin");
    assert_eq!(me["sysadmin_flag"], true);
    assert!(me.get("password").is_none() && me.get("password_hash").is_none());
    assert_eq!(audit_count(&app, "create", "admin", true).await, 1);
}

#[tokio::test]
async fn wrong_and_unknown_credentials_get_the_same_401_and_are_audited() {
    let app = TestApp::spawn().await;
    for (user, password) in [("admin", "Wrong12345"), ("nobody", ADMIN_PASSWORD)] {
        let response = app
            .caller(user, password)
            .get("/api/v2.0/users/current")
            .await;
        assert_eq!(response.status(), 401, "{user}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "UNAUTHORIZED");
        assert_eq!(body["errors"][0]["message"], "invalid username or password");
        assert_eq!(audit_count(&app, "login", user, false).await, 1, "{user}");
    }
    let anonymous = app.anonymous().get("/api/v2.0/users/current").await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn the_password_policy_is_enforced_with_harbors_message() {
    let app = TestApp::spawn().await;
    for weak in ["short1A", "nouppercase1", "NOLOWERCASE1", "NoDigitsAtAll"] {
        let response = app
            .admin()
            .post_json(
                "/api/v2.0/users",
                &json!({"username": "weak", "password": weak}),
            )
            .await;
        assert_eq!(response.status(), 400, "{weak}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["message"],
            "the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(app.platform.db())
        .await
        .unwrap();
    assert_eq!(count, 1, "nothing half-created");
}

#[tokio::test]
async fn only_administrators_create_users_and_nobody_creates_an_administrator() {
    let app = TestApp::spawn().await;
    let (alice, alice_id) = app.new_user("alice").await;
    let user = app
        .admin()
        .get_json(&format!("/api/v2.0/users/{alice_id}"), 200)
        .await;
    assert_eq!(user["username"], "alice");
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["sysadmin_flag"], false);

    let body = json!({"username": "bob", "password": USER_PASSWORD});
    assert_eq!(
        alice.post_json("/api/v2.0/users", &body).await.status(),
        403
    );
    assert_eq!(
        app.anonymous()
            .post_json("/api/v2.0/users", &body)
            .await
            .status(),
        401
    );

    let duplicate = app
        .admin()
        .post_json(
            "/api/v2.0/users",
            &json!({"username": "alice", "password": USER_PASSWORD}),
        )
        .await;
    assert_eq!(duplicate.status(), 409);

    let escalation = app
        .admin()
        .post_json(
            "/api/v2.0/users",
            &json!({"username": "mallory", "password": USER_PASSWORD, "sysadmin_flag": true}),
        )
        .await;
    assert_eq!(escalation.status(), 403);
}

#[tokio::test]
async fn self_registration_when_enabled_never_yields_an_administrator() {
    let app = TestApp::builder()
        .setting("BERTH_SELF_REGISTRATION", "true")
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    let created = app
        .anonymous()
        .post_json(
            "/api/v2.0/users",
            &json!({"username": "carol", "password": USER_PASSWORD}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let me = app
        .caller("carol", USER_PASSWORD)
        .get_json("/api/v2.0/users/current", 200)
        .await;
    assert_eq!(me["sysadmin_flag"], false);
    let sneaky = app
        .anonymous()
        .post_json(
            "/api/v2.0/users",
            &json!({"username": "dave", "password": USER_PASSWORD, "sysadmin_flag": true}),
        )
        .await;
    assert_eq!(sneaky.status(), 403);
}

#[tokio::test]
async fn users_change_their_password_with_the_old_one_and_admins_without() {
    let app = TestApp::spawn().await;
    let (alice, alice_id) = app.new_user("alice").await;
    let path = format!("/api/v2.0/users/{alice_id}/password");

    let wrong_old = alice
        .put_json(
            &path,
            &json!({"old_password": "Nope12345", "new_password": "Another-Passw0rd"}),
        )
        .await;
    assert_eq!(wrong_old.status(), 403);
    let same = alice
        .put_json(
            &path,
            &json!({"old_password": USER_PASSWORD, "new_password": USER_PASSWORD}),
        )
        .await;
    assert_eq!(same.status(), 400);
    let changed = alice
        .put_json(
            &path,
            &json!({"old_password": USER_PASSWORD, "new_password": "Another-Passw0rd"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(
        alice.get("/api/v2.0/users/current").await.status(),
        401,
        "old password is dead"
    );
    let renewed = app.caller("alice", "Another-Passw0rd");
    assert_eq!(renewed.get("/api/v2.0/users/current").await.status(), 200);

    let reset = app
        .admin()
        .put_json(&path, &json!({"new_password": "Reset-Passw0rd1"}))
        .await;
    assert_eq!(reset.status(), 200);
    assert_eq!(
        app.caller("alice", "Reset-Passw0rd1")
            .get("/api/v2.0/users/current")
            .await
            .status(),
        200
    );
    assert_eq!(audit_count(&app, "change_password", "alice", true).await, 2);
}

#[tokio::test]
async fn users_see_only_themselves_and_admins_manage_everyone() {
    let app = TestApp::spawn().await;
    let (alice, alice_id) = app.new_user("alice").await;
    let (_, bob_id) = app.new_user("bob").await;

    assert_eq!(
        alice
            .get(&format!("/api/v2.0/users/{alice_id}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        alice
            .get(&format!("/api/v2.0/users/{bob_id}"))
            .await
            .status(),
        404
    );
    assert_eq!(alice.get("/api/v2.0/users").await.status(), 403);
    assert_eq!(
        alice
            .delete(&format!("/api/v2.0/users/{bob_id}"))
            .await
            .status(),
        403
    );

    let list = app.admin().get("/api/v2.0/users?page=1&page_size=2").await;
    assert_eq!(list.status(), 200);
    assert_eq!(list.headers()["x-total-count"], "3");
    assert!(
        list.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    let filtered = app
        .admin()
        .get_json("/api/v2.0/users?q=username%3D~bo", 200)
        .await;
    assert_eq!(filtered.as_array().unwrap().len(), 1);

    let search = alice
        .get_json("/api/v2.0/users/search?username=bo", 200)
        .await;
    assert_eq!(search, json!([{"user_id": bob_id, "username": "bob"}]));

    let updated = alice
        .put_json(
            &format!("/api/v2.0/users/{alice_id}"),
            &json!({"email": "alice@corp.example", "realname": "Alice A", "comment": "ci owner"}),
        )
        .await;
    assert_eq!(updated.status(), 200);
    let bad_email = alice
        .put_json(
            &format!("/api/v2.0/users/{alice_id}"),
            &json!({"email": "not-an-email"}),
        )
        .await;
    assert_eq!(bad_email.status(), 400);

    let grant = app
        .admin()
        .put_json(
            &format!("/api/v2.0/users/{alice_id}/sysadmin"),
            &json!({"sysadmin_flag": true}),
        )
        .await;
    assert_eq!(grant.status(), 200);
    assert_eq!(
        alice.get("/api/v2.0/users").await.status(),
        200,
        "alice is now an administrator"
    );

    let me = app.admin().get_json("/api/v2.0/users/current", 200).await;
    let admin_id = me["user_id"].as_i64().unwrap();
    let revoke_self = app
        .admin()
        .put_json(
            &format!("/api/v2.0/users/{admin_id}/sysadmin"),
            &json!({"sysadmin_flag": false}),
        )
        .await;
    assert_eq!(revoke_self.status(), 403);
    assert_eq!(
        app.admin()
            .delete(&format!("/api/v2.0/users/{admin_id}"))
            .await
            .status(),
        403
    );

    assert_eq!(
        app.admin()
            .delete(&format!("/api/v2.0/users/{bob_id}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.admin()
            .get(&format!("/api/v2.0/users/{bob_id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.caller("bob", USER_PASSWORD)
            .get("/api/v2.0/users/current")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn malformed_bodies_get_harbors_error_envelope() {
    let app = TestApp::spawn().await;
    let response = app
        .admin()
        .request(reqwest::Method::POST, "/api/v2.0/users")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn verified_credentials_are_remembered_but_never_outlive_a_change() {
    let app = TestApp::spawn().await;
    let (alice, id) = app.new_user("alice").await;
    assert_eq!(alice.get("/api/v2.0/users/current").await.status(), 200);
    let client = redis::Client::open(berth_testkit::redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}cred:*", app.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "admin's and alice's verifications: {keys:?}");
    assert!(
        keys.iter()
            .all(|k| !k.contains("alice") && !k.contains(USER_PASSWORD)),
        "keys reveal nothing"
    );

    // Served from the cache now, and still refused the moment the password changes.
    assert_eq!(alice.get("/api/v2.0/users/current").await.status(), 200);
    let reset = app
        .admin()
        .put_json(
            &format!("/api/v2.0/users/{id}/password"),
            &json!({"new_password": "Fresh-Passw0rd1"}),
        )
        .await;
    assert_eq!(reset.status(), 200);
    assert_eq!(alice.get("/api/v2.0/users/current").await.status(), 401);
}

#[tokio::test]
async fn changed_hash_parameters_rehash_a_password_at_its_next_sign_in() {
    let first = TestApp::builder()
        .setting("BERTH_PASSWORD_HASH_MEMORY_KIB", "8192")
        .spawn()
        .await
        .unwrap();
    first.wait_ready().await;
    let (_, id) = first.new_user("alice").await;
    let stored = |app: &TestApp| {
        let pool = app.platform.db().clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(stored(&first).await.contains("m=8192"));

    let second = TestApp::builder()
        .setting("BERTH_DATABASE_URL", first.database().url())
        .setting("BERTH_PASSWORD_HASH_MEMORY_KIB", "4096")
        .spawn()
        .await
        .unwrap();
    second.wait_ready().await;
    assert_eq!(
        second
            .caller("alice", USER_PASSWORD)
            .get("/api/v2.0/users/current")
            .await
            .status(),
        200
    );
    let rehashed = stored(&second).await;
    assert!(rehashed.contains("m=4096"), "{rehashed}");
    assert_eq!(
        second
            .caller("alice", USER_PASSWORD)
            .get("/api/v2.0/users/current")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn malformed_query_path_and_form_input_get_harbors_error_envelope() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v2.0/users?page=abc",
        "/api/v2.0/users/abc",
        "/api/v2.0/projects?public=maybe",
    ] {
        let response = app.admin().get(path).await;
        assert_eq!(response.status(), 400, "{path}");
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        assert_eq!(body["errors"][0]["code"], "BAD_REQUEST", "{path}");
    }
    let form = app
        .client
        .post(app.url("/service/token"))
        .header("content-type", "text/plain")
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 400);
    let body: serde_json::Value = form.json().await.unwrap_or_default();
    assert_eq!(body["errors"][0]["code"], "BAD_REQUEST");
}
