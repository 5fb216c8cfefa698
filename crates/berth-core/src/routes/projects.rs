//! `/projects`: create, list, read, update, delete and summarise projects.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::authz::{project_access, project_ref};
use berth_auth::store::members;
use berth_auth::store::projects::{self, NewProject, ProjectFilter, ProjectSort, Visibility};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_registry::Resolutions;
use berth_registry::store::{blobs, repositories};
use berth_types::{Action, ProjectName, ProjectRole, Resource};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Actor;
use crate::paging::{self, PageQuery};
use crate::query;
use crate::views;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/projects")
            .route(web::post().to(create_project))
            .route(web::get().to(list_projects))
            .route(web::head().to(head_project)),
    )
    .service(
        web::resource("/projects/{project_name_or_id}")
            .route(web::get().to(get_project))
            .route(web::put().to(update_project))
            .route(web::delete().to(delete_project)),
    )
    .service(
        web::resource("/projects/{project_name_or_id}/summary")
            .route(web::get().to(get_project_summary)),
    );
}

async fn repo_count(conn: &mut sqlx::PgConnection, project_id: i64) -> Result<i64, Failure> {
    let counts = repositories::count_by_project(conn, &[project_id]).await?;
    Ok(counts.first().map(|(_, n)| *n).unwrap_or(0))
}

/// `X-Is-Resource-Name: true` makes an all-digit path segment a name.
pub(crate) fn is_resource_name(req: &HttpRequest) -> bool {
    req.headers()
        .get("X-Is-Resource-Name")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn bad_request(message: impl Into<String>) -> Failure {
    ApiError::new(ErrorCode::BadRequest, message).into()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProjectReq {
    project_name: Option<String>,
    public: Option<bool>,
    #[schema(value_type = Option<std::collections::BTreeMap<String, String>>)]
    metadata: Option<serde_json::Map<String, Value>>,
    storage_limit: Option<i64>,
}

/// Metadata values are strings in Harbor's API; `public` lives in its own
/// column and is taken out here.
fn split_metadata(
    req: &ProjectReq,
) -> Result<(Option<bool>, serde_json::Map<String, Value>), Failure> {
    let mut metadata = req.metadata.clone().unwrap_or_default();
    let from_metadata = match metadata.remove("public") {
        None => None,
        Some(Value::String(s)) if s == "true" => Some(true),
        Some(Value::String(s)) if s == "false" => Some(false),
        Some(Value::Bool(b)) => Some(b),
        Some(other) => {
            return Err(bad_request(format!(
                "metadata.public must be \"true\" or \"false\", not {other}"
            )));
        }
    };
    for (key, value) in &metadata {
        if !value.is_string() {
            return Err(bad_request(format!("metadata.{key} must be a string")));
        }
    }
    Ok((req.public.or(from_metadata), metadata))
}

fn validate_storage_limit(limit: i64) -> Result<(), Failure> {
    if limit == -1 || limit > 0 {
        Ok(())
    } else {
        Err(bad_request(
            "storage_limit must be -1 (unlimited) or a positive number of bytes",
        ))
    }
}

#[utoipa::path(
    post,
    path = "/api/v2.0/projects",
    tag = "project",
    operation_id = "create_project",
    request_body = ProjectReq,
    responses((status = 201, description = "Created; Location names the new project"), (status = 409, description = "Name taken", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn create_project(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    body: web::Json<ProjectReq>,
) -> Result<HttpResponse, Failure> {
    // Users create projects; robots only with the system-level grant.
    let owner_id = principal.user_id();
    let may_create = owner_id.is_some()
        || principal
            .system_permissions()
            .allows(Resource::Project, Action::Create);
    if !may_create {
        return Err(principal.denied("you may not create projects").into());
    }
    let body = body.into_inner();
    let raw_name = body
        .project_name
        .as_deref()
        .ok_or_else(|| bad_request("project_name is required"))?;
    let name: ProjectName = raw_name
        .parse()
        .map_err(|e: berth_types::NameError| bad_request(e.to_string()))?;
    let (public, metadata) = split_metadata(&body)?;
    let storage_limit = body.storage_limit.unwrap_or(-1);
    validate_storage_limit(storage_limit)?;
    if storage_limit != -1 && !principal.is_sysadmin() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only system administrators may set storage_limit",
        )
        .into());
    }

    let mut tx = auth.db().begin().await?;
    let id = projects::insert_project(
        &mut tx,
        &NewProject {
            name: name.as_str(),
            owner_id,
            public: public.unwrap_or(false),
            metadata: &Value::Object(metadata),
            storage_limit,
        },
    )
    .await?
    .ok_or_else(|| {
        ApiError::new(
            ErrorCode::Conflict,
            format!("project {name} already exists"),
        )
    })?;
    if let Some(owner_id) = owner_id {
        members::insert_member(&mut tx, id, owner_id, ProjectRole::ProjectAdmin.id()).await?;
    }
    Actor::new(&principal, &req)
        .audit(&mut tx, Some(id), "project", name.as_str(), "create")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v2.0/projects/{id}")))
        .finish())
}

