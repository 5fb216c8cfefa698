//! Brute-force protection: failed sign-ins are counted per name and per
//! source address in Redis; past the threshold within the window, that name
//! or address is refused for a cool-down, which always ends.
//!
//! Redis holds only counters. When it is unreachable, sign-ins proceed
//! unthrottled (logged) rather than locking everyone out.

use berth_platform::Redis;
use redis::AsyncCommands;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub window: Duration,
    pub cooldown: Duration,
}

/// What tripped, for the audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Name(String),
    Address(String),
}

impl Subject {
    fn key(&self, redis: &Redis, kind: &str) -> String {
        match self {
            Subject::Name(name) => redis.key(&format!("login:{kind}:name:{name}")),
            Subject::Address(address) => redis.key(&format!("login:{kind}:addr:{address}")),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Subject::Name(name) => format!("name {name}"),
            Subject::Address(address) => format!("address {address}"),
        }
    }
}

fn subjects(name: &str, address: Option<&str>) -> Vec<Subject> {
    let mut subjects = vec![Subject::Name(name.to_owned())];
    if let Some(address) = address {
        subjects.push(Subject::Address(address.to_owned()));
    }
    subjects
}

/// What Redis holds about a sign-in before its credentials are checked,
/// read in one round trip: a cool-down, whether failures are counted
/// against the name (only then does a success clear them), and the account
/// version this exact credential was last verified for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recalled {
    pub locked_for: Option<u64>,
    pub has_failures: bool,
    pub verified_version: Option<i64>,
}

pub async fn recall(
    redis: &Redis,
    name: &str,
    address: Option<&str>,
    credential_key: &str,
) -> Recalled {
    // Without Redis a success still tries to clear failures; nothing else
    // is known.
    let unknown = Recalled {
        has_failures: true,
        ..Recalled::default()
    };
    let mut conn = match redis.connection().await {
        Ok(conn) => conn,
        Err(err) => {
            tracing::warn!(error = %err, "sign-in throttling unavailable");
            return unknown;
        }
    };
    let lock_keys: Vec<String> = subjects(name, address)
        .iter()
        .map(|subject| subject.key(redis, "locked"))
        .collect();
    let mut pipe = redis::pipe();
    for key in &lock_keys {
        pipe.ttl(key);
    }
    pipe.exists(Subject::Name(name.to_owned()).key(redis, "failures"))
        .get(credential_key);
    let answer: Result<Vec<redis::Value>, _> = pipe.query_async(&mut conn).await;
    match answer {
        Ok(values) => {
            let int = |value: &redis::Value| {
                redis::from_redis_value::<Option<i64>>(value.clone())
                    .ok()
                    .flatten()
            };
            let (ttls, rest) = values.split_at(lock_keys.len().min(values.len()));
            Recalled {
                locked_for: ttls
                    .iter()
                    .filter_map(int)
                    .filter(|t| *t > 0)
                    .max()
                    .map(|t| t as u64),
                has_failures: rest.first().and_then(int).is_none_or(|n| n > 0),
                verified_version: rest.get(1).and_then(int),
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "sign-in throttling unavailable");
            unknown
        }
    }
}

/// Counts a failure; returns what became locked by it.
pub async fn record_failure(
    redis: &Redis,
    policy: LockoutPolicy,
    name: &str,
    address: Option<&str>,
) -> Vec<Subject> {
    let mut conn = match redis.connection().await {
        Ok(conn) => conn,
        Err(err) => {
            tracing::warn!(error = %err, "sign-in throttling unavailable");
            return Vec::new();
        }
    };
    let mut locked = Vec::new();
    for subject in subjects(name, address) {
        let counter = subject.key(redis, "failures");
        // The window starts at the first failure and is not extended.
        let counted: Result<(Option<String>, u32), _> = redis::pipe()
            .atomic()
            .set_options(
                &counter,
                0,
                redis::SetOptions::default()
                    .conditional_set(redis::ExistenceCheck::NX)
                    .with_expiration(redis::SetExpiry::EX(policy.window.as_secs())),
            )
            .incr(&counter, 1)
            .query_async(&mut conn)
            .await;
        match counted {
            Ok((_, count)) if count >= policy.threshold => {
                let lock: Result<(), _> = redis::pipe()
                    .atomic()
                    .set_ex(subject.key(redis, "locked"), 1, policy.cooldown.as_secs())
                    .del(&counter)
                    .query_async(&mut conn)
                    .await;
                match lock {
                    Ok(()) => locked.push(subject),
                    Err(err) => tracing::warn!(error = %err, "could not record a sign-in lockout"),
                }
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "sign-in throttling unavailable"),
        }
    }
    locked
}

/// A successful sign-in clears the name's failure count.
pub async fn record_success(redis: &Redis, name: &str) {
    if let Ok(mut conn) = redis.connection().await {
        let key = Subject::Name(name.to_owned()).key(redis, "failures");
        let cleared: Result<(), _> = conn.del(key).await;
        if let Err(err) = cleared {
            tracing::warn!(error = %err, "could not clear the sign-in failure count");
        }
    }
}
