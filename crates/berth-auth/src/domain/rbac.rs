//! The policy engine: which (resource, action) pairs a role holds in a
//! project, what anyone may do in a public project, and what a system
//! administrator may do. Every endpoint asks here; handlers never compare
//! roles themselves.
//!
//! The tables follow Harbor's project role matrix so Harbor users find the
//! roles they know.

use berth_types::{Action, Permission, ProjectRole, Resource};
use std::collections::BTreeSet;

use Action::*;
use Resource::*;

type Grants = &'static [(Resource, &'static [Action])];

const PROJECT_ADMIN: Grants = &[
    (Project, &[Read, Update, Delete]),
    (Member, &[Create, Read, Update, Delete, List]),
    (Metadata, &[Create, Read, Update, Delete]),
    (Log, &[List]),
    (Label, &[Create, Read, Update, Delete, List]),
    (Quota, &[Read]),
    (
        Repository,
        &[Create, Read, Update, Delete, List, Pull, Push],
    ),
    (TagRetention, &[Create, Read, Update, Delete, List, Operate]),
    (ImmutableTag, &[Create, Update, Delete, List]),
    (Configuration, &[Read, Update]),
    (Robot, &[Create, Read, Update, Delete, List]),
    (NotificationPolicy, &[Create, Update, Delete, List, Read]),
    (Scan, &[Create, Read, Stop]),
    (Sbom, &[Create, Stop, Read]),
    (Scanner, &[Read, Create]),
    (Artifact, &[Create, Read, Delete, List]),
    (ArtifactAddition, &[Read]),
    (Tag, &[List, Create, Delete]),
    (Accessory, &[List]),
    (ArtifactLabel, &[Create, Delete]),
    (PreheatPolicy, &[Create, Read, Update, Delete, List]),
    (ExportCve, &[Create, Read, List]),
];

const MAINTAINER: Grants = &[
    (Project, &[Read]),
    (Member, &[Read, List]),
    (Metadata, &[Read]),
    (Quota, &[Read]),
    (Label, &[Create, Read, Update, Delete, List]),
    (
        Repository,
        &[Create, Read, Update, Delete, List, Push, Pull],
    ),
    (TagRetention, &[Create, Read, Update, Delete, List, Operate]),
    (Accessory, &[List]),
    (ImmutableTag, &[Create, Update, Delete, List]),
    (Configuration, &[Read]),
    (Robot, &[Read, List]),
    (NotificationPolicy, &[Read, List]),
    (Scan, &[Create, Read, Stop]),
    (Sbom, &[Create, Stop, Read]),
    (Scanner, &[Read]),
    (Artifact, &[Create, Read, Delete, List]),
    (ArtifactAddition, &[Read]),
    (Tag, &[List, Create, Delete]),
    (ArtifactLabel, &[Create, Delete]),
    (ExportCve, &[Create, Read, List]),
];

const DEVELOPER: Grants = &[
    (Project, &[Read]),
    (Member, &[Read, List]),
    (Label, &[Read, List]),
    (Quota, &[Read]),
    (Repository, &[Create, Read, Update, List, Push, Pull]),
    (TagRetention, &[Create, Read, Update, Delete, List, Operate]),
    (Configuration, &[Read]),
    (Robot, &[Read, List]),
    (Scan, &[Read]),
    (Sbom, &[Read]),
    (Scanner, &[Read]),
    (Artifact, &[Create, Read, List]),
    (ArtifactAddition, &[Read]),
    (Tag, &[List, Create]),
    (Accessory, &[List]),
    (ArtifactLabel, &[Create, Delete]),
    (ExportCve, &[Create, Read, List]),
];

const GUEST: Grants = &[
    (Project, &[Read]),
    (Member, &[Read, List]),
    (Label, &[Read, List]),
    (Quota, &[Read]),
    (Repository, &[Read, List, Pull]),
    (Configuration, &[Read]),
    (Robot, &[Read, List]),
    (Scan, &[Read]),
    (Sbom, &[Read]),
    (Scanner, &[Read]),
    (Tag, &[List]),
    (Accessory, &[List]),
    (Artifact, &[Read, List]),
    (ArtifactAddition, &[Read]),
];

const LIMITED_GUEST: Grants = &[
    (Project, &[Read]),
    (Quota, &[Read]),
    (Repository, &[List, Read, Pull]),
    (Configuration, &[Read]),
    (Scan, &[Read]),
    (Sbom, &[Read]),
    (Scanner, &[Read]),
    (Tag, &[List]),
    (Accessory, &[List]),
    (Artifact, &[Read, List]),
    (ArtifactAddition, &[Read]),
];

/// What anyone, signed in or not, may do in a public project.
const PUBLIC_PROJECT: Grants = &[
    (Project, &[Read]),
    (Label, &[Read, List]),
    (Repository, &[List, Pull]),
    (Scan, &[Read]),
    (Scanner, &[Read]),
    (Tag, &[List]),
    (Artifact, &[Read, List]),
    (ArtifactAddition, &[Read]),
    (Accessory, &[List]),
];

