//! Brute-force protection over HTTP, with real Redis counters.

use berth_testkit::{TestApp, USER_PASSWORD};
use std::time::Duration;

async fn throttled_app() -> TestApp {
    let app = TestApp::builder()
        .setting("BERTH_LOGIN_LOCKOUT_THRESHOLD", "3")
        .setting("BERTH_LOGIN_LOCKOUT_WINDOW_SECS", "60")
        .setting("BERTH_LOGIN_LOCKOUT_COOLDOWN_SECS", "2")
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    app
}

async fn lockouts(app: &TestApp, resource: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT detail FROM audit_log WHERE operation = 'lockout' AND resource = $1")
        .bind(resource)
        .fetch_all(app.platform.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn repeated_failures_for_one_user_lock_it_for_a_cool_down_that_ends() {
    let app = throttled_app().await;
    app.new_user("alice").await;
    let wrong = app.caller("alice", "Wrong-Passw0rd");
    for _ in 0..3 {
        assert_eq!(wrong.get("/api/v2.0/users/current").await.status(), 401);
    }
    // Even the right password is refused during the cool-down.
    let right = app.caller("alice", USER_PASSWORD);
    let refused = right.get("/api/v2.0/users/current").await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "TOO_MANY_REQUEST");
    // The token service is covered by the same lock.
    assert_eq!(
        right.get("/service/token?service=berth").await.status(),
        429
    );

    let audited = lockouts(&app, "alice").await;
    assert!(
        audited.iter().any(|d| d.contains("name alice")),
        "{audited:?}"
    );

    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(
        right.get("/api/v2.0/users/current").await.status(),
        200,
        "the cool-down ends"
    );
}

#[tokio::test]
async fn a_spray_over_many_names_from_one_address_locks_the_address() {
    let app = throttled_app().await;
    for name in ["u1", "u2", "u3"] {
        assert_eq!(
            app.caller(name, "Guess-Passw0rd1")
                .get("/api/v2.0/users/current")
                .await
                .status(),
            401
        );
    }
    // The administrator behind the same address waits too, but not forever.
    assert_eq!(
        app.admin().get("/api/v2.0/users/current").await.status(),
        429
    );
    let audited = lockouts(&app, "u3").await;
    assert!(
        audited.iter().any(|d| d.contains("address 127.0.0.1")),
        "{audited:?}"
    );
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(
        app.admin().get("/api/v2.0/users/current").await.status(),
        200
    );
}

#[tokio::test]
async fn without_redis_sign_ins_still_work_unthrottled() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::builder()
        .setting("BERTH_REDIS_URL", format!("redis://127.0.0.1:{closed}"))
        .setting("BERTH_LOGIN_LOCKOUT_THRESHOLD", "2")
        .spawn()
        .await
        .unwrap();
    app.wait_ready().await;
    for _ in 0..4 {
        assert_eq!(
            app.caller("admin", "Wrong-Passw0rd1")
                .get("/api/v2.0/users/current")
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        app.admin().get("/api/v2.0/users/current").await.status(),
        200
    );
}

#[tokio::test]
async fn a_successful_sign_in_clears_the_failures_counted_against_the_name() {
    let app = throttled_app().await;
    app.new_user("carol").await;
    let client = redis::Client::open(berth_testkit::redis_url()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let failures = format!("{}login:failures:name:carol", app.redis_prefix);
    let counted = async |redis: &mut redis::aio::MultiplexedConnection| -> Option<i64> {
        redis::cmd("GET")
            .arg(&failures)
            .query_async(redis)
            .await
            .unwrap()
    };

    let wrong = app.caller("carol", "Wrong-Passw0rd");
    let right = app.caller("carol", USER_PASSWORD);
    for _ in 0..2 {
        assert_eq!(wrong.get("/api/v2.0/users/current").await.status(), 401);
    }
    assert_eq!(counted(&mut redis).await, Some(2));
    assert_eq!(right.get("/api/v2.0/users/current").await.status(), 200);
    assert_eq!(counted(&mut redis).await, None);
    // Successes with nothing to clear keep working.
    assert_eq!(right.get("/api/v2.0/users/current").await.status(), 200);
    assert_eq!(counted(&mut redis).await, None);
}
