use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;

use berth_types::Permission;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub lookup: String,
    pub token_sha256: Vec<u8>,
    pub name: String,
    pub projects: Option<Json<Vec<String>>>,
    pub permissions: Option<Json<Vec<Permission>>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub creation_time: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, user_id, lookup, token_sha256, name, projects, permissions, expires_at, last_used_at, creation_time"
    };
}

pub struct NewToken<'a> {
    pub user_id: i64,
    pub lookup: &'a str,
    pub token_sha256: &'a [u8],
    pub name: &'a str,
    pub projects: Option<&'a [String]>,
    pub permissions: Option<&'a [Permission]>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Inserts the token, or returns `None` when the user has one of that name.
pub async fn insert_token(
    conn: &mut PgConnection,
    token: &NewToken<'_>,
) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "INSERT INTO personal_tokens (user_id, lookup, token_sha256, name, projects, permissions, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, name) DO NOTHING RETURNING ",
        columns!()
    ))
    .bind(token.user_id)
    .bind(token.lookup)
    .bind(token.token_sha256)
    .bind(token.name)
    .bind(token.projects.map(Json))
    .bind(token.permissions.map(Json))
    .bind(token.expires_at)
    .fetch_optional(conn)
    .await
}

pub async fn find_by_lookup(
    conn: &mut PgConnection,
    lookup: &str,
) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM personal_tokens WHERE lookup = $1"
    ))
    .bind(lookup)
    .fetch_optional(conn)
    .await
}

pub async fn find_token(conn: &mut PgConnection, id: i64) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM personal_tokens WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn list_tokens(
    conn: &mut PgConnection,
    user_id: i64,
) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM personal_tokens WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// Records use at most once a minute per token, so a busy CI job does not
/// turn every pull into a write.
pub async fn touch(conn: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE personal_tokens SET last_used_at = now()
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
    )
    .bind(id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Deletes one of the user's tokens; other users' ids find nothing.
pub async fn delete_token(
    conn: &mut PgConnection,
    user_id: i64,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("DELETE FROM personal_tokens WHERE user_id = $1 AND id = $2 RETURNING name")
        .bind(user_id)
        .bind(id)
        .fetch_optional(conn)
        .await
}
