use berth_auth::store::Page;
use berth_auth::store::contains_pattern;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::filter::{Field, Filter, Kind, push_page};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LabelRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub color: String,
    pub scope: String,
    pub project_id: Option<i64>,
    pub creation_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

const COLUMNS: &str =
    "l.id, l.name, l.description, l.color, l.scope, l.project_id, l.creation_time, l.update_time";

pub const FIELDS: &[Field] = &[
    Field::column("name", "l.name", Kind::Text),
    Field::column("scope", "l.scope", Kind::Text),
    Field::column("project_id", "l.project_id", Kind::Integer),
];
pub const SORTS: &[(&str, &str)] = &[
    ("name", "l.name"),
    ("creation_time", "l.creation_time"),
    ("update_time", "l.update_time"),
];

pub struct NewLabel<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub color: &'a str,
    pub project_id: Option<i64>,
}

fn scope_of(project_id: Option<i64>) -> &'static str {
    if project_id.is_some() { "p" } else { "g" }
}

/// Inserts the label, or returns `None` when its scope already has one of
/// that name.
pub async fn insert(
    conn: &mut PgConnection,
    label: &NewLabel<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO labels (name, description, color, scope, project_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(label.name)
    .bind(label.description)
    .bind(label.color)
    .bind(scope_of(label.project_id))
    .bind(label.project_id)
    .fetch_optional(conn)
    .await
}

pub async fn find(conn: &mut PgConnection, id: i64) -> Result<Option<LabelRow>, sqlx::Error> {
    let mut sql = QueryBuilder::new("SELECT ");
    sql.push(COLUMNS)
        .push(" FROM labels l WHERE l.id = ")
        .push_bind(id);
    sql.build_query_as().fetch_optional(conn).await
}

/// Global labels, or one project's; `name` narrows to names containing it.
pub async fn list(
    conn: &mut PgConnection,
    project_id: Option<i64>,
    name: Option<&str>,
    filter: &Filter,
    order: &[&'static str],
    page: Page,
) -> Result<(Vec<LabelRow>, i64), sqlx::Error> {
    let restrict = |sql: &mut QueryBuilder<Postgres>| {
        match project_id {
            None => sql.push(" AND l.scope = 'g'"),
            Some(id) => sql.push(" AND l.project_id = ").push_bind(id),
        };
        if let Some(name) = name {
            sql.push(" AND l.name ILIKE ")
                .push_bind(contains_pattern(name))
                .push(" ESCAPE '\\'");
        }
        filter.push_conditions(sql);
    };
    let mut count = QueryBuilder::new("SELECT count(*) FROM labels l WHERE TRUE");
    restrict(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    let mut sql = QueryBuilder::new("SELECT ");
    sql.push(COLUMNS).push(" FROM labels l WHERE TRUE");
    restrict(&mut sql);
    push_page(&mut sql, order, page);
    Ok((sql.build_query_as().fetch_all(conn).await?, total))
}

pub async fn update(
    conn: &mut PgConnection,
    id: i64,
    name: &str,
    description: &str,
    color: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE labels SET name = $2, description = $3, color = $4, update_time = now() WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(description)
    .bind(color)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn delete(conn: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM labels WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Labels on the given artifacts, as `(artifact_id, label)`.
pub async fn of_artifacts(
    conn: &mut PgConnection,
    artifact_ids: &[i64],
) -> Result<Vec<(i64, LabelRow)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Attached {
        artifact_id: i64,
        #[sqlx(flatten)]
        label: LabelRow,
    }
    let mut sql = QueryBuilder::new("SELECT al.artifact_id, ");
    sql.push(COLUMNS)
        .push(" FROM artifact_labels al JOIN labels l ON l.id = al.label_id WHERE al.artifact_id = ANY(")
        .push_bind(artifact_ids.to_vec())
        .push(") ORDER BY al.artifact_id, l.name");
    let rows: Vec<Attached> = sql.build_query_as().fetch_all(conn).await?;
    Ok(rows.into_iter().map(|a| (a.artifact_id, a.label)).collect())
}

/// Returns `false` when the label was already on the artifact.
pub async fn attach(
    conn: &mut PgConnection,
    artifact_id: i64,
    label_id: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO artifact_labels (artifact_id, label_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(artifact_id)
    .bind(label_id)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Returns `false` when the label was not on the artifact.
pub async fn detach(
    conn: &mut PgConnection,
    artifact_id: i64,
    label_id: i64,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("DELETE FROM artifact_labels WHERE artifact_id = $1 AND label_id = $2")
            .bind(artifact_id)
            .bind(label_id)
            .execute(conn)
            .await?;
    Ok(result.rows_affected() == 1)
}