/// What may be granted to a project-level robot (Harbor's list, so the
/// permission pickers and Terraform configurations carry over).
const ROBOT_PROJECT: Grants = &[
    (Log, &[List]),
    (Project, &[Read, Delete, Update]),
    (Metadata, &[Read, Create, Delete, List, Update]),
    (Repository, &[Read, Update, Delete, List, Pull, Push]),
    (Artifact, &[Read, Create, List, Delete]),
    (Scan, &[Create, Read, Stop]),
    (Sbom, &[Create, Stop, Read]),
    (Tag, &[Create, List, Delete]),
    (Accessory, &[List]),
    (ArtifactAddition, &[Read]),
    (ArtifactLabel, &[Create, Delete]),
    (Scanner, &[Create, Read]),
    (PreheatPolicy, &[Read, Create, Delete, List, Update]),
    (ImmutableTag, &[Create, Delete, List, Update]),
    (NotificationPolicy, &[Read, Create, Delete, List, Update]),
    (TagRetention, &[Read, Create, Delete, List, Update]),
    (Label, &[Read, Create, Delete, List, Update]),
    (Quota, &[Read]),
    (Robot, &[Create, Read, List, Delete]),
    (ExportCve, &[Create, Read]),
    (Member, &[Create, Read, Update, List, Delete]),
];

/// What may be granted to a system-level robot.
const ROBOT_SYSTEM: Grants = &[
    (AuditLog, &[List]),
    (PreheatInstance, &[Read, Create, Delete, List, Update]),
    (Project, &[List, Create]),
    (ReplicationPolicy, &[Read, Create, Delete, List, Update]),
    (Replication, &[Read, Create, List]),
    (ReplicationAdapter, &[List]),
    (Registry, &[Read, Create, Delete, List, Update]),
    (ScanAll, &[Read, Update, Stop, Create]),
    (SystemVolumes, &[Read]),
    (GarbageCollection, &[Read, Create, List, Update, Stop]),
    (PurgeAuditLog, &[Read, Create, List, Update, Stop]),
    (JobServiceMonitor, &[List, Stop]),
    (Scanner, &[Read, Create, Delete, List, Update]),
    (Label, &[Read, Create, Delete, Update]),
    (SecurityHub, &[Read, List]),
    (Catalog, &[Read]),
    (Quota, &[Read, List, Update]),
    (Robot, &[Create, Read, List, Delete]),
    (User, &[Create, Read, Update, List, Delete]),
    (LdapUser, &[Create, List]),
    (UserGroup, &[Create, Read, Update, List, Delete]),
];

fn expand(grants: Grants) -> impl Iterator<Item = Permission> {
    grants.iter().flat_map(|(resource, actions)| {
        actions
            .iter()
            .map(move |action| Permission::new(*resource, *action))
    })
}

fn grants_of(role: ProjectRole) -> Grants {
    match role {
        ProjectRole::ProjectAdmin => PROJECT_ADMIN,
        ProjectRole::Maintainer => MAINTAINER,
        ProjectRole::Developer => DEVELOPER,
        ProjectRole::Guest => GUEST,
        ProjectRole::LimitedGuest => LIMITED_GUEST,
    }
}

