//! The distribution API over raw HTTP: every endpoint and its errors.

use berth_testkit::TestApp;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

fn digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

struct Registry<'a> {
    app: &'a TestApp,
    token: String,
}

impl Registry<'_> {
    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Response {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        request.send().await.unwrap()
    }

    async fn push_blob(&self, repo: &str, data: &[u8]) -> String {
        let d = digest(data);
        let response = self
            .send(
                Method::POST,
                &format!("/v2/{repo}/blobs/uploads/?digest={d}"),
                &[],
                Some(data.to_vec()),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        d
    }

    async fn push_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        body: &Value,
    ) -> Response {
        self.send(
            Method::PUT,
            &format!("/v2/{repo}/manifests/{reference}"),
            &[("content-type", media_type)],
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await
    }

    /// An image whose config and layer are pushed; returns the manifest.
    async fn image(&self, repo: &str, seed: &str) -> Value {
        let config = format!(r#"{{"architecture":"amd64","os":"linux","seed":"{seed}"}}"#);
        let config_digest = self.push_blob(repo, config.as_bytes()).await;
        let layer = format!("layer-{seed}").repeat(100);
        let layer_digest = self.push_blob(repo, layer.as_bytes()).await;
        json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer.len()}],
        })
    }
}

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

#[derive(Clone, Copy)]
enum Backend {
    Filesystem,
    S3,
}

/// The platform on the given blob backend.
async fn spawn(backend: Backend) -> TestApp {
    let builder = TestApp::builder();
    let builder = match backend {
        Backend::Filesystem => builder,
        Backend::S3 => match builder.s3_storage() {
            Some(builder) => builder,
            None => TestApp::builder(),
        },
    };
    let app = builder.spawn().await.expect("test app starts");
    app.wait_ready().await;
    app
}

async fn setup(backend: Backend) -> (TestApp, String) {
    let app = spawn(backend).await;
    app.new_project(&app.admin(), "team", false).await;
    app.new_project(&app.admin(), "other", false).await;
    let token = app
        .admin()
        .registry_token(&[
            "repository:team/app:pull,push,delete",
            "repository:other/app:pull,push",
        ])
        .await;
    (app, token)
}

async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn monolithic_blobs_push_and_read_back_whole_and_by_range(backend: Backend) {
    let (app, token) = setup(backend).await;
    let registry = Registry { app: &app, token };
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let d = registry.push_blob("team/app", &data).await;

    let head = registry
        .send(Method::HEAD, &format!("/v2/team/app/blobs/{d}"), &[], None)
        .await;
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], "100000");
    assert_eq!(head.headers()["docker-content-digest"], d.as_str());
    assert_eq!(head.headers()["accept-ranges"], "bytes");

    let get = registry
        .send(Method::GET, &format!("/v2/team/app/blobs/{d}"), &[], None)
        .await;
    assert_eq!(get.bytes().await.unwrap().as_ref(), data.as_slice());

    let ranged = registry
        .send(
            Method::GET,
            &format!("/v2/team/app/blobs/{d}"),
            &[("range", "bytes=10-19")],
            None,
        )
        .await;
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.headers()["content-range"], "bytes 10-19/100000");
    assert_eq!(ranged.bytes().await.unwrap().as_ref(), &data[10..20]);

    let outside = registry
        .send(
            Method::GET,
            &format!("/v2/team/app/blobs/{d}"),
            &[("range", "bytes=200000-")],
            None,
        )
        .await;
    assert_eq!(outside.status(), 416);

    // Visible only where it was pushed.
    let elsewhere = registry
        .send(Method::HEAD, &format!("/v2/other/app/blobs/{d}"), &[], None)
        .await;
    assert_eq!(elsewhere.status(), 404);
    let unknown = registry
        .send(
            Method::GET,
            &format!("/v2/team/app/blobs/{}", digest(b"nothing")),
            &[],
            None,
        )
        .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(error_code(unknown).await, "BLOB_UNKNOWN");
}

async fn a_digest_mismatch_commits_nothing(backend: Backend) {
    let (app, token) = setup(backend).await;
    let registry = Registry { app: &app, token };
    let claimed = digest(b"what I claim");
    let response = registry
        .send(
            Method::POST,
            &format!("/v2/team/app/blobs/uploads/?digest={claimed}"),
            &[],
            Some(b"what I send".to_vec()),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(response).await, "DIGEST_INVALID");
    let head = registry
        .send(
            Method::HEAD,
            &format!("/v2/team/app/blobs/{claimed}"),
            &[],
            None,
        )
        .await;
    assert_eq!(head.status(), 404);
}

