//! Harbor's shapes for what the registry stores: repositories, artifacts,
//! tags, labels and accessories.

use serde::Serialize;
use utoipa::ToSchema;

use super::time;
use crate::store::artifacts::{ArtifactRecord, ReferenceRow, TagRow};
use crate::store::audit::AuditRow;
use crate::store::labels::LabelRow;
use crate::store::quotas::QuotaRow;
use crate::store::repositories::{Counts, RepositoryRow};

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

/// Harbor's zero time, which it sends for "never" (a pull time of an
/// artifact nobody pulled).
const NEVER: &str = "0001-01-01T00:00:00.000Z";

fn optional_time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(time).unwrap_or_else(|| NEVER.to_owned())
}

/// `Tag`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tag {
    id: i64,
    repository_id: i64,
    artifact_id: i64,
    name: String,
    push_time: String,
    pull_time: String,
    immutable: bool,
}

pub fn tag(row: &TagRow) -> Tag {
    Tag {
        id: row.id,
        repository_id: row.repository_id,
        artifact_id: row.artifact_id,
        name: row.name.clone(),
        push_time: time(row.push_time),
        pull_time: optional_time(row.pull_time),
        immutable: false,
    }
}

/// `Label`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Label {
    id: i64,
    name: String,
    description: String,
    color: String,
    /// `g` (global) or `p` (project).
    scope: String,
    /// 0 for global labels.
    project_id: i64,
    creation_time: String,
    update_time: String,
}

pub fn label(row: &LabelRow) -> Label {
    Label {
        id: row.id,
        name: row.name.clone(),
        description: row.description.clone(),
        color: row.color.clone(),
        scope: row.scope.clone(),
        project_id: row.project_id.unwrap_or(0),
        creation_time: time(row.creation_time),
        update_time: time(row.update_time),
    }
}

/// `Accessory`: an artifact attached to another through `subject`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accessory {
    id: i64,
    artifact_id: i64,
    subject_artifact_id: i64,
    subject_artifact_digest: String,
    subject_artifact_repo: String,
    size: i64,
    digest: String,
    /// `signature.cosign`, `signature.notation`, `harbor.sbom` or
    /// `subject.accessory`.
    #[serde(rename = "type")]
    kind: String,
    icon: String,
    creation_time: String,
}

/// Harbor's accessory type, from the accessory's artifact type.
pub fn accessory_type(artifact_type: Option<&str>) -> &'static str {
    match artifact_type {
        Some("application/vnd.dev.cosign.artifact.sig.v1+json") => "signature.cosign",
        Some("application/vnd.cncf.notary.signature") => "signature.notation",
        Some("application/vnd.goharbor.harbor.sbom.v1") => "harbor.sbom",
        _ => "subject.accessory",
    }
}

pub fn accessory(row: &ArtifactRecord, subject_id: i64) -> Accessory {
    Accessory {
        id: row.id,
        artifact_id: row.id,
        subject_artifact_id: subject_id,
        subject_artifact_digest: row.subject_digest.clone().unwrap_or_default(),
        subject_artifact_repo: row.repository_name.clone(),
        size: row.total_size,
        digest: row.digest.clone(),
        kind: accessory_type(row.artifact_type.as_deref()).to_owned(),
        icon: String::new(),
        creation_time: time(row.push_time),
    }
}

/// `Reference`: an entry of an index.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reference {
    parent_id: i64,
    child_id: i64,
    child_digest: String,
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<serde_json::Value>,
}

/// `AdditionLink`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdditionLink {
    href: String,
    absolute: bool,
}

/// Harbor's artifact `type`, from the config's media type (or the
/// manifest's, for an index).
pub fn artifact_kind(record: &ArtifactRecord) -> &'static str {
    match record
        .config_media_type
        .as_deref()
        .unwrap_or(&record.media_type)
    {
        "application/vnd.oci.image.config.v1+json"
        | "application/vnd.docker.container.image.v1+json"
        | "application/vnd.oci.image.index.v1+json"
        | "application/vnd.docker.distribution.manifest.list.v2+json" => "IMAGE",
        "application/vnd.cncf.helm.config.v1+json" => "CHART",
        "application/vnd.cnab.config.v1+json" => "CNAB",
        "application/vnd.wasm.config.v1+json" => "WASM",
        _ => "UNKNOWN",
    }
}

