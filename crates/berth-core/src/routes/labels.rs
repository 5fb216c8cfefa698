//! `/labels`: global labels (administrators manage them, everyone signed in
//! reads them) and project labels (the project's Label permissions).

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::authz::{ProjectRef, project_access};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Action, Resource};
use serde::Deserialize;
use sqlx::PgConnection;

use super::{Actor, is_unique_violation};
use crate::filter::{Filter, order_by};
use crate::paging::{self, PageQuery};
use crate::store::labels::{self, LabelRow, NewLabel};
use crate::views;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/labels")
            .route(web::get().to(list_labels))
            .route(web::post().to(create_label)),
    )
    .service(
        web::resource("/labels/{label_id}")
            .route(web::get().to(get_label))
            .route(web::put().to(update_label))
            .route(web::delete().to(delete_label)),
    );
}

fn bad_request(message: impl Into<String>) -> Failure {
    ApiError::new(ErrorCode::BadRequest, message).into()
}

fn label_not_found(id: i64) -> Failure {
    ApiError::new(ErrorCode::NotFound, format!("label {id} not found")).into()
}

/// Checks the caller may do `action` on labels of the given scope: the
/// system's for global labels, the project's otherwise. A project the caller
/// cannot see answers as a missing label would.
async fn require(
    conn: &mut PgConnection,
    principal: &Principal,
    project_id: Option<i64>,
    action: Action,
) -> Result<(), Failure> {
    match project_id {
        None if matches!(action, Action::Read | Action::List) => {
            if principal.is_anonymous() {
                return Err(principal.denied("").into());
            }
            Ok(())
        }
        None => Ok(principal.require_system(Resource::Label, action)?),
        Some(id) => {
            let access = project_access(conn, principal, ProjectRef::Id(id)).await?;
            Ok(access.require(principal, Resource::Label, action)?)
        }
    }
}

