//! First start: the `admin` user.

use berth_http::Failure;
use rand::RngExt;
use secrecy::ExposeSecret;

use crate::Auth;
use crate::domain::password::meets_policy;
use crate::store::audit::{AuditEntry, insert_audit};
use crate::store::users::{self, NewUser};

pub const ADMIN_USERNAME: &str = "admin";

/// A random password that satisfies the policy.
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    loop {
        let candidate: String = (0..20)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        if meets_policy(&candidate) {
            return candidate;
        }
    }
}

/// Creates `admin` when no system administrator exists: with
/// `BERTH_ADMIN_PASSWORD`, or with a generated password printed once to the
/// log. Replicas starting together create it once (the username is unique).
pub async fn ensure_admin(auth: &Auth) -> Result<(), Failure> {
    let mut tx = auth.db().begin().await?;
    // Serialise concurrent first starts.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('berth.ensure_admin'))")
        .execute(&mut *tx)
        .await?;
    if users::any_admin(&mut tx).await? {
        return Ok(());
    }
    let configured = auth.platform().config().admin_password.as_ref();
    let (password, generated) = match configured {
        Some(secret) => (secret.expose_secret().to_owned(), false),
        None => (generate_password(), true),
    };
    let hash = auth.hash_password(&password).await?;
    users::insert_user(
        &mut tx,
        &NewUser {
            username: ADMIN_USERNAME,
            email: None,
            realname: "System Administrator",
            comment: "created at first start",
            password_hash: &hash,
            sysadmin: true,
        },
    )
    .await?;
    insert_audit(
        &mut tx,
        &AuditEntry {
            project_id: None,
            username: "system",
            source_ip: None,
            resource_type: "user",
            resource: ADMIN_USERNAME,
            operation: "create",
            detail: "initial system administrator",
            success: true,
        },
    )
    .await?;
    tx.commit().await?;
    if generated {
        tracing::warn!(
            username = ADMIN_USERNAME,
            password = %password,
            "created the system administrator with a generated password; it is shown only this once"
        );
    } else {
        tracing::info!(
            username = ADMIN_USERNAME,
            "created the system administrator"
        );
    }
    Ok(())
}
