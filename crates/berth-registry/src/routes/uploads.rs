//! Blob uploads (spec "Pushing blobs"): monolithic `POST ?digest=`, sessions
//! with `PATCH` chunks and a closing `PUT ?digest=`, status, cancellation,
//! and cross-repository mounts.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use berth_http::{ApiError, ErrorCode};
use berth_types::{Digest, RepositoryName};
use futures::StreamExt;

use super::{Registry, project_of, query_param, registry_response};
use crate::access::{Need, authorize, may_pull};
use crate::error::{RegistryError, Reply};
use crate::store::{blobs, repositories, uploads};

fn digest_param(req: &HttpRequest) -> Result<Option<Digest>, RegistryError> {
    query_param(req, "digest")
        .map(|raw| {
            raw.parse::<Digest>()
                .map_err(|e| RegistryError::oci(ErrorCode::DigestInvalid, e.to_string()))
        })
        .transpose()
}

/// Refuses a body whose declared length would take the blob past `room`
/// bytes, before reading any of it.
fn check_declared_size(req: &HttpRequest, room: u64, limit: u64) -> Result<(), RegistryError> {
    if declared_length(req).is_some_and(|len| len > room) {
        return Err(too_large(limit));
    }
    Ok(())
}

fn too_large(limit: u64) -> RegistryError {
    RegistryError::Oci(
        ApiError::new(
            ErrorCode::SizeInvalid,
            format!("the blob exceeds the limit of {limit} bytes"),
        )
        .with_status(StatusCode::PAYLOAD_TOO_LARGE),
    )
}

/// The request body as a `Send` stream that fails once more than `room`
/// bytes arrive, so an undeclared (chunked) body is bounded too.
fn body_stream(
    payload: web::Payload,
    room: u64,
) -> impl futures::Stream<Item = Result<bytes::Bytes, String>> + Send {
    // actix's payload is not Send; forwarding through a channel lets the
    // storage layer run it on any thread.
    let (tx, rx) = futures::channel::mpsc::channel::<Result<bytes::Bytes, String>>(4);
    actix_web::rt::spawn(async move {
        let mut payload = payload;
        let mut tx = tx;
        let mut received = 0u64;
        while let Some(chunk) = payload.next().await {
            let item = chunk.map_err(|e| e.to_string()).and_then(|bytes| {
                received += bytes.len() as u64;
                if received > room {
                    Err(format!(
                        "the blob exceeds the size limit ({room} bytes were left)"
                    ))
                } else {
                    Ok(bytes)
                }
            });
            let failed = item.is_err();
            if futures::SinkExt::send(&mut tx, item).await.is_err() || failed {
                break;
            }
        }
    });
    rx
}

/// Links a committed blob into the repository (creating it on first push).
async fn commit_blob(
    registry: &Registry,
    name: &RepositoryName,
    digest: &Digest,
    size: u64,
) -> Result<(), RegistryError> {
    let mut tx = registry.auth.db().begin().await?;
    let project = project_of(&mut tx, name).await?;
    let repository_id = repositories::ensure_repository(&mut tx, project.id, name.as_str()).await?;
    blobs::lock_usage(&mut tx, project.id).await?;
    let charge = blobs::link_blob(
        &mut tx,
        project.id,
        repository_id,
        &digest.to_string(),
        size as i64,
    )
    .await?;
    RegistryError::from_charge(charge, &project.name, size as i64)?;
    tx.commit().await?;
    Ok(())
}

/// Refuses early, before any byte is stored, a body that cannot fit in the
/// project's quota: `incoming` more bytes on top of its usage.
/// A blob sent whole in one request, streamed straight to its place: the
/// declared size and the quota are checked before a byte is stored (the
/// outer error), then the write's own outcome.
async fn write_whole(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    digest: &Digest,
    payload: web::Payload,
) -> Result<Result<u64, berth_storage::StorageError>, RegistryError> {
    let limit = registry.platform().config().max_blob_bytes;
    check_declared_size(req, limit, limit)?;
    {
        let mut conn = registry.auth.db().acquire().await?;
        let project = project_of(&mut conn, name).await?;
        // A blob the project already holds costs nothing more.
        if !blobs::project_holds(&mut conn, project.id, &digest.to_string()).await? {
            let incoming = declared_length(req).unwrap_or(0);
            check_quota(&mut conn, &project.name, project.id, incoming).await?;
        }
    }
    Ok(registry
        .blobs
        .write_verified(digest, body_stream(payload, limit))
        .await)
}

async fn check_quota(
    conn: &mut sqlx::PgConnection,
    project: &str,
    project_id: i64,
    incoming: u64,
) -> Result<(), RegistryError> {
    let (limit, used) = blobs::project_usage(conn, project_id).await?;
    if limit >= 0 && used.saturating_add(incoming as i64) > limit {
        return Err(RegistryError::quota_exceeded(
            project,
            limit,
            used,
            incoming as i64,
        ));
    }
    Ok(())
}

fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

