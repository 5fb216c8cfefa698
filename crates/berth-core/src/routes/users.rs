//! `/users`: accounts, profiles, passwords and the administrator flag.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::domain::password::{self, Verified};
use berth_auth::store::users::{self, NewUser};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Action, Resource};
use serde::Deserialize;

use super::{Actor, is_unique_violation};
use crate::paging::{self, PageQuery};
use crate::query;
use crate::views;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/users")
            .route(web::post().to(create_user))
            .route(web::get().to(list_users)),
    )
    .service(web::resource("/users/current").route(web::get().to(get_current_user)))
    .service(web::resource("/users/search").route(web::get().to(search_users)))
    .service(
        web::resource("/users/{user_id}")
            .route(web::get().to(get_user))
            .route(web::put().to(update_user_profile))
            .route(web::delete().to(delete_user)),
    )
    .service(web::resource("/users/{user_id}/password").route(web::put().to(update_user_password)))
    .service(web::resource("/users/{user_id}/sysadmin").route(web::put().to(set_user_sysadmin)));
}

fn bad_request(message: impl Into<String>) -> Failure {
    ApiError::new(ErrorCode::BadRequest, message).into()
}

fn user_not_found(id: i64) -> Failure {
    ApiError::new(ErrorCode::NotFound, format!("user {id} not found")).into()
}

/// Harbor's profile rules.
fn validate_profile(email: Option<&str>, realname: &str, comment: &str) -> Result<(), Failure> {
    if let Some(email) = email {
        let (local, domain) = email.split_once('@').unwrap_or(("", ""));
        if local.is_empty()
            || !domain.contains('.')
            || email.len() > 255
            || email.contains(char::is_whitespace)
        {
            return Err(bad_request("email with illegal format"));
        }
    }
    if realname.len() > 255 {
        return Err(bad_request("realname with illegal length"));
    }
    if realname
        .chars()
        .any(|c| c.is_control() || "\\\":;/#%".contains(c))
    {
        return Err(bad_request("realname contains illegal characters"));
    }
    if comment.chars().count() > 30 {
        return Err(bad_request("comment with illegal length"));
    }
    Ok(())
}

fn validate_username(username: &str) -> Result<(), Failure> {
    if !(1..=255).contains(&username.len()) {
        return Err(bad_request("username with illegal length"));
    }
    // Harbor's illegal characters, plus the robot prefix's '$' and anything
    // that would confuse "user:password" credentials.
    if username
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || ",~#$%:\\\"'/".contains(c))
    {
        return Err(bad_request("username contains illegal characters"));
    }
    Ok(())
}

fn policy(password: &str) -> Result<(), Failure> {
    if password::meets_policy(password) {
        Ok(())
    } else {
        Err(bad_request(password::POLICY_MESSAGE))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserCreationReq {
    username: String,
    password: String,
    email: Option<String>,
    #[serde(default)]
    realname: String,
    #[serde(default)]
    comment: String,
    /// Not part of Harbor's request; present only when someone tries to
    /// make themselves an administrator.
    sysadmin_flag: Option<bool>,
}

/// `POST /users`: by an administrator, or by anyone when self-registration
/// is on. Nobody becomes an administrator this way.
#[utoipa::path(
    post,
    path = "/api/v2.0/users",
    tag = "user",
    operation_id = "create_user",
    request_body = UserCreationReq,
    responses((status = 201, description = "Created; Location names the new user"), (status = 409, description = "Username or email taken", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn create_user(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    body: web::Json<UserCreationReq>,
) -> Result<HttpResponse, Failure> {
    let body = body.into_inner();
    let self_registration = auth.platform().config().identity.self_registration;
    let may_create = principal
        .system_permissions()
        .allows(Resource::User, Action::Create)
        || (self_registration && principal.is_anonymous());
    if !may_create {
        return Err(principal
            .denied("only system administrators may create users")
            .into());
    }
    if body.sysadmin_flag == Some(true) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "users cannot be created as administrators; use PUT /users/{user_id}/sysadmin",
        )
        .into());
    }
    validate_username(&body.username)?;
    policy(&body.password)?;
    let email = body.email.as_deref().filter(|e| !e.is_empty());
    validate_profile(email, &body.realname, &body.comment)?;

    let hash = auth.hash_password(&body.password).await?;
    let mut tx = auth.db().begin().await?;
    let created = users::insert_user(
        &mut tx,
        &NewUser {
            username: &body.username,
            email,
            realname: &body.realname,
            comment: &body.comment,
            password_hash: &hash,
            sysadmin: false,
        },
    )
    .await;
    let user = match created {
        Ok(user) => user,
        Err(err) if is_unique_violation(&err) => {
            return Err(
                ApiError::new(ErrorCode::Conflict, "username or email already exists").into(),
            );
        }
        Err(err) => return Err(err.into()),
    };
    Actor::new(&principal, &req)
        .audit(&mut tx, None, "user", &user.username, "create")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v2.0/users/{}", user.id)))
        .finish())
}

