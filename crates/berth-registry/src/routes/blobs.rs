//! `GET`/`HEAD`/`DELETE /v2/<name>/blobs/<digest>`.

use actix_web::http::StatusCode;
use actix_web::http::header::RANGE;
use actix_web::{HttpRequest, HttpResponse};
use berth_http::ErrorCode;
use berth_types::{Digest, RepositoryName};

use super::{Registry, registry_response};
use crate::access::{Need, authorize};
use crate::error::{RegistryError, Reply};
use crate::store::blobs;

/// How long a presigned download URL stays valid.
const PRESIGNED_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// `bytes=first-[last]` (RFC 9110 §14.1.2, single range).
fn parse_range(header: &str) -> Option<(u64, Option<u64>)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    let (first, last) = spec.split_once('-')?;
    let first: u64 = first.trim().parse().ok()?;
    let last = match last.trim() {
        "" => None,
        value => Some(value.parse().ok()?),
    };
    if last.is_some_and(|l| l < first) {
        return None;
    }
    Some((first, last))
}

fn blob_unknown(digest: &Digest) -> RegistryError {
    RegistryError::oci(
        ErrorCode::BlobUnknown,
        format!("blob {digest} is not in this repository"),
    )
}

/// Only blobs linked to this repository are served: a digest that exists in
/// another repository answers exactly like one that exists nowhere.
pub async fn get_blob(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    digest: &Digest,
) -> Reply {
    authorize(registry, req, name, Need::Pull).await?;
    let mut conn = registry.auth.db().acquire().await?;
    blobs::find_blob_size(&mut conn, name.as_str(), &digest.to_string())
        .await?
        .ok_or_else(|| blob_unknown(digest))?;
    drop(conn);
    let range = match req.headers().get(RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(raw) => Some(parse_range(raw).ok_or_else(|| {
            RegistryError::Oci(
                berth_http::ApiError::new(
                    ErrorCode::BlobUploadInvalid,
                    format!("unsupported Range {raw:?}"),
                )
                .with_status(StatusCode::RANGE_NOT_SATISFIABLE),
            )
        })?),
    };
    let head = req.method() == actix_web::http::Method::HEAD;
    if !head && registry.platform().config().storage.redirect {
        let location = berth_storage::layout::blob(digest);
        if let Some(url) = registry
            .platform()
            .storage()
            .presigned_get(&location, PRESIGNED_TTL)
            .await
            .map_err(|e| RegistryError::Fault(berth_http::Failure::Unavailable(e.to_string())))?
        {
            return Ok(registry_response(StatusCode::TEMPORARY_REDIRECT)
                .insert_header(("Location", url.to_string()))
                .insert_header(("Docker-Content-Digest", digest.to_string()))
                .finish());
        }
    }
    let read = registry
        .blobs
        .read(digest, if head { None } else { range })
        .await?;
    let partial = range.is_some() && !head;
    let mut response = registry_response(if partial {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    });
    response
        .insert_header(("Docker-Content-Digest", digest.to_string()))
        .insert_header(("ETag", format!("\"{digest}\"")))
        .insert_header(("Accept-Ranges", "bytes"))
        .content_type("application/octet-stream");
    if partial {
        response.insert_header((
            "Content-Range",
            format!(
                "bytes {}-{}/{}",
                read.range.start,
                read.range.end - 1,
                read.size
            ),
        ));
    }
    let length = read.range.end - read.range.start;
    if head {
        // A sized empty stream: the length is announced, nothing is sent.
        let body = actix_web::body::SizedStream::new(
            read.size,
            futures::stream::empty::<Result<bytes::Bytes, std::io::Error>>(),
        );
        return Ok(response.body(body));
    }
    Ok(response.no_chunking(length).streaming(read.body))
}

/// Blob deletion unlinks the blob from this repository; the bytes go when no
/// repository references them (garbage collection).
pub async fn delete_blob(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    digest: &Digest,
) -> Reply {
    let claims = authorize(registry, req, name, Need::Delete).await?;
    let mut tx = registry.auth.db().begin().await?;
    let project = super::project_of(&mut tx, name).await?;
    blobs::lock_usage(&mut tx, project.id).await?;
    if !blobs::unlink_blob(&mut tx, name.as_str(), &digest.to_string()).await? {
        return Err(blob_unknown(digest));
    }
    blobs::release_blobs(&mut tx, project.id, &[digest.to_string()]).await?;
    let resource = format!("{name}@{digest}");
    let entry = berth_auth::store::audit::AuditEntry {
        project_id: Some(project.id),
        username: &claims.sub,
        source_ip: None,
        resource_type: "blob",
        resource: &resource,
        operation: "delete",
        detail: "",
        success: true,
    };
    berth_auth::store::audit::insert_audit(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(HttpResponse::Accepted().finish())
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges_parse_as_rfc_9110_single_ranges() {
        assert_eq!(parse_range("bytes=0-99"), Some((0, Some(99))));
        assert_eq!(parse_range("bytes=100-"), Some((100, None)));
        assert_eq!(parse_range("bytes=5-4"), None);
        assert_eq!(parse_range("bytes=-5"), None);
        assert_eq!(parse_range("items=0-1"), None);
    }
}
