//! Projects and members over HTTP: visibility, the uniform 404 for what a
//! caller may not see, role-based permissions, and audit records.

use berth_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn creating_a_project_makes_the_creator_its_admin() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.new_user("alice").await;
    let id = app.new_project(&alice, "team-a", false).await;

    let project = alice
        .get_json(&format!("/api/v2.0/projects/{id}"), 200)
        .await;
    assert_eq!(project["name"], "team-a");
    assert_eq!(project["owner_name"], "alice");
    assert_eq!(project["metadata"]["public"], "false");
    assert_eq!(project["current_user_role_id"], 1);

    let by_name = alice.get_json("/api/v2.0/projects/team-a", 200).await;
    assert_eq!(by_name["project_id"], id);
    let members = alice
        .get_json(&format!("/api/v2.0/projects/{id}/members"), 200)
        .await;
    assert_eq!(members[0]["entity_name"], "alice");
    assert_eq!(members[0]["role_name"], "projectAdmin");

    let audit: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE resource_type = 'project' AND resource = 'team-a' AND operation = 'create' AND username = 'alice'",
    )
    .fetch_one(app.platform.db())
    .await
    .unwrap();
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn project_names_follow_harbors_rule_and_are_unique() {
    let app = TestApp::spawn().await;
    for bad in ["", "Upper", "-lead", "a..b", "has space", &"x".repeat(256)] {
        let response = app
            .admin()
            .post_json("/api/v2.0/projects", &json!({"project_name": bad}))
            .await;
        assert_eq!(response.status(), 400, "{bad:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "BAD_REQUEST");
    }
    app.new_project(&app.admin(), "library", true).await;
    let duplicate = app
        .admin()
        .post_json("/api/v2.0/projects", &json!({"project_name": "library"}))
        .await;
    assert_eq!(duplicate.status(), 409);
    assert_eq!(
        app.admin()
            .head("/api/v2.0/projects?project_name=library")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.admin()
            .head("/api/v2.0/projects?project_name=nothing")
            .await
            .status(),
        404
    );
    assert_eq!(
        app.anonymous()
            .head("/api/v2.0/projects?project_name=library")
            .await
            .status(),
        401
    );

    let limit = app
        .admin()
        .post_json(
            "/api/v2.0/projects",
            &json!({"project_name": "sized", "storage_limit": 0}),
        )
        .await;
    assert_eq!(limit.status(), 400);
}

#[tokio::test]
async fn listings_show_only_what_the_caller_may_see_and_count_the_same() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.new_user("alice").await;
    let (bob, _) = app.new_user("bob").await;
    app.new_project(&app.admin(), "public-one", true).await;
    app.new_project(&alice, "alice-private", false).await;
    app.new_project(&bob, "bob-private", false).await;

    let names = |value: serde_json::Value| -> Vec<String> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let as_alice = alice.get("/api/v2.0/projects?sort=name").await;
    assert_eq!(as_alice.headers()["x-total-count"], "2");
    let listed: serde_json::Value = as_alice.json().await.unwrap();
    let roles: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["current_user_role_id"].as_i64().unwrap())
        .collect();
    assert_eq!(roles, [1, 0], "the caller's role in each listed project");
    assert_eq!(names(listed), ["alice-private", "public-one"]);

    let anonymous = app.anonymous().get("/api/v2.0/projects").await;
    assert_eq!(anonymous.headers()["x-total-count"], "1");
    assert_eq!(names(anonymous.json().await.unwrap()), ["public-one"]);

    let admin = app
        .admin()
        .get("/api/v2.0/projects?sort=-name&page_size=2")
        .await;
    assert_eq!(admin.headers()["x-total-count"], "3");
    assert!(admin.headers()["link"].to_str().unwrap().contains("page=2"));
    assert_eq!(
        names(admin.json().await.unwrap()),
        ["public-one", "bob-private"]
    );

    // Filters never widen visibility.
    let searched = alice.get("/api/v2.0/projects?name=private").await;
    assert_eq!(searched.headers()["x-total-count"], "1");
    let by_q = alice
        .get_json("/api/v2.0/projects?q=public%3Dfalse", 200)
        .await;
    assert_eq!(names(by_q), ["alice-private"]);
    assert_eq!(
        alice.get("/api/v2.0/projects?sort=owner").await.status(),
        400
    );
    assert_eq!(
        alice
            .get("/api/v2.0/projects?page_size=1000")
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn a_private_project_is_indistinguishable_from_a_missing_one_for_outsiders() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.new_user("alice").await;
    let (mallory, _) = app.new_user("mallory").await;
    let id = app.new_project(&alice, "secret", false).await;
    let members = alice
        .get_json(&format!("/api/v2.0/projects/{id}/members"), 200)
        .await;
    let member_id = members[0]["id"].as_i64().unwrap();
    let missing = id + 1000;

    let probes: Vec<(reqwest::Method, String, Option<serde_json::Value>)> = vec![
        (reqwest::Method::GET, "/api/v2.0/projects/{p}".into(), None),
        (
            reqwest::Method::PUT,
            "/api/v2.0/projects/{p}".into(),
            Some(json!({"public": true})),
        ),
        (
            reqwest::Method::DELETE,
            "/api/v2.0/projects/{p}".into(),
            None,
        ),
        (
            reqwest::Method::GET,
            "/api/v2.0/projects/{p}/summary".into(),
            None,
        ),
        (
            reqwest::Method::GET,
            "/api/v2.0/projects/{p}/members".into(),
            None,
        ),
        (
            reqwest::Method::POST,
            "/api/v2.0/projects/{p}/members".into(),
            Some(json!({"role_id": 1, "member_user": {"username": "mallory"}})),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v2.0/projects/{{p}}/members/{member_id}"),
            None,
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v2.0/projects/{{p}}/members/{member_id}"),
            Some(json!({"role_id": 1})),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/v2.0/projects/{{p}}/members/{member_id}"),
            None,
        ),
    ];
    for (method, template, body) in probes {
        let mut answers = Vec::new();
        for target in [
            id.to_string(),
            "secret".to_owned(),
            missing.to_string(),
            "no-such-project".to_owned(),
        ] {
            let path = template.replace("{p}", &target);
            let mut request = mallory.request(method.clone(), &path);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            let message = body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .replace(&target, "<p>");
            answers.push((status, body["errors"][0]["code"].clone(), message));
        }
        assert!(
            answers.iter().all(|a| a == &answers[0]),
            "{method} {template}: {answers:?}"
        );
        assert_eq!(answers[0].0, 404, "{method} {template}");
    }
    // Nothing changed behind the 404s.
    let project = alice
        .get_json(&format!("/api/v2.0/projects/{id}"), 200)
        .await;
    assert_eq!(project["metadata"]["public"], "false");
    let members = alice
        .get_json(&format!("/api/v2.0/projects/{id}/members"), 200)
        .await;
    assert_eq!(members.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn roles_decide_who_manages_members_and_the_project() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    let (dev, dev_id) = app.new_user("dev").await;
    let (guest, guest_id) = app.new_user("guest").await;
    let (_, other_id) = app.new_user("other").await;
    let id = app.new_project(&owner, "team", false).await;
    app.add_member(id, dev_id, 2).await;
    app.add_member(id, guest_id, 3).await;
    let members_path = format!("/api/v2.0/projects/{id}/members");

    // Everyone in the project sees it and its members.
    for caller in [&dev, &guest] {
        assert_eq!(
            caller
                .get(&format!("/api/v2.0/projects/{id}"))
                .await
                .status(),
            200
        );
        assert_eq!(caller.get(&members_path).await.status(), 200);
    }
    // Only the project admin changes membership, settings or the project.
    let add = json!({"role_id": 3, "member_user": {"user_id": other_id}});
    assert_eq!(dev.post_json(&members_path, &add).await.status(), 403);
    assert_eq!(
        guest
            .put_json(
                &format!("/api/v2.0/projects/{id}"),
                &json!({"public": true})
            )
            .await
            .status(),
        403
    );
    assert_eq!(
        dev.delete(&format!("/api/v2.0/projects/{id}"))
            .await
            .status(),
        403
    );
    assert_eq!(owner.post_json(&members_path, &add).await.status(), 201);
    assert_eq!(owner.post_json(&members_path, &add).await.status(), 409);
    let bad_role = json!({"role_id": 9, "member_user": {"user_id": other_id}});
    assert_eq!(
        owner.post_json(&members_path, &bad_role).await.status(),
        400
    );

    let members = owner.get_json(&members_path, 200).await;
    let guest_member = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["entity_name"] == "guest")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let promote = owner
        .put_json(
            &format!("{members_path}/{guest_member}"),
            &json!({"role_id": 4}),
        )
        .await;
    assert_eq!(promote.status(), 200);
    let member = owner
        .get_json(&format!("{members_path}/{guest_member}"), 200)
        .await;
    assert_eq!(member["role_name"], "maintainer");
    assert_eq!(
        guest
            .get_json(&format!("/api/v2.0/projects/{id}"), 200)
            .await["current_user_role_id"],
        4
    );

    let summary = owner
        .get_json(&format!("/api/v2.0/projects/{id}/summary"), 200)
        .await;
    assert_eq!(summary["project_admin_count"], 1);
    assert_eq!(summary["maintainer_count"], 1);
    assert_eq!(summary["developer_count"], 1);
    assert_eq!(summary["guest_count"], 1);

    assert_eq!(
        owner
            .delete(&format!("{members_path}/{guest_member}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        guest
            .get(&format!("/api/v2.0/projects/{id}"))
            .await
            .status(),
        404,
        "removed member loses access"
    );

    let updated = owner
        .put_json(
            &format!("/api/v2.0/projects/{id}"),
            &json!({"metadata": {"public": "true", "auto_scan": "true"}}),
        )
        .await;
    assert_eq!(updated.status(), 200);
    let project = guest
        .get_json(&format!("/api/v2.0/projects/{id}"), 200)
        .await;
    assert_eq!(project["metadata"]["public"], "true");
    assert_eq!(project["metadata"]["auto_scan"], "true");
    let quota = owner
        .put_json(
            &format!("/api/v2.0/projects/{id}"),
            &json!({"storage_limit": 1024}),
        )
        .await;
    assert_eq!(quota.status(), 403, "only administrators change quotas");

    assert_eq!(
        owner
            .delete(&format!("/api/v2.0/projects/{id}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        owner
            .get(&format!("/api/v2.0/projects/{id}"))
            .await
            .status(),
        404
    );
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT operation FROM audit_log WHERE project_id = $1 AND resource_type IN ('project', 'member') ORDER BY id",
    )
    .bind(id)
    .fetch_all(app.platform.db())
    .await
    .unwrap();
    assert_eq!(
        audited,
        [
            "create", "create", "create", "create", "update", "delete", "update", "delete"
        ],
        "every change audited in order"
    );
}

#[tokio::test]
async fn member_ids_of_another_project_are_not_reachable_through_mine() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.new_user("alice").await;
    let (bob, _) = app.new_user("bob").await;
    let mine = app.new_project(&alice, "mine", false).await;
    let theirs = app.new_project(&bob, "theirs", false).await;
    let their_members = bob
        .get_json(&format!("/api/v2.0/projects/{theirs}/members"), 200)
        .await;
    let their_member = their_members[0]["id"].as_i64().unwrap();

    let path = format!("/api/v2.0/projects/{mine}/members/{their_member}");
    assert_eq!(alice.get(&path).await.status(), 404);
    assert_eq!(
        alice.put_json(&path, &json!({"role_id": 3})).await.status(),
        404
    );
    assert_eq!(alice.delete(&path).await.status(), 404);
    let still = bob
        .get_json(
            &format!("/api/v2.0/projects/{theirs}/members/{their_member}"),
            200,
        )
        .await;
    assert_eq!(still["role_name"], "projectAdmin");
}

#[tokio::test]
async fn permission_listings_describe_what_may_be_granted_and_what_is_held() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.new_user("owner").await;
    let (guest, guest_id) = app.new_user("guest").await;
    let id = app.new_project(&owner, "team", false).await;
    app.add_member(id, guest_id, 3).await;

    let all = app.admin().get_json("/api/v2.0/permissions", 200).await;
    assert_eq!(all["system"].as_array().unwrap().len(), 70);
    assert_eq!(all["project"].as_array().unwrap().len(), 70);
    let for_project_admin = owner.get_json("/api/v2.0/permissions", 200).await;
    assert!(for_project_admin.get("system").is_none());
    assert_eq!(for_project_admin["project"].as_array().unwrap().len(), 70);
    let refused = guest.get("/api/v2.0/permissions").await;
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["message"],
        "only admins(system and project) can access permissions"
    );

    let held = guest
        .get_json(
            &format!("/api/v2.0/users/current/permissions?scope=/project/{id}&relative=true"),
            200,
        )
        .await;
    let pairs: Vec<String> = held
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p["resource"].as_str().unwrap(),
                p["action"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(pairs.len(), 20, "a guest's twenty permissions: {pairs:?}");
    assert!(pairs.contains(&".:read".to_owned()));
    assert!(pairs.contains(&"repository:pull".to_owned()));
    assert!(!pairs.contains(&"repository:push".to_owned()));
    let absolute = guest
        .get_json(
            &format!("/api/v2.0/users/current/permissions?scope=/project/{id}"),
            200,
        )
        .await;
    assert!(
        absolute
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["resource"] == format!("/project/{id}/repository"))
    );
    let system = guest
        .get_json("/api/v2.0/users/current/permissions?scope=/system", 200)
        .await;
    assert!(system.as_array().unwrap().is_empty());
    let (outsider, _) = app.new_user("outsider").await;
    assert_eq!(
        outsider
            .get(&format!(
                "/api/v2.0/users/current/permissions?scope=/project/{id}"
            ))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_project_with_repositories_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let id = app.new_project(&app.admin(), "busy", false).await;
    let token = app
        .admin()
        .registry_token(&["repository:busy/app:pull,push"])
        .await;
    let blob = b"layer";
    let digest = format!("sha256:{}", sha256_hex(blob));
    let pushed = app
        .client
        .post(app.url(&format!("/v2/busy/app/blobs/uploads/?digest={digest}")))
        .bearer_auth(&token)
        .body(blob.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), 201);

    let project = app
        .admin()
        .get_json(&format!("/api/v2.0/projects/{id}"), 200)
        .await;
    assert_eq!(project["repo_count"], 1);
    let listed = app
        .admin()
        .get_json("/api/v2.0/projects?name=busy", 200)
        .await;
    assert_eq!(listed[0]["repo_count"], 1);
    let summary = app
        .admin()
        .get_json(&format!("/api/v2.0/projects/{id}/summary"), 200)
        .await;
    assert_eq!(summary["repo_count"], 1);
    assert_eq!(summary["quota"]["used"]["storage"], blob.len());

    let refused = app
        .admin()
        .delete(&format!("/api/v2.0/projects/{id}"))
        .await;
    assert_eq!(refused.status(), 412);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "PRECONDITION");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("still has repositories")
    );
    assert_eq!(
        app.admin()
            .get(&format!("/api/v2.0/projects/{id}"))
            .await
            .status(),
        200
    );
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}
