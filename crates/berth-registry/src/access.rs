//! Who may do what on `/v2`: the bearer token's claims, checked per request
//! against the repository and action, with the spec's challenge when not.

use actix_web::HttpRequest;
use berth_auth::token::{self, Claims};
use berth_types::RepositoryName;

use crate::routes::Registry;

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
pub(crate) async fn authorize(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    need: Need,
) -> Result<Claims, RegistryError> {
    let auth = &registry.auth;
    let claims = bearer_claims(auth, req).await?;
    let denied = |authenticated: bool, message: String| RegistryError::Denied {
        challenge: challenge(auth, Some(&need.scope(name))),
        authenticated,
        message,
    };
    let Some(claims) = claims else {
        return Err(denied(false, "authentication required".into()));
    };
    if allows(registry, &claims, name, need.wire()).await? {
        Ok(claims)
    } else {
        Err(denied(claims.sub != "anonymous", need.refusal(name)))
    }
}

/// Whether the claims allow pulling `name` (for cross-repository mounts,
/// where a refusal falls back to a normal upload instead of an error).
pub(crate) async fn may_pull(
    registry: &Registry,
    claims: &Claims,
    name: &RepositoryName,
) -> Result<bool, RegistryError> {
    allows(registry, claims, name, "pull").await
}

/// [`token::allows`], with the project's current id from the resolution
/// cache when it is there.
async fn allows(
    registry: &Registry,
    claims: &Claims,
    name: &RepositoryName,
    action: &str,
) -> Result<bool, RegistryError> {
    if !claims.grants(name.as_str(), action) {
        return Ok(false);
    }
    let project = name.project();
    let resolutions = &registry.resolutions;
    let current = match resolutions.project(project.as_str()) {
        Some(id) => Some(id),
        None => {
            let fill = resolutions.fill();
            let mut conn = registry.auth.db().acquire().await?;
            let found =
                berth_auth::store::projects::find_project_by_name(&mut conn, project.as_str())
                    .await?
                    .map(|p| p.id);
            if let Some(id) = found {
                resolutions.remember_project(fill, project.as_str(), id);
            }
            found
        }
    };
    Ok(token::allows_in(claims, name, action, current))
}
