//! HTTP endpoints of the auth service: the Docker token service.

use actix_web::web;

mod token;

/// Mounts `/service/token`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/service/token")
            .route(web::get().to(token::get_token))
            .route(web::post().to(token::post_token)),
    );
}
