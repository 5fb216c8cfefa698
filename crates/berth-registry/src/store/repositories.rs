use sqlx::PgConnection;

/// The repository's id, created on first use. An existing row is neither
/// changed nor locked, so concurrent pushes into one repository do not
/// queue on it; a push records itself with [`touch_repository`] just
/// before it commits.
pub async fn ensure_repository(
    conn: &mut PgConnection,
    project_id: i64,
    name: &str,
) -> Result<i64, sqlx::Error> {
    if let Some(id) = find_repository_id(conn, name).await? {
        return Ok(id);
    }
    // Creating one takes the project's usage lock first: the new row's
    // foreign-key check holds a share lock on the project row, and asking
    // for the usage lock after it could deadlock with the project's
    // deletion, which waits on that share lock.
    super::blobs::lock_usage(conn, project_id).await?;
    let created: Option<i64> = sqlx::query_scalar(
        "INSERT INTO repositories (project_id, name) VALUES ($1, $2)
         ON CONFLICT (name) DO NOTHING RETURNING id",
    )
    .bind(project_id)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    match created {
        Some(id) => Ok(id),
        None => {
            sqlx::query_scalar("SELECT id FROM repositories WHERE name = $1")
                .bind(name)
                .fetch_one(conn)
                .await
        }
    }
}

/// Records a push in the repository's update time.
pub async fn touch_repository(conn: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE repositories SET update_time = now() WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn find_repository_id(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM repositories WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await
}

/// Whether a project holds any repository (a project with repositories
/// cannot be deleted).
pub async fn project_has_repositories(
    conn: &mut PgConnection,
    project_id: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM repositories WHERE project_id = $1)")
        .bind(project_id)
        .fetch_one(conn)
        .await
}

/// Which repositories a catalog page starts from, before each project's
/// rules are applied.
#[derive(Debug, Clone, Copy)]
pub enum Candidates {
    All,
    /// Public projects and those the user is a member of.
    VisibleTo {
        user_id: Option<i64>,
    },
}

#[derive(Debug, sqlx::FromRow)]
pub struct CatalogEntry {
    pub name: String,
    pub project_id: i64,
}

/// Repositories in byte order of name after `last`, at most `limit`.
pub async fn list_catalog(
    conn: &mut PgConnection,
    candidates: Candidates,
    last: Option<&str>,
    limit: i64,
) -> Result<Vec<CatalogEntry>, sqlx::Error> {
    let (all, user_id) = match candidates {
        Candidates::All => (true, None),
        Candidates::VisibleTo { user_id } => (false, user_id),
    };
    sqlx::query_as(
        "SELECT r.name, r.project_id FROM repositories r JOIN projects p ON p.id = r.project_id
         WHERE ($1 OR p.public
                OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $2))
           AND ($3::text IS NULL OR r.name COLLATE \"C\" > $3 COLLATE \"C\")
         ORDER BY r.name COLLATE \"C\" LIMIT $4",
    )
    .bind(all)
    .bind(user_id)
    .bind(last)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Repository counts for the given projects (absent means none).
pub async fn count_by_project(
    conn: &mut PgConnection,
    project_ids: &[i64],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT project_id, count(*) FROM repositories WHERE project_id = ANY($1) GROUP BY project_id",
    )
    .bind(project_ids)
    .fetch_all(conn)
    .await
}
