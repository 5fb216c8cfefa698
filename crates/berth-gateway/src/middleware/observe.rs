//! One span per request (the parent of every log line the request causes,
//! continued from an inbound W3C `traceparent`), one access-log line, and the
//! request counter and latency histogram labelled by route template.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use berth_http::RequestId;
use berth_platform::metrics::{HTTP_REQUEST_DURATION, HTTP_REQUESTS_TOTAL};
use opentelemetry::propagation::Extractor;
use std::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Reads propagation headers from actix's header map (actix is on http 0.2,
/// so the opentelemetry-http helpers for http 1 do not apply).
struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// Label used for requests no route matched, so probing random paths cannot
/// explode the metric cardinality.
const UNMATCHED_ROUTE: &str = "unmatched";

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let peer = req
        .connection_info()
        .realip_remote_addr()
        .unwrap_or("-")
        .to_owned();

    let span = tracing::info_span!(
        "http.request",
        request_id = %request_id,
        http.method = %method,
        http.route = Empty,
        http.status_code = Empty,
        otel.kind = "server",
        otel.name = Empty,
        otel.status_code = Empty,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(req.headers()))
    });
    let _ = span.set_parent(parent);

    let result = next.call(req).instrument(span.clone()).await;

    let (status, route) = match &result {
        Ok(res) => (
            res.status(),
            res.request()
                .match_pattern()
                .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned()),
        ),
        Err(err) => (
            err.as_response_error().status_code(),
            UNMATCHED_ROUTE.to_owned(),
        ),
    };
    let elapsed = started.elapsed();
    span.record("http.route", route.as_str());
    span.record("http.status_code", status.as_u16());
    span.record("otel.name", format!("{method} {route}"));
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }

    let labels = [
        ("method", method.to_string()),
        ("route", route),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!(HTTP_REQUESTS_TOTAL, &labels).increment(1);
    metrics::histogram!(HTTP_REQUEST_DURATION, &labels).record(elapsed.as_secs_f64());

    span.in_scope(|| {
        tracing::info!(
            target: "berth::access",
            method = %method,
            path = %path,
            status = status.as_u16(),
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            peer = %peer,
            "request"
        );
    });
    result
}