#[derive(Debug, Deserialize)]
pub struct ListProjectsQuery {
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::query::harbor_bool")]
    public: Option<bool>,
    owner: Option<String>,
    q: Option<String>,
    sort: Option<String>,
}

fn parse_sort(sort: Option<&str>) -> Result<ProjectSort, Failure> {
    Ok(match sort.unwrap_or("") {
        "" => ProjectSort::Id,
        "name" => ProjectSort::Name,
        "-name" => ProjectSort::NameDesc,
        "creation_time" => ProjectSort::CreationTime,
        "-creation_time" => ProjectSort::CreationTimeDesc,
        other => {
            return Err(bad_request(format!(
                "cannot sort projects by {other:?}: use name, -name, creation_time or -creation_time"
            )));
        }
    })
}

/// `name=~x`, `public=true` and `owner=u` from Harbor's `q`.
fn filter_from_q(list: &ListProjectsQuery) -> Result<ProjectFilter, Failure> {
    let mut filter = ProjectFilter {
        name: list.name.clone(),
        public: list.public,
        owner: list.owner.clone(),
    };
    for (key, value) in query::terms(list.q.as_deref())? {
        match key.as_str() {
            "name" => filter.name = Some(value.to_owned()),
            "owner" => filter.owner = Some(value.to_owned()),
            "public" => {
                filter.public = Some(
                    value
                        .parse()
                        .map_err(|_| bad_request("public must be true or false"))?,
                )
            }
            other => return Err(query::unknown_key("projects", other)),
        }
    }
    Ok(filter)
}

/// Lists what the caller may see: every project for administrators, public
/// ones and their own for everyone else. Counts agree with the listing.
#[utoipa::path(
    get,
    path = "/api/v2.0/projects",
    tag = "project",
    operation_id = "list_projects",
    params(
        ("name" = Option<String>, Query, description = "Names containing this"),
        ("public" = Option<bool>, Query, description = "Only public (true) or private (false) projects"),
        ("owner" = Option<String>, Query, description = "The owner's username"),
        ("q" = Option<String>, Query, description = "Harbor's query: name, public, owner"),
        ("sort" = Option<String>, Query, description = "name, creation_time; '-' for descending"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, description = "Projects the caller may see, paged (X-Total-Count, Link)", body = [crate::views::Project]), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_projects(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<ListProjectsQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let page = paging.page()?;
    let filter = filter_from_q(&query)?;
    let sort = parse_sort(query.sort.as_deref())?;
    let mut conn = auth.db().acquire().await?;
    let (rows, total) =
        projects::list_projects(&mut conn, visibility_of(&principal), &filter, sort, page).await?;
    let items = project_views(&mut conn, &rows).await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    Ok(response.json(items))
}

/// Which projects a caller's listings show: all for administrators, public
/// and member projects for everyone else.
pub(crate) fn visibility_of(principal: &Principal) -> Visibility {
    if principal.is_sysadmin() {
        Visibility::All
    } else {
        Visibility::For {
            user_id: principal.user_id(),
        }
    }
}

/// Listed projects with the caller's role and their repository counts.
pub(crate) async fn project_views(
    conn: &mut sqlx::PgConnection,
    rows: &[projects::ProjectRow],
) -> Result<Vec<views::Project>, Failure> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let counts = repositories::count_by_project(conn, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let role = row
                .caller_role
                .and_then(|r| ProjectRole::from_id(i64::from(r)));
            let repo_count = counts
                .iter()
                .find(|(id, _)| *id == row.id)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            views::project(row, role, repo_count)
        })
        .collect())
}

#[derive(Debug, Deserialize)]
pub struct HeadQuery {
    project_name: String,
}

