//! Refuses a request whose declared body exceeds the limit of its route
//! class before any byte is read. Bodies without a `Content-Length` are
//! bounded by the payload extractors' limits configured in `app.rs`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use berth_http::{ApiError, ErrorCode};
use berth_platform::config::BodyLimits;

/// Which limit applies to a path, and which error vocabulary it answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    /// `/api/v2.0`, `/service/token`: JSON and forms.
    Api,
    /// `/v2/<name>/manifests/<reference>`.
    Manifest,
    /// `/c/…`: console login.
    Console,
    /// Blob uploads and everything else: streamed, bounded by quota.
    Unbounded,
}

impl RouteClass {
    pub fn of(path: &str) -> Self {
        if path.starts_with("/api/") || path.starts_with("/service/") {
            RouteClass::Api
        } else if path.starts_with("/v2/") && path.contains("/manifests/") {
            RouteClass::Manifest
        } else if path.starts_with("/c/") {
            RouteClass::Console
        } else {
            RouteClass::Unbounded
        }
    }

    pub fn limit(self, limits: &BodyLimits) -> Option<u64> {
        match self {
            RouteClass::Api => Some(limits.api_bytes),
            RouteClass::Manifest => Some(limits.manifest_bytes),
            RouteClass::Console => Some(limits.console_bytes),
            RouteClass::Unbounded => None,
        }
    }

    pub fn too_large(self, limit: u64) -> ApiError {
        let message = format!("request body exceeds the limit of {limit} bytes");
        match self {
            RouteClass::Manifest => ApiError::new(ErrorCode::ManifestInvalid, message)
                .with_status(StatusCode::PAYLOAD_TOO_LARGE),
            RouteClass::Api | RouteClass::Console | RouteClass::Unbounded => {
                ApiError::new(ErrorCode::PayloadTooLarge, message)
            }
        }
    }
}

pub async fn body_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let class = RouteClass::of(req.path());
    let limits = req
        .app_data::<web::Data<BodyLimits>>()
        .map(|d| *d.get_ref())
        .unwrap_or_default();
    if let Some(limit) = class.limit(&limits) {
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit) {
            let response = class.too_large(limit).error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_into_their_class() {
        assert_eq!(RouteClass::of("/api/v2.0/projects"), RouteClass::Api);
        assert_eq!(RouteClass::of("/service/token"), RouteClass::Api);
        assert_eq!(
            RouteClass::of("/v2/lib/app/manifests/latest"),
            RouteClass::Manifest
        );
        assert_eq!(
            RouteClass::of("/v2/lib/app/blobs/uploads/abc"),
            RouteClass::Unbounded
        );
        assert_eq!(RouteClass::of("/c/login"), RouteClass::Console);
        assert_eq!(RouteClass::of("/"), RouteClass::Unbounded);
    }

    #[test]
    fn oversized_manifests_answer_in_the_oci_vocabulary() {
        let err = RouteClass::Manifest.too_large(10);
        assert_eq!(err.code(), ErrorCode::ManifestInvalid);
        assert_eq!(err.status_code(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
