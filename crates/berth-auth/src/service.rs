//! The identity service every handler reaches through `web::Data<Auth>`.

use berth_http::{ApiError, ErrorCode, Failure};
use berth_platform::Platform;
use std::sync::Arc;
use tokio::sync::OnceCell;

use crate::Principal;
use crate::domain::password::{self, HashParams, Verified};
use crate::domain::pat;
use crate::hashing::Hashers;
use crate::principal::Holder;
use crate::store::audit::{AuditEntry, insert_audit};
use crate::store::{robots, tokens, users};
use crate::token::TokenKeys;
use crate::{credential_cache, lockout, session};

#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    platform: Platform,
    params: HashParams,
    dummy_hash: OnceCell<String>,
    keys: OnceCell<TokenKeys>,
    hashers: Hashers,
}

impl Auth {
    pub fn new(platform: Platform) -> Self {
        let identity = &platform.config().identity;
        let params = HashParams {
            memory_kib: identity.password_hash_memory_kib,
            iterations: identity.password_hash_iterations,
            parallelism: identity.password_hash_parallelism,
        };
        Self {
            inner: Arc::new(Inner {
                platform,
                params,
                dummy_hash: OnceCell::new(),
                keys: OnceCell::new(),
                hashers: Hashers::start(),
            }),
        }
    }

    pub fn platform(&self) -> &Platform {
        &self.inner.platform
    }

    pub fn db(&self) -> &sqlx::PgPool {
        self.inner.platform.db()
    }

    /// The keys that sign and verify registry tokens, loaded (or created) on
    /// first use.
    pub async fn token_keys(&self) -> Result<&TokenKeys, Failure> {
        self.inner
            .keys
            .get_or_try_init(|| TokenKeys::load(&self.inner.platform))
            .await
    }

    /// Hashes on the hashing threads: argon2 would stall an async worker.
    pub async fn hash_password(&self, password: &str) -> Result<String, Failure> {
        let params = self.inner.params;
        let password = password.to_owned();
        self.inner
            .hashers
            .run(move || password::hash(&password, params))
            .await?
            .map_err(Failure::internal)
    }

