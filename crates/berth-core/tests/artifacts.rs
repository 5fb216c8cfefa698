//! Artifacts, their tags, labels, accessories, additions and copies, as
//! Harbor's API shows them.

use berth_testkit::{Caller, OCI_INDEX, OCI_MANIFEST, Pushed, TestApp, sha256};
use serde_json::{Value, json};

const BASE: &str = "/api/v2.0/projects/team/repositories/app/artifacts";

async fn list(caller: &Caller<'_>, query: &str) -> (Vec<Value>, String) {
    let response = caller.get(&format!("{BASE}?{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    let total = response.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .to_owned();
    (response.json().await.unwrap(), total)
}

async fn create(caller: &Caller<'_>, body: Value) -> reqwest::Response {
    caller.post_json("/api/v2.0/labels", &body).await
}

async fn copy(caller: &Caller<'_>, to: &str, from: String) -> reqwest::Response {
    caller
        .request(
            reqwest::Method::POST,
            &format!("/api/v2.0/projects/{to}/artifacts?from={from}"),
        )
        .send()
        .await
        .unwrap()
}

/// Two images, an index of both, and a signature attached to the index.
async fn populate(admin: &Caller<'_>) -> (Pushed, Pushed, String, String) {
    let amd = admin.push_image("team/app", "amd", "amd").await;
    let arm = admin.push_image("team/app", "arm", "arm").await;
    let token = admin
        .registry_token(&["repository:team/app:pull,push"])
        .await;
    let entry = |pushed: &Pushed, arch: &str| {
        json!({"mediaType": OCI_MANIFEST, "digest": pushed.digest, "size": pushed.manifest.len(),
               "platform": {"architecture": arch, "os": "linux"}})
    };
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [entry(&amd, "amd64"), entry(&arm, "arm64")],
    }))
    .unwrap();
    assert_eq!(
        admin
            .push_manifest(&token, "team/app", "multi", OCI_INDEX, &index)
            .await,
        201
    );
    let empty = b"{}";
    assert_eq!(admin.push_blob(&token, "team/app", empty).await, 201);
    let signature = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(empty), "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(empty), "size": 2}],
        "subject": {"mediaType": OCI_INDEX, "digest": sha256(&index), "size": index.len()},
    }))
    .unwrap();
    assert_eq!(
        admin
            .push_manifest(
                &token,
                "team/app",
                &sha256(&signature),
                OCI_MANIFEST,
                &signature
            )
            .await,
        201
    );
    (amd, arm, sha256(&index), sha256(&signature))
}

