//! Blob bytes over `object_store`. Every key is built in [`layout`]; a blob
//! appears at its digest's key only after its bytes were hashed and matched,
//! so a reader can never see a partial or wrong blob there.

pub mod layout;

use berth_types::{Digest, DigestAlgorithm};
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::{
    GetOptions, GetRange, GetResult, GetResultPayload, ObjectStore, ObjectStoreExt, PutPayload,
    WriteMultipart,
};
use sha2::Digest as _;
use std::ops::Range;
use std::sync::Arc;

/// Multipart part size: above S3's 5 MiB minimum, small enough to bound
/// memory per upload.
const PART_SIZE: usize = 8 * 1024 * 1024;
/// How many ready pieces of a read are sent as one.
const READ_COALESCE: usize = 32;
/// Local file reads take 1 MiB while the budget below has room (a gigabyte
/// is then a thousand reads, each a trip to the blocking pool), and 64 KiB
/// outside it, so many concurrent downloads hold little memory. Small reads
/// never wait for the budget: clients that stop reading must not stall
/// everyone else's downloads.
const LARGE_READ: usize = 1024 * 1024;
const SMALL_READ: usize = 64 * 1024;
/// Large read buffers in flight across all downloads of the process, in
/// KiB; a buffer counts until the HTTP layer has sent it and dropped it.
const READ_BUDGET_KIB: usize = 48 * 1024;

fn read_budget() -> &'static Arc<tokio::sync::Semaphore> {
    static BUDGET: std::sync::OnceLock<Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    BUDGET.get_or_init(|| Arc::new(tokio::sync::Semaphore::new(READ_BUDGET_KIB)))
}

/// A read buffer with its share of the budget, if it took one, given back
/// when the bytes are dropped.
struct Budgeted {
    bytes: bytes::BytesMut,
    _share: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl AsRef<[u8]> for Budgeted {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

/// Who consumes a local read: the budget is for bytes that wait on
/// clients' sockets; the server's own copies (assembling an upload's chunks)
/// are consumed as fast as they are read and bounded by the write they feed.
#[derive(Clone, Copy)]
enum Reads {
    ToClients,
    Internal,
}

/// How much to read next of `remaining` bytes, and the budget share that
/// pays for it.
fn budgeted_read(remaining: u64) -> (usize, Option<tokio::sync::OwnedSemaphorePermit>) {
    let large = remaining.min(LARGE_READ as u64) as usize;
    let kib = large.div_ceil(1024) as u32;
    match read_budget().clone().try_acquire_many_owned(kib) {
        Ok(share) => (large, Some(share)),
        Err(_) => (large.min(SMALL_READ), None),
    }
}

/// The bytes `range` of a local file, read in large pieces.
fn file_stream(
    file: std::fs::File,
    range: std::ops::Range<u64>,
    reads: Reads,
) -> BoxStream<'static, Result<Bytes, StorageError>> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let file = tokio::fs::File::from_std(file);
    let state = (file, range.start, range.end - range.start, false);
    futures::stream::try_unfold(
        state,
        move |(mut file, start, remaining, positioned)| async move {
            if remaining == 0 {
                return Ok(None);
            }
            let io = |e: std::io::Error| {
                StorageError::Backend(object_store::Error::Generic {
                    store: "LocalFileSystem",
                    source: Box::new(e),
                })
            };
            if !positioned {
                file.seek(std::io::SeekFrom::Start(start))
                    .await
                    .map_err(io)?;
            }
            let (want, share) = match reads {
                Reads::ToClients => budgeted_read(remaining),
                Reads::Internal => (remaining.min(LARGE_READ as u64) as usize, None),
            };
            let mut buffer = bytes::BytesMut::with_capacity(want);
            while buffer.len() < want {
                let read = (&mut file)
                    .take((want - buffer.len()) as u64)
                    .read_buf(&mut buffer)
                    .await
                    .map_err(io)?;
                if read == 0 {
                    return Err(io(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "blob file is shorter than its recorded size",
                    )));
                }
            }
            let chunk = Bytes::from_owner(Budgeted {
                bytes: buffer,
                _share: share,
            });
            let left = remaining - chunk.len() as u64;
            Ok(Some((chunk, (file, start, left, true))))
        },
    )
    .boxed()
}
/// Parts in flight per write.
const PARTS_IN_FLIGHT: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("content does not match digest {expected}: it hashes to {actual}")]
    DigestMismatch { expected: Digest, actual: Digest },
    #[error("blob {0} is not in storage")]
    NotFound(String),
    #[error("range {start}-{end} is outside the blob's {size} bytes")]
    RangeNotSatisfiable { start: u64, end: u64, size: u64 },
    #[error("reading the request body failed: {0}")]
    Body(String),
    #[error("blob {digest} has {size} bytes, more than the {limit} read into memory")]
    TooLarge {
        digest: Digest,
        size: u64,
        limit: u64,
    },
    /// The filesystem (or a quota on it) has no room: the client can retry
    /// once an operator has freed space.
    #[error("storage is full: {0}")]
    Full(object_store::Error),
    #[error("object store: {0}")]
    Backend(object_store::Error),
}

