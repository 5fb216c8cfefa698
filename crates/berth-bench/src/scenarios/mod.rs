//! One module per scenario of the benchmark; each returns its
//! measurements, one per variant, each the median of the context's rounds.

pub mod floor;
pub mod list_artifacts;
pub mod manifest_get;
pub mod mixed;
pub mod pull_blob;
pub mod push_blob;
pub mod push_image;
pub mod startup;
pub mod token;

use crate::client::{Registry, image_manifest};
use crate::data::{Material, digest_of};

pub struct Ctx {
    /// Signed in as the administrator who sets the scenario up.
    pub registry: Registry,
    /// The target is a plain static file server (a baseline) serving
    /// `blob` and `manifest.json` at its root, not Berth.
    pub baseline: bool,
    pub server_pid: Option<u32>,
    pub rounds: usize,
    pub project: String,
    /// Differs per run, so each run's pushes are new to the server.
    pub seed: u64,
}

impl Ctx {
    pub fn repository(&self, name: &str) -> String {
        format!("{}/{name}", self.project)
    }

    pub fn require_berth(&self, scenario: &str) -> anyhow::Result<()> {
        anyhow::ensure!(!self.baseline, "{scenario} runs against Berth only");
        Ok(())
    }
}

/// Pushes a small image (a config and one layer of `layer_size` bytes) by
/// tag and returns its manifest bytes and layer digest.
pub async fn push_small_image(
    registry: &Registry,
    token: &str,
    repository: &str,
    tag: &str,
    material: &Material,
    id: u64,
    layer_size: usize,
) -> anyhow::Result<(Vec<u8>, String)> {
    let layer = material.blob(id, layer_size);
    let layer_digest = digest_of(&layer);
    let config = format!(r#"{{"architecture":"amd64","os":"linux","bench":{id}}}"#).into_bytes();
    let config_digest = digest_of(&config);
    for (digest, bytes) in [(&layer_digest, layer), (&config_digest, config.clone())] {
        if !registry.blob_exists(token, repository, digest).await? {
            let length = bytes.len() as u64;
            registry
                .push_blob_monolithic(token, repository, digest, bytes.into(), length)
                .await?;
        }
    }
    let manifest = image_manifest(
        (&config_digest, config.len()),
        &[(layer_digest.clone(), layer_size)],
        &format!("bench {id}"),
    );
    registry
        .put_manifest(token, repository, tag, &manifest)
        .await?;
    Ok((manifest, layer_digest))
}

pub fn push_pull(repository: &str) -> String {
    format!("repository:{repository}:pull,push")
}
