//! How long the first and the last page of a repository's artifacts take
//! with 100,000 artifacts in it (`page_size=100&with_tag=true`), next to
//! `GET /api/v2.0/ping` on the same server in the same run, and the query
//! plan of the page query. Needs PostgreSQL and Redis as the tests do.

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use berth_testkit::TestApp;
use std::time::{Duration, Instant};

const ARTIFACTS: i64 = 100_000;
const ROUNDS: usize = 40;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn p95(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() * 95 / 100]
}

async fn time(app: &TestApp, path: &str) -> Vec<Duration> {
    let admin = app.admin();
    // Warm up the connection pool and caches first.
    for _ in 0..5 {
        assert_eq!(admin.get(path).await.status(), 200, "{path}");
    }
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let response = admin.get(path).await;
        let body = response.bytes().await.unwrap();
        samples.push(started.elapsed());
        assert!(!body.is_empty());
    }
    samples
}

async fn seed(app: &TestApp) -> i64 {
    let project = app.new_project(&app.admin(), "bench", false).await;
    let pool = app.database().pool().await.unwrap();
    let repository: i64 = sqlx::query_scalar(
        "INSERT INTO repositories (project_id, name) VALUES ($1, 'bench/app') RETURNING id",
    )
    .bind(project)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO artifacts (repository_id, digest, media_type, config_media_type, size, total_size, push_time, extra_attrs)
         SELECT $1, 'sha256:' || lpad(to_hex(n), 64, '0'), 'application/vnd.oci.image.manifest.v1+json',
                'application/vnd.oci.image.config.v1+json', 1000 + n, 1000000 + n,
                now() - make_interval(secs => n), '{\"architecture\": \"amd64\", \"os\": \"linux\"}'
         FROM generate_series(1, $2) AS n",
    )
    .bind(repository)
    .bind(ARTIFACTS)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO tags (repository_id, name, artifact_id, push_time)
         SELECT repository_id, 'v' || id, id, push_time FROM artifacts WHERE repository_id = $1",
    )
    .bind(repository)
    .execute(&pool)
    .await
    .unwrap();
    // As autovacuum leaves a table at rest: statistics and a visibility map.
    sqlx::query("VACUUM ANALYZE artifacts")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("VACUUM ANALYZE tags")
        .execute(&pool)
        .await
        .unwrap();
    repository
}

async fn plan(app: &TestApp, repository: i64, offset: i64) -> String {
    let pool = app.database().pool().await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
         SELECT a.id FROM artifacts a
         WHERE a.parents = 0 AND a.subject_digest IS NULL AND a.repository_id = $1
         ORDER BY a.push_time DESC, a.id DESC LIMIT 100 OFFSET $2",
    )
    .bind(repository)
    .bind(offset)
    .fetch_all(&pool)
    .await
    .unwrap();
    rows.join("\n")
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let app = TestApp::spawn().await;
        app.wait_ready().await;
        let seeding = Instant::now();
        let repository = seed(&app).await;
        println!(
            "seeded {ARTIFACTS} tagged artifacts in {:.1} s",
            seeding.elapsed().as_secs_f64()
        );
        let base =
            "/api/v2.0/projects/bench/repositories/app/artifacts?page_size=100&with_tag=true";
        let last_page = ARTIFACTS / 100;
        let ping = time(&app, "/api/v2.0/ping").await;
        let first = time(&app, &format!("{base}&page=1")).await;
        let last = time(&app, &format!("{base}&page={last_page}")).await;
        let baseline = median(ping.clone());
        for (name, samples) in [("ping", ping), ("first page", first), ("last page", last)] {
            let (m, p) = (median(samples.clone()), p95(samples));
            println!(
                "{name:>10}: median {:6.2} ms  p95 {:6.2} ms  ({:5.1}x ping)",
                m.as_secs_f64() * 1e3,
                p.as_secs_f64() * 1e3,
                m.as_secs_f64() / baseline.as_secs_f64()
            );
        }
        println!(
            "\nplan of the last page's id query:\n{}",
            plan(&app, repository, (last_page - 1) * 100).await
        );
    });
}
