//! Redis through a reconnecting connection that is opened on first use, so a
//! Redis outage at start-up degrades the process instead of stopping it.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret;
use std::time::Duration;
use tokio::sync::OnceCell;

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("invalid Redis URL")]
    Url(#[source] redis::RedisError),
    #[error("Redis is unreachable: {0}")]
    Unreachable(#[source] redis::RedisError),
    #[error("Redis command failed: {0}")]
    Command(#[source] redis::RedisError),
}

/// A cheap-to-clone handle. The first successful connection is kept and
/// reconnects by itself afterwards; a failed first attempt is retried on the
/// next call.
#[derive(Clone)]
pub struct Redis {
    client: redis::Client,
    manager: std::sync::Arc<OnceCell<ConnectionManager>>,
    key_prefix: std::sync::Arc<str>,
    timeout: Duration,
}

impl Redis {
    pub fn new(config: &Config) -> Result<Self, RedisError> {
        let client =
            redis::Client::open(config.redis_url.expose_secret()).map_err(RedisError::Url)?;
        Ok(Self {
            client,
            manager: Default::default(),
            key_prefix: config.redis_key_prefix.as_str().into(),
            timeout: config.health_timeout,
        })
    }

    /// A key in Berth's namespace.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}{}", self.key_prefix, suffix)
    }

    pub async fn connection(&self) -> Result<ConnectionManager, RedisError> {
        let manager = self
            .manager
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config)
                    .await
                    .map_err(RedisError::Unreachable)
            })
            .await?;
        Ok(manager.clone())
    }

    pub async fn ping(&self) -> Result<(), RedisError> {
        let mut conn = self.connection().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(RedisError::Command)
    }
}
