use berth_auth::store::Page;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, QueryBuilder};

use crate::filter::{Field, Filter, Kind, push_limit, push_order, push_page};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArtifactRecord {
    pub id: i64,
    pub repository_id: i64,
    pub project_id: i64,
    pub repository_name: String,
    pub digest: String,
    pub media_type: String,
    pub artifact_type: Option<String>,
    pub config_media_type: Option<String>,
    pub size: i64,
    /// The manifest with its config, layers and entries.
    pub total_size: i64,
    pub subject_digest: Option<String>,
    pub annotations: Option<serde_json::Value>,
    pub extra_attrs: Option<serde_json::Value>,
    pub push_time: DateTime<Utc>,
    pub pull_time: Option<DateTime<Utc>>,
    pub parents: i32,
}

const COLUMNS: &str =
    "a.id, a.repository_id, r.project_id, r.name AS repository_name, a.digest, a.media_type,
    a.artifact_type, a.config_media_type, a.size, a.total_size, a.subject_digest, a.annotations, a.extra_attrs,
    a.push_time, a.pull_time, a.parents";

pub const FIELDS: &[Field] = &[
    Field::column("digest", "a.digest", Kind::Text),
    Field::column("media_type", "a.config_media_type", Kind::Text),
    Field::column("manifest_media_type", "a.media_type", Kind::Text),
    Field::column("artifact_type", "a.artifact_type", Kind::Text),
    Field::column("size", "a.total_size", Kind::Integer),
    Field::column("push_time", "a.push_time", Kind::Time),
    Field::column("pull_time", "a.pull_time", Kind::Time),
    Field::exists(
        "tags",
        "SELECT 1 FROM tags t WHERE t.artifact_id = a.id",
        "t.name",
        Kind::Text,
    ),
    Field::exists(
        "labels",
        "SELECT 1 FROM artifact_labels al WHERE al.artifact_id = a.id",
        "al.label_id",
        Kind::Integer,
    ),
];

pub const SORTS: &[(&str, &str)] = &[
    ("push_time", "a.push_time"),
    ("pull_time", "a.pull_time"),
    ("size", "a.total_size"),
    ("digest", "a.digest"),
];
pub const DEFAULT_SORT: &str = "a.push_time DESC";
pub const TIEBREAK: &str = "a.id DESC";

