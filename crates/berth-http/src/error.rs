use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// Every error code a client can receive from Berth.
///
/// The OCI codes come from the distribution specification's error table
/// (spec.md, "Error Codes"); the Harbor codes are the ones Harbor's clients
/// switch on. The status for each is declared here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    // OCI distribution codes, used under /v2.
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    OciUnauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
    // Harbor codes, used under /api/v2.0, /service/token and /c.
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PreconditionFailed,
    PayloadTooLarge,
    RateLimited,
    Internal,
    ServiceUnavailable,
    /// Storage has no room left (ENOSPC or a quota on the filesystem).
    InsufficientStorage,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BlobUnknown => "BLOB_UNKNOWN",
            Self::BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
            Self::BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
            Self::DigestInvalid => "DIGEST_INVALID",
            Self::ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
            Self::ManifestInvalid => "MANIFEST_INVALID",
            Self::ManifestUnknown => "MANIFEST_UNKNOWN",
            Self::NameInvalid => "NAME_INVALID",
            Self::NameUnknown => "NAME_UNKNOWN",
            Self::SizeInvalid => "SIZE_INVALID",
            Self::OciUnauthorized => "UNAUTHORIZED",
            Self::Denied => "DENIED",
            Self::Unsupported => "UNSUPPORTED",
            Self::TooManyRequests => "TOOMANYREQUESTS",
            Self::BadRequest => "BAD_REQUEST",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Conflict => "CONFLICT",
            Self::PreconditionFailed => "PRECONDITION",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::RateLimited => "TOO_MANY_REQUEST",
            Self::Internal => "UNKNOWN",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::InsufficientStorage => "INSUFFICIENT_STORAGE",
        }
    }

    pub const fn status(self) -> StatusCode {
        match self {
            Self::BlobUnknown => StatusCode::NOT_FOUND,
            Self::BlobUploadInvalid => StatusCode::BAD_REQUEST,
            Self::BlobUploadUnknown => StatusCode::NOT_FOUND,
            Self::DigestInvalid => StatusCode::BAD_REQUEST,
            Self::ManifestBlobUnknown => StatusCode::BAD_REQUEST,
            Self::ManifestInvalid => StatusCode::BAD_REQUEST,
            Self::ManifestUnknown => StatusCode::NOT_FOUND,
            Self::NameInvalid => StatusCode::BAD_REQUEST,
            Self::NameUnknown => StatusCode::NOT_FOUND,
            Self::SizeInvalid => StatusCode::BAD_REQUEST,
            Self::OciUnauthorized => StatusCode::UNAUTHORIZED,
            Self::Denied => StatusCode::FORBIDDEN,
            Self::Unsupported => StatusCode::NOT_FOUND,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Errors)]
pub struct ErrorBody {
    pub errors: Vec<ErrorEntry>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorEntry {
    #[schema(value_type = String, example = "NOT_FOUND")]
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

/// A client-facing error: a code from the table, a message for a person, and
/// optional structured detail. The HTTP status comes from the code unless a
/// handler has a spec-mandated reason to override it (for example a manifest
/// that is too large is `MANIFEST_INVALID` with 413).
#[derive(Debug, Clone)]
pub struct ApiError {
    code: ErrorCode,
    status: StatusCode,
    message: String,
    detail: Option<serde_json::Value>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            status: code.status(),
            message: message.into(),
            detail: None,
            retry_after_secs: None,
        }
    }

    /// Adds `Retry-After`, for 429 and 503 answers.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_secs = Some(seconds);
        self
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            errors: vec![ErrorEntry {
                code: self.code.as_str(),
                message: self.message.clone(),
                detail: self.detail.clone(),
            }],
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header(ContentType::json());
        if let Some(seconds) = self.retry_after_secs {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    #[test]
    fn error_response_uses_the_shared_envelope() {
        let err = ApiError::new(ErrorCode::NotFound, "project demo not found");
        let response = err.error_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let bytes = response.into_body().try_into_bytes().expect("sized body");
        let json: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"errors":[{"code":"NOT_FOUND","message":"project demo not found"}]})
        );
    }

    #[test]
    fn status_override_keeps_the_code() {
        let err = ApiError::new(ErrorCode::ManifestInvalid, "manifest too large")
            .with_status(StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(err.status_code(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(err.body().errors[0].code, "MANIFEST_INVALID");
    }

    #[test]
    fn detail_is_serialised_only_when_present() {
        let err = ApiError::new(ErrorCode::DigestInvalid, "digest mismatch")
            .with_detail(serde_json::json!({"expected": "sha256:aa"}));
        let json = serde_json::to_value(err.body()).expect("json");
        assert_eq!(json["errors"][0]["detail"]["expected"], "sha256:aa");
    }
}