/// `Artifact`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Artifact {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    /// The config's media type (the manifest's, for an index).
    media_type: String,
    manifest_media_type: String,
    artifact_type: String,
    project_id: i64,
    repository_id: i64,
    repository_name: String,
    digest: String,
    size: i64,
    icon: String,
    push_time: String,
    pull_time: String,
    #[schema(value_type = Object)]
    extra_attrs: serde_json::Value,
    #[schema(value_type = Object)]
    annotations: serde_json::Value,
    references: Vec<Reference>,
    tags: Vec<Tag>,
    #[schema(value_type = Object)]
    addition_links: std::collections::BTreeMap<String, AdditionLink>,
    labels: Vec<Label>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    scan_overview: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accessories: Option<Vec<Accessory>>,
}

/// What goes into an artifact beside its own row.
#[derive(Debug, Default)]
pub struct ArtifactParts {
    pub references: Vec<ReferenceRow>,
    pub tags: Vec<TagRow>,
    pub labels: Vec<LabelRow>,
    pub accessories: Option<Vec<ArtifactRecord>>,
    pub scan_overview: bool,
}

/// The additions an artifact offers, as paths under its own URL.
pub fn addition_names(record: &ArtifactRecord) -> &'static [&'static str] {
    match artifact_kind(record) {
        "IMAGE" if record.config_media_type.is_some() => &["build_history"],
        "CHART" => &["values.yaml", "readme.md"],
        _ => &[],
    }
}

pub fn artifact(record: &ArtifactRecord, parts: ArtifactParts) -> Artifact {
    let project = record
        .repository_name
        .split_once('/')
        .map_or("", |(project, _)| project);
    let path = record
        .repository_name
        .split_once('/')
        .map_or("", |(_, path)| path);
    let base = format!(
        "/api/v2.0/projects/{project}/repositories/{}/artifacts/{}",
        path.replace('/', "%252F"),
        record.digest
    );
    let addition_links = addition_names(record)
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                AdditionLink {
                    href: format!("{base}/additions/{name}"),
                    absolute: false,
                },
            )
        })
        .collect();
    Artifact {
        id: record.id,
        kind: artifact_kind(record).to_owned(),
        media_type: record
            .config_media_type
            .clone()
            .unwrap_or_else(|| record.media_type.clone()),
        manifest_media_type: record.media_type.clone(),
        artifact_type: record.artifact_type.clone().unwrap_or_default(),
        project_id: record.project_id,
        repository_id: record.repository_id,
        repository_name: record.repository_name.clone(),
        digest: record.digest.clone(),
        size: record.total_size,
        icon: String::new(),
        push_time: time(record.push_time),
        pull_time: optional_time(record.pull_time),
        extra_attrs: record
            .extra_attrs
            .clone()
            .unwrap_or_else(|| serde_json::json!({})),
        annotations: record
            .annotations
            .clone()
            .unwrap_or_else(|| serde_json::json!({})),
        references: parts
            .references
            .into_iter()
            .map(|r| Reference {
                parent_id: r.parent_id,
                child_id: r.child_id,
                child_digest: r.child_digest,
                platform: r.platform,
            })
            .collect(),
        tags: parts.tags.iter().map(tag).collect(),
        addition_links,
        labels: parts.labels.iter().map(label).collect(),
        scan_overview: parts.scan_overview.then(|| serde_json::json!({})),
        accessories: parts
            .accessories
            .map(|list| list.iter().map(|a| accessory(a, record.id)).collect()),
    }
}

/// `Quota`: a project's storage limit (`hard`, -1 for none) and usage.
#[derive(Debug, Serialize, ToSchema)]
pub struct Quota {
    id: i64,
    #[serde(rename = "ref")]
    #[schema(value_type = Object)]
    reference: serde_json::Value,
    #[schema(value_type = std::collections::BTreeMap<String, i64>)]
    hard: serde_json::Value,
    #[schema(value_type = std::collections::BTreeMap<String, i64>)]
    used: serde_json::Value,
    creation_time: String,
    update_time: String,
}

