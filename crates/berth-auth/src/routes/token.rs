//! `/service/token`: the Docker token-authentication spec (token.md) and its
//! OAuth2 form (oauth.md). A scope the caller may not have is granted with no
//! actions, never refused: clients then get a precise 401/403 from `/v2`.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Action, Resource};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

use crate::authz::{ProjectRef, project_access};
use crate::domain::scope::{self, AccessEntry, RequestedScope};
use crate::principal::{basic_credentials, source_ip};
use crate::{Auth, Principal};

/// The registry actions a token can carry, and the permission each needs.
const REPOSITORY_ACTIONS: [(&str, Action); 3] = [
    ("pull", Action::Pull),
    ("push", Action::Push),
    ("delete", Action::Delete),
];

/// Query parameters may repeat (`scope=a&scope=b`), which serde's query
/// deserialiser cannot express; they are read as pairs.
fn scopes_from_query(query: &str) -> Vec<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == "scope")
        .flat_map(|(_, value)| value.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .filter(|scope| !scope.is_empty())
        .collect()
}

/// What a token grants: the access entries, and the ids of the projects
/// they are in.
struct Granted {
    access: Vec<AccessEntry>,
    projects: BTreeMap<String, i64>,
}

async fn grant(
    auth: &Auth,
    principal: &Principal,
    requested: &[String],
) -> Result<Granted, Failure> {
    let mut conn = auth.db().acquire().await?;
    let mut access = Vec::with_capacity(requested.len());
    let mut projects = BTreeMap::new();
    for raw in requested {
        let parsed =
            scope::parse(raw).map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
        let entry = match parsed {
            RequestedScope::Repository { name, actions } => {
                let project = name.project();
                let granted =
                    match project_access(&mut conn, principal, ProjectRef::Name(project.as_str()))
                        .await
                    {
                        Ok(access) => {
                            projects.insert(access.project.name.clone(), access.project.id);
                            REPOSITORY_ACTIONS
                                .iter()
                                .filter(|(wire, action)| {
                                    actions.iter().any(|a| a == wire || a == "*")
                                        && access.allows_repository(
                                            name.path_in_project(),
                                            Resource::Repository,
                                            *action,
                                        )
                                })
                                .map(|(wire, _)| (*wire).to_owned())
                                .collect()
                        }
                        // Missing or invisible project: nothing, and no hint which.
                        Err(Failure::Client(_)) => Vec::new(),
                        Err(other) => return Err(other),
                    };
                AccessEntry {
                    resource_type: "repository".into(),
                    name: name.to_string(),
                    actions: granted,
                }
            }
            // Everyone may list the catalog; the registry shows each holder
            // only the repositories they may pull.
            RequestedScope::Catalog => AccessEntry {
                resource_type: "registry".into(),
                name: "catalog".into(),
                actions: vec!["*".into()],
            },
            RequestedScope::Other {
                resource_type,
                name,
            } => AccessEntry {
                resource_type,
                name,
                actions: Vec::new(),
            },
        };
        access.push(entry);
    }
    Ok(Granted { access, projects })
}

async fn respond(
    auth: &Auth,
    principal: Principal,
    scopes: Vec<String>,
) -> Result<HttpResponse, Failure> {
    let Granted { access, projects } = grant(auth, &principal, &scopes).await?;
    let keys = auth.token_keys().await?;
    let now = chrono::Utc::now();
    let holder = access
        .iter()
        .any(|a| a.resource_type == "registry" && a.name == "catalog")
        .then(|| principal.holder());
    let (token, claims) =
        keys.issue(principal.name(), access, projects, holder, now.timestamp())?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "token": token,
            "access_token": token,
            "expires_in": claims.exp - claims.iat,
            "issued_at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })))
}

/// `GET /service/token?service=…&scope=…`, with Basic credentials or none
/// (anonymous pulls from public projects).
pub async fn get_token(req: HttpRequest, auth: web::Data<Auth>) -> Result<HttpResponse, Failure> {
    let principal = match basic_credentials(&req)? {
        Some((user, password)) => {
            auth.login(&user, &password, source_ip(&req).as_deref())
                .await?
        }
        None => Principal::Anonymous,
    };
    respond(&auth, principal, scopes_from_query(req.query_string())).await
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: String,
    username: Option<String>,
    password: Option<String>,
    scope: Option<String>,
}

/// `POST /service/token` with `grant_type=password` (oauth.md). Refresh
/// tokens are not issued, so `refresh_token` grants are refused clearly.
pub async fn post_token(
    req: HttpRequest,
    auth: web::Data<Auth>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, Failure> {
    let form = form.into_inner();
    if form.grant_type != "password" {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!("unsupported grant_type {:?}: use password", form.grant_type),
        )
        .into());
    }
    let (Some(username), Some(password)) = (form.username, form.password) else {
        return Err(
            ApiError::new(ErrorCode::BadRequest, "username and password are required").into(),
        );
    };
    let principal = auth
        .login(&username, &password, source_ip(&req).as_deref())
        .await?;
    let scopes = form
        .scope
        .map(|s| {
            s.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    respond(&auth, principal, scopes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_scope_parameters_are_all_read() {
        let query = "service=berth&scope=repository%3Alibrary%2Fa%3Apull&scope=repository:library/b:pull,push";
        assert_eq!(
            scopes_from_query(query),
            [
                "repository:library/a:pull",
                "repository:library/b:pull,push"
            ]
        );
    }
}
