//! Liveness, readiness, and Harbor's `/ping` and `/health`.
//!
//! These live in the gateway until the core service exists; every process
//! serves them so each replica can be probed on its own.

use actix_web::{HttpResponse, get, web};
use berth_platform::{Platform, health};
use serde_json::json;

/// Harbor: "replies a pong ... disregarding the health status of dependent
/// components". No authentication.
#[utoipa::path(
    get,
    path = "/api/v2.0/ping",
    tag = "ping",
    operation_id = "get_ping",
    responses((status = 200, description = "Pong", content_type = "text/plain", body = String)),
    security(())
)]
#[get("/ping")]
pub async fn get_ping() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("Pong")
}

/// Harbor's `OverallHealthStatus`. Always 200, as Harbor answers: clients
/// read `status`; load balancers use `/readyz`.
#[utoipa::path(
    get,
    path = "/api/v2.0/health",
    tag = "health",
    operation_id = "get_health",
    responses((status = 200, description = "Overall status and each dependency's (database, redis, storage)", body = Object)),
    security(())
)]
#[get("/health")]
pub async fn get_health(platform: web::Data<Platform>) -> HttpResponse {
    let report = health::check(&platform).await;
    for component in report.components.iter().filter(|c| c.error.is_some()) {
        tracing::warn!(
            component = component.name,
            error = component.error.as_deref().unwrap_or_default(),
            "dependency unhealthy"
        );
    }
    HttpResponse::Ok().json(report)
}

/// The process is up and serving; says nothing about dependencies, so an
/// orchestrator does not restart a replica because the database blinked.
#[get("/livez")]
pub async fn get_livez() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "alive"}))
}

/// Ready for traffic: the database answers and the schema is current.
#[get("/readyz")]
pub async fn get_readyz(platform: web::Data<Platform>) -> HttpResponse {
    match platform.readiness().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Err(reason) => HttpResponse::ServiceUnavailable()
            .json(json!({"status": "not ready", "reason": reason.to_string()})),
    }
}
