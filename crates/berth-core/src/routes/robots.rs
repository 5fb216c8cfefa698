//! `/robots`: robot accounts for CI, at system or project level.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::authz::{ProjectAccess, ProjectRef, project_access};
use berth_auth::domain::password;
use berth_auth::domain::robot::{
    self, ALL_PROJECTS, KIND_SYSTEM, LEVEL_PROJECT, LEVEL_SYSTEM, RobotPermission,
};
use berth_auth::store::robots::{self, NewRobot, RobotRow, RobotScope};
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Action, Resource};
use rand::RngExt;
use serde::Deserialize;
use sqlx::PgConnection;

use super::Actor;
use crate::paging::{self, PageQuery};
use crate::query;
use crate::views;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/robots")
            .route(web::post().to(create_robot))
            .route(web::get().to(list_robots)),
    )
    .service(
        web::resource("/robots/{robot_id}")
            .route(web::get().to(get_robot))
            .route(web::put().to(update_robot))
            .route(web::patch().to(refresh_robot_secret))
            .route(web::delete().to(delete_robot)),
    );
}

fn bad_request(message: impl Into<String>) -> Failure {
    ApiError::new(ErrorCode::BadRequest, message).into()
}

fn robot_not_found(id: i64) -> Failure {
    ApiError::new(ErrorCode::NotFound, format!("robot {id} not found")).into()
}

/// A 32-character secret that satisfies the password policy.
fn generate_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    loop {
        let secret: String = (0..32)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        if password::meets_policy(&secret) {
            return secret;
        }
    }
}

fn choose_secret(requested: Option<&str>) -> Result<String, Failure> {
    match requested.filter(|s| !s.is_empty()) {
        None => Ok(generate_secret()),
        Some(secret) if password::meets_policy(secret) => Ok(secret.to_owned()),
        Some(_) => Err(bad_request(password::POLICY_MESSAGE)),
    }
}

