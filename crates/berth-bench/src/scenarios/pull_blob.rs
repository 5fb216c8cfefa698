//! One large blob pulled whole and as 8 parallel ranges (as download
//! accelerators and some runtimes do), from Berth with a token or, as the
//! baseline, from a static file server.

use anyhow::{Context, anyhow, ensure};
use futures::future::try_join_all;
use reqwest::{Method, header};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::AsyncWriteExt;
use url::Url;

use super::push_blob::pieces;
use super::{Ctx, push_pull};
use crate::client::read_all;
use crate::data::Material;
use crate::load::Outcome;
use crate::results::{Better, Measurement, Series, watched};

/// The pulled blob is the same on every run of a size, so a second run
/// finds it already pushed.
const PULL_SEED: u64 = 0x0b10_b5ee_d000_0001;

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 1024)]
    pub size_mib: u64,
    #[arg(long, default_value_t = 8)]
    pub ranges: u64,
    /// Where to write the pulled bytes afterwards, so baselines can serve
    /// and hash the very same file.
    #[arg(long)]
    pub save: Option<std::path::PathBuf>,
}

pub async fn run(ctx: &Ctx, options: &Options) -> anyhow::Result<Vec<Measurement>> {
    let (url, token, size) = if ctx.baseline {
        let url = ctx.registry.url("/blob");
        let response = ctx.registry.http.head(url.clone()).send().await?;
        ensure!(
            response.status().is_success(),
            "HEAD {url} answered {}",
            response.status()
        );
        let size = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse().ok())
            .ok_or_else(|| anyhow!("{url} has no Content-Length"))?;
        (url, None, size)
    } else {
        let (url, token) = ensure_blob(ctx, options.size_mib).await?;
        (url, Some(token), options.size_mib << 20)
    };
    let mut measurements = Vec::new();
    for (variant, parts) in [("whole", 1), ("ranges", options.ranges.max(1))] {
        let name = if parts == 1 {
            format!("{variant} {} MiB", size >> 20)
        } else {
            format!("{parts} {variant} {} MiB", size >> 20)
        };
        let mut series = Series::new("pull-blob", &name, "MiB/s", Better::Higher);
        for _ in 0..ctx.rounds {
            let started = Instant::now();
            let (result, cost) = watched(
                ctx.server_pid,
                pull(ctx, &url, token.as_deref(), size, parts),
            )
            .await?;
            let elapsed = started.elapsed();
            result.with_context(|| format!("pulling {url}"))?;
            let outcome = Outcome {
                requests: parts,
                latencies: vec![elapsed],
                ..Outcome::default()
            };
            series.add(
                size as f64 / (1 << 20) as f64 / elapsed.as_secs_f64(),
                outcome,
                cost,
            );
        }
        measurements.push(series.finish());
    }
    if let Some(path) = &options.save {
        save(ctx, &url, token.as_deref(), path).await?;
    }
    Ok(measurements)
}

async fn pull(
    ctx: &Ctx,
    url: &Url,
    token: Option<&str>,
    size: u64,
    parts: u64,
) -> anyhow::Result<()> {
    let part = size.div_ceil(parts);
    let requests = (0..parts).map(|index| {
        let start = index * part;
        let end = (start + part).min(size) - 1;
        async move {
            let mut request = ctx.registry.http.request(Method::GET, url.clone());
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if parts > 1 {
                request = request.header(header::RANGE, format!("bytes={start}-{end}"));
            }
            let read = read_all(request.send().await?).await?;
            ensure!(
                read == end - start + 1,
                "expected {} bytes, read {read}",
                end - start + 1
            );
            Ok(())
        }
    });
    try_join_all(requests).await?;
    Ok(())
}

/// Pushes the pull blob unless it is there; returns its URL and a token.
async fn ensure_blob(ctx: &Ctx, size_mib: u64) -> anyhow::Result<(Url, String)> {
    ctx.registry.ensure_project(&ctx.project).await?;
    let repository = ctx.repository("blob");
    let token = ctx.registry.token(&push_pull(&repository)).await?;
    let material = Arc::new(Material::new(PULL_SEED ^ size_mib));
    let size = size_mib << 20;
    let digest = material.digest_streamed(1, size, 1 << 20);
    if !ctx
        .registry
        .blob_exists(&token, &repository, &digest)
        .await?
    {
        let body = reqwest::Body::wrap_stream(pieces(material, size));
        ctx.registry
            .push_blob_monolithic(&token, &repository, &digest, body, size)
            .await?;
    }
    Ok((
        ctx.registry
            .url(&format!("/v2/{repository}/blobs/{digest}")),
        token,
    ))
}

async fn save(
    ctx: &Ctx,
    url: &Url,
    token: Option<&str>,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let mut request = ctx.registry.http.get(url.clone());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let mut response = request.send().await?.error_for_status()?;
    let mut file = tokio::fs::File::create(path)
        .await
        .with_context(|| format!("creating {}", path.display()))?;
    while let Some(chunk) = response.chunk().await? {
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    Ok(())
}
