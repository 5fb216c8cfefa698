//! Harbor's own generated Python client (`harbor-api-client`, from Harbor's
//! API spec) drives the management API unchanged: repositories, artifacts,
//! tags, labels, copies, accessories, additions, audit logs, quotas, search,
//! statistics and system information. Besides the client's own parsing, the
//! script checks every answer's JSON types against the client's models.

use berth_testkit::{ADMIN_PASSWORD, TestApp};

#[tokio::test]
async fn harbors_generated_client_works_unchanged() {
    let Ok(python) = std::env::var("BERTH_TEST_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "scripts/test.sh provides BERTH_TEST_PYTHON with harbor-api-client installed"
        );
        return;
    };
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.new_project(&admin, "client", false).await;
    admin.push_image("client/app", "v1", "client").await;

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/harbor_client.py");
    let output = tokio::process::Command::new(python)
        .arg(script)
        .arg(&app.address)
        .arg(ADMIN_PASSWORD)
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Harbor client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("calls ok"), "{stdout}");
}
