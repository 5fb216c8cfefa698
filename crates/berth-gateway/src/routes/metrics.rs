use actix_web::{HttpResponse, get};

/// Prometheus text exposition of every metric this process records.
#[get("/metrics")]
pub async fn get_metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(berth_platform::metrics::prometheus().render())
}
