//! Abandoned upload sessions (a client that went away mid-push) are purged
//! with their chunks once untouched for the configured time, so they hold
//! no storage forever.

use berth_platform::Platform;
use berth_storage::BlobStore;
use std::time::Duration;

use crate::store::uploads;

const BATCH: i64 = 100;

/// Purges one batch; returns how many sessions went.
pub async fn purge_stale_uploads(
    platform: &Platform,
    ttl: Duration,
) -> Result<usize, berth_http::Failure> {
    let blobs = BlobStore::new(platform.storage().store().clone());
    let mut tx = platform.db().begin().await?;
    let stale = uploads::claim_stale(&mut tx, ttl.as_secs() as i64, BATCH).await?;
    for id in &stale {
        // Storage first: a crash between the two leaves a row to retry, never
        // chunks nobody knows about.
        blobs
            .delete_upload(*id)
            .await
            .map_err(berth_http::Failure::internal)?;
        uploads::delete_upload(&mut tx, *id).await?;
    }
    tx.commit().await?;
    if !stale.is_empty() {
        tracing::info!(purged = stale.len(), "purged abandoned upload sessions");
    }
    Ok(stale.len())
}

/// Runs the purge periodically until the process stops.
pub async fn run(platform: Platform) {
    let ttl = platform.config().upload_ttl;
    let every = (ttl / 4).min(Duration::from_secs(600));
    // Nothing to purge before the schema exists.
    while platform.readiness().await.is_err() {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        loop {
            match purge_stale_uploads(&platform, ttl).await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "purging upload sessions failed");
                    break;
                }
            }
        }
    }
}
