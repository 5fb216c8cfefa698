//! Pull bookkeeping (artifact pull time, repository pull count, the audit
//! row) without a database write on the pull's path: pulls are queued and
//! written in batches, at most a second late.
//!
//! On graceful shutdown the queue is drained before the process exits; a
//! crash can lose at most the last second of pull records, never a push.

use sqlx::PgPool;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;

const FLUSH_EVERY: Duration = Duration::from_secs(1);
const MAX_BATCH: usize = 1000;

#[derive(Debug, Clone)]
pub struct Pull {
    pub artifact_id: i64,
    pub repository_id: i64,
    pub project_id: i64,
    pub username: String,
    pub resource: String,
}

/// The sending side, cloned into every worker.
#[derive(Clone)]
pub struct PullLog {
    sender: mpsc::UnboundedSender<Pull>,
}

impl PullLog {
    /// Starts the writer; it finishes once every `PullLog` is dropped and the
    /// queue is written.
    pub fn start(pool: PgPool) -> (PullLog, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_batches(pool, receiver));
        (PullLog { sender }, writer)
    }

    pub fn record(&self, pull: Pull) {
        if self.sender.send(pull).is_err() {
            tracing::warn!("pull recorded after shutdown began; dropped");
        }
    }
}

async fn write_batches(pool: PgPool, mut receiver: mpsc::UnboundedReceiver<Pull>) {
    let mut batch = Vec::new();
    loop {
        let deadline = tokio::time::sleep(FLUSH_EVERY);
        tokio::pin!(deadline);
        let open = loop {
            tokio::select! {
                received = receiver.recv() => match received {
                    Some(pull) => {
                        batch.push(pull);
                        if batch.len() >= MAX_BATCH {
                            break true;
                        }
                    }
                    None => break false,
                },
                () = &mut deadline => break true,
            }
        };
        if !batch.is_empty() {
            let pulls = std::mem::take(&mut batch);
            if let Err(err) = write(&pool, &pulls).await {
                tracing::warn!(error = %err, pulls = pulls.len(), "writing pull records failed");
            }
        }
        if !open {
            return;
        }
    }
}

async fn write(pool: &PgPool, pulls: &[Pull]) -> Result<(), sqlx::Error> {
    let mut per_repository: BTreeMap<i64, i64> = BTreeMap::new();
    for pull in pulls {
        *per_repository.entry(pull.repository_id).or_default() += 1;
    }
    let artifacts: Vec<i64> = pulls.iter().map(|p| p.artifact_id).collect();
    let (repositories, counts): (Vec<i64>, Vec<i64>) = per_repository.into_iter().unzip();
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE artifacts SET pull_time = now() WHERE id = ANY($1)")
        .bind(&artifacts)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE repositories r SET pull_count = r.pull_count + c.n
         FROM unnest($1::bigint[], $2::bigint[]) AS c(id, n) WHERE r.id = c.id",
    )
    .bind(&repositories)
    .bind(&counts)
    .execute(&mut *tx)
    .await?;
    let projects: Vec<i64> = pulls.iter().map(|p| p.project_id).collect();
    let users: Vec<&str> = pulls.iter().map(|p| p.username.as_str()).collect();
    let resources: Vec<&str> = pulls.iter().map(|p| p.resource.as_str()).collect();
    sqlx::query(
        "INSERT INTO audit_log (project_id, username, resource_type, resource, operation, success)
         SELECT p, u, 'artifact', r, 'pull', true FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(p, u, r)",
    )
    .bind(&projects)
    .bind(&users)
    .bind(&resources)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
