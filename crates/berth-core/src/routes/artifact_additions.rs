//! `GET …/artifacts/{reference}/additions/{addition}`: what Harbor shows
//! beside an artifact, read from its stored blobs. Images have their build
//! history; other additions belong to types (charts) that have none here.

use actix_web::{HttpResponse, web};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_storage::BlobStore;
use berth_types::{Action, Digest, Resource};

use super::artifacts::artifact_for;
use crate::views;

const MAX_CONFIG_BYTES: usize = 4 << 20;

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions/{addition}",
    tag = "artifact",
    operation_id = "get_addition",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
        ("addition" = String, Path, description = "build_history for images"),
    ),
    responses((status = 200, description = "The addition, as JSON", content_type = "application/json"), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "No such artifact, or no such addition for its type", body = berth_http::ErrorBody)),
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
                "{} artifacts have no addition {addition:?}",
                views::artifact_kind(&record).to_lowercase()
            ),
        )
        .into()
    };
    if addition != "build_history" || !views::addition_names(&record).contains(&"build_history") {
        return Err(unavailable());
    }
    let blobs = BlobStore::new(auth.platform().storage().store().clone());
    let manifest_digest: Digest = record.digest.parse().map_err(Failure::internal)?;
    let manifest = blobs
        .get_bytes(&manifest_digest)
        .await
        .map_err(Failure::internal)?;
    let manifest: serde_json::Value =
        serde_json::from_slice(&manifest).map_err(Failure::internal)?;
    let config_digest: Digest = manifest["config"]["digest"]
        .as_str()
        .ok_or_else(unavailable)?
        .parse()
        .map_err(Failure::internal)?;
    let config = blobs
        .get_bytes(&config_digest)
        .await
        .map_err(Failure::internal)?;
    if config.len() > MAX_CONFIG_BYTES {
        return Err(unavailable());
    }
    let config: serde_json::Value = serde_json::from_slice(&config).map_err(Failure::internal)?;
    let history = config
        .get("history")
        .cloned()
        .unwrap_or_else(|| serde_json::json!([]));
    Ok(HttpResponse::Ok().json(history))
}
