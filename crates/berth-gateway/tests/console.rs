//! The web console in a real browser (Debian's Chromium driven by
//! playwright-core, `web-ui/e2e/run.mjs`) against the whole platform: sign
//! in, see an image skopeo pushed, create a robot whose displayed secret
//! works for `skopeo login`, add a Guest who sees no delete buttons, and read
//! the push in the project's logs. Screenshots land in
//! `BERTH_TEST_SCREENSHOTS` (the test script prints where).

use berth_testkit::oci::{Layout, skopeo};
use berth_testkit::{ADMIN_PASSWORD, TestApp, USER_PASSWORD};
use serde_json::json;

#[tokio::test]
async fn the_console_works_end_to_end_in_chromium() {
    if std::env::var_os("BERTH_TEST_CONSOLE").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "scripts/test.sh builds the console and sets BERTH_TEST_CONSOLE"
        );
        return;
    }
    let app = TestApp::builder().on_its_own_port().spawn().await.unwrap();
    app.wait_ready().await;
    let admin = app.admin();
    app.new_project(&admin, "demo", false).await;
    let (_, _) = app.new_user("guest").await;

    let source = tempfile::tempdir().unwrap();
    let layout = Layout { dir: source.path() };
    let (manifest, size) = layout.image("amd64", 2);
    layout.tag(&[(
        "v1",
        "application/vnd.oci.image.manifest.v1+json",
        manifest,
        size,
    )]);
    let host = format!("127.0.0.1:{}", app.port);
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        "--dest-creds",
        &format!("admin:{ADMIN_PASSWORD}"),
        &format!("oci:{}:v1", source.path().display()),
        &format!("docker://{host}/demo/app:v1"),
    ])
    .await;

    let screenshots = std::env::var("BERTH_TEST_SCREENSHOTS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/console-screenshots"
        )
        .to_owned()
    });
    std::fs::create_dir_all(&screenshots).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web-ui/e2e/run.mjs");
    let output = tokio::process::Command::new("node")
        .arg(script)
        .arg(&app.address)
        .arg(ADMIN_PASSWORD)
        .arg(&screenshots)
        .env("PUSHED_IMAGE", "demo/app:v1")
        .env("GUEST_PASSWORD", USER_PASSWORD)
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser run failed:\n{stdout}\n{stderr}"
    );

    // The secret the console displayed works for a real client.
    let robot = stdout
        .lines()
        .find_map(|line| line.strip_prefix("ROBOT "))
        .unwrap_or_else(|| panic!("the console showed no robot secret:\n{stdout}"));
    let (name, secret) = robot.split_once(' ').expect("ROBOT <name> <secret>");
    let auth_file = source.path().join("auth.json");
    skopeo(&[
        "login",
        "--authfile",
        auth_file.to_str().unwrap(),
        "--tls-verify=false",
        "--username",
        name,
        "--password",
        secret,
        &host,
    ])
    .await;
    let inspected = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--creds",
        &format!("{name}:{secret}"),
        &format!("docker://{host}/demo/app:v1"),
    ])
    .await;
    let inspected: serde_json::Value = serde_json::from_str(&inspected).unwrap();
    assert_eq!(inspected["Architecture"], json!("amd64"));
}
