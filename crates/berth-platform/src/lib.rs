//! The runtime every service stands on: configuration, the PostgreSQL pool and
//! its migrations, Redis, the object store, telemetry and metrics.
//!
//! This crate speaks no HTTP and holds no business rules.

pub mod config;
pub mod db;
pub mod health;
pub mod metrics;
pub mod redis;
pub mod storage;
pub mod telemetry;

use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use config::Config;
pub use redis::Redis;
pub use storage::Storage;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
}

/// Shared handles to everything outside the process. Cheap to clone.
#[derive(Clone)]
pub struct Platform {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    db: PgPool,
    redis: Redis,
    storage: Storage,
    started: AtomicBool,
}

/// Why the process is not ready to take traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    DatabaseUnreachable(String),
    MigrationsPending(usize),
    /// Schema current, start-up tasks (such as creating the first
    /// administrator) still running.
    Starting,
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotReady::DatabaseUnreachable(e) => write!(f, "database unreachable: {e}"),
            NotReady::MigrationsPending(n) => write!(f, "{n} database migration(s) pending"),
            NotReady::Starting => f.write_str("start-up tasks are still running"),
        }
    }
}

impl Platform {
    /// Opens every handle without waiting for any dependency to answer.
    pub fn open(config: Config) -> Result<Self, PlatformError> {
        let db = db::lazy_pool(&config)?;
        let redis = Redis::new(&config)?;
        let storage = Storage::open(&config.storage)?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                db,
                redis,
                storage,
                started: AtomicBool::new(false),
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn db(&self) -> &PgPool {
        &self.inner.db
    }

    pub fn redis(&self) -> &Redis {
        &self.inner.redis
    }

    pub fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    pub async fn check_database(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(self.db()).await.map(|_| ())
    }

    /// Waits for the database, retrying with capped exponential backoff, then
    /// applies pending migrations. Each failed attempt is logged once with the
    /// delay before the next, so an operator sees why start-up is waiting.
    pub async fn bootstrap_database(&self) {
        let mut delay = Duration::from_millis(250);
        let max_delay = Duration::from_secs(30);
        loop {
            match self.try_bootstrap().await {
                Ok(()) => {
                    tracing::info!("database ready, schema up to date");
                    return;
                }
                Err(err) => {
                    tracing::warn!(
                        error = %error_chain(&err),
                        retry_in_ms = delay.as_millis() as u64,
                        "database not ready; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(max_delay);
                }
            }
        }
    }

    async fn try_bootstrap(&self) -> Result<(), db::DbError> {
        self.check_database().await.map_err(db::DbError::Connect)?;
        db::migrate(self.db()).await
    }

    /// Declares start-up complete: from now on readiness depends only on the
    /// database answering.
    pub fn mark_started(&self) {
        self.inner.started.store(true, Ordering::Release);
    }

    /// Ready means: start-up finished (schema current, first-start tasks
    /// done) and the database answers.
    pub async fn readiness(&self) -> Result<(), NotReady> {
        let timeout = self.config().health_timeout;
        match tokio::time::timeout(timeout, self.check_database()).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(NotReady::DatabaseUnreachable(err.to_string())),
            Err(_) => return Err(NotReady::DatabaseUnreachable("no answer in time".into())),
        }
        if self.inner.started.load(Ordering::Acquire) {
            return Ok(());
        }
        match db::migration_state(self.db()).await {
            Ok(state) if state.pending() == 0 => Err(NotReady::Starting),
            Ok(state) => Err(NotReady::MigrationsPending(state.pending())),
            Err(err) => Err(NotReady::DatabaseUnreachable(error_chain(&err))),
        }
    }
}

/// Renders an error with its whole `source()` chain on one line, for logs.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}
