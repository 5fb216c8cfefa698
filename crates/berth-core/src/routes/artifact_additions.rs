//! `GET …/artifacts/{reference}/additions/{addition}`: what Harbor shows
//! beside an artifact, read from its stored blobs: an image's build history
//! (from its config), a Helm chart's `values.yaml` and `README.md` (from
//! its chart archive).

use actix_web::{HttpResponse, web};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_storage::{BlobStore, StorageError};
use berth_types::{Action, Digest, Resource};
use std::io::Read;

use super::artifacts::artifact_for;
use crate::views;

/// The largest config or chart archive read for an addition.
const MAX_BLOB_BYTES: u64 = 16 << 20;
/// The largest file taken out of a chart archive.
const MAX_FILE_BYTES: u64 = 4 << 20;
const CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions/{addition}",
    tag = "artifact",
    operation_id = "get_addition",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
        ("addition" = String, Path, description = "build_history for images; values.yaml or readme.md for Helm charts"),
    ),
    responses((status = 200, description = "The addition: JSON for build_history, text for chart files"), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "No such artifact, or no such addition for it", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_addition(
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, Failure> {
    let (project, repository, reference, addition) = path.into_inner();
    let mut conn = auth.db().acquire().await?;
    let (_, _, record) = artifact_for(
        &mut conn,
        &principal,
        (&project, &repository, &reference),
        Resource::ArtifactAddition,
        Action::Read,
    )
    .await?;
    drop(conn);
    let unavailable = || -> Failure {
        ApiError::new(
            ErrorCode::NotFound,
            format!(
                "this {} artifact has no addition {addition:?}",
                views::artifact_kind(&record).to_lowercase()
            ),
        )
        .into()
    };
    if !views::addition_names(&record).contains(&addition.as_str()) {
        return Err(unavailable());
    }
    let blobs = BlobStore::new(auth.platform().storage().store().clone());
    let manifest = read_json(&blobs, &record.digest).await?;
    if addition == "build_history" {
        let config = manifest["config"]["digest"]
            .as_str()
            .ok_or_else(unavailable)?;
        let config = read_json(&blobs, config).await?;
        let history = config
            .get("history")
            .cloned()
            .unwrap_or_else(|| serde_json::json!([]));
        return Ok(HttpResponse::Ok().json(history));
    }
    let layer = manifest["layers"]
        .as_array()
        .and_then(|layers| layers.iter().find(|l| l["mediaType"] == CHART_LAYER))
        .and_then(|l| l["digest"].as_str())
        .ok_or_else(unavailable)?;
    let archive = read_blob(&blobs, layer).await?;
    let wanted = addition.clone();
    let file = tokio::task::spawn_blocking(move || chart_file(&archive, &wanted))
        .await
        .map_err(Failure::internal)??;
    match file {
        Some(text) => Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(text)),
        None => Err(unavailable()),
    }
}

async fn read_blob(blobs: &BlobStore, digest: &str) -> Result<bytes::Bytes, Failure> {
    let digest: Digest = digest.parse().map_err(Failure::internal)?;
    blobs
        .get_bytes_at_most(&digest, MAX_BLOB_BYTES)
        .await
        .map_err(storage_failure)
}

/// Storage trouble as the client should see it: a blob that is gone or
/// too large to read is a missing addition; an unreachable store is a 503.
fn storage_failure(err: StorageError) -> Failure {
    match err {
        StorageError::NotFound(_) | StorageError::TooLarge { .. } => {
            ApiError::new(ErrorCode::NotFound, format!("addition unavailable: {err}")).into()
        }
        StorageError::Backend(_) | StorageError::Full(_) => Failure::Unavailable(err.to_string()),
        other => Failure::internal(other),
    }
}

async fn read_json(blobs: &BlobStore, digest: &str) -> Result<serde_json::Value, Failure> {
    serde_json::from_slice(&read_blob(blobs, digest).await?).map_err(Failure::internal)
}

/// `values.yaml` or the chart's README (any case) at the top of the chart
/// directory in a gzipped chart archive.
fn chart_file(archive: &[u8], addition: &str) -> Result<Option<String>, Failure> {
    let mut entries = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    for entry in entries.entries().map_err(Failure::internal)? {
        let mut entry = entry.map_err(Failure::internal)?;
        let path = entry.path().map_err(Failure::internal)?.into_owned();
        let mut parts = path.components();
        let (Some(_chart), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let name = name.as_os_str().to_string_lossy();
        let matches = match addition {
            "values.yaml" => name == "values.yaml",
            "readme.md" => name.eq_ignore_ascii_case("readme.md"),
            _ => false,
        };
        if matches {
            let mut text = String::new();
            entry
                .by_ref()
                .take(MAX_FILE_BYTES)
                .read_to_string(&mut text)
                .map_err(Failure::internal)?;
            return Ok(Some(text));
        }
    }
    Ok(None)
}