impl From<object_store::Error> for StorageError {
    fn from(err: object_store::Error) -> Self {
        if is_out_of_space(&err) {
            StorageError::Full(err)
        } else {
            StorageError::Backend(err)
        }
    }
}

/// ENOSPC or EDQUOT anywhere in the error's chain of causes.
fn is_out_of_space(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(cause) = current {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            )
        {
            return true;
        }
        current = cause.source();
    }
    false
}

enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(algorithm: DigestAlgorithm) -> Self {
        match algorithm {
            DigestAlgorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            DigestAlgorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    fn finish(self) -> Digest {
        match self {
            Hasher::Sha256(h) => Digest::from_raw(DigestAlgorithm::Sha256, &h.finalize()),
            Hasher::Sha512(h) => Digest::from_raw(DigestAlgorithm::Sha512, &h.finalize()),
        }
        .expect("hash output has the algorithm's length")
    }
}

/// Computes a digest of bytes in memory (manifests).
pub fn digest_of(algorithm: DigestAlgorithm, data: &[u8]) -> Digest {
    let mut hasher = Hasher::new(algorithm);
    hasher.update(data);
    hasher.finish()
}

/// Copies a body into a multipart writer with bounded buffering, feeding
/// the hasher when there is one. The caller finishes or aborts the writer.
async fn pump<S, E>(
    writer: &mut WriteMultipart,
    body: S,
    mut hasher: Option<&mut Hasher>,
) -> Result<u64, StorageError>
where
    S: futures::Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let mut size = 0u64;
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|err| StorageError::Body(err.to_string()))?;
        if let Some(hasher) = hasher.as_deref_mut() {
            hasher.update(&chunk);
        }
        size += chunk.len() as u64;
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        writer.put(chunk);
    }
    Ok(size)
}

/// An object's bytes in pieces large enough to move efficiently.
fn payload_stream(
    result: GetResult,
    reads: Reads,
) -> BoxStream<'static, Result<Bytes, StorageError>> {
    match result.payload {
        GetResultPayload::File(file, _) => file_stream(file, result.range, reads),
        // Remote backends yield small pieces; sending each as its own
        // write costs more than copying them into larger ones.
        GetResultPayload::Stream(stream) => stream
            .map_err(StorageError::from)
            .ready_chunks(READ_COALESCE)
            .map(|pieces| {
                let pieces: Vec<Bytes> = pieces.into_iter().collect::<Result<_, _>>()?;
                Ok(match pieces.len() {
                    1 => pieces.into_iter().next().expect("one piece"),
                    _ => Bytes::from(pieces.concat()),
                })
            })
            .boxed(),
    }
}

/// A ranged read: the blob's total size, the served range, and the bytes.
pub struct BlobRead {
    pub size: u64,
    pub range: Range<u64>,
    pub body: BoxStream<'static, Result<Bytes, StorageError>>,
}

#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
}

impl BlobStore {
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// The blob's size, or `None` when it is not stored.
    pub async fn size(&self, digest: &Digest) -> Result<Option<u64>, StorageError> {
        match self.store.head(&layout::blob(digest)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Streams a blob, or the inclusive byte range `first..=last` of it.
    pub async fn read(
        &self,
        digest: &Digest,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<BlobRead, StorageError> {
        let location = layout::blob(digest);
        let size = self
            .size(digest)
            .await?
            .ok_or_else(|| StorageError::NotFound(digest.to_string()))?;
        let served = match range {
            None => 0..size,
            Some((first, last)) => {
                let end = last.map(|l| l.saturating_add(1)).unwrap_or(size).min(size);
                if first >= size || first >= end {
                    return Err(StorageError::RangeNotSatisfiable {
                        start: first,
                        end: last.unwrap_or(size),
                        size,
                    });
                }
                first..end
            }
        };
        if served.is_empty() {
            return Ok(BlobRead {
                size,
                range: served,
                body: futures::stream::empty().boxed(),
            });
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(served.clone())),
            ..GetOptions::default()
        };
        let body = payload_stream(
            self.store.get_opts(&location, options).await?,
            Reads::ToClients,
        );
        Ok(BlobRead {
            size,
            range: served,
            body,
        })
    }

    /// Streams `body` to the blob's key, hashing as it goes. The object
    /// becomes visible only if the content matches `expected`; otherwise the
    /// partial upload is discarded. Bodies smaller than one part are sent in
    /// a single request, which saves object stores two round trips.
    pub async fn write_verified<S, E>(
        &self,
        expected: &Digest,
        body: S,
    ) -> Result<u64, StorageError>
    where
        S: futures::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let location = layout::blob(expected);
        let mut hasher = Hasher::new(expected.algorithm());
        let mut body = Box::pin(body);
        let mut head = Vec::new();
        let mut head_len = 0usize;
        while head_len < PART_SIZE {
            match body.next().await {
                Some(Ok(chunk)) => {
                    hasher.update(&chunk);
                    head_len += chunk.len();
                    head.push(chunk);
                }
                Some(Err(err)) => return Err(StorageError::Body(err.to_string())),
                None => {
                    let actual = hasher.finish();
                    if actual != *expected {
                        return Err(StorageError::DigestMismatch {
                            expected: expected.clone(),
                            actual,
                        });
                    }
                    let payload: PutPayload = head.into_iter().collect();
                    self.store.put(&location, payload).await?;
                    return Ok(head_len as u64);
                }
            }
        }
        let upload = self.store.put_multipart(&location).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        for chunk in head {
            writer.put(chunk);
        }
        let size = match pump(&mut writer, body, Some(&mut hasher)).await {
            Ok(size) => size + head_len as u64,
            Err(err) => {
                let _ = writer.abort().await;
                return Err(err);
            }
        };
        let actual = hasher.finish();
        if actual != *expected {
            writer.abort().await?;
            return Err(StorageError::DigestMismatch {
                expected: expected.clone(),
                actual,
            });
        }
        writer.finish().await?;
        Ok(size)
    }

    /// Streams one chunk of an upload session to its own object and returns
    /// its length. A failed chunk leaves nothing behind.
    pub async fn write_chunk<S, E>(
        &self,
        upload: uuid::Uuid,
        index: u32,
        body: S,
    ) -> Result<u64, StorageError>
    where
        S: futures::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let target = self
            .store
            .put_multipart(&layout::upload_chunk(upload, index))
            .await?;
        let mut writer = WriteMultipart::new_with_chunk_size(target, PART_SIZE);
        match pump(&mut writer, body, None).await {
            Ok(size) => {
                writer.finish().await?;
                Ok(size)
            }
            Err(err) => {
                let _ = writer.abort().await;
                Err(err)
            }
        }
    }

