//! Robot accounts: their permission documents (Harbor's JSON), validation,
//! and what a robot may do in a given project.
//!
//! Beyond Harbor, an access entry may carry `repository`, a glob over the
//! repository path inside the project (`team-a/*`), so a CI robot for one
//! service cannot touch another service's images in the same project.

use berth_types::{Action, Permission, ProjectName, Resource};
use serde::{Deserialize, Serialize};

use super::rbac::{PermissionSet, robot_grantable_project, robot_grantable_system};

pub const LEVEL_SYSTEM: &str = "system";
pub const LEVEL_PROJECT: &str = "project";
pub const KIND_SYSTEM: &str = "system";
pub const KIND_PROJECT: &str = "project";
/// A project entry whose namespace is `*` applies to every project.
pub const ALL_PROJECTS: &str = "*";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Access {
    pub resource: String,
    pub action: String,
    #[serde(default = "allow", skip_serializing_if = "String::is_empty")]
    pub effect: String,
    /// Our extension: limit this entry to repositories matching the glob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

fn allow() -> String {
    "allow".to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RobotPermission {
    pub kind: String,
    pub namespace: String,
    pub access: Vec<Access>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RobotError(pub String);

/// Harbor's rule for robot names (lowercase letters, digits, `._-`).
pub fn validate_name(name: &str) -> Result<(), RobotError> {
    name.parse::<ProjectName>().map(|_| ()).map_err(|_| {
        RobotError("robot name is not in lower case or contains illegal characters".into())
    })
}

pub fn validate_duration(days: i64) -> Result<(), RobotError> {
    if days == -1 || (1..=i64::from(i32::MAX)).contains(&days) {
        Ok(())
    } else {
        Err(RobotError(format!(
            "bad request error duration input: {days}, duration must be either -1(Never) or a positive integer"
        )))
    }
}

/// A validated access entry.
#[derive(Debug, Clone)]
pub struct Grant {
    pub permission: Permission,
    pub repository: Option<glob::Pattern>,
}

fn parse_access(
    access: &Access,
    grantable: &[Permission],
    allow_repository: bool,
) -> Result<Grant, RobotError> {
    let bad = || {
        RobotError(format!(
            "bad request permission: {}:{}",
            access.resource, access.action
        ))
    };
    let resource: Resource = access.resource.parse().map_err(|_| bad())?;
    let action: Action = access.action.parse().map_err(|_| bad())?;
    let permission = Permission::new(resource, action);
    if !grantable.contains(&permission) {
        return Err(bad());
    }
    if !(access.effect.is_empty() || access.effect == "allow") {
        return Err(RobotError(format!(
            "effect {:?} is not supported: use allow",
            access.effect
        )));
    }
    let repository = match &access.repository {
        None => None,
        Some(_) if !allow_repository => {
            return Err(RobotError(
                "repository patterns apply to project permissions only".into(),
            ));
        }
        Some(_)
            if resource != Resource::Repository
                && resource != Resource::Artifact
                && resource != Resource::Tag =>
        {
            return Err(RobotError(format!(
                "a repository pattern cannot narrow {resource}: use it with repository, artifact or tag"
            )));
        }
        Some(pattern) => Some(
            glob::Pattern::new(pattern)
                .map_err(|e| RobotError(format!("invalid repository pattern {pattern:?}: {e}")))?,
        ),
    };
    Ok(Grant {
        permission,
        repository,
    })
}

/// Checks a permission document for a robot of `level`. Project robots carry
/// exactly one project entry for `project`.
pub fn validate_permissions(
    level: &str,
    project: Option<&str>,
    permissions: &[RobotPermission],
) -> Result<(), RobotError> {
    let project_grantable = robot_grantable_project();
    let system_grantable = robot_grantable_system();
    match level {
        LEVEL_PROJECT => {
            let [only] = permissions else {
                return Err(RobotError(
                    "bad request permission: a project robot has exactly one project entry".into(),
                ));
            };
            if only.kind != KIND_PROJECT || Some(only.namespace.as_str()) != project {
                return Err(RobotError(format!(
                    "bad request permission: a project robot's entry must be of kind project for namespace {}",
                    project.unwrap_or_default()
                )));
            }
        }
        LEVEL_SYSTEM => {}
        other => return Err(RobotError(format!("bad request permission level: {other}"))),
    }
    if permissions.is_empty() {
        return Err(RobotError("a robot needs at least one permission".into()));
    }
    for entry in permissions {
        let (grantable, repository_ok) = match entry.kind.as_str() {
            KIND_SYSTEM => (&system_grantable, false),
            KIND_PROJECT => (&project_grantable, true),
            other => return Err(RobotError(format!("bad request permission kind: {other}"))),
        };
        if entry.kind == KIND_PROJECT && entry.namespace != ALL_PROJECTS {
            entry
                .namespace
                .parse::<ProjectName>()
                .map_err(|_| RobotError(format!("no project named {:?}", entry.namespace)))?;
        }
        if entry.access.is_empty() {
            return Err(RobotError(format!(
                "the {} entry for {} grants nothing",
                entry.kind, entry.namespace
            )));
        }
        for access in &entry.access {
            parse_access(access, grantable, repository_ok)?;
        }
    }
    Ok(())
}

/// What a robot's document grants in one project: whole-project permissions,
/// plus permissions limited to repositories matching a pattern.
#[derive(Debug, Clone, Default)]
pub struct ProjectGrants {
    pub whole: PermissionSet,
    pub by_repository: Vec<Grant>,
}

impl ProjectGrants {
    pub fn is_empty(&self) -> bool {
        self.whole.is_empty() && self.by_repository.is_empty()
    }

    /// Whether `permission` holds for the repository at `path` (inside the
    /// project).
    pub fn allows_repository(&self, path: &str, permission: Permission) -> bool {
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        self.whole.allows(permission.resource, permission.action)
            || self.by_repository.iter().any(|grant| {
                grant.permission == permission
                    && grant
                        .repository
                        .as_ref()
                        .is_some_and(|p| p.matches_with(path, options))
            })
    }
}

pub fn grants_in_project(permissions: &[RobotPermission], project: &str) -> ProjectGrants {
    let grantable = robot_grantable_project();
    let mut grants = ProjectGrants::default();
    let mut whole = Vec::new();
    for entry in permissions.iter().filter(|e| {
        e.kind == KIND_PROJECT && (e.namespace == project || e.namespace == ALL_PROJECTS)
    }) {
        // Stored documents were validated; anything unparsable grants nothing.
        for grant in entry
            .access
            .iter()
            .filter_map(|a| parse_access(a, &grantable, true).ok())
        {
            match grant.repository {
                None => whole.push(grant.permission),
                Some(_) => grants.by_repository.push(grant),
            }
        }
    }
    grants.whole = whole.into_iter().collect();
    grants
}

/// System-level permissions a robot holds.
pub fn system_grants(permissions: &[RobotPermission]) -> PermissionSet {
    let grantable = robot_grantable_system();
    permissions
        .iter()
        .filter(|e| e.kind == KIND_SYSTEM)
        .flat_map(|e| e.access.iter())
        .filter_map(|a| parse_access(a, &grantable, false).ok())
        .map(|g| g.permission)
        .collect()
}

/// Every (permission, namespace) a document asks for, to compare with what
/// its creator holds.
pub fn requested(permissions: &[RobotPermission]) -> Vec<(&RobotPermission, Permission)> {
    let project_grantable = robot_grantable_project();
    let system_grantable = robot_grantable_system();
    let mut out = Vec::new();
    for entry in permissions {
        let grantable = if entry.kind == KIND_SYSTEM {
            &system_grantable
        } else {
            &project_grantable
        };
        for access in &entry.access {
            if let Ok(grant) = parse_access(access, grantable, entry.kind == KIND_PROJECT) {
                out.push((entry, grant.permission));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        kind: &str,
        namespace: &str,
        access: &[(&str, &str, Option<&str>)],
    ) -> RobotPermission {
        RobotPermission {
            kind: kind.into(),
            namespace: namespace.into(),
            access: access
                .iter()
                .map(|(resource, action, repository)| Access {
                    resource: (*resource).into(),
                    action: (*action).into(),
                    effect: "allow".into(),
                    repository: repository.map(str::to_owned),
                })
                .collect(),
        }
    }

    #[test]
    fn project_robots_carry_one_entry_for_their_project() {
        let good = [entry("project", "team", &[("repository", "pull", None)])];
        assert!(validate_permissions(LEVEL_PROJECT, Some("team"), &good).is_ok());
        let other_project = [entry("project", "other", &[("repository", "pull", None)])];
        assert!(validate_permissions(LEVEL_PROJECT, Some("team"), &other_project).is_err());
        let two = [good[0].clone(), good[0].clone()];
        assert!(validate_permissions(LEVEL_PROJECT, Some("team"), &two).is_err());
        let system_kind = [entry("system", "/", &[("user", "list", None)])];
        assert!(validate_permissions(LEVEL_PROJECT, Some("team"), &system_kind).is_err());
    }

    #[test]
    fn only_grantable_pairs_are_accepted() {
        let bad = [entry(
            "project",
            "team",
            &[("repository", "scanner-pull", None)],
        )];
        let err = validate_permissions(LEVEL_PROJECT, Some("team"), &bad).unwrap_err();
        assert_eq!(err.0, "bad request permission: repository:scanner-pull");
        let unknown = [entry("project", "team", &[("everything", "pull", None)])];
        assert!(validate_permissions(LEVEL_PROJECT, Some("team"), &unknown).is_err());
        let system = [
            entry("system", "/", &[("user", "list", None)]),
            entry("project", "*", &[("repository", "pull", None)]),
        ];
        assert!(validate_permissions(LEVEL_SYSTEM, None, &system).is_ok());
        assert!(validate_permissions("galaxy", None, &system).is_err());
    }

    #[test]
    fn repository_patterns_narrow_a_grant_to_matching_repositories() {
        let doc = [entry(
            "project",
            "team",
            &[
                ("repository", "pull", None),
                ("repository", "push", Some("svc-a/*")),
            ],
        )];
        assert!(validate_permissions(LEVEL_PROJECT, Some("team"), &doc).is_ok());
        let grants = grants_in_project(&doc, "team");
        let push = Permission::new(Resource::Repository, Action::Push);
        let pull = Permission::new(Resource::Repository, Action::Pull);
        assert!(grants.allows_repository("svc-a/api", push));
        assert!(!grants.allows_repository("svc-b/api", push));
        assert!(
            !grants.allows_repository("svc-a/api/nested", push),
            "* stays within one path level"
        );
        assert!(grants.allows_repository("svc-b/api", pull));
        assert!(grants_in_project(&doc, "elsewhere").is_empty());

        let narrowing_members = [entry("project", "team", &[("member", "list", Some("x/*"))])];
        assert!(validate_permissions(LEVEL_PROJECT, Some("team"), &narrowing_members).is_err());
    }

    #[test]
    fn names_and_durations_follow_harbor() {
        assert!(validate_name("ci-bot").is_ok());
        assert!(validate_name("CI").is_err());
        assert!(validate_name("a+b").is_err());
        assert!(validate_duration(-1).is_ok());
        assert!(validate_duration(30).is_ok());
        assert!(validate_duration(0).is_err());
        assert!(validate_duration(-2).is_err());
    }
}