/// `HEAD /projects?project_name=`: whether the name is taken. Names are one
/// namespace (creating a taken name fails anyway), so this reveals nothing
/// more; it still requires signing in.
#[utoipa::path(
    head,
    path = "/api/v2.0/projects",
    tag = "project",
    operation_id = "head_project",
    responses((status = 200, description = "The name is taken"), (status = 404, description = "The name is free"), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn head_project(
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<HeadQuery>,
) -> Result<HttpResponse, Failure> {
    if principal.is_anonymous() {
        return Err(principal.denied("sign in first").into());
    }
    let mut conn = auth.db().acquire().await?;
    if projects::project_name_exists(&mut conn, &query.project_name).await? {
        Ok(HttpResponse::Ok().finish())
    } else {
        Ok(HttpResponse::NotFound().finish())
    }
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name_or_id}",
    tag = "project",
    operation_id = "get_project",
    params(("project_name_or_id" = String, Path, description = "Project name, or id unless X-Is-Resource-Name is true")),
    responses((status = 200, body = crate::views::Project), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_project(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let reference = project_ref(&path, is_resource_name(&req));
    let mut conn = auth.db().acquire().await?;
    let access = project_access(&mut conn, &principal, reference).await?;
    access.require(&principal, Resource::Project, Action::Read)?;
    let repo_count = repo_count(&mut conn, access.project.id).await?;
    Ok(HttpResponse::Ok().json(views::project(&access.project, access.role, repo_count)))
}

#[utoipa::path(
    put,
    path = "/api/v2.0/projects/{project_name_or_id}",
    tag = "project",
    operation_id = "update_project",
    params(("project_name_or_id" = String, Path, description = "Project name, or id unless X-Is-Resource-Name is true")),
    request_body = ProjectReq,
    responses((status = 200, description = "Updated"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn update_project(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<String>,
    body: web::Json<ProjectReq>,
) -> Result<HttpResponse, Failure> {
    let reference = project_ref(&path, is_resource_name(&req));
    let body = body.into_inner();
    let (public, updates) = split_metadata(&body)?;
    if let Some(limit) = body.storage_limit {
        validate_storage_limit(limit)?;
    }
    let mut tx = auth.db().begin().await?;
    let access = project_access(&mut tx, &principal, reference).await?;
    access.require(&principal, Resource::Project, Action::Update)?;
    if body
        .storage_limit
        .is_some_and(|l| l != access.project.storage_limit)
        && !principal.is_sysadmin()
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only system administrators may change storage_limit",
        )
        .into());
    }
    let project = &access.project;
    let mut metadata = match &project.metadata {
        Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    metadata.extend(updates);
    projects::update_project(
        &mut tx,
        project.id,
        public.unwrap_or(project.public),
        &Value::Object(metadata),
        body.storage_limit.unwrap_or(project.storage_limit),
    )
    .await?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(project.id),
            "project",
            &project.name,
            "update",
        )
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/projects/{project_name_or_id}",
    tag = "project",
    operation_id = "delete_project",
    params(("project_name_or_id" = String, Path, description = "Project name, or id unless X-Is-Resource-Name is true")),
    responses((status = 200, description = "Deleted"), (status = 412, description = "The project still has repositories", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn delete_project(
    req: HttpRequest,
    auth: web::Data<Auth>,
    resolutions: web::Data<Resolutions>,
    principal: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let reference = project_ref(&path, is_resource_name(&req));
    let mut tx = auth.db().begin().await?;
    let access = project_access(&mut tx, &principal, reference).await?;
    access.require(&principal, Resource::Project, Action::Delete)?;
    if repositories::project_has_repositories(&mut tx, access.project.id).await? {
        return Err(ApiError::new(
            ErrorCode::PreconditionFailed,
            format!(
                "project {} still has repositories: delete them first",
                access.project.name
            ),
        )
        .into());
    }
    projects::delete_project(&mut tx, access.project.id).await?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "project",
            &access.project.name,
            "delete",
        )
        .await?;
    resolutions.commit(tx).await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name_or_id}/summary",
    tag = "project",
    operation_id = "get_project_summary",
    params(("project_name_or_id" = String, Path, description = "Project name, or id unless X-Is-Resource-Name is true")),
    responses((status = 200, description = "Counts by role, repositories and quota", body = serde_json::Value), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_project_summary(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let reference = project_ref(&path, is_resource_name(&req));
    let mut conn = auth.db().acquire().await?;
    let access = project_access(&mut conn, &principal, reference).await?;
    access.require(&principal, Resource::Project, Action::Read)?;
    let mut summary = json!({"repo_count": repo_count(&mut conn, access.project.id).await?});
    if access.allows(Resource::Member, Action::List) {
        let counts = members::count_by_role(&mut conn, access.project.id).await?;
        let count = |role: ProjectRole| {
            counts
                .iter()
                .find(|(r, _)| *r == role.id())
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        summary["project_admin_count"] = json!(count(ProjectRole::ProjectAdmin));
        summary["maintainer_count"] = json!(count(ProjectRole::Maintainer));
        summary["developer_count"] = json!(count(ProjectRole::Developer));
        summary["guest_count"] = json!(count(ProjectRole::Guest));
        summary["limited_guest_count"] = json!(count(ProjectRole::LimitedGuest));
    }
    if access.allows(Resource::Quota, Action::Read) {
        summary["quota"] = json!({
            "hard": {"storage": access.project.storage_limit},
            "used": {"storage": blobs::project_usage(&mut conn, access.project.id).await?.1},
        });
    }
    Ok(HttpResponse::Ok().json(summary))
}
