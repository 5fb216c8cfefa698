use berth_auth::store::Page;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::filter::{Field, Filter, Kind, push_page};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RepositoryRow {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub description: String,
    pub pull_count: i64,
    pub artifact_count: i64,
    pub project_name: String,
    pub project_public: bool,
    pub creation_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

pub const FIELDS: &[Field] = &[
    Field::column("name", "r.name", Kind::Text),
    Field::column("project_id", "r.project_id", Kind::Integer),
    Field::column("pull_count", "r.pull_count", Kind::Integer),
    Field::column("creation_time", "r.creation_time", Kind::Time),
    Field::column("update_time", "r.update_time", Kind::Time),
];

pub const SORTS: &[(&str, &str)] = &[
    ("name", "r.name"),
    ("creation_time", "r.creation_time"),
    ("update_time", "r.update_time"),
    ("pull_count", "r.pull_count"),
];
pub const DEFAULT_SORT: &str = "r.creation_time DESC";
pub const TIEBREAK: &str = "r.id DESC";

/// Which repositories a listing may show.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    All,
    Project(i64),
    /// Public projects and those the user is a member of.
    VisibleTo {
        user_id: Option<i64>,
    },
    /// Public projects and one more (a project robot's).
    PublicAnd(i64),
}

fn push_scope(sql: &mut QueryBuilder<Postgres>, scope: Scope) {
    match scope {
        Scope::All => {}
        // On `p`, so the same scopes serve queries over projects alone.
        Scope::Project(id) => {
            sql.push(" AND p.id = ").push_bind(id);
        }
        Scope::VisibleTo { user_id } => {
            sql.push(
                " AND (p.public OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = ",
            )
            .push_bind(user_id)
            .push("))");
        }
        Scope::PublicAnd(id) => {
            sql.push(" AND (p.public OR p.id = ")
                .push_bind(id)
                .push(")");
        }
    }
}

const SELECT: &str = concat!(
    "SELECT r.id, r.project_id, r.name, r.description, r.pull_count, r.creation_time, r.update_time,
        (SELECT count(*) FROM artifacts a WHERE a.repository_id = r.id AND ",
    top_level!(),
    ") AS artifact_count, p.name AS project_name, p.public AS project_public
     FROM repositories r JOIN projects p ON p.id = r.project_id WHERE TRUE"
);

pub async fn list(
    conn: &mut PgConnection,
    scope: Scope,
    filter: &Filter,
    order: &[&'static str],
    page: Page,
) -> Result<(Vec<RepositoryRow>, i64), sqlx::Error> {
    let mut count = QueryBuilder::new(
        "SELECT count(*) FROM repositories r JOIN projects p ON p.id = r.project_id WHERE TRUE",
    );
    push_scope(&mut count, scope);
    filter.push_conditions(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;

    let mut sql = QueryBuilder::new(SELECT);
    push_scope(&mut sql, scope);
    filter.push_conditions(&mut sql);
    push_page(&mut sql, order, page);
    let rows = sql.build_query_as().fetch_all(conn).await?;
    Ok((rows, total))
}

pub async fn find(
    conn: &mut PgConnection,
    project_id: i64,
    name: &str,
) -> Result<Option<RepositoryRow>, sqlx::Error> {
    let mut sql = QueryBuilder::new(SELECT);
    sql.push(" AND r.project_id = ")
        .push_bind(project_id)
        .push(" AND r.name = ")
        .push_bind(name);
    sql.build_query_as().fetch_optional(conn).await
}

pub async fn update_description(
    conn: &mut PgConnection,
    id: i64,
    description: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE repositories SET description = $2, update_time = now() WHERE id = $1")
        .bind(id)
        .bind(description)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Deletes the repository with its artifacts, tags and blob links; returns
/// the digests it held so the project's usage can give them back.
pub async fn delete(conn: &mut PgConnection, id: i64) -> Result<Vec<String>, sqlx::Error> {
    let digests: Vec<String> =
        sqlx::query_scalar("SELECT digest FROM repository_blobs WHERE repository_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query("DELETE FROM repositories WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(digests)
}

/// Repositories in scope whose name contains `text`, most pulled first.
pub async fn search(
    conn: &mut PgConnection,
    scope: Scope,
    text: &str,
    limit: i64,
) -> Result<Vec<RepositoryRow>, sqlx::Error> {
    let mut sql = QueryBuilder::new(SELECT);
    push_scope(&mut sql, scope);
    sql.push(" AND r.name ILIKE ")
        .push_bind(berth_auth::store::contains_pattern(text))
        .push(" ESCAPE '\\' ORDER BY r.pull_count DESC, r.name LIMIT ")
        .push_bind(limit);
    sql.build_query_as().fetch_all(conn).await
}

/// Project and repository counts by publicity, within a scope.
#[derive(Debug, Default, sqlx::FromRow)]
pub struct Counts {
    pub public_projects: i64,
    pub private_projects: i64,
    pub public_repositories: i64,
    pub private_repositories: i64,
}

pub async fn counts(conn: &mut PgConnection, scope: Scope) -> Result<Counts, sqlx::Error> {
    let mut sql = QueryBuilder::new(
        "SELECT count(*) FILTER (WHERE p.public) AS public_projects,
                count(*) FILTER (WHERE NOT p.public) AS private_projects,
                COALESCE(sum(rc.n) FILTER (WHERE p.public), 0)::bigint AS public_repositories,
                COALESCE(sum(rc.n) FILTER (WHERE NOT p.public), 0)::bigint AS private_repositories
         FROM projects p
         LEFT JOIN LATERAL (SELECT count(*) AS n FROM repositories r WHERE r.project_id = p.id) rc ON TRUE
         WHERE TRUE",
    );
    push_scope(&mut sql, scope);
    sql.build_query_as().fetch_one(conn).await
}

/// Bytes of every stored blob, each once.
pub async fn total_storage(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(sum(size), 0)::bigint FROM blobs")
        .fetch_one(conn)
        .await
}