fn created(name: &RepositoryName, digest: &Digest) -> HttpResponse {
    registry_response(StatusCode::CREATED)
        .insert_header(("Location", format!("/v2/{name}/blobs/{digest}")))
        .insert_header(("Docker-Content-Digest", digest.to_string()))
        .insert_header(("Content-Length", "0"))
        .finish()
}

fn session_response(
    status: StatusCode,
    name: &RepositoryName,
    id: uuid::Uuid,
    size: i64,
) -> HttpResponse {
    let range = if size > 0 {
        format!("0-{}", size - 1)
    } else {
        "0-0".to_owned()
    };
    registry_response(status)
        .insert_header(("Location", format!("/v2/{name}/blobs/uploads/{id}")))
        .insert_header(("Range", range))
        .insert_header(("Docker-Upload-UUID", id.to_string()))
        .insert_header(("Content-Length", "0"))
        .finish()
}

fn upload_unknown(id: uuid::Uuid) -> RegistryError {
    RegistryError::oci(
        ErrorCode::BlobUploadUnknown,
        format!("upload {id} is not in progress here"),
    )
}

/// `?mount=<digest>&from=<repository>`, when both parse.
fn mount_request(req: &HttpRequest) -> Option<(Digest, RepositoryName)> {
    let digest = query_param(req, "mount")?.parse().ok()?;
    let source = query_param(req, "from")?.parse().ok()?;
    Some((digest, source))
}

/// `POST /v2/<name>/blobs/uploads/`.
pub async fn start_upload(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    payload: web::Payload,
) -> Reply {
    let claims = authorize(registry, req, name, Need::Push).await?;

    // Cross-repository mount: 201 only if the caller may pull the source and
    // the blob is there; anything else quietly becomes a normal upload.
    if let Some((digest, source)) = mount_request(req)
        && may_pull(registry, &claims, &source).await?
    {
        let mut conn = registry.auth.db().acquire().await?;
        let size = blobs::find_blob_size(&mut conn, source.as_str(), &digest.to_string()).await?;
        drop(conn);
        if let Some(size) = size {
            commit_blob(registry, name, &digest, size as u64).await?;
            return Ok(created(name, &digest));
        }
    }

    if let Some(digest) = digest_param(req)? {
        let size = write_whole(registry, req, name, &digest, payload).await??;
        commit_blob(registry, name, &digest, size).await?;
        return Ok(created(name, &digest));
    }

    let mut conn = registry.auth.db().acquire().await?;
    let project = project_of(&mut conn, name).await?;
    let id = uuid::Uuid::new_v4();
    uploads::insert_upload(&mut conn, id, project.id, name.as_str()).await?;
    Ok(session_response(StatusCode::ACCEPTED, name, id, 0))
}

/// The start of a `Content-Range: <start>-<end>` header, `Some(None)` when
/// the header is there but malformed.
fn content_range_start(req: &HttpRequest) -> Option<Option<i64>> {
    let raw = req.headers().get("content-range")?;
    let start = raw.to_str().ok().and_then(|raw| {
        let spec = raw
            .trim()
            .trim_start_matches("bytes")
            .trim_start_matches([' ', '=']);
        let (start, end) = spec.split_once('-')?;
        let (start, end) = (
            start.trim().parse::<i64>().ok()?,
            end.trim().parse::<i64>().ok()?,
        );
        (start <= end).then_some(start)
    });
    Some(start)
}

/// A chunk that does not continue the upload exactly where it stands
/// (malformed range, overlap or gap) gets 416 with the upload's true range,
/// and nothing is appended.
fn range_mismatch(
    req: &HttpRequest,
    upload: &uploads::UploadRow,
    name: &RepositoryName,
) -> Option<HttpResponse> {
    let start = content_range_start(req)?;
    if start == Some(upload.size) {
        return None;
    }
    let error = RegistryError::Oci(
        ApiError::new(
            ErrorCode::BlobUploadInvalid,
            format!(
                "chunk does not continue the upload: it has {} bytes; send the chunk that starts there",
                upload.size
            ),
        )
        .with_status(StatusCode::RANGE_NOT_SATISFIABLE),
    );
    let mut response = actix_web::ResponseError::error_response(&error);
    let range = if upload.size > 0 {
        format!("0-{}", upload.size - 1)
    } else {
        "0-0".to_owned()
    };
    let headers = response.headers_mut();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&range) {
        headers.insert(
            actix_web::http::header::HeaderName::from_static("range"),
            value,
        );
    }
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&format!(
        "/v2/{name}/blobs/uploads/{}",
        upload.id
    )) {
        headers.insert(actix_web::http::header::LOCATION, value);
    }
    Some(response)
}

