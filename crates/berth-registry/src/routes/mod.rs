use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::Auth;
use berth_http::Failure;

use crate::challenge::{bearer_claims, unauthorized};

/// Mounts `/v2/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(["/v2", "/v2/"])
            .route(web::get().to(get_base))
            .route(web::head().to(get_base)),
    );
}

/// `GET /v2/` (spec: "end-1"): 200 for a valid token, otherwise 401 with the
/// challenge, which is how `docker login` discovers the token service.
async fn get_base(req: HttpRequest, auth: web::Data<Auth>) -> Result<HttpResponse, Failure> {
    match bearer_claims(&auth, &req).await? {
        Some(_) => Ok(HttpResponse::Ok()
            .insert_header(("Docker-Distribution-API-Version", "registry/2.0"))
            .content_type("application/json")
            .body("{}")),
        None => {
            let mut response = unauthorized(&auth, None, "authentication required");
            response.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("docker-distribution-api-version"),
                actix_web::http::header::HeaderValue::from_static("registry/2.0"),
            );
            Ok(response)
        }
    }
}
