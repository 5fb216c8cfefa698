//! Health, readiness and liveness against real PostgreSQL, Redis and storage.

use berth_testkit::{TestApp, TestDatabase};
use std::time::Duration;

#[tokio::test]
async fn every_component_is_healthy_on_a_fresh_platform() {
    let app = TestApp::spawn().await;
    let report = app.health().await;
    assert_eq!(report.status, "healthy", "{report:?}");
    let names: Vec<&str> = report.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["database", "redis", "storage"]);
    assert!(
        report
            .components
            .iter()
            .all(|c| c.status == "healthy" && c.error.is_none())
    );
}

#[tokio::test]
async fn ping_answers_pong_as_text() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v2.0/ping").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(response.text().await.unwrap(), "Pong");
}

/// A port that was just free: nothing listens there.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn redis_on_a_closed_port_is_unhealthy_while_the_process_keeps_serving() {
    let app = TestApp::builder()
        .setting(
            "BERTH_REDIS_URL",
            format!("redis://127.0.0.1:{}", closed_port()),
        )
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;

    let report = app.health().await;
    assert_eq!(report.status, "unhealthy");
    let redis = report.component("redis");
    assert_eq!(redis.status, "unhealthy");
    assert!(
        redis.error.as_deref().is_some_and(|e| !e.is_empty()),
        "{redis:?}"
    );
    assert_eq!(report.component("database").status, "healthy");
    assert_eq!(report.component("storage").status, "healthy");

    // Still serving: readiness depends on the database only, and the next
    // requests are answered as usual.
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(app.get("/api/v2.0/ping").await.status(), 200);
    assert_eq!(app.health().await.component("redis").status, "unhealthy");
}

#[tokio::test]
async fn an_unwritable_storage_directory_makes_storage_unhealthy() {
    let app = TestApp::spawn().await;
    assert_eq!(app.health().await.component("storage").status, "healthy");

    // Root ignores permission bits, so make writes fail for everyone: the
    // directory is replaced by a regular file.
    let berth_platform::config::StorageUrl::Filesystem(dir) = &app.platform.config().storage.url
    else {
        panic!("tests use filesystem storage");
    };
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::write(dir, b"not a directory").unwrap();

    let report = app.health().await;
    assert_eq!(report.status, "unhealthy");
    let storage = report.component("storage");
    assert_eq!(storage.status, "unhealthy");
    assert!(storage.error.is_some());
    assert_eq!(report.component("database").status, "healthy");

    // Recovery once the directory is back.
    std::fs::remove_file(dir).unwrap();
    std::fs::create_dir(dir).unwrap();
    assert_eq!(app.health().await.status, "healthy");
}

#[tokio::test]
async fn readiness_waits_for_a_database_that_appears_late_while_liveness_holds() {
    // The database does not exist yet: start-up must keep retrying, not exit.
    let database = TestDatabase::reserved();
    let url = database.url();
    let app = TestApp::builder()
        .setting("BERTH_DATABASE_URL", url)
        .database(database)
        .spawn()
        .await
        .unwrap();

    assert_eq!(app.get("/livez").await.status(), 200);
    let not_ready = app.get("/readyz").await;
    assert_eq!(not_ready.status(), 503);
    let body: serde_json::Value = not_ready.json().await.unwrap();
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("database unreachable"),
        "{body}"
    );
    let health = app.health().await;
    assert_eq!(health.component("database").status, "unhealthy");

    app.database().create_now().await.unwrap();
    app.wait_ready().await;
    assert_eq!(app.health().await.status, "healthy");
    let pool = app.database().pool().await.unwrap();
    let installations: i64 = sqlx::query_scalar("SELECT count(*) FROM installation")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        installations, 1,
        "migrations ran once the database appeared"
    );
    pool.close().await;
}

