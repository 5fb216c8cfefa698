//! Harbor's JSON shapes, built from store rows. Each is a type, so the
//! OpenAPI document describes exactly what the handlers send.

use berth_auth::domain::robot::RobotPermission;
use berth_auth::store::members::MemberRow;
use berth_auth::store::projects::ProjectRow;
use berth_auth::store::robots::RobotRow;
use berth_auth::store::tokens::TokenRow;
use berth_auth::store::users::UserRow;
use berth_types::{Permission, ProjectRole};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

mod registry;
pub use registry::*;

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `UserResp`. The password hash never leaves the store layer's row.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResp {
    user_id: i64,
    username: String,
    email: String,
    realname: String,
    comment: String,
    sysadmin_flag: bool,
    admin_role_in_auth: bool,
    creation_time: String,
    update_time: String,
}

pub fn user(row: &UserRow) -> UserResp {
    UserResp {
        user_id: row.id,
        username: row.username.clone(),
        email: row.email.clone().unwrap_or_default(),
        realname: row.realname.clone(),
        comment: row.comment.clone(),
        sysadmin_flag: row.sysadmin,
        admin_role_in_auth: false,
        creation_time: time(row.creation_time),
        update_time: time(row.update_time),
    }
}

/// `UserSearchRespItem`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSearchItem {
    pub user_id: i64,
    pub username: String,
}

/// `Project`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Project {
    project_id: i64,
    owner_id: i64,
    owner_name: String,
    name: String,
    registry_id: i64,
    creation_time: String,
    update_time: String,
    deleted: bool,
    togglable: bool,
    current_user_role_id: i16,
    current_user_role_ids: Vec<i16>,
    repo_count: i64,
    /// `ProjectMetadata`: string values, as Harbor stores them.
    metadata: BTreeMap<String, String>,
}

/// `public` is derived from the column so it cannot disagree.
fn project_metadata(row: &ProjectRow) -> BTreeMap<String, String> {
    let mut metadata: BTreeMap<String, String> = match &row.metadata {
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
            .collect(),
        _ => BTreeMap::new(),
    };
    metadata.insert("public".into(), row.public.to_string());
    metadata
}

/// The caller's role and the project's repository count come along.
pub fn project(row: &ProjectRow, role: Option<ProjectRole>, repo_count: i64) -> Project {
    Project {
        project_id: row.id,
        owner_id: row.owner_id.unwrap_or_default(),
        owner_name: row.owner_name.clone().unwrap_or_default(),
        name: row.name.clone(),
        registry_id: 0,
        creation_time: time(row.creation_time),
        update_time: time(row.update_time),
        deleted: false,
        togglable: true,
        current_user_role_id: role.map(ProjectRole::id).unwrap_or(0),
        current_user_role_ids: role.map(|r| vec![r.id()]).unwrap_or_default(),
        repo_count,
        metadata: project_metadata(row),
    }
}

/// `ProjectMemberEntity`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectMemberEntity {
    id: i64,
    project_id: i64,
    entity_name: String,
    entity_type: &'static str,
    entity_id: i64,
    role_id: i16,
    role_name: &'static str,
}

pub fn member(row: &MemberRow) -> ProjectMemberEntity {
    let role = ProjectRole::from_id(i64::from(row.role));
    ProjectMemberEntity {
        id: row.id,
        project_id: row.project_id,
        entity_name: row.username.clone(),
        entity_type: "u",
        entity_id: row.user_id,
        role_id: row.role,
        role_name: role.map(ProjectRole::name).unwrap_or_default(),
    }
}

/// Harbor's `Robot`, without the secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Robot {
    id: i64,
    name: String,
    description: String,
    level: &'static str,
    duration: i32,
    editable: bool,
    disable: bool,
    /// Seconds since the epoch, or -1 for never.
    expires_at: i64,
    permissions: Vec<RobotPermission>,
    creator_type: String,
    creator_ref: i64,
    creation_time: String,
    update_time: String,
}

pub fn robot_expires_at(row: &RobotRow) -> i64 {
    row.expires_at.map(|t| t.timestamp()).unwrap_or(-1)
}

pub fn robot(row: &RobotRow, prefix: &str) -> Robot {
    Robot {
        id: row.id,
        name: format!("{prefix}{}", row.name),
        description: row.description.clone(),
        level: if row.project_id.is_some() {
            "project"
        } else {
            "system"
        },
        duration: row.duration_days,
        editable: true,
        disable: row.disabled,
        expires_at: robot_expires_at(row),
        permissions: row.permissions.0.clone(),
        creator_type: row.creator_type.clone(),
        creator_ref: row.creator_ref,
        creation_time: time(row.creation_time),
        update_time: time(row.update_time),
    }
}

/// `RobotCreated`: the only answer that carries the secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct RobotCreated {
    pub id: i64,
    pub name: String,
    pub secret: String,
    pub creation_time: String,
    pub expires_at: i64,
}

/// `RobotSec`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RobotSecret {
    pub secret: String,
}

/// A personal access token (our extension). `token` is present only in the
/// answer to its creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessToken {
    id: i64,
    name: String,
    projects: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<PermissionSchema>>)]
    permissions: Option<Vec<Permission>>,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    creation_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

pub fn access_token(row: &TokenRow) -> AccessToken {
    AccessToken {
        id: row.id,
        name: row.name.clone(),
        projects: row.projects.as_ref().map(|p| p.0.clone()),
        permissions: row.permissions.as_ref().map(|p| p.0.clone()),
        expires_at: row.expires_at.map(time),
        last_used_at: row.last_used_at.map(time),
        creation_time: time(row.creation_time),
        token: None,
    }
}

/// `Permission`: a resource and an action, by Harbor's wire names.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Permission)]
pub struct PermissionSchema {
    #[schema(example = "repository")]
    resource: String,
    #[schema(example = "pull")]
    action: String,
}