#[tokio::test]
async fn artifacts_list_top_level_with_harbor_fields_filters_and_paging() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.new_project(&admin, "team", false).await;
    let (amd, _arm, index, signature) = populate(&admin).await;

    // Index entries and accessories are not listed on their own.
    let (artifacts, total) = list(&admin, "").await;
    assert_eq!(total, "1");
    let multi = &artifacts[0];
    assert_eq!(multi["digest"], index);
    assert_eq!(multi["type"], "IMAGE");
    assert_eq!(multi["manifest_media_type"], OCI_INDEX);
    assert_eq!(multi["repository_name"], "team/app");
    assert_eq!(multi["pull_time"], "0001-01-01T00:00:00.000Z");
    assert_eq!(multi["tags"][0]["name"], "multi");
    let references = multi["references"].as_array().unwrap();
    assert_eq!(references.len(), 2);
    assert_eq!(references[0]["platform"]["architecture"], "amd64");
    assert_eq!(references[0]["child_digest"], amd.digest);
    assert!(multi.get("accessories").is_none());

    // An image by tag: its config's attributes, type and additions.
    let image = admin.get_json(&format!("{BASE}/amd"), 200).await;
    assert_eq!(image["digest"], amd.digest);
    assert_eq!(
        image["media_type"],
        "application/vnd.oci.image.config.v1+json"
    );
    assert_eq!(image["manifest_media_type"], OCI_MANIFEST);
    assert_eq!(
        image["size"],
        (amd.manifest.len() as u64 + amd.blob_bytes),
        "the manifest with its config and layer"
    );
    assert_eq!(image["extra_attrs"]["architecture"], "amd64");
    assert_eq!(image["extra_attrs"]["os"], "linux");
    assert_eq!(
        image["annotations"]["org.opencontainers.image.title"],
        "amd"
    );
    assert!(
        image["addition_links"]["build_history"]["href"]
            .as_str()
            .unwrap()
            .ends_with(&format!(
                "/artifacts/{}/additions/build_history",
                amd.digest
            ))
    );
    let by_digest = admin.get_json(&format!("{BASE}/{}", amd.digest), 200).await;
    assert_eq!(by_digest["id"], image["id"]);
    let history = admin
        .get_json(&format!("{BASE}/amd/additions/build_history"), 200)
        .await;
    assert!(history.is_array());
    assert_eq!(
        admin
            .get(&format!("{BASE}/amd/additions/values.yaml"))
            .await
            .status(),
        404
    );

    // Accessories: on request, and on their own endpoint.
    let with = admin
        .get_json(&format!("{BASE}/multi?with_accessory=true"), 200)
        .await;
    assert_eq!(with["accessories"][0]["digest"], signature);
    assert_eq!(with["accessories"][0]["type"], "signature.cosign");
    assert_eq!(with["accessories"][0]["subject_artifact_digest"], index);
    let accessories = admin
        .get_json(&format!("{BASE}/multi/accessories"), 200)
        .await;
    assert_eq!(accessories.as_array().unwrap().len(), 1);

    // Filters: tagged, untagged, fuzzy tag, and errors with positions.
    admin.push_image("team/app", "v1.0", "one").await;
    admin.push_image("team/app", "v2.0", "two").await;
    let (tagged, _) = list(&admin, "q=tags%3D*").await;
    assert_eq!(tagged.len(), 3);
    let (fuzzy, _) = list(&admin, "q=tags%3D~v1").await;
    assert_eq!(fuzzy.len(), 1);
    assert_eq!(fuzzy[0]["tags"][0]["name"], "v1.0");
    let (untagged, _) = list(&admin, "q=tags%3Dnil").await;
    assert!(untagged.is_empty());
    let (any, _) = list(&admin, "q=tags%3D%7Bv1.0%20v2.0%7D").await;
    assert_eq!(any.len(), 2);
    let (paged, total) = list(&admin, "page_size=2&page=2&sort=push_time").await;
    assert_eq!(total, "3");
    assert_eq!(paged.len(), 1);
    assert_eq!(paged[0]["tags"][0]["name"], "v2.0");
    let (untags, _) = list(&admin, "with_tag=false").await;
    assert!(untags[0]["tags"].as_array().unwrap().is_empty());
    let refused = admin.get(&format!("{BASE}?q=size%3D~1")).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("position 0")
    );
}