/// A set of permissions inside one project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    pub fn everything() -> Self {
        let mut set = BTreeSet::new();
        for resource in Resource::ALL {
            for action in Action::ALL {
                set.insert(Permission::new(*resource, *action));
            }
        }
        Self(set)
    }

    pub fn allows(&self, resource: Resource, action: Action) -> bool {
        self.0.contains(&Permission::new(resource, action))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Permission> {
        self.0.iter()
    }

    pub fn union(mut self, other: impl IntoIterator<Item = Permission>) -> Self {
        self.0.extend(other);
        self
    }

    pub fn intersection(&self, other: &PermissionSet) -> PermissionSet {
        PermissionSet(self.0.intersection(&other.0).copied().collect())
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// The permissions a role holds in a project.
pub fn role_permissions(role: ProjectRole) -> PermissionSet {
    expand(grants_of(role)).collect()
}

/// What everyone holds in a public project.
pub fn public_project_permissions() -> PermissionSet {
    expand(PUBLIC_PROJECT).collect()
}

/// What a caller holds in one project: a system administrator everything; a
/// member their role's permissions; everyone the public set when the project
/// is public; otherwise nothing.
pub fn project_permissions(
    system_admin: bool,
    role: Option<ProjectRole>,
    public: bool,
) -> PermissionSet {
    if system_admin {
        return PermissionSet::everything();
    }
    let mut set = role.map(role_permissions).unwrap_or_default();
    if public {
        set = set.union(expand(PUBLIC_PROJECT));
    }
    set
}

/// What may be granted to robots, for `GET /permissions` and validation.
pub fn robot_grantable_project() -> Vec<Permission> {
    expand(ROBOT_PROJECT).collect()
}

pub fn robot_grantable_system() -> Vec<Permission> {
    expand(ROBOT_SYSTEM).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected matrix, written independently of the tables above as
    /// Harbor documents it: role → "resource:action" pairs.
    fn expected(role: ProjectRole) -> BTreeSet<String> {
        let text = match role {
            ProjectRole::ProjectAdmin => {
                "project:read project:update project:delete member:create member:read member:update member:delete \
                 member:list metadata:create metadata:read metadata:update metadata:delete log:list label:create \
                 label:read label:update label:delete label:list quota:read repository:create repository:read \
                 repository:update repository:delete repository:list repository:pull repository:push \
                 tag-retention:create tag-retention:read tag-retention:update tag-retention:delete tag-retention:list \
                 tag-retention:operate immutable-tag:create immutable-tag:update immutable-tag:delete immutable-tag:list \
                 configuration:read configuration:update robot:create robot:read robot:update robot:delete robot:list \
                 notification-policy:create notification-policy:update notification-policy:delete \
                 notification-policy:list notification-policy:read scan:create scan:read scan:stop sbom:create \
                 sbom:stop sbom:read scanner:read scanner:create artifact:create artifact:read artifact:delete \
                 artifact:list artifact-addition:read tag:list tag:create tag:delete accessory:list \
                 artifact-label:create artifact-label:delete preheat-policy:create preheat-policy:read \
                 preheat-policy:update preheat-policy:delete preheat-policy:list export-cve:create export-cve:read \
                 export-cve:list"
            }
            ProjectRole::Maintainer => {
                "project:read member:read member:list metadata:read quota:read label:create label:read label:update \
                 label:delete label:list repository:create repository:read repository:update repository:delete \
                 repository:list repository:push repository:pull tag-retention:create tag-retention:read \
                 tag-retention:update tag-retention:delete tag-retention:list tag-retention:operate accessory:list \
                 immutable-tag:create immutable-tag:update immutable-tag:delete immutable-tag:list configuration:read \
                 robot:read robot:list notification-policy:read notification-policy:list scan:create scan:read \
                 scan:stop sbom:create sbom:stop sbom:read scanner:read artifact:create artifact:read artifact:delete \
                 artifact:list artifact-addition:read tag:list tag:create tag:delete artifact-label:create \
                 artifact-label:delete export-cve:create export-cve:read export-cve:list"
            }
            ProjectRole::Developer => {
                "project:read member:read member:list label:read label:list quota:read repository:create \
                 repository:read repository:update repository:list repository:push repository:pull \
                 tag-retention:create tag-retention:read tag-retention:update tag-retention:delete tag-retention:list \
                 tag-retention:operate configuration:read robot:read robot:list scan:read sbom:read scanner:read \
                 artifact:create artifact:read artifact:list artifact-addition:read tag:list tag:create \
                 accessory:list artifact-label:create artifact-label:delete export-cve:create export-cve:read \
                 export-cve:list"
            }
            ProjectRole::Guest => {
                "project:read member:read member:list label:read label:list quota:read repository:read \
                 repository:list repository:pull configuration:read robot:read robot:list scan:read sbom:read \
                 scanner:read tag:list accessory:list artifact:read artifact:list artifact-addition:read"
            }
            ProjectRole::LimitedGuest => {
                "project:read quota:read repository:list repository:read repository:pull configuration:read \
                 scan:read sbom:read scanner:read tag:list accessory:list artifact:read artifact:list \
                 artifact-addition:read"
            }
        };
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn every_role_holds_exactly_the_documented_matrix() {
        let counts = [
            (ProjectRole::ProjectAdmin, 75),
            (ProjectRole::Maintainer, 53),
            (ProjectRole::Developer, 36),
            (ProjectRole::Guest, 20),
            (ProjectRole::LimitedGuest, 14),
        ];
        for (role, count) in counts {
            let expected = expected(role);
            assert_eq!(expected.len(), count, "{role:?} fixture");
            let granted = project_permissions(false, Some(role), false);
            for resource in Resource::ALL {
                for action in Action::ALL {
                    let pair = format!("{resource}:{action}");
                    assert_eq!(
                        granted.allows(*resource, *action),
                        expected.contains(&pair),
                        "{role:?} {pair}"
                    );
                }
            }
        }
    }

    #[test]
    fn outsiders_get_nothing_in_a_private_project_and_the_public_set_in_a_public_one() {
        assert!(project_permissions(false, None, false).is_empty());
        let public = project_permissions(false, None, true);
        assert!(public.allows(Repository, Pull));
        assert!(!public.allows(Repository, Push));
        assert!(!public.allows(Member, List));
        assert_eq!(public.iter().count(), 12);
    }

    #[test]
    fn public_access_adds_to_a_members_role() {
        let limited = project_permissions(false, Some(ProjectRole::LimitedGuest), true);
        assert!(limited.allows(Label, List), "from the public set");
        assert!(limited.allows(Quota, Read), "from the role");
    }

    #[test]
    fn system_administrators_may_do_everything() {
        let admin = project_permissions(true, None, false);
        for resource in Resource::ALL {
            for action in Action::ALL {
                assert!(admin.allows(*resource, *action));
            }
        }
    }

    #[test]
    fn robot_grantable_lists_match_harbors_sizes() {
        assert_eq!(robot_grantable_project().len(), 70);
        assert_eq!(robot_grantable_system().len(), 70);
    }
}
