//! Repositories: `/repositories` across projects and
//! `/projects/{project_name}/repositories[/{repository_name}]`.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::authz::{ProjectAccess, ProjectRef, project_access};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_registry::Resolutions;
use berth_registry::store::blobs;
use berth_types::{Action, Resource};
use serde::Deserialize;
use sqlx::PgConnection;

use super::Actor;
use crate::filter::{Filter, order_by};
use crate::paging::{self, PageQuery};
use crate::store::repositories::{self, FIELDS, RepositoryRow, SORTS, Scope};
use crate::views;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/repositories").route(web::get().to(list_all_repositories)))
        .service(
            web::resource("/projects/{project_name}/repositories")
                .route(web::get().to(list_repositories)),
        )
        .service(
            web::resource("/projects/{project_name}/repositories/{repository_name}")
                .route(web::get().to(get_repository))
                .route(web::put().to(update_repository))
                .route(web::delete().to(delete_repository)),
        );
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    sort: Option<String>,
}

/// The repository part of a path, which Harbor's clients encode twice so a
/// `/` inside it survives routing (`a%252Fb` arrives here as `a%2Fb`).
pub(crate) fn repository_path(raw: &str) -> Result<String, Failure> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "repository name is not UTF-8"))?;
    if decoded.is_empty() {
        return Err(ApiError::new(ErrorCode::BadRequest, "repository name is empty").into());
    }
    Ok(decoded.into_owned())
}

/// The project (by name, as Harbor's repository routes take it) and the
/// caller's access to it.
pub(crate) async fn project_for(
    conn: &mut PgConnection,
    principal: &Principal,
    project_name: &str,
    resource: Resource,
    action: Action,
) -> Result<ProjectAccess, Failure> {
    let access = project_access(conn, principal, ProjectRef::Name(project_name)).await?;
    access.require(principal, resource, action)?;
    Ok(access)
}

fn repository_not_found(project: &str, path: &str) -> Failure {
    ApiError::new(
        ErrorCode::NotFound,
        format!("repository {project}/{path} not found"),
    )
    .into()
}

/// The repository `{project}/{path}`, which the caller may act on as asked.
pub(crate) async fn repository_for(
    conn: &mut PgConnection,
    principal: &Principal,
    project_name: &str,
    raw_path: &str,
    resource: Resource,
    action: Action,
) -> Result<(ProjectAccess, RepositoryRow), Failure> {
    let path = repository_path(raw_path)?;
    let access = project_for(conn, principal, project_name, resource, action).await?;
    let full = format!("{}/{path}", access.project.name);
    match repositories::find(conn, access.project.id, &full).await? {
        Some(row) => Ok((access, row)),
        None => Err(repository_not_found(project_name, &path)),
    }
}

/// Which repositories a caller's listings show: everything for
/// administrators, public projects and their own for everyone else.
pub(crate) fn scope_of(principal: &Principal) -> Scope {
    match principal {
        p if p.is_sysadmin() => Scope::All,
        Principal::Robot {
            project_id: Some(id),
            ..
        } => Scope::PublicAnd(*id),
        p => Scope::VisibleTo {
            user_id: p.user_id(),
        },
    }
}

async fn respond_list(
    req: &HttpRequest,
    conn: &mut PgConnection,
    scope: Scope,
    query: &ListQuery,
    paging: &PageQuery,
) -> Result<HttpResponse, Failure> {
    let page = paging.page()?;
    let filter = Filter::parse(query.q.as_deref(), "repositories", FIELDS)?;
    let order = order_by(
        query.sort.as_deref(),
        SORTS,
        repositories::DEFAULT_SORT,
        repositories::TIEBREAK,
    )?;
    let (rows, total) = repositories::list(conn, scope, &filter, &order, page).await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, req, page, total);
    Ok(response.json(rows.iter().map(views::repository).collect::<Vec<_>>()))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/repositories",
    tag = "repository",
    operation_id = "list_all_repositories",
    params(
        ("q" = Option<String>, Query, description = "Harbor's query: name, project_id, pull_count, creation_time, update_time"),
        ("sort" = Option<String>, Query, description = "name, creation_time, update_time, pull_count; '-' for descending"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::Repository]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_all_repositories(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<ListQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let mut conn = auth.db().acquire().await?;
    respond_list(&req, &mut conn, scope_of(&principal), &query, &paging).await
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/repositories",
    tag = "repository",
    operation_id = "list_repositories",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("q" = Option<String>, Query, description = "Harbor's query: name, pull_count, creation_time, update_time"),
        ("sort" = Option<String>, Query, description = "name, creation_time, update_time, pull_count; '-' for descending"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::Repository]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Project not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_repositories(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let mut conn = auth.db().acquire().await?;
    let access = project_for(
        &mut conn,
        &principal,
        &path,
        Resource::Repository,
        Action::List,
    )
    .await?;
    respond_list(
        &req,
        &mut conn,
        Scope::Project(access.project.id),
        &query,
        &paging,
    )
    .await
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}",
    tag = "repository",
    operation_id = "get_repository",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice (a%252Fb)"),
    ),
    responses((status = 200, body = crate::views::Repository), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_repository(
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Failure> {
    let (project, repository) = path.into_inner();
    let mut conn = auth.db().acquire().await?;
    let (_, row) = repository_for(
        &mut conn,
        &principal,
        &project,
        &repository,
        Resource::Repository,
        Action::Read,
    )
    .await?;
    Ok(HttpResponse::Ok().json(views::repository(&row)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RepositoryUpdate {
    description: Option<String>,
}

#[utoipa::path(
    put,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}",
    tag = "repository",
    operation_id = "update_repository",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
    ),
    request_body = RepositoryUpdate,
    responses((status = 200, description = "Updated"), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn update_repository(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, String)>,
    body: web::Json<RepositoryUpdate>,
) -> Result<HttpResponse, Failure> {
    let (project, repository) = path.into_inner();
    let description = body.into_inner().description.unwrap_or_default();
    if description.chars().count() > 1024 {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "description is longer than 1024 characters",
        )
        .into());
    }
    let mut tx = auth.db().begin().await?;
    let (access, row) = repository_for(
        &mut tx,
        &principal,
        &project,
        &repository,
        Resource::Repository,
        Action::Update,
    )
    .await?;
    repositories::update_description(&mut tx, row.id, &description).await?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "repository",
            &row.name,
            "update",
        )
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}",
    tag = "repository",
    operation_id = "delete_repository",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
    ),
    responses((status = 200, description = "Deleted with its artifacts and tags"), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn delete_repository(
    req: HttpRequest,
    auth: web::Data<Auth>,
    resolutions: web::Data<Resolutions>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Failure> {
    let (project, repository) = path.into_inner();
    let mut tx = auth.db().begin().await?;
    let access = project_for(
        &mut tx,
        &principal,
        &project,
        Resource::Repository,
        Action::Delete,
    )
    .await?;
    // Usage first, then the repository row: the order every push takes
    // too (pushes lock no repository row before the usage lock).
    blobs::lock_usage(&mut tx, access.project.id).await?;
    let (_, row) = repository_for(
        &mut tx,
        &principal,
        &project,
        &repository,
        Resource::Repository,
        Action::Delete,
    )
    .await?;
    let digests = repositories::delete(&mut tx, row.id).await?;
    blobs::release_blobs(&mut tx, access.project.id, &digests).await?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "repository",
            &row.name,
            "delete",
        )
        .await?;
    resolutions.commit(tx).await?;
    Ok(HttpResponse::Ok().finish())
}