async fn chunked_uploads_enforce_order_report_progress_and_verify(backend: Backend) {
    let (app, token) = setup(backend).await;
    let registry = Registry { app: &app, token };
    let data: Vec<u8> = (0..250_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let start = registry
        .send(Method::POST, "/v2/team/app/blobs/uploads/", &[], None)
        .await;
    assert_eq!(start.status(), 202);
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(start.headers().contains_key("docker-upload-uuid"));

    let first = registry
        .send(
            Method::PATCH,
            &location,
            &[("content-range", "0-99999")],
            Some(data[..100_000].to_vec()),
        )
        .await;
    assert_eq!(first.status(), 202);
    assert_eq!(first.headers()["range"], "0-99999");

    let out_of_order = registry
        .send(
            Method::PATCH,
            &location,
            &[("content-range", "150000-199999")],
            Some(data[150_000..200_000].to_vec()),
        )
        .await;
    assert_eq!(out_of_order.status(), 416);
    assert_eq!(out_of_order.headers()["range"], "0-99999");

    let second = registry
        .send(
            Method::PATCH,
            &location,
            &[("content-range", "100000-199999")],
            Some(data[100_000..200_000].to_vec()),
        )
        .await;
    assert_eq!(second.status(), 202);
    let status = registry.send(Method::GET, &location, &[], None).await;
    assert_eq!(status.status(), 204);
    assert_eq!(status.headers()["range"], "0-199999");

    // The session is this repository's alone.
    let id = location.rsplit('/').next().unwrap();
    let hijack = registry
        .send(
            Method::PATCH,
            &format!("/v2/other/app/blobs/uploads/{id}"),
            &[],
            Some(b"x".to_vec()),
        )
        .await;
    assert_eq!(hijack.status(), 404);
    assert_eq!(error_code(hijack).await, "BLOB_UPLOAD_UNKNOWN");

    let d = digest(&data);
    let done = registry
        .send(
            Method::PUT,
            &format!("{location}?digest={d}"),
            &[],
            Some(data[200_000..].to_vec()),
        )
        .await;
    assert_eq!(done.status(), 201);
    assert_eq!(done.headers()["docker-content-digest"], d.as_str());
    let get = registry
        .send(Method::GET, &format!("/v2/team/app/blobs/{d}"), &[], None)
        .await;
    assert_eq!(get.bytes().await.unwrap().len(), data.len());
    assert_eq!(
        registry
            .send(Method::GET, &location, &[], None)
            .await
            .status(),
        404,
        "session closed"
    );

    // A cancelled session is gone.
    let start = registry
        .send(Method::POST, "/v2/team/app/blobs/uploads/", &[], None)
        .await;
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        registry
            .send(Method::DELETE, &location, &[], None)
            .await
            .status(),
        204
    );
    assert_eq!(
        registry
            .send(Method::GET, &location, &[], None)
            .await
            .status(),
        404
    );
}

async fn manifests_need_their_blobs_and_serve_back_byte_for_byte(backend: Backend) {
    let (app, token) = setup(backend).await;
    let registry = Registry { app: &app, token };
    let manifest = registry.image("team/app", "one").await;

    let mut missing = manifest.clone();
    missing["layers"][0]["digest"] = json!(digest(b"never pushed"));
    let refused = registry
        .push_manifest("team/app", "broken", OCI_MANIFEST, &missing)
        .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(error_code(refused).await, "MANIFEST_BLOB_UNKNOWN");

    let invalid = registry
        .send(
            Method::PUT,
            "/v2/team/app/manifests/bad",
            &[("content-type", OCI_MANIFEST)],
            Some(b"{nope".to_vec()),
        )
        .await;
    assert_eq!(error_code(invalid).await, "MANIFEST_INVALID");
    let schema1 = registry
        .send(
            Method::PUT,
            "/v2/team/app/manifests/old",
            &[(
                "content-type",
                "application/vnd.docker.distribution.manifest.v1+prettyjws",
            )],
            Some(br#"{"schemaVersion":1}"#.to_vec()),
        )
        .await;
    assert_eq!(schema1.status(), 400);
    assert_eq!(error_code(schema1).await, "MANIFEST_INVALID");

    let pushed = registry
        .push_manifest("team/app", "v1", OCI_MANIFEST, &manifest)
        .await;
    assert_eq!(pushed.status(), 201);
    let manifest_digest = pushed.headers()["docker-content-digest"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        manifest_digest,
        digest(&serde_json::to_vec(&manifest).unwrap())
    );

    for reference in ["v1", manifest_digest.as_str()] {
        let got = registry
            .send(
                Method::GET,
                &format!("/v2/team/app/manifests/{reference}"),
                &[],
                None,
            )
            .await;
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["content-type"], OCI_MANIFEST);
        assert_eq!(
            got.headers()["docker-content-digest"],
            manifest_digest.as_str()
        );
        assert_eq!(
            got.bytes().await.unwrap().as_ref(),
            serde_json::to_vec(&manifest).unwrap().as_slice()
        );
    }
    let cached = registry
        .send(
            Method::GET,
            "/v2/team/app/manifests/v1",
            &[("if-none-match", &format!("\"{manifest_digest}\""))],
            None,
        )
        .await;
    assert_eq!(cached.status(), 304);
    let head = registry
        .send(Method::HEAD, "/v2/team/app/manifests/v1", &[], None)
        .await;
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"],
        serde_json::to_vec(&manifest).unwrap().len().to_string()
    );

    // A wrong digest in the path is refused.
    let wrong = registry
        .push_manifest("team/app", &digest(b"other"), OCI_MANIFEST, &manifest)
        .await;
    assert_eq!(error_code(wrong).await, "DIGEST_INVALID");

    // An index needs its children.
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [{"mediaType": OCI_MANIFEST, "digest": digest(b"absent child"), "size": 10}]});
    assert_eq!(
        error_code(
            registry
                .push_manifest("team/app", "multi", OCI_INDEX, &index)
                .await
        )
        .await,
        "MANIFEST_BLOB_UNKNOWN"
    );
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [{"mediaType": OCI_MANIFEST, "digest": manifest_digest, "size": 10}]});
    assert_eq!(
        registry
            .push_manifest("team/app", "multi", OCI_INDEX, &index)
            .await
            .status(),
        201
    );

    // Deleting a tag leaves the manifest; deleting the digest takes its tags.
    assert_eq!(
        registry
            .send(Method::DELETE, "/v2/team/app/manifests/multi", &[], None)
            .await
            .status(),
        202
    );
    assert_eq!(
        registry
            .send(Method::GET, "/v2/team/app/manifests/multi", &[], None)
            .await
            .status(),
        404
    );
    assert_eq!(
        registry
            .send(
                Method::DELETE,
                &format!("/v2/team/app/manifests/{manifest_digest}"),
                &[],
                None
            )
            .await
            .status(),
        202
    );
    let gone = registry
        .send(Method::GET, "/v2/team/app/manifests/v1", &[], None)
        .await;
    assert_eq!(gone.status(), 404);
    assert_eq!(error_code(gone).await, "MANIFEST_UNKNOWN");

    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT operation FROM audit_log WHERE resource_type = 'artifact' AND operation <> 'pull' ORDER BY id",
    )
    .fetch_all(app.platform.db())
    .await
    .unwrap();
    assert_eq!(audited, ["push", "push", "delete", "delete"]);
}