async fn append(
    registry: &Registry,
    req: &HttpRequest,
    upload: &uploads::UploadRow,
    payload: web::Payload,
) -> Result<i64, RegistryError> {
    let index = upload.chunks as u32;
    let limit = registry.platform().config().max_blob_bytes;
    let room = limit.saturating_sub(upload.size as u64);
    check_declared_size(req, room, limit)?;
    let project = upload.repository.split('/').next().unwrap_or_default();
    let incoming = upload.size as u64 + declared_length(req).unwrap_or(0);
    {
        let mut conn = registry.auth.db().acquire().await?;
        check_quota(&mut conn, project, upload.project_id, incoming).await?;
    }
    let written = registry
        .blobs
        .write_chunk(upload.id, index, body_stream(payload, room))
        .await?;
    let mut conn = registry.auth.db().acquire().await?;
    if !uploads::record_chunk(&mut conn, upload.id, upload.size, written as i64).await? {
        return Err(RegistryError::oci(
            ErrorCode::BlobUploadInvalid,
            "another chunk was appended concurrently; retry from the current offset",
        ));
    }
    Ok(upload.size + written as i64)
}

/// `PATCH /v2/<name>/blobs/uploads/<id>`.
pub async fn patch_upload(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    id: uuid::Uuid,
    payload: web::Payload,
) -> Reply {
    authorize(registry, req, name, Need::Push).await?;
    let mut conn = registry.auth.db().acquire().await?;
    let upload = uploads::find_upload(&mut conn, id, name.as_str())
        .await?
        .ok_or_else(|| upload_unknown(id))?;
    drop(conn);
    if let Some(refusal) = range_mismatch(req, &upload, name) {
        return Ok(refusal);
    }
    let size = append(registry, req, &upload, payload).await?;
    Ok(session_response(StatusCode::ACCEPTED, name, id, size))
}

/// `PUT /v2/<name>/blobs/uploads/<id>?digest=`: the last chunk (if any),
/// then assembly, verification and commit. A mismatch commits nothing.
pub async fn put_upload(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    id: uuid::Uuid,
    payload: web::Payload,
) -> Reply {
    authorize(registry, req, name, Need::Push).await?;
    let digest = digest_param(req)?.ok_or_else(|| {
        RegistryError::oci(ErrorCode::DigestInvalid, "the closing PUT needs ?digest=")
    })?;
    let mut conn = registry.auth.db().acquire().await?;
    let mut upload = uploads::find_upload(&mut conn, id, name.as_str())
        .await?
        .ok_or_else(|| upload_unknown(id))?;
    drop(conn);
    if let Some(refusal) = range_mismatch(req, &upload, name) {
        return Ok(refusal);
    }
    let declared_empty = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "0");
    // The whole blob in the closing PUT (what containerd and skopeo send)
    // goes straight to its place like a monolithic push, instead of being
    // stored as a chunk and then copied.
    let whole = upload.chunks == 0 && !declared_empty;
    let written = if whole {
        match write_whole(registry, req, name, &digest, payload).await? {
            // Wrong bytes end the session, as a failed assembly does; a
            // refusal, a client gone mid-body or a storage fault leaves it
            // for a retry.
            Err(err @ berth_storage::StorageError::DigestMismatch { .. }) => Err(err.into()),
            Err(other) => return Err(other.into()),
            Ok(size) => Ok(size),
        }
    } else {
        if !declared_empty {
            upload.size = append(registry, req, &upload, payload).await?;
            upload.chunks += 1;
        }
        registry
            .blobs
            .assemble(id, upload.chunks as u32, &digest)
            .await
            .map_err(RegistryError::from)
    };
    let mut conn = registry.auth.db().acquire().await?;
    uploads::delete_upload(&mut conn, id).await?;
    drop(conn);
    // Chunks too: a PATCH may have raced a whole-body PUT.
    if let Err(err) = registry.blobs.delete_upload(id).await {
        tracing::warn!(error = %err, upload = %id, "removing upload chunks failed");
    }
    let size = written?;
    commit_blob(registry, name, &digest, size).await?;
    Ok(created(name, &digest))
}

/// `GET /v2/<name>/blobs/uploads/<id>`: how far the upload is.
pub async fn get_upload(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    id: uuid::Uuid,
) -> Reply {
    authorize(registry, req, name, Need::Push).await?;
    let mut conn = registry.auth.db().acquire().await?;
    let upload = uploads::find_upload(&mut conn, id, name.as_str())
        .await?
        .ok_or_else(|| upload_unknown(id))?;
    Ok(session_response(
        StatusCode::NO_CONTENT,
        name,
        id,
        upload.size,
    ))
}

/// `DELETE /v2/<name>/blobs/uploads/<id>`: cancels the upload.
pub async fn delete_upload(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    id: uuid::Uuid,
) -> Reply {
    authorize(registry, req, name, Need::Push).await?;
    let mut conn = registry.auth.db().acquire().await?;
    uploads::find_upload(&mut conn, id, name.as_str())
        .await?
        .ok_or_else(|| upload_unknown(id))?;
    uploads::delete_upload(&mut conn, id).await?;
    registry.blobs.delete_upload(id).await?;
    Ok(registry_response(StatusCode::NO_CONTENT).finish())
}
