//! What may be granted (for permission pickers) and what the caller holds
//! (so the console hides what a role cannot do). The API stays the
//! authority: these only describe it.

use actix_web::{HttpResponse, web};
use berth_auth::authz::{ProjectRef, project_access};
use berth_auth::domain::rbac::{robot_grantable_project, robot_grantable_system};
use berth_auth::store::members;
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Permission, Resource};
use serde::Deserialize;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/permissions").route(web::get().to(get_permissions)))
        .service(
            web::resource("/users/current/permissions")
                .route(web::get().to(get_current_user_permissions)),
        );
}

/// `GET /permissions`: system administrators get both lists, project
/// administrators the project list.
#[utoipa::path(
    get,
    path = "/api/v2.0/permissions",
    tag = "permissions",
    operation_id = "get_permissions",
    responses((status = 200, description = "What may be granted to robots: {system, project}", body = serde_json::Value), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_permissions(
    auth: web::Data<Auth>,
    principal: Principal,
) -> Result<HttpResponse, Failure> {
    if principal.is_anonymous() {
        return Err(principal.denied("sign in first").into());
    }
    if principal.is_sysadmin() {
        return Ok(HttpResponse::Ok().json(json!({
            "system": robot_grantable_system(),
            "project": robot_grantable_project(),
        })));
    }
    let project_admin = match principal.user_id() {
        Some(user_id) => {
            let mut conn = auth.db().acquire().await?;
            members::is_admin_of_any(&mut conn, user_id).await?
        }
        None => false,
    };
    if !project_admin {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only admins(system and project) can access permissions",
        )
        .into());
    }
    Ok(HttpResponse::Ok().json(json!({"project": robot_grantable_project()})))
}

#[derive(Debug, Deserialize)]
pub struct PermissionsQuery {
    scope: Option<String>,
    #[serde(default, deserialize_with = "crate::query::harbor_bool")]
    relative: Option<bool>,
}

fn render(
    permissions: impl Iterator<Item = Permission>,
    namespace: &str,
    relative: bool,
) -> Vec<serde_json::Value> {
    permissions
        .map(|p| {
            let resource = match (relative, p.resource) {
                (true, Resource::Project) if namespace.starts_with("/project/") => ".".to_owned(),
                (true, r) => r.as_str().to_owned(),
                (false, Resource::Project) if namespace.starts_with("/project/") => {
                    namespace.to_owned()
                }
                (false, r) => format!("{namespace}/{r}"),
            };
            json!({"resource": resource, "action": p.action})
        })
        .collect()
}

/// `GET /users/current/permissions?scope=/project/{id}|/system&relative=`.
#[utoipa::path(
    get,
    path = "/api/v2.0/users/current/permissions",
    tag = "permissions",
    operation_id = "get_current_user_permissions",
    params(
        ("scope" = Option<String>, Query, description = "/project/<id> for a project's permissions; the system's when absent"),
        ("relative" = Option<bool>, Query, description = "Resources relative to the scope (repository rather than /project/1/repository)"),
    ),
    responses((status = 200, description = "The caller's permissions in the scope", body = [crate::views::PermissionSchema]), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_current_user_permissions(
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<PermissionsQuery>,
) -> Result<HttpResponse, Failure> {
    if principal.is_anonymous() {
        return Err(principal.denied("sign in first").into());
    }
    let scope = query.scope.as_deref().unwrap_or("/system");
    if scope == "/system" {
        let held = principal.system_permissions();
        let granted = robot_grantable_system()
            .into_iter()
            .filter(|p| held.allows(p.resource, p.action));
        return Ok(HttpResponse::Ok().json(render(
            granted,
            scope,
            query.relative.unwrap_or(false),
        )));
    }
    let project_id: i64 = scope
        .strip_prefix("/project/")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("scope {scope:?} must be /system or /project/<id>"),
            )
        })?;
    let mut conn = auth.db().acquire().await?;
    let access = project_access(&mut conn, &principal, ProjectRef::Id(project_id)).await?;
    Ok(HttpResponse::Ok().json(render(
        access.permissions.iter().copied(),
        scope,
        query.relative.unwrap_or(false),
    )))
}
