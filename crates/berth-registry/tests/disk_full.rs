//! A full disk in the middle of blob and manifest writes: a clear 507, no
//! file under the digest, no staging file left behind, the health check red,
//! and everything working again once space is freed.
//!
//! The blob store sits on a 16 MiB tmpfs. Mounting one needs no privileges
//! inside a user and mount namespace, so the test runs itself again inside
//! one (`unshare`); the namespace shares the network, so PostgreSQL and
//! Redis are the usual ones.

use berth_testkit::TestApp;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

const INSIDE: &str = "BERTH_TEST_INSIDE_NAMESPACE";
const TMPFS_BYTES: usize = 16 << 20;

fn digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
        .collect()
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

struct Client<'a> {
    app: &'a TestApp,
    token: String,
}

impl Client<'_> {
    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Response {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(&self.token)
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    async fn push_blob(&self, data: &[u8]) -> Response {
        self.send(
            Method::POST,
            &format!("/v2/team/app/blobs/uploads/?digest={}", digest(data)),
            &[],
            data.to_vec(),
        )
        .await
    }
}

async fn assert_full(response: Response, what: &str) {
    assert_eq!(response.status(), 507, "{what}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "INSUFFICIENT_STORAGE", "{what}");
}

#[test]
fn a_full_disk_answers_507_leaves_nothing_behind_and_recovers() {
    if std::env::var_os(INSIDE).is_some() {
        return tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(inside_the_namespace());
    }
    let test = "a_full_disk_answers_507_leaves_nothing_behind_and_recovers";
    let output = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "--"])
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .output()
        .expect("unshare (util-linux) runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "inside the namespace:\n{report}");
    assert!(
        report.contains("1 passed"),
        "the test ran inside:\n{report}"
    );
}

async fn inside_the_namespace() {
    let mount = tempfile::tempdir().unwrap();
    let status = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            &format!("size={TMPFS_BYTES}"),
            "berth-full",
        ])
        .arg(mount.path())
        .status()
        .unwrap();
    assert!(status.success(), "mounting a tmpfs in the namespace");
    let root = mount.path().join("blobs");
    let app = TestApp::builder()
        .setting("BERTH_STORAGE_URL", format!("file://{}", root.display()))
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    app.new_project(&app.admin(), "team", false).await;
    let client = Client {
        app: &app,
        token: app
            .admin()
            .registry_token(&["repository:team/app:pull,push"])
            .await,
    };

    // Large enough to take the multipart path; two do not fit.
    let first = bytes(9 << 20, 1);
    assert_eq!(client.push_blob(&first).await.status(), 201);
    let second = bytes(9 << 20, 2);
    assert_full(client.push_blob(&second).await, "monolithic push").await;
    let second_hex = digest(&second)[7..].to_owned();
    let config = br#"{"architecture":"amd64","os":"linux"}"#;
    assert_eq!(client.push_blob(config).await.status(), 201);
    let config_digest = digest(config);
    let left: Vec<PathBuf> = files_under(&root);
    assert!(
        left.iter().all(|p| {
            let name = p.to_string_lossy();
            !name.contains(&second_hex) && !name.contains('#')
        }),
        "no blob and no staging file for the failed write: {left:?}"
    );
    let head = client
        .send(
            Method::HEAD,
            &format!("/v2/team/app/blobs/{}", digest(&second)),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(head.status(), 404);

    // A chunk that does not fit fails; the session stays where it was.
    let session = client
        .send(Method::POST, "/v2/team/app/blobs/uploads/", &[], Vec::new())
        .await;
    assert_eq!(session.status(), 202);
    let location = session.headers()["location"].to_str().unwrap().to_owned();
    let chunk = client
        .send(
            Method::PATCH,
            &location,
            &[("content-range", "0-9437183")],
            second.clone(),
        )
        .await;
    assert_full(chunk, "chunk").await;
    let status = client.send(Method::GET, &location, &[], Vec::new()).await;
    assert_eq!(status.status(), 204);
    assert_eq!(status.headers()["range"], "0-0");

    // Fill what is left, then push a manifest: its bytes cannot be stored,
    // so no artifact or tag appears either.
    let filler = mount.path().join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4 << 10];
        while file.write_all(&block).is_ok() {}
    }
    let health = app.health().await;
    assert_ne!(health.component("storage").status, "healthy", "{health:?}");
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(&first), "size": first.len()}],
        "annotations": {"padding": "x".repeat(64 << 10)},
    }))
    .unwrap();
    let put_manifest = || {
        client.send(
            Method::PUT,
            "/v2/team/app/manifests/v1",
            &[("content-type", "application/vnd.oci.image.manifest.v1+json")],
            manifest.clone(),
        )
    };
    assert_full(put_manifest().await, "manifest").await;
    let tag = client
        .send(Method::HEAD, "/v2/team/app/manifests/v1", &[], Vec::new())
        .await;
    assert_eq!(
        tag.status(),
        404,
        "no tag for a manifest that was not stored"
    );
    let tags: Value = client
        .send(Method::GET, "/v2/team/app/tags/list", &[], Vec::new())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tags["tags"], json!([]));
    assert!(
        files_under(&root)
            .iter()
            .all(|p| !p.to_string_lossy().contains('#')),
        "no staging file left"
    );

    // Space freed: health, manifests, sessions and pushes all work again.
    std::fs::remove_file(&filler).unwrap();
    let health = app.health().await;
    assert_eq!(health.component("storage").status, "healthy", "{health:?}");
    let stored = put_manifest().await;
    assert_eq!(stored.status(), 201);
    let small = bytes(2 << 20, 3);
    let chunk = client
        .send(
            Method::PATCH,
            &location,
            &[("content-range", &format!("0-{}", small.len() - 1))],
            small.clone(),
        )
        .await;
    assert_eq!(chunk.status(), 202);
    let done = client
        .send(
            Method::PUT,
            &format!(
                "{location}{}digest={}",
                if location.contains('?') { '&' } else { '?' },
                digest(&small)
            ),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(done.status(), 201);
    let pulled = client
        .send(
            Method::GET,
            &format!("/v2/team/app/blobs/{}", digest(&first)),
            &[],
            Vec::new(),
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        digest(&pulled),
        digest(&first),
        "the blob written before is intact"
    );
}
