use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{Page, contains_pattern};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: i64,
    pub name: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub public: bool,
    pub metadata: serde_json::Value,
    pub storage_limit: i64,
    pub creation_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    /// The listing caller's role, filled by `list_projects` only.
    #[sqlx(default)]
    pub caller_role: Option<i16>,
}

macro_rules! select_projects {
    () => {
        "SELECT p.id, p.name, p.owner_id, u.username AS owner_name, p.public, p.metadata, p.storage_limit,
                p.creation_time, p.update_time
         FROM projects p LEFT JOIN users u ON u.id = p.owner_id "
    };
}

pub struct NewProject<'a> {
    pub name: &'a str,
    pub owner_id: Option<i64>,
    pub public: bool,
    pub metadata: &'a serde_json::Value,
    pub storage_limit: i64,
}

/// Inserts the project, or returns `None` when the name is taken.
pub async fn insert_project(
    conn: &mut PgConnection,
    project: &NewProject<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO projects (name, owner_id, public, metadata, storage_limit)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING id",
    )
    .bind(project.name)
    .bind(project.owner_id)
    .bind(project.public)
    .bind(project.metadata)
    .bind(project.storage_limit)
    .fetch_optional(conn)
    .await
}

pub async fn find_project(
    conn: &mut PgConnection,
    id: i64,
) -> Result<Option<ProjectRow>, sqlx::Error> {
    sqlx::query_as(concat!(select_projects!(), "WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn find_project_by_name(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Option<ProjectRow>, sqlx::Error> {
    sqlx::query_as(concat!(select_projects!(), "WHERE p.name = $1"))
        .bind(name)
        .fetch_optional(conn)
        .await
}

pub async fn project_name_exists(conn: &mut PgConnection, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM projects WHERE name = $1)")
        .bind(name)
        .fetch_one(conn)
        .await
}

/// Which projects a listing may show.
#[derive(Debug, Clone, Copy)]
pub enum Visibility {
    /// System administrators see every project.
    All,
    /// Everyone else: public projects and those they are a member of
    /// (`None` for anonymous callers).
    For { user_id: Option<i64> },
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub name: Option<String>,
    pub public: Option<bool>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub enum ProjectSort {
    Name,
    NameDesc,
    CreationTime,
    CreationTimeDesc,
    Id,
}

impl ProjectSort {
    /// Every ordering ends on the id so paging is stable.
    fn order_by(self) -> &'static str {
        match self {
            ProjectSort::Name => "ORDER BY p.name, p.id",
            ProjectSort::NameDesc => "ORDER BY p.name DESC, p.id",
            ProjectSort::CreationTime => "ORDER BY p.creation_time, p.id",
            ProjectSort::CreationTimeDesc => "ORDER BY p.creation_time DESC, p.id",
            ProjectSort::Id => "ORDER BY p.id",
        }
    }
}

macro_rules! visible_where {
    () => {
        "WHERE ($1 OR p.public OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $2))
           AND ($3::text IS NULL OR p.name LIKE $3)
           AND ($4::boolean IS NULL OR p.public = $4)
           AND ($5::text IS NULL OR u.username = $5) "
    };
}

pub async fn list_projects(
    conn: &mut PgConnection,
    visibility: Visibility,
    filter: &ProjectFilter,
    sort: ProjectSort,
    page: Page,
) -> Result<(Vec<ProjectRow>, i64), sqlx::Error> {
    let (all, user_id) = match visibility {
        Visibility::All => (true, None),
        Visibility::For { user_id } => (false, user_id),
    };
    let name = filter.name.as_deref().map(contains_pattern);
    let total: i64 = sqlx::query_scalar(concat!(
        "SELECT count(*) FROM projects p LEFT JOIN users u ON u.id = p.owner_id ",
        visible_where!()
    ))
    .bind(all)
    .bind(user_id)
    .bind(&name)
    .bind(filter.public)
    .bind(&filter.owner)
    .fetch_one(&mut *conn)
    .await?;
    // The ORDER BY clause is one of a closed set of literals. The caller's
    // role comes along so a page costs one query.
    let sql = format!(
        "SELECT p.id, p.name, p.owner_id, u.username AS owner_name, p.public, p.metadata, p.storage_limit,
                p.creation_time, p.update_time, caller.role AS caller_role
         FROM projects p LEFT JOIN users u ON u.id = p.owner_id
         LEFT JOIN project_members caller ON caller.project_id = p.id AND caller.user_id = $2
         {} {} LIMIT $6 OFFSET $7",
        visible_where!(),
        sort.order_by()
    );

    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(all)
        .bind(user_id)
        .bind(&name)
        .bind(filter.public)
        .bind(&filter.owner)
        .bind(page.page_size)
        .bind(page.offset())
        .fetch_all(conn)
        .await?;
    Ok((rows, total))
}

pub async fn update_project(
    conn: &mut PgConnection,
    id: i64,
    public: bool,
    metadata: &serde_json::Value,
    storage_limit: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE projects SET public = $2, metadata = $3, storage_limit = $4, update_time = now() WHERE id = $1",
    )
    .bind(id)
    .bind(public)
    .bind(metadata)
    .bind(storage_limit)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn delete_project(conn: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM projects WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}
