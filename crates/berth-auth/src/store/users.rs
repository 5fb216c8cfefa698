use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{Page, contains_pattern};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub realname: String,
    pub comment: String,
    pub password_hash: String,
    pub sysadmin: bool,
    pub credential_version: i64,
    pub creation_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub realname: &'a str,
    pub comment: &'a str,
    pub password_hash: &'a str,
    pub sysadmin: bool,
}

/// The column list of `UserRow`, as a literal so queries stay `&'static str`.
macro_rules! columns {
    () => {
        "id, username, email, realname, comment, password_hash, sysadmin, credential_version, creation_time, update_time"
    };
}

pub async fn insert_user(
    conn: &mut PgConnection,
    user: &NewUser<'_>,
) -> Result<UserRow, sqlx::Error> {
    sqlx::query_as(concat!(
        "INSERT INTO users (username, email, realname, comment, password_hash, sysadmin)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
        columns!(),
        ""
    ))
    .bind(user.username)
    .bind(user.email)
    .bind(user.realname)
    .bind(user.comment)
    .bind(user.password_hash)
    .bind(user.sysadmin)
    .fetch_one(conn)
    .await
}

pub async fn find_user(conn: &mut PgConnection, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(concat!("SELECT ", columns!(), " FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn find_user_by_name(
    conn: &mut PgConnection,
    username: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE username = $1"
    ))
    .bind(username)
    .fetch_optional(conn)
    .await
}

pub async fn any_admin(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE sysadmin)")
        .fetch_one(conn)
        .await
}

/// Users whose name or email contains `filter`, by id.
pub async fn list_users(
    conn: &mut PgConnection,
    username: Option<&str>,
    email: Option<&str>,
    page: Page,
) -> Result<(Vec<UserRow>, i64), sqlx::Error> {
    let username = username.map(contains_pattern);
    let email = email.map(contains_pattern);
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE ($1::text IS NULL OR username LIKE $1) AND ($2::text IS NULL OR email LIKE $2)",
    )
    .bind(&username)
    .bind(&email)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM users
         WHERE ($1::text IS NULL OR username LIKE $1) AND ($2::text IS NULL OR email LIKE $2)
         ORDER BY id LIMIT $3 OFFSET $4"
    ))
    .bind(&username)
    .bind(&email)
    .bind(page.page_size)
    .bind(page.offset())
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}

pub async fn update_profile(
    conn: &mut PgConnection,
    id: i64,
    email: Option<&str>,
    realname: &str,
    comment: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET email = $2, realname = $3, comment = $4, update_time = now() WHERE id = $1",
    )
    .bind(id)
    .bind(email)
    .bind(realname)
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the hash. A changed password also retires every cached
/// verification; a rehash of the same password does not.
pub async fn update_password_hash(
    conn: &mut PgConnection,
    id: i64,
    hash: &str,
    password_changed: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $2,
            credential_version = credential_version + CASE WHEN $3 THEN 1 ELSE 0 END,
            update_time = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(password_changed)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn set_sysadmin(
    conn: &mut PgConnection,
    id: i64,
    sysadmin: bool,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET sysadmin = $2, credential_version = credential_version + 1, update_time = now() WHERE id = $1",
    )
    .bind(id)
    .bind(sysadmin)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete_user(conn: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}
