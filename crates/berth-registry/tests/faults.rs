//! Dependency faults: when PostgreSQL goes away, every answer is a 503 that
//! says so, never a 401, 403 or 404 that would look like a verdict, and the
//! service recovers by itself when the database is back.

use berth_testkit::{TestApp, TestDatabase};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy to PostgreSQL that the test can cut and restore.
struct Proxy {
    port: u16,
    open: Arc<AtomicBool>,
    connections: Arc<tokio::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(tokio::sync::Mutex::new(Vec::new()));
        let (flag, held) = (open.clone(), connections.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !flag.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect("127.0.0.1:5432").await {
                        let _ = copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().await.push(task);
            }
        });
        Proxy {
            port,
            open,
            connections,
        }
    }

    /// Refuses new connections and kills the established ones.
    async fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for task in self.connections.lock().await.drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_database_outage_answers_503_everywhere_and_recovers() {
    let database = TestDatabase::migrated().await.unwrap();
    let proxy = Proxy::start().await;
    let mut url = url::Url::parse(&database.url()).unwrap();
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.port)).unwrap();
    let app = TestApp::builder()
        .database(database)
        .setting("BERTH_DATABASE_URL", url.to_string())
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    app.new_project(&app.admin(), "team", false).await;
    let token = app
        .admin()
        .registry_token(&["repository:team/app:pull,push"])
        .await;

    proxy.cut().await;
    let checks = [
        app.admin().get("/api/v2.0/users/current").await,
        app.admin()
            .get("/service/token?service=berth&scope=repository:team/app:pull")
            .await,
        app.admin().get("/api/v2.0/projects/team").await,
        app.client
            .get(app.url("/v2/team/app/tags/list"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    ];
    for response in checks {
        let url = response.url().path().to_owned();
        assert_eq!(response.status(), 503, "{url}");
        assert_eq!(response.headers()["retry-after"], "5", "{url}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "SERVICE_UNAVAILABLE", "{url}");
    }
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/livez").await.status(), 200);

    proxy.restore();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if app.admin().get("/api/v2.0/users/current").await.status() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no recovery after the database came back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn without_redis_the_registry_keeps_pushing_and_pulling() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::builder()
        .setting("BERTH_REDIS_URL", format!("redis://127.0.0.1:{closed}"))
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    app.new_project(&app.admin(), "team", false).await;
    let token = app
        .admin()
        .registry_token(&["repository:team/app:pull,push"])
        .await;
    let data = b"pushed while Redis is down".to_vec();
    let digest = format!("sha256:{}", {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&data))
    });
    let pushed = app
        .client
        .post(app.url(&format!("/v2/team/app/blobs/uploads/?digest={digest}")))
        .bearer_auth(&token)
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), 201);
    let pulled = app
        .client
        .get(app.url(&format!("/v2/team/app/blobs/{digest}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(pulled.bytes().await.unwrap().as_ref(), data.as_slice());
}

/// Sends raw bytes, then reads whatever the server answers until it closes
/// the connection (or `limit` passes, which fails the test).
async fn raw_exchange(
    port: u16,
    opening: &[u8],
    stall: std::time::Duration,
    limit: std::time::Duration,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(opening).await.unwrap();
    tokio::time::sleep(stall).await;
    let mut answer = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut answer))
        .await
        .expect("the server closes a stalled connection")
        .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn slow_headers_and_stalled_bodies_are_cut_off_and_the_upload_resumes() {
    let app = TestApp::builder()
        .setting("BERTH_HEADER_TIMEOUT_MS", "500")
        .setting("BERTH_BODY_IDLE_TIMEOUT_SECS", "1")
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    let second = std::time::Duration::from_secs(1);

    // Headers that never finish.
    let answer = raw_exchange(
        app.port,
        b"GET /v2/ HTTP/1.1\r\nHost: berth\r\nX-Slow: ",
        second * 2,
        second * 5,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");

    // A chunk that announces 100 kB, sends 1 kB, then stalls.
    app.new_project(&app.admin(), "team", false).await;
    let token = app
        .admin()
        .registry_token(&["repository:team/app:pull,push"])
        .await;
    let session = app
        .client
        .post(app.url("/v2/team/app/blobs/uploads/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 202);
    let location = session.headers()["location"].to_str().unwrap().to_owned();
    let mut opening = format!(
        "PATCH {location} HTTP/1.1\r\nHost: berth\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/octet-stream\r\nContent-Range: 0-99999\r\n\
         Content-Length: 100000\r\n\r\n"
    )
    .into_bytes();
    opening.extend_from_slice(&[7u8; 1000]);
    let answer = raw_exchange(app.port, &opening, second * 3, second * 5).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    assert!(answer.contains("no request body received"), "{answer:?}");

    // Nothing was appended, and the upload carries on from the start.
    let status = app
        .client
        .get(app.url(&location))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 204);
    assert_eq!(status.headers()["range"], "0-0");
    let data = vec![7u8; 100_000];
    let chunk = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&token)
        .header("content-range", "0-99999")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(chunk.status(), 202);
    let digest = format!("sha256:{}", {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&data))
    });
    let separator = if location.contains('?') { '&' } else { '?' };
    let done = app
        .client
        .put(app.url(&format!("{location}{separator}digest={digest}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 201);
}

#[tokio::test]
async fn a_database_restart_inside_the_manifest_transaction_is_a_503_and_the_retry_is_whole() {
    let app = TestApp::spawn().await;
    app.wait_ready().await;
    app.new_project(&app.admin(), "team", false).await;
    let token = app
        .admin()
        .registry_token(&["repository:team/app:pull,push"])
        .await;
    let push_blob = |data: &'static [u8]| {
        let (app, token) = (&app, &token);
        async move {
            let digest = format!("sha256:{}", {
                use sha2::Digest;
                hex::encode(sha2::Sha256::digest(data))
            });
            let pushed = app
                .client
                .post(app.url(&format!("/v2/team/app/blobs/uploads/?digest={digest}")))
                .bearer_auth(token)
                .body(data)
                .send()
                .await
                .unwrap();
            assert_eq!(pushed.status(), 201);
            digest
        }
    };
    let config = push_blob(br#"{"architecture":"amd64","os":"linux"}"#).await;
    let layer = push_blob(b"a layer").await;
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 37},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": 7}],
    }))
    .unwrap();
    let put = || {
        app.client
            .put(app.url("/v2/team/app/manifests/v1"))
            .bearer_auth(&token)
            .header("content-type", "application/vnd.oci.image.manifest.v1+json")
            .body(manifest.clone())
            .send()
    };

    // Hold the tag table so the push stops inside its transaction, then
    // kill every server connection, as a database restart does.
    let pool = app.database().pool().await.unwrap();
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE tags IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let pending = tokio::spawn(put());
    let blocker_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *blocker)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the push never reached the tag"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1",
    )
    .bind(blocker_pid)
    .execute(&pool)
    .await
    .unwrap();
    blocker.rollback().await.unwrap();
    let interrupted = pending.await.unwrap().unwrap();
    assert_eq!(interrupted.status(), 503);
    let body: serde_json::Value = interrupted.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "SERVICE_UNAVAILABLE");
    let half_written: (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM artifacts), (SELECT count(*) FROM tags)")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(half_written, (0, 0), "nothing of the push was committed");

    // The client's retry succeeds and leaves exactly one artifact and tag.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let retried = loop {
        let response = put().await.unwrap();
        if response.status() != 503 || std::time::Instant::now() > deadline {
            break response;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(retried.status(), 201);
    let whole: (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM artifacts), (SELECT count(*) FROM tags)")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(whole, (1, 1));
    let pulled = app
        .client
        .get(app.url("/v2/team/app/manifests/v1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(pulled.bytes().await.unwrap().as_ref(), manifest.as_slice());
}
