//! Pushing images over `/v2` with raw HTTP, for tests of what the
//! management API shows about them.

use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::Caller;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// What a push stored.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub digest: String,
    pub manifest: Vec<u8>,
    pub config_digest: String,
    pub layer_digest: String,
    /// Config and layer bytes, as the project's usage counts them.
    pub blob_bytes: u64,
}

impl Caller<'_> {
    /// Pushes a blob; returns the HTTP status.
    pub async fn push_blob(&self, token: &str, repo: &str, data: &[u8]) -> u16 {
        self.app
            .client
            .post(self.app.url(&format!(
                "/v2/{repo}/blobs/uploads/?digest={}",
                sha256(data)
            )))
            .bearer_auth(token)
            .body(data.to_vec())
            .send()
            .await
            .expect("request sent")
            .status()
            .as_u16()
    }

    /// Pushes a manifest under `reference`; returns the HTTP status.
    pub async fn push_manifest(
        &self,
        token: &str,
        repo: &str,
        reference: &str,
        media_type: &str,
        body: &[u8],
    ) -> u16 {
        self.app
            .client
            .put(self.app.url(&format!("/v2/{repo}/manifests/{reference}")))
            .bearer_auth(token)
            .header("content-type", media_type)
            .body(body.to_vec())
            .send()
            .await
            .expect("request sent")
            .status()
            .as_u16()
    }

    /// Pushes a one-layer linux/amd64 OCI image whose bytes depend on
    /// `seed`, tagged `tag`, asserting every step succeeds.
    pub async fn push_image(&self, repo: &str, tag: &str, seed: &str) -> Pushed {
        let token = self
            .registry_token(&[&format!("repository:{repo}:pull,push")])
            .await;
        let config = json!({"architecture": "amd64", "os": "linux", "author": "berth tests",
                            "config": {"Env": [format!("SEED={seed}")]}});
        let config = serde_json::to_vec(&config).expect("JSON");
        let layer = format!("layer of {seed}").repeat(64).into_bytes();
        for blob in [&config, &layer] {
            assert_eq!(
                self.push_blob(&token, repo, blob).await,
                201,
                "blob into {repo}"
            );
        }
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": sha256(&config), "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha256(&layer), "size": layer.len()}],
            "annotations": {"org.opencontainers.image.title": seed},
        }))
        .expect("JSON");
        assert_eq!(
            self.push_manifest(&token, repo, tag, OCI_MANIFEST, &manifest)
                .await,
            201,
            "manifest {repo}:{tag}"
        );
        Pushed {
            digest: sha256(&manifest),
            config_digest: sha256(&config),
            layer_digest: sha256(&layer),
            blob_bytes: (config.len() + layer.len()) as u64,
            manifest,
        }
    }
}
