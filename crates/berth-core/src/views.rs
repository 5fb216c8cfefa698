//! Harbor's JSON shapes, built from store rows.

use berth_auth::store::members::MemberRow;
use berth_auth::store::projects::ProjectRow;
use berth_auth::store::users::UserRow;
use berth_types::ProjectRole;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `UserResp`. The password hash never leaves the store layer's row.
pub fn user(row: &UserRow) -> Value {
    json!({
        "user_id": row.id,
        "username": row.username,
        "email": row.email.clone().unwrap_or_default(),
        "realname": row.realname,
        "comment": row.comment,
        "sysadmin_flag": row.sysadmin,
        "admin_role_in_auth": false,
        "creation_time": time(row.creation_time),
        "update_time": time(row.update_time),
    })
}

/// `ProjectMetadata` holds strings, as Harbor stores them: `public` is
/// derived from the column so it cannot disagree.
pub fn project_metadata(row: &ProjectRow) -> Value {
    let mut metadata = match &row.metadata {
        Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    metadata.insert("public".into(), Value::String(row.public.to_string()));
    Value::Object(metadata)
}

/// `Project`, with the caller's role and the project's repository count.
pub fn project(row: &ProjectRow, role: Option<ProjectRole>, repo_count: i64) -> Value {
    let role_ids: Vec<i16> = role.map(|r| vec![r.id()]).unwrap_or_default();
    json!({
        "project_id": row.id,
        "owner_id": row.owner_id.unwrap_or_default(),
        "owner_name": row.owner_name.clone().unwrap_or_default(),
        "name": row.name,
        "registry_id": 0,
        "creation_time": time(row.creation_time),
        "update_time": time(row.update_time),
        "deleted": false,
        "togglable": true,
        "current_user_role_id": role.map(ProjectRole::id).unwrap_or(0),
        "current_user_role_ids": role_ids,
        "repo_count": repo_count,
        "metadata": project_metadata(row),
    })
}

/// `ProjectMemberEntity`.
pub fn member(row: &MemberRow) -> Value {
    let role = ProjectRole::from_id(i64::from(row.role));
    json!({
        "id": row.id,
        "project_id": row.project_id,
        "entity_name": row.username,
        "entity_type": "u",
        "entity_id": row.user_id,
        "role_id": row.role,
        "role_name": role.map(ProjectRole::name).unwrap_or_default(),
    })
}
