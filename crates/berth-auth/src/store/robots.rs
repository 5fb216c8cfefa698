use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;

use super::Page;
use crate::domain::robot::RobotPermission;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RobotRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub project_id: Option<i64>,
    pub secret_hash: String,
    pub credential_version: i64,
    pub disabled: bool,
    pub duration_days: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub permissions: Json<Vec<RobotPermission>>,
    pub creator_type: String,
    pub creator_ref: i64,
    pub creation_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

impl RobotRow {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

macro_rules! columns {
    () => {
        "id, name, description, project_id, secret_hash, credential_version, disabled, duration_days, expires_at,
         permissions, creator_type, creator_ref, creation_time, update_time"
    };
}

pub struct NewRobot<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub project_id: Option<i64>,
    pub secret_hash: &'a str,
    pub disabled: bool,
    pub duration_days: i32,
    pub permissions: &'a [RobotPermission],
    pub creator_type: &'a str,
    pub creator_ref: i64,
}

/// Inserts the robot, or returns `None` when the name is taken.
pub async fn insert_robot(
    conn: &mut PgConnection,
    robot: &NewRobot<'_>,
) -> Result<Option<RobotRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "INSERT INTO robots (name, description, project_id, secret_hash, disabled, duration_days, expires_at,
                             permissions, creator_type, creator_ref)
         VALUES ($1, $2, $3, $4, $5, $6,
                 CASE WHEN $6 = -1 THEN NULL ELSE now() + make_interval(days => $6) END,
                 $7, $8, $9)
         ON CONFLICT (name) DO NOTHING RETURNING ",
        columns!()
    ))
    .bind(robot.name)
    .bind(robot.description)
    .bind(robot.project_id)
    .bind(robot.secret_hash)
    .bind(robot.disabled)
    .bind(robot.duration_days)
    .bind(Json(robot.permissions))
    .bind(robot.creator_type)
    .bind(robot.creator_ref)
    .fetch_optional(conn)
    .await
}

pub async fn find_robot(conn: &mut PgConnection, id: i64) -> Result<Option<RobotRow>, sqlx::Error> {
    sqlx::query_as(concat!("SELECT ", columns!(), " FROM robots WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn find_robot_by_name(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Option<RobotRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM robots WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(conn)
    .await
}

/// Which robots a listing covers.
#[derive(Debug, Clone, Copy)]
pub enum RobotScope {
    All,
    System,
    Project(i64),
}

pub async fn list_robots(
    conn: &mut PgConnection,
    scope: RobotScope,
    page: Page,
) -> Result<(Vec<RobotRow>, i64), sqlx::Error> {
    let (all, system, project) = match scope {
        RobotScope::All => (true, false, None),
        RobotScope::System => (false, true, None),
        RobotScope::Project(id) => (false, false, Some(id)),
    };
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM robots WHERE ($1 OR ($2 AND project_id IS NULL) OR project_id = $3)",
    )
    .bind(all)
    .bind(system)
    .bind(project)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM robots WHERE ($1 OR ($2 AND project_id IS NULL) OR project_id = $3) ORDER BY id LIMIT $4 OFFSET $5"
    ))
    .bind(all)
    .bind(system)
    .bind(project)
    .bind(page.page_size)
    .bind(page.offset())
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}

/// Updates what `PUT /robots/{id}` may change. Disabling retires cached
/// verifications; a new duration counts from the robot's creation, as
/// Harbor's does.
pub async fn update_robot(
    conn: &mut PgConnection,
    id: i64,
    description: &str,
    disabled: bool,
    duration_days: i32,
    permissions: &[RobotPermission],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE robots SET description = $2, disabled = $3, duration_days = $4,
            expires_at = CASE WHEN $4 = -1 THEN NULL ELSE creation_time + make_interval(days => $4) END,
            permissions = $5, credential_version = credential_version + 1, update_time = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(description)
    .bind(disabled)
    .bind(duration_days)
    .bind(Json(permissions))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Replaces the secret; the old one stops working at once.
pub async fn update_secret(
    conn: &mut PgConnection,
    id: i64,
    secret_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE robots SET secret_hash = $2, credential_version = credential_version + 1, update_time = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(secret_hash)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn delete_robot(conn: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM robots WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Stores a rehash of the same secret (new hashing parameters); cached
/// verifications stay valid.
pub async fn update_secret_hash_only(
    conn: &mut PgConnection,
    id: i64,
    secret_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE robots SET secret_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(secret_hash)
        .execute(conn)
        .await
        .map(|_| ())
}
