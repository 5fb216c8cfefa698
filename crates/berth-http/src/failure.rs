use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::{ApiError, ErrorCode};

/// What a handler returns on the unhappy path: either an answer for the
/// client, or a fault of ours or of a dependency. Faults reach the log with
/// their cause, once, here; the client sees only an opaque message (the
/// response carries the request id to quote).
///
/// An unreachable dependency is a 503, never a 401/403/404: a database outage
/// must not look like "wrong password" or "no such project".
#[derive(Debug)]
pub enum Failure {
    Client(ApiError),
    Unavailable(String),
    Internal(String),
}

impl Failure {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Failure::Internal(cause.to_string())
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Client(err) => err.fmt(f),
            Failure::Unavailable(cause) => write!(f, "dependency unavailable: {cause}"),
            Failure::Internal(cause) => write!(f, "internal error: {cause}"),
        }
    }
}

impl std::error::Error for Failure {}

impl From<ApiError> for Failure {
    fn from(err: ApiError) -> Self {
        Failure::Client(err)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(err: sqlx::Error) -> Self {
        let cause = chain(&err);
        if is_connectivity(&err) {
            Failure::Unavailable(cause)
        } else {
            Failure::Internal(cause)
        }
    }
}

/// Errors that say the database could not be reached or dropped the
/// connection, as opposed to errors in what was asked of it.
fn is_connectivity(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        // SQLSTATE classes 08 (connection exception), 53 (insufficient
        // resources) and 57P (operator intervention, such as a restart).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
        }),
        _ => false,
    }
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        match self {
            Failure::Client(err) => err.status_code(),
            Failure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Failure::Client(err) => err.error_response(),
            Failure::Unavailable(cause) => {
                tracing::warn!(error = %cause, "request failed: dependency unavailable");
                ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    "a service Berth depends on is unavailable; retry shortly",
                )
                .with_retry_after(5)
                .error_response()
            }
            Failure::Internal(cause) => {
                tracing::error!(error = %cause, "request failed");
                ApiError::new(
                    ErrorCode::Internal,
                    "internal error; quote the X-Request-Id of this response when reporting it",
                )
                .error_response()
            }
        }
    }
}
