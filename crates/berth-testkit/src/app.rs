use anyhow::Context;
use berth_gateway::Application;
use berth_platform::{Config, Platform};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::TcpListener;

use crate::caller::Caller;
use crate::database::{TestDatabase, redis_url};

/// The password of `admin` in every test platform.
pub const ADMIN_PASSWORD: &str = "Test-Admin-Passw0rd";
/// The password [`TestApp::new_user`] gives its users.
pub const USER_PASSWORD: &str = "Secret-Passw0rd";

/// `OverallHealthStatus` as a client reads it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct HealthReport {
    pub status: String,
    pub components: Vec<ComponentReport>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ComponentReport {
    pub name: String,
    pub status: String,
    pub error: Option<String>,
}

impl HealthReport {
    pub fn component(&self, name: &str) -> &ComponentReport {
        self.components
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no component {name} in {self:?}"))
    }
}

/// Configures a [`TestApp`] before it starts. Settings are given as the
/// `BERTH_*` variables they stand for and go through the real loader; the
/// process environment is never touched.
pub struct TestAppBuilder {
    settings: BTreeMap<String, String>,
    database: Option<TestDatabase>,
    migrated: bool,
}

impl TestAppBuilder {
    pub fn setting(mut self, var: &str, value: impl Into<String>) -> Self {
        self.settings.insert(var.to_owned(), value.into());
        self
    }

    /// Serve against this database instead of a fresh migrated clone.
    pub fn database(mut self, database: TestDatabase) -> Self {
        self.database = Some(database);
        self
    }

    /// Store blobs in the S3-compatible server the test script starts
    /// (`BERTH_TEST_S3_ENDPOINT`), under a prefix of this test's own. Returns
    /// `None` outside the script; in CI the server must be there.
    pub fn s3_storage(self) -> Option<Self> {
        let endpoint = match std::env::var("BERTH_TEST_S3_ENDPOINT") {
            Ok(endpoint) => endpoint,
            Err(_) if std::env::var_os("CI").is_some() => {
                panic!(
                    "BERTH_TEST_S3_ENDPOINT must be set in CI (scripts/test.sh starts the S3 server)"
                )
            }
            Err(_) => return None,
        };
        let bucket = std::env::var("BERTH_TEST_S3_BUCKET").unwrap_or_else(|_| "berth-test".into());
        // Short: s3s-fs encodes whole keys into file names of at most 255 bytes.
        let prefix = &uuid::Uuid::new_v4().simple().to_string()[..8];
        Some(
            self.setting("BERTH_STORAGE_URL", format!("s3://{bucket}/{prefix}"))
                .setting("BERTH_S3_ENDPOINT", endpoint)
                .setting("BERTH_S3_REGION", "us-east-1")
                .setting("BERTH_S3_ACCESS_KEY_ID", "berth-test")
                .setting("BERTH_S3_SECRET_ACCESS_KEY", "berth-test-secret")
                .setting("BERTH_S3_PATH_STYLE", "true"),
        )
    }

    /// Listen on a port chosen now and make it the external address, so
    /// the token realm in registry challenges is reachable by real clients
    /// (skopeo, browsers) at the address the challenge names.
    pub fn on_its_own_port(self) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        self.setting("BERTH_HTTP_ADDR", format!("127.0.0.1:{port}"))
    }

    /// Start from an empty database, so start-up applies the migrations.
    pub fn unmigrated(mut self) -> Self {
        self.migrated = false;
        self
    }

    pub async fn spawn(self) -> anyhow::Result<TestApp> {
        let database = match (self.database, self.migrated) {
            (Some(db), _) => db,
            (None, true) => TestDatabase::migrated().await?,
            (None, false) => TestDatabase::empty().await?,
        };
        let blobs = tempfile::tempdir().context("creating the blob directory")?;
        let data = tempfile::tempdir().context("creating the data directory")?;
        let redis_prefix = format!("berth_test:{}:", uuid::Uuid::new_v4().simple());

        let mut env = BTreeMap::from([
            ("BERTH_DATABASE_URL".to_owned(), database.url()),
            ("BERTH_REDIS_URL".to_owned(), redis_url()),
            ("BERTH_REDIS_KEY_PREFIX".to_owned(), redis_prefix.clone()),
            (
                "BERTH_STORAGE_URL".to_owned(),
                format!("file://{}", blobs.path().display()),
            ),
            (
                "BERTH_DATA_DIR".to_owned(),
                data.path().display().to_string(),
            ),
            ("BERTH_HTTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
            ("BERTH_HEALTH_TIMEOUT_MS".to_owned(), "1000".to_owned()),
            ("BERTH_SHUTDOWN_TIMEOUT_SECS".to_owned(), "5".to_owned()),
            ("BERTH_ADMIN_PASSWORD".to_owned(), ADMIN_PASSWORD.to_owned()),
        ]);
        env.extend(self.settings);
        let config = Config::load(None, env).context("test configuration")?;

        let listener = TcpListener::bind(config.http_addr).context("binding an ephemeral port")?;
        let port = listener.local_addr()?.port();
        let platform = Platform::open(config).context("opening the platform")?;
        let application = Application::build_with_listener(platform.clone(), listener)?;
        let handle = application.handle();
        tokio::spawn(application.run_until_stopped());

        Ok(TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            platform,
            redis_prefix,
            handle,
            _blobs: blobs,
            _data: data,
            database,
        })
    }
}

