//! Who may do what on `/v2`: the bearer token's claims, checked per request
//! against the repository and action, with the spec's challenge when not.

use actix_web::HttpRequest;
use berth_auth::Auth;
use berth_auth::token::{self, Claims};
use berth_types::RepositoryName;

use crate::challenge::{bearer_claims, challenge};
use crate::error::RegistryError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Pull,
    Push,
    Delete,
}

impl Need {
    pub fn wire(self) -> &'static str {
        match self {
            Need::Pull => "pull",
            Need::Push => "push",
            Need::Delete => "delete",
        }
    }

    /// The scope a client should ask for; pushes also pull (clients check
    /// for existing blobs first).
    fn scope(self, name: &RepositoryName) -> String {
        match self {
            Need::Push => format!("repository:{name}:pull,push"),
            other => format!("repository:{name}:{}", other.wire()),
        }
    }

    fn refusal(self, name: &RepositoryName) -> String {
        let project = name.project();
        match self {
            Need::Pull => format!(
                "pull from {name} refused: project {project} does not exist or is private and you are not a member"
            ),
            Need::Push => format!(
                "push to {name} refused: project {project} does not exist, or you may not push to it \
                 (members need the developer role or above; robots need repository push)"
            ),
            Need::Delete => {
                format!("delete in {name} refused: you may not delete in project {project}")
            }
        }
    }
}

/// The request's claims if they allow `need` on `name`; otherwise the
/// challenge (401 without a usable token, 403 with one).
pub async fn authorize(
    auth: &Auth,
    req: &HttpRequest,
    name: &RepositoryName,
    need: Need,
) -> Result<Claims, RegistryError> {
    let claims = bearer_claims(auth, req).await?;
    let denied = |authenticated: bool, message: String| RegistryError::Denied {
        challenge: challenge(auth, Some(&need.scope(name))),
        authenticated,
        message,
    };
    let Some(claims) = claims else {
        return Err(denied(false, "authentication required".into()));
    };
    let mut conn = auth.db().acquire().await?;
    if token::allows(&mut conn, &claims, name, need.wire()).await? {
        Ok(claims)
    } else {
        Err(denied(claims.sub != "anonymous", need.refusal(name)))
    }
}

/// Whether the claims allow pulling `name` (for cross-repository mounts,
/// where a refusal falls back to a normal upload instead of an error).
pub async fn may_pull(
    auth: &Auth,
    claims: &Claims,
    name: &RepositoryName,
) -> Result<bool, RegistryError> {
    let mut conn = auth.db().acquire().await?;
    Ok(token::allows(&mut conn, claims, name, "pull").await?)
}
