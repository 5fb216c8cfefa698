//! `/repositories` and `/projects/{p}/repositories[/{r}]`.

use berth_testkit::TestApp;
use serde_json::{Value, json};

#[tokio::test]
async fn repositories_list_read_update_and_delete_with_harbor_shapes() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let team = app.new_project(&admin, "team", false).await;
    app.new_project(&admin, "open", true).await;
    let first = admin.push_image("team/app", "v1", "one").await;
    admin.push_image("team/app", "v2", "two").await;
    admin.push_image("team/tools/lint", "v1", "lint").await;
    admin.push_image("open/base", "v1", "base").await;

    let listed = admin.get("/api/v2.0/projects/team/repositories").await;
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.headers()["x-total-count"], "2");
    let listed: Vec<Value> = listed.json().await.unwrap();
    let app_repo = listed.iter().find(|r| r["name"] == "team/app").unwrap();
    assert_eq!(app_repo["artifact_count"], 2);
    assert_eq!(app_repo["project_id"], team);
    assert_eq!(app_repo["pull_count"], 0);
    for key in ["id", "description", "creation_time", "update_time"] {
        assert!(app_repo.get(key).is_some(), "{key}");
    }

    // Names with a slash are encoded twice, as Harbor's clients send them.
    let nested = admin
        .get_json("/api/v2.0/projects/team/repositories/tools%252Flint", 200)
        .await;
    assert_eq!(nested["name"], "team/tools/lint");

    // Filtering, sorting and paging.
    let filtered: Vec<Value> = admin
        .get_json("/api/v2.0/projects/team/repositories?q=name%3D~lint", 200)
        .await
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(filtered.len(), 1);
    let sorted = admin
        .get("/api/v2.0/projects/team/repositories?sort=name&page_size=1&page=1")
        .await;
    assert!(
        sorted.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    let sorted: Vec<Value> = sorted.json().await.unwrap();
    assert_eq!(sorted[0]["name"], "team/app");
    for bad in [
        "q=password%3Dx",
        "sort=secret",
        "q=name%3D%7Ba",
        "page_size=101",
    ] {
        let response = admin
            .get(&format!("/api/v2.0/projects/team/repositories?{bad}"))
            .await;
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "BAD_REQUEST", "{bad}");
    }

    // Everything for the administrator; public ones for anyone else.
    let all: Vec<Value> = admin
        .get_json("/api/v2.0/repositories?page_size=100", 200)
        .await
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 3);
    let outsider = app.new_user("outsider").await.0;
    let visible: Vec<Value> = outsider
        .get_json("/api/v2.0/repositories", 200)
        .await
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(visible.len(), 1);
    assert_eq!(visible[0]["name"], "open/base");
    // A private project's repositories answer as if the project did not exist.
    let hidden = outsider
        .get("/api/v2.0/projects/team/repositories/app")
        .await;
    let missing = outsider
        .get("/api/v2.0/projects/nothing/repositories/app")
        .await;
    assert_eq!(hidden.status(), 404);
    assert_eq!(missing.status(), 404);

    // Update: project admins and maintainers may; guests may not.
    let (guest, guest_id) = app.new_user("guest").await;
    app.add_member(team, guest_id, 3).await;
    let body = json!({"description": "the app"});
    let denied = guest
        .put_json("/api/v2.0/projects/team/repositories/app", &body)
        .await;
    assert_eq!(denied.status(), 403);
    let updated = admin
        .put_json("/api/v2.0/projects/team/repositories/app", &body)
        .await;
    assert_eq!(updated.status(), 200);
    let read = guest
        .get_json("/api/v2.0/projects/team/repositories/app", 200)
        .await;
    assert_eq!(read["description"], "the app");

    // Delete: the repository, its artifacts and its tags go; the blobs it
    // alone held stop counting towards the project's usage.
    let usage = |summary: Value| summary["quota"]["used"]["storage"].as_i64().unwrap();
    let before = usage(admin.get_json("/api/v2.0/projects/team/summary", 200).await);
    assert_eq!(
        guest
            .delete("/api/v2.0/projects/team/repositories/app")
            .await
            .status(),
        403
    );
    let deleted = admin
        .delete("/api/v2.0/projects/team/repositories/app")
        .await;
    assert_eq!(deleted.status(), 200);
    let after = usage(admin.get_json("/api/v2.0/projects/team/summary", 200).await);
    assert!(after < before, "{after} < {before}");
    assert_eq!(
        admin
            .get("/api/v2.0/projects/team/repositories/app")
            .await
            .status(),
        404
    );
    let token = admin.registry_token(&["repository:team/app:pull"]).await;
    let manifest = app
        .client
        .get(app.url(&format!("/v2/team/app/manifests/{}", first.digest)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(manifest.status(), 404);
}
