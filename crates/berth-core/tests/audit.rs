//! The audit log through `/audit-logs`, `/auditlog-exts` and a project's
//! `/logs`, and its retention.

use berth_testkit::{Caller, TestApp};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn entries(caller: &Caller<'_>, path: &str) -> Vec<Value> {
    caller.get_json(path, 200).await.as_array().unwrap().clone()
}

fn operations(list: &[Value]) -> Vec<(String, String)> {
    list.iter()
        .map(|e| {
            (
                e["resource_type"].as_str().unwrap().to_owned(),
                e["operation"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_kind_of_change_is_listed_filtered_and_kept_to_its_project() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let team = app.new_project(&admin, "team", false).await;
    app.new_project(&admin, "other", false).await;
    let pushed = admin.push_image("team/app", "v1", "one").await;
    admin.push_image("other/app", "v1", "elsewhere").await;
    let (dev, dev_id) = app.new_user("dev").await;
    app.add_member(team, dev_id, 2).await;
    let robot = admin
        .post_json(
            "/api/v2.0/robots",
            &json!({"name": "ci", "level": "project", "duration": -1,
                    "permissions": [{"kind": "project", "namespace": "team",
                                     "access": [{"resource": "repository", "action": "pull"}]}]}),
        )
        .await;
    assert_eq!(robot.status(), 201);
    let signed_in = app
        .client
        .post(app.url("/c/login"))
        .form(&[
            ("principal", "dev"),
            ("password", berth_testkit::USER_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let wrong = app.caller("dev", "Not-The-Passw0rd");
    assert_eq!(wrong.get("/api/v2.0/users/current").await.status(), 401);
    let token = admin.registry_token(&["repository:team/app:pull"]).await;
    let pulled = app
        .client
        .get(app.url(&format!("/v2/team/app/manifests/{}", pushed.digest)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(pulled.status(), 200);
    assert_eq!(
        admin
            .delete("/api/v2.0/projects/team/repositories/app/artifacts/v1")
            .await
            .status(),
        200
    );

    // Pulls are recorded in batches, off the request path.
    let deadline = Instant::now() + Duration::from_secs(10);
    let all = loop {
        let all = entries(&admin, "/api/v2.0/audit-logs?page_size=100").await;
        if operations(&all).contains(&("artifact".into(), "pull".into())) {
            break all;
        }
        assert!(Instant::now() < deadline, "no pull recorded: {all:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let seen = operations(&all);
    for expected in [
        ("artifact", "push"),
        ("artifact", "pull"),
        ("artifact", "delete"),
        ("member", "create"),
        ("robot", "create"),
        ("user", "login"),
    ] {
        assert!(
            seen.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} missing from {seen:?}"
        );
    }
    let first = &all[0];
    for key in [
        "id",
        "username",
        "resource",
        "resource_type",
        "operation",
        "op_time",
    ] {
        assert!(first.get(key).is_some(), "{key}");
    }
    assert!(
        all.windows(2)
            .all(|w| w[0]["op_time"].as_str() >= w[1]["op_time"].as_str()),
        "newest first"
    );

    // The extended form carries the outcome: the failed sign-in is there.
    let logins = entries(
        &admin,
        "/api/v2.0/auditlog-exts?q=operation%3Dlogin,username%3Ddev&sort=op_time",
    )
    .await;
    assert_eq!(logins.len(), 2, "{logins:#?}");
    assert_eq!(logins[0]["operation_result"], true);
    assert_eq!(logins[1]["operation_result"], false);
    assert!(
        !logins[1]["operation_description"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    // Filters: operation, resource type, fuzzy resource, time range.
    let pushes = entries(
        &admin,
        "/api/v2.0/audit-logs?q=operation%3Dpush,resource%3D~team%2Fapp&page_size=100",
    )
    .await;
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0]["resource"], "team/app:v1");
    let none = entries(
        &admin,
        "/api/v2.0/audit-logs?q=op_time%3D%5B2000-01-01%2000%3A00%3A00~2000-12-31%2023%3A59%3A59%5D",
    )
    .await;
    assert!(none.is_empty());
    let any_of = entries(
        &admin,
        "/api/v2.0/audit-logs?q=operation%3D%7Bpush%20delete%7D&page_size=100",
    )
    .await;
    assert!(
        any_of
            .iter()
            .all(|e| e["operation"] == "push" || e["operation"] == "delete")
    );
    for bad in [
        "q=password%3Dx",
        "q=op_time%3D%5Byesterday~%5D",
        "sort=detail",
    ] {
        assert_eq!(
            admin
                .get(&format!("/api/v2.0/audit-logs?{bad}"))
                .await
                .status(),
            400,
            "{bad}"
        );
    }

    // A project's log holds only that project's entries, for its admins.
    let project = entries(&admin, "/api/v2.0/projects/team/logs?page_size=100").await;
    assert!(!project.is_empty());
    assert!(
        project
            .iter()
            .all(|e| !e["resource"].as_str().unwrap().starts_with("other/")),
        "{project:#?}"
    );
    let exts = entries(
        &admin,
        "/api/v2.0/projects/team/auditlog-exts?page_size=100",
    )
    .await;
    assert_eq!(exts.len(), project.len());
    assert_eq!(dev.get("/api/v2.0/audit-logs").await.status(), 403);
    assert_eq!(dev.get("/api/v2.0/projects/team/logs").await.status(), 403);
    let (stranger, _) = app.new_user("stranger").await;
    assert_eq!(
        stranger.get("/api/v2.0/projects/team/logs").await.status(),
        404
    );
}

#[tokio::test]
async fn retention_purges_old_entries_in_batches_and_keeps_recent_ones() {
    let app = TestApp::spawn().await;
    app.admin().get("/api/v2.0/users/current").await;
    let pool = app.database().pool().await.unwrap();
    sqlx::query(
        "INSERT INTO audit_log (op_time, username, resource_type, resource, operation, success)
         SELECT now() - interval '40 days', 'old', 'artifact', 'team/app:v' || n, 'push', true
         FROM generate_series(1, 25000) AS n",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO audit_log (op_time, username, resource_type, resource, operation, success)
         VALUES (now() - interval '10 days', 'recent', 'artifact', 'team/app:new', 'push', true)",
    )
    .execute(&pool)
    .await
    .unwrap();

    let purged = berth_core::retention::purge_audit(&app.platform, 30)
        .await
        .unwrap();
    assert_eq!(purged, 25_000);
    let left: Vec<String> = sqlx::query_scalar("SELECT DISTINCT username FROM audit_log")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(left.contains(&"recent".to_owned()));
    assert!(!left.contains(&"old".to_owned()));
}
