//! A short-lived memory of verified credentials, so a CI job that requests a
//! token per push does not pay for argon2 every time.
//!
//! Entries are keyed by a SHA-256 of (kind, name, secret) and hold the
//! account's credential version at verification. The account row is still
//! read on every request and the versions must match, so a password change,
//! secret refresh, disable or delete takes effect at once; the cache only
//! ever skips the hash computation. Redis being down just means no cache.

use berth_platform::Redis;
use redis::AsyncCommands;
use sha2::{Digest, Sha256};
use std::time::Duration;

const TTL: Duration = Duration::from_secs(120);

pub fn key(redis: &Redis, kind: &str, name: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [kind, name, secret] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    redis.key(&format!("cred:{}", hex::encode(hasher.finalize())))
}

/// Whether this exact credential was verified for this account version;
/// the stored version is read with the sign-in's other Redis state
/// ([`crate::lockout::recall`]).
pub fn still_valid(stored: Option<i64>, version: i64) -> bool {
    stored == Some(version)
}

pub async fn remember(redis: &Redis, kind: &str, name: &str, secret: &str, version: i64) {
    if let Ok(mut conn) = redis.connection().await {
        let stored: Result<(), _> = conn
            .set_ex(key(redis, kind, name, secret), version, TTL.as_secs())
            .await;
        if let Err(err) = stored {
            tracing::debug!(error = %err, "credential cache write failed");
        }
    }
}
