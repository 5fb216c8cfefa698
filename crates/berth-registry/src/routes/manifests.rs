//! `PUT`/`GET`/`HEAD`/`DELETE /v2/<name>/manifests/<reference>`.

use actix_web::http::StatusCode;
use actix_web::http::header::ACCEPT;
use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::store::audit::{AuditEntry, insert_audit};
use berth_auth::token::Claims;
use berth_http::{ApiError, ErrorCode, Failure};
use berth_storage::digest_of;
use berth_types::{Digest, DigestAlgorithm, Reference, RepositoryName};
use futures::StreamExt;
use std::sync::Arc;

use super::{Registry, project_of, registry_response};
use crate::access::{Need, authorize};
use crate::domain::{manifest, negotiation};
use crate::error::{RegistryError, Reply};
use crate::store::artifacts::{self, ArtifactRow, NewArtifact};
use crate::store::{blobs, repositories};

/// Reads the manifest body, refusing anything over the configured limit.
async fn read_body(mut payload: web::Payload, limit: u64) -> Result<bytes::Bytes, RegistryError> {
    let too_large = || {
        RegistryError::Oci(
            ApiError::new(
                ErrorCode::ManifestInvalid,
                format!("manifest exceeds the limit of {limit} bytes"),
            )
            .with_status(StatusCode::PAYLOAD_TOO_LARGE),
        )
    };
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| RegistryError::oci(ErrorCode::ManifestInvalid, e.to_string()))?;
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn audit<'a>(
    claims: &'a Claims,
    project_id: i64,
    resource: &'a str,
    operation: &'a str,
) -> AuditEntry<'a> {
    AuditEntry {
        project_id: Some(project_id),
        username: &claims.sub,
        source_ip: None,
        resource_type: "artifact",
        resource,
        operation,
        detail: "",
        success: true,
    }
}

pub async fn put_manifest(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    reference: &Reference,
    payload: web::Payload,
) -> Reply {
    let claims = authorize(registry, req, name, Need::Push).await?;
    let limit = registry.platform().config().limits.manifest_bytes;
    let body = read_body(payload, limit).await?;
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    let parsed = manifest::parse(content_type, &body)
        .map_err(|e| RegistryError::oci(ErrorCode::ManifestInvalid, e.to_string()))?;
    let digest = match reference {
        Reference::Digest(claimed) => {
            let actual = digest_of(claimed.algorithm(), &body);
            if actual != *claimed {
                return Err(RegistryError::oci(
                    ErrorCode::DigestInvalid,
                    format!("manifest hashes to {actual}, not {claimed}"),
                ));
            }
            actual
        }
        Reference::Tag(_) => digest_of(DigestAlgorithm::Sha256, &body),
    };

    let mut tx = registry.auth.db().begin().await?;
    let project = project_of(&mut tx, name).await?;
    let repository_id = repositories::ensure_repository(&mut tx, project.id, name.as_str()).await?;
    let blob_digests: Vec<String> = parsed
        .blobs()
        .iter()
        .map(|d| d.digest.to_string())
        .collect();
    let missing = blobs::missing_blobs(&mut tx, repository_id, &blob_digests).await?;
    if !missing.is_empty() {
        return Err(blobs_missing(name, missing));
    }
    let children: Vec<String> = parsed
        .children()
        .iter()
        .map(|d| d.digest.to_string())
        .collect();
    let missing = artifacts::missing_manifests(&mut tx, repository_id, &children).await?;
    if !missing.is_empty() {
        return Err(RegistryError::Oci(
            ApiError::new(
                ErrorCode::ManifestBlobUnknown,
                format!(
                    "manifest {} is not in {name}: push the index's manifests first",
                    missing[0]
                ),
            )
            .with_detail(serde_json::json!({"missing": missing})),
        ));
    }

    let extra_attrs = image_attributes(registry, &parsed).await;
    registry.blobs.put_verified(&digest, body.clone()).await?;
    let digest_text = digest.to_string();
    blobs::lock_usage(&mut tx, project.id).await?;
    // Again under the lock, which blob deletions also take: one deleted
    // since the check above must not end up referenced.
    let missing = blobs::missing_blobs(&mut tx, repository_id, &blob_digests).await?;
    if !missing.is_empty() {
        return Err(blobs_missing(name, missing));
    }
    let charge = blobs::link_blob(
        &mut tx,
        project.id,
        repository_id,
        &digest_text,
        body.len() as i64,
    )
    .await?;
    RegistryError::from_charge(charge, &project.name, body.len() as i64)?;
    let annotations = parsed.annotations.clone().map(serde_json::Value::Object);
    let total_size = body.len() as i64
        + artifacts::referenced_size(&mut tx, repository_id, &blob_digests, &children).await?;
    let (artifact_id, _) = artifacts::upsert_artifact(
        &mut tx,
        &NewArtifact {
            repository_id,
            digest: &digest_text,
            media_type: &parsed.media_type,
            artifact_type: parsed.artifact_type.as_deref(),
            config_media_type: parsed.config_media_type(),
            size: body.len() as i64,
            subject_digest: parsed
                .subject
                .as_ref()
                .map(|s| s.digest.to_string())
                .as_deref(),
            annotations: annotations.as_ref(),
            extra_attrs: extra_attrs.as_ref(),
            total_size,
        },
    )
    .await?;
    artifacts::insert_references(&mut tx, artifact_id, "blob", &blob_digests, &[]).await?;
    let platforms: Vec<Option<serde_json::Value>> = parsed
        .children()
        .iter()
        .map(|child| {
            child
                .platform
                .as_ref()
                .and_then(|p| serde_json::to_value(p).ok())
        })
        .collect();
    artifacts::insert_references(&mut tx, artifact_id, "manifest", &children, &platforms).await?;
    let resource = match reference {
        Reference::Tag(tag) => {
            artifacts::upsert_tag(&mut tx, repository_id, tag.as_str(), artifact_id).await?;
            format!("{name}:{tag}")
        }
        Reference::Digest(_) => format!("{name}@{digest}"),
    };
    insert_audit(&mut tx, &audit(&claims, project.id, &resource, "push")).await?;
    repositories::touch_repository(&mut tx, repository_id).await?;
    tx.commit().await?;
    registry.resolutions.forget_repository(repository_id);

    let mut response = registry_response(StatusCode::CREATED);
    response
        .insert_header(("Location", format!("/v2/{name}/manifests/{digest}")))
        .insert_header(("Docker-Content-Digest", digest_text))
        .insert_header(("Content-Length", "0"));
    if let Some(subject) = &parsed.subject {
        response.insert_header(("OCI-Subject", subject.digest.to_string()));
    }
    Ok(response.finish())
}

