//! Harbor's shapes for what the registry stores: repositories, artifacts,
//! tags, labels and accessories.

use serde::Serialize;
use utoipa::ToSchema;

use super::time;
use crate::store::repositories::RepositoryRow;

/// `Repository`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Repository {
    id: i64,
    project_id: i64,
    /// With the project: `library/app`.
    name: String,
    description: String,
    artifact_count: i64,
    pull_count: i64,
    creation_time: String,
    update_time: String,
}

pub fn repository(row: &RepositoryRow) -> Repository {
    Repository {
        id: row.id,
        project_id: row.project_id,
        name: row.name.clone(),
        description: row.description.clone(),
        artifact_count: row.artifact_count,
        pull_count: row.pull_count,
        creation_time: time(row.creation_time),
        update_time: time(row.update_time),
    }
}
