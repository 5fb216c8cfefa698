//! The audit log: `/audit-logs` and `/auditlog-exts` for the whole system
//! (administrators), `/projects/{project_name}/logs` and
//! `/projects/{project_name}/auditlog-exts` for one project.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use berth_auth::{Auth, Principal};
use berth_http::Failure;
use berth_types::{Action, Resource};
use serde::Deserialize;

use super::repositories::project_for;
use crate::filter::{Filter, order_by};
use crate::paging::{self, PageQuery};
use crate::store::audit::{self, AuditRow, DEFAULT_SORT, FIELDS, SORTS, TIEBREAK};
use crate::views;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/audit-logs").route(web::get().to(list_audit_logs)))
        .service(web::resource("/auditlog-exts").route(web::get().to(list_audit_log_exts)))
        .service(web::resource("/projects/{project_name}/logs").route(web::get().to(get_logs)))
        .service(
            web::resource("/projects/{project_name}/auditlog-exts")
                .route(web::get().to(list_audit_log_exts_of_project)),
        );
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    sort: Option<String>,
}

async fn entries(
    req: &HttpRequest,
    auth: &Auth,
    project_id: Option<i64>,
    query: &ListQuery,
    paging_query: &PageQuery,
) -> Result<(Vec<AuditRow>, HttpResponseBuilder), Failure> {
    let page = paging_query.page()?;
    let filter = Filter::parse(query.q.as_deref(), "audit logs", FIELDS)?;
    let order = order_by(query.sort.as_deref(), SORTS, DEFAULT_SORT, TIEBREAK)?;
    let mut conn = auth.db().acquire().await?;
    let (rows, total) = audit::list(&mut conn, project_id, &filter, &order, page).await?;
    let mut head = HttpResponse::Ok();
    paging::headers(&mut head, req, page, total);
    Ok((rows, head))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/audit-logs",
    tag = "auditlog",
    operation_id = "list_audit_logs",
    params(
        ("q" = Option<String>, Query, description = "Harbor's query: operation, resource, resource_type, username, op_time (e.g. op_time=[2024-01-01 00:00:00~2024-01-31 23:59:59])"),
        ("sort" = Option<String>, Query, description = "op_time, operation, resource, resource_type, username; '-' for descending (default -op_time)"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::AuditLog]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not an administrator", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_audit_logs(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<ListQuery>,
    paging_query: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    principal.require_system(Resource::AuditLog, Action::List)?;
    let (rows, mut head) = entries(&req, &auth, None, &query, &paging_query).await?;
    Ok(head.json(rows.iter().map(views::audit_log).collect::<Vec<_>>()))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/auditlog-exts",
    tag = "auditlog",
    operation_id = "list_audit_log_exts",
    params(
        ("q" = Option<String>, Query, description = "Harbor's query: operation, resource, resource_type, username, op_time"),
        ("sort" = Option<String>, Query, description = "op_time, operation, resource, resource_type, username; '-' for descending"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::AuditLogExt]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not an administrator", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_audit_log_exts(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<ListQuery>,
    paging_query: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    principal.require_system(Resource::AuditLog, Action::List)?;
    let (rows, mut head) = entries(&req, &auth, None, &query, &paging_query).await?;
    Ok(head.json(rows.iter().map(views::audit_log_ext).collect::<Vec<_>>()))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/logs",
    tag = "project",
    operation_id = "get_logs",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("q" = Option<String>, Query, description = "Harbor's query: operation, resource, resource_type, username, op_time"),
        ("sort" = Option<String>, Query, description = "op_time, operation, resource, resource_type, username; '-' for descending"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::AuditLog]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Project not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_logs(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
    paging_query: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let project_id = project_logs_access(&auth, &principal, &path).await?;
    let (rows, mut head) = entries(&req, &auth, Some(project_id), &query, &paging_query).await?;
    Ok(head.json(rows.iter().map(views::audit_log).collect::<Vec<_>>()))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/auditlog-exts",
    tag = "project",
    operation_id = "list_audit_log_exts_of_project",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("q" = Option<String>, Query, description = "Harbor's query: operation, resource, resource_type, username, op_time"),
        ("sort" = Option<String>, Query, description = "op_time, operation, resource, resource_type, username; '-' for descending"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::AuditLogExt]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Project not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_audit_log_exts_of_project(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
    paging_query: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let project_id = project_logs_access(&auth, &principal, &path).await?;
    let (rows, mut head) = entries(&req, &auth, Some(project_id), &query, &paging_query).await?;
    Ok(head.json(rows.iter().map(views::audit_log_ext).collect::<Vec<_>>()))
}

async fn project_logs_access(
    auth: &Auth,
    principal: &Principal,
    project: &str,
) -> Result<i64, Failure> {
    let mut conn = auth.db().acquire().await?;
    let access = project_for(&mut conn, principal, project, Resource::Log, Action::List).await?;
    Ok(access.project.id)
}
