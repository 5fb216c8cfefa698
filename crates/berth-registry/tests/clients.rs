//! Real clients against the registry: skopeo copies a multi-layer image and
//! a multi-architecture index in and out, inspects and deletes.

use berth_testkit::oci::{Layout, skopeo};
use berth_testkit::{TestApp, USER_PASSWORD};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::process::Command;

async fn served_app(s3: bool) -> TestApp {
    // Outside the test script there is no S3 server; the filesystem stands in.
    let builder = if s3 {
        TestApp::builder()
            .s3_storage()
            .unwrap_or_else(TestApp::builder)
    } else {
        TestApp::builder()
    };
    let app = builder.on_its_own_port().spawn().await.unwrap();
    app.wait_ready().await;
    app
}

#[tokio::test]
async fn skopeo_round_trips_an_image_and_an_index_with_identical_digests() {
    round_trip(false).await;
}

#[tokio::test]
async fn skopeo_round_trips_on_s3_compatible_storage() {
    round_trip(true).await;
}

async fn round_trip(s3: bool) {
    let app = served_app(s3).await;
    let (owner, _) = app.new_user("owner").await;
    app.new_project(&owner, "team", false).await;
    let creds = format!("owner:{USER_PASSWORD}");
    let host = format!("127.0.0.1:{}", app.port);

    let source = tempfile::tempdir().unwrap();
    let layout = Layout { dir: source.path() };
    let (amd64, amd64_size) = layout.image("amd64", 3);
    let (arm64, arm64_size) = layout.image("arm64", 2);
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd64, "size": amd64_size,
             "platform": {"architecture": "amd64", "os": "linux"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": arm64, "size": arm64_size,
             "platform": {"architecture": "arm64", "os": "linux"}},
        ],
    }))
    .unwrap();
    let (index_digest, index_size) = layout.blob(&index);
    layout.tag(&[
        (
            "single",
            "application/vnd.oci.image.manifest.v1+json",
            amd64.clone(),
            amd64_size,
        ),
        (
            "multi",
            "application/vnd.oci.image.index.v1+json",
            index_digest.clone(),
            index_size,
        ),
    ]);

    let src = |tag: &str| format!("oci:{}:{tag}", source.path().display());
    let dst = |tag: &str| format!("docker://{host}/team/app:{tag}");
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        "--dest-creds",
        &creds,
        &src("single"),
        &dst("single"),
    ])
    .await;
    skopeo(&[
        "copy",
        "--all",
        "--preserve-digests",
        "--dest-tls-verify=false",
        "--dest-creds",
        &creds,
        &src("multi"),
        &dst("multi"),
    ])
    .await;

    let inspected: Value = serde_json::from_str(
        &skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--creds",
            &creds,
            "--raw",
            &dst("multi"),
        ])
        .await,
    )
    .unwrap();
    assert_eq!(inspected["manifests"].as_array().unwrap().len(), 2);
    let info: Value = serde_json::from_str(
        &skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--creds",
            &creds,
            &dst("single"),
        ])
        .await,
    )
    .unwrap();
    assert_eq!(info["Digest"], amd64.as_str());
    assert_eq!(info["Layers"].as_array().unwrap().len(), 3);

    let back = tempfile::tempdir().unwrap();
    let out = |tag: &str| format!("oci:{}:{tag}", back.path().display());
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--src-tls-verify=false",
        "--src-creds",
        &creds,
        &dst("single"),
        &out("single"),
    ])
    .await;
    skopeo(&[
        "copy",
        "--all",
        "--preserve-digests",
        "--src-tls-verify=false",
        "--src-creds",
        &creds,
        &dst("multi"),
        &out("multi"),
    ])
    .await;
    let index: Value =
        serde_json::from_slice(&std::fs::read(back.path().join("index.json")).unwrap()).unwrap();
    let digests: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    assert!(digests.contains(&amd64.as_str()), "{digests:?}");
    assert!(digests.contains(&index_digest.as_str()), "{digests:?}");

    skopeo(&[
        "delete",
        "--tls-verify=false",
        "--creds",
        &creds,
        &dst("single"),
    ])
    .await;
    let gone = Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            "--creds",
            &creds,
            &dst("single"),
        ])
        .output()
        .await
        .unwrap();
    assert!(!gone.status.success());
}

