//! `GET /v2/<name>/tags/list`, `/v2/<name>/referrers/<digest>` and
//! `/v2/_catalog`.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use berth_http::ErrorCode;
use berth_types::{Digest, RepositoryName};
use serde_json::json;

use super::{Registry, query_param, registry_response};
use crate::access::{Need, authorize};
use crate::challenge::{bearer_claims, challenge};
use crate::domain::manifest::OCI_INDEX;
use crate::error::{RegistryError, Reply};
use crate::store::repositories::Candidates;
use crate::store::{artifacts, repositories};
use berth_auth::authz::{ProjectRef, project_access};
use berth_auth::{Principal, ProjectAccess};
use berth_http::Failure;
use berth_types::{Action, Resource};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

const MAX_PAGE: i64 = 1000;

/// `n` (0 to 1000; absent means 1000) and `last`.
fn paging(req: &HttpRequest) -> Result<(i64, Option<String>), RegistryError> {
    let n = match query_param(req, "n") {
        None => MAX_PAGE,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                RegistryError::oci(
                    ErrorCode::Unsupported,
                    format!("n must be between 0 and {MAX_PAGE}, not {raw:?}"),
                )
                .with_bad_request()
            })?,
    };
    Ok((n, query_param(req, "last")))
}

impl RegistryError {
    fn with_bad_request(self) -> Self {
        match self {
            RegistryError::Oci(err) => RegistryError::Oci(err.with_status(StatusCode::BAD_REQUEST)),
            other => other,
        }
    }
}

fn next_link(path: &str, n: i64, last: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("n", &n.to_string())
        .append_pair("last", last)
        .finish();
    format!("<{path}?{query}>; rel=\"next\"")
}

pub async fn list_tags(registry: &Registry, req: &HttpRequest, name: &RepositoryName) -> Reply {
    authorize(registry, req, name, Need::Pull).await?;
    let (n, last) = paging(req)?;
    let mut conn = registry.auth.db().acquire().await?;
    if repositories::find_repository_id(&mut conn, name.as_str())
        .await?
        .is_none()
    {
        return Err(RegistryError::oci(
            ErrorCode::NameUnknown,
            format!("repository {name} is not known"),
        ));
    }
    let mut tags = artifacts::list_tags(&mut conn, name.as_str(), last.as_deref(), n + 1).await?;
    let more = tags.len() as i64 > n;
    tags.truncate(n as usize);
    let mut response = registry_response(StatusCode::OK);
    if more && let Some(last) = tags.last() {
        response.insert_header(("Link", next_link(req.path(), n, last)));
    }
    Ok(response.json(json!({"name": name, "tags": tags})))
}

pub async fn list_referrers(
    registry: &Registry,
    req: &HttpRequest,
    name: &RepositoryName,
    digest: &Digest,
) -> Reply {
    authorize(registry, req, name, Need::Pull).await?;
    let filter = query_param(req, "artifactType");
    let mut conn = registry.auth.db().acquire().await?;
    let referrers =
        artifacts::list_referrers(&mut conn, name.as_str(), &digest.to_string()).await?;
    let manifests: Vec<serde_json::Value> = referrers
        .iter()
        .filter(|a| {
            filter
                .as_deref()
                .is_none_or(|f| a.artifact_type.as_deref() == Some(f))
        })
        .map(|a| {
            let mut descriptor =
                json!({"mediaType": a.media_type, "digest": a.digest, "size": a.size});
            if let Some(kind) = &a.artifact_type {
                descriptor["artifactType"] = json!(kind);
            }
            if let Some(annotations) = &a.annotations {
                descriptor["annotations"] = annotations.clone();
            }
            descriptor
        })
        .collect();
    let mut response = registry_response(StatusCode::OK);
    response.content_type(OCI_INDEX);
    if filter.is_some() {
        response.insert_header(("OCI-Filters-Applied", "artifactType"));
    }
    Ok(response.body(
        json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}).to_string(),
    ))
}

/// The catalog lists the repositories its holder may pull: everything for
/// administrators, public and member projects for users, a robot's grants.
/// Any token carrying `registry:catalog:*` may ask; the holder's rights are
/// read now, not when the token was issued.
pub async fn catalog(registry: &Registry, req: &HttpRequest) -> Reply {
    let claims = bearer_claims(&registry.auth, req).await?;
    let holder = claims.as_ref().and_then(|c| {
        let listed = c.access.iter().any(|a| {
            a.resource_type == "registry"
                && a.name == "catalog"
                && a.actions.iter().any(|x| x == "*")
        });
        listed.then(|| c.holder.clone()).flatten()
    });
    let Some(holder) = holder else {
        return Err(RegistryError::Denied {
            challenge: challenge(&registry.auth, Some("registry:catalog:*")),
            authenticated: claims.is_some_and(|c| c.sub != "anonymous"),
            message: "listing the catalog needs a token for registry:catalog:*".into(),
        });
    };
    let (n, last) = paging(req)?;
    let principal = registry.auth.principal_of(&holder).await?;
    let mut conn = registry.auth.db().acquire().await?;
    let candidates = match &principal {
        p if p.is_sysadmin() => Candidates::All,
        // A system robot's grants may name any project.
        Principal::Robot { .. } => Candidates::All,
        p => Candidates::VisibleTo {
            user_id: p.user_id(),
        },
    };
    let wanted = n as usize + 1;
    let batch = (n + 1).max(100);
    let mut access: HashMap<i64, Option<ProjectAccess>> = HashMap::new();
    let mut names = Vec::with_capacity(wanted.min(1024));
    let mut cursor = last;
    'pages: loop {
        let page =
            repositories::list_catalog(&mut conn, candidates, cursor.as_deref(), batch).await?;
        let exhausted = (page.len() as i64) < batch;
        for entry in page {
            if let Entry::Vacant(vacant) = access.entry(entry.project_id) {
                let resolved =
                    match project_access(&mut conn, &principal, ProjectRef::Id(entry.project_id))
                        .await
                    {
                        Ok(found) => Some(found),
                        Err(Failure::Client(_)) => None,
                        Err(other) => return Err(other.into()),
                    };
                vacant.insert(resolved);
            }
            let path = entry.name.split_once('/').map_or("", |(_, path)| path);
            let pullable = access[&entry.project_id]
                .as_ref()
                .is_some_and(|a| a.allows_repository(path, Resource::Repository, Action::Pull));
            cursor = Some(entry.name.clone());
            if pullable {
                names.push(entry.name);
                if names.len() == wanted {
                    break 'pages;
                }
            }
        }
        if exhausted {
            break;
        }
    }
    let more = names.len() > n as usize;
    names.truncate(n as usize);
    let mut response = registry_response(StatusCode::OK);
    if more && let Some(last) = names.last() {
        response.insert_header(("Link", next_link(req.path(), n, last)));
    }
    Ok(response.json(json!({"repositories": names})))
}
