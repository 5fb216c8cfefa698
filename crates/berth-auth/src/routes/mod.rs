//! HTTP endpoints of the auth service: the Docker token service and the
//! console's sign-in.

use actix_web::web;

mod session;
mod token;

/// Mounts `/service/token`, `/c/login` and `/c/logout`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/c/login").route(web::post().to(session::post_login)))
        .service(web::resource("/c/logout").route(web::get().to(session::get_logout)));
    cfg.service(
        web::resource("/service/token")
            .route(web::get().to(token::get_token))
            .route(web::post().to(token::post_token)),
    );
}
