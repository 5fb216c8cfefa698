use berth_auth::store::Page;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, QueryBuilder};

use crate::filter::{Field, Filter, Kind, push_page};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub op_time: DateTime<Utc>,
    pub username: String,
    pub resource_type: String,
    pub resource: String,
    pub operation: String,
    pub detail: String,
    pub success: bool,
}

pub const FIELDS: &[Field] = &[
    Field::column("operation", "l.operation", Kind::Text),
    Field::column("resource", "l.resource", Kind::Text),
    Field::column("resource_type", "l.resource_type", Kind::Text),
    Field::column("username", "l.username", Kind::Text),
    Field::column("op_time", "l.op_time", Kind::Time),
];
pub const SORTS: &[(&str, &str)] = &[
    ("op_time", "l.op_time"),
    ("operation", "l.operation"),
    ("resource", "l.resource"),
    ("resource_type", "l.resource_type"),
    ("username", "l.username"),
];
pub const DEFAULT_SORT: &str = "l.op_time DESC";
pub const TIEBREAK: &str = "l.id DESC";

/// Entries of one project, or of the whole system.
pub async fn list(
    conn: &mut PgConnection,
    project_id: Option<i64>,
    filter: &Filter,
    order: &[&'static str],
    page: Page,
) -> Result<(Vec<AuditRow>, i64), sqlx::Error> {
    let mut count = QueryBuilder::new("SELECT count(*) FROM audit_log l WHERE TRUE");
    let mut sql = QueryBuilder::new(
        "SELECT l.id, l.op_time, l.username, l.resource_type, l.resource, l.operation, l.detail, l.success
         FROM audit_log l WHERE TRUE",
    );
    for builder in [&mut count, &mut sql] {
        if let Some(id) = project_id {
            builder.push(" AND l.project_id = ").push_bind(id);
        }
        filter.push_conditions(builder);
    }
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    push_page(&mut sql, order, page);
    Ok((sql.build_query_as().fetch_all(conn).await?, total))
}

/// Deletes at most `batch` entries older than `before`; returns how many.
pub async fn purge_before(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "DELETE FROM audit_log WHERE id IN
           (SELECT id FROM audit_log WHERE op_time < $1 ORDER BY op_time LIMIT $2)",
    )
    .bind(before)
    .bind(batch)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())
}
