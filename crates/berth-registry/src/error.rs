//! The registry's unhappy paths, each in the distribution spec's envelope.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_storage::StorageError;

#[derive(Debug)]
pub enum RegistryError {
    Oci(ApiError),
    /// Missing or insufficient token: 401 without one, 403 with one, and the
    /// challenge naming the scope the request needed either way.
    Denied {
        challenge: String,
        authenticated: bool,
        message: String,
    },
    Fault(Failure),
}

pub type Reply = Result<HttpResponse, RegistryError>;

impl RegistryError {
    pub fn oci(code: ErrorCode, message: impl Into<String>) -> Self {
        RegistryError::Oci(ApiError::new(code, message))
    }

    /// The refusal for a link the quota did not allow, if it did not.
    pub fn from_charge(
        charge: crate::store::blobs::Charge,
        project: &str,
        adding: i64,
    ) -> Result<(), Self> {
        match charge {
            crate::store::blobs::Charge::Linked { .. } => Ok(()),
            crate::store::blobs::Charge::OverQuota { limit, used } => {
                Err(Self::quota_exceeded(project, limit, used, adding))
            }
        }
    }

    /// A push that would take the project past its storage limit.
    pub fn quota_exceeded(project: &str, limit: i64, used: i64, adding: i64) -> Self {
        RegistryError::Oci(
            ApiError::new(
                ErrorCode::Denied,
                format!(
                    "quota exceeded in project {project}: adding {adding} bytes to the {used} bytes used would pass its limit of {limit} bytes"
                ),
            )
            .with_detail(serde_json::json!({
                "project": project, "limit": limit, "used": used, "adding": adding,
            })),
        )
    }
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryError::Oci(err) => err.fmt(f),
            RegistryError::Denied { message, .. } => f.write_str(message),
            RegistryError::Fault(failure) => failure.fmt(f),
        }
    }
}

impl From<ApiError> for RegistryError {
    fn from(err: ApiError) -> Self {
        RegistryError::Oci(err)
    }
}

impl From<Failure> for RegistryError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Client(err) => RegistryError::Oci(err),
            other => RegistryError::Fault(other),
        }
    }
}

impl From<sqlx::Error> for RegistryError {
    fn from(err: sqlx::Error) -> Self {
        RegistryError::Fault(err.into())
    }
}

impl From<StorageError> for RegistryError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::DigestMismatch { .. } => {
                RegistryError::oci(ErrorCode::DigestInvalid, err.to_string())
            }
            StorageError::NotFound(_) => {
                RegistryError::oci(ErrorCode::BlobUnknown, err.to_string())
            }
            StorageError::RangeNotSatisfiable { .. } => RegistryError::Oci(
                ApiError::new(ErrorCode::BlobUploadInvalid, err.to_string())
                    .with_status(StatusCode::RANGE_NOT_SATISFIABLE),
            ),
            StorageError::TooLarge { .. } => {
                RegistryError::oci(ErrorCode::SizeInvalid, err.to_string())
            }
            StorageError::Body(_) => {
                RegistryError::oci(ErrorCode::BlobUploadInvalid, err.to_string())
            }
            StorageError::Full(ref cause) => {
                tracing::error!(error = %cause, "blob storage is full");
                RegistryError::oci(
                    ErrorCode::InsufficientStorage,
                    "the registry's storage is full; try again once space has been freed",
                )
            }
            StorageError::Backend(_) => RegistryError::Fault(Failure::Unavailable(err.to_string())),
        }
    }
}

impl ResponseError for RegistryError {
    fn status_code(&self) -> StatusCode {
        match self {
            RegistryError::Oci(err) => err.status_code(),
            RegistryError::Denied {
                authenticated: false,
                ..
            } => StatusCode::UNAUTHORIZED,
            RegistryError::Denied {
                authenticated: true,
                ..
            } => StatusCode::FORBIDDEN,
            RegistryError::Fault(failure) => failure.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = match self {
            RegistryError::Oci(err) => err.error_response(),
            RegistryError::Denied {
                challenge,
                authenticated,
                message,
            } => {
                let code = if *authenticated {
                    ErrorCode::Denied
                } else {
                    ErrorCode::OciUnauthorized
                };
                let mut response = ApiError::new(code, message.clone()).error_response();
                if let Ok(value) = HeaderValue::from_str(challenge) {
                    response.headers_mut().insert(WWW_AUTHENTICATE, value);
                }
                response
            }
            RegistryError::Fault(failure) => failure.error_response(),
        };
        response.headers_mut().insert(
            HeaderName::from_static("docker-distribution-api-version"),
            HeaderValue::from_static("registry/2.0"),
        );
        response
    }
}
