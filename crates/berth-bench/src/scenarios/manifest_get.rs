//! GET and HEAD of a manifest by tag with a bearer token, from one
//! connection and from many; against a static server, the same bytes as a
//! file.

use anyhow::ensure;
use reqwest::{Method, header};
use std::sync::Arc;
use std::time::Duration;

use super::{Ctx, push_small_image};
use crate::client::{OCI_MANIFEST, read_all};
use crate::data::Material;
use crate::load::closed_loop;
use crate::results::{Better, Measurement, Series, watched};

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, value_delimiter = ',', default_value = "1,64")]
    pub connections: Vec<usize>,
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Where to write the manifest bytes, for a static server to serve.
    #[arg(long)]
    pub save: Option<std::path::PathBuf>,
}

pub async fn run(ctx: &Ctx, options: &Options) -> anyhow::Result<Vec<Measurement>> {
    let (url, token, length) = if ctx.baseline {
        let url = ctx.registry.url("/manifest.json");
        let length = read_all(ctx.registry.http.get(url.clone()).send().await?).await?;
        (url, None, length)
    } else {
        ctx.registry.ensure_project(&ctx.project).await?;
        let repository = ctx.repository("manifest");
        let token = ctx.registry.token(&super::push_pull(&repository)).await?;
        let (manifest, _) = push_small_image(
            &ctx.registry,
            &token,
            &repository,
            "latest",
            &Material::new(ctx.seed),
            1,
            4096,
        )
        .await?;
        if let Some(path) = &options.save {
            std::fs::write(path, &manifest)?;
        }
        let url = ctx
            .registry
            .url(&format!("/v2/{repository}/manifests/latest"));
        (url, Some(token), manifest.len() as u64)
    };
    let mut measurements = Vec::new();
    for &connections in &options.connections {
        for method in [Method::GET, Method::HEAD] {
            let mut series = Series::new(
                "manifest-get",
                &format!("{method} x{connections}"),
                "req/s",
                Better::Higher,
            );
            for _ in 0..ctx.rounds {
                let (registry, url, token, method) = (
                    ctx.registry.clone(),
                    url.clone(),
                    token.clone(),
                    method.clone(),
                );
                let token = Arc::new(token);
                let load = closed_loop(
                    connections,
                    Duration::from_secs_f64(options.seconds),
                    move |_, _| {
                        let (registry, url, token, method) =
                            (registry.clone(), url.clone(), token.clone(), method.clone());
                        async move {
                            let is_get = method == Method::GET;
                            let mut request = registry
                                .http
                                .request(method, url)
                                .header(header::ACCEPT, OCI_MANIFEST);
                            if let Some(token) = token.as_deref() {
                                request = request.bearer_auth(token);
                            }
                            let response = request.send().await?;
                            let read = read_all(response).await?;
                            ensure!(
                                !is_get || read == length,
                                "read {read} bytes, expected {length}"
                            );
                            Ok(read)
                        }
                    },
                );
                let (outcome, cost) = watched(ctx.server_pid, load).await?;
                series.add(outcome.per_second(), outcome, cost);
            }
            measurements.push(series.finish());
        }
    }
    Ok(measurements)
}
