//! A registry at work: of every hundred operations eighty are pulls
//! (manifest by tag, then its layer), fifteen pushes (a new layer and a
//! manifest) and five console listings, from many connections at once.

use anyhow::Context;
use reqwest::Method;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use super::{Ctx, push_pull, push_small_image};
use crate::client::{OCI_MANIFEST, Registry, read_all};
use crate::data::{Material, splitmix64};
use crate::load::closed_loop;
use crate::results::{Better, Measurement, Series, watched};

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
}

const LAYER: usize = 64 * 1024;

pub async fn run(ctx: &Ctx, options: &Options) -> anyhow::Result<Vec<Measurement>> {
    ctx.require_berth("mixed")?;
    ctx.registry.ensure_project(&ctx.project).await?;
    let repository = ctx.repository("mixed");
    let token = ctx.registry.token(&push_pull(&repository)).await?;
    let material = Arc::new(Material::new(ctx.seed ^ 0x3133));
    let (manifest, layer) = push_small_image(
        &ctx.registry,
        &token,
        &repository,
        "stable",
        &material,
        0,
        LAYER,
    )
    .await?;
    let pulled: Value = serde_json::from_slice(&manifest)?;
    pulled["layers"][0]["digest"]
        .as_str()
        .context("layer digest")?;

    let shared = Arc::new(Shared {
        registry: ctx.registry.clone(),
        token,
        repository,
        layer,
        material,
        project: ctx.project.clone(),
    });
    let mut series = Series::new(
        "mixed",
        &format!("80/15/5 x{}", options.connections),
        "ops/s",
        Better::Higher,
    );
    for round in 0..ctx.rounds {
        let shared = shared.clone();
        let seed = ctx.seed ^ round as u64;
        let load = closed_loop(
            options.connections,
            Duration::from_secs_f64(options.seconds),
            move |worker, n| {
                let shared = shared.clone();
                async move {
                    let mut state = seed ^ ((worker as u64) << 32) ^ n;
                    match splitmix64(&mut state) % 100 {
                        0..80 => shared.pull().await,
                        80..95 => {
                            let id = 1 + ((round as u64) << 48 | (worker as u64) << 32 | n);
                            shared.push(id).await
                        }
                        _ => shared.list().await,
                    }
                }
            },
        );
        let (outcome, cost) = watched(ctx.server_pid, load).await?;
        series.add(outcome.per_second(), outcome, cost);
    }
    Ok(vec![series.finish()])
}

struct Shared {
    registry: Registry,
    token: String,
    repository: String,
    layer: String,
    material: Arc<Material>,
    project: String,
}

impl Shared {
    async fn pull(&self) -> anyhow::Result<u64> {
        let registry = &self.registry;
        let manifest = registry.url(&format!("/v2/{}/manifests/stable", self.repository));
        let blob = registry.url(&format!("/v2/{}/blobs/{}", self.repository, self.layer));
        let read = registry
            .fetch(Method::GET, manifest, Some(&self.token), Some(OCI_MANIFEST))
            .await?;
        Ok(read
            + registry
                .fetch(Method::GET, blob, Some(&self.token), None)
                .await?)
    }

    async fn push(&self, id: u64) -> anyhow::Result<u64> {
        let tag = format!("m{id:x}");
        push_small_image(
            &self.registry,
            &self.token,
            &self.repository,
            &tag,
            &self.material,
            id,
            LAYER,
        )
        .await?;
        Ok(LAYER as u64)
    }

    async fn list(&self) -> anyhow::Result<u64> {
        let url = self.registry.url(&format!(
            "/api/v2.0/projects/{}/repositories/mixed/artifacts?page_size=20&with_tag=true",
            self.project
        ));
        read_all(self.registry.admin_get(url).await?).await
    }
}
