//! Web-console sessions: an opaque id in an HTTP-only, SameSite cookie,
//! backed by Redis, with a CSRF token that state-changing requests must echo
//! in a header. Losing Redis logs people out; it loses no data.

use berth_http::{ApiError, ErrorCode, Failure};
use berth_platform::Redis;
use rand::RngExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const COOKIE: &str = "sid";
/// Harbor's header name, so its console and scripts carry over.
pub const CSRF_HEADER: &str = "X-Harbor-CSRF-Token";
pub const TTL: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user_id: i64,
    pub csrf: String,
    /// The user's credential version at sign-in: a password change or a
    /// change of administrator role ends every session.
    pub credential_version: i64,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes[..]);
    hex::encode(bytes)
}

fn key(redis: &Redis, id: &str) -> String {
    redis.key(&format!("session:{id}"))
}

fn unavailable(err: impl std::fmt::Display) -> Failure {
    Failure::Unavailable(format!("session store: {err}"))
}

/// Stores a new session and returns its id.
pub async fn create(
    redis: &Redis,
    user_id: i64,
    credential_version: i64,
) -> Result<(String, Session), Failure> {
    let id = random_token();
    let session = Session {
        user_id,
        csrf: random_token(),
        credential_version,
    };
    let mut conn = redis.connection().await.map_err(unavailable)?;
    let value = serde_json::to_string(&session).map_err(Failure::internal)?;
    let _: () = conn
        .set_ex(key(redis, &id), value, TTL.as_secs())
        .await
        .map_err(unavailable)?;
    Ok((id, session))
}

/// Looks a session up and extends it (sliding expiry).
pub async fn load(redis: &Redis, id: &str) -> Result<Option<Session>, Failure> {
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let mut conn = redis.connection().await.map_err(unavailable)?;
    let value: Option<String> = conn
        .get_ex(key(redis, id), redis::Expiry::EX(TTL.as_secs()))
        .await
        .map_err(unavailable)?;
    Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
}

pub async fn destroy(redis: &Redis, id: &str) -> Result<(), Failure> {
    let mut conn = redis.connection().await.map_err(unavailable)?;
    let _: () = conn.del(key(redis, id)).await.map_err(unavailable)?;
    Ok(())
}

/// Compares the CSRF header with the session's token in constant time.
pub fn check_csrf(session: &Session, header: Option<&str>) -> Result<(), ApiError> {
    use subtle::ConstantTimeEq;
    let given = header.unwrap_or_default().as_bytes();
    if given.len() == session.csrf.len() && bool::from(given.ct_eq(session.csrf.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "CSRF token missing or invalid: send the {CSRF_HEADER} header the console received"
            ),
        ))
    }
}