/// One page of the repository's top-level artifacts. The page's ids come
/// from the top-level index alone, so a deep page costs an index scan, not
/// a fetch of every row before it.
pub async fn list(
    conn: &mut PgConnection,
    repository_id: i64,
    filter: &Filter,
    order: &[&'static str],
    page: Page,
) -> Result<(Vec<ArtifactRecord>, i64), sqlx::Error> {
    let mut count = QueryBuilder::new(concat!(
        "SELECT count(*) FROM artifacts a WHERE ",
        top_level!(),
        " AND a.repository_id = "
    ));
    count.push_bind(repository_id);
    filter.push_conditions(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;

    let mut sql = QueryBuilder::new(concat!(
        "WITH page AS (SELECT a.id FROM artifacts a WHERE ",
        top_level!(),
        " AND a.repository_id = "
    ));
    sql.push_bind(repository_id);
    filter.push_conditions(&mut sql);
    push_page(&mut sql, order, page);
    sql.push(") SELECT ")
        .push(COLUMNS)
        .push(" FROM page JOIN artifacts a ON a.id = page.id JOIN repositories r ON r.id = a.repository_id");
    push_order(&mut sql, order);
    let rows = sql.build_query_as().fetch_all(conn).await?;
    Ok((rows, total))
}

/// By digest (`sha256:…`) or by tag.
pub async fn find(
    conn: &mut PgConnection,
    repository_id: i64,
    reference: &berth_types::Reference,
) -> Result<Option<ArtifactRecord>, sqlx::Error> {
    let mut sql = QueryBuilder::new("SELECT ");
    sql.push(COLUMNS)
        .push(" FROM artifacts a JOIN repositories r ON r.id = a.repository_id WHERE a.repository_id = ")
        .push_bind(repository_id);
    match reference {
        berth_types::Reference::Digest(digest) => {
            sql.push(" AND a.digest = ").push_bind(digest.to_string());
        }
        berth_types::Reference::Tag(tag) => {
            sql.push(" AND a.id = (SELECT t.artifact_id FROM tags t WHERE t.repository_id = ")
                .push_bind(repository_id)
                .push(" AND t.name = ")
                .push_bind(tag.as_str().to_owned())
                .push(")");
        }
    }
    sql.build_query_as().fetch_optional(conn).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TagRow {
    pub id: i64,
    pub repository_id: i64,
    pub artifact_id: i64,
    pub name: String,
    pub push_time: DateTime<Utc>,
    pub pull_time: Option<DateTime<Utc>>,
}

pub async fn tags_of(
    conn: &mut PgConnection,
    artifact_ids: &[i64],
) -> Result<Vec<TagRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, repository_id, artifact_id, name, push_time, pull_time FROM tags
         WHERE artifact_id = ANY($1) ORDER BY push_time DESC, id DESC",
    )
    .bind(artifact_ids)
    .fetch_all(conn)
    .await
}

pub const TAG_FIELDS: &[Field] = &[
    Field::column("name", "t.name", Kind::Text),
    Field::column("push_time", "t.push_time", Kind::Time),
    Field::column("pull_time", "t.pull_time", Kind::Time),
];
pub const TAG_SORTS: &[(&str, &str)] = &[
    ("name", "t.name"),
    ("push_time", "t.push_time"),
    ("pull_time", "t.pull_time"),
];

pub async fn list_tags(
    conn: &mut PgConnection,
    artifact_id: i64,
    filter: &Filter,
    order: &[&'static str],
    page: Page,
) -> Result<(Vec<TagRow>, i64), sqlx::Error> {
    let mut count = QueryBuilder::new("SELECT count(*) FROM tags t WHERE t.artifact_id = ");
    count.push_bind(artifact_id);
    filter.push_conditions(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    let mut sql = QueryBuilder::new(
        "SELECT t.id, t.repository_id, t.artifact_id, t.name, t.push_time, t.pull_time FROM tags t WHERE t.artifact_id = ",
    );
    sql.push_bind(artifact_id);
    filter.push_conditions(&mut sql);
    push_page(&mut sql, order, page);
    Ok((sql.build_query_as().fetch_all(conn).await?, total))
}

/// The tag's artifact id, if the repository has the tag.
pub async fn find_tag(
    conn: &mut PgConnection,
    repository_id: i64,
    name: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT artifact_id FROM tags WHERE repository_id = $1 AND name = $2")
        .bind(repository_id)
        .bind(name)
        .fetch_optional(conn)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReferenceRow {
    pub parent_id: i64,
    pub child_id: i64,
    pub child_digest: String,
    pub platform: Option<serde_json::Value>,
}

/// The entries of the given indexes, with the ids of the child artifacts.
pub async fn references_of(
    conn: &mut PgConnection,
    artifact_ids: &[i64],
) -> Result<Vec<ReferenceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT ar.artifact_id AS parent_id, c.id AS child_id, ar.digest AS child_digest, ar.platform
         FROM artifact_references ar
         JOIN artifacts p ON p.id = ar.artifact_id
         JOIN artifacts c ON c.repository_id = p.repository_id AND c.digest = ar.digest
         WHERE ar.kind = 'manifest' AND ar.artifact_id = ANY($1)
         ORDER BY ar.artifact_id, c.id",
    )
    .bind(artifact_ids)
    .fetch_all(conn)
    .await
}

/// Artifacts in the repository attached to one of `subjects` (signatures,
/// SBOMs and other accessories).
pub async fn accessories_of(
    conn: &mut PgConnection,
    repository_id: i64,
    subjects: &[String],
    page: Option<Page>,
) -> Result<(Vec<ArtifactRecord>, i64), sqlx::Error> {
    // Unpaged callers want every row; only a page needs the total.
    let total: Option<i64> = match page {
        Some(_) => Some(
            sqlx::query_scalar(
                "SELECT count(*) FROM artifacts WHERE repository_id = $1 AND subject_digest = ANY($2)",
            )
            .bind(repository_id)
            .bind(subjects)
            .fetch_one(&mut *conn)
            .await?,
        ),
        None => None,
    };
    let mut sql = QueryBuilder::new("SELECT ");
    sql.push(COLUMNS)
        .push(" FROM artifacts a JOIN repositories r ON r.id = a.repository_id WHERE a.repository_id = ")
        .push_bind(repository_id)
        .push(" AND a.subject_digest = ANY(")
        .push_bind(subjects.to_vec())
        .push(") ORDER BY a.push_time DESC, a.id DESC");
    if let Some(page) = page {
        push_limit(&mut sql, page);
    }
    let rows: Vec<ArtifactRecord> = sql.build_query_as().fetch_all(conn).await?;
    let total = total.unwrap_or(rows.len() as i64);
    Ok((rows, total))
}

/// What the artifact references as blobs (config and layers) and manifests
/// (an index's entries), for copying it.
pub async fn referenced(
    conn: &mut PgConnection,
    artifact_id: i64,
) -> Result<Vec<(String, String, Option<serde_json::Value>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT digest, kind, platform FROM artifact_references WHERE artifact_id = $1 ORDER BY kind, digest",
    )
    .bind(artifact_id)
    .fetch_all(conn)
    .await
}

/// Sizes of the given committed blobs.
pub async fn blob_sizes(
    conn: &mut PgConnection,
    digests: &[String],
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT digest, size FROM blobs WHERE digest = ANY($1)")
        .bind(digests)
        .fetch_all(conn)
        .await
}
