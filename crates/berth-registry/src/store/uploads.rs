use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UploadRow {
    pub id: uuid::Uuid,
    pub project_id: i64,
    pub repository: String,
    pub size: i64,
    pub chunks: i32,
}

pub async fn insert_upload(
    conn: &mut PgConnection,
    id: uuid::Uuid,
    project_id: i64,
    repository: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO uploads (id, project_id, repository) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(project_id)
        .bind(repository)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The session, only if it belongs to this repository: another repository's
/// session id finds nothing.
pub async fn find_upload(
    conn: &mut PgConnection,
    id: uuid::Uuid,
    repository: &str,
) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, project_id, repository, size, chunks FROM uploads WHERE id = $1 AND repository = $2")
        .bind(id)
        .bind(repository)
        .fetch_optional(conn)
        .await
}

/// Records an appended chunk, only if nobody appended since `expected_size`
/// was read; returns whether it did.
pub async fn record_chunk(
    conn: &mut PgConnection,
    id: uuid::Uuid,
    expected_size: i64,
    added: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE uploads SET size = size + $3, chunks = chunks + 1, update_time = now()
         WHERE id = $1 AND size = $2",
    )
    .bind(id)
    .bind(expected_size)
    .bind(added)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete_upload(conn: &mut PgConnection, id: uuid::Uuid) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM uploads WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Locks up to `limit` sessions untouched for `ttl_secs`, skipping those
/// another replica is purging; delete them in the same transaction.
pub async fn claim_stale(
    conn: &mut PgConnection,
    ttl_secs: i64,
    limit: i64,
) -> Result<Vec<uuid::Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM uploads WHERE update_time < now() - make_interval(secs => $1)
         ORDER BY update_time LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(ttl_secs as f64)
    .bind(limit)
    .fetch_all(conn)
    .await
}
