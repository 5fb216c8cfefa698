//! Bearer tokens on `/v2` and the `WWW-Authenticate` challenge that tells a
//! client where to get one (docker token-auth spec, token.md).

use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use berth_auth::Auth;
use berth_auth::token::{Claims, SERVICE};
use berth_http::{ApiError, ErrorCode, Failure};

/// The challenge for a request that needs `scope` (none for `/v2/` itself).
pub fn challenge(auth: &Auth, scope: Option<&str>) -> String {
    let realm = auth
        .platform()
        .config()
        .external_url
        .join("service/token")
        .map(|u| u.to_string());
    let realm = realm.unwrap_or_else(|_| "/service/token".to_owned());
    match scope {
        Some(scope) => format!(r#"Bearer realm="{realm}",service="{SERVICE}",scope="{scope}""#),
        None => format!(r#"Bearer realm="{realm}",service="{SERVICE}""#),
    }
}

/// 401 in the distribution spec's envelope, with the challenge.
pub fn unauthorized(auth: &Auth, scope: Option<&str>, message: &str) -> HttpResponse {
    let mut response = ApiError::new(ErrorCode::OciUnauthorized, message).error_response();
    if let Ok(value) = challenge(auth, scope).parse() {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// The verified claims of the request's bearer token, if it has a valid one.
pub async fn bearer_claims(auth: &Auth, req: &HttpRequest) -> Result<Option<Claims>, Failure> {
    let Some(token) = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    else {
        return Ok(None);
    };
    let keys = auth.token_keys().await?;
    Ok(keys.verify(token.trim()).ok())
}