    /// Verifies on the hashing threads. Without a stored hash (unknown user) a
    /// dummy hash is verified instead, so timing does not reveal who exists.
    pub async fn verify_password(
        &self,
        password: &str,
        stored: Option<&str>,
    ) -> Result<Verified, Failure> {
        let params = self.inner.params;
        let (stored, real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash().await?.to_owned(), false),
        };
        let password = password.to_owned();
        let verdict = self
            .inner
            .hashers
            .run(move || password::verify(&password, &stored, params))
            .await?;
        Ok(if real { verdict } else { Verified::No })
    }

    async fn dummy_hash(&self) -> Result<&str, Failure> {
        let params = self.inner.params;
        self.inner
            .dummy_hash
            .get_or_try_init(|| async {
                self.inner
                    .hashers
                    .run(move || password::dummy_hash(params))
                    .await
            })
            .await
            .map(String::as_str)
    }

    /// Checks a username and password (or robot name and secret). Unknown
    /// names cost as much as wrong secrets, every failure is audited, and the
    /// client learns only that the credentials did not work.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        source_ip: Option<&str>,
    ) -> Result<Principal, Failure> {
        let redis = self.inner.platform.redis();
        let prefix = &self.inner.platform.config().identity.robot_name_prefix;
        let robot_name = username.strip_prefix(prefix.as_str());
        let kind = if robot_name.is_some() {
            "robot"
        } else {
            "user"
        };
        let credential = credential_cache::key(redis, kind, username, password);
        let recalled = lockout::recall(redis, username, source_ip, &credential).await;
        if let Some(seconds) = recalled.locked_for {
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                format!("too many failed sign-ins; try again in {seconds} seconds"),
            )
            .with_retry_after(seconds)
            .into());
        }
        let mut conn = self.db().acquire().await?;
        if let Some(stored_name) = robot_name {
            return self
                .robot_login(
                    &mut conn,
                    username,
                    stored_name,
                    password,
                    source_ip,
                    &recalled,
                )
                .await;
        }
        if let Some(lookup) = pat::lookup_of(password) {
            return self
                .token_login(&mut conn, username, lookup, password, source_ip)
                .await;
        }
        let user = users::find_user_by_name(&mut conn, username).await?;
        let redis = self.inner.platform.redis();
        let cached = user.as_ref().is_some_and(|u| {
            credential_cache::still_valid(recalled.verified_version, u.credential_version)
        });
        let verdict = if cached {
            Verified::Yes
        } else {
            self.verify_password(password, user.as_ref().map(|u| u.password_hash.as_str()))
                .await?
        };
        if let (Some(u), Verified::Yes | Verified::YesButRehash, false) = (&user, verdict, cached) {
            credential_cache::remember(redis, "user", username, password, u.credential_version)
                .await;
        }
        match (user, verdict) {
            (Some(user), Verified::Yes | Verified::YesButRehash) => {
                if verdict == Verified::YesButRehash {
                    let fresh = self.hash_password(password).await?;
                    users::update_password_hash(&mut conn, user.id, &fresh, false).await?;
                    tracing::info!(
                        user.id = user.id,
                        "password rehashed with the current parameters"
                    );
                }
                if recalled.has_failures {
                    lockout::record_success(redis, username).await;
                }
                Ok(user_principal(user, None))
            }
            _ => Err(self
                .login_failed(
                    &mut conn,
                    "user",
                    username,
                    source_ip,
                    "invalid credentials",
                )
                .await),
        }
    }

    /// The principal a token's holder claim names, with the rights they
    /// hold now: a deleted or disabled account, or a revoked or expired
    /// access token, is anonymous.
    pub async fn principal_of(&self, holder: &Holder) -> Result<Principal, Failure> {
        let mut conn = self.db().acquire().await?;
        let now = chrono::Utc::now();
        Ok(match *holder {
            Holder::Anonymous => Principal::Anonymous,
            Holder::User { id, token } => {
                let grant = match token {
                    None => None,
                    Some(token_id) => match tokens::find_token(&mut conn, token_id).await? {
                        Some(row)
                            if row.user_id == id && row.expires_at.is_none_or(|at| at > now) =>
                        {
                            Some(row)
                        }
                        _ => return Ok(Principal::Anonymous),
                    },
                };
                match users::find_user(&mut conn, id).await? {
                    Some(user) => user_principal(user, grant.as_ref()),
                    None => Principal::Anonymous,
                }
            }
            Holder::Robot { id } => match robots::find_robot(&mut conn, id).await? {
                Some(robot) if !robot.disabled && !robot.is_expired(now) => {
                    let full_name = format!(
                        "{}{}",
                        self.inner.platform.config().identity.robot_name_prefix,
                        robot.name
                    );
                    robot_principal(robot, full_name)
                }
                _ => Principal::Anonymous,
            },
        })
    }

    /// The user behind a console session cookie. A stale or unknown session
    /// is simply anonymous; a state-changing request must carry the CSRF
    /// token.
    pub async fn session_principal(
        &self,
        id: &str,
        safe_method: bool,
        csrf: Option<&str>,
    ) -> Result<Principal, Failure> {
        let stored = match session::load(self.inner.platform.redis(), id).await {
            Ok(stored) => stored,
            Err(err) => {
                tracing::warn!(error = %err, "console session lookup failed; treating the request as anonymous");
                None
            }
        };
        let Some(stored) = stored else {
            return Ok(Principal::Anonymous);
        };
        let mut conn = self.db().acquire().await?;
        let Some(user) = users::find_user(&mut conn, stored.user_id).await? else {
            return Ok(Principal::Anonymous);
        };
        if user.credential_version != stored.credential_version {
            return Ok(Principal::Anonymous);
        }
        if !safe_method {
            session::check_csrf(&stored, csrf)?;
        }
        Ok(user_principal(user, None))
    }

    /// Audits a failed sign-in, counts it towards a lockout (auditing any
    /// lockout it triggers), and builds the uniform 401.
    async fn login_failed(
        &self,
        conn: &mut sqlx::PgConnection,
        resource_type: &str,
        name: &str,
        source_ip: Option<&str>,
        detail: &str,
    ) -> Failure {
        fn entry<'a>(
            name: &'a str,
            source_ip: Option<&'a str>,
            resource_type: &'a str,
            operation: &'a str,
            detail: &'a str,
        ) -> AuditEntry<'a> {
            AuditEntry {
                project_id: None,
                username: name,
                source_ip,
                resource_type,
                resource: name,
                operation,
                detail,
                success: false,
            }
        }
        if let Err(err) = insert_audit(
            conn,
            &entry(name, source_ip, resource_type, "login", detail),
        )
        .await
        {
            return err.into();
        }
        let identity = &self.inner.platform.config().identity;
        let policy = lockout::LockoutPolicy {
            threshold: identity.lockout_threshold,
            window: identity.lockout_window,
            cooldown: identity.lockout_cooldown,
        };
        for subject in
            lockout::record_failure(self.inner.platform.redis(), policy, name, source_ip).await
        {
            let detail = format!(
                "{} locked for {} s after {} failed sign-ins",
                subject.describe(),
                policy.cooldown.as_secs(),
                policy.threshold
            );
            tracing::warn!(detail = %detail, "sign-in lockout");
            if let Err(err) = insert_audit(
                conn,
                &entry(name, source_ip, resource_type, "lockout", &detail),
            )
            .await
            {
                return err.into();
            }
        }
        ApiError::new(ErrorCode::Unauthorized, "invalid username or password").into()
    }

    async fn token_login(
        &self,
        conn: &mut sqlx::PgConnection,
        username: &str,
        lookup: &str,
        token: &str,
        source_ip: Option<&str>,
    ) -> Result<Principal, Failure> {
        let row = tokens::find_by_lookup(conn, lookup).await?;
        let valid = row.as_ref().filter(|r| {
            pat::matches(token, &r.token_sha256)
                && r.expires_at.is_none_or(|at| at > chrono::Utc::now())
        });
        let user = match valid {
            Some(row) => users::find_user(conn, row.user_id)
                .await?
                .filter(|u| u.username == username),
            None => None,
        };
        match (valid, user) {
            (Some(row), Some(user)) => {
                tokens::touch(conn, row.id).await?;
                lockout::record_success(self.inner.platform.redis(), username).await;
                Ok(user_principal(user, Some(row)))
            }
            _ => Err(self
                .login_failed(
                    conn,
                    "user",
                    username,
                    source_ip,
                    "invalid or expired access token",
                )
                .await),
        }
    }

    async fn robot_login(
        &self,
        conn: &mut sqlx::PgConnection,
        full_name: &str,
        stored_name: &str,
        secret: &str,
        source_ip: Option<&str>,
        recalled: &lockout::Recalled,
    ) -> Result<Principal, Failure> {
        let robot = robots::find_robot_by_name(conn, stored_name).await?;
        let redis = self.inner.platform.redis();
        let cached = robot.as_ref().is_some_and(|r| {
            credential_cache::still_valid(recalled.verified_version, r.credential_version)
        });
        let verdict = if cached {
            Verified::Yes
        } else {
            self.verify_password(secret, robot.as_ref().map(|r| r.secret_hash.as_str()))
                .await?
        };
        if let (Some(r), Verified::Yes | Verified::YesButRehash, false) = (&robot, verdict, cached)
        {
            credential_cache::remember(redis, "robot", full_name, secret, r.credential_version)
                .await;
        }
        let refusal = match (&robot, verdict) {
            (None, _) | (Some(_), Verified::No) => Some("invalid credentials"),
            (Some(r), _) if r.disabled => Some("robot is disabled"),
            (Some(r), _) if r.is_expired(chrono::Utc::now()) => Some("robot has expired"),
            (Some(_), _) => None,
        };
        match (robot, refusal) {
            (Some(robot), None) => {
                if verdict == Verified::YesButRehash {
                    let fresh = self.hash_password(secret).await?;
                    robots::update_secret_hash_only(conn, robot.id, &fresh).await?;
                }
                if recalled.has_failures {
                    lockout::record_success(self.inner.platform.redis(), full_name).await;
                }
                Ok(robot_principal(robot, full_name.to_owned()))
            }
            (_, reason) => Err(self
                .login_failed(
                    conn,
                    "robot",
                    full_name,
                    source_ip,
                    reason.unwrap_or("invalid credentials"),
                )
                .await),
        }
    }
}

fn user_principal(user: users::UserRow, token: Option<&tokens::TokenRow>) -> Principal {
    Principal::User {
        id: user.id,
        username: user.username,
        sysadmin: user.sysadmin,
        token: token.map(|row| {
            Arc::new(crate::principal::TokenGrant {
                id: row.id,
                projects: row.projects.as_ref().map(|p| p.0.clone()),
                permissions: row.permissions.as_ref().map(|p| p.0.clone()),
            })
        }),
    }
}

fn robot_principal(robot: robots::RobotRow, full_name: String) -> Principal {
    Principal::Robot {
        id: robot.id,
        name: full_name,
        project_id: robot.project_id,
        permissions: Arc::new(robot.permissions.0),
    }
}
