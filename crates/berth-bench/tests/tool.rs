//! The load tool, run once per scenario on tiny sizes against a real
//! Berth (PostgreSQL, Redis, filesystem storage), then its report. This
//! proves the tool works end to end; it times nothing.

use berth_testkit::{ADMIN_PASSWORD, TestApp};
use serde_json::Value;
use std::path::Path;

async fn bench(app: &TestApp, json: &Path, args: &[&str]) -> Value {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth-bench"))
        .args(["--url", &app.address, "--rounds", "1"])
        .args(["--server-pid", &std::process::id().to_string()])
        .arg("--json")
        .arg(json)
        .args(args)
        .env("BERTH_BENCH_PASSWORD", ADMIN_PASSWORD)
        .output()
        .await
        .expect("berth-bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "berth-bench {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("scenario"), "no table printed: {stdout}");
    serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap()
}

fn measurement<'a>(run: &'a Value, variant: &str) -> &'a Value {
    run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["variant"].as_str().unwrap().starts_with(variant))
        .unwrap_or_else(|| panic!("no {variant} in {run}"))
}

#[tokio::test]
async fn every_scenario_runs_on_tiny_sizes_and_reports() {
    let app = TestApp::builder().on_its_own_port().spawn().await.unwrap();
    app.wait_ready().await;
    let dir = tempfile::tempdir().unwrap();
    let json = |name: &str| dir.path().join(format!("{name}.json"));

    let push = bench(
        &app,
        &json("push-blob"),
        &["push-blob", "--size-mib", "2", "--chunk-mib", "1"],
    )
    .await;
    for variant in ["monolithic 2 MiB", "chunked 2 MiB"] {
        let m = measurement(&push, variant);
        assert!(m["value"].as_f64().unwrap() > 0.0, "{m}");
        assert!(m["server"]["peak_rss_mib"].as_f64().unwrap() > 0.0, "{m}");
    }

    let blob = dir.path().join("blob");
    let blob_arg = blob.to_str().unwrap();
    let pull = bench(
        &app,
        &json("pull-blob"),
        &[
            "pull-blob",
            "--size-mib",
            "2",
            "--ranges",
            "4",
            "--save",
            blob_arg,
        ],
    )
    .await;
    assert!(
        measurement(&pull, "4 ranges 2 MiB")["value"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(std::fs::metadata(&blob).unwrap().len(), 2 << 20);

    let floor = bench(
        &app,
        &json("floor"),
        &["--target", "machine", "floor", "--file", blob_arg],
    )
    .await;
    assert!(
        measurement(&floor, "hash+fsync 2 MiB")["value"]
            .as_f64()
            .unwrap()
            > 0.0
    );

    let manifest = dir.path().join("manifest.json");
    let get = bench(
        &app,
        &json("manifest-get"),
        &[
            "manifest-get",
            "--connections",
            "1,4",
            "--seconds",
            "0.3",
            "--save",
            manifest.to_str().unwrap(),
        ],
    )
    .await;
    let head = measurement(&get, "HEAD x4");
    assert!(
        head["requests"].as_u64().unwrap() > 0 && head["errors"] == 0,
        "{head}"
    );
    let saved: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    assert_eq!(saved["schemaVersion"], 2);

    let token = bench(
        &app,
        &json("token"),
        &[
            "token",
            "--connections",
            "4",
            "--seconds",
            "0.3",
            "--cold-robots",
            "3",
        ],
    )
    .await;
    assert!(measurement(&token, "warm x4")["requests"].as_u64().unwrap() > 0);
    assert_eq!(measurement(&token, "cold x3")["requests"], 3);

    let list = bench(
        &app,
        &json("list-artifacts"),
        &[
            "list-artifacts",
            "--artifacts",
            "230",
            "--samples",
            "3",
            "--seed-connections",
            "4",
        ],
    )
    .await;
    assert_eq!(measurement(&list, "seeding")["requests"], 230);
    assert_eq!(measurement(&list, "last page of 23")["requests"], 3);

    let images = bench(
        &app,
        &json("push-image"),
        &[
            "push-image",
            "--variant",
            "small, many repositories",
            "--images",
            "6",
            "--layers",
            "3",
            "--min-kib",
            "1",
            "--max-kib",
            "32",
            "--clients",
            "3",
            "--repositories",
            "3",
        ],
    )
    .await;
    assert_eq!(measurement(&images, "small, many")["requests"], 6);
    let tags = app
        .admin()
        .get("/api/v2.0/projects/bench/repositories/img-2/artifacts?with_tag=true")
        .await;
    let tags: Value = tags.json().await.unwrap();
    assert_eq!(tags.as_array().unwrap().len(), 2, "{tags}");

    let mixed = bench(
        &app,
        &json("mixed"),
        &["mixed", "--connections", "4", "--seconds", "0.5"],
    )
    .await;
    assert!(measurement(&mixed, "80/15/5")["requests"].as_u64().unwrap() > 0);

    let document = dir.path().join("performance.md");
    std::fs::write(
        &document,
        "# Performance\n\n<!-- results:start -->\n<!-- results:end -->\n\nHow to reproduce.\n",
    )
    .unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json") && path != &manifest)
        .collect();
    let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth-bench"))
        .arg("report")
        .arg("--out")
        .arg(&document)
        .args(&files)
        .status()
        .await
        .unwrap();
    assert!(status.success());
    let report = std::fs::read_to_string(&document).unwrap();
    assert!(
        report.contains("| list artifacts, last page | "),
        "{report}"
    );
    assert!(
        report.contains("| machine | floor | hash+fsync 2 MiB |"),
        "{report}"
    );
    assert!(
        report.ends_with("<!-- results:end -->\n\nHow to reproduce.\n"),
        "{report}"
    );
}
