use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub algorithm: String,
    pub private_key: Vec<u8>,
    pub active: bool,
}

pub async fn list_keys(conn: &mut PgConnection) -> Result<Vec<SigningKeyRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kid, algorithm, private_key, active FROM signing_keys ORDER BY created_at",
    )
    .fetch_all(conn)
    .await
}

/// Stores a new active key unless another replica stored one first.
pub async fn insert_first_key(
    conn: &mut PgConnection,
    kid: &str,
    algorithm: &str,
    pkcs8: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_key, active) VALUES ($1, $2, $3, true)
         ON CONFLICT DO NOTHING",
    )
    .bind(kid)
    .bind(algorithm)
    .bind(pkcs8)
    .execute(conn)
    .await
    .map(|_| ())
}