pub fn quota(row: &QuotaRow) -> Quota {
    Quota {
        id: row.id,
        reference: serde_json::json!({
            "id": row.id,
            "name": row.name,
            "owner_name": row.owner_name.clone().unwrap_or_default(),
        }),
        hard: serde_json::json!({"storage": row.storage_limit}),
        used: serde_json::json!({"storage": row.storage_used}),
        creation_time: time(row.creation_time),
        update_time: time(row.update_time),
    }
}

/// `AuditLog`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    id: i64,
    username: String,
    resource: String,
    resource_type: String,
    operation: String,
    op_time: String,
}

pub fn audit_log(row: &AuditRow) -> AuditLog {
    AuditLog {
        id: row.id,
        username: row.username.clone(),
        resource: row.resource.clone(),
        resource_type: row.resource_type.clone(),
        operation: row.operation.clone(),
        op_time: time(row.op_time),
    }
}

/// `AuditLogExt`: the entry with its detail and outcome (failed sign-ins,
/// lockouts).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLogExt {
    id: i64,
    username: String,
    resource: String,
    resource_type: String,
    operation: String,
    operation_description: String,
    operation_result: bool,
    op_time: String,
}

pub fn audit_log_ext(row: &AuditRow) -> AuditLogExt {
    AuditLogExt {
        id: row.id,
        username: row.username.clone(),
        resource: row.resource.clone(),
        resource_type: row.resource_type.clone(),
        operation: row.operation.clone(),
        operation_description: row.detail.clone(),
        operation_result: row.success,
        op_time: time(row.op_time),
    }
}

/// `SearchRepository`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchRepository {
    project_id: i64,
    project_name: String,
    project_public: bool,
    repository_name: String,
    pull_count: i64,
    artifact_count: i64,
}

/// `Search`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Search {
    project: Vec<super::Project>,
    repository: Vec<SearchRepository>,
}

pub fn search(projects: Vec<super::Project>, found: &[RepositoryRow]) -> Search {
    Search {
        project: projects,
        repository: found
            .iter()
            .map(|row| SearchRepository {
                project_id: row.project_id,
                project_name: row.project_name.clone(),
                project_public: row.project_public,
                repository_name: row.name.clone(),
                pull_count: row.pull_count,
                artifact_count: row.artifact_count,
            })
            .collect(),
    }
}

/// `Statistic`. The totals are for administrators only.
#[derive(Debug, Serialize, ToSchema)]
pub struct Statistic {
    private_project_count: i64,
    private_repo_count: i64,
    public_project_count: i64,
    public_repo_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_project_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_repo_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_storage_consumption: Option<i64>,
}

pub fn statistic(counts: &Counts, total_storage: Option<i64>) -> Statistic {
    let admin = total_storage.is_some();
    Statistic {
        private_project_count: counts.private_projects,
        private_repo_count: counts.private_repositories,
        public_project_count: counts.public_projects,
        public_repo_count: counts.public_repositories,
        total_project_count: admin.then_some(counts.private_projects + counts.public_projects),
        total_repo_count: admin.then_some(counts.private_repositories + counts.public_repositories),
        total_storage_consumption: total_storage,
    }
}

/// `GeneralInfo`.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeneralInfo {
    pub banner_message: String,
    pub current_time: String,
    pub registry_url: String,
    pub external_url: String,
    pub auth_mode: String,
    pub primary_auth_mode: bool,
    pub project_creation_restriction: String,
    pub self_registration: bool,
    pub has_ca_root: bool,
    pub harbor_version: String,
    pub registry_storage_provider_name: String,
    pub read_only: bool,
    pub notification_enable: bool,
    pub oidc_provider_name: String,
}

/// `Storage`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Storage {
    total: u64,
    free: u64,
}

/// `SystemInfo`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemInfo {
    storage: Vec<Storage>,
}
