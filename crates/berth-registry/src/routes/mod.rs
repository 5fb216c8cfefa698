//! `/v2/…`: one entry point parses the path into a typed route and
//! dispatches on (route, method).

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::Auth;
use berth_http::ErrorCode;
use berth_platform::Platform;
use berth_storage::BlobStore;

use crate::{PullLog, Resolutions};

use crate::challenge::{bearer_claims, unauthorized};
use crate::domain::path::{self, PathError, Route};
use crate::error::{RegistryError, Reply};

mod blobs;
mod listing;
mod manifests;
mod uploads;

/// Shared by every handler.
pub(crate) struct Registry {
    pub auth: Auth,
    pub blobs: BlobStore,
    pub pulls: PullLog,
    pub resolutions: Resolutions,
}

impl Registry {
    pub fn platform(&self) -> &Platform {
        self.auth.platform()
    }
}

/// Mounts `/v2/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(["/v2", "/v2/"]).to(base))
        .service(web::resource("/v2/{tail:.+}").to(dispatch));
}

fn registry(auth: &Auth, pulls: &PullLog, resolutions: &Resolutions) -> Registry {
    Registry {
        auth: auth.clone(),
        blobs: BlobStore::new(auth.platform().storage().store().clone()),
        pulls: pulls.clone(),
        resolutions: resolutions.clone(),
    }
}

/// `GET /v2/` (spec "end-1"): 200 for a valid token, otherwise 401 with the
/// challenge, which is how `docker login` discovers the token service.
async fn base(req: HttpRequest, auth: web::Data<Auth>) -> Reply {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Err(method_not_allowed(&req));
    }
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

fn path_error(err: PathError) -> RegistryError {
    let code = match err {
        PathError::Unknown => ErrorCode::Unsupported,
        PathError::Name(_) => ErrorCode::NameInvalid,
        PathError::Digest(_) => ErrorCode::DigestInvalid,
        PathError::Reference(_) => ErrorCode::ManifestInvalid,
        PathError::Upload(_) => ErrorCode::BlobUploadUnknown,
    };
    RegistryError::oci(code, err.to_string())
}

/// A known path with a method the spec does not define on it: 405.
fn method_not_allowed(req: &HttpRequest) -> RegistryError {
    RegistryError::Oci(
        berth_http::ApiError::new(
            ErrorCode::Unsupported,
            format!("{} is not supported on {}", req.method(), req.path()),
        )
        .with_status(actix_web::http::StatusCode::METHOD_NOT_ALLOWED),
    )
}

async fn dispatch(
    req: HttpRequest,
    auth: web::Data<Auth>,
    pulls: web::Data<PullLog>,
    resolutions: web::Data<Resolutions>,
    payload: web::Payload,
) -> Reply {
    // The raw path keeps escapes as sent; names never contain them, so an
    // escaped path is refused rather than reinterpreted.
    let tail = req
        .path()
        .strip_prefix("/v2/")
        .unwrap_or_default()
        .to_owned();
    let route = path::parse(&tail).map_err(|err| match err {
        PathError::Unknown => RegistryError::oci(
            ErrorCode::Unsupported,
            format!(
                "{} {} is not an endpoint of the distribution API",
                req.method(),
                req.path()
            ),
        ),
        other => path_error(other),
    })?;
    let registry = registry(&auth, &pulls, &resolutions);
    let method = req.method().clone();
    if method == Method::DELETE
        && matches!(route, Route::Blob { .. } | Route::Manifest { .. })
        && !registry.platform().config().registry_delete
    {
        return Err(RegistryError::Oci(
            berth_http::ApiError::new(
                ErrorCode::Unsupported,
                "deletion is disabled on this registry",
            )
            .with_status(actix_web::http::StatusCode::METHOD_NOT_ALLOWED),
        ));
    }
    match (route, method) {
        (Route::Base, _) => Err(method_not_allowed(&req)),
        (Route::Blob { name, digest }, Method::GET | Method::HEAD) => {
            blobs::get_blob(&registry, &req, &name, &digest).await
        }
        (Route::Blob { name, digest }, Method::DELETE) => {
            blobs::delete_blob(&registry, &req, &name, &digest).await
        }
        (Route::UploadStart { name }, Method::POST) => {
            uploads::start_upload(&registry, &req, &name, payload).await
        }
        (Route::Upload { name, id }, Method::PATCH) => {
            uploads::patch_upload(&registry, &req, &name, id, payload).await
        }
        (Route::Upload { name, id }, Method::PUT) => {
            uploads::put_upload(&registry, &req, &name, id, payload).await
        }
        (Route::Upload { name, id }, Method::GET) => {
            uploads::get_upload(&registry, &req, &name, id).await
        }
        (Route::Upload { name, id }, Method::DELETE) => {
            uploads::delete_upload(&registry, &req, &name, id).await
        }
        (Route::Manifest { name, reference }, Method::PUT) => {
            manifests::put_manifest(&registry, &req, &name, &reference, payload).await
        }
        (Route::Manifest { name, reference }, Method::GET | Method::HEAD) => {
            manifests::get_manifest(&registry, &req, &name, &reference).await
        }
        (Route::Manifest { name, reference }, Method::DELETE) => {
            manifests::delete_manifest(&registry, &req, &name, &reference).await
        }
        (Route::Tags { name }, Method::GET) => listing::list_tags(&registry, &req, &name).await,
        (Route::Referrers { name, digest }, Method::GET) => {
            listing::list_referrers(&registry, &req, &name, &digest).await
        }
        (Route::Catalog, Method::GET) => listing::catalog(&registry, &req).await,
        _ => Err(method_not_allowed(&req)),
    }
}

/// Common response headers.
pub(crate) fn registry_response(
    status: actix_web::http::StatusCode,
) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder.insert_header(("Docker-Distribution-API-Version", "registry/2.0"));
    builder
}

/// The repository's project, which must exist for anything to be stored.
pub(crate) async fn project_of(
    conn: &mut sqlx::PgConnection,
    name: &berth_types::RepositoryName,
) -> Result<berth_auth::store::projects::ProjectRow, RegistryError> {
    berth_auth::store::projects::find_project_by_name(conn, name.project().as_str())
        .await?
        .ok_or_else(|| {
            RegistryError::oci(
                ErrorCode::NameUnknown,
                format!("project {} does not exist", name.project()),
            )
        })
}

/// One query parameter, decoded.
pub(crate) fn query_param(req: &HttpRequest, key: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
