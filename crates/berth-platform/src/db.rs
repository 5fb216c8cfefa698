//! The PostgreSQL pool and the schema migrations in `migrations/`.

use secrecy::ExposeSecret;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

use crate::config::Config;

/// The migrations compiled into the binary, so a deployed `berth` always
/// carries the schema it expects.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database URL: {0}")]
    Url(#[source] sqlx::Error),
    #[error("cannot reach the database")]
    Connect(#[source] sqlx::Error),
    #[error("applying migrations failed")]
    Migrate(#[source] MigrateError),
    #[error("reading the migration state failed")]
    State(#[source] sqlx::Error),
}

/// Builds the pool without connecting, so the process can start (and answer
/// `/livez`) while the database is still coming up.
pub fn lazy_pool(config: &Config) -> Result<PgPool, DbError> {
    let options = PgConnectOptions::from_str(config.database_url.expose_secret())
        .map_err(DbError::Url)?
        .application_name("berth");
    Ok(PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options))
}

/// Applies pending migrations. sqlx takes a PostgreSQL advisory lock keyed by
/// the database name before it touches the migrations table, so replicas that
/// start together apply each migration exactly once while the others wait.
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    MIGRATOR.run(pool).await.map_err(DbError::Migrate)
}

/// How far the database schema is from the one this binary expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationState {
    pub expected: usize,
    pub applied: usize,
}

impl MigrationState {
    pub fn pending(self) -> usize {
        self.expected.saturating_sub(self.applied)
    }
}

pub async fn migration_state(pool: &PgPool) -> Result<MigrationState, DbError> {
    let expected: Vec<i64> = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    let table_exists: bool =
        sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL")
            .fetch_one(pool)
            .await
            .map_err(DbError::State)?;
    let applied: Vec<i64> = if table_exists {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
            .map_err(DbError::State)?
    } else {
        Vec::new()
    };
    Ok(MigrationState {
        expected: expected.len(),
        applied: expected.iter().filter(|v| applied.contains(v)).count(),
    })
}
