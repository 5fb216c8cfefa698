//! Resolving what a caller may do in a project, with one rule for what an
//! outsider learns: a private project they cannot see answers exactly like a
//! project that does not exist.

use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Action, ProjectRole, Resource};
use sqlx::PgConnection;

use crate::Principal;
use crate::domain::rbac::{PermissionSet, project_permissions, public_project_permissions};
use crate::domain::robot::{Grant, grants_in_project};
use crate::store::members::find_role;
use crate::store::projects::{ProjectRow, find_project, find_project_by_name};

/// A project the caller can see, with what they may do in it.
#[derive(Debug, Clone)]
pub struct ProjectAccess {
    pub project: ProjectRow,
    pub role: Option<ProjectRole>,
    pub permissions: PermissionSet,
    /// Robot grants narrowed to repositories matching a pattern.
    pub repository_grants: Vec<Grant>,
}

impl ProjectAccess {
    pub fn allows(&self, resource: Resource, action: Action) -> bool {
        self.permissions.allows(resource, action)
    }

    /// Whether the action holds for the repository at `path` inside the
    /// project, counting grants narrowed to matching repositories.
    pub fn allows_repository(&self, path: &str, resource: Resource, action: Action) -> bool {
        let grants = crate::domain::robot::ProjectGrants {
            whole: self.permissions.clone(),
            by_repository: self.repository_grants.clone(),
        };
        grants.allows_repository(path, berth_types::Permission::new(resource, action))
    }

    pub fn require(
        &self,
        principal: &Principal,
        resource: Resource,
        action: Action,
    ) -> Result<(), ApiError> {
        if self.allows(resource, action) {
            Ok(())
        } else {
            Err(principal.denied(format!(
                "you may not {action} {resource} in project {}",
                self.project.name
            )))
        }
    }
}

/// How a project is named in a path: `X-Is-Resource-Name: true` forces a
/// name, otherwise an all-digit value is an id (Harbor's rule).
pub fn project_ref(raw: &str, is_resource_name: bool) -> ProjectRef<'_> {
    if !is_resource_name && !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.parse()
            .map(ProjectRef::Id)
            .unwrap_or(ProjectRef::Name(raw))
    } else {
        ProjectRef::Name(raw)
    }
}

#[derive(Debug, Clone, Copy)]
pub enum ProjectRef<'a> {
    Id(i64),
    Name(&'a str),
}

pub fn project_not_found(reference: ProjectRef<'_>) -> ApiError {
    let shown = match reference {
        ProjectRef::Id(id) => id.to_string(),
        ProjectRef::Name(name) => name.to_owned(),
    };
    ApiError::new(ErrorCode::NotFound, format!("project {shown} not found"))
}

/// The caller's access to a project, or the same 404 whether the project is
/// missing or merely invisible to them.
pub async fn project_access(
    conn: &mut PgConnection,
    principal: &Principal,
    reference: ProjectRef<'_>,
) -> Result<ProjectAccess, Failure> {
    let project = match reference {
        ProjectRef::Id(id) => find_project(conn, id).await?,
        ProjectRef::Name(name) => find_project_by_name(conn, name).await?,
    };
    // Resolve a membership even when the project is missing, so both paths
    // cost the same queries.
    let project_id = project.as_ref().map(|p| p.id).unwrap_or(-1);
    let role = match principal.user_id() {
        Some(user_id) => find_role(conn, project_id, user_id).await?,
        None => None,
    };
    let Some(project) = project else {
        return Err(project_not_found(reference).into());
    };
    let role = role.and_then(|r| ProjectRole::from_id(i64::from(r)));
    let (permissions, repository_grants) = match principal {
        Principal::Robot { permissions, .. } => {
            let grants = grants_in_project(permissions, &project.name);
            let mut whole = grants.whole;
            if project.public {
                whole = whole.union(public_project_permissions().iter().copied());
            }
            (whole, grants.by_repository)
        }
        Principal::User { .. } | Principal::Anonymous => {
            let mut set = project_permissions(principal.is_sysadmin(), role, project.public);
            // A narrowed access token keeps only what it names.
            if let Some(grant) = principal.token() {
                if grant
                    .projects
                    .as_ref()
                    .is_some_and(|p| !p.contains(&project.name))
                {
                    set = PermissionSet::default();
                }
                if let Some(allowed) = &grant.permissions {
                    set = set.intersection(&allowed.iter().copied().collect());
                }
            }
            (set, Vec::new())
        }
    };
    // A caller who may do nothing at all here does not learn it exists.
    if permissions.is_empty() && repository_grants.is_empty() {
        return Err(project_not_found(reference).into());
    }
    Ok(ProjectAccess {
        project,
        role,
        permissions,
        repository_grants,
    })
}