fn blobs_missing(name: &RepositoryName, missing: Vec<String>) -> RegistryError {
    RegistryError::Oci(
        ApiError::new(
            ErrorCode::ManifestBlobUnknown,
            format!("blob {} is not in {name}: push it first", missing[0]),
        )
        .with_detail(serde_json::json!({"missing": missing})),
    )
}

/// The largest image config read at push for its attributes.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Harbor's `extra_attrs` of an image: from its config blob, which the push
/// has just checked is there. A config that cannot be read or parsed only
/// costs the attributes, never the push.
async fn image_attributes(
    registry: &Registry,
    manifest: &manifest::Manifest,
) -> Option<serde_json::Value> {
    let manifest::Kind::Image { config, .. } = &manifest.kind else {
        return None;
    };
    if !manifest::is_image_config(&config.media_type) {
        return None;
    }
    let bytes = match registry
        .blobs
        .get_bytes_at_most(&config.digest, MAX_CONFIG_BYTES)
        .await
    {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::warn!(error = %err, config = %config.digest, "image config unreadable");
            return None;
        }
    };
    let parsed: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let mut attributes = serde_json::Map::new();
    for key in [
        "architecture",
        "os",
        "author",
        "created",
        "config",
        "variant",
        "os.version",
    ] {
        if let Some(value) = parsed.get(key).filter(|v| !v.is_null()) {
            attributes.insert(key.to_owned(), value.clone());
        }
    }
    Some(serde_json::Value::Object(attributes))
}

async fn find(
    registry: &Registry,
    name: &RepositoryName,
    reference: &Reference,
) -> Result<Arc<ArtifactRow>, RegistryError> {
    let resolutions = &registry.resolutions;
    let cached = match reference {
        Reference::Tag(tag) => resolutions.tag(name.as_str(), tag.as_str()),
        Reference::Digest(digest) => resolutions.digest(name.as_str(), &digest.to_string()),
    };
    if let Some(row) = cached {
        return Ok(row);
    }
    let fill = resolutions.fill();
    let mut conn = registry.auth.db().acquire().await?;
    let found = match reference {
        Reference::Tag(tag) => artifacts::find_by_tag(&mut conn, name.as_str(), tag.as_str())
            .await?
            .map(Arc::new)
            .inspect(|row| {
                resolutions.remember_tag(fill, name.as_str(), tag.as_str(), row.clone())
            }),
        Reference::Digest(digest) => {
            artifacts::find_by_digest(&mut conn, name.as_str(), &digest.to_string())
                .await?
                .map(Arc::new)
                .inspect(|row| resolutions.remember_digest(fill, name.as_str(), row.clone()))
        }
    };
    found.ok_or_else(|| {
        RegistryError::oci(
            ErrorCode::ManifestUnknown,
            format!("manifest {reference} is not in {name}"),
        )
    })
}

