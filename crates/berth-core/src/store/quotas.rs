//! Quotas are the projects' storage limits and usage; a quota's id is its
//! project's id.

use berth_auth::store::Page;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, QueryBuilder};

use crate::filter::push_page;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuotaRow {
    pub id: i64,
    pub name: String,
    pub owner_name: Option<String>,
    pub storage_limit: i64,
    pub storage_used: i64,
    pub creation_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

pub const SORTS: &[(&str, &str)] = &[
    ("hard.storage", "p.storage_limit"),
    ("used.storage", "p.storage_used"),
    ("creation_time", "p.creation_time"),
    ("update_time", "p.update_time"),
];

const SELECT: &str =
    "SELECT p.id, p.name, u.username AS owner_name, p.storage_limit, p.storage_used,
        p.creation_time, p.update_time
     FROM projects p LEFT JOIN users u ON u.id = p.owner_id WHERE TRUE";

pub async fn list(
    conn: &mut PgConnection,
    project_id: Option<i64>,
    order: &[&'static str],
    page: Page,
) -> Result<(Vec<QuotaRow>, i64), sqlx::Error> {
    let mut count = QueryBuilder::new("SELECT count(*) FROM projects p WHERE TRUE");
    let mut sql = QueryBuilder::new(SELECT);
    if let Some(id) = project_id {
        count.push(" AND p.id = ").push_bind(id);
        sql.push(" AND p.id = ").push_bind(id);
    }
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    push_page(&mut sql, order, page);
    Ok((sql.build_query_as().fetch_all(conn).await?, total))
}

pub async fn find(conn: &mut PgConnection, id: i64) -> Result<Option<QuotaRow>, sqlx::Error> {
    let mut sql = QueryBuilder::new(SELECT);
    sql.push(" AND p.id = ").push_bind(id);
    sql.build_query_as().fetch_optional(conn).await
}

pub async fn set_limit(conn: &mut PgConnection, id: i64, limit: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE projects SET storage_limit = $2, update_time = now() WHERE id = $1")
        .bind(id)
        .bind(limit)
        .execute(conn)
        .await
        .map(|_| ())
}
