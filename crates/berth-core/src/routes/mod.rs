use actix_web::{HttpRequest, web};
use berth_auth::Principal;
use berth_auth::principal::source_ip;
use berth_auth::store::audit::{AuditEntry, insert_audit};
use sqlx::PgConnection;

pub(crate) mod artifact_additions;
pub(crate) mod artifact_copy;
pub(crate) mod artifacts;
pub(crate) mod audit;
pub(crate) mod labels;
pub(crate) mod members;
pub(crate) mod permissions;
pub(crate) mod projects;
pub(crate) mod quotas;
pub(crate) mod repositories;
pub(crate) mod robots;
pub(crate) mod system;
pub(crate) mod tokens;
pub(crate) mod users;

/// Mounts the management API; the caller puts it under `/api/v2.0`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    permissions::configure(cfg);
    tokens::configure(cfg);
    users::configure(cfg);
    projects::configure(cfg);
    members::configure(cfg);
    robots::configure(cfg);
    repositories::configure(cfg);
    artifacts::configure(cfg);
    labels::configure(cfg);
    quotas::configure(cfg);
    audit::configure(cfg);
    system::configure(cfg);
}

/// What an audit record needs to know about the request.
pub(crate) struct Actor<'a> {
    pub principal: &'a Principal,
    pub source_ip: Option<String>,
}

impl<'a> Actor<'a> {
    pub fn new(principal: &'a Principal, req: &HttpRequest) -> Self {
        Self {
            principal,
            source_ip: source_ip(req),
        }
    }

    /// Records a successful change; call inside the change's transaction.
    pub async fn audit(
        &self,
        conn: &mut PgConnection,
        project_id: Option<i64>,
        resource_type: &str,
        resource: &str,
        operation: &str,
    ) -> Result<(), sqlx::Error> {
        insert_audit(
            conn,
            &AuditEntry {
                project_id,
                username: self.principal.name(),
                source_ip: self.source_ip.as_deref(),
                resource_type,
                resource,
                operation,
                detail: "",
                success: true,
            },
        )
        .await
    }
}

pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}
