//! The actix application: middleware order and where each path is mounted.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse, fn_service};
use actix_web::middleware::from_fn;
use actix_web::{App, Error, web};
use berth_auth::Auth;
use berth_platform::Platform;
use berth_platform::config::Service;

use crate::middleware::body_idle::{BodyIdleTimeout, body_idle};
use crate::middleware::{body_limit::body_limit, observe::observe, request_id::request_id};
use crate::routes::{api_docs, fallback, health, metrics};

pub fn build(
    platform: Platform,
    auth: Auth,
    pulls: berth_registry::PullLog,
    resolutions: berth_registry::Resolutions,
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
    let body_idle_timeout = BodyIdleTimeout(platform.config().body_idle_timeout);
    let services = platform.config().services;
    let api_json = web::JsonConfig::default()
        .limit(limits.api_bytes as usize)
        .error_handler(fallback::json_error);

    let form = web::FormConfig::default()
        .limit(limits.api_bytes as usize)
        .error_handler(fallback::form_error);
    let query = web::QueryConfig::default().error_handler(fallback::query_error);
    let path = web::PathConfig::default().error_handler(fallback::path_error);

    App::new()
        .app_data(web::Data::new(platform))
        .app_data(web::Data::new(auth))
        .app_data(web::Data::new(pulls))
        .app_data(web::Data::new(resolutions))
        .app_data(form)
        .app_data(query)
        .app_data(path)
        .app_data(web::Data::new(limits))
        .app_data(web::Data::new(body_idle_timeout))
        // Registered last, runs first: every later layer (and every log
        // line) sees the request id.
        .wrap(from_fn(body_idle))
        .wrap(from_fn(body_limit))
        .wrap(from_fn(observe))
        .wrap(from_fn(request_id))
        .service(api_docs::browser())
        .service(health::get_livez)
        .service(health::get_readyz)
        .service(metrics::get_metrics)
        .configure(|cfg| {
            if services.contains(Service::Auth) {
                berth_auth::routes::configure(cfg);
            }
            if services.contains(Service::Registry) {
                berth_registry::configure(cfg);
            }
        })
        .service(
            web::scope("/api/v2.0")
                .app_data(api_json)
                .service(health::get_ping)
                .service(health::get_health)
                .configure(api_docs::configure)
                .configure(|cfg| {
                    if services.contains(Service::Core) {
                        berth_core::configure(cfg);
                    }
                }),
        )
        .default_service(fn_service(fallback::default_service))
}
