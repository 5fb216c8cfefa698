//! `POST …/artifacts?from=<project>/<repository>(:<tag>|@<digest>)`: copies
//! an artifact (an index with all its entries) into this repository. The
//! bytes are not copied, only made visible here, and the destination
//! project's quota is charged as a push would be.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::authz::{ProjectRef, project_access};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_registry::Resolutions;
use berth_registry::store::artifacts::{self as registry_artifacts, NewArtifact};
use berth_registry::store::{blobs, repositories as registry_repositories};
use berth_types::{Action, Reference, RepositoryName, Resource};
use serde::Deserialize;
use sqlx::PgConnection;

use super::Actor;
use super::artifacts::parse_reference;
use super::repositories::{project_for, repository_path};
use crate::store::artifacts::{self, ArtifactRecord};

#[derive(Debug, Deserialize)]
pub struct CopyQuery {
    from: Option<String>,
}

fn bad_request(message: impl Into<String>) -> Failure {
    ApiError::new(ErrorCode::BadRequest, message).into()
}

/// `project/repo@sha256:…` or `project/repo:tag`.
fn parse_source(from: &str) -> Result<(RepositoryName, Reference), Failure> {
    let (name, reference) = match from.split_once('@') {
        Some(split) => split,
        None => {
            let colon = from
                .rfind(':')
                .filter(|&i| !from[i..].contains('/'))
                .ok_or_else(|| {
                    bad_request(format!(
                        "from={from:?} must be <project>/<repository>:<tag> or <project>/<repository>@<digest>"
                    ))
                })?;
            (&from[..colon], &from[colon + 1..])
        }
    };
    let name = name
        .parse::<RepositoryName>()
        .map_err(|e| bad_request(format!("invalid repository in from={from:?}: {e}")))?;
    Ok((name, parse_reference(reference)?))
}

/// The artifact and, for an index, every artifact below it, children
/// before parents so each copy finds its entries already there.
async fn closure(
    conn: &mut PgConnection,
    repository_id: i64,
    root: ArtifactRecord,
) -> Result<Vec<ArtifactRecord>, Failure> {
    let mut ordered = vec![root];
    let mut next = 0;
    while next < ordered.len() {
        let parent = ordered[next].id;
        next += 1;
        for (digest, kind, _) in artifacts::referenced(conn, parent).await? {
            if kind != "manifest" || ordered.iter().any(|a| a.digest == digest) {
                continue;
            }
            let reference = Reference::Digest(digest.parse().map_err(Failure::internal)?);
            if let Some(child) = artifacts::find(conn, repository_id, &reference).await? {
                ordered.push(child);
            }
        }
    }
    ordered.reverse();
    Ok(ordered)
}

async fn link(
    conn: &mut PgConnection,
    (project_id, project): (i64, &str),
    repository_id: i64,
    digest: &str,
    size: i64,
) -> Result<(), Failure> {
    if let blobs::Charge::OverQuota { limit, used } =
        blobs::link_blob(conn, project_id, repository_id, digest, size).await?
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "quota exceeded in project {project}: adding {size} bytes to the {used} bytes used would pass its limit of {limit} bytes"
            ),
        )
        .into());
    }
    Ok(())
}

