//! Test harness: each test gets its own PostgreSQL database (cloned from a
//! migrated template in milliseconds and dropped afterwards), its own Redis
//! key prefix, its own blob directory, and the whole platform started
//! in-process on an ephemeral port.
//!
//! The services it talks to are real: `BERTH_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, a maintenance database the
//! harness may create databases from) and `BERTH_TEST_REDIS_URL` (default
//! `redis://127.0.0.1:6379`).

mod app;
mod caller;
mod database;
pub mod oci;
mod push;

pub use app::{ADMIN_PASSWORD, HealthReport, TestApp, TestAppBuilder, USER_PASSWORD, location_id};
pub use caller::Caller;
pub use database::{TestDatabase, admin_database_url, redis_url};
pub use push::{OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, Pushed, sha256};
