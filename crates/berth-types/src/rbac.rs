//! The access-control vocabulary, with Harbor's wire names: what a permission
//! is about (`Resource`), what it allows (`Action`), and the project roles.
//!
//! Closed enums, so every match is exhaustive and tests can list them all.

use std::fmt;
use std::str::FromStr;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(UnknownName { kind: stringify!($name), name: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {name:?}")]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
}

wire_enum!(
    /// What a permission allows.
    Action {
        Pull => "pull",
        Push => "push",
        Create => "create",
        Read => "read",
        Update => "update",
        Delete => "delete",
        List => "list",
        Operate => "operate",
        ScannerPull => "scanner-pull",
        Stop => "stop",
    }
);

wire_enum!(
    /// What a permission is about. Inside a project's namespace, `Project`
    /// is the project itself.
    Resource {
        Project => "project",
        Member => "member",
        Metadata => "metadata",
        Log => "log",
        Label => "label",
        Quota => "quota",
        Repository => "repository",
        TagRetention => "tag-retention",
        ImmutableTag => "immutable-tag",
        Configuration => "configuration",
        Robot => "robot",
        NotificationPolicy => "notification-policy",
        Scan => "scan",
        Sbom => "sbom",
        Scanner => "scanner",
        Artifact => "artifact",
        ArtifactAddition => "artifact-addition",
        Tag => "tag",
        Accessory => "accessory",
        ArtifactLabel => "artifact-label",
        PreheatPolicy => "preheat-policy",
        PreheatInstance => "preheat-instance",
        ExportCve => "export-cve",
        AuditLog => "audit-log",
        Catalog => "catalog",
        User => "user",
        UserGroup => "user-group",
        LdapUser => "ldap-user",
        Registry => "registry",
        Replication => "replication",
        ReplicationPolicy => "replication-policy",
        ReplicationAdapter => "replication-adapter",
        Distribution => "distribution",
        GarbageCollection => "garbage-collection",
        ScanAll => "scan-all",
        SystemVolumes => "system-volumes",
        PurgeAuditLog => "purge-audit",
        JobServiceMonitor => "jobservice-monitor",
        SecurityHub => "security-hub",
    }
);

/// One (resource, action) pair.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Permission {
    pub resource: Resource,
    pub action: Action,
}

impl Permission {
    pub const fn new(resource: Resource, action: Action) -> Self {
        Self { resource, action }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource, self.action)
    }
}

/// A member's role in a project, with Harbor's ids and names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProjectRole {
    ProjectAdmin,
    Developer,
    Guest,
    Maintainer,
    LimitedGuest,
}

impl ProjectRole {
    pub const ALL: [ProjectRole; 5] = [
        ProjectRole::ProjectAdmin,
        ProjectRole::Maintainer,
        ProjectRole::Developer,
        ProjectRole::Guest,
        ProjectRole::LimitedGuest,
    ];

    pub const fn id(self) -> i16 {
        match self {
            ProjectRole::ProjectAdmin => 1,
            ProjectRole::Developer => 2,
            ProjectRole::Guest => 3,
            ProjectRole::Maintainer => 4,
            ProjectRole::LimitedGuest => 5,
        }
    }

    pub fn from_id(id: i64) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|role| i64::from(role.id()) == id)
    }

    pub const fn name(self) -> &'static str {
        match self {
            ProjectRole::ProjectAdmin => "projectAdmin",
            ProjectRole::Developer => "developer",
            ProjectRole::Guest => "guest",
            ProjectRole::Maintainer => "maintainer",
            ProjectRole::LimitedGuest => "limitedGuest",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_for_every_variant() {
        for resource in Resource::ALL {
            assert_eq!(resource.as_str().parse::<Resource>(), Ok(*resource));
        }
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(*action));
        }
        assert!("everything".parse::<Resource>().is_err());
        assert!(
            "*".parse::<Action>().is_err(),
            "wildcards are never a grantable action"
        );
    }

    #[test]
    fn roles_keep_harbors_ids_and_names() {
        let table: Vec<(i16, &str)> = ProjectRole::ALL
            .iter()
            .map(|r| (r.id(), r.name()))
            .collect();
        assert_eq!(
            table,
            [
                (1, "projectAdmin"),
                (4, "maintainer"),
                (2, "developer"),
                (3, "guest"),
                (5, "limitedGuest")
            ]
        );
        assert_eq!(ProjectRole::from_id(4), Some(ProjectRole::Maintainer));
        assert_eq!(ProjectRole::from_id(6), None);
    }

    #[test]
    fn permissions_serialise_as_harbor_does() {
        let json =
            serde_json::to_value(Permission::new(Resource::Repository, Action::Pull)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"resource": "repository", "action": "pull"})
        );
    }
}
