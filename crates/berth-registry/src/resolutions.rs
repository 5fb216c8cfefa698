//! What a pull resolves on every request (a project's id, a tag or digest
//! to its artifact, a manifest's bytes), kept in memory so a hot tag costs
//! no database round trip.
//!
//! Correctness rests on PostgreSQL, not on the code paths that write:
//! triggers on tags, artifacts, repositories and projects `NOTIFY` every
//! replica at commit (migration 0007), and each replica forgets what the
//! change touches. Writes in this process also forget synchronously after
//! they commit, so a client that pushes and then pulls through the same
//! replica never sees the old answer. While the listening connection is
//! down nothing is cached, since a missed notification would go unnoticed;
//! it is reconnected and the cache starts empty. A load that began before
//! a change is not stored once the change is known (the epoch check), so a
//! slow query cannot put an old answer back.

use bytes::Bytes;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::store::artifacts::ArtifactRow;

pub const CHANNEL: &str = "berth_registry_changes";

/// Entries per map; a full map is emptied rather than ordered, since what
/// is hot comes back at once.
const ROWS: usize = 20_000;
/// How long the listening connection may stay silent before it is asked
/// whether it is still there, and how long it has to answer.
const QUIET: Duration = Duration::from_secs(10);
const PING: Duration = Duration::from_secs(5);
/// Manifest bytes held at most, and the largest manifest kept.
const MANIFEST_BYTES: usize = 16 << 20;
const LARGEST_MANIFEST: usize = 256 << 10;

#[derive(Clone)]
pub struct Resolutions {
    inner: Arc<Inner>,
}

struct Inner {
    listening: AtomicBool,
    epoch: AtomicU64,
    projects: Map<String, i64>,
    tags: Map<(String, String), Arc<ArtifactRow>>,
    digests: Map<(String, String), Arc<ArtifactRow>>,
    manifests: Map<String, Bytes>,
}

/// Taken before a load; the load's result is stored only if nothing
/// changed meanwhile.
#[derive(Clone, Copy)]
pub struct Fill(u64);

