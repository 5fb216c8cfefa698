//! `/users/current/tokens`: personal access tokens (an extension to Harbor's
//! API). A token works wherever its owner's password does, optionally
//! narrowed to projects and permissions; it is shown once and stored hashed.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::domain::pat;
use berth_auth::store::tokens::{self, NewToken};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Permission, ProjectName};
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::Actor;
use crate::views;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/users/current/tokens")
            .route(web::post().to(create_access_token))
            .route(web::get().to(list_access_tokens)),
    )
    .service(
        web::resource("/users/current/tokens/{token_id}")
            .route(web::delete().to(delete_access_token)),
    );
}

/// Tokens are managed with the password or a console session, never with
/// another token, so a leaked token cannot mint more.
fn owner(principal: &Principal) -> Result<i64, Failure> {
    match (principal.user_id(), principal.token()) {
        (Some(id), None) => Ok(id),
        (Some(_), Some(_)) => Err(ApiError::new(
            ErrorCode::Forbidden,
            "access tokens cannot manage access tokens: use your password or a console session",
        )
        .into()),
        (None, _) => Err(principal.denied("only users have access tokens").into()),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenCreate {
    name: String,
    /// Days until expiry; absent for a token that does not expire.
    expires_in_days: Option<i64>,
    projects: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<crate::views::PermissionSchema>>)]
    permissions: Option<Vec<Permission>>,
}

#[utoipa::path(
    post,
    path = "/api/v2.0/users/current/tokens",
    tag = "access-token",
    operation_id = "create_access_token",
    request_body = TokenCreate,
    responses((status = 201, description = "Created; `token` is shown only here", body = crate::views::AccessToken), (status = 409, description = "Name taken", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn create_access_token(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    body: web::Json<TokenCreate>,
) -> Result<HttpResponse, Failure> {
    let user_id = owner(&principal)?;
    let body = body.into_inner();
    let bad = |m: String| -> Failure { ApiError::new(ErrorCode::BadRequest, m).into() };
    if !(1..=64).contains(&body.name.chars().count()) || body.name.chars().any(char::is_control) {
        return Err(bad("name must be 1 to 64 printable characters".into()));
    }
    let expires_at = match body.expires_in_days {
        None => None,
        Some(days @ 1..=3650) => Some(Utc::now() + Duration::days(days)),
        Some(days) => {
            return Err(bad(format!(
                "expires_in_days must be between 1 and 3650, not {days}"
            )));
        }
    };
    if let Some(projects) = &body.projects {
        if projects.is_empty() {
            return Err(bad(
                "projects, when given, must name at least one project".into()
            ));
        }
        for name in projects {
            name.parse::<ProjectName>()
                .map_err(|e| bad(e.to_string()))?;
        }
    }
    if body.permissions.as_ref().is_some_and(Vec::is_empty) {
        return Err(bad(
            "permissions, when given, must name at least one permission".into(),
        ));
    }
    let minted = pat::mint();
    let mut tx = auth.db().begin().await?;
    let row = tokens::insert_token(
        &mut tx,
        &NewToken {
            user_id,
            lookup: &minted.lookup,
            token_sha256: &minted.sha256,
            name: &body.name,
            projects: body.projects.as_deref(),
            permissions: body.permissions.as_deref(),
            expires_at,
        },
    )
    .await?
    .ok_or_else(|| {
        ApiError::new(
            ErrorCode::Conflict,
            format!("you already have a token named {:?}", body.name),
        )
    })?;
    Actor::new(&principal, &req)
        .audit(&mut tx, None, "access_token", &body.name, "create")
        .await?;
    tx.commit().await?;
    let mut shown = views::access_token(&row);
    shown.token = Some(minted.token);
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v2.0/users/current/tokens/{}", row.id),
        ))
        .json(shown))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/users/current/tokens",
    tag = "access-token",
    operation_id = "list_access_tokens",
    responses((status = 200, body = [crate::views::AccessToken]), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_access_tokens(
    auth: web::Data<Auth>,
    principal: Principal,
) -> Result<HttpResponse, Failure> {
    let user_id = owner(&principal)?;
    let mut conn = auth.db().acquire().await?;
    let rows = tokens::list_tokens(&mut conn, user_id).await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(views::access_token).collect::<Vec<_>>()))
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/users/current/tokens/{token_id}",
    tag = "access-token",
    operation_id = "delete_access_token",
    params(("token_id" = i64, Path, description = "Access token id")),
    responses((status = 200, description = "Revoked"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn delete_access_token(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
) -> Result<HttpResponse, Failure> {
    let user_id = owner(&principal)?;
    let id = path.into_inner();
    let mut tx = auth.db().begin().await?;
    let name = tokens::delete_token(&mut tx, user_id, id)
        .await?
        .ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, format!("access token {id} not found"))
        })?;
    Actor::new(&principal, &req)
        .audit(&mut tx, None, "access_token", &name, "delete")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}
