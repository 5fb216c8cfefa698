//! The first, middle and last page of a repository's artifacts, as the
//! console asks for them, once the repository holds many artifacts. The
//! artifacts are pushed through the registry API (one shared config and
//! layer, a distinct manifest and tag each); a rerun tops up what is
//! missing instead of pushing them again.

use anyhow::{Context, anyhow, ensure};
use reqwest::Method;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

use super::{Ctx, push_pull, push_small_image};
use crate::client::{image_manifest, read_all};
use crate::data::Material;
use crate::load::{Outcome, each};
use crate::results::{Better, Measurement, Series, watched};
use crate::stats::Latency;

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 100_000)]
    pub artifacts: u64,
    #[arg(long, default_value_t = 100)]
    pub page_size: u64,
    #[arg(long, default_value_t = 100)]
    pub samples: usize,
    #[arg(long, default_value_t = 32)]
    pub seed_connections: usize,
}

pub async fn run(ctx: &Ctx, options: &Options) -> anyhow::Result<Vec<Measurement>> {
    ctx.require_berth("list-artifacts")?;
    ctx.registry.ensure_project(&ctx.project).await?;
    let repository = ctx.repository("list");
    let mut measurements = Vec::new();
    let present = total(ctx, "list").await.unwrap_or(0);
    if present < options.artifacts {
        measurements.push(seed(ctx, &repository, present, options).await?);
    }
    let found = total(ctx, "list").await?;
    ensure!(
        found >= options.artifacts,
        "{found} artifacts after seeding, wanted {}",
        options.artifacts
    );

    let pages = found.div_ceil(options.page_size);
    for (variant, page) in [("first", 1), ("middle", pages.div_ceil(2)), ("last", pages)] {
        let mut series = Series::new(
            "list-artifacts",
            &format!("{variant} page of {found}"),
            "ms p99",
            Better::Lower,
        );
        let path = format!(
            "/projects/{}/repositories/list/artifacts?page_size={}&page={page}&with_tag=true",
            ctx.project, options.page_size
        );
        // Warm the server's pool and the database's cache, as a console in
        // use would have them.
        for _ in 0..3 {
            ctx.registry.api(Method::GET, &path, None).await?;
        }
        let expected = options
            .page_size
            .min(found - (page - 1) * options.page_size);
        for _ in 0..ctx.rounds {
            let (outcome, cost) = watched(
                ctx.server_pid,
                sequential(ctx, &path, expected, options.samples),
            )
            .await?;
            let mut latencies = outcome.latencies.clone();
            series.add(Latency::of(&mut latencies).p99, outcome, cost);
        }
        measurements.push(series.finish());
    }
    Ok(measurements)
}

async fn sequential(ctx: &Ctx, path: &str, expected: u64, samples: usize) -> Outcome {
    let mut outcome = Outcome::default();
    let started = Instant::now();
    for _ in 0..samples {
        let sent = Instant::now();
        let result = ctx
            .registry
            .api(Method::GET, path, None)
            .await
            .and_then(|page| {
                let listed = page.as_array().map_or(0, Vec::len) as u64;
                ensure!(
                    listed == expected,
                    "listed {listed} artifacts, expected {expected}"
                );
                Ok(listed)
            });
        outcome.latencies.push(sent.elapsed());
        outcome.requests += 1;
        if let Err(err) = result {
            outcome.errors += 1;
            outcome.first_errors.push(format!("{err:#}"));
        }
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// How many artifacts the repository lists, from `X-Total-Count`.
async fn total(ctx: &Ctx, repository: &str) -> anyhow::Result<u64> {
    let url = ctx.registry.url(&format!(
        "/api/v2.0/projects/{}/repositories/{repository}/artifacts?page_size=1",
        ctx.project
    ));
    let response = ctx.registry.admin_get(url).await?;
    let count = response
        .headers()
        .get("x-total-count")
        .and_then(|value| value.to_str().ok()?.parse().ok())
        .ok_or_else(|| {
            anyhow!(
                "artifact listing answered {} without X-Total-Count",
                response.status()
            )
        })?;
    read_all(response).await?;
    Ok(count)
}

/// Pushes manifests `present..artifacts`, each tagged, over a shared
/// config and layer; reports the push rate.
async fn seed(
    ctx: &Ctx,
    repository: &str,
    present: u64,
    options: &Options,
) -> anyhow::Result<Measurement> {
    let token = Arc::new(ctx.registry.token(&push_pull(repository)).await?);
    let material = Material::new(0x5eed);
    // The first image puts the shared blobs in place.
    let (first, _) = push_small_image(
        &ctx.registry,
        &token,
        repository,
        "seed",
        &material,
        0,
        1024,
    )
    .await?;
    let first: Value = serde_json::from_slice(&first)?;
    let config = (
        first["config"]["digest"]
            .as_str()
            .context("config digest")?
            .to_owned(),
        first["config"]["size"].as_u64().context("config size")? as usize,
    );
    let layer = (
        first["layers"][0]["digest"]
            .as_str()
            .context("layer digest")?
            .to_owned(),
        first["layers"][0]["size"].as_u64().context("layer size")? as usize,
    );
    let (registry, repository) = (ctx.registry.clone(), repository.to_owned());
    let config = Arc::new(config);
    let layer = Arc::new(layer);
    let jobs: Vec<u64> = (present..options.artifacts).collect();
    let count = jobs.len();
    let load = each(options.seed_connections, jobs, move |n| {
        let (registry, repository, token, config, layer) = (
            registry.clone(),
            repository.clone(),
            token.clone(),
            config.clone(),
            layer.clone(),
        );
        async move {
            let manifest = image_manifest(
                (&config.0, config.1),
                &[(*layer).clone()],
                &format!("artifact {n}"),
            );
            registry
                .put_manifest(&token, &repository, &format!("t{n}"), &manifest)
                .await?;
            Ok(manifest.len() as u64)
        }
    });
    let (outcome, cost) = watched(ctx.server_pid, load).await?;
    ensure!(
        outcome.errors == 0,
        "{} of {count} manifest pushes failed: {:?}",
        outcome.errors,
        outcome.first_errors
    );
    let mut series = Series::new(
        "list-artifacts",
        &format!("seeding x{}", options.seed_connections),
        "manifests/s",
        Better::Higher,
    );
    let rate = outcome.per_second();
    series.add(rate, outcome, cost);
    Ok(series.finish())
}
