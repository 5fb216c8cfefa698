//! `/quotas` and the storage limit pushes must respect, kept exact under
//! concurrent pushes.

use berth_testkit::{Caller, TestApp, sha256};
use serde_json::{Value, json};

/// What `storage_used` must equal: each distinct blob of the project once.
async fn recomputed(app: &TestApp, project_id: i64) -> i64 {
    let pool = app.database().pool().await.unwrap();
    sqlx::query_scalar(
        "SELECT COALESCE(sum(b.size), 0)::bigint FROM blobs b
         WHERE b.digest IN (SELECT rb.digest FROM repository_blobs rb
                            JOIN repositories r ON r.id = rb.repository_id WHERE r.project_id = $1)",
    )
    .bind(project_id)
    .fetch_one(&pool)
    .await
    .unwrap()
}

async fn used(caller: &Caller<'_>, project_id: i64) -> i64 {
    caller
        .get_json(&format!("/api/v2.0/quotas/{project_id}"), 200)
        .await["used"]["storage"]
        .as_i64()
        .unwrap()
}

async fn set_limit(caller: &Caller<'_>, project_id: i64, limit: i64) {
    let response = caller
        .put_json(
            &format!("/api/v2.0/quotas/{project_id}"),
            &json!({"hard": {"storage": limit}}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn quotas_read_and_update_with_harbor_shapes_and_permissions() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let team = app.new_project(&admin, "team", false).await;
    app.new_project(&admin, "other", false).await;
    let pushed = admin.push_image("team/app", "v1", "one").await;

    let listed = admin.get("/api/v2.0/quotas?sort=-used.storage").await;
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.headers()["x-total-count"], "2");
    let listed: Vec<Value> = listed.json().await.unwrap();
    assert_eq!(listed[0]["ref"]["name"], "team");
    assert_eq!(listed[0]["ref"]["owner_name"], "admin");
    assert_eq!(listed[0]["hard"]["storage"], -1);
    let manifest_bytes = pushed.manifest.len() as i64;
    assert_eq!(
        listed[0]["used"]["storage"],
        pushed.blob_bytes as i64 + manifest_bytes
    );
    let one = admin
        .get_json(
            &format!("/api/v2.0/quotas?reference=project&reference_id={team}"),
            200,
        )
        .await;
    assert_eq!(one.as_array().unwrap().len(), 1);

    // Members read their project's quota; others see nothing; only
    // administrators list or change quotas.
    let (member, member_id) = app.new_user("member").await;
    app.add_member(team, member_id, 3).await;
    assert_eq!(used(&member, team).await, listed[0]["used"]["storage"]);
    let (stranger, _) = app.new_user("stranger").await;
    assert_eq!(
        stranger
            .get(&format!("/api/v2.0/quotas/{team}"))
            .await
            .status(),
        404
    );
    assert_eq!(member.get("/api/v2.0/quotas").await.status(), 403);
    let change = json!({"hard": {"storage": 1024}});
    assert_eq!(
        member
            .put_json(&format!("/api/v2.0/quotas/{team}"), &change)
            .await
            .status(),
        403
    );
    for bad in [
        json!({"hard": {"storage": 0}}),
        json!({"hard": {"storage": "lots"}}),
        json!({"hard": {"count": 5}}),
        json!({}),
    ] {
        let response = admin
            .put_json(&format!("/api/v2.0/quotas/{team}"), &bad)
            .await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    assert_eq!(
        admin
            .put_json("/api/v2.0/quotas/999999", &change)
            .await
            .status(),
        404
    );
    set_limit(&admin, team, 1 << 30).await;
    let read = admin
        .get_json(&format!("/api/v2.0/quotas/{team}"), 200)
        .await;
    assert_eq!(read["hard"]["storage"], 1 << 30);
    let summary = admin.get_json("/api/v2.0/projects/team/summary", 200).await;
    assert_eq!(summary["quota"]["hard"]["storage"], 1 << 30);
}

#[tokio::test]
async fn pushes_past_the_limit_are_refused_and_shared_blobs_count_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let team = app.new_project(&admin, "team", false).await;
    set_limit(&admin, team, 10 * 1024).await;
    let token = admin
        .registry_token(&[
            "repository:team/a:pull,push,delete",
            "repository:team/b:pull,push,delete",
        ])
        .await;
    let first = vec![1u8; 6 * 1024];
    let second = vec![2u8; 6 * 1024];
    assert_eq!(admin.push_blob(&token, "team/a", &first).await, 201);

    // Over the limit: refused, with the project, limit and usage named.
    let refused = app
        .client
        .post(app.url(&format!(
            "/v2/team/a/blobs/uploads/?digest={}",
            sha256(&second)
        )))
        .bearer_auth(&token)
        .body(second.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "DENIED");
    let message = body["errors"][0]["message"].as_str().unwrap();
    for part in ["team", "10240", "6144"] {
        assert!(message.contains(part), "{message}");
    }
    // A chunk that cannot fit is refused before it is stored.
    let session = app
        .client
        .post(app.url("/v2/team/a/blobs/uploads/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let location = session.headers()["location"].to_str().unwrap().to_owned();
    let chunk = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&token)
        .header("content-range", "0-6143")
        .body(second.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(chunk.status(), 403);

    // The same blob in another repository of the project costs nothing more.
    assert_eq!(admin.push_blob(&token, "team/b", &first).await, 201);
    assert_eq!(used(&admin, team).await, 6 * 1024);
    assert_eq!(recomputed(&app, team).await, 6 * 1024);

    // Deleting it from one repository keeps it charged; from both, frees it.
    let delete = |repo: &'static str| {
        let (app, token, digest) = (&app, &token, sha256(&first));
        async move {
            app.client
                .delete(app.url(&format!("/v2/{repo}/blobs/{digest}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(delete("team/a").await, 202);
    assert_eq!(used(&admin, team).await, 6 * 1024);
    assert_eq!(delete("team/b").await, 202);
    assert_eq!(used(&admin, team).await, 0);
    assert_eq!(admin.push_blob(&token, "team/a", &second).await, 201);
}

#[tokio::test]
async fn usage_stays_exact_under_concurrent_pushes_sharing_layers() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let team = app.new_project(&admin, "team", false).await;

    // 8 images into 8 repositories at once, all sharing one layer.
    let pushes = (0..8).map(|i| {
        let admin = admin.clone();
        async move {
            let repo = format!("team/r{i}");
            let token = admin
                .registry_token(&[&format!("repository:{repo}:pull,push")])
                .await;
            let shared = vec![7u8; 50_000];
            let own = format!("config {i}").into_bytes();
            assert_eq!(admin.push_blob(&token, &repo, &shared).await, 201);
            assert_eq!(admin.push_blob(&token, &repo, &own).await, 201);
        }
    });
    futures::future::join_all(pushes).await;
    let expected = 50_000
        + (0..8)
            .map(|i| format!("config {i}").len() as i64)
            .sum::<i64>();
    assert_eq!(recomputed(&app, team).await, expected);
    assert_eq!(used(&admin, team).await, expected);

    // Three 6 KiB blobs racing for 10 KiB of room: one fits, two are
    // refused, and usage never passes the limit.
    let near = app.new_project(&admin, "near", false).await;
    set_limit(&admin, near, 10 * 1024).await;
    let token = admin
        .registry_token(&["repository:near/app:pull,push"])
        .await;
    let racers = (0..3u8).map(|i| {
        let (admin, token) = (admin.clone(), token.clone());
        async move {
            admin
                .push_blob(&token, "near/app", &vec![i; 6 * 1024])
                .await
        }
    });
    let mut statuses = futures::future::join_all(racers).await;
    statuses.sort();
    assert_eq!(statuses, [201, 403, 403]);
    assert_eq!(used(&admin, near).await, 6 * 1024);
    assert_eq!(recomputed(&app, near).await, 6 * 1024);
}
