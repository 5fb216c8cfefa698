//! The object store behind every blob, built from `storage_url`.
//!
//! This module only opens the store. The key layout and streaming blob
//! operations belong to the storage crate that the registry brings.

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::signer::{Method, Signer, Url};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{StorageConfig, StorageUrl};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create the storage directory {path}: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the object store: {0}")]
    Open(#[source] object_store::Error),
    #[error("storage probe failed: {0}")]
    Probe(#[source] object_store::Error),
    #[error("cannot presign a URL: {0}")]
    Sign(#[source] object_store::Error),
}

/// A shared handle to the configured object store.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    description: Arc<str>,
    /// Present for stores that can hand out presigned URLs, with the key
    /// prefix the store adds.
    signer: Option<(Arc<dyn Signer>, Arc<str>)>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("store", &self.description)
            .finish()
    }
}

impl Storage {
    pub fn open(config: &StorageConfig) -> Result<Self, StorageError> {
        match &config.url {
            StorageUrl::Filesystem(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
                // fsync before rename: a blob that was acknowledged survives
                // a power cut.
                let store = LocalFileSystem::new_with_prefix(dir)
                    .map_err(StorageError::Open)?
                    .with_automatic_cleanup(true)
                    .with_fsync(true);
                Ok(Self {
                    store: Arc::new(store),
                    description: format!("file://{}", dir.display()).into(),
                    signer: None,
                })
            }
            StorageUrl::S3 { bucket, prefix } => {
                let s3 = &config.s3;
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_virtual_hosted_style_request(!s3.path_style);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint.as_str().trim_end_matches('/'))
                        .with_allow_http(endpoint.scheme() == "http");
                }
                if let Some(region) = &s3.region {
                    builder = builder.with_region(region);
                }
                if let Some(key) = &s3.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &s3.secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose_secret());
                }
                let store = Arc::new(builder.build().map_err(StorageError::Open)?);
                let description = format!("s3://{bucket}/{prefix}");
                let signer: Arc<dyn Signer> = store.clone();
                let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    store
                } else {
                    Arc::new(PrefixStore::new(store, prefix.as_str()))
                };
                Ok(Self {
                    store,
                    description: description.into(),
                    signer: Some((signer, prefix.as_str().into())),
                })
            }
        }
    }

    /// A time-limited URL that reads `location` straight from the object
    /// store, for stores that support it (S3 and compatibles).
    pub async fn presigned_get(
        &self,
        location: &ObjectPath,
        ttl: Duration,
    ) -> Result<Option<Url>, StorageError> {
        let Some((signer, prefix)) = &self.signer else {
            return Ok(None);
        };
        let full = if prefix.is_empty() {
            location.clone()
        } else {
            ObjectPath::from(format!("{prefix}/{location}"))
        };
        signer
            .signed_url(Method::GET, &full, ttl)
            .await
            .map(Some)
            .map_err(StorageError::Sign)
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// Writes, reads back and deletes a small object: proves the store accepts
    /// writes, not merely that it answers.
    pub async fn probe(&self) -> Result<(), StorageError> {
        let location = ObjectPath::from(format!("_health/{}", uuid::Uuid::new_v4()));
        let payload = PutPayload::from_static(b"berth health probe");
        self.store
            .put(&location, payload)
            .await
            .map_err(StorageError::Probe)?;
        let read = self
            .store
            .get(&location)
            .await
            .map_err(StorageError::Probe)?
            .bytes()
            .await;
        let deleted = self.store.delete(&location).await;
        read.map_err(StorageError::Probe)?;
        deleted.map_err(StorageError::Probe)
    }
}
