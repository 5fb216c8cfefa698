//! `/quotas`: each project's storage limit and usage. Administrators list
//! and change them; a project's members may read its own.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::authz::{ProjectRef, project_access};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Action, Resource};
use serde::Deserialize;

use super::Actor;
use crate::filter::order_by;
use crate::paging::{self, PageQuery};
use crate::store::quotas::{self, SORTS};
use crate::views;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/quotas").route(web::get().to(list_quotas)))
        .service(
            web::resource("/quotas/{id}")
                .route(web::get().to(get_quota))
                .route(web::put().to(update_quota)),
        );
}

fn bad_request(message: impl Into<String>) -> Failure {
    ApiError::new(ErrorCode::BadRequest, message).into()
}

fn quota_not_found(id: i64) -> Failure {
    ApiError::new(ErrorCode::NotFound, format!("quota {id} not found")).into()
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    reference: Option<String>,
    reference_id: Option<String>,
    sort: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v2.0/quotas",
    tag = "quota",
    operation_id = "list_quotas",
    params(
        ("reference" = Option<String>, Query, description = "project (the only kind of quota)"),
        ("reference_id" = Option<String>, Query, description = "The project's id"),
        ("sort" = Option<String>, Query, description = "hard.storage, used.storage, creation_time, update_time; '-' for descending"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::Quota]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not an administrator", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_quotas(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<ListQuery>,
    paging_query: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    principal.require_system(Resource::Quota, Action::List)?;
    let page = paging_query.page()?;
    if let Some(kind) = query.reference.as_deref().filter(|k| *k != "project") {
        return Err(bad_request(format!(
            "reference must be project, not {kind:?}"
        )));
    }
    let project_id = query
        .reference_id
        .as_deref()
        .map(|raw| {
            raw.parse::<i64>()
                .map_err(|_| bad_request(format!("reference_id must be a project id, not {raw:?}")))
        })
        .transpose()?;
    let order = order_by(query.sort.as_deref(), SORTS, "p.id", "p.id")?;
    let mut conn = auth.db().acquire().await?;
    let (rows, total) = quotas::list(&mut conn, project_id, &order, page).await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    Ok(response.json(rows.iter().map(views::quota).collect::<Vec<_>>()))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/quotas/{id}",
    tag = "quota",
    operation_id = "get_quota",
    params(("id" = i64, Path, description = "Quota id (the project's id)")),
    responses((status = 200, body = crate::views::Quota), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_quota(
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<crate::ids::Id>,
) -> Result<HttpResponse, Failure> {
    let id = *path.into_inner();
    let mut conn = auth.db().acquire().await?;
    if principal
        .require_system(Resource::Quota, Action::Read)
        .is_err()
    {
        let access = match project_access(&mut conn, &principal, ProjectRef::Id(id)).await {
            Err(Failure::Client(_)) => return Err(quota_not_found(id)),
            other => other?,
        };
        access.require(&principal, Resource::Quota, Action::Read)?;
    }
    let row = quotas::find(&mut conn, id)
        .await?
        .ok_or_else(|| quota_not_found(id))?;
    Ok(HttpResponse::Ok().json(views::quota(&row)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct QuotaUpdateReq {
    #[schema(value_type = std::collections::BTreeMap<String, i64>)]
    hard: Option<serde_json::Map<String, serde_json::Value>>,
}

#[utoipa::path(
    put,
    path = "/api/v2.0/quotas/{id}",
    tag = "quota",
    operation_id = "update_quota",
    params(("id" = i64, Path, description = "Quota id (the project's id)")),
    request_body = QuotaUpdateReq,
    responses((status = 200, description = "Updated"), (status = 400, description = "Invalid limits", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not an administrator", body = berth_http::ErrorBody), (status = 404, description = "Not found", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn update_quota(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<crate::ids::Id>,
    body: web::Json<QuotaUpdateReq>,
) -> Result<HttpResponse, Failure> {
    principal.require_system(Resource::Quota, Action::Update)?;
    let id = *path.into_inner();
    let hard = body
        .into_inner()
        .hard
        .ok_or_else(|| bad_request("hard is required, e.g. {\"hard\": {\"storage\": -1}}"))?;
    if let Some(other) = hard.keys().find(|k| *k != "storage") {
        return Err(bad_request(format!(
            "only storage has a quota, not {other:?}"
        )));
    }
    let limit = hard
        .get("storage")
        .and_then(serde_json::Value::as_i64)
        .filter(|l| *l == -1 || *l > 0)
        .ok_or_else(|| {
            bad_request("hard.storage must be -1 (unlimited) or a positive number of bytes")
        })?;
    let mut tx = auth.db().begin().await?;
    let row = quotas::find(&mut tx, id)
        .await?
        .ok_or_else(|| quota_not_found(id))?;
    quotas::set_limit(&mut tx, id, limit).await?;
    Actor::new(&principal, &req)
        .audit(&mut tx, Some(id), "quota", &row.name, "update")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}
