//! What a request that no service claimed receives: the error envelope of the
//! API family its path belongs to, or the web console for anything else.

use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::{HttpRequest, ResponseError};
use berth_http::{ApiError, ErrorCode};

use super::web_ui;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Registry,
    Api,
    Console,
}

fn family(path: &str) -> Family {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/v2") {
        Family::Registry
    } else if under("/api") || under("/service") || under("/c") || path == "/metrics" {
        Family::Api
    } else {
        Family::Console
    }
}

pub fn not_found(req: &HttpRequest) -> ApiError {
    let what = format!("{} {}", req.method(), req.path());
    match family(req.path()) {
        // The distribution spec has no generic "not found" code; UNSUPPORTED
        // with 404 is what clients treat as "this registry lacks the endpoint".
        Family::Registry => ApiError::new(
            ErrorCode::Unsupported,
            format!("{what} is not supported by this registry"),
        ),
        Family::Api | Family::Console => {
            ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
        }
    }
}

pub async fn default_service(
    req: ServiceRequest,
) -> Result<actix_web::dev::ServiceResponse, actix_web::Error> {
    let (http_req, _payload) = req.into_parts();
    let response = if family(http_req.path()) == Family::Console && http_req.method() == Method::GET
    {
        web_ui::serve(http_req.path())
    } else {
        not_found(&http_req).error_response()
    };
    Ok(actix_web::dev::ServiceResponse::new(http_req, response))
}

/// Used by the API scopes so a JSON body that fails to parse or is too long
/// answers in Harbor's envelope instead of actix's plain text. The query,
/// path and form handlers below do the same for the other extractors.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body exceeds the limit of {limit} bytes"),
        ),
        JsonPayloadError::ContentType => ApiError::new(
            ErrorCode::BadRequest,
            "expected Content-Type: application/json",
        ),
        _ => ApiError::new(ErrorCode::BadRequest, format!("invalid JSON body: {err}")),
    };
    api.into()
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::new(
        ErrorCode::BadRequest,
        format!("invalid query parameters: {err}"),
    )
    .into()
}

pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        ErrorCode::BadRequest,
        format!("invalid path parameter: {err}"),
    )
    .into()
}

pub fn form_error(err: actix_web::error::UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::UrlencodedError;
    let api = match &err {
        UrlencodedError::Overflow { limit, .. } => ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body exceeds the limit of {limit} bytes"),
        ),
        UrlencodedError::ContentType => ApiError::new(
            ErrorCode::BadRequest,
            "expected Content-Type: application/x-www-form-urlencoded",
        ),
        _ => ApiError::new(ErrorCode::BadRequest, format!("invalid form body: {err}")),
    };
    api.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_pick_their_error_vocabulary() {
        assert_eq!(family("/v2"), Family::Registry);
        assert_eq!(family("/v2/library/x/manifests/latest"), Family::Registry);
        assert_eq!(family("/v20"), Family::Console);
        assert_eq!(family("/api/v2.0/projects"), Family::Api);
        assert_eq!(family("/service/token"), Family::Api);
        assert_eq!(family("/c/login"), Family::Api);
        assert_eq!(family("/projects/1"), Family::Console);
    }
}