async fn tags_page_in_lexical_order(backend: Backend) {
    let (app, token) = setup(backend).await;
    let registry = Registry { app: &app, token };
    let manifest = registry.image("team/app", "tags").await;
    for tag in ["b", "a", "c", "B"] {
        assert_eq!(
            registry
                .push_manifest("team/app", tag, OCI_MANIFEST, &manifest)
                .await
                .status(),
            201
        );
    }
    let all: Value = registry
        .send(Method::GET, "/v2/team/app/tags/list", &[], None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        all,
        json!({"name": "team/app", "tags": ["B", "a", "b", "c"]})
    );
    let first = registry
        .send(Method::GET, "/v2/team/app/tags/list?n=2", &[], None)
        .await;
    assert_eq!(
        first.headers()["link"],
        "</v2/team/app/tags/list?n=2&last=a>; rel=\"next\""
    );
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["tags"], json!(["B", "a"]));
    let rest: Value = registry
        .send(Method::GET, "/v2/team/app/tags/list?n=2&last=a", &[], None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["tags"], json!(["b", "c"]));
    let none: Value = registry
        .send(Method::GET, "/v2/team/app/tags/list?n=0", &[], None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["tags"], json!([]));
    let past: Value = registry
        .send(Method::GET, "/v2/team/app/tags/list?last=zzz", &[], None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(past["tags"], json!([]));
    for bad in ["n=-1", "n=x", "n=2147483647"] {
        let response = registry
            .send(
                Method::GET,
                &format!("/v2/team/app/tags/list?{bad}"),
                &[],
                None,
            )
            .await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    let registry = Registry {
        app: &app,
        token: app
            .admin()
            .registry_token(&["repository:team/nothing:pull"])
            .await,
    };
    let unknown = registry
        .send(Method::GET, "/v2/team/nothing/tags/list", &[], None)
        .await;
    assert_eq!(error_code(unknown).await, "NAME_UNKNOWN");
}

async fn referrers_list_artifacts_by_subject_even_before_the_subject_exists(backend: Backend) {
    let (app, token) = setup(backend).await;
    let registry = Registry { app: &app, token };
    let subject_manifest = registry.image("team/app", "subject").await;
    let subject_digest = digest(&serde_json::to_vec(&subject_manifest).unwrap());
    let empty = registry.push_blob("team/app", b"{}").await;
    let signature = json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example.signature",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2}],
        "subject": {"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": 100},
    });
    let pushed = registry
        .push_manifest(
            "team/app",
            &digest(&serde_json::to_vec(&signature).unwrap()),
            OCI_MANIFEST,
            &signature,
        )
        .await;
    assert_eq!(
        pushed.status(),
        201,
        "a subject that does not exist yet is accepted"
    );
    assert_eq!(pushed.headers()["oci-subject"], subject_digest.as_str());
    assert_eq!(
        registry
            .push_manifest("team/app", "v1", OCI_MANIFEST, &subject_manifest)
            .await
            .status(),
        201
    );

    let referrers = registry
        .send(
            Method::GET,
            &format!("/v2/team/app/referrers/{subject_digest}"),
            &[],
            None,
        )
        .await;
    assert_eq!(referrers.status(), 200);
    assert_eq!(referrers.headers()["content-type"], OCI_INDEX);
    let index: Value = referrers.json().await.unwrap();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 1);
    assert_eq!(
        index["manifests"][0]["artifactType"],
        "application/vnd.example.signature"
    );

    let filtered = registry
        .send(
            Method::GET,
            &format!(
                "/v2/team/app/referrers/{subject_digest}?artifactType=application/vnd.example.sbom"
            ),
            &[],
            None,
        )
        .await;
    assert_eq!(filtered.headers()["oci-filters-applied"], "artifactType");
    let index: Value = filtered.json().await.unwrap();
    assert!(index["manifests"].as_array().unwrap().is_empty());
}