/// The creator must hold every permission the robot would get: a robot can
/// never do more than whoever made it.
async fn check_creator_holds(
    conn: &mut PgConnection,
    principal: &Principal,
    permissions: &[RobotPermission],
) -> Result<(), Failure> {
    let system = principal.system_permissions();
    for (entry, permission) in robot::requested(permissions) {
        let held = match entry.kind.as_str() {
            KIND_SYSTEM => system.allows(permission.resource, permission.action),
            _ if entry.namespace == ALL_PROJECTS => principal.is_sysadmin(),
            _ => match project_access(conn, principal, ProjectRef::Name(&entry.namespace)).await {
                Ok(access) => access.allows(permission.resource, permission.action),
                Err(Failure::Client(_)) => {
                    return Err(bad_request(format!(
                        "no project named {:?}",
                        entry.namespace
                    )));
                }
                Err(other) => return Err(other),
            },
        };
        if !held {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!(
                    "you cannot grant {permission} in {} {}: you do not hold it",
                    entry.kind, entry.namespace
                ),
            )
            .into());
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RobotCreate {
    name: String,
    #[serde(default)]
    description: String,
    secret: Option<String>,
    level: String,
    #[serde(default)]
    disable: bool,
    duration: i64,
    permissions: Vec<RobotPermission>,
}

#[utoipa::path(
    post,
    path = "/api/v2.0/robots",
    tag = "robot",
    operation_id = "create_robot",
    request_body = RobotCreate,
    responses((status = 201, description = "Created; the only answer that carries the secret", body = crate::views::RobotCreated), (status = 409, description = "Name taken", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn create_robot(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    body: web::Json<RobotCreate>,
) -> Result<HttpResponse, Failure> {
    let body = body.into_inner();
    if principal.is_anonymous() {
        return Err(principal.denied("sign in first").into());
    }
    robot::validate_name(&body.name).map_err(|e| bad_request(e.0))?;
    robot::validate_duration(body.duration).map_err(|e| bad_request(e.0))?;
    let project_name = match body.level.as_str() {
        LEVEL_PROJECT => body.permissions.first().map(|p| p.namespace.clone()),
        _ => None,
    };
    robot::validate_permissions(&body.level, project_name.as_deref(), &body.permissions)
        .map_err(|e| bad_request(e.0))?;
    let secret = choose_secret(body.secret.as_deref())?;

    let mut tx = auth.db().begin().await?;
    let (project_id, stored_name) = match body.level.as_str() {
        LEVEL_SYSTEM => {
            principal.require_system(Resource::Robot, Action::Create)?;
            (None, body.name.clone())
        }
        _ => {
            let project = project_name.unwrap_or_default();
            let access = project_access(&mut tx, &principal, ProjectRef::Name(&project)).await?;
            access.require(&principal, Resource::Robot, Action::Create)?;
            (Some(access.project.id), format!("{project}+{}", body.name))
        }
    };
    check_creator_holds(&mut tx, &principal, &body.permissions).await?;

    let hash = auth.hash_password(&secret).await?;
    let (creator_type, creator_ref) = match &principal {
        Principal::Robot { id, .. } => ("robot", *id),
        other => ("local", other.user_id().unwrap_or_default()),
    };
    let row = robots::insert_robot(
        &mut tx,
        &NewRobot {
            name: &stored_name,
            description: &body.description,
            project_id,
            secret_hash: &hash,
            disabled: body.disable,
            duration_days: body.duration as i32,
            permissions: &body.permissions,
            creator_type,
            creator_ref,
        },
    )
    .await?
    .ok_or_else(|| {
        ApiError::new(
            ErrorCode::Conflict,
            format!("robot {} already exists", body.name),
        )
    })?;
    let full_name = format!("{}{}", prefix(&auth), row.name);
    Actor::new(&principal, &req)
        .audit(&mut tx, project_id, "robot", &full_name, "create")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v2.0/robots/{}", row.id)))
        .json(views::RobotCreated {
            id: row.id,
            name: full_name,
            secret,
            creation_time: views::time(row.creation_time),
            expires_at: views::robot_expires_at(&row),
        }))
}

fn prefix(auth: &Auth) -> &str {
    &auth.platform().config().identity.robot_name_prefix
}

/// Loads a robot the caller may act on with `action`. Robots outside the
/// caller's reach answer 404, like missing ones.
async fn robot_for(
    conn: &mut PgConnection,
    principal: &Principal,
    id: i64,
    action: Action,
) -> Result<(RobotRow, Option<ProjectAccess>), Failure> {
    let row = robots::find_robot(conn, id)
        .await?
        .ok_or_else(|| robot_not_found(id))?;
    match row.project_id {
        None => {
            if !principal
                .system_permissions()
                .allows(Resource::Robot, Action::Read)
            {
                return Err(robot_not_found(id));
            }
            principal.require_system(Resource::Robot, action)?;
            Ok((row, None))
        }
        Some(project_id) => {
            let access = project_access(conn, principal, ProjectRef::Id(project_id))
                .await
                .map_err(|e| match e {
                    Failure::Client(_) => robot_not_found(id),
                    other => other,
                })?;
            if !access.allows(Resource::Robot, Action::Read) {
                return Err(robot_not_found(id));
            }
            access.require(principal, Resource::Robot, action)?;
            Ok((row, Some(access)))
        }
    }
}

/// Harbor's `q=Level=project,ProjectID=3`.
fn scope_from_q(q: Option<&str>) -> Result<(Option<String>, Option<i64>), Failure> {
    let (mut level, mut project) = (None, None);
    for (key, value) in query::terms(q)? {
        match key.as_str() {
            "Level" | "level" => level = Some(value.to_owned()),
            "ProjectID" | "project_id" => {
                project = Some(
                    value
                        .parse()
                        .map_err(|_| bad_request("ProjectID must be a number"))?,
                );
            }
            other => return Err(query::unknown_key("robots", other)),
        }
    }
    Ok((level, project))
}

#[derive(Debug, Deserialize)]
pub struct ListRobotsQuery {
    q: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v2.0/robots",
    tag = "robot",
    operation_id = "list_robots",
    params(
        ("q" = Option<String>, Query, description = "Harbor's query: Level (system or project), ProjectID"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, description = "Robots, paged (X-Total-Count, Link)", body = [crate::views::Robot]), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_robots(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    query: web::Query<ListRobotsQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let page = paging.page()?;
    let (level, project_id) = scope_from_q(query.q.as_deref())?;
    let mut conn = auth.db().acquire().await?;
    let scope = match (level.as_deref(), project_id) {
        (_, Some(project_id)) => {
            let access = project_access(&mut conn, &principal, ProjectRef::Id(project_id)).await?;
            access.require(&principal, Resource::Robot, Action::List)?;
            RobotScope::Project(project_id)
        }
        (Some(LEVEL_SYSTEM), None) => {
            principal.require_system(Resource::Robot, Action::List)?;
            RobotScope::System
        }
        (Some(LEVEL_PROJECT), None) => return Err(bad_request("Level=project needs ProjectID")),
        _ => {
            principal.require_system(Resource::Robot, Action::List)?;
            RobotScope::All
        }
    };
    let (rows, total) = robots::list_robots(&mut conn, scope, page).await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    Ok(response.json(
        rows.iter()
            .map(|r| views::robot(r, prefix(&auth)))
            .collect::<Vec<_>>(),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/robots/{robot_id}",
    tag = "robot",
    operation_id = "get_robot",
    params(("robot_id" = i64, Path, description = "Robot id")),
    responses((status = 200, body = crate::views::Robot), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_robot(
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
) -> Result<HttpResponse, Failure> {
    let mut conn = auth.db().acquire().await?;
    let (row, _) = robot_for(&mut conn, &principal, path.into_inner(), Action::Read).await?;
    Ok(HttpResponse::Ok().json(views::robot(&row, prefix(&auth))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RobotUpdate {
    name: Option<String>,
    level: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    disable: bool,
    duration: i64,
    permissions: Vec<RobotPermission>,
}

#[utoipa::path(
    put,
    path = "/api/v2.0/robots/{robot_id}",
    tag = "robot",
    operation_id = "update_robot",
    params(("robot_id" = i64, Path, description = "Robot id")),
    request_body = RobotUpdate,
    responses((status = 200, description = "Updated"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn update_robot(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
    body: web::Json<RobotUpdate>,
) -> Result<HttpResponse, Failure> {
    let body = body.into_inner();
    robot::validate_duration(body.duration).map_err(|e| bad_request(e.0))?;
    let mut tx = auth.db().begin().await?;
    let (row, access) = robot_for(&mut tx, &principal, path.into_inner(), Action::Update).await?;
    let level = if row.project_id.is_some() {
        LEVEL_PROJECT
    } else {
        LEVEL_SYSTEM
    };
    if body.level.as_deref().is_some_and(|l| l != level) {
        return Err(bad_request("a robot's level cannot change"));
    }
    let full_name = format!("{}{}", prefix(&auth), row.name);
    if body
        .name
        .as_deref()
        .is_some_and(|n| n != full_name && n != row.name)
    {
        return Err(bad_request("a robot's name cannot change"));
    }
    let project = access.as_ref().map(|a| a.project.name.clone());
    robot::validate_permissions(level, project.as_deref(), &body.permissions)
        .map_err(|e| bad_request(e.0))?;
    check_creator_holds(&mut tx, &principal, &body.permissions).await?;
    robots::update_robot(
        &mut tx,
        row.id,
        &body.description,
        body.disable,
        body.duration as i32,
        &body.permissions,
    )
    .await?;
    Actor::new(&principal, &req)
        .audit(&mut tx, row.project_id, "robot", &full_name, "update")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RobotSec {
    secret: Option<String>,
}

/// `PATCH /robots/{id}`: a new secret (the given one, or a generated one);
/// the old secret stops working at once.
#[utoipa::path(
    patch,
    path = "/api/v2.0/robots/{robot_id}",
    tag = "robot",
    operation_id = "refresh_robot_secret",
    params(("robot_id" = i64, Path, description = "Robot id")),
    request_body = RobotSec,
    responses((status = 200, description = "The new secret; the old one stops working at once", body = crate::views::RobotSecret), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn refresh_robot_secret(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    // An empty body asks for a generated secret; anything else must be a
    // well-formed `RobotSec`, never silently ignored.
    let requested = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<RobotSec>(&body)
            .map_err(|e| bad_request(format!("invalid body: {e}")))?
            .secret
    };
    let secret = choose_secret(requested.as_deref())?;
    let mut tx = auth.db().begin().await?;
    let (row, _) = robot_for(&mut tx, &principal, path.into_inner(), Action::Update).await?;
    let hash = auth.hash_password(&secret).await?;
    robots::update_secret(&mut tx, row.id, &hash).await?;
    let full_name = format!("{}{}", prefix(&auth), row.name);
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            row.project_id,
            "robot",
            &full_name,
            "refresh_secret",
        )
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(views::RobotSecret { secret }))
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/robots/{robot_id}",
    tag = "robot",
    operation_id = "delete_robot",
    params(("robot_id" = i64, Path, description = "Robot id")),
    responses((status = 200, description = "Deleted"), (status = 404, description = "Not found or not visible to the caller", body = berth_http::ErrorBody), (status = 400, description = "Invalid request", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn delete_robot(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<i64>,
) -> Result<HttpResponse, Failure> {
    let mut tx = auth.db().begin().await?;
    let (row, _) = robot_for(&mut tx, &principal, path.into_inner(), Action::Delete).await?;
    robots::delete_robot(&mut tx, row.id).await?;
    let full_name = format!("{}{}", prefix(&auth), row.name);
    Actor::new(&principal, &req)
        .audit(&mut tx, row.project_id, "robot", &full_name, "delete")
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_meet_the_policy_and_differ() {
        let a = generate_secret();
        let b = generate_secret();
        assert!(password::meets_policy(&a));
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
