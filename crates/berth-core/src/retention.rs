//! Audit retention: entries older than `BERTH_AUDIT_RETENTION_DAYS` are
//! deleted in batches, so a large purge never holds a long lock or a huge
//! transaction.

use berth_http::Failure;
use berth_platform::Platform;
use std::time::Duration;

use crate::store::audit;

const BATCH: i64 = 10_000;
const EVERY: Duration = Duration::from_secs(3600);

/// Deletes every entry older than `days` days; returns how many went.
pub async fn purge_audit(platform: &Platform, days: u32) -> Result<u64, Failure> {
    let before = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    let mut purged = 0;
    loop {
        let mut conn = platform.db().acquire().await?;
        let deleted = audit::purge_before(&mut conn, before, BATCH).await?;
        purged += deleted;
        if deleted < BATCH as u64 {
            break;
        }
    }
    if purged > 0 {
        tracing::info!(purged, days, "purged audit entries past retention");
    }
    Ok(purged)
}

/// Purges hourly until the process stops; does nothing when retention is
/// off.
pub async fn run(platform: Platform) {
    let days = platform.config().audit_retention_days;
    if days == 0 {
        return;
    }
    while platform.readiness().await.is_err() {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        if let Err(err) = purge_audit(&platform, days).await {
            tracing::warn!(error = %err, "purging the audit log failed");
        }
    }
}