#[tokio::test]
async fn readiness_reports_pending_migrations_until_they_are_applied() {
    let database = TestDatabase::empty().await.unwrap();
    let config = berth_platform::Config::load(
        None,
        [
            ("BERTH_DATABASE_URL".to_owned(), database.url()),
            ("BERTH_REDIS_URL".to_owned(), berth_testkit::redis_url()),
            (
                "BERTH_DATA_DIR".to_owned(),
                std::env::temp_dir()
                    .join("berth-readiness")
                    .display()
                    .to_string(),
            ),
        ],
    )
    .unwrap();
    let platform = berth_platform::Platform::open(config).unwrap();

    let expected = berth_platform::db::MIGRATOR.iter().count();
    assert_eq!(
        platform.readiness().await,
        Err(berth_platform::NotReady::MigrationsPending(expected))
    );
    tokio::time::timeout(Duration::from_secs(30), platform.bootstrap_database())
        .await
        .expect("bootstrap finishes against a reachable database");
    assert_eq!(
        platform.readiness().await,
        Err(berth_platform::NotReady::Starting)
    );
    platform.mark_started();
    assert_eq!(platform.readiness().await, Ok(()));
    platform.db().close().await;
}

#[tokio::test]
async fn liveness_never_touches_dependencies() {
    let app = TestApp::builder()
        .setting(
            "BERTH_DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{}/x", closed_port()),
        )
        .setting(
            "BERTH_REDIS_URL",
            format!("redis://127.0.0.1:{}", closed_port()),
        )
        .spawn()
        .await
        .unwrap();
    let live = app.get("/livez").await;
    assert_eq!(live.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 503);
    let report = app.health().await;
    assert_eq!(report.status, "unhealthy");
    assert_eq!(report.component("database").status, "unhealthy");
    assert_eq!(report.component("redis").status, "unhealthy");
}

/// The S3-compatible server the test script starts, with its bucket made.
fn s3_endpoint() -> Option<String> {
    match std::env::var("BERTH_TEST_S3_ENDPOINT") {
        Ok(endpoint) => Some(endpoint),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!(
                "BERTH_TEST_S3_ENDPOINT must be set in CI (scripts/test.sh starts the S3 server)"
            )
        }
        Err(_) => None,
    }
}

fn s3_settings(
    builder: berth_testkit::TestAppBuilder,
    endpoint: String,
) -> berth_testkit::TestAppBuilder {
    let bucket = std::env::var("BERTH_TEST_S3_BUCKET").unwrap_or_else(|_| "berth-test".into());
    builder
        .setting(
            "BERTH_STORAGE_URL",
            format!("s3://{bucket}/health-{}", std::process::id()),
        )
        .setting("BERTH_S3_ENDPOINT", endpoint)
        .setting("BERTH_S3_REGION", "us-east-1")
        .setting("BERTH_S3_ACCESS_KEY_ID", "berth-test")
        .setting("BERTH_S3_SECRET_ACCESS_KEY", "berth-test-secret")
        .setting("BERTH_S3_PATH_STYLE", "true")
}

#[tokio::test]
async fn s3_compatible_storage_is_probed_for_real() {
    let Some(endpoint) = s3_endpoint() else {
        return;
    };
    let app = s3_settings(TestApp::builder(), endpoint)
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    let report = app.health().await;
    assert_eq!(report.component("storage").status, "healthy", "{report:?}");
    assert!(app.platform.storage().description().starts_with("s3://"));

    // The probe leaves nothing behind.
    use futures::TryStreamExt;
    let left: Vec<_> = app
        .platform
        .storage()
        .store()
        .list(None)
        .try_collect()
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");

    let unreachable = s3_settings(
        TestApp::builder(),
        format!("http://127.0.0.1:{}", closed_port()),
    )
    .spawn()
    .await
    .unwrap();
    let report = unreachable.health().await;
    assert_eq!(report.component("storage").status, "unhealthy");
    assert_eq!(report.status, "unhealthy");
}
