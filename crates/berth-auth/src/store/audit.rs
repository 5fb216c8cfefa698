use sqlx::PgConnection;

/// One audit record. Written in the same transaction as the change it
/// describes; failed attempts are written on their own.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub project_id: Option<i64>,
    pub username: &'a str,
    pub source_ip: Option<&'a str>,
    pub resource_type: &'a str,
    pub resource: &'a str,
    pub operation: &'a str,
    pub detail: &'a str,
    pub success: bool,
}

pub async fn insert_audit(
    conn: &mut PgConnection,
    entry: &AuditEntry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (project_id, username, source_ip, resource_type, resource, operation, detail, success)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.project_id)
    .bind(entry.username)
    .bind(entry.source_ip)
    .bind(entry.resource_type)
    .bind(entry.resource)
    .bind(entry.operation)
    .bind(entry.detail)
    .bind(entry.success)
    .execute(conn)
    .await
    .map(|_| ())
}