impl Resolutions {
    /// An empty cache that stores nothing until [`Resolutions::listen`]
    /// holds its connection.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                listening: AtomicBool::new(false),
                epoch: AtomicU64::new(0),
                projects: Map::new(ROWS, |_| 1),
                tags: Map::new(ROWS, |_| 1),
                digests: Map::new(ROWS, |_| 1),
                manifests: Map::new(MANIFEST_BYTES, Bytes::len),
            }),
        }
    }

    pub fn fill(&self) -> Fill {
        Fill(self.inner.epoch.load(Ordering::Acquire))
    }

    /// Asked with the map's lock held: a forget bumps the epoch before it
    /// takes that lock, so either this sees the bump or the forget comes
    /// after the insert and removes it.
    fn storable(&self, fill: Fill) -> bool {
        self.listening() && self.inner.epoch.load(Ordering::Acquire) == fill.0
    }

    /// Entries are only trusted while changes are being heard.
    fn listening(&self) -> bool {
        self.inner.listening.load(Ordering::Acquire)
    }

    pub fn project(&self, name: &str) -> Option<i64> {
        self.listening()
            .then(|| self.inner.projects.get(name))
            .flatten()
    }

    pub fn remember_project(&self, fill: Fill, name: &str, id: i64) {
        self.inner
            .projects
            .insert_if(name.to_owned(), id, || self.storable(fill));
    }

    pub fn tag(&self, repository: &str, tag: &str) -> Option<Arc<ArtifactRow>> {
        let key = (repository.to_owned(), tag.to_owned());
        self.listening()
            .then(|| self.inner.tags.get(&key))
            .flatten()
    }

    pub fn remember_tag(&self, fill: Fill, repository: &str, tag: &str, row: Arc<ArtifactRow>) {
        let key = (repository.to_owned(), tag.to_owned());
        self.inner.tags.insert_if(key, row, || self.storable(fill));
    }

    pub fn digest(&self, repository: &str, digest: &str) -> Option<Arc<ArtifactRow>> {
        let key = (repository.to_owned(), digest.to_owned());
        self.listening()
            .then(|| self.inner.digests.get(&key))
            .flatten()
    }

    pub fn remember_digest(&self, fill: Fill, repository: &str, row: Arc<ArtifactRow>) {
        let key = (repository.to_owned(), row.digest.clone());
        self.inner
            .digests
            .insert_if(key, row, || self.storable(fill));
    }

    /// Bytes are content-addressed and never change; whether a digest may
    /// be served is decided by the artifact lookup before this is asked.
    pub fn manifest(&self, digest: &str) -> Option<Bytes> {
        self.inner.manifests.get(digest)
    }

    pub fn remember_manifest(&self, digest: &str, bytes: Bytes) {
        if bytes.len() <= LARGEST_MANIFEST {
            self.inner
                .manifests
                .insert_if(digest.to_owned(), bytes, || self.listening());
        }
    }

    /// Forgets everything resolved in one repository.
    pub fn forget_repository(&self, repository_id: i64) {
        self.inner.epoch.fetch_add(1, Ordering::AcqRel);
        self.inner
            .tags
            .retain(|row| row.repository_id != repository_id);
        self.inner
            .digests
            .retain(|row| row.repository_id != repository_id);
    }

    /// Commits a transaction that changed what pulls resolve, then forgets
    /// everything, so this replica's next pull reads the change (other
    /// replicas hear of it from the triggers).
    pub async fn commit(
        &self,
        tx: sqlx::Transaction<'_, sqlx::Postgres>,
    ) -> Result<(), sqlx::Error> {
        tx.commit().await?;
        self.forget_all();
        Ok(())
    }

    /// Forgets everything but manifest bytes.
    pub fn forget_all(&self) {
        self.inner.epoch.fetch_add(1, Ordering::AcqRel);
        self.inner.projects.clear();
        self.inner.tags.clear();
        self.inner.digests.clear();
    }

    fn apply(&self, payload: &str) {
        match payload.strip_prefix('r').and_then(|id| id.parse().ok()) {
            Some(repository_id) => self.forget_repository(repository_id),
            // Projects change rarely; anything unexpected forgets all.
            None => self.forget_all(),
        }
    }

    /// Holds a listening connection for as long as the process runs,
    /// reconnecting when it drops; caching is on only while it is held.
    pub async fn listen(self, pool: PgPool) {
        loop {
            match subscribe(&pool).await {
                Ok(mut listener) => {
                    self.forget_all();
                    self.inner.listening.store(true, Ordering::Release);
                    loop {
                        match tokio::time::timeout(QUIET, listener.try_recv()).await {
                            Ok(Ok(Some(notification))) => self.apply(notification.payload()),
                            Ok(Ok(None) | Err(_)) => break,
                            // A half-open connection (a failover, a dropped
                            // idle flow) never reports itself: ask it.
                            Err(_quiet) => {
                                let ping = sqlx::query("SELECT 1").execute(&mut listener);
                                if !matches!(tokio::time::timeout(PING, ping).await, Ok(Ok(_))) {
                                    break;
                                }
                            }
                        }
                    }
                    self.inner.listening.store(false, Ordering::Release);
                    self.forget_all();
                    tracing::warn!(
                        "lost the change notification connection; resolving from the database until it is back"
                    );
                }
                Err(err) => tracing::debug!(error = %err, "cannot listen for registry changes yet"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

impl Default for Resolutions {
    fn default() -> Self {
        Self::new()
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// A map bounded by total weight.
struct Map<K, V> {
    entries: Mutex<(HashMap<K, V>, usize)>,
    capacity: usize,
    weigh: fn(&V) -> usize,
}

impl<K: Eq + Hash, V: Clone> Map<K, V> {
    fn new(capacity: usize, weigh: fn(&V) -> usize) -> Self {
        Self {
            entries: Mutex::new((HashMap::new(), 0)),
            capacity,
            weigh,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<K, V>, usize)> {
        // A panic elsewhere while holding the lock leaves a map that is
        // still consistent (every operation is a single map call).
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.lock().0.get(key).cloned()
    }

    /// Inserts unless `still_valid`, asked under the lock, says no.
    fn insert_if(&self, key: K, value: V, still_valid: impl FnOnce() -> bool) {
        let weight = (self.weigh)(&value);
        let mut guard = self.lock();
        if !still_valid() {
            return;
        }
        let (map, total) = &mut *guard;
        if *total + weight > self.capacity {
            map.clear();
            *total = 0;
        }
        if let Some(old) = map.insert(key, value) {
            *total -= (self.weigh)(&old);
        }
        *total += weight;
    }

    fn retain(&self, keep: impl Fn(&V) -> bool) {
        let mut guard = self.lock();
        let (map, total) = &mut *guard;
        map.retain(|_, value| keep(value));
        *total = map.values().map(self.weigh).sum();
    }

    fn clear(&self) {
        let mut guard = self.lock();
        guard.0.clear();
        guard.1 = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, repository_id: i64) -> Arc<ArtifactRow> {
        Arc::new(ArtifactRow {
            id,
            repository_id,
            digest: format!("sha256:{id:064x}"),
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            artifact_type: None,
            size: 1,
            annotations: None,
        })
    }

    fn listening() -> Resolutions {
        let resolutions = Resolutions::new();
        resolutions.inner.listening.store(true, Ordering::Release);
        resolutions
    }

    #[test]
    fn nothing_is_stored_without_the_listening_connection() {
        let resolutions = Resolutions::new();
        resolutions.remember_tag(resolutions.fill(), "p/r", "t", row(1, 1));
        assert!(resolutions.tag("p/r", "t").is_none());
    }

    #[test]
    fn a_load_that_raced_a_change_is_not_stored() {
        let resolutions = listening();
        let fill = resolutions.fill();
        resolutions.apply("r7");
        resolutions.remember_tag(fill, "p/r", "t", row(1, 7));
        assert!(resolutions.tag("p/r", "t").is_none());
        resolutions.remember_tag(resolutions.fill(), "p/r", "t", row(1, 7));
        assert_eq!(resolutions.tag("p/r", "t").unwrap().id, 1);
    }

    #[test]
    fn a_change_forgets_its_repository_only() {
        let resolutions = listening();
        let fill = resolutions.fill();
        resolutions.remember_tag(fill, "p/a", "t", row(1, 1));
        resolutions.remember_digest(fill, "p/a", row(1, 1));
        resolutions.remember_tag(fill, "p/b", "t", row(2, 2));
        resolutions.remember_project(fill, "p", 9);
        resolutions.apply("r1");
        assert!(resolutions.tag("p/a", "t").is_none());
        assert!(resolutions.digest("p/a", &row(1, 1).digest).is_none());
        assert_eq!(resolutions.tag("p/b", "t").unwrap().id, 2);
        assert_eq!(resolutions.project("p"), Some(9));
        resolutions.apply("p");
        assert!(resolutions.project("p").is_none());
        assert!(resolutions.tag("p/b", "t").is_none());
    }

    #[test]
    fn maps_stay_within_their_weight() {
        let map: Map<String, Bytes> = Map::new(10, Bytes::len);
        map.insert_if("a".into(), Bytes::from_static(b"123456"), || true);
        map.insert_if("b".into(), Bytes::from_static(b"123456"), || true);
        assert!(map.get("a").is_none(), "the full map was emptied first");
        assert_eq!(map.get("b").unwrap().len(), 6);
        map.insert_if("c".into(), Bytes::from_static(b"1"), || false);
        assert!(map.get("c").is_none());
        map.insert_if("b".into(), Bytes::from_static(b"12"), || true);
        assert_eq!(map.lock().1, 2);
    }
}
