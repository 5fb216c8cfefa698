//! `/projects/{project}/members`: who belongs to a project, with which role.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::authz::{ProjectAccess, project_access, project_ref};
use berth_auth::store::members;
use berth_auth::store::users;
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Action, ProjectRole, Resource};
use serde::Deserialize;
use sqlx::PgConnection;

use super::Actor;
use super::projects::is_resource_name;
use crate::paging::{self, PageQuery};
use crate::views;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/projects/{project_name_or_id}/members")
            .route(web::get().to(list_project_members))
            .route(web::post().to(create_project_member)),
    )
    .service(
        web::resource("/projects/{project_name_or_id}/members/{mid}")
            .route(web::get().to(get_project_member))
            .route(web::put().to(update_project_member))
            .route(web::delete().to(delete_project_member)),
    );
}

fn parse_role(role_id: i64) -> Result<ProjectRole, Failure> {
    ProjectRole::from_id(role_id).ok_or_else(|| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!(
                "role_id {role_id} is invalid: use 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)"
            ),
        )
        .into()
    })
}

fn member_not_found(id: i64) -> Failure {
    ApiError::new(ErrorCode::NotFound, format!("member {id} not found")).into()
}

async fn access_for(
    conn: &mut PgConnection,
    req: &HttpRequest,
    principal: &Principal,
    project: &str,
    action: Action,
) -> Result<ProjectAccess, Failure> {
    let access =
        project_access(conn, principal, project_ref(project, is_resource_name(req))).await?;
    access.require(principal, Resource::Member, action)?;
    Ok(access)
}

#[derive(Debug, Deserialize)]
pub struct ListMembersQuery {
    entityname: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name_or_id}/members",
    tag = "member",
    operation_id = "list_project_members",
    params(
        ("project_name_or_id" = String, Path, description = "Project name, or id unless X-Is-Resource-Name is true"),
        ("entityname" = Option<String>, Query, description = "Member names containing this"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::ProjectMemberEntity]), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_project_members(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<String>,
    query: web::Query<ListMembersQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let page = paging.page()?;
    let mut conn = auth.db().acquire().await?;
    let access = access_for(&mut conn, &req, &principal, &path, Action::List).await?;
    let (rows, total) = members::list_members(
        &mut conn,
        access.project.id,
        query.entityname.as_deref(),
        page,
    )
    .await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    Ok(response.json(rows.iter().map(views::member).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserEntity {
    user_id: Option<i64>,
    username: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProjectMember {
    role_id: i64,
    member_user: Option<UserEntity>,
    #[schema(value_type = Option<Object>)]
    member_group: Option<serde_json::Value>,
}

#[utoipa::path(
    post,
    path = "/api/v2.0/projects/{project_name_or_id}/members",
    tag = "member",
    operation_id = "create_project_member",
    params(("project_name_or_id" = String, Path, description = "Project name, or id unless X-Is-Resource-Name is true")),
    request_body = ProjectMember,
    responses((status = 201, description = "Added; Location names the membership"), (status = 409, description = "Already a member", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn create_project_member(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<String>,
    body: web::Json<ProjectMember>,
) -> Result<HttpResponse, Failure> {
    let body = body.into_inner();
    let role = parse_role(body.role_id)?;
    if body.member_group.is_some() {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "group members are not supported; add users",
        )
        .into());
    }
    let entity = body
        .member_user
        .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "member_user is required"))?;
    let mut tx = auth.db().begin().await?;
    let access = access_for(&mut tx, &req, &principal, &path, Action::Create).await?;
    let user = match (entity.user_id, entity.username.as_deref()) {
        (Some(id), _) => users::find_user(&mut tx, id).await?,
        (None, Some(name)) => users::find_user_by_name(&mut tx, name).await?,
        (None, None) => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "member_user needs user_id or username",
            )
            .into());
        }
    }
    .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "user not found"))?;
    let id = members::insert_member(&mut tx, access.project.id, user.id, role.id())
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "{} is already a member of {}",
                    user.username, access.project.name
                ),
            )
        })?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "member",
            &format!("{}:{}", user.username, role.name()),
            "create",
        )
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v2.0/projects/{}/members/{id}", access.project.id),
        ))
        .finish())
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name_or_id}/members/{mid}",
    tag = "member",
    operation_id = "get_project_member",
    params(("project_name_or_id" = String, Path, description = "Project name, or id unless X-Is-Resource-Name is true"), ("mid" = i64, Path, description = "Member id")),
    responses((status = 200, body = crate::views::ProjectMemberEntity), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_project_member(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, Failure> {
    let (project, mid) = path.into_inner();
    let mut conn = auth.db().acquire().await?;
    let access = access_for(&mut conn, &req, &principal, &project, Action::Read).await?;
    let member = members::find_member(&mut conn, access.project.id, mid)
        .await?
        .ok_or_else(|| member_not_found(mid))?;
    Ok(HttpResponse::Ok().json(views::member(&member)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RoleRequest {
    role_id: i64,
}

#[utoipa::path(
    put,
    path = "/api/v2.0/projects/{project_name_or_id}/members/{mid}",
    tag = "member",
    operation_id = "update_project_member",
    params(("project_name_or_id" = String, Path, description = "Project name, or id unless X-Is-Resource-Name is true"), ("mid" = i64, Path, description = "Member id")),
    request_body = RoleRequest,
    responses((status = 200, description = "Updated"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn update_project_member(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, i64)>,
    body: web::Json<RoleRequest>,
) -> Result<HttpResponse, Failure> {
    let (project, mid) = path.into_inner();
    let role = parse_role(body.role_id)?;
    let mut tx = auth.db().begin().await?;
    let access = access_for(&mut tx, &req, &principal, &project, Action::Update).await?;
    let member = members::find_member(&mut tx, access.project.id, mid)
        .await?
        .ok_or_else(|| member_not_found(mid))?;
    members::update_member_role(&mut tx, access.project.id, mid, role.id()).await?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "member",
            &format!("{}:{}", member.username, role.name()),
            "update",
        )
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/projects/{project_name_or_id}/members/{mid}",
    tag = "member",
    operation_id = "delete_project_member",
    params(("project_name_or_id" = String, Path, description = "Project name, or id unless X-Is-Resource-Name is true"), ("mid" = i64, Path, description = "Member id")),
    responses((status = 200, description = "Removed"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn delete_project_member(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, Failure> {
    let (project, mid) = path.into_inner();
    let mut tx = auth.db().begin().await?;
    let access = access_for(&mut tx, &req, &principal, &project, Action::Delete).await?;
    let member = members::find_member(&mut tx, access.project.id, mid)
        .await?
        .ok_or_else(|| member_not_found(mid))?;
    members::delete_member(&mut tx, access.project.id, mid).await?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "member",
            &member.username,
            "delete",
        )
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}