#[tokio::test]
async fn tags_are_created_listed_and_deleted_per_artifact() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let team = app.new_project(&admin, "team", false).await;
    let pushed = admin.push_image("team/app", "v1", "one").await;
    admin.push_image("team/app", "other", "two").await;

    let created = admin
        .post_json(&format!("{BASE}/v1/tags"), &json!({"name": "stable"}))
        .await;
    assert_eq!(created.status(), 201);
    let tags = admin
        .get_json(&format!("{BASE}/{}/tags?sort=name", pushed.digest), 200)
        .await;
    let names: Vec<&str> = tags
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["stable", "v1"]);
    assert_eq!(tags[0]["immutable"], false);
    let duplicate = admin
        .post_json(&format!("{BASE}/v1/tags"), &json!({"name": "other"}))
        .await;
    assert_eq!(duplicate.status(), 409);
    let invalid = admin
        .post_json(&format!("{BASE}/v1/tags"), &json!({"name": ".bad"}))
        .await;
    assert_eq!(invalid.status(), 400);

    // A guest lists but does not change tags.
    let (guest, guest_id) = app.new_user("guest").await;
    app.add_member(team, guest_id, 3).await;
    assert_eq!(guest.get(&format!("{BASE}/v1/tags")).await.status(), 200);
    assert_eq!(
        guest
            .post_json(&format!("{BASE}/v1/tags"), &json!({"name": "mine"}))
            .await
            .status(),
        403
    );
    assert_eq!(
        guest
            .delete(&format!("{BASE}/v1/tags/stable"))
            .await
            .status(),
        403
    );
    // A tag of another artifact is not this artifact's to delete.
    assert_eq!(
        admin
            .delete(&format!("{BASE}/v1/tags/other"))
            .await
            .status(),
        404
    );
    assert_eq!(
        admin
            .delete(&format!("{BASE}/v1/tags/stable"))
            .await
            .status(),
        200
    );
    let token = admin.registry_token(&["repository:team/app:pull"]).await;
    let pulled = app
        .client
        .get(app.url("/v2/team/app/manifests/stable"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(pulled.status(), 404, "the registry sees the tag gone");
}

#[tokio::test]
async fn labels_are_scoped_attached_filtered_and_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let team = app.new_project(&admin, "team", false).await;
    let other = app.new_project(&admin, "other", false).await;
    let pushed = admin.push_image("team/app", "v1", "one").await;
    admin.push_image("team/app", "v2", "two").await;
    let (owner, owner_id) = app.new_user("owner").await;
    app.add_member(team, owner_id, 1).await;

    let global = create(&admin, json!({"name": "prod", "color": "#00FF00"})).await;
    assert_eq!(global.status(), 201);
    let global_id = berth_testkit::location_id(&global);
    assert_eq!(
        create(&owner, json!({"name": "mine"})).await.status(),
        403,
        "global labels are for administrators"
    );
    assert_eq!(create(&admin, json!({"name": "prod"})).await.status(), 409);
    let project_label = create(
        &owner,
        json!({"name": "prod", "scope": "p", "project_id": team}),
    )
    .await;
    assert_eq!(
        project_label.status(),
        201,
        "a name may repeat across scopes"
    );
    let project_label_id = berth_testkit::location_id(&project_label);
    let foreign = create(
        &admin,
        json!({"name": "theirs", "scope": "p", "project_id": other}),
    )
    .await;
    let foreign_id = berth_testkit::location_id(&foreign);

    // The owner reads global labels and their project's, not another's.
    let shown = owner
        .get_json(&format!("/api/v2.0/labels/{project_label_id}"), 200)
        .await;
    assert_eq!(shown["scope"], "p");
    assert_eq!(shown["project_id"], team);
    assert_eq!(
        owner
            .get(&format!("/api/v2.0/labels/{foreign_id}"))
            .await
            .status(),
        404
    );
    let globals = owner.get_json("/api/v2.0/labels?scope=g", 200).await;
    assert_eq!(globals.as_array().unwrap().len(), 1);
    let theirs = owner
        .get(&format!("/api/v2.0/labels?scope=p&project_id={other}"))
        .await;
    assert_eq!(theirs.status(), 404);

    // Attach: global or own project's labels only, once.
    let attach = |id: i64| {
        let owner = owner.clone();
        async move {
            owner
                .post_json(&format!("{BASE}/v1/labels"), &json!({"id": id}))
                .await
                .status()
        }
    };
    assert_eq!(attach(global_id).await, 200);
    assert_eq!(attach(project_label_id).await, 200);
    assert_eq!(attach(global_id).await, 409);
    assert_eq!(attach(foreign_id).await, 404);
    let labelled = owner
        .get_json(&format!("{BASE}/v1?with_label=true"), 200)
        .await;
    assert_eq!(labelled["labels"].as_array().unwrap().len(), 2);
    let (both, _) = list(
        &owner,
        &format!("q=labels%3D%28{global_id}%20{project_label_id}%29&with_label=true"),
    )
    .await;
    assert_eq!(both.len(), 1);
    assert_eq!(both[0]["digest"], pushed.digest);

    // Updates and deletion; deleting a label takes it off every artifact.
    let renamed = owner
        .put_json(
            &format!("/api/v2.0/labels/{project_label_id}"),
            &json!({"name": "production", "description": "live"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(
        owner
            .delete(&format!("{BASE}/v1/labels/{global_id}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        owner
            .delete(&format!("{BASE}/v1/labels/{global_id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        owner
            .delete(&format!("/api/v2.0/labels/{project_label_id}"))
            .await
            .status(),
        200
    );
    let bare = owner
        .get_json(&format!("{BASE}/v1?with_label=true"), 200)
        .await;
    assert!(bare["labels"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn artifacts_copy_across_projects_with_permission_on_both_sides() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let team = app.new_project(&admin, "team", false).await;
    let other = app.new_project(&admin, "other", false).await;
    let (amd, _, index, _) = populate(&admin).await;
    let (dev, dev_id) = app.new_user("dev").await;
    app.add_member(team, dev_id, 3).await;
    app.add_member(other, dev_id, 2).await;

    // The index and its entries arrive together; the tag comes along.
    let copied = copy(&dev, "other/repositories/copy", "team/app:multi".into()).await;
    assert_eq!(copied.status(), 201);
    assert!(
        copied.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&index)
    );
    let shown = dev
        .get_json(
            "/api/v2.0/projects/other/repositories/copy/artifacts/multi",
            200,
        )
        .await;
    assert_eq!(shown["digest"], index);
    assert_eq!(shown["references"].as_array().unwrap().len(), 2);
    let token = dev.registry_token(&["repository:other/copy:pull"]).await;
    let child = app
        .client
        .get(app.url(&format!("/v2/other/copy/manifests/{}", amd.digest)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(child.status(), 200);
    assert_eq!(
        child.bytes().await.unwrap().as_ref(),
        amd.manifest.as_slice()
    );

    // Pull on the source and push on the destination are both required.
    let guest_target = copy(
        &dev,
        "team/repositories/back",
        format!("other/copy@{index}"),
    )
    .await;
    assert_eq!(
        guest_target.status(),
        403,
        "a guest of team cannot push there"
    );
    let (stranger, _) = app.new_user("stranger").await;
    let unseen = copy(&stranger, "other/repositories/x", "team/app:multi".into()).await;
    assert_eq!(unseen.status(), 404);
    let malformed = copy(&dev, "other/repositories/copy", "team/app".into()).await;
    assert_eq!(malformed.status(), 400);
    let missing = copy(&dev, "other/repositories/copy", "team/app:nope".into()).await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn deleting_artifacts_respects_indexes_and_takes_accessories_along() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let team = app.new_project(&admin, "team", false).await;
    let (amd, _, index, signature) = populate(&admin).await;
    let (dev, dev_id) = app.new_user("dev").await;
    app.add_member(team, dev_id, 2).await;

    assert_eq!(
        dev.delete(&format!("{BASE}/{}", index)).await.status(),
        403,
        "developers do not delete artifacts"
    );
    let listed = admin.delete(&format!("{BASE}/{}", amd.digest)).await;
    assert_eq!(listed.status(), 412, "an index still lists it");
    assert_eq!(admin.delete(&format!("{BASE}/multi")).await.status(), 200);
    assert_eq!(
        admin.get(&format!("{BASE}/{signature}")).await.status(),
        404,
        "the signature went with its subject"
    );
    // Its entries are top-level now, and deletable.
    let (remaining, total) = list(&admin, "").await;
    assert_eq!(total, "2", "{remaining:?}");
    assert_eq!(
        admin
            .delete(&format!("{BASE}/{}", amd.digest))
            .await
            .status(),
        200
    );
}

/// A Helm chart archive: `demo/Chart.yaml`, `demo/values.yaml`,
/// `demo/README.md`, gzipped.
fn chart_archive() -> Vec<u8> {
    let mut archive = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, text) in [
        (
            "demo/Chart.yaml",
            "apiVersion: v2\nname: demo\nversion: 1.0.0\n",
        ),
        ("demo/values.yaml", "replicas: 3\n"),
        ("demo/README.md", "# Demo chart\n"),
        ("demo/templates/values.yaml", "not: this one\n"),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        archive
            .append_data(&mut header, path, text.as_bytes())
            .unwrap();
    }
    archive.into_inner().unwrap().finish().unwrap()
}

#[tokio::test]
async fn helm_charts_show_their_values_and_readme() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.new_project(&admin, "team", false).await;
    let token = admin
        .registry_token(&["repository:team/charts/demo:pull,push"])
        .await;
    let config = br#"{"name":"demo","version":"1.0.0","apiVersion":"v2"}"#;
    let archive = chart_archive();
    for blob in [&config[..], &archive] {
        assert_eq!(admin.push_blob(&token, "team/charts/demo", blob).await, 201);
    }
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": sha256(config), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "digest": sha256(&archive), "size": archive.len()}],
    }))
    .unwrap();
    assert_eq!(
        admin
            .push_manifest(&token, "team/charts/demo", "1.0.0", OCI_MANIFEST, &manifest)
            .await,
        201
    );
    let base = "/api/v2.0/projects/team/repositories/charts%252Fdemo/artifacts/1.0.0";
    let chart = admin.get_json(base, 200).await;
    assert_eq!(chart["type"], "CHART");
    let links: Vec<&String> = chart["addition_links"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(links, ["readme.md", "values.yaml"]);
    let values = admin.get(&format!("{base}/additions/values.yaml")).await;
    assert_eq!(values.status(), 200);
    assert_eq!(values.text().await.unwrap(), "replicas: 3\n");
    let readme = admin.get(&format!("{base}/additions/readme.md")).await;
    assert_eq!(readme.text().await.unwrap(), "# Demo chart\n");
    assert_eq!(
        admin
            .get(&format!("{base}/additions/build_history"))
            .await
            .status(),
        404
    );
}