#[derive(Debug, Deserialize)]
pub struct ListUsersQuery {
    q: Option<String>,
    username: Option<String>,
    email: Option<String>,
}

/// Reads `username=~x,email=~y` from Harbor's `q`.
fn filters_from_q(q: Option<&str>) -> Result<(Option<String>, Option<String>), Failure> {
    let (mut username, mut email) = (None, None);
    for (key, value) in query::terms(q)? {
        match key.as_str() {
            "username" => username = Some(value.to_owned()),
            "email" => email = Some(value.to_owned()),
            other => return Err(query::unknown_key("users", other)),
        }
    }
    Ok((username, email))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/users",
    tag = "user",
    operation_id = "list_users",
    params(
        ("q" = Option<String>, Query, description = "Harbor's query: username, email"),
        ("username" = Option<String>, Query, description = "Usernames containing this"),
        ("email" = Option<String>, Query, description = "Emails containing this"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, description = "Users, paged (X-Total-Count, Link)", body = [crate::views::UserResp]), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_users(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<ListUsersQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    principal.require_system(Resource::User, Action::List)?;
    let page = paging.page()?;
    let (q_username, q_email) = filters_from_q(query.q.as_deref())?;
    let username = query.username.clone().or(q_username);
    let email = query.email.clone().or(q_email);
    let mut conn = auth.db().acquire().await?;
    let (rows, total) =
        users::list_users(&mut conn, username.as_deref(), email.as_deref(), page).await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    Ok(response.json(rows.iter().map(views::user).collect::<Vec<_>>()))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/users/current",
    tag = "user",
    operation_id = "get_current_user",
    responses((status = 200, description = "The caller", body = crate::views::UserResp), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_current_user(
    auth: web::Data<Auth>,
    principal: Principal,
) -> Result<HttpResponse, Failure> {
    let Some(id) = principal.user_id() else {
        return Err(principal.denied("sign in first").into());
    };
    let mut conn = auth.db().acquire().await?;
    let user = users::find_user(&mut conn, id)
        .await?
        .ok_or_else(|| user_not_found(id))?;
    Ok(HttpResponse::Ok().json(views::user(&user)))
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    username: String,
}

/// `GET /users/search`: ids and names only, for member pickers.
#[utoipa::path(
    get,
    path = "/api/v2.0/users/search",
    tag = "user",
    operation_id = "search_users",
    params(("username" = String, Query, description = "Usernames containing this")),
    responses((status = 200, description = "Matching users", body = [crate::views::UserSearchItem]), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn search_users(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<SearchQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    if principal.is_anonymous() {
        return Err(principal.denied("sign in first").into());
    }
    let page = paging.page()?;
    let mut conn = auth.db().acquire().await?;
    let (rows, total) = users::list_users(&mut conn, Some(&query.username), None, page).await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    let items: Vec<_> = rows
        .iter()
        .map(|u| views::UserSearchItem {
            user_id: u.id,
            username: u.username.clone(),
        })
        .collect();
    Ok(response.json(items))
}

/// Administrators may act on anyone; users only on themselves. Others get
/// 404 rather than learning which ids exist.
fn self_or_admin(principal: &Principal, user_id: i64) -> Result<(), Failure> {
    if principal.is_sysadmin() || principal.user_id() == Some(user_id) {
        Ok(())
    } else if principal.is_anonymous() {
        Err(principal.denied("sign in first").into())
    } else {
        Err(user_not_found(user_id))
    }
}

#[utoipa::path(
    get,
    path = "/api/v2.0/users/{user_id}",
    tag = "user",
    operation_id = "get_user",
    params(("user_id" = i64, Path, description = "User id")),
    responses((status = 200, body = crate::views::UserResp), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_user(
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
) -> Result<HttpResponse, Failure> {
    let id = path.into_inner();
    self_or_admin(&principal, id)?;
    let mut conn = auth.db().acquire().await?;
    let user = users::find_user(&mut conn, id)
        .await?
        .ok_or_else(|| user_not_found(id))?;
    Ok(HttpResponse::Ok().json(views::user(&user)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserProfile {
    email: Option<String>,
    #[serde(default)]
    realname: String,
    #[serde(default)]
    comment: String,
}

#[utoipa::path(
    put,
    path = "/api/v2.0/users/{user_id}",
    tag = "user",
    operation_id = "update_user_profile",
    params(("user_id" = i64, Path, description = "User id")),
    request_body = UserProfile,
    responses((status = 200, description = "Updated"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn update_user_profile(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
    body: web::Json<UserProfile>,
) -> Result<HttpResponse, Failure> {
    let id = path.into_inner();
    self_or_admin(&principal, id)?;
    let email = body.email.as_deref().filter(|e| !e.is_empty());
    validate_profile(email, &body.realname, &body.comment)?;
    let mut tx = auth.db().begin().await?;
    let user = users::find_user(&mut tx, id)
        .await?
        .ok_or_else(|| user_not_found(id))?;
    match users::update_profile(&mut tx, id, email, &body.realname, &body.comment).await {
        Ok(_) => {}
        Err(err) if is_unique_violation(&err) => {
            return Err(ApiError::new(ErrorCode::Conflict, "email already in use").into());
        }
        Err(err) => return Err(err.into()),
    }
    Actor::new(&principal, &req)
        .audit(&mut tx, None, "user", &user.username, "update")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/users/{user_id}",
    tag = "user",
    operation_id = "delete_user",
    params(("user_id" = i64, Path, description = "User id")),
    responses((status = 200, description = "Deleted"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn delete_user(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
) -> Result<HttpResponse, Failure> {
    principal.require_sysadmin()?;
    let id = path.into_inner();
    if principal.user_id() == Some(id) {
        return Err(
            ApiError::new(ErrorCode::Forbidden, "you cannot delete your own account").into(),
        );
    }
    let mut tx = auth.db().begin().await?;
    let user = users::find_user(&mut tx, id)
        .await?
        .ok_or_else(|| user_not_found(id))?;
    users::delete_user(&mut tx, id).await?;
    Actor::new(&principal, &req)
        .audit(&mut tx, None, "user", &user.username, "delete")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordReq {
    old_password: Option<String>,
    new_password: String,
}

/// Users change their own password with the old one; administrators may set
/// anyone else's without it.
#[utoipa::path(
    put,
    path = "/api/v2.0/users/{user_id}/password",
    tag = "user",
    operation_id = "update_user_password",
    params(("user_id" = i64, Path, description = "User id")),
    request_body = PasswordReq,
    responses((status = 200, description = "Changed"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn update_user_password(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
    body: web::Json<PasswordReq>,
) -> Result<HttpResponse, Failure> {
    let id = path.into_inner();
    self_or_admin(&principal, id)?;
    policy(&body.new_password)?;
    let mut tx = auth.db().begin().await?;
    let user = users::find_user(&mut tx, id)
        .await?
        .ok_or_else(|| user_not_found(id))?;
    let own = principal.user_id() == Some(id);
    if own {
        let old = body.old_password.as_deref().unwrap_or_default();
        if auth.verify_password(old, Some(&user.password_hash)).await? == Verified::No {
            return Err(
                ApiError::new(ErrorCode::Forbidden, "Current password is incorrect").into(),
            );
        }
    }
    if auth
        .verify_password(&body.new_password, Some(&user.password_hash))
        .await?
        != Verified::No
    {
        return Err(bad_request("New password is identical to old password"));
    }
    let hash = auth.hash_password(&body.new_password).await?;
    users::update_password_hash(&mut tx, id, &hash, true).await?;
    Actor::new(&principal, &req)
        .audit(&mut tx, None, "user", &user.username, "change_password")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserSysAdminFlag {
    sysadmin_flag: bool,
}

#[utoipa::path(
    put,
    path = "/api/v2.0/users/{user_id}/sysadmin",
    tag = "user",
    operation_id = "set_user_sysadmin",
    params(("user_id" = i64, Path, description = "User id")),
    request_body = UserSysAdminFlag,
    responses((status = 200, description = "Changed"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn set_user_sysadmin(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
    body: web::Json<UserSysAdminFlag>,
) -> Result<HttpResponse, Failure> {
    principal.require_sysadmin()?;
    let id = path.into_inner();
    if principal.user_id() == Some(id) && !body.sysadmin_flag {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "you cannot revoke your own administrator role; ask another administrator",
        )
        .into());
    }
    let mut tx = auth.db().begin().await?;
    let user = users::find_user(&mut tx, id)
        .await?
        .ok_or_else(|| user_not_found(id))?;
    users::set_sysadmin(&mut tx, id, body.sysadmin_flag).await?;
    let operation = if body.sysadmin_flag {
        "grant_sysadmin"
    } else {
        "revoke_sysadmin"
    };
    Actor::new(&principal, &req)
        .audit(&mut tx, None, "user", &user.username, operation)
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}