    /// Assembles an upload's chunks into the blob, verified like any write.
    pub async fn assemble(
        &self,
        upload: uuid::Uuid,
        chunks: u32,
        expected: &Digest,
    ) -> Result<u64, StorageError> {
        let store = self.store.clone();
        let parts = futures::stream::iter(0..chunks)
            .then(move |index| {
                let store = store.clone();
                async move { store.get(&layout::upload_chunk(upload, index)).await }
            })
            .map_err(StorageError::from)
            .map_ok(|result| payload_stream(result, Reads::Internal))
            .try_flatten();
        self.write_verified(expected, parts).await
    }

    /// Removes an upload's chunks (after completion, cancellation or expiry).
    pub async fn delete_upload(&self, upload: uuid::Uuid) -> Result<(), StorageError> {
        let prefix = layout::upload_prefix(upload);
        let locations = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .boxed();
        self.store
            .delete_stream(locations)
            .try_collect::<Vec<_>>()
            .await?;
        Ok(())
    }

    /// Stores small content already in memory (a manifest), verified.
    pub async fn put_verified(&self, expected: &Digest, data: Bytes) -> Result<(), StorageError> {
        let actual = digest_of(expected.algorithm(), &data);
        if actual != *expected {
            return Err(StorageError::DigestMismatch {
                expected: expected.clone(),
                actual,
            });
        }
        self.store
            .put(&layout::blob(expected), PutPayload::from_bytes(data))
            .await?;
        Ok(())
    }

    /// Reads small content whole (a manifest).
    /// A blob read whole into memory, refused without reading it when it
    /// is larger than `limit` (the size is asked first: a descriptor's
    /// claimed size is not to be trusted).
    pub async fn get_bytes_at_most(
        &self,
        digest: &Digest,
        limit: u64,
    ) -> Result<Bytes, StorageError> {
        let size = self
            .size(digest)
            .await?
            .ok_or_else(|| StorageError::NotFound(digest.to_string()))?;
        if size > limit {
            return Err(StorageError::TooLarge {
                digest: digest.clone(),
                size,
                limit,
            });
        }
        self.get_bytes(digest).await
    }

    pub async fn get_bytes(&self, digest: &Digest) -> Result<Bytes, StorageError> {
        match self.store.get(&layout::blob(digest)).await {
            Ok(result) => Ok(result.bytes().await?),
            Err(object_store::Error::NotFound { .. }) => {
                Err(StorageError::NotFound(digest.to_string()))
            }
            Err(err) => Err(err.into()),
        }
    }
}

#[cfg(test)]
mod read_budget_tests {
    use super::*;

    #[test]
    fn large_reads_while_the_budget_lasts_then_small_ones_without_waiting() {
        let (size, share) = budgeted_read(10 << 20);
        assert_eq!(size, LARGE_READ);
        assert!(share.is_some());
        let (size, share) = budgeted_read(5000);
        assert_eq!((size, share.map(|s| s.num_permits())), (5000, Some(5)));
        let available = read_budget().available_permits() as u32;
        let rest = read_budget()
            .clone()
            .try_acquire_many_owned(available)
            .unwrap();
        assert_eq!(budgeted_read(10 << 20).0, SMALL_READ);
        assert!(budgeted_read(10 << 20).1.is_none());
        drop(rest);
        assert_eq!(budgeted_read(10 << 20).0, LARGE_READ);
    }
}