#[utoipa::path(
    post,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts",
    tag = "artifact",
    operation_id = "copy_artifact",
    params(
        ("project_name" = String, Path, description = "Destination project"),
        ("repository_name" = String, Path, description = "Destination repository without the project; a '/' in it is encoded twice"),
        ("from" = String, Query, description = "The source: <project>/<repository>:<tag> or <project>/<repository>@<digest>"),
    ),
    responses((status = 201, description = "Copied; Location names the copy"), (status = 400, description = "Invalid source", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed on either side, or over the destination's quota", body = berth_http::ErrorBody), (status = 404, description = "Source or destination not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn copy_artifact(
    req: HttpRequest,
    auth: web::Data<Auth>,
    resolutions: web::Data<Resolutions>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: web::Query<CopyQuery>,
) -> Result<HttpResponse, Failure> {
    let (project, repository) = path.into_inner();
    let from = query
        .from
        .as_deref()
        .ok_or_else(|| bad_request("from is required"))?;
    let (source, reference) = parse_source(from)?;
    let destination: RepositoryName = format!("{project}/{}", repository_path(&repository)?)
        .parse()
        .map_err(|e| bad_request(format!("invalid destination repository: {e}")))?;

    let mut tx = auth.db().begin().await?;
    let source_access = project_access(
        &mut tx,
        &principal,
        ProjectRef::Name(source.project().as_str()),
    )
    .await?;
    if !source_access.allows_repository(
        source.path_in_project(),
        Resource::Repository,
        Action::Pull,
    ) {
        return Err(principal
            .denied(format!("you may not pull from {source}"))
            .into());
    }
    let target = project_for(
        &mut tx,
        &principal,
        &project,
        Resource::Artifact,
        Action::Create,
    )
    .await?;
    if !target.allows_repository(
        destination.path_in_project(),
        Resource::Repository,
        Action::Push,
    ) {
        return Err(principal
            .denied(format!("you may not push to {destination}"))
            .into());
    }
    let not_found = || -> Failure {
        ApiError::new(ErrorCode::NotFound, format!("artifact {from} not found")).into()
    };
    let source_id = registry_repositories::find_repository_id(&mut tx, source.as_str())
        .await?
        .ok_or_else(not_found)?;
    let root = artifacts::find(&mut tx, source_id, &reference)
        .await?
        .ok_or_else(not_found)?;
    let digest = root.digest.clone();

    let repository_id =
        registry_repositories::ensure_repository(&mut tx, target.project.id, destination.as_str())
            .await?;
    blobs::lock_usage(&mut tx, target.project.id).await?;
    registry_repositories::touch_repository(&mut tx, repository_id).await?;
    let owner = (target.project.id, target.project.name.as_str());
    let mut copied_root = 0;
    for record in closure(&mut tx, source_id, root).await? {
        let referenced = artifacts::referenced(&mut tx, record.id).await?;
        let blob_digests: Vec<String> = referenced
            .iter()
            .filter(|(_, kind, _)| kind == "blob")
            .map(|(d, _, _)| d.clone())
            .collect();
        for (blob, size) in artifacts::blob_sizes(&mut tx, &blob_digests).await? {
            link(&mut tx, owner, repository_id, &blob, size).await?;
        }
        link(&mut tx, owner, repository_id, &record.digest, record.size).await?;
        let (id, _) = registry_artifacts::upsert_artifact(
            &mut tx,
            &NewArtifact {
                repository_id,
                digest: &record.digest,
                media_type: &record.media_type,
                artifact_type: record.artifact_type.as_deref(),
                config_media_type: record.config_media_type.as_deref(),
                size: record.size,
                subject_digest: record.subject_digest.as_deref(),
                annotations: record.annotations.as_ref(),
                extra_attrs: record.extra_attrs.as_ref(),
                total_size: record.total_size,
            },
        )
        .await?;
        registry_artifacts::insert_references(&mut tx, id, "blob", &blob_digests, &[]).await?;
        let (children, platforms): (Vec<String>, Vec<Option<serde_json::Value>>) = referenced
            .into_iter()
            .filter(|(_, kind, _)| kind == "manifest")
            .map(|(d, _, platform)| (d, platform))
            .unzip();
        registry_artifacts::insert_references(&mut tx, id, "manifest", &children, &platforms)
            .await?;
        copied_root = id;
    }
    if let Reference::Tag(tag) = &reference {
        registry_artifacts::upsert_tag(&mut tx, repository_id, tag.as_str(), copied_root).await?;
    }
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(target.project.id),
            "artifact",
            &format!("{destination}@{digest}"),
            "create",
        )
        .await?;
    resolutions.commit(tx).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("{}/{digest}", req.path())))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_name_a_tag_or_a_digest() {
        let (name, reference) = parse_source("lib/app:v1").unwrap();
        assert_eq!(name.as_str(), "lib/app");
        assert!(matches!(reference, Reference::Tag(_)));
        let digest = format!("sha256:{}", "a".repeat(64));
        let (name, reference) = parse_source(&format!("lib/a/b@{digest}")).unwrap();
        assert_eq!(name.as_str(), "lib/a/b");
        assert!(matches!(reference, Reference::Digest(_)));
        assert!(parse_source("lib/app").is_err());
        assert!(parse_source("lib:8080/app").is_err());
    }
}
