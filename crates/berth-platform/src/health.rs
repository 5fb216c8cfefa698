//! Per-component health, in the shape of Harbor's `OverallHealthStatus`.

use serde::Serialize;
use std::future::Future;
use std::time::Duration;

use crate::Platform;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ComponentHealth {
    pub name: &'static str,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OverallHealth {
    pub status: &'static str,
    pub components: Vec<ComponentHealth>,
}

impl OverallHealth {
    pub fn is_healthy(&self) -> bool {
        self.status == HEALTHY
    }
}

const HEALTHY: &str = "healthy";
const UNHEALTHY: &str = "unhealthy";

async fn probe<F, E>(name: &'static str, timeout: Duration, check: F) -> ComponentHealth
where
    F: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let error = match tokio::time::timeout(timeout, check).await {
        Ok(Ok(())) => None,
        Ok(Err(err)) => Some(err.to_string()),
        Err(_) => Some(format!("no answer within {} ms", timeout.as_millis())),
    };
    ComponentHealth {
        name,
        status: if error.is_some() { UNHEALTHY } else { HEALTHY },
        error,
    }
}

/// Probes every dependency concurrently, each bounded by the configured
/// timeout, so one hung dependency cannot hold the answer hostage.
pub async fn check(platform: &Platform) -> OverallHealth {
    let timeout = platform.config().health_timeout;
    let (database, redis, storage) = tokio::join!(
        probe("database", timeout, platform.check_database()),
        probe("redis", timeout, platform.redis().ping()),
        probe("storage", timeout, platform.storage().probe()),
    );
    let components = vec![database, redis, storage];
    let status = if components.iter().all(|c| c.status == HEALTHY) {
        HEALTHY
    } else {
        UNHEALTHY
    };
    OverallHealth { status, components }
}
