//! `/service/token` end to end: what each caller is granted, and that the
//! tokens verify with the keys every replica shares.

use berth_auth::domain::scope::AccessEntry;
use berth_auth::principal::Holder;
use berth_auth::token::{Claims, TokenKeys};
use berth_testkit::{Caller, TestApp, USER_PASSWORD};
use serde_json::Value;

async fn token(caller: &Caller<'_>, scopes: &[&str]) -> (u16, Value) {
    let query: Vec<String> = scopes
        .iter()
        .map(|s| format!("scope={}", s.replace('/', "%2F")))
        .collect();
    let response = caller
        .get(&format!("/service/token?service=berth&{}", query.join("&")))
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn claims(app: &TestApp, body: &Value) -> Claims {
    let keys = TokenKeys::load(&app.platform).await.unwrap();
    keys.verify(body["token"].as_str().unwrap())
        .expect("token verifies")
}

fn actions(claims: &Claims, name: &str) -> Vec<String> {
    claims
        .access
        .iter()
        .find(|a: &&AccessEntry| a.name == name)
        .unwrap_or_else(|| panic!("no entry for {name} in {:?}", claims.access))
        .actions
        .clone()
}

struct World {
    app: TestApp,
}

impl World {
    async fn new() -> World {
        let app = TestApp::spawn().await;
        let (owner, _) = app.new_user("owner").await;
        let (_, dev_id) = app.new_user("dev").await;
        let (_, guest_id) = app.new_user("guest").await;
        app.new_user("outsider").await;
        app.new_project(&app.admin(), "public", true).await;
        let private = app.new_project(&owner, "private", false).await;
        app.add_member(private, dev_id, 2).await;
        app.add_member(private, guest_id, 3).await;
        World { app }
    }

    fn user(&self, name: &str) -> Caller<'_> {
        self.app.caller(name, USER_PASSWORD)
    }
}

const BOTH: [&str; 2] = [
    "repository:public/app:pull,push",
    "repository:private/app:pull,push,delete",
];

#[tokio::test]
async fn each_caller_gets_exactly_what_their_roles_allow_and_never_an_error() {
    let world = World::new().await;
    let app = &world.app;
    let cases: Vec<(&str, Caller<'_>, Vec<&str>, Vec<&str>)> = vec![
        ("anonymous", app.anonymous(), vec!["pull"], vec![]),
        ("outsider", world.user("outsider"), vec!["pull"], vec![]),
        ("guest", world.user("guest"), vec!["pull"], vec!["pull"]),
        ("dev", world.user("dev"), vec!["pull"], vec!["pull", "push"]),
        (
            "owner",
            world.user("owner"),
            vec!["pull"],
            vec!["pull", "push", "delete"],
        ),
        (
            "admin",
            app.admin(),
            vec!["pull", "push"],
            vec!["pull", "push", "delete"],
        ),
    ];
    for (who, caller, public, private) in cases {
        let (status, body) = token(&caller, &BOTH).await;
        assert_eq!(status, 200, "{who}: {body}");
        let claims = claims(app, &body).await;
        assert_eq!(claims.sub, who, "{who}");
        assert_eq!(actions(&claims, "public/app"), public, "{who} on public");
        assert_eq!(actions(&claims, "private/app"), private, "{who} on private");
        assert_eq!(body["access_token"], body["token"]);
        assert_eq!(body["expires_in"], 1800);
        assert!(body["issued_at"].as_str().unwrap().ends_with('Z'));
    }
}

#[tokio::test]
async fn never_more_than_asked_and_unknown_types_get_nothing() {
    let world = World::new().await;
    let (_, body) = token(
        &world.user("owner"),
        &[
            "repository:private/app:pull",
            "plugin:thing:pull",
            "repository:missing/app:pull,push",
        ],
    )
    .await;
    let claims = claims(&world.app, &body).await;
    assert_eq!(
        actions(&claims, "private/app"),
        ["pull"],
        "only what was asked"
    );
    assert!(actions(&claims, "thing").is_empty());
    assert!(
        actions(&claims, "missing/app").is_empty(),
        "a missing project grants nothing, silently"
    );
}