/// The whole platform, in-process, on an ephemeral port.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub platform: Platform,
    pub redis_prefix: String,
    handle: actix_web::dev::ServerHandle,
    _blobs: tempfile::TempDir,
    _data: tempfile::TempDir,
    database: TestDatabase,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            settings: BTreeMap::new(),
            database: None,
            migrated: true,
        }
    }

    /// A ready platform with default settings.
    pub async fn spawn() -> TestApp {
        let app = Self::builder().spawn().await.expect("test app starts");
        app.wait_ready().await;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn database(&self) -> &TestDatabase {
        &self.database
    }

    /// Calls as `admin`.
    pub fn admin(&self) -> Caller<'_> {
        Caller::new(self, Some(("admin".to_owned(), ADMIN_PASSWORD.to_owned())))
    }

    /// Calls with these Basic credentials.
    pub fn caller(&self, username: &str, password: &str) -> Caller<'_> {
        Caller::new(self, Some((username.to_owned(), password.to_owned())))
    }

    /// Calls without credentials.
    pub fn anonymous(&self) -> Caller<'_> {
        Caller::new(self, None)
    }

    /// Creates a user through the API and returns it as a caller, with its id.
    pub async fn new_user(&self, username: &str) -> (Caller<'_>, i64) {
        let response = self
            .admin()
            .post_json(
                "/api/v2.0/users",
                &serde_json::json!({
                    "username": username,
                    "password": USER_PASSWORD,
                    "email": format!("{username}@example.com"),
                    "realname": username,
                }),
            )
            .await;
        assert_eq!(response.status(), 201, "creating user {username}");
        let id = location_id(&response);
        (self.caller(username, USER_PASSWORD), id)
    }

    /// Creates a project owned by `owner` and returns its id.
    pub async fn new_project(&self, owner: &Caller<'_>, name: &str, public: bool) -> i64 {
        let response = owner
            .post_json(
                "/api/v2.0/projects",
                &serde_json::json!({"project_name": name, "public": public}),
            )
            .await;
        assert_eq!(response.status(), 201, "creating project {name}");
        location_id(&response)
    }

    /// Adds a user to a project with a role id, as `admin`; returns the
    /// member id.
    pub async fn add_member(&self, project_id: i64, user_id: i64, role_id: i64) -> i64 {
        let response = self
            .admin()
            .post_json(
                &format!("/api/v2.0/projects/{project_id}/members"),
                &serde_json::json!({"role_id": role_id, "member_user": {"user_id": user_id}}),
            )
            .await;
        assert_eq!(
            response.status(),
            201,
            "adding member {user_id} to {project_id}"
        );
        location_id(&response)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the server")
    }

    pub async fn health(&self) -> HealthReport {
        let response = self.get("/api/v2.0/health").await;
        assert_eq!(response.status(), 200, "health answers 200");
        response.json().await.expect("health report is JSON")
    }

    /// Polls `/readyz` until it answers 200, for at most 20 seconds.
    pub async fn wait_ready(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let response = self.get("/readyz").await;
            if response.status() == 200 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "not ready in time: {}",
                response.text().await.unwrap_or_default()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command at once; nothing needs to wait for it.
        drop(self.handle.stop(false));
        let prefix = self.redis_prefix.clone();
        let _ = std::thread::spawn(move || delete_redis_keys(&prefix)).join();
    }
}

fn delete_redis_keys(prefix: &str) {
    let Ok(client) = redis::Client::open(redis_url()) else {
        return;
    };
    let Ok(mut conn) = client.get_connection() else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut conn)
        .unwrap_or_default();
    if !keys.is_empty() {
        let _: Result<(), _> = redis::cmd("DEL").arg(keys).query(&mut conn);
    }
}

/// The trailing id of a `Location` header.
pub fn location_id(response: &reqwest::Response) -> i64 {
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii Location");
    location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in Location {location}"))
}