fn stored_digest(artifact: &ArtifactRow) -> Result<Digest, RegistryError> {
    artifact
        .digest
        .parse()
        .map_err(|e: berth_types::DigestError| RegistryError::Fault(Failure::internal(e)))
}

/// The manifest to answer with, given what the client's `Accept` takes.
async fn negotiate(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    reference: &Reference,
    found: Arc<ArtifactRow>,
) -> Result<(Arc<ArtifactRow>, Digest), RegistryError> {
    let digest = stored_digest(&found)?;
    let accepted = negotiation::accepted(
        req.headers()
            .get_all(ACCEPT)
            .filter_map(|value| value.to_str().ok()),
    );
    if negotiation::acceptable(&accepted, &found.media_type) {
        return Ok((found, digest));
    }
    let not_acceptable = || {
        RegistryError::oci(
            ErrorCode::ManifestUnknown,
            format!(
                "manifest {reference} in {name} is {}, which the request's Accept header does not list",
                found.media_type
            ),
        )
    };
    if !negotiation::is_index(&found.media_type) {
        return Err(not_acceptable());
    }
    let body = manifest_bytes(registry, &digest).await?;
    let index = manifest::parse(Some(&found.media_type), &body)
        .map_err(|e| RegistryError::Fault(Failure::internal(e)))?;
    let Some(entry) = negotiation::substitute(&accepted, index.children()) else {
        return Err(not_acceptable());
    };
    let child = match find(registry, name, &Reference::Digest(entry.digest.clone())).await {
        Ok(child) => child,
        Err(RegistryError::Oci(_)) => return Err(not_acceptable()),
        Err(other) => return Err(other),
    };
    let child_digest = stored_digest(&child)?;
    Ok((child, child_digest))
}

pub async fn get_manifest(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    reference: &Reference,
) -> Reply {
    let claims = authorize(registry, req, name, Need::Pull).await?;
    let found = find(registry, name, reference).await?;
    let (artifact, digest) = negotiate(registry, req, name, reference, found).await?;
    let etag = format!("\"{digest}\"");
    let not_modified = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == etag || t.trim() == digest.to_string())
        });
    let mut response = registry_response(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    response
        .insert_header(("Docker-Content-Digest", artifact.digest.clone()))
        .insert_header(("ETag", etag))
        .content_type(artifact.media_type.clone());
    if not_modified {
        return Ok(response.finish());
    }
    if req.method() == actix_web::http::Method::HEAD {
        let body = actix_web::body::SizedStream::new(
            artifact.size as u64,
            futures::stream::empty::<Result<bytes::Bytes, std::io::Error>>(),
        );
        return Ok(response.body(body));
    }
    let body = manifest_bytes(registry, &digest).await?;
    if let Some(project_id) = claims.projects.get(name.project().as_str()) {
        registry.pulls.record(crate::pulls::Pull {
            artifact_id: artifact.id,
            repository_id: artifact.repository_id,
            project_id: *project_id,
            username: claims.sub.clone(),
            resource: format!("{name}@{}", artifact.digest),
        });
    }
    Ok(response.body(body))
}

/// A manifest's bytes; content-addressed, so cached without invalidation.
async fn manifest_bytes(
    registry: &Registry,
    digest: &Digest,
) -> Result<bytes::Bytes, RegistryError> {
    let key = digest.to_string();
    if let Some(bytes) = registry.resolutions.manifest(&key) {
        return Ok(bytes);
    }
    let bytes = registry.blobs.get_bytes(digest).await?;
    registry.resolutions.remember_manifest(&key, bytes.clone());
    Ok(bytes)
}

pub async fn delete_manifest(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    reference: &Reference,
) -> Reply {
    let claims = authorize(registry, req, name, Need::Delete).await?;
    let mut tx = registry.auth.db().begin().await?;
    let project = project_of(&mut tx, name).await?;
    let resource = match reference {
        Reference::Tag(tag) => {
            if !artifacts::delete_tag(&mut tx, name.as_str(), tag.as_str()).await? {
                return Err(RegistryError::oci(
                    ErrorCode::ManifestUnknown,
                    format!("tag {tag} is not in {name}"),
                ));
            }
            format!("{name}:{tag}")
        }
        Reference::Digest(digest) => {
            let artifact = artifacts::find_by_digest(&mut tx, name.as_str(), &digest.to_string())
                .await?
                .ok_or_else(|| {
                    RegistryError::oci(
                        ErrorCode::ManifestUnknown,
                        format!("manifest {digest} is not in {name}"),
                    )
                })?;
            artifacts::delete_artifact(&mut tx, artifact.id).await?;
            format!("{name}@{digest}")
        }
    };
    insert_audit(&mut tx, &audit(&claims, project.id, &resource, "delete")).await?;
    registry.resolutions.commit(tx).await?;
    Ok(HttpResponse::Accepted().finish())
}
