//! Whole images pushed by concurrent clients, each the way Docker pushes
//! one: a token for the repository, HEAD of every blob, an upload of each
//! missing one (open a session, PUT the bytes), then the manifest by tag.
//! A share of the layers is common to all images, like a base image.

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use std::collections::HashMap;
use std::sync::Arc;

use super::{Ctx, push_pull};
use crate::client::{Registry, image_manifest};
use crate::data::{Material, digest_of, splitmix64};
use crate::load::each;
use crate::results::{Better, Measurement, Series, watched};

const UPLOADS_PER_IMAGE: usize = 5;

#[derive(clap::Args)]
pub struct Options {
    /// The name of this run in the results.
    #[arg(long, default_value = "200 images x 10 layers")]
    pub variant: String,
    #[arg(long, default_value_t = 200)]
    pub images: usize,
    #[arg(long, default_value_t = 10)]
    pub layers: usize,
    #[arg(long, default_value_t = 1024)]
    pub min_kib: u64,
    #[arg(long, default_value_t = 20480)]
    pub max_kib: u64,
    /// The share of layer slots filled from the common layers.
    #[arg(long, default_value_t = 0.3)]
    pub shared: f64,
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Images go round-robin into this many repositories.
    #[arg(long, default_value_t = 200)]
    pub repositories: usize,
}

#[derive(Clone)]
struct Layer {
    id: u64,
    size: usize,
    digest: String,
}

struct Image {
    number: usize,
    repository: String,
    layers: Vec<Arc<Layer>>,
}

pub async fn run(ctx: &Ctx, options: &Options) -> anyhow::Result<Vec<Measurement>> {
    ctx.require_berth("push-image")?;
    ctx.registry.ensure_project(&ctx.project).await?;
    let mut images_per_second =
        Series::new("push-image", &options.variant, "images/s", Better::Higher);
    for round in 0..ctx.rounds {
        let material = Arc::new(Material::new(ctx.seed ^ ((round as u64 + 1) << 52)));
        let images = plan(ctx, options, &material, round);
        let registry = ctx.registry.clone();
        let material_for_jobs = material.clone();
        let load = each(options.clients, images, move |image: Image| {
            let (registry, material) = (registry.clone(), material_for_jobs.clone());
            async move { push(&registry, &material, image).await }
        });
        let (outcome, cost) = watched(ctx.server_pid, load).await?;
        images_per_second.add(outcome.per_second(), outcome, cost);
    }
    Ok(vec![images_per_second.finish()])
}

/// Which layers each image has; computes every distinct layer's digest
/// before the clock starts.
fn plan(ctx: &Ctx, options: &Options, material: &Material, round: usize) -> Vec<Image> {
    let mut state = ctx.seed ^ round as u64;
    let mut size = || {
        let span = options.max_kib.saturating_sub(options.min_kib) + 1;
        ((options.min_kib + splitmix64(&mut state) % span) * 1024) as usize
    };
    let mut digests: HashMap<u64, Arc<Layer>> = HashMap::new();
    let mut layer = |id: u64, size: usize| {
        digests
            .entry(id)
            .or_insert_with(|| {
                Arc::new(Layer {
                    id,
                    size,
                    digest: digest_of(&material.blob(id, size)),
                })
            })
            .clone()
    };
    let common: Vec<(u64, usize)> = (0..options.layers as u64)
        .map(|slot| (slot, size()))
        .collect();
    let mut pick = ctx.seed.rotate_left(17) ^ round as u64;
    (0..options.images)
        .map(|number| {
            let layers = (0..options.layers)
                .map(|slot| {
                    let roll = (splitmix64(&mut pick) % 10_000) as f64 / 10_000.0;
                    if roll < options.shared {
                        let (id, size) = common[slot];
                        layer(id, size)
                    } else {
                        let id = 1_000_000 + (number * options.layers + slot) as u64;
                        let size = size();
                        layer(id, size)
                    }
                })
                .collect();
            Image {
                number,
                repository: ctx
                    .repository(&format!("img-{}", number % options.repositories.max(1))),
                layers,
            }
        })
        .collect()
}

async fn push(registry: &Registry, material: &Material, image: Image) -> anyhow::Result<u64> {
    let repository = &image.repository;
    let token = registry.token(&push_pull(repository)).await?;
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}},"image":{}}}"#,
        image.number
    )
    .into_bytes();
    let config_digest = digest_of(&config);
    let blobs: Vec<(String, Option<Arc<Layer>>)> = image
        .layers
        .iter()
        .map(|layer| (layer.digest.clone(), Some(layer.clone())))
        .chain([(config_digest.clone(), None)])
        .collect();
    // Docker uploads up to five layers of an image at once.
    let moved: u64 = stream::iter(blobs)
        .map(|(digest, layer)| {
            let (token, config) = (&token, &config);
            async move {
                if registry.blob_exists(token, repository, &digest).await? {
                    return anyhow::Ok(0);
                }
                let bytes = match &layer {
                    Some(layer) => Bytes::from(material.blob(layer.id, layer.size)),
                    None => Bytes::from(config.clone()),
                };
                let length = bytes.len() as u64;
                registry
                    .push_blob_two_step(token, repository, &digest, bytes)
                    .await?;
                Ok(length)
            }
        })
        .buffer_unordered(UPLOADS_PER_IMAGE)
        .try_fold(0, |total, moved| async move { Ok(total + moved) })
        .await?;
    let layers: Vec<(String, usize)> = image
        .layers
        .iter()
        .map(|l| (l.digest.clone(), l.size))
        .collect();
    let manifest = image_manifest(
        (&config_digest, config.len()),
        &layers,
        &format!("image {}", image.number),
    );
    registry
        .put_manifest(&token, repository, &format!("i{}", image.number), &manifest)
        .await?;
    Ok(moved)
}
