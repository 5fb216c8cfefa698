//! The actix application: middleware order and where each path is mounted.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse, fn_service};
use actix_web::middleware::from_fn;
use actix_web::{App, Error, web};
use berth_platform::Platform;

use crate::middleware::{body_limit::body_limit, observe::observe, request_id::request_id};
use crate::routes::{fallback, health, metrics};

pub fn build(
    platform: Platform,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let limits = platform.config().limits;
    let api_json = web::JsonConfig::default()
        .limit(limits.api_bytes as usize)
        .error_handler(fallback::json_error);

    App::new()
        .app_data(web::Data::new(platform))
        .app_data(web::Data::new(limits))
        // Registered last, runs first: every later layer (and every log
        // line) sees the request id.
        .wrap(from_fn(body_limit))
        .wrap(from_fn(observe))
        .wrap(from_fn(request_id))
        .service(health::get_livez)
        .service(health::get_readyz)
        .service(metrics::get_metrics)
        .service(
            web::scope("/api/v2.0")
                .app_data(api_json)
                .service(health::get_ping)
                .service(health::get_health),
        )
        .default_service(fn_service(fallback::default_service))
}