async fn cross_repository_mounts_need_pull_on_the_source(backend: Backend) {
    let app = spawn(backend).await;
    let (alice, _) = app.new_user("alice").await;
    app.new_project(&app.admin(), "secret", false).await;
    app.new_project(&alice, "mine", false).await;
    let admin = Registry {
        app: &app,
        token: app
            .admin()
            .registry_token(&["repository:secret/db:pull,push"])
            .await,
    };
    let hidden = admin.push_blob("secret/db", b"confidential layer").await;

    let token = alice
        .registry_token(&["repository:mine/app:pull,push", "repository:secret/db:pull"])
        .await;
    let registry = Registry { app: &app, token };
    let mount = registry
        .send(
            Method::POST,
            &format!("/v2/mine/app/blobs/uploads/?mount={hidden}&from=secret/db"),
            &[],
            None,
        )
        .await;
    assert_eq!(mount.status(), 202, "falls back to a normal upload");
    let head = registry
        .send(
            Method::HEAD,
            &format!("/v2/mine/app/blobs/{hidden}"),
            &[],
            None,
        )
        .await;
    assert_eq!(head.status(), 404, "nothing was linked");

    let mine = registry.push_blob("mine/app", b"my own layer").await;
    let token = alice
        .registry_token(&["repository:mine/copy:pull,push", "repository:mine/app:pull"])
        .await;
    let registry = Registry { app: &app, token };
    let mount = registry
        .send(
            Method::POST,
            &format!("/v2/mine/copy/blobs/uploads/?mount={mine}&from=mine/app"),
            &[],
            None,
        )
        .await;
    assert_eq!(mount.status(), 201);
    assert_eq!(
        registry
            .send(
                Method::HEAD,
                &format!("/v2/mine/copy/blobs/{mine}"),
                &[],
                None
            )
            .await
            .status(),
        200
    );
}

