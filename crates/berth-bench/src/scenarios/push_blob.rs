//! One large blob pushed as one request, and in 16 MiB chunks the way
//! Docker pushes large layers. The content is new every round.

use anyhow::Context;
use bytes::Bytes;
use futures::stream;
use std::sync::Arc;
use std::time::Instant;

use super::{Ctx, push_pull};
use crate::data::Material;
use crate::load::Outcome;
use crate::results::{Better, Measurement, Series, watched};

const PIECE: usize = 1 << 20;

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 1024)]
    pub size_mib: u64,
    #[arg(long, default_value_t = 16)]
    pub chunk_mib: u64,
}

pub async fn run(ctx: &Ctx, options: &Options) -> anyhow::Result<Vec<Measurement>> {
    ctx.require_berth("push-blob")?;
    ctx.registry.ensure_project(&ctx.project).await?;
    let repository = ctx.repository("blob");
    let token = ctx.registry.token(&push_pull(&repository)).await?;
    let size = options.size_mib << 20;
    let mut measurements = Vec::new();
    for (variant_id, variant) in ["monolithic", "chunked"].into_iter().enumerate() {
        let mut series = Series::new(
            "push-blob",
            &format!("{variant} {} MiB", options.size_mib),
            "s",
            Better::Lower,
        );
        for round in 0..ctx.rounds {
            let material = Arc::new(Material::new(
                ctx.seed ^ ((variant_id as u64) << 40) ^ ((round as u64) << 48),
            ));
            let digest = material.digest_streamed(1, size, PIECE);
            let started = Instant::now();
            let (result, cost) = watched(ctx.server_pid, async {
                if variant == "monolithic" {
                    let body = reqwest::Body::wrap_stream(pieces(material.clone(), size));
                    ctx.registry
                        .push_blob_monolithic(&token, &repository, &digest, body, size)
                        .await
                } else {
                    let chunk_size = options.chunk_mib << 20;
                    ctx.registry
                        .push_blob_chunked(
                            &token,
                            &repository,
                            &digest,
                            size,
                            chunk_size,
                            async |offset, len| {
                                Ok(Bytes::from(material.piece(1, offset, len as usize)))
                            },
                        )
                        .await
                }
            })
            .await?;
            let elapsed = started.elapsed();
            result.with_context(|| format!("{variant} push of {} MiB", options.size_mib))?;
            let outcome = Outcome {
                requests: 1,
                latencies: vec![elapsed],
                ..Outcome::default()
            };
            series.add(elapsed.as_secs_f64(), outcome, cost);
        }
        measurements.push(series.finish());
    }
    Ok(measurements)
}

/// The blob as a stream of 1 MiB pieces, made as they are sent.
pub fn pieces(
    material: Arc<Material>,
    size: u64,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    stream::unfold(0u64, move |offset| {
        let material = material.clone();
        async move {
            (offset < size).then(|| {
                let len = (PIECE as u64).min(size - offset) as usize;
                (
                    Ok(Bytes::from(material.piece(1, offset, len))),
                    offset + len as u64,
                )
            })
        }
    })
}
