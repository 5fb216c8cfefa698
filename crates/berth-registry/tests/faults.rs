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
