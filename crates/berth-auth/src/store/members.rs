use sqlx::PgConnection;

use super::{Page, contains_pattern};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub id: i64,
    pub project_id: i64,
    pub user_id: i64,
    pub username: String,
    pub role: i16,
}

macro_rules! select_members {
    () => {
        "SELECT m.id, m.project_id, m.user_id, u.username, m.role
         FROM project_members m JOIN users u ON u.id = m.user_id "
    };
}

/// The caller's role in a project, if any.
pub async fn find_role(
    conn: &mut PgConnection,
    project_id: i64,
    user_id: i64,
) -> Result<Option<i16>, sqlx::Error> {
    sqlx::query_scalar("SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2")
        .bind(project_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// Adds a member, or returns `None` when the user already is one.
pub async fn insert_member(
    conn: &mut PgConnection,
    project_id: i64,
    user_id: i64,
    role: i16,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, user_id) DO NOTHING RETURNING id",
    )
    .bind(project_id)
    .bind(user_id)
    .bind(role)
    .fetch_optional(conn)
    .await
}

/// A member of this project; ids of other projects' members find nothing.
pub async fn find_member(
    conn: &mut PgConnection,
    project_id: i64,
    member_id: i64,
) -> Result<Option<MemberRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_members!(),
        "WHERE m.project_id = $1 AND m.id = $2"
    ))
    .bind(project_id)
    .bind(member_id)
    .fetch_optional(conn)
    .await
}

pub async fn list_members(
    conn: &mut PgConnection,
    project_id: i64,
    entity_name: Option<&str>,
    page: Page,
) -> Result<(Vec<MemberRow>, i64), sqlx::Error> {
    let name = entity_name.map(contains_pattern);
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM project_members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = $1 AND ($2::text IS NULL OR u.username LIKE $2)",
    )
    .bind(project_id)
    .bind(&name)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query_as(concat!(
        select_members!(),
        "WHERE m.project_id = $1 AND ($2::text IS NULL OR u.username LIKE $2) ORDER BY m.id LIMIT $3 OFFSET $4"
    ))
    .bind(project_id)
    .bind(&name)
    .bind(page.page_size)
    .bind(page.offset())
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}

pub async fn update_member_role(
    conn: &mut PgConnection,
    project_id: i64,
    member_id: i64,
    role: i16,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE project_members SET role = $3, update_time = now() WHERE project_id = $1 AND id = $2",
    )
    .bind(project_id)
    .bind(member_id)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete_member(
    conn: &mut PgConnection,
    project_id: i64,
    member_id: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND id = $2")
        .bind(project_id)
        .bind(member_id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Members per role, for the project summary.
pub async fn count_by_role(
    conn: &mut PgConnection,
    project_id: i64,
) -> Result<Vec<(i16, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT role, count(*) FROM project_members WHERE project_id = $1 GROUP BY role")
        .bind(project_id)
        .fetch_all(conn)
        .await
}

/// Whether the user administers at least one project.
pub async fn is_admin_of_any(conn: &mut PgConnection, user_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM project_members WHERE user_id = $1 AND role = 1)",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await
}
