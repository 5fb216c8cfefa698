//! Pulls resolve tags, digests and project ids from memory. These tests
//! first prove the cache is really answering (a change made with the
//! notification trigger switched off goes unseen), then that every kind of
//! change is seen: at once on the replica that made it, and on another
//! replica as soon as PostgreSQL's notification arrives.

use berth_testkit::OCI_MANIFEST;
use berth_testkit::TestApp;
use std::time::{Duration, Instant};

async fn digest_by_tag(app: &TestApp, token: &str, repo: &str, tag: &str) -> Option<String> {
    let response = app
        .client
        .get(app.url(&format!("/v2/{repo}/manifests/{tag}")))
        .bearer_auth(token)
        .header("accept", OCI_MANIFEST)
        .send()
        .await
        .unwrap();
    match response.status().as_u16() {
        200 => Some(
            response.headers()["docker-content-digest"]
                .to_str()
                .unwrap()
                .to_owned(),
        ),
        404 => None,
        other => panic!("GET {repo}:{tag} answered {other}"),
    }
}

/// Polls until the replica answers `want`; notifications take a moment.
async fn eventually(app: &TestApp, token: &str, repo: &str, tag: &str, want: Option<&str>) {
    let started = Instant::now();
    loop {
        let got = digest_by_tag(app, token, repo, tag).await;
        if got.as_deref() == want {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{repo}:{tag} still resolves to {got:?}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn point_tag(pool: &sqlx::PgPool, tag: &str, digest: &str) {
    sqlx::query(
        "UPDATE tags SET artifact_id = (SELECT id FROM artifacts WHERE digest = $2)
         WHERE name = $1",
    )
    .bind(tag)
    .bind(digest)
    .execute(pool)
    .await
    .unwrap();
}

/// Waits until the replica answers `latest` from memory: with the trigger
/// off, a changed tag row must go unseen.
async fn until_cached(app: &TestApp, pool: &sqlx::PgPool, token: &str, one: &str, two: &str) {
    sqlx::query("ALTER TABLE tags DISABLE TRIGGER tags_notify_change")
        .execute(pool)
        .await
        .unwrap();
    let started = Instant::now();
    loop {
        point_tag(pool, "latest", one).await;
        assert_eq!(
            digest_by_tag(app, token, "team/app", "latest")
                .await
                .as_deref(),
            Some(one)
        );
        point_tag(pool, "latest", two).await;
        if digest_by_tag(app, token, "team/app", "latest")
            .await
            .as_deref()
            == Some(one)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "tags are never cached"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sqlx::query("ALTER TABLE tags ENABLE TRIGGER tags_notify_change")
        .execute(pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn changes_on_another_replica_or_in_the_database_reach_the_cache() {
    // Replicas share the database and the blob store.
    let blobs = tempfile::tempdir().unwrap();
    let storage = format!("file://{}", blobs.path().display());
    let first = TestApp::builder()
        .setting("BERTH_STORAGE_URL", &storage)
        .spawn()
        .await
        .unwrap();
    first.wait_ready().await;
    let second = TestApp::builder()
        .setting("BERTH_DATABASE_URL", first.database().url())
        .setting("BERTH_STORAGE_URL", &storage)
        .spawn()
        .await
        .unwrap();
    second.wait_ready().await;
    first.new_project(&first.admin(), "team", false).await;
    let one = first
        .admin()
        .push_image("team/app", "latest", "one")
        .await
        .digest;
    let two = first
        .admin()
        .push_image("team/app", "two", "two")
        .await
        .digest;
    let token = first
        .admin()
        .registry_token(&["repository:team/app:pull"])
        .await;
    let pool = first.database().pool().await.unwrap();

    until_cached(&first, &pool, &token, &one, &two).await;
    // Any change to the tag row notifies, even one made by hand.
    sqlx::query("UPDATE tags SET push_time = now() WHERE name = 'latest'")
        .execute(&pool)
        .await
        .unwrap();
    eventually(&first, &token, "team/app", "latest", Some(&two)).await;

    // A push through the other replica moves the tag.
    let three = second
        .admin()
        .push_image("team/app", "latest", "three")
        .await
        .digest;
    eventually(&first, &token, "team/app", "latest", Some(&three)).await;

    // A tag deleted through the other replica's API.
    let deleted = second
        .admin()
        .delete(&format!(
            "/api/v2.0/projects/team/repositories/app/artifacts/{three}/tags/latest"
        ))
        .await;
    assert_eq!(deleted.status(), 200);
    eventually(&first, &token, "team/app", "latest", None).await;

    // The project deleted and created again under the same name: the old
    // token must not reach the new project.
    assert_eq!(
        digest_by_tag(&first, &token, "team/app", "two").await,
        Some(two.clone())
    );
    let gone = second
        .admin()
        .delete("/api/v2.0/projects/team/repositories/app")
        .await;
    assert_eq!(gone.status(), 200);
    assert_eq!(
        second
            .admin()
            .delete("/api/v2.0/projects/team")
            .await
            .status(),
        200
    );
    second.new_project(&second.admin(), "team", false).await;
    second.admin().push_image("team/app", "two", "again").await;
    let started = Instant::now();
    loop {
        let status = first
            .client
            .get(first.url("/v2/team/app/manifests/two"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        if status == 403 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the old token still pulls ({status})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_replica_that_made_a_change_answers_with_it_at_once() {
    let app = TestApp::spawn().await;
    app.new_project(&app.admin(), "team", false).await;
    let admin = app.admin();
    let one = admin.push_image("team/app", "latest", "one").await.digest;
    let two = admin.push_image("team/app", "two", "two").await.digest;
    let token = admin.registry_token(&["repository:team/app:pull"]).await;
    let pool = app.database().pool().await.unwrap();
    until_cached(&app, &pool, &token, &one, &two).await;
    point_tag(&pool, "latest", &one).await;
    sqlx::query("UPDATE tags SET push_time = now() WHERE name = 'latest'")
        .execute(&pool)
        .await
        .unwrap();
    eventually(&app, &token, "team/app", "latest", Some(&one)).await;

    // With notifications off, only this replica's own forgetting keeps it
    // right; and no polling from here on: each answer must already be the
    // new one.
    for statement in [
        "ALTER TABLE tags DISABLE TRIGGER tags_notify_change",
        "ALTER TABLE artifacts DISABLE TRIGGER artifacts_notify_change",
        "ALTER TABLE repositories DISABLE TRIGGER repositories_notify_change",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    let three = admin.push_image("team/app", "latest", "three").await.digest;
    assert_eq!(
        digest_by_tag(&app, &token, "team/app", "latest").await,
        Some(three.clone())
    );

    let tagged = admin
        .post_json(
            &format!("/api/v2.0/projects/team/repositories/app/artifacts/{one}/tags"),
            &serde_json::json!({"name": "moved"}),
        )
        .await;
    assert_eq!(tagged.status(), 201);
    assert_eq!(
        digest_by_tag(&app, &token, "team/app", "moved").await,
        Some(one.clone())
    );

    let untagged = admin
        .delete(&format!(
            "/api/v2.0/projects/team/repositories/app/artifacts/{three}/tags/latest"
        ))
        .await;
    assert_eq!(untagged.status(), 200);
    assert_eq!(
        digest_by_tag(&app, &token, "team/app", "latest").await,
        None
    );

    assert_eq!(
        digest_by_tag(&app, &token, "team/app", "two").await,
        Some(two.clone())
    );
    let deleted = admin
        .delete(&format!(
            "/api/v2.0/projects/team/repositories/app/artifacts/{two}"
        ))
        .await;
    assert_eq!(deleted.status(), 200);
    assert_eq!(digest_by_tag(&app, &token, "team/app", "two").await, None);
    assert_eq!(digest_by_tag(&app, &token, "team/app", &two).await, None);

    assert_eq!(
        digest_by_tag(&app, &token, "team/app", "moved").await,
        Some(one.clone())
    );
    let removed = admin
        .delete("/api/v2.0/projects/team/repositories/app")
        .await;
    assert_eq!(removed.status(), 200);
    assert_eq!(digest_by_tag(&app, &token, "team/app", "moved").await, None);
}
