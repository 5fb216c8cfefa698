use sqlx::PgConnection;

/// The blob's size if it is visible in this repository.
pub async fn find_blob_size(
    conn: &mut PgConnection,
    repository: &str,
    digest: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT b.size FROM blobs b
         JOIN repository_blobs rb ON rb.digest = b.digest
         JOIN repositories r ON r.id = rb.repository_id
         WHERE r.name = $1 AND b.digest = $2",
    )
    .bind(repository)
    .bind(digest)
    .fetch_optional(conn)
    .await
}

/// Records a committed blob and makes it visible in the repository.
pub async fn link_blob(
    conn: &mut PgConnection,
    repository_id: i64,
    digest: &str,
    size: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO blobs (digest, size) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING")
        .bind(digest)
        .bind(size)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO repository_blobs (repository_id, digest) VALUES ($1, $2)
         ON CONFLICT (repository_id, digest) DO NOTHING",
    )
    .bind(repository_id)
    .bind(digest)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Which of `digests` are not visible in the repository.
pub async fn missing_blobs(
    conn: &mut PgConnection,
    repository_id: i64,
    digests: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT d FROM unnest($2::text[]) AS d
         WHERE NOT EXISTS (SELECT 1 FROM repository_blobs WHERE repository_id = $1 AND digest = d)",
    )
    .bind(repository_id)
    .bind(digests)
    .fetch_all(conn)
    .await
}

/// Removes the blob from the repository's view; returns whether it was there.
pub async fn unlink_blob(
    conn: &mut PgConnection,
    repository: &str,
    digest: &str,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query(
        "DELETE FROM repository_blobs rb USING repositories r
         WHERE r.id = rb.repository_id AND r.name = $1 AND rb.digest = $2",
    )
    .bind(repository)
    .bind(digest)
    .execute(conn)
    .await?;
    Ok(removed.rows_affected() == 1)
}
