//! Search, statistics and system information: `/search`, `/statistics`,
//! `/systeminfo` and `/systeminfo/volumes`.

use actix_web::{HttpResponse, web};
use berth_auth::store::Page;
use berth_auth::store::projects::{self, ProjectFilter, ProjectSort};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_platform::config::StorageUrl;
use serde::Deserialize;
use serde_json::json;

use super::projects::{project_views, visibility_of};
use super::repositories::scope_of;
use crate::store::repositories;
use crate::views;

const SEARCH_LIMIT: i64 = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/search").route(web::get().to(search)))
        .service(web::resource("/statistics").route(web::get().to(get_statistic)))
        .service(web::resource("/systeminfo").route(web::get().to(get_system_info)))
        .service(web::resource("/systeminfo/volumes").route(web::get().to(get_volumes)));
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v2.0/search",
    tag = "search",
    operation_id = "search",
    params(("q" = String, Query, description = "Text that project and repository names contain")),
    responses((status = 200, body = crate::views::Search), (status = 400, description = "q is missing", body = berth_http::ErrorBody)),
    security((), ("basic" = []), ("session" = []))
)]
pub(crate) async fn search(
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, Failure> {
    let text = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "q is required"))?;
    let mut conn = auth.db().acquire().await?;
    let (rows, _) = projects::list_projects(
        &mut conn,
        visibility_of(&principal),
        &ProjectFilter {
            name: Some(text.to_owned()),
            ..ProjectFilter::default()
        },
        ProjectSort::Name,
        Page {
            page: 1,
            page_size: SEARCH_LIMIT,
        },
    )
    .await?;
    let projects = project_views(&mut conn, &rows).await?;
    let found = repositories::search(&mut conn, scope_of(&principal), text, SEARCH_LIMIT).await?;
    Ok(HttpResponse::Ok().json(views::search(projects, &found)))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/statistics",
    tag = "statistic",
    operation_id = "get_statistic",
    responses((status = 200, body = crate::views::Statistic), (status = 401, description = "Not signed in", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_statistic(
    auth: web::Data<Auth>,
    principal: Principal,
) -> Result<HttpResponse, Failure> {
    if principal.is_anonymous() {
        return Err(principal.denied("sign in first").into());
    }
    let mut conn = auth.db().acquire().await?;
    let counts = repositories::counts(&mut conn, scope_of(&principal)).await?;
    let totals = if principal.is_sysadmin() {
        Some(repositories::total_storage(&mut conn).await?)
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(views::statistic(&counts, totals)))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/systeminfo",
    tag = "systeminfo",
    operation_id = "get_system_info",
    responses((status = 200, body = crate::views::GeneralInfo)),
    security((), ("basic" = []), ("session" = []))
)]
pub(crate) async fn get_system_info(auth: web::Data<Auth>) -> HttpResponse {
    let config = auth.platform().config();
    let external = config.external_url.clone();
    let registry_url = match external.port() {
        Some(port) => format!("{}:{port}", external.host_str().unwrap_or_default()),
        None => external.host_str().unwrap_or_default().to_owned(),
    };
    let provider = match config.storage.url {
        StorageUrl::Filesystem(_) => "filesystem",
        StorageUrl::S3 { .. } => "s3",
    };
    HttpResponse::Ok().json(views::GeneralInfo {
        banner_message: String::new(),
        current_time: views::time(chrono::Utc::now()),
        registry_url,
        external_url: external.as_str().trim_end_matches('/').to_owned(),
        auth_mode: "db_auth".to_owned(),
        primary_auth_mode: false,
        project_creation_restriction: "everyone".to_owned(),
        self_registration: config.identity.self_registration,
        has_ca_root: false,
        harbor_version: format!("v{}-berth", env!("CARGO_PKG_VERSION")),
        registry_storage_provider_name: provider.to_owned(),
        read_only: false,
        notification_enable: false,
        oidc_provider_name: String::new(),
    })
}

#[utoipa::path(
    get,
    path = "/api/v2.0/systeminfo/volumes",
    tag = "systeminfo",
    operation_id = "get_volumes",
    responses((status = 200, body = crate::views::SystemInfo), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not an administrator", body = berth_http::ErrorBody), (status = 404, description = "Blobs are in object storage, which has no volume", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_volumes(
    auth: web::Data<Auth>,
    principal: Principal,
) -> Result<HttpResponse, Failure> {
    principal.require_sysadmin()?;
    let StorageUrl::Filesystem(root) = &auth.platform().config().storage.url else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "blobs are in object storage, which has no local volume to report",
        )
        .into());
    };
    let stats = rustix::fs::statvfs(root.as_path()).map_err(Failure::internal)?;
    let block = stats.f_frsize;
    Ok(HttpResponse::Ok().json(json!({
        "storage": [{
            "total": stats.f_blocks.saturating_mul(block),
            "free": stats.f_bavail.saturating_mul(block),
        }]
    })))
}