async fn requests_without_the_right_token_get_the_challenge_with_the_scope_they_need(
    backend: Backend,
) {
    let app = spawn(backend).await;
    let (alice, alice_id) = app.new_user("alice").await;
    let project = app.new_project(&app.admin(), "team", false).await;
    app.add_member(project, alice_id, 3).await;

    let anonymous = app
        .client
        .get(app.url("/v2/team/app/tags/list"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let challenge = anonymous.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains(r#"scope="repository:team/app:pull""#),
        "{challenge}"
    );

    // A guest's token has pull only: a push gets 403 with the push scope.
    let token = alice
        .registry_token(&["repository:team/app:pull,push"])
        .await;
    let registry = Registry { app: &app, token };
    let push = registry
        .send(Method::POST, "/v2/team/app/blobs/uploads/", &[], None)
        .await;
    assert_eq!(push.status(), 403);
    let challenge = push.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains(r#"scope="repository:team/app:pull,push""#),
        "{challenge}"
    );
    let body: Value = push.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "DENIED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("project team")
    );

    // A token for one repository is no good for another.
    let elsewhere = registry
        .send(Method::GET, "/v2/team/other/tags/list", &[], None)
        .await;
    assert_eq!(elsewhere.status(), 403);

    // A token without the catalog scope cannot list it.
    let catalog = registry.send(Method::GET, "/v2/_catalog", &[], None).await;
    assert_eq!(catalog.status(), 403);
    assert!(
        catalog.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains(r#"scope="registry:catalog:*""#)
    );
}

#[tokio::test]
async fn the_catalog_lists_only_what_the_caller_may_pull() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.new_project(&admin, "open", true).await;
    let shared = app.new_project(&admin, "shared", false).await;
    app.new_project(&admin, "hidden", false).await;
    let repos = ["hidden/c", "hidden/tools/d", "open/a", "shared/b"];
    let mut scopes: Vec<String> = repos
        .iter()
        .map(|r| format!("repository:{r}:pull,push"))
        .collect();
    scopes.push("registry:catalog:*".into());
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let pusher = Registry {
        app: &app,
        token: admin.registry_token(&scopes).await,
    };
    for repo in repos {
        pusher.push_blob(repo, repo.as_bytes()).await;
    }
    let (alice, alice_id) = app.new_user("alice").await;
    let membership = app.add_member(shared, alice_id, 3).await;
    let robot: Value = admin
        .post_json(
            "/api/v2.0/robots",
            &json!({
                "name": "lister", "level": "system", "duration": -1,
                "permissions": [{"kind": "project", "namespace": "hidden", "access": [
                    {"resource": "repository", "action": "pull", "repository": "tools/*"}
                ]}],
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    let robot = app.caller(
        robot["name"].as_str().unwrap(),
        robot["secret"].as_str().unwrap(),
    );

    async fn list(app: &TestApp, token: String, query: &str) -> (Value, Option<String>) {
        let registry = Registry { app, token };
        let response = registry
            .send(Method::GET, &format!("/v2/_catalog{query}"), &[], None)
            .await;
        assert_eq!(response.status(), 200);
        let link = response
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        (response.json().await.unwrap(), link)
    }
    let catalog = ["registry:catalog:*"];
    let everything = list(&app, admin.registry_token(&catalog).await, "").await.0;
    assert_eq!(everything["repositories"], json!(repos));
    let member = list(&app, alice.registry_token(&catalog).await, "").await.0;
    assert_eq!(member["repositories"], json!(["open/a", "shared/b"]));
    let anonymous = list(&app, app.anonymous().registry_token(&catalog).await, "")
        .await
        .0;
    assert_eq!(anonymous["repositories"], json!(["open/a"]));
    let narrowed = list(&app, robot.registry_token(&catalog).await, "").await.0;
    assert_eq!(
        narrowed["repositories"],
        json!(["hidden/tools/d", "open/a"]),
        "a robot sees its pattern's repositories and public ones"
    );

    // Pages hold n visible names, skipping the hidden ones between them.
    let token = alice.registry_token(&catalog).await;
    let (first, link) = list(&app, token.clone(), "?n=1").await;
    assert_eq!(first["repositories"], json!(["open/a"]));
    assert_eq!(
        link.as_deref(),
        Some(r#"</v2/_catalog?n=1&last=open%2Fa>; rel="next""#)
    );
    let (second, link) = list(&app, token.clone(), "?n=1&last=open%2Fa").await;
    assert_eq!(second["repositories"], json!(["shared/b"]));
    assert_eq!(link, None);

    // Rights are read when the catalog is listed, not when the token was issued.
    let removed = admin
        .delete(&format!("/api/v2.0/projects/{shared}/members/{membership}"))
        .await;
    assert!(removed.status().is_success(), "{}", removed.status());
    let after = list(&app, token, "").await.0;
    assert_eq!(after["repositories"], json!(["open/a"]));
}

/// Every case runs against both blob backends.
macro_rules! on_every_backend {
    ($($case:ident),+ $(,)?) => {
        mod filesystem {
            $(#[tokio::test] async fn $case() { super::$case(super::Backend::Filesystem).await })+
        }
        mod s3 {
            $(#[tokio::test] async fn $case() { super::$case(super::Backend::S3).await })+
        }
    };
}

on_every_backend!(
    monolithic_blobs_push_and_read_back_whole_and_by_range,
    a_digest_mismatch_commits_nothing,
    chunked_uploads_enforce_order_report_progress_and_verify,
    manifests_need_their_blobs_and_serve_back_byte_for_byte,
    tags_page_in_lexical_order,
    referrers_list_artifacts_by_subject_even_before_the_subject_exists,
    cross_repository_mounts_need_pull_on_the_source,
    requests_without_the_right_token_get_the_challenge_with_the_scope_they_need,
);

#[tokio::test]
async fn concurrent_pushes_of_one_image_and_of_shared_layers_stay_consistent() {
    let (app, _) = setup(Backend::Filesystem).await;
    let scopes: Vec<String> = (0..16)
        .map(|i| format!("repository:team/r{i}:pull,push"))
        .collect();
    let mut all: Vec<&str> = scopes.iter().map(String::as_str).collect();
    all.push("repository:team/app:pull,push");
    let token = app.admin().registry_token(&all).await;
    let registry = Registry { app: &app, token };

    // The same layer into 16 repositories, and the same image 16 times into one.
    let layer = b"shared layer".repeat(10_000);
    let layer_pushes = (0..16).map(|i| {
        let registry = &registry;
        let layer = &layer;
        async move { registry.push_blob(&format!("team/r{i}"), layer).await }
    });
    let digests = futures::future::join_all(layer_pushes).await;
    assert!(digests.iter().all(|d| d == &digests[0]));

    let manifest = registry.image("team/app", "race").await;
    let pushes =
        (0..16).map(|_| registry.push_manifest("team/app", "latest", OCI_MANIFEST, &manifest));
    let statuses: Vec<u16> = futures::future::join_all(pushes)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");

    let artifacts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM artifacts a JOIN repositories r ON r.id = a.repository_id WHERE r.name = 'team/app'",
    )
    .fetch_one(app.platform.db())
    .await
    .unwrap();
    assert_eq!(artifacts, 1);
    let blobs: i64 = sqlx::query_scalar("SELECT count(*) FROM blobs WHERE digest = $1")
        .bind(&digests[0])
        .fetch_one(app.platform.db())
        .await
        .unwrap();
    assert_eq!(blobs, 1);
    let linked: i64 = sqlx::query_scalar("SELECT count(*) FROM repository_blobs WHERE digest = $1")
        .bind(&digests[0])
        .fetch_one(app.platform.db())
        .await
        .unwrap();
    assert_eq!(linked, 16);
    let got = registry
        .send(Method::GET, "/v2/team/app/manifests/latest", &[], None)
        .await;
    assert_eq!(
        got.bytes().await.unwrap().as_ref(),
        serde_json::to_vec(&manifest).unwrap().as_slice()
    );
    let blob = registry
        .send(
            Method::GET,
            &format!("/v2/team/r7/blobs/{}", digests[0]),
            &[],
            None,
        )
        .await;
    assert_eq!(blob.bytes().await.unwrap().len(), layer.len());
}

#[tokio::test]
async fn pulls_are_counted_and_audited_in_batches_off_the_request_path() {
    let (app, token) = setup(Backend::Filesystem).await;
    let registry = Registry { app: &app, token };
    let manifest = registry.image("team/app", "pulls").await;
    assert_eq!(
        registry
            .push_manifest("team/app", "v1", OCI_MANIFEST, &manifest)
            .await
            .status(),
        201
    );
    for _ in 0..3 {
        assert_eq!(
            registry
                .send(Method::GET, "/v2/team/app/manifests/v1", &[], None)
                .await
                .status(),
            200
        );
    }
    // HEAD requests are not pulls.
    registry
        .send(Method::HEAD, "/v2/team/app/manifests/v1", &[], None)
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (count, pulled_at): (i64, Option<chrono::DateTime<chrono::Utc>>) = sqlx::query_as(
            "SELECT r.pull_count, a.pull_time FROM repositories r JOIN artifacts a ON a.repository_id = r.id
             WHERE r.name = 'team/app'",
        )
        .fetch_one(app.platform.db())
        .await
        .unwrap();
        let audited: i64 =
            sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE operation = 'pull'")
                .fetch_one(app.platform.db())
                .await
                .unwrap();
        if count == 3 && pulled_at.is_some() && audited == 3 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "pulls not recorded: {count} {pulled_at:?} {audited}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_broken_chunk_leaves_the_session_resumable_and_abandoned_sessions_are_purged() {
    use futures::TryStreamExt;
    let (app, token) = setup(Backend::Filesystem).await;
    let registry = Registry {
        app: &app,
        token: token.clone(),
    };
    let start = registry
        .send(Method::POST, "/v2/team/app/blobs/uploads/", &[], None)
        .await;
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    let id: uuid::Uuid = location.rsplit('/').next().unwrap().parse().unwrap();
    let first = registry
        .send(
            Method::PATCH,
            &location,
            &[("content-range", "0-999")],
            Some(vec![7u8; 1000]),
        )
        .await;
    assert_eq!(first.status(), 202);

    // The client dies halfway through the next chunk.
    let broken = futures::stream::iter(vec![
        Ok::<_, std::io::Error>(bytes::Bytes::from(vec![8u8; 500])),
        Err(std::io::Error::other("connection lost")),
    ]);
    let _ = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(broken))
        .send()
        .await;
    let status = registry.send(Method::GET, &location, &[], None).await;
    assert_eq!(status.status(), 204);
    assert_eq!(
        status.headers()["range"],
        "0-999",
        "nothing of the broken chunk was kept"
    );

    let store = app.platform.storage().store().clone();
    let prefix = berth_storage::layout::upload_prefix(id);
    let chunks: Vec<_> = store.list(Some(&prefix)).try_collect().await.unwrap();
    assert_eq!(chunks.len(), 1);

    // Fresh sessions survive a purge; abandoned ones go with their chunks.
    let ttl = std::time::Duration::from_secs(3600);
    assert_eq!(
        berth_registry::purge::purge_stale_uploads(&app.platform, ttl)
            .await
            .unwrap(),
        0
    );
    sqlx::query("UPDATE uploads SET update_time = now() - interval '2 hours' WHERE id = $1")
        .bind(id)
        .execute(app.platform.db())
        .await
        .unwrap();
    assert_eq!(
        berth_registry::purge::purge_stale_uploads(&app.platform, ttl)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        registry
            .send(Method::GET, &location, &[], None)
            .await
            .status(),
        404
    );
    let chunks: Vec<_> = store.list(Some(&prefix)).try_collect().await.unwrap();
    assert!(chunks.is_empty());
}

#[tokio::test]
async fn with_redirects_on_s3_blob_downloads_go_straight_to_a_presigned_url() {
    let Some(builder) = TestApp::builder()
        .setting("BERTH_STORAGE_REDIRECT", "true")
        .s3_storage()
    else {
        return;
    };
    let app = builder.spawn().await.unwrap();
    app.wait_ready().await;
    app.new_project(&app.admin(), "team", false).await;
    let token = app
        .admin()
        .registry_token(&["repository:team/app:pull,push"])
        .await;
    let registry = Registry { app: &app, token };
    let data = b"bytes served by the object store".repeat(1000);
    let d = registry.push_blob("team/app", &data).await;

    let response = registry
        .send(Method::GET, &format!("/v2/team/app/blobs/{d}"), &[], None)
        .await;
    assert_eq!(response.status(), 307);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("X-Amz-Signature="), "{location}");
    let direct = reqwest::get(&location).await.unwrap();
    assert_eq!(direct.status(), 200);
    assert_eq!(direct.bytes().await.unwrap().as_ref(), data.as_slice());

    // The store checks the signature: the same URL unsigned is refused.
    let unsigned = location.split('?').next().unwrap();
    assert_eq!(reqwest::get(unsigned).await.unwrap().status(), 403);

    // HEAD is still answered by Berth.
    let head = registry
        .send(Method::HEAD, &format!("/v2/team/app/blobs/{d}"), &[], None)
        .await;
    assert_eq!(head.status(), 200);
}

#[tokio::test]
async fn blob_deletion_is_audited_and_can_be_switched_off() {
    let (app, token) = setup(Backend::Filesystem).await;
    let registry = Registry { app: &app, token };
    let d = registry.push_blob("team/app", b"to be removed").await;
    assert_eq!(
        registry
            .send(
                Method::DELETE,
                &format!("/v2/team/app/blobs/{d}"),
                &[],
                None
            )
            .await
            .status(),
        202
    );
    assert_eq!(
        registry
            .send(Method::HEAD, &format!("/v2/team/app/blobs/{d}"), &[], None)
            .await
            .status(),
        404
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE resource_type = 'blob' AND operation = 'delete'",
    )
    .fetch_one(app.platform.db())
    .await
    .unwrap();
    assert_eq!(audited, 1);

    let locked = TestApp::builder()
        .setting("BERTH_REGISTRY_DELETE", "false")
        .spawn()
        .await
        .unwrap();
    locked.wait_ready().await;
    locked.new_project(&locked.admin(), "team", false).await;
    let token = locked
        .admin()
        .registry_token(&["repository:team/app:pull,push,delete"])
        .await;
    let registry = Registry {
        app: &locked,
        token,
    };
    let d = registry.push_blob("team/app", b"kept").await;
    let refused = registry
        .send(
            Method::DELETE,
            &format!("/v2/team/app/blobs/{d}"),
            &[],
            None,
        )
        .await;
    assert_eq!(refused.status(), 405);
    let refused = registry
        .send(Method::DELETE, "/v2/team/app/manifests/latest", &[], None)
        .await;
    assert_eq!(refused.status(), 405);
    assert_eq!(
        registry
            .send(Method::HEAD, &format!("/v2/team/app/blobs/{d}"), &[], None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn chunks_that_overlap_leave_gaps_or_carry_malformed_ranges_get_416_and_append_nothing() {
    let (app, token) = setup(Backend::Filesystem).await;
    let registry = Registry { app: &app, token };
    let data = vec![5u8; 3000];
    let start = registry
        .send(Method::POST, "/v2/team/app/blobs/uploads/", &[], None)
        .await;
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    let first = registry
        .send(
            Method::PATCH,
            &location,
            &[("content-range", "0-999")],
            Some(data[..1000].to_vec()),
        )
        .await;
    assert_eq!(first.status(), 202);
    for range in ["500-1499", "1500-2499", "bytes=x-y", "1000-999", "1000"] {
        let refused = registry
            .send(
                Method::PATCH,
                &location,
                &[("content-range", range)],
                Some(data[1000..2000].to_vec()),
            )
            .await;
        assert_eq!(refused.status(), 416, "{range}");
        assert_eq!(refused.headers()["range"], "0-999", "{range}");
    }
    let d = digest(&data);
    let wrong_close = registry
        .send(
            Method::PUT,
            &format!("{location}?digest={d}"),
            &[("content-range", "1200-2999")],
            Some(data[1000..].to_vec()),
        )
        .await;
    assert_eq!(wrong_close.status(), 416);
    assert_eq!(
        registry
            .send(Method::HEAD, &format!("/v2/team/app/blobs/{d}"), &[], None)
            .await
            .status(),
        404
    );
    let status = registry.send(Method::GET, &location, &[], None).await;
    assert_eq!(
        status.headers()["range"],
        "0-999",
        "nothing appended by the refused requests"
    );
    let close = registry
        .send(
            Method::PUT,
            &format!("{location}?digest={d}"),
            &[("content-range", "1000-2999")],
            Some(data[1000..].to_vec()),
        )
        .await;
    assert_eq!(close.status(), 201);
}

#[tokio::test]
async fn blobs_over_the_size_limit_are_refused_declared_or_streamed() {
    let app = TestApp::builder()
        .setting("BERTH_MAX_BLOB_BYTES", "65536")
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    app.new_project(&app.admin(), "team", false).await;
    let token = app
        .admin()
        .registry_token(&["repository:team/app:pull,push"])
        .await;
    let registry = Registry {
        app: &app,
        token: token.clone(),
    };
    let big = vec![1u8; 100_000];
    let d = digest(&big);

    let declared = registry
        .send(
            Method::POST,
            &format!("/v2/team/app/blobs/uploads/?digest={d}"),
            &[],
            Some(big.clone()),
        )
        .await;
    assert_eq!(declared.status(), 413);
    assert_eq!(error_code(declared).await, "SIZE_INVALID");

    let streamed = app
        .client
        .post(app.url(&format!("/v2/team/app/blobs/uploads/?digest={d}")))
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(futures::stream::iter(
            big.chunks(10_000)
                .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>(),
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 400);
    assert_eq!(
        registry
            .send(Method::HEAD, &format!("/v2/team/app/blobs/{d}"), &[], None)
            .await
            .status(),
        404
    );

    // Across chunks of a session too.
    let start = registry
        .send(Method::POST, "/v2/team/app/blobs/uploads/", &[], None)
        .await;
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    let first = registry
        .send(Method::PATCH, &location, &[], Some(big[..40_000].to_vec()))
        .await;
    assert_eq!(first.status(), 202);
    let second = registry
        .send(
            Method::PATCH,
            &location,
            &[],
            Some(big[40_000..80_000].to_vec()),
        )
        .await;
    assert_eq!(second.status(), 413);
    let status = registry.send(Method::GET, &location, &[], None).await;
    assert_eq!(status.headers()["range"], "0-39999");
}

#[tokio::test]
async fn methods_a_route_does_not_define_get_405() {
    let (app, token) = setup(Backend::Filesystem).await;
    let registry = Registry { app: &app, token };
    for (method, path) in [
        (Method::POST, "/v2/"),
        (Method::PUT, "/v2/team/app/tags/list"),
        (Method::PATCH, "/v2/team/app/manifests/v1"),
    ] {
        let response = registry.send(method.clone(), path, &[], None).await;
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(error_code(response).await, "UNSUPPORTED");
    }
}

#[tokio::test]
async fn manifests_are_served_only_in_a_media_type_the_client_accepts() {
    let (app, token) = setup(Backend::Filesystem).await;
    let registry = Registry { app: &app, token };
    const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
    const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
    let config = br#"{"architecture":"amd64","os":"linux"}"#;
    let config_digest = registry.push_blob("team/app", config).await;
    let layer_digest = registry.push_blob("team/app", b"docker layer").await;
    let docker_image = |arch: &str| {
        json!({
            "schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": layer_digest, "size": 12}],
            "annotations": {"arch": arch},
        })
    };
    let mut entries = Vec::new();
    for arch in ["arm64", "amd64"] {
        let body = docker_image(arch);
        let bytes = serde_json::to_vec(&body).unwrap();
        let pushed = registry
            .push_manifest("team/app", &digest(&bytes), DOCKER_MANIFEST, &body)
            .await;
        assert_eq!(pushed.status(), 201);
        entries.push(
            json!({"mediaType": DOCKER_MANIFEST, "digest": digest(&bytes), "size": bytes.len(),
                            "platform": {"architecture": arch, "os": "linux"}}),
        );
    }
    let list = json!({"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": entries});
    assert_eq!(
        registry
            .push_manifest("team/app", "multi", DOCKER_LIST, &list)
            .await
            .status(),
        201
    );
    let oci = registry.image("team/app", "oci").await;
    assert_eq!(
        registry
            .push_manifest("team/app", "oci", OCI_MANIFEST, &oci)
            .await
            .status(),
        201
    );

    let get = |reference: &'static str, accept: &'static str| {
        let registry = &registry;
        async move {
            registry
                .send(
                    Method::GET,
                    &format!("/v2/team/app/manifests/{reference}"),
                    &[("accept", accept)],
                    None,
                )
                .await
        }
    };
    // What the client lists, a wildcard, or several types with parameters.
    for accept in [
        DOCKER_LIST,
        "*/*",
        "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json;q=0.5",
    ] {
        let response = get("multi", accept).await;
        assert_eq!(response.status(), 200, "{accept}");
        assert_eq!(response.headers()["content-type"], DOCKER_LIST);
    }
    // A client that cannot read lists gets the linux/amd64 entry.
    let response = get("multi", DOCKER_MANIFEST).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], DOCKER_MANIFEST);
    assert_eq!(
        response.headers()["docker-content-digest"],
        entries[1]["digest"].as_str().unwrap()
    );
    let served: Value = response.json().await.unwrap();
    assert_eq!(served["annotations"]["arch"], "amd64");
    // A type the client does not take is refused, HEAD as GET, with a reason.
    let refused = get("oci", DOCKER_MANIFEST).await;
    assert_eq!(refused.status(), 404);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "MANIFEST_UNKNOWN");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Accept"),
        "{body}"
    );
    let head = registry
        .send(
            Method::HEAD,
            "/v2/team/app/manifests/oci",
            &[("accept", DOCKER_MANIFEST)],
            None,
        )
        .await;
    assert_eq!(head.status(), 404);
    assert_eq!(get("oci", OCI_MANIFEST).await.status(), 200);
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[tokio::test]
async fn two_hundred_concurrent_ranged_pulls_with_aborts_get_their_bytes_and_leak_no_descriptors() {
    let (app, token) = setup(Backend::Filesystem).await;
    let registry = Registry {
        app: &app,
        token: token.clone(),
    };
    let blob: Vec<u8> = (0..(48u32 << 20))
        .map(|i| i.wrapping_mul(2_654_435_761).to_be_bytes()[2])
        .collect();
    let d = registry.push_blob("team/app", &blob).await;
    // A first wave fills the database pool, which stays open by design;
    // the baseline is taken once its sockets have closed.
    let url = app.url(&format!("/v2/team/app/blobs/{d}"));
    let warm = reqwest::Client::new();
    let wave = (0..200).map(|_| {
        warm.get(&url)
            .bearer_auth(&token)
            .header("range", "bytes=0-0")
            .send()
    });
    for response in futures::future::join_all(wave).await {
        assert_eq!(response.unwrap().status(), 206);
    }
    drop(warm);
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let baseline = open_descriptors();

    let load = reqwest::Client::new();
    let pulls = (0..200u64).map(|i| {
        let (load, url, token, blob) = (&load, &url, &token, &blob);
        async move {
            let start = (i * 7_919_993) % (blob.len() as u64 - 1);
            let len = 1 + (i * 104_729) % (4 << 20);
            let end = (start + len - 1).min(blob.len() as u64 - 1);
            let mut response = load
                .get(url)
                .bearer_auth(token)
                .header("range", format!("bytes={start}-{end}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 206);
            if i % 4 == 0 {
                // Walk away after the first piece.
                let _ = response.chunk().await;
                return;
            }
            let body = response.bytes().await.unwrap();
            assert!(
                body.as_ref() == &blob[start as usize..=end as usize],
                "pull {i}: bytes {start}-{end} differ"
            );
        }
    });
    futures::future::join_all(pulls).await;
    drop(load);

    // Aborted responses release their files and sockets.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let open = open_descriptors();
        if open <= baseline + 4 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{open} descriptors open, {baseline} before the pulls"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
