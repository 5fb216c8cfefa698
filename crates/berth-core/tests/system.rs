//! `/search`, `/statistics`, `/systeminfo` and `/systeminfo/volumes`.

use berth_testkit::TestApp;
use serde_json::Value;

#[tokio::test]
async fn search_and_statistics_show_only_what_the_caller_may_see() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.new_project(&admin, "webshop", true).await;
    let secret = app.new_project(&admin, "websecret", false).await;
    admin.push_image("webshop/frontend", "v1", "a").await;
    admin.push_image("websecret/backend", "v1", "b").await;
    let (member, member_id) = app.new_user("member").await;
    app.add_member(secret, member_id, 3).await;

    let names = |found: &Value, list: &str, key: &str| -> Vec<String> {
        found[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e[key].as_str().unwrap().to_owned())
            .collect()
    };
    let anonymous = app
        .anonymous()
        .get_json("/api/v2.0/search?q=web", 200)
        .await;
    assert_eq!(names(&anonymous, "project", "name"), ["webshop"]);
    assert_eq!(
        names(&anonymous, "repository", "repository_name"),
        ["webshop/frontend"]
    );
    assert_eq!(anonymous["repository"][0]["project_public"], true);
    assert_eq!(anonymous["repository"][0]["artifact_count"], 1);
    let seen = member.get_json("/api/v2.0/search?q=web", 200).await;
    assert_eq!(names(&seen, "project", "name"), ["websecret", "webshop"]);
    assert_eq!(seen["repository"].as_array().unwrap().len(), 2);
    let escaped = admin.get_json("/api/v2.0/search?q=%25", 200).await;
    assert!(
        escaped["project"].as_array().unwrap().is_empty(),
        "% is literal"
    );
    assert_eq!(app.anonymous().get("/api/v2.0/search").await.status(), 400);

    let totals = admin.get_json("/api/v2.0/statistics", 200).await;
    assert_eq!(totals["public_project_count"], 1);
    assert_eq!(totals["private_project_count"], 1);
    assert_eq!(totals["total_project_count"], 2);
    assert_eq!(totals["total_repo_count"], 2);
    assert!(totals["total_storage_consumption"].as_i64().unwrap() > 0);
    let (outsider, _) = app.new_user("outsider").await;
    let theirs = outsider.get_json("/api/v2.0/statistics", 200).await;
    assert_eq!(theirs["public_project_count"], 1);
    assert_eq!(theirs["private_project_count"], 0);
    assert_eq!(theirs["private_repo_count"], 0);
    assert!(theirs.get("total_storage_consumption").is_none());
    let mine = member.get_json("/api/v2.0/statistics", 200).await;
    assert_eq!(mine["private_repo_count"], 1);
    assert_eq!(
        app.anonymous().get("/api/v2.0/statistics").await.status(),
        401
    );
}

#[tokio::test]
async fn system_information_and_volumes() {
    let app = TestApp::spawn().await;
    let info = app.anonymous().get_json("/api/v2.0/systeminfo", 200).await;
    assert_eq!(info["auth_mode"], "db_auth");
    assert_eq!(info["self_registration"], false);
    assert_eq!(info["registry_storage_provider_name"], "filesystem");
    assert!(info["harbor_version"].as_str().unwrap().starts_with('v'));
    let external = app.platform.config().external_url.to_string();
    assert_eq!(info["external_url"], external.trim_end_matches('/'));

    let volumes = app
        .admin()
        .get_json("/api/v2.0/systeminfo/volumes", 200)
        .await;
    let storage = &volumes["storage"][0];
    assert!(storage["total"].as_u64().unwrap() > 0);
    assert!(storage["free"].as_u64().unwrap() <= storage["total"].as_u64().unwrap());
    let (user, _) = app.new_user("user").await;
    assert_eq!(user.get("/api/v2.0/systeminfo/volumes").await.status(), 403);

    if let Some(builder) = TestApp::builder().s3_storage() {
        let on_s3 = builder.spawn().await.unwrap();
        on_s3.wait_ready().await;
        let info = on_s3
            .anonymous()
            .get_json("/api/v2.0/systeminfo", 200)
            .await;
        assert_eq!(info["registry_storage_provider_name"], "s3");
        assert_eq!(
            on_s3
                .admin()
                .get("/api/v2.0/systeminfo/volumes")
                .await
                .status(),
            404
        );
    }
}
