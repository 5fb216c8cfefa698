//! The management API's OpenAPI document, whole: `berth-core`'s operations
//! plus the probes the gateway serves under `/api/v2.0`. Served as
//! `openapi.json`, and as `swagger.json` for Harbor's tooling, with a
//! browsable page at `/devcenter-api-2.0/` (Harbor's address for it) whose
//! assets are compiled in.

use actix_web::{HttpResponse, web};
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::health;

#[derive(OpenApi)]
#[openapi(paths(health::get_ping, health::get_health))]
struct ProbesDoc;

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = berth_core::ApiDoc::openapi();
    document.merge(ProbesDoc::openapi());
    document
}

fn rendered() -> &'static str {
    static RENDERED: OnceLock<String> = OnceLock::new();
    RENDERED.get_or_init(|| document().to_pretty_json().unwrap_or_default())
}

async fn get_document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(rendered())
}

/// `openapi.json` and `swagger.json`, inside the `/api/v2.0` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/openapi.json").route(web::get().to(get_document)))
        .service(web::resource("/swagger.json").route(web::get().to(get_document)));
}

/// The browsable page, reading the served document.
pub fn browser() -> SwaggerUi {
    SwaggerUi::new("/devcenter-api-2.0/{_:.*}").config(Config::from("/api/v2.0/openapi.json"))
}