#[tokio::test]
async fn catalog_tokens_name_their_holder() {
    let world = World::new().await;
    let (_, body) = token(&world.user("owner"), &["registry:catalog:*"]).await;
    let granted = claims(&world.app, &body).await;
    assert_eq!(actions(&granted, "catalog"), ["*"]);
    assert!(
        matches!(granted.holder, Some(Holder::User { token: None, .. })),
        "{:?}",
        granted.holder
    );
    let (_, body) = token(&world.app.anonymous(), &["registry:catalog:*"]).await;
    assert_eq!(
        claims(&world.app, &body).await.holder,
        Some(Holder::Anonymous)
    );
    let (_, body) = token(&world.user("owner"), &BOTH).await;
    assert_eq!(
        claims(&world.app, &body).await.holder,
        None,
        "only catalog tokens carry it"
    );
}

#[tokio::test]
async fn bad_credentials_and_malformed_scopes_are_refused() {
    let world = World::new().await;
    let (status, body) = token(&world.app.caller("dev", "Wrong-Passw0rd"), &BOTH).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["code"], "UNAUTHORIZED");
    let (status, _) = token(&world.user("dev"), &["repository"]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_oauth2_password_grant_works_and_other_grants_are_refused() {
    let world = World::new().await;
    let response = world
        .app
        .client
        .post(world.app.url("/service/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "dev"),
            ("password", USER_PASSWORD),
            ("service", "berth"),
            ("client_id", "docker"),
            ("scope", "repository:private/app:pull,push"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        actions(&claims(&world.app, &body).await, "private/app"),
        ["pull", "push"]
    );

    let refresh = world
        .app
        .client
        .post(world.app.url("/service/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), 400);
}

#[tokio::test]
async fn tokens_from_one_replica_verify_on_another() {
    let first = TestApp::spawn().await;
    let second = TestApp::builder()
        .setting("BERTH_DATABASE_URL", first.database().url())
        .spawn()
        .await
        .unwrap();
    second.wait_ready().await;
    let (_, body) = token(&first.admin(), &["repository:library/app:pull"]).await;
    let keys = TokenKeys::load(&second.platform).await.unwrap();
    assert!(keys.verify(body["token"].as_str().unwrap()).is_ok());
    let (_, body) = token(&second.admin(), &["repository:library/app:pull"]).await;
    let keys = TokenKeys::load(&first.platform).await.unwrap();
    assert!(keys.verify(body["token"].as_str().unwrap()).is_ok());
}

#[tokio::test]
async fn a_token_does_not_reach_a_project_recreated_under_the_same_name() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    let first = app.new_project(&owner, "team", false).await;
    let repository: berth_types::RepositoryName = "team/app".parse().unwrap();

    let (_, body) = token(&owner, &["repository:team/app:pull,push"]).await;
    let old = claims(&app, &body).await;
    let mut conn = app.platform.db().acquire().await.unwrap();
    assert!(
        berth_auth::token::allows(&mut conn, &old, &repository, "push")
            .await
            .unwrap()
    );
    assert!(
        !berth_auth::token::allows(&mut conn, &old, &repository, "delete")
            .await
            .unwrap()
    );
    let other: berth_types::RepositoryName = "elsewhere/app".parse().unwrap();
    assert!(
        !berth_auth::token::allows(&mut conn, &old, &other, "pull")
            .await
            .unwrap()
    );

    assert_eq!(
        owner
            .delete(&format!("/api/v2.0/projects/{first}"))
            .await
            .status(),
        200
    );
    app.new_project(&owner, "team", false).await;
    assert!(
        !berth_auth::token::allows(&mut conn, &old, &repository, "pull")
            .await
            .unwrap(),
        "the old token predates this project"
    );
    let (_, body) = token(&owner, &["repository:team/app:pull"]).await;
    let fresh = claims(&app, &body).await;
    assert!(
        berth_auth::token::allows(&mut conn, &fresh, &repository, "pull")
            .await
            .unwrap()
    );
}
