//! One suite, run against every backend: the local filesystem, and the
//! S3-compatible server that scripts/test.sh starts.

use berth_storage::{BlobStore, StorageError, digest_of};
use berth_types::{Digest, DigestAlgorithm};
use bytes::Bytes;
use futures::TryStreamExt;
use object_store::ObjectStore;
use std::sync::Arc;

fn chunks(
    data: &[u8],
    size: usize,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
    let parts: Vec<Result<Bytes, std::io::Error>> = data
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures::stream::iter(parts)
}

/// Deterministic, incompressible-looking test data.
fn data(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

async fn read_all(
    store: &BlobStore,
    digest: &Digest,
    range: Option<(u64, Option<u64>)>,
) -> Vec<u8> {
    let read = store.read(digest, range).await.unwrap();
    read.body
        .try_fold(Vec::new(), |mut acc, b| async move {
            acc.extend_from_slice(&b);
            Ok(acc)
        })
        .await
        .unwrap()
}

async fn suite(backend: Arc<dyn ObjectStore>) {
    let store = BlobStore::new(backend.clone());

    // A multi-part streamed write (over 8 MiB) that verifies and reads back.
    let big = data(9 * 1024 * 1024 + 123);
    let digest = digest_of(DigestAlgorithm::Sha256, &big);
    assert_eq!(store.size(&digest).await.unwrap(), None);
    let written = store
        .write_verified(&digest, chunks(&big, 64 * 1024))
        .await
        .unwrap();
    assert_eq!(written, big.len() as u64);
    assert_eq!(store.size(&digest).await.unwrap(), Some(big.len() as u64));
    assert_eq!(read_all(&store, &digest, None).await, big);
    assert_eq!(
        read_all(&store, &digest, Some((10, Some(19)))).await,
        &big[10..20]
    );
    assert_eq!(
        read_all(&store, &digest, Some((big.len() as u64 - 5, None))).await,
        &big[big.len() - 5..]
    );
    let past_end = store.read(&digest, Some((big.len() as u64, None))).await;
    assert!(matches!(
        past_end,
        Err(StorageError::RangeNotSatisfiable { .. })
    ));

    // A mismatch commits nothing at the claimed digest.
    let claimed = digest_of(DigestAlgorithm::Sha256, b"something else");
    let err = store
        .write_verified(&claimed, chunks(&data(1000), 100))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::DigestMismatch { .. }), "{err}");
    assert_eq!(store.size(&claimed).await.unwrap(), None);

    // A body that fails midway commits nothing either.
    let failing = futures::stream::iter(vec![
        Ok(Bytes::from_static(b"partial")),
        Err(std::io::Error::other("client went away")),
    ]);
    let partial = digest_of(DigestAlgorithm::Sha256, b"partial");
    assert!(matches!(
        store.write_verified(&partial, failing).await,
        Err(StorageError::Body(_))
    ));
    assert_eq!(store.size(&partial).await.unwrap(), None);

    // Empty blobs and sha512.
    let empty = digest_of(DigestAlgorithm::Sha256, b"");
    store.write_verified(&empty, chunks(b"", 1)).await.unwrap();
    assert_eq!(store.size(&empty).await.unwrap(), Some(0));
    assert!(read_all(&store, &empty, None).await.is_empty());
    let sha512 = digest_of(DigestAlgorithm::Sha512, b"five-twelve");
    store
        .write_verified(&sha512, chunks(b"five-twelve", 3))
        .await
        .unwrap();
    assert_eq!(read_all(&store, &sha512, None).await, b"five-twelve");

    // Chunked upload sessions assemble in order and clean up.
    let upload = uuid::Uuid::new_v4();
    let payload = data(300_000);
    for (index, part) in payload.chunks(100_000).enumerate() {
        let written = store
            .write_chunk(upload, index as u32, chunks(part, 30_000))
            .await
            .unwrap();
        assert_eq!(written, part.len() as u64);
    }
    let assembled = digest_of(DigestAlgorithm::Sha256, &payload);
    assert_eq!(
        store.assemble(upload, 3, &assembled).await.unwrap(),
        300_000
    );
    assert_eq!(read_all(&store, &assembled, None).await, payload);
    store.delete_upload(upload).await.unwrap();
    let left: Vec<_> = backend
        .list(Some(&berth_storage::layout::upload_prefix(upload)))
        .try_collect()
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");

    // Manifests: small verified puts.
    let manifest = Bytes::from_static(br#"{"schemaVersion":2}"#);
    let manifest_digest = digest_of(DigestAlgorithm::Sha256, &manifest);
    store
        .put_verified(&manifest_digest, manifest.clone())
        .await
        .unwrap();
    assert_eq!(store.get_bytes(&manifest_digest).await.unwrap(), manifest);
    assert!(store.put_verified(&claimed, manifest).await.is_err());

    // Bounded whole reads: refused by size, before reading, when too large.
    let limit = manifest_digest.to_string().len() as u64;
    assert!(
        store
            .get_bytes_at_most(&manifest_digest, 1024)
            .await
            .is_ok()
    );
    assert!(matches!(
        store.get_bytes_at_most(&digest, limit).await,
        Err(berth_storage::StorageError::TooLarge { .. })
    ));
    assert!(matches!(
        store.get_bytes_at_most(&claimed, 1024).await,
        Err(berth_storage::StorageError::NotFound(_))
    ));
}

#[tokio::test]
async fn local_filesystem() {
    let dir = tempfile::tempdir().unwrap();
    let backend = object_store::local::LocalFileSystem::new_with_prefix(dir.path())
        .unwrap()
        .with_automatic_cleanup(true)
        .with_fsync(true);
    suite(Arc::new(backend)).await;
    // No staging file is left behind by the aborted writes.
    let stray: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("/blobs/"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn s3_compatible() {
    let Ok(endpoint) = std::env::var("BERTH_TEST_S3_ENDPOINT") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "scripts/test.sh must provide BERTH_TEST_S3_ENDPOINT in CI"
        );
        return;
    };
    let bucket = std::env::var("BERTH_TEST_S3_BUCKET").unwrap_or_else(|_| "berth-test".into());
    let backend = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_bucket_name(bucket)
        .with_region("us-east-1")
        .with_access_key_id("berth-test")
        .with_secret_access_key("berth-test-secret")
        .build()
        .unwrap();
    // A short prefix: s3s-fs keeps multipart metadata in one file whose name
    // encodes the whole key, and file names stop at 255 bytes.
    let prefix = format!("c-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let prefixed = object_store::prefix::PrefixStore::new(backend, prefix);
    suite(Arc::new(prefixed)).await;
}