/// The label, if it exists and the caller may `action` it.
async fn label_for(
    conn: &mut PgConnection,
    principal: &Principal,
    id: i64,
    action: Action,
) -> Result<LabelRow, Failure> {
    let label = labels::find(conn, id)
        .await?
        .ok_or_else(|| label_not_found(id))?;
    match require(conn, principal, label.project_id, action).await {
        Err(Failure::Client(err)) if err.code() == ErrorCode::NotFound => Err(label_not_found(id)),
        other => other.map(|()| label),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LabelReq {
    name: Option<String>,
    description: Option<String>,
    color: Option<String>,
    /// `g` (global, the default) or `p` (project).
    scope: Option<String>,
    project_id: Option<i64>,
}

fn checked_text(value: Option<&str>, field: &str, max: usize) -> Result<String, Failure> {
    let value = value.unwrap_or_default();
    if value.chars().count() > max {
        return Err(bad_request(format!(
            "{field} is longer than {max} characters"
        )));
    }
    Ok(value.to_owned())
}

fn checked_name(name: Option<&str>) -> Result<String, Failure> {
    let name = checked_text(name, "name", 128)?;
    if name.trim().is_empty() {
        return Err(bad_request("name is required"));
    }
    Ok(name)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    sort: Option<String>,
    name: Option<String>,
    scope: Option<String>,
    project_id: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v2.0/labels",
    tag = "label",
    operation_id = "list_labels",
    params(
        ("q" = Option<String>, Query, description = "Harbor's query: name, scope, project_id"),
        ("sort" = Option<String>, Query, description = "name, creation_time, update_time; '-' for descending"),
        ("name" = Option<String>, Query, description = "Names containing this"),
        ("scope" = Option<String>, Query, description = "g (global, the default) or p (project, with project_id)"),
        ("project_id" = Option<i64>, Query, description = "The project, for scope p"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::Label]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 404, description = "Project not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_labels(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<ListQuery>,
    paging_query: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let page = paging_query.page()?;
    let filter = Filter::parse(query.q.as_deref(), "labels", labels::FIELDS)?;
    let project_id = match (query.scope.as_deref(), query.project_id) {
        (None | Some("g"), _) => None,
        (Some("p"), Some(id)) => Some(id),
        (Some("p"), None) => return Err(bad_request("scope p needs project_id")),
        (Some(other), _) => {
            return Err(bad_request(format!("scope must be g or p, not {other:?}")));
        }
    };
    let mut conn = auth.db().acquire().await?;
    require(&mut conn, &principal, project_id, Action::List).await?;
    let order = order_by(query.sort.as_deref(), labels::SORTS, "l.name", "l.id")?;
    let (rows, total) = labels::list(
        &mut conn,
        project_id,
        query.name.as_deref(),
        &filter,
        &order,
        page,
    )
    .await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    Ok(response.json(rows.iter().map(views::label).collect::<Vec<_>>()))
}

#[utoipa::path(
    post,
    path = "/api/v2.0/labels",
    tag = "label",
    operation_id = "create_label",
    request_body = LabelReq,
    responses((status = 201, description = "Created; Location names the label"), (status = 400, description = "Invalid label", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 409, description = "The scope already has a label of that name", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn create_label(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    body: web::Json<LabelReq>,
) -> Result<HttpResponse, Failure> {
    let body = body.into_inner();
    let name = checked_name(body.name.as_deref())?;
    let description = checked_text(body.description.as_deref(), "description", 1024)?;
    let color = checked_text(body.color.as_deref(), "color", 32)?;
    let project_id = match (body.scope.as_deref(), body.project_id) {
        (None | Some("g"), None | Some(0)) => None,
        (None | Some("g"), Some(_)) => return Err(bad_request("a global label has no project_id")),
        (Some("p"), Some(id)) if id > 0 => Some(id),
        (Some("p"), _) => return Err(bad_request("a project label needs project_id")),
        (Some(other), _) => {
            return Err(bad_request(format!("scope must be g or p, not {other:?}")));
        }
    };
    let mut tx = auth.db().begin().await?;
    require(&mut tx, &principal, project_id, Action::Create).await?;
    let id = labels::insert(
        &mut tx,
        &NewLabel {
            name: &name,
            description: &description,
            color: &color,
            project_id,
        },
    )
    .await?
    .ok_or_else(|| {
        ApiError::new(
            ErrorCode::Conflict,
            format!("a label named {name:?} already exists in this scope"),
        )
    })?;
    Actor::new(&principal, &req)
        .audit(&mut tx, project_id, "label", &name, "create")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v2.0/labels/{id}")))
        .finish())
}

#[utoipa::path(
    get,
    path = "/api/v2.0/labels/{label_id}",
    tag = "label",
    operation_id = "get_label_by_id",
    params(("label_id" = i64, Path, description = "The label's id")),
    responses((status = 200, body = crate::views::Label), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_label(
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<crate::ids::Id>,
) -> Result<HttpResponse, Failure> {
    let mut conn = auth.db().acquire().await?;
    let label = label_for(&mut conn, &principal, *path.into_inner(), Action::Read).await?;
    Ok(HttpResponse::Ok().json(views::label(&label)))
}

#[utoipa::path(
    put,
    path = "/api/v2.0/labels/{label_id}",
    tag = "label",
    operation_id = "update_label",
    params(("label_id" = i64, Path, description = "The label's id")),
    request_body = LabelReq,
    responses((status = 200, description = "Updated"), (status = 400, description = "Invalid label", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody), (status = 409, description = "The scope already has a label of that name", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn update_label(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<crate::ids::Id>,
    body: web::Json<LabelReq>,
) -> Result<HttpResponse, Failure> {
    let body = body.into_inner();
    let mut tx = auth.db().begin().await?;
    let label = label_for(&mut tx, &principal, *path.into_inner(), Action::Update).await?;
    // Scope and project are fixed at creation; absent fields keep their value.
    let name = match body.name.as_deref() {
        Some(name) => checked_name(Some(name))?,
        None => label.name.clone(),
    };
    let description = match body.description.as_deref() {
        Some(text) => checked_text(Some(text), "description", 1024)?,
        None => label.description.clone(),
    };
    let color = match body.color.as_deref() {
        Some(text) => checked_text(Some(text), "color", 32)?,
        None => label.color.clone(),
    };
    match labels::update(&mut tx, label.id, &name, &description, &color).await {
        Err(err) if is_unique_violation(&err) => {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("a label named {name:?} already exists in this scope"),
            )
            .into());
        }
        other => other?,
    }
    Actor::new(&principal, &req)
        .audit(&mut tx, label.project_id, "label", &name, "update")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/labels/{label_id}",
    tag = "label",
    operation_id = "delete_label",
    params(("label_id" = i64, Path, description = "The label's id")),
    responses((status = 200, description = "Deleted, and removed from every artifact"), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn delete_label(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<crate::ids::Id>,
) -> Result<HttpResponse, Failure> {
    let mut tx = auth.db().begin().await?;
    let label = label_for(&mut tx, &principal, *path.into_inner(), Action::Delete).await?;
    labels::delete(&mut tx, label.id).await?;
    Actor::new(&principal, &req)
        .audit(&mut tx, label.project_id, "label", &label.name, "delete")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}
