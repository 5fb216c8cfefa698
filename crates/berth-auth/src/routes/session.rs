//! `/c/login` and `/c/logout`: the web console's sign-in.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};
use berth_http::{ApiError, ErrorCode, Failure};
use serde::Deserialize;
use serde_json::json;

use crate::principal::source_ip;
use crate::session::{self, COOKIE, CSRF_HEADER};
use crate::store::audit::{AuditEntry, insert_audit};
use crate::store::users;
use crate::{Auth, Principal};

/// Harbor's form fields are `principal` and `password`; `username` is
/// accepted too.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    principal: Option<String>,
    username: Option<String>,
    password: String,
}

fn secure(auth: &Auth) -> bool {
    auth.platform().config().external_url.scheme() == "https"
}

/// Signs a user in: form or JSON body, session cookie and CSRF token out.
/// Robots use Basic authentication, never sessions.
pub async fn post_login(
    req: HttpRequest,
    auth: web::Data<Auth>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let is_json = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let form: LoginForm = if is_json {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("invalid login body: {e}")))?
    } else {
        parse_login_form(&body)?
    };
    let name = form.principal.or(form.username).ok_or_else(|| {
        ApiError::new(
            ErrorCode::BadRequest,
            "principal (the username) is required",
        )
    })?;
    let principal = auth
        .login(&name, &form.password, source_ip(&req).as_deref())
        .await?;
    let Principal::User { id, username, .. } = principal else {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "robot accounts cannot sign in to the console",
        )
        .into());
    };
    let mut conn = auth.db().acquire().await?;
    let user = users::find_user(&mut conn, id)
        .await?
        .ok_or_else(|| Failure::internal("user vanished during sign-in"))?;
    let (session_id, stored) =
        session::create(auth.platform().redis(), id, user.credential_version).await?;
    let address = source_ip(&req);
    insert_audit(
        &mut conn,
        &AuditEntry {
            project_id: None,
            username: &username,
            source_ip: address.as_deref(),
            resource_type: "user",
            resource: &username,
            operation: "login",
            detail: "console sign-in",
            success: true,
        },
    )
    .await?;
    let cookie = Cookie::build(COOKIE, session_id)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(&auth))
        .max_age(CookieDuration::seconds(session::TTL.as_secs() as i64))
        .finish();
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .insert_header((CSRF_HEADER, stored.csrf.clone()))
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"username": username, "csrf_token": stored.csrf})))
}

fn parse_login_form(body: &[u8]) -> Result<LoginForm, Failure> {
    let mut principal = None;
    let mut username = None;
    let mut password = None;
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "principal" => principal = Some(value.into_owned()),
            "username" => username = Some(value.into_owned()),
            "password" => password = Some(value.into_owned()),
            _ => {}
        }
    }
    let password =
        password.ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "password is required"))?;
    Ok(LoginForm {
        principal,
        username,
        password,
    })
}

/// Ends the session (if any) and clears the cookie.
pub async fn get_logout(req: HttpRequest, auth: web::Data<Auth>) -> Result<HttpResponse, Failure> {
    if let Some(cookie) = req.cookie(COOKIE) {
        session::destroy(auth.platform().redis(), cookie.value()).await?;
    }
    let mut expired = Cookie::build(COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    expired.make_removal();
    Ok(HttpResponse::Ok().cookie(expired).finish())
}