#[tokio::test]
async fn the_oci_client_crate_pulls_what_skopeo_pushed() {
    let app = served_app(false).await;
    let (owner, _) = app.new_user("owner").await;
    app.new_project(&owner, "team", false).await;
    let creds = format!("owner:{USER_PASSWORD}");
    let source = tempfile::tempdir().unwrap();
    let layout = Layout { dir: source.path() };
    let (manifest, size) = layout.image("amd64", 2);
    layout.tag(&[(
        "v1",
        "application/vnd.oci.image.manifest.v1+json",
        manifest.clone(),
        size,
    )]);
    let target = format!("docker://127.0.0.1:{}/team/app:v1", app.port);
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        "--dest-creds",
        &creds,
        &format!("oci:{}:v1", source.path().display()),
        &target,
    ])
    .await;

    let client = oci_client::Client::new(oci_client::client::ClientConfig {
        protocol: oci_client::client::ClientProtocol::Http,
        ..Default::default()
    });
    let reference: oci_client::Reference = format!("127.0.0.1:{}/team/app:v1", app.port)
        .parse()
        .unwrap();
    let auth = oci_client::secrets::RegistryAuth::Basic("owner".into(), USER_PASSWORD.into());
    let image = client
        .pull(
            &reference,
            &auth,
            vec!["application/vnd.oci.image.layer.v1.tar"],
        )
        .await
        .expect("oci-client pulls the image");
    assert_eq!(image.digest.as_deref(), Some(manifest.as_str()));
    assert_eq!(image.layers.len(), 2);
    for layer in &image.layers {
        let blob = source
            .path()
            .join("blobs/sha256")
            .join(hex::encode(Sha256::digest(&layer.data)));
        assert!(blob.exists(), "pulled layer bytes match a pushed blob");
    }

    // Anonymous pulls of a private project are refused (a fresh client, so
    // no token is cached from the pull above).
    let anonymous = oci_client::Client::new(oci_client::client::ClientConfig {
        protocol: oci_client::client::ClientProtocol::Http,
        ..Default::default()
    });
    let refused = anonymous
        .pull(
            &reference,
            &oci_client::secrets::RegistryAuth::Anonymous,
            vec!["application/vnd.oci.image.layer.v1.tar"],
        )
        .await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn the_oras_package_pushes_an_artifact_with_a_subject_and_pulls_it_back() {
    let Ok(python) = std::env::var("BERTH_TEST_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "scripts/test.sh provides BERTH_TEST_PYTHON with oras installed"
        );
        return;
    };
    let app = served_app(false).await;
    let (owner, _) = app.new_user("owner").await;
    app.new_project(&owner, "team", false).await;
    let creds = format!("owner:{USER_PASSWORD}");
    let source = tempfile::tempdir().unwrap();
    let layout = Layout { dir: source.path() };
    let (manifest, size) = layout.image("amd64", 1);
    layout.tag(&[(
        "v1",
        "application/vnd.oci.image.manifest.v1+json",
        manifest.clone(),
        size,
    )]);
    let host = format!("127.0.0.1:{}", app.port);
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        "--dest-creds",
        &creds,
        &format!("oci:{}:v1", source.path().display()),
        &format!("docker://{host}/team/app:v1"),
    ])
    .await;

    let work = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oras_push_pull.py");
    let output = Command::new(python)
        .args([
            script,
            &host,
            "team/app",
            "owner",
            USER_PASSWORD,
            &manifest,
            &size.to_string(),
        ])
        .arg(work.path())
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // Both pushes are listed as referrers of the image.
    let token = owner.registry_token(&["repository:team/app:pull"]).await;
    let get = |path: String| {
        app.client
            .get(app.url(&path))
            .bearer_auth(token.clone())
            .send()
    };
    let mut pushed = Vec::new();
    for tag in ["sbom", "sbom-chunked"] {
        let head = get(format!("/v2/team/app/manifests/{tag}")).await.unwrap();
        pushed.push(
            head.headers()["docker-content-digest"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    pushed.sort();
    pushed.dedup();
    let referrers: Value = get(format!("/v2/team/app/referrers/{manifest}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut listed: Vec<String> = referrers["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, pushed);
}
