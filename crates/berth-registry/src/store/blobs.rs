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

/// What linking a blob did to its project's storage quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// Linked; `added` bytes counted (0 when the project already held it).
    Linked { added: i64 },
    /// Not linked: the blob is new to the project and would take usage
    /// past the limit.
    OverQuota { limit: i64, used: i64 },
}

/// A project's storage limit (-1: none) and usage.
pub async fn project_usage(
    conn: &mut PgConnection,
    project_id: i64,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT storage_limit, storage_used FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_one(conn)
        .await
}

/// Locks the project's usage until the transaction ends. Every transaction
/// that changes which blobs a project holds takes it before linking or
/// unlinking blobs and before locking any repository row, so they queue in
/// one order and never deadlock; and no earlier than that (or creating a
/// repository, see `ensure_repository`), so storage work is never done
/// while holding it. `NO KEY UPDATE` does not conflict with the
/// key-share locks that foreign keys take, so creating an upload session or
/// a repository in the project never waits for another push's accounting.
pub async fn lock_usage(conn: &mut PgConnection, project_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1 FROM projects WHERE id = $1 FOR NO KEY UPDATE")
        .bind(project_id)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Whether any repository of the project holds the blob.
pub async fn project_holds(
    conn: &mut PgConnection,
    project_id: i64,
    digest: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                        WHERE r.project_id = $1 AND rb.digest = $2)",
    )
    .bind(project_id)
    .bind(digest)
    .fetch_one(conn)
    .await
}

/// Records a committed blob and makes it visible in the repository,
/// charging the project once for a blob none of its repositories held. The
/// project row stays locked until the transaction ends, so concurrent
/// pushes into one project count every blob exactly once.
pub async fn link_blob(
    conn: &mut PgConnection,
    project_id: i64,
    repository_id: i64,
    digest: &str,
    size: i64,
) -> Result<Charge, sqlx::Error> {
    let (limit, used): (i64, i64) = sqlx::query_as(
        "SELECT storage_limit, storage_used FROM projects WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(project_id)
    .fetch_one(&mut *conn)
    .await?;
    let held = project_holds(conn, project_id, digest).await?;
    let added = if held { 0 } else { size };
    if added > 0 && limit >= 0 && used + added > limit {
        return Ok(Charge::OverQuota { limit, used });
    }
    if added > 0 {
        sqlx::query("UPDATE projects SET storage_used = storage_used + $2 WHERE id = $1")
            .bind(project_id)
            .bind(added)
            .execute(&mut *conn)
            .await?;
    }
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
    .await?;
    Ok(Charge::Linked { added })
}

/// After blobs were unlinked from some of the project's repositories: gives
/// back the usage of those the project no longer holds anywhere.
pub async fn release_blobs(
    conn: &mut PgConnection,
    project_id: i64,
    digests: &[String],
) -> Result<(), sqlx::Error> {
    if digests.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE projects SET storage_used = storage_used - COALESCE((
             SELECT sum(b.size) FROM blobs b
             WHERE b.digest = ANY($2)
               AND NOT EXISTS (SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                               WHERE r.project_id = $1 AND rb.digest = b.digest)), 0)
         WHERE id = $1",
    )
    .bind(project_id)
    .bind(digests)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The project's usage computed from scratch: each distinct blob of its
/// repositories once. What `storage_used` must always equal.
pub async fn recompute_usage(conn: &mut PgConnection, project_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(sum(b.size), 0)::bigint FROM blobs b
         WHERE b.digest IN (SELECT rb.digest FROM repository_blobs rb
                            JOIN repositories r ON r.id = rb.repository_id WHERE r.project_id = $1)",
    )
    .bind(project_id)
    .fetch_one(conn)
    .await
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
