//! Robot accounts over HTTP: creation rules, secrets shown once, refresh,
//! disable, expiry, and what their registry tokens carry.

use berth_auth::token::{Claims, TokenKeys};
use berth_testkit::{Caller, TestApp};
use serde_json::{Value, json};

fn project_robot(name: &str, project: &str, access: Value) -> Value {
    json!({
        "name": name,
        "level": "project",
        "duration": -1,
        "permissions": [{"kind": "project", "namespace": project, "access": access}],
    })
}

async fn create(caller: &Caller<'_>, body: &Value) -> (u16, Value) {
    let response = caller.post_json("/api/v2.0/robots", body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn token_claims(app: &TestApp, caller: &Caller<'_>, scopes: &[&str]) -> Result<Claims, u16> {
    let query: Vec<String> = scopes.iter().map(|s| format!("scope={s}")).collect();
    let response = caller
        .get(&format!("/service/token?service=berth&{}", query.join("&")))
        .await;
    if response.status() != 200 {
        return Err(response.status().as_u16());
    }
    let body: Value = response.json().await.unwrap();
    let keys = TokenKeys::load(&app.platform).await.unwrap();
    Ok(keys.verify(body["token"].as_str().unwrap()).unwrap())
}

fn granted(claims: &Claims, name: &str) -> Vec<String> {
    claims
        .access
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.actions.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_project_robot_pulls_and_pushes_only_where_it_was_granted() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    let a = app.new_project(&owner, "team-a", false).await;
    app.new_project(&owner, "team-b", false).await;

    let (status, created) = create(
        &owner,
        &project_robot(
            "ci",
            "team-a",
            json!([{"resource": "repository", "action": "pull"}]),
        ),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "robot$team-a+ci");
    assert_eq!(created["expires_at"], -1);
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["id"].as_i64().unwrap();

    let robot = app.caller("robot$team-a+ci", &secret);
    let claims = token_claims(
        &app,
        &robot,
        &[
            "repository:team-a/app:pull,push",
            "repository:team-b/app:pull",
        ],
    )
    .await
    .unwrap();
    assert_eq!(claims.sub, "robot$team-a+ci");
    assert_eq!(
        granted(&claims, "team-a/app"),
        ["pull"],
        "no push it was not given"
    );
    assert!(
        granted(&claims, "team-b/app").is_empty(),
        "nothing in another project"
    );

    // The secret is never shown again.
    let shown = owner.get_json(&format!("/api/v2.0/robots/{id}"), 200).await;
    assert!(shown.get("secret").is_none());
    assert_eq!(shown["level"], "project");
    assert_eq!(
        shown["permissions"][0]["access"][0]["resource"],
        "repository"
    );
    let listed = owner
        .get(&format!(
            "/api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D{a}"
        ))
        .await;
    assert_eq!(listed.headers()["x-total-count"], "1");

    let audit: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE resource_type = 'robot' AND resource = 'robot$team-a+ci' AND operation = 'create'",
    )
    .fetch_one(app.platform.db())
    .await
    .unwrap();
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn robots_never_get_more_than_their_creator_or_the_grantable_list() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    let (dev, dev_id) = app.new_user("dev").await;
    let id = app.new_project(&owner, "team", false).await;
    app.add_member(id, dev_id, 2).await;

    let pull = json!([{"resource": "repository", "action": "pull"}]);
    let (status, _) = create(&dev, &project_robot("ci", "team", pull.clone())).await;
    assert_eq!(status, 403, "developers cannot create robots");

    // Grantable to robots, but not held by a project admin.
    let (status, body) = create(
        &owner,
        &project_robot(
            "meta",
            "team",
            json!([{"resource": "metadata", "action": "list"}]),
        ),
    )
    .await;
    assert_eq!(status, 403, "{body}");

    let (status, body) = create(
        &owner,
        &project_robot(
            "scan",
            "team",
            json!([{"resource": "repository", "action": "scanner-pull"}]),
        ),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["message"],
        "bad request permission: repository:scanner-pull"
    );

    let system = json!({
        "name": "sys", "level": "system", "duration": -1,
        "permissions": [{"kind": "system", "namespace": "/", "access": [{"resource": "user", "action": "list"}]}],
    });
    assert_eq!(
        create(&owner, &system).await.0,
        403,
        "only administrators create system robots"
    );

    for bad_name in ["CI", "a+b", ""] {
        let (status, _) = create(&owner, &project_robot(bad_name, "team", pull.clone())).await;
        assert_eq!(status, 400, "{bad_name:?}");
    }
    let mut zero = project_robot("zero", "team", pull.clone());
    zero["duration"] = json!(0);
    assert_eq!(create(&owner, &zero).await.0, 400);
    assert_eq!(
        create(&owner, &project_robot("ci", "team", pull.clone()))
            .await
            .0,
        201
    );
    assert_eq!(
        create(&owner, &project_robot("ci", "team", pull)).await.0,
        409
    );
}

#[tokio::test]
async fn refresh_disable_expiry_and_deletion_cut_a_robot_off_at_once() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    app.new_project(&owner, "team", false).await;
    let access = json!([{"resource": "repository", "action": "pull"}]);
    let (_, created) = create(&owner, &project_robot("ci", "team", access.clone())).await;
    let id = created["id"].as_i64().unwrap();
    let old_secret = created["secret"].as_str().unwrap().to_owned();
    let path = format!("/api/v2.0/robots/{id}");
    let scopes = ["repository:team/app:pull"];

    let weak = owner
        .request(reqwest::Method::PATCH, &path)
        .json(&json!({"secret": "weak"}))
        .send()
        .await
        .unwrap();
    let malformed = owner
        .request(reqwest::Method::PATCH, &path)
        .json(&json!({"secret": 12}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        malformed.status(),
        400,
        "a malformed body is not taken as a request to generate"
    );
    assert_eq!(weak.status(), 400);
    let refreshed = owner
        .request(reqwest::Method::PATCH, &path)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    let new_secret = refreshed.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_secret, old_secret);
    assert_eq!(
        token_claims(&app, &app.caller("robot$team+ci", &old_secret), &scopes)
            .await
            .unwrap_err(),
        401
    );
    let robot = app.caller("robot$team+ci", &new_secret);
    assert!(token_claims(&app, &robot, &scopes).await.is_ok());

    let disable = json!({"description": "off", "disable": true, "duration": -1,
        "permissions": [{"kind": "project", "namespace": "team", "access": access}]});
    assert_eq!(owner.put_json(&path, &disable).await.status(), 200);
    assert_eq!(token_claims(&app, &robot, &scopes).await.unwrap_err(), 401);
    assert_eq!(robot.get("/api/v2.0/projects/team").await.status(), 401);

    let mut enable = disable.clone();
    enable["disable"] = json!(false);
    enable["duration"] = json!(30);
    assert_eq!(owner.put_json(&path, &enable).await.status(), 200);
    assert!(token_claims(&app, &robot, &scopes).await.is_ok());
    let shown = owner.get_json(&path, 200).await;
    assert!(shown["expires_at"].as_i64().unwrap() > chrono_now() + 29 * 86400);

    sqlx::query("UPDATE robots SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(app.platform.db())
        .await
        .unwrap();
    assert_eq!(
        token_claims(&app, &robot, &scopes).await.unwrap_err(),
        401,
        "expired"
    );

    assert_eq!(owner.delete(&path).await.status(), 200);
    assert_eq!(owner.get(&path).await.status(), 404);
    assert_eq!(token_claims(&app, &robot, &scopes).await.unwrap_err(), 401);
    let failures: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE operation = 'login' AND NOT success AND resource = 'robot$team+ci'",
    )
    .fetch_one(app.platform.db())
    .await
    .unwrap();
    // Old secret, disabled (token and API), expired, deleted.
    assert_eq!(failures, 5);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn repository_patterns_keep_a_service_robot_inside_its_own_images() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    app.new_project(&owner, "shop", false).await;
    let (status, created) = create(
        &owner,
        &project_robot(
            "cart-ci",
            "shop",
            json!([
                {"resource": "repository", "action": "pull"},
                {"resource": "repository", "action": "push", "repository": "cart/*"},
            ]),
        ),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let robot = app.caller("robot$shop+cart-ci", created["secret"].as_str().unwrap());
    let claims = token_claims(
        &app,
        &robot,
        &[
            "repository:shop/cart/api:pull,push",
            "repository:shop/payments/api:pull,push",
        ],
    )
    .await
    .unwrap();
    assert_eq!(granted(&claims, "shop/cart/api"), ["pull", "push"]);
    assert_eq!(granted(&claims, "shop/payments/api"), ["pull"]);
}

#[tokio::test]
async fn system_robots_act_across_projects_with_what_the_admin_granted() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    app.new_project(&owner, "one", false).await;
    app.new_project(&owner, "two", false).await;
    let (status, created) = create(
        &app.admin(),
        &json!({
            "name": "mirror", "level": "system", "duration": -1,
            "permissions": [
                {"kind": "system", "namespace": "/", "access": [{"resource": "user", "action": "list"}]},
                {"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "pull"}]},
            ],
        }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "robot$mirror");
    let robot = app.caller("robot$mirror", created["secret"].as_str().unwrap());
    assert_eq!(robot.get("/api/v2.0/users").await.status(), 200);
    assert_eq!(robot.get("/api/v2.0/robots").await.status(), 403);
    let claims = token_claims(
        &app,
        &robot,
        &["repository:one/x:pull,push", "repository:two/y:pull"],
    )
    .await
    .unwrap();
    assert_eq!(granted(&claims, "one/x"), ["pull"]);
    assert_eq!(granted(&claims, "two/y"), ["pull"]);

    // Project admins cannot see or touch system robots.
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        owner.get(&format!("/api/v2.0/robots/{id}")).await.status(),
        404
    );
    assert_eq!(
        owner
            .delete(&format!("/api/v2.0/robots/{id}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn robots_of_a_project_are_out_of_reach_for_outsiders() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    let (stranger, _) = app.new_user("stranger").await;
    let team = app.new_project(&owner, "team", false).await;
    app.new_project(&stranger, "elsewhere", false).await;
    let (_, created) = create(
        &owner,
        &project_robot(
            "ci",
            "team",
            json!([{"resource": "repository", "action": "pull"}]),
        ),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v2.0/robots/{id}");
    assert_eq!(stranger.get(&path).await.status(), 404);
    assert_eq!(
        stranger
            .request(reqwest::Method::PATCH, &path)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(stranger.delete(&path).await.status(), 404);
    assert_eq!(
        stranger
            .get(&format!(
                "/api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D{team}"
            ))
            .await
            .status(),
        404
    );
    // A stranger cannot mint a robot for someone else's project either.
    let (status, _) = create(
        &stranger,
        &project_robot(
            "sneak",
            "team",
            json!([{"resource": "repository", "action": "pull"}]),
        ),
    )
    .await;
    assert_eq!(status, 404);
}
