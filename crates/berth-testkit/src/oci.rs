//! Real registry clients in tests: OCI image layouts written by hand for
//! skopeo to copy, and skopeo itself.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::path::Path;

/// Writes an OCI image layout (image-layout.md) into a directory.
pub struct Layout<'a> {
    pub dir: &'a Path,
}

impl Layout<'_> {
    /// Stores a blob; returns its digest and size.
    pub fn blob(&self, data: &[u8]) -> (String, usize) {
        let hex = hex::encode(Sha256::digest(data));
        let path = self.dir.join("blobs/sha256");
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join(&hex), data).unwrap();
        (format!("sha256:{hex}"), data.len())
    }

    /// A linux image for `arch` with `layers` layers of 150 kB; returns
    /// the manifest's digest and size.
    pub fn image(&self, arch: &str, layers: usize) -> (String, usize) {
        let mut layer_descriptors = Vec::new();
        let mut diff_ids = Vec::new();
        for i in 0..layers {
            let content: Vec<u8> = (0..150_000u32)
                .map(|n| ((n as usize * (i + 3) + arch.len()) % 256) as u8)
                .collect();
            let (digest, size) = self.blob(&content);
            diff_ids.push(digest.clone());
            layer_descriptors.push(json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size}));
        }
        let config = serde_json::to_vec(&json!({
            "architecture": arch, "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {},
        }))
        .unwrap();
        let (config_digest, config_size) = self.blob(&config);
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
            "layers": layer_descriptors,
        }))
        .unwrap();
        self.blob(&manifest)
    }

    /// Writes `index.json` naming each `(tag, media type, digest, size)`.
    pub fn tag(&self, entries: &[(&str, &str, String, usize)]) {
        std::fs::write(
            self.dir.join("oci-layout"),
            r#"{"imageLayoutVersion":"1.0.0"}"#,
        )
        .unwrap();
        let manifests: Vec<Value> = entries
            .iter()
            .map(|(tag, media_type, digest, size)| {
                json!({"mediaType": media_type, "digest": digest, "size": size,
                    "annotations": {"org.opencontainers.image.ref.name": tag}})
            })
            .collect();
        std::fs::write(
            self.dir.join("index.json"),
            serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": manifests})).unwrap(),
        )
        .unwrap();
    }
}

/// Runs skopeo, asserting it succeeds; returns its standard output.
pub async fn skopeo(args: &[&str]) -> String {
    let output = tokio::process::Command::new("skopeo")
        .args(args)
        .output()
        .await
        .expect("skopeo is installed");
    assert!(
        output.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
