use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArtifactRow {
    pub id: i64,
    pub repository_id: i64,
    pub digest: String,
    pub media_type: String,
    pub artifact_type: Option<String>,
    pub size: i64,
    pub annotations: Option<serde_json::Value>,
}

macro_rules! select_artifacts {
    () => {
        "SELECT a.id, a.repository_id, a.digest, a.media_type, a.artifact_type, a.size, a.annotations
         FROM artifacts a JOIN repositories r ON r.id = a.repository_id "
    };
}

pub async fn find_by_digest(
    conn: &mut PgConnection,
    repository: &str,
    digest: &str,
) -> Result<Option<ArtifactRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_artifacts!(),
        "WHERE r.name = $1 AND a.digest = $2"
    ))
    .bind(repository)
    .bind(digest)
    .fetch_optional(conn)
    .await
}

pub async fn find_by_tag(
    conn: &mut PgConnection,
    repository: &str,
    tag: &str,
) -> Result<Option<ArtifactRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_artifacts!(),
        "JOIN tags t ON t.artifact_id = a.id WHERE r.name = $1 AND t.name = $2"
    ))
    .bind(repository)
    .bind(tag)
    .fetch_optional(conn)
    .await
}

pub struct NewArtifact<'a> {
    pub repository_id: i64,
    pub digest: &'a str,
    pub media_type: &'a str,
    pub artifact_type: Option<&'a str>,
    pub config_media_type: Option<&'a str>,
    pub size: i64,
    pub subject_digest: Option<&'a str>,
    pub annotations: Option<&'a serde_json::Value>,
    pub extra_attrs: Option<&'a serde_json::Value>,
    /// The manifest with everything it references (Harbor's `size`).
    pub total_size: i64,
}

/// Inserts the artifact, or finds it when the same manifest was pushed
/// before (pushes are idempotent). Returns its id and whether it is new.
pub async fn upsert_artifact(
    conn: &mut PgConnection,
    artifact: &NewArtifact<'_>,
) -> Result<(i64, bool), sqlx::Error> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO artifacts (repository_id, digest, media_type, artifact_type, config_media_type, size,
                                subject_digest, annotations, extra_attrs, total_size)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (repository_id, digest) DO NOTHING RETURNING id",
    )
    .bind(artifact.repository_id)
    .bind(artifact.digest)
    .bind(artifact.media_type)
    .bind(artifact.artifact_type)
    .bind(artifact.config_media_type)
    .bind(artifact.size)
    .bind(artifact.subject_digest)
    .bind(artifact.annotations)
    .bind(artifact.extra_attrs)
    .bind(artifact.total_size)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let id =
        sqlx::query_scalar("SELECT id FROM artifacts WHERE repository_id = $1 AND digest = $2")
            .bind(artifact.repository_id)
            .bind(artifact.digest)
            .fetch_one(conn)
            .await?;
    Ok((id, false))
}

/// Records what the artifact references: `kind` is `blob` or `manifest`;
/// `platforms` (same length as `digests`, or empty) are an index's entries'.
pub async fn insert_references(
    conn: &mut PgConnection,
    artifact_id: i64,
    kind: &str,
    digests: &[String],
    platforms: &[Option<serde_json::Value>],
) -> Result<(), sqlx::Error> {
    let platforms: Vec<Option<serde_json::Value>> = if platforms.len() == digests.len() {
        platforms.to_vec()
    } else {
        vec![None; digests.len()]
    };
    sqlx::query(
        "INSERT INTO artifact_references (artifact_id, digest, kind, platform)
         SELECT $1, d, $2, p FROM unnest($3::text[], $4::jsonb[]) AS u(d, p) ON CONFLICT DO NOTHING",
    )
    .bind(artifact_id)
    .bind(kind)
    .bind(digests)
    .bind(platforms)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Which of `digests` are not manifests in the repository.
pub async fn missing_manifests(
    conn: &mut PgConnection,
    repository_id: i64,
    digests: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT d FROM unnest($2::text[]) AS d
         WHERE NOT EXISTS (SELECT 1 FROM artifacts WHERE repository_id = $1 AND digest = d)",
    )
    .bind(repository_id)
    .bind(digests)
    .fetch_all(conn)
    .await
}

/// Points the tag at the artifact, creating or moving it.
pub async fn upsert_tag(
    conn: &mut PgConnection,
    repository_id: i64,
    name: &str,
    artifact_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tags (repository_id, name, artifact_id) VALUES ($1, $2, $3)
         ON CONFLICT (repository_id, name) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, push_time = now()",
    )
    .bind(repository_id)
    .bind(name)
    .bind(artifact_id)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn delete_tag(
    conn: &mut PgConnection,
    repository: &str,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "DELETE FROM tags t USING repositories r WHERE r.id = t.repository_id AND r.name = $1 AND t.name = $2",
    )
    .bind(repository)
    .bind(name)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes the artifact and, with it, its tags.
pub async fn delete_artifact(conn: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM artifacts WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Deletes the artifacts of the repository attached to `subject`
/// (signatures, SBOMs), with their tags.
pub async fn delete_accessories(
    conn: &mut PgConnection,
    repository_id: i64,
    subject: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM artifacts WHERE repository_id = $1 AND subject_digest = $2")
        .bind(repository_id)
        .bind(subject)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Tags in lexical order after `last`, at most `limit` (+1 to tell whether
/// more follow).
pub async fn list_tags(
    conn: &mut PgConnection,
    repository: &str,
    last: Option<&str>,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id
         WHERE r.name = $1 AND ($2::text IS NULL OR t.name COLLATE \"C\" > $2 COLLATE \"C\")
         ORDER BY t.name COLLATE \"C\" LIMIT $3",
    )
    .bind(repository)
    .bind(last)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Manifests in the repository whose subject is `digest`.
pub async fn list_referrers(
    conn: &mut PgConnection,
    repository: &str,
    subject: &str,
) -> Result<Vec<ArtifactRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_artifacts!(),
        "WHERE r.name = $1 AND a.subject_digest = $2 ORDER BY a.id"
    ))
    .bind(repository)
    .bind(subject)
    .fetch_all(conn)
    .await
}

/// What an artifact referencing these blobs and these manifests (in the
/// repository) adds to its own manifest's size.
pub async fn referenced_size(
    conn: &mut PgConnection,
    repository_id: i64,
    blobs: &[String],
    manifests: &[String],
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE((SELECT sum(size) FROM blobs WHERE digest = ANY($2)), 0)::bigint
              + COALESCE((SELECT sum(total_size) FROM artifacts
                          WHERE repository_id = $1 AND digest = ANY($3)), 0)::bigint",
    )
    .bind(repository_id)
    .bind(blobs)
    .bind(manifests)
    .fetch_one(conn)
    .await
}
