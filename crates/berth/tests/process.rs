//! The `berth` binary as an operator runs it: real processes, real
//! PostgreSQL and Redis, signals.

use berth_testkit::{TestDatabase, redis_url};
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `berth` command with a clean environment: only what the test sets.
fn berth(args: &[&str], env: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_berth"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

struct Server {
    child: Child,
    port: u16,
    _data: tempfile::TempDir,
}

impl Server {
    fn start(database: &TestDatabase, extra: &[(&str, String)]) -> Server {
        let port = free_port();
        let data = tempfile::tempdir().unwrap();
        let mut env = vec![
            ("BERTH_DATABASE_URL", database.url()),
            ("BERTH_REDIS_URL", redis_url()),
            ("BERTH_HTTP_ADDR", format!("127.0.0.1:{port}")),
            ("BERTH_DATA_DIR", data.path().display().to_string()),
            ("BERTH_LOG_FORMAT", "json".to_owned()),
        ];
        env.extend(extra.iter().cloned());
        let child = berth(&["serve"], &env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("berth starts");
        Server {
            child,
            port,
            _data: data,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn wait_ready(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = client.get(self.url("/readyz")).send().await
                && response.status() == 200
            {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("berth exited early with {status}: {}", self.stderr());
            }
            assert!(Instant::now() < deadline, "berth not ready in 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut text);
        }
        text
    }

    fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "berth did not exit in {within:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every JSON log line the process wrote, after it exited.
    fn log_lines(&mut self) -> Vec<serde_json::Value> {
        let stdout = self.child.stdout.take().unwrap();
        BufReader::new(stdout)
            .lines()
            .map(|line| line.unwrap())
            .map(|line| serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}")))
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn help_documents_every_subcommand_and_flag() {
    let output = berth(&["--help"], &[]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("serve") && text.contains("migrate"), "{text}");

    let output = berth(&["serve", "--help"], &[]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    for flag in ["--config", "--services", "BERTH_CONFIG"] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
}

#[test]
fn an_invalid_value_stops_start_up_with_one_line() {
    let output = berth(
        &["serve"],
        &[
            (
                "BERTH_DATABASE_URL",
                "postgres://postgres@127.0.0.1/none".to_owned(),
            ),
            ("BERTH_REDIS_URL", redis_url()),
            ("BERTH_HEALTH_TIMEOUT_MS", "soon".to_owned()),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("health_timeout_ms"), "{stderr}");
    assert!(stderr.contains("\"soon\""), "{stderr}");
    assert!(stderr.contains("BERTH_HEALTH_TIMEOUT_MS"), "{stderr}");
    assert!(stderr.contains("whole number of milliseconds"), "{stderr}");
}

#[test]
fn an_invalid_services_flag_is_refused_by_the_parser() {
    let output = berth(&["serve", "--services", "registry,billing"], &[])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("registry,billing"), "{stderr}");
}

#[test]
fn a_config_file_is_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("berth.toml");
    std::fs::write(
        &file,
        "database_url = \"postgres://postgres@127.0.0.1/none\"\nredis_url = \"redis://127.0.0.1:1\"\nlog_format = \"loud\"\n",
    )
    .unwrap();
    // The file's bad value is reported with the file's name...
    let output = berth(&["migrate", "--config", file.to_str().unwrap()], &[])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("log_format") && stderr.contains("berth.toml"),
        "{stderr}"
    );
    // ...and an environment value overrides it.
    let output = berth(
        &["serve", "--config", file.to_str().unwrap()],
        &[
            ("BERTH_LOG_FORMAT", "json".into()),
            ("BERTH_HTTP_ADDR", "nowhere".into()),
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("log_format"), "{stderr}");
    assert!(stderr.contains("BERTH_HTTP_ADDR"), "{stderr}");
}

#[tokio::test]
async fn migrate_applies_the_schema_once_and_is_idempotent() {
    let database = TestDatabase::empty().await.unwrap();
    let env = [
        ("BERTH_DATABASE_URL", database.url()),
        ("BERTH_REDIS_URL", redis_url()),
    ];
    for _ in 0..2 {
        let output = berth(&["migrate"], &env).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let pool = database.pool().await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied as usize, berth_platform_migrations());
    pool.close().await;
}

fn berth_platform_migrations() -> usize {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count()
}

#[tokio::test]
async fn two_replicas_started_together_on_an_empty_database_both_come_up() {
    let database = TestDatabase::empty().await.unwrap();
    let client = reqwest::Client::new();
    let mut first = Server::start(&database, &[]);
    let mut second = Server::start(&database, &[]);
    first.wait_ready(&client).await;
    second.wait_ready(&client).await;

    for server in [&first, &second] {
        let health: serde_json::Value = client
            .get(server.url("/api/v2.0/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "healthy", "{health}");
    }

    let pool = database.pool().await.unwrap();
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT version, count(*) FROM _sqlx_migrations GROUP BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), berth_platform_migrations());
    assert!(rows.iter().all(|(_, n)| *n == 1), "{rows:?}");
    let installations: i64 = sqlx::query_scalar("SELECT count(*) FROM installation")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(installations, 1, "the seed row was inserted once");
    pool.close().await;
}

/// Accepts TCP connections and never answers: a dependency that hangs.
fn silent_listener() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            match listener.accept() {
                Ok((socket, _)) => held.push(socket),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    (port, handle)
}

#[tokio::test]
async fn sigterm_drains_an_in_flight_request_before_exiting() {
    let database = TestDatabase::migrated().await.unwrap();
    let (hung_redis, _holder) = silent_listener();
    let mut server = Server::start(
        &database,
        &[
            ("BERTH_REDIS_URL", format!("redis://127.0.0.1:{hung_redis}")),
            ("BERTH_HEALTH_TIMEOUT_MS", "1500".to_owned()),
            ("BERTH_SHUTDOWN_TIMEOUT_SECS", "20".to_owned()),
        ],
    );
    let client = reqwest::Client::new();
    server.wait_ready(&client).await;

    // The health check waits on the hung Redis for the probe timeout, so the
    // request is still in flight when the signal arrives.
    let in_flight = tokio::spawn({
        let client = client.clone();
        let url = server.url("/api/v2.0/health");
        async move {
            client
                .get(url)
                .header("X-Request-Id", "drain-probe-1")
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let signalled = Instant::now();
    server.signal("-TERM");

    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(response.status(), 200);
    let report: serde_json::Value = response.json().await.unwrap();
    assert_eq!(report["status"], "unhealthy");
    assert!(
        signalled.elapsed() >= Duration::from_millis(500),
        "answered after the drain, not cut short"
    );

    let status = server.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "clean exit after draining: {status}");
    assert!(
        client.get(server.url("/livez")).send().await.is_err(),
        "no longer listening"
    );

    // Every line the request logged carries its id.
    let lines = server.log_lines();
    let request_lines: Vec<_> = lines
        .iter()
        .filter(|l| l["span"]["request_id"] == "drain-probe-1")
        .collect();
    assert!(
        request_lines
            .iter()
            .any(|l| l["target"] == "berth::access" && l["status"] == 200),
        "access line with the request id: {lines:#?}"
    );
    assert!(
        request_lines.iter().any(|l| l["component"] == "redis"),
        "the dependency warning is tied to the request: {lines:#?}"
    );
}

/// A minimal OTLP/HTTP collector: records each request body it receives.
fn collector() -> (u16, std::sync::mpsc::Receiver<(String, Vec<u8>)>) {
    use std::io::Write;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
            let _ = tx.send((request_line, body));
        }
    });
    (port, rx)
}

#[tokio::test]
async fn traces_continue_the_callers_trace_and_reach_the_otlp_collector() {
    let database = TestDatabase::migrated().await.unwrap();
    let (collector_port, received) = collector();
    let mut server = Server::start(
        &database,
        &[(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{collector_port}"),
        )],
    );
    let client = reqwest::Client::new();
    server.wait_ready(&client).await;

    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let response = client
        .get(server.url("/api/v2.0/ping"))
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // Shutdown flushes the batch exporter.
    server.signal("-TERM");
    assert!(server.wait_exit(Duration::from_secs(20)).success());

    let wanted: Vec<u8> = (0..trace_id.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&trace_id[i..i + 2], 16).unwrap())
        .collect();
    let mut exports = Vec::new();
    while let Ok((line, body)) = received.recv_timeout(Duration::from_secs(5)) {
        exports.push(line.clone());
        if line.starts_with("POST /v1/traces") && body.windows(16).any(|w| w == wanted.as_slice()) {
            return;
        }
    }
    panic!("no exported span carried the caller's trace id; requests seen: {exports:?}");
}

#[tokio::test]
async fn tls_is_served_when_a_certificate_and_key_are_configured() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl is installed");
    assert!(status.success());

    let database = TestDatabase::migrated().await.unwrap();
    let mut server = Server::start(
        &database,
        &[
            ("BERTH_TLS_CERT", cert.display().to_string()),
            ("BERTH_TLS_KEY", key.display().to_string()),
        ],
    );
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap()])
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/api/v2.0/ping", server.port);
    let deadline = Instant::now() + Duration::from_secs(30);
    let response = loop {
        match client.get(&url).send().await {
            Ok(response) => break response,
            Err(err) => {
                if let Some(status) = server.child.try_wait().unwrap() {
                    panic!("berth exited with {status}: {}", server.stderr());
                }
                assert!(Instant::now() < deadline, "no TLS answer: {err:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "Pong");
    // Plain HTTP on the TLS port is not served.
    let served_plain = match reqwest::get(server.url("/api/v2.0/ping")).await {
        Ok(response) => response.text().await.is_ok_and(|text| text == "Pong"),
        Err(_) => false,
    };
    assert!(!served_plain);
}

#[tokio::test]
async fn without_a_configured_password_admin_gets_a_generated_one_logged_once() {
    let database = TestDatabase::empty().await.unwrap();
    let mut server = Server::start(&database, &[]);
    let client = reqwest::Client::new();
    server.wait_ready(&client).await;
    server.signal("-TERM");
    assert!(server.wait_exit(Duration::from_secs(20)).success());
    let lines = server.log_lines();
    let generated: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["password"].as_str())
        .collect();
    assert_eq!(generated.len(), 1, "printed exactly once: {lines:#?}");
    let password = generated[0].to_owned();

    // A second start against the same database creates nothing and prints nothing.
    let mut again = Server::start(&database, &[]);
    again.wait_ready(&client).await;
    let me = client
        .get(again.url("/api/v2.0/users/current"))
        .basic_auth("admin", Some(&password))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    again.signal("-TERM");
    assert!(again.wait_exit(Duration::from_secs(20)).success());
    assert!(
        again
            .log_lines()
            .iter()
            .all(|l| l.get("password").is_none())
    );
}

#[tokio::test]
async fn a_configured_token_key_must_be_an_ec_p256_key_and_is_used_by_every_replica() {
    let dir = tempfile::tempdir().unwrap();
    let rsa = dir.path().join("rsa.pem");
    let ec = dir.path().join("ec.pem");
    for (path, args) in [
        (
            &rsa,
            vec![
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ],
        ),
        (
            &ec,
            vec![
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ],
        ),
    ] {
        let status = Command::new("openssl")
            .args(&args)
            .arg("-out")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }
    // The ES256 example key of RFC 7515 (appendix A.3), as PKCS#8: widely
    // copied into projects as a "development" key.
    let published = dir.path().join("rfc7515.pem");
    std::fs::write(
        &published,
        "-----BEGIN PRIVATE KEY-----\n\
         MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n\
         H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp\n\
         7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\n\
         -----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let database = TestDatabase::migrated().await.unwrap();
    for (key, complaint) in [
        (&rsa, "EC P-256"),
        (&published, "published (RFC 7515 appendix A.3)"),
    ] {
        let output = berth(
            &["serve"],
            &[
                ("BERTH_DATABASE_URL", database.url()),
                ("BERTH_REDIS_URL", redis_url()),
                ("BERTH_TOKEN_KEY", key.display().to_string()),
            ],
        )
        .output()
        .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(complaint), "{stderr}");
    }

    // Two replicas with the same configured key accept each other's tokens.
    let key = [
        ("BERTH_TOKEN_KEY", ec.display().to_string()),
        ("BERTH_ADMIN_PASSWORD", "Replica-Passw0rd".to_owned()),
    ];
    let client = reqwest::Client::new();
    let mut first = Server::start(&database, &key);
    let mut second = Server::start(&database, &key);
    first.wait_ready(&client).await;
    second.wait_ready(&client).await;
    let body: serde_json::Value = client
        .get(first.url("/service/token?service=berth"))
        .basic_auth("admin", Some("Replica-Passw0rd"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verified = client
        .get(second.url("/v2/"))
        .bearer_auth(body["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), 200);
}

/// Every file under `root`, recursively.
fn files_under(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

fn pseudo_random_bytes(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i ^ seed).wrapping_mul(2_654_435_761).to_be_bytes()[1])
        .collect()
}

fn sha256_digest(data: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)))
}

/// Pushes that keep the server writing blobs until it is killed: a large
/// blob streamed slowly (multipart path), a stream of small ones (single
/// writes and renames) and a chunked upload (staged chunks, assembly).
fn start_writing(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    round: u32,
) -> Vec<tokio::task::JoinHandle<()>> {
    let large = {
        let (client, token) = (client.clone(), token.to_owned());
        let data = pseudo_random_bytes(24 << 20, round);
        let url = format!(
            "{base}/v2/team/app/blobs/uploads/?digest={}",
            sha256_digest(&data)
        );
        tokio::spawn(async move {
            let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
                data.chunks(256 << 10).map(|c| Ok(c.to_vec())).collect();
            let slow = futures::StreamExt::then(futures::stream::iter(pieces), |piece| async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                piece
            });
            let _ = client
                .post(url)
                .bearer_auth(token)
                .header("content-length", (24u64 << 20).to_string())
                .body(reqwest::Body::wrap_stream(slow))
                .send()
                .await;
        })
    };
    let small = {
        let (client, token, base) = (client.clone(), token.to_owned(), base.to_owned());
        tokio::spawn(async move {
            for i in 0.. {
                let data = pseudo_random_bytes(64 << 10, round * 10_000 + i);
                let url = format!(
                    "{base}/v2/team/app/blobs/uploads/?digest={}",
                    sha256_digest(&data)
                );
                if client
                    .post(url)
                    .bearer_auth(&token)
                    .body(data)
                    .send()
                    .await
                    .is_err()
                {
                    return;
                }
            }
        })
    };
    let chunked = {
        let (client, token, base) = (client.clone(), token.to_owned(), base.to_owned());
        tokio::spawn(async move {
            for attempt in 0.. {
                let data = pseudo_random_bytes(12 << 20, round * 10_000 + 5_000 + attempt);
                let Ok(session) = client
                    .post(format!("{base}/v2/team/app/blobs/uploads/"))
                    .bearer_auth(&token)
                    .send()
                    .await
                else {
                    return;
                };
                let location = session.headers()["location"].to_str().unwrap().to_owned();
                for (index, chunk) in data.chunks(4 << 20).enumerate() {
                    let start = index * (4 << 20);
                    let range = format!("{start}-{}", start + chunk.len() - 1);
                    let patched = client
                        .patch(format!("{base}{location}"))
                        .bearer_auth(&token)
                        .header("content-range", range)
                        .body(chunk.to_vec())
                        .send()
                        .await;
                    if patched.is_err() {
                        return;
                    }
                }
                let separator = if location.contains('?') { '&' } else { '?' };
                let finished = client
                    .put(format!(
                        "{base}{location}{separator}digest={}",
                        sha256_digest(&data)
                    ))
                    .bearer_auth(&token)
                    .send()
                    .await;
                if finished.is_err() {
                    return;
                }
            }
        })
    };
    vec![large, small, chunked]
}

#[tokio::test]
async fn kill_9_during_blob_writes_never_leaves_a_partial_blob_under_a_digest() {
    let database = TestDatabase::migrated().await.unwrap();
    let storage = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("BERTH_DATABASE_URL", database.url()),
        ("BERTH_REDIS_URL", redis_url()),
        ("BERTH_HTTP_ADDR", format!("127.0.0.1:{port}")),
        ("BERTH_DATA_DIR", data.path().display().to_string()),
        (
            "BERTH_STORAGE_URL",
            format!("file://{}", storage.path().display()),
        ),
        (
            "BERTH_ADMIN_PASSWORD",
            berth_testkit::ADMIN_PASSWORD.to_owned(),
        ),
        ("BERTH_LOG", "error".to_owned()),
    ];
    let start = || {
        berth(&["serve"], &env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("berth starts")
    };
    let client = reqwest::Client::new();
    let ready = |client: &reqwest::Client| {
        let url = format!("{base}/readyz");
        let client = client.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            while !client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                assert!(Instant::now() < deadline, "berth not ready in 30 s");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };

    let mut child = start();
    ready(&client).await;
    let created = client
        .post(format!("{base}/api/v2.0/projects"))
        .basic_auth("admin", Some(berth_testkit::ADMIN_PASSWORD))
        .json(&serde_json::json!({"project_name": "team"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let token: serde_json::Value = client
        .get(format!(
            "{base}/service/token?service=berth&scope=repository:team/app:pull,push"
        ))
        .basic_auth("admin", Some(berth_testkit::ADMIN_PASSWORD))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();

    for round in 0..8u32 {
        let writers = start_writing(&client, &base, &token, round);
        // A different moment in every round: mid-stream, mid-rename, mid-commit.
        tokio::time::sleep(Duration::from_millis(60 + u64::from(round) * 97 % 500)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        for writer in writers {
            writer.abort();
            let _ = writer.await;
        }
        child = start();
        ready(&client).await;
    }

    // Scrub: every file under a digest's key holds exactly that digest's bytes.
    let mut verified = 0;
    for path in files_under(&storage.path().join("blobs")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains('#') {
            // A staging file the kill interrupted: never at a digest's key.
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            sha256_digest(&bytes),
            format!("sha256:{name}"),
            "{} holds other bytes than its digest",
            path.display()
        );
        verified += 1;
    }
    assert!(verified > 0, "the kills left nothing to check");

    // Every blob the database knows is readable and whole.
    let pool = database.pool().await.unwrap();
    let known: Vec<String> = sqlx::query_scalar("SELECT digest FROM blobs")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(!known.is_empty());
    for digest in known {
        let pulled = client
            .get(format!("{base}/v2/team/app/blobs/{digest}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(pulled.status(), 200, "{digest}");
        assert_eq!(sha256_digest(&pulled.bytes().await.unwrap()), digest);
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
