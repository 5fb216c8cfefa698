//! Artifacts of a repository, their tags, labels, accessories and additions:
//! `/projects/{project_name}/repositories/{repository_name}/artifacts…`.

use actix_web::{HttpRequest, HttpResponse, web};
use berth_auth::authz::ProjectAccess;
use berth_auth::{Auth, Principal};
use berth_http::{ApiError, ErrorCode, Failure};
use berth_registry::Resolutions;
use berth_registry::store::artifacts as registry_artifacts;
use berth_types::{Action, Reference, Resource};
use serde::Deserialize;
use sqlx::PgConnection;
use std::collections::HashMap;

use super::Actor;
use super::repositories::repository_for;
use crate::filter::{Filter, order_by};
use crate::paging::{self, PageQuery};
use crate::store::artifacts::{self, ArtifactRecord, FIELDS, SORTS};
use crate::store::labels;
use crate::store::repositories::RepositoryRow;
use crate::views::{self, ArtifactParts};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/projects/{project_name}/repositories/{repository_name}/artifacts")
            .route(web::get().to(list_artifacts))
            .route(web::post().to(super::artifact_copy::copy_artifact)),
    )
    .service(
        web::resource("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}")
            .route(web::get().to(get_artifact))
            .route(web::delete().to(delete_artifact)),
    )
    .service(
        web::resource("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags")
            .route(web::get().to(list_tags))
            .route(web::post().to(create_tag)),
    )
    .service(web::resource("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}").route(web::delete().to(delete_tag)))
    .service(web::resource("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/accessories").route(web::get().to(list_accessories)))
    .service(
        web::resource("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions/{addition}")
            .route(web::get().to(super::artifact_additions::get_addition)),
    )
    .service(web::resource("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/labels").route(web::post().to(add_label)))
    .service(web::resource("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/labels/{label_id}").route(web::delete().to(remove_label)));
}

/// `with_*` flags, with Harbor's defaults (only tags are on by default).
#[derive(Debug, Deserialize)]
pub struct WithFlags {
    #[serde(default, deserialize_with = "crate::query::harbor_bool")]
    with_tag: Option<bool>,
    #[serde(default, deserialize_with = "crate::query::harbor_bool")]
    with_label: Option<bool>,
    #[serde(default, deserialize_with = "crate::query::harbor_bool")]
    with_scan_overview: Option<bool>,
    #[serde(default, deserialize_with = "crate::query::harbor_bool")]
    with_accessory: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    sort: Option<String>,
}

pub(crate) fn parse_reference(raw: &str) -> Result<Reference, Failure> {
    raw.parse::<Reference>().map_err(|e| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("invalid reference {raw:?}: {e}"),
        )
        .into()
    })
}

fn artifact_not_found(repository: &str, reference: &str) -> Failure {
    ApiError::new(
        ErrorCode::NotFound,
        format!("artifact {repository}:{reference} not found"),
    )
    .into()
}

/// The artifact a path names, after checking the caller may do `action` on
/// `resource` in its project.
pub(crate) async fn artifact_for(
    conn: &mut PgConnection,
    principal: &Principal,
    (project, repository, reference): (&str, &str, &str),
    resource: Resource,
    action: Action,
) -> Result<(ProjectAccess, RepositoryRow, ArtifactRecord), Failure> {
    let parsed = parse_reference(reference)?;
    let (access, repo) =
        repository_for(conn, principal, project, repository, resource, action).await?;
    match artifacts::find(conn, repo.id, &parsed).await? {
        Some(record) => Ok((access, repo, record)),
        None => Err(artifact_not_found(&repo.name, reference)),
    }
}

/// Builds the JSON of each record with what the flags ask for, in a fixed
/// number of queries whatever the page size.
async fn assemble(
    conn: &mut PgConnection,
    repository_id: i64,
    records: &[ArtifactRecord],
    flags: &WithFlags,
) -> Result<Vec<views::Artifact>, Failure> {
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    let mut parts: HashMap<i64, ArtifactParts> = ids
        .iter()
        .map(|id| (*id, ArtifactParts::default()))
        .collect();
    for reference in artifacts::references_of(conn, &ids).await? {
        if let Some(p) = parts.get_mut(&reference.parent_id) {
            p.references.push(reference);
        }
    }
    if flags.with_tag.unwrap_or(true) {
        for tag in artifacts::tags_of(conn, &ids).await? {
            if let Some(p) = parts.get_mut(&tag.artifact_id) {
                p.tags.push(tag);
            }
        }
    }
    if flags.with_label.unwrap_or(false) {
        for (artifact_id, label) in labels::of_artifacts(conn, &ids).await? {
            if let Some(p) = parts.get_mut(&artifact_id) {
                p.labels.push(label);
            }
        }
    }
    if flags.with_accessory.unwrap_or(false) {
        let digests: Vec<String> = records.iter().map(|r| r.digest.clone()).collect();
        let (accessories, _) =
            artifacts::accessories_of(conn, repository_id, &digests, None).await?;
        for record in records {
            if let Some(p) = parts.get_mut(&record.id) {
                p.accessories = Some(
                    accessories
                        .iter()
                        .filter(|a| a.subject_digest.as_deref() == Some(record.digest.as_str()))
                        .cloned()
                        .collect(),
                );
            }
        }
    }
    let scan_overview = flags.with_scan_overview.unwrap_or(false);
    Ok(records
        .iter()
        .map(|record| {
            let mut own = parts.remove(&record.id).unwrap_or_default();
            own.scan_overview = scan_overview;
            views::artifact(record, own)
        })
        .collect())
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts",
    tag = "artifact",
    operation_id = "list_artifacts",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice (a%252Fb)"),
        ("q" = Option<String>, Query, description = "Harbor's query: digest, media_type, manifest_media_type, artifact_type, size, push_time, pull_time, tags (=*, =nil, =v, =~v, ={…}, =(…)), labels (ids)"),
        ("sort" = Option<String>, Query, description = "push_time, pull_time, size, digest; '-' for descending (default -push_time)"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
        ("with_tag" = Option<bool>, Query, description = "Include tags (default true)"),
        ("with_label" = Option<bool>, Query, description = "Include labels"),
        ("with_scan_overview" = Option<bool>, Query, description = "Include the scan overview (empty until a scanner is configured)"),
        ("with_accessory" = Option<bool>, Query, description = "Include accessories (signatures, SBOMs)"),
        ("with_signature" = Option<bool>, Query, description = "Accepted for compatibility"),
        ("with_immutable_status" = Option<bool>, Query, description = "Accepted for compatibility; tags are never immutable yet"),
    ),
    responses((status = 200, body = [crate::views::Artifact]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_artifacts(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: web::Query<ListQuery>,
    paging_query: web::Query<PageQuery>,
    flags: web::Query<WithFlags>,
) -> Result<HttpResponse, Failure> {
    let (project, repository) = path.into_inner();
    let page = paging_query.page()?;
    let filter = Filter::parse(query.q.as_deref(), "artifacts", FIELDS)?;
    let order = order_by(
        query.sort.as_deref(),
        SORTS,
        artifacts::DEFAULT_SORT,
        artifacts::TIEBREAK,
    )?;
    let mut conn = auth.db().acquire().await?;
    let (_, repo) = repository_for(
        &mut conn,
        &principal,
        &project,
        &repository,
        Resource::Artifact,
        Action::List,
    )
    .await?;
    let (records, total) = artifacts::list(&mut conn, repo.id, &filter, &order, page).await?;
    let body = assemble(&mut conn, repo.id, &records, &flags).await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    Ok(response.json(body))
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}",
    tag = "artifact",
    operation_id = "get_artifact",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
        ("with_tag" = Option<bool>, Query, description = "Include tags (default true)"),
        ("with_label" = Option<bool>, Query, description = "Include labels"),
        ("with_scan_overview" = Option<bool>, Query, description = "Include the scan overview"),
        ("with_accessory" = Option<bool>, Query, description = "Include accessories"),
    ),
    responses((status = 200, body = crate::views::Artifact), (status = 400, description = "Invalid reference", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn get_artifact(
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, String, String)>,
    flags: web::Query<WithFlags>,
) -> Result<HttpResponse, Failure> {
    let (project, repository, reference) = path.into_inner();
    let mut conn = auth.db().acquire().await?;
    let (_, repo, record) = artifact_for(
        &mut conn,
        &principal,
        (&project, &repository, &reference),
        Resource::Artifact,
        Action::Read,
    )
    .await?;
    let mut body = assemble(&mut conn, repo.id, std::slice::from_ref(&record), &flags).await?;
    Ok(HttpResponse::Ok().json(body.remove(0)))
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}",
    tag = "artifact",
    operation_id = "delete_artifact",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
    ),
    responses((status = 200, description = "Deleted with its tags and accessories"), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody), (status = 412, description = "An index lists the artifact", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn delete_artifact(
    req: HttpRequest,
    auth: web::Data<Auth>,
    resolutions: web::Data<Resolutions>,
    principal: Principal,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Failure> {
    let (project, repository, reference) = path.into_inner();
    let mut tx = auth.db().begin().await?;
    let (access, repo, record) = artifact_for(
        &mut tx,
        &principal,
        (&project, &repository, &reference),
        Resource::Artifact,
        Action::Delete,
    )
    .await?;
    if record.parents > 0 {
        return Err(ApiError::new(
            ErrorCode::PreconditionFailed,
            format!(
                "artifact {} is listed by an index in {}: delete the index first",
                record.digest, repo.name
            ),
        )
        .into());
    }
    registry_artifacts::delete_accessories(&mut tx, repo.id, &record.digest).await?;
    registry_artifacts::delete_artifact(&mut tx, record.id).await?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "artifact",
            &format!("{}@{}", repo.name, record.digest),
            "delete",
        )
        .await?;
    resolutions.commit(tx).await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags",
    tag = "artifact",
    operation_id = "list_tags",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
        ("q" = Option<String>, Query, description = "Harbor's query: name, push_time, pull_time"),
        ("sort" = Option<String>, Query, description = "name, push_time, pull_time; '-' for descending"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::Tag]), (status = 400, description = "Invalid query", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_tags(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, String, String)>,
    query: web::Query<ListQuery>,
    paging_query: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let (project, repository, reference) = path.into_inner();
    let page = paging_query.page()?;
    let filter = Filter::parse(query.q.as_deref(), "tags", artifacts::TAG_FIELDS)?;
    let order = order_by(
        query.sort.as_deref(),
        artifacts::TAG_SORTS,
        "t.push_time DESC",
        "t.id DESC",
    )?;
    let mut conn = auth.db().acquire().await?;
    let (_, _, record) = artifact_for(
        &mut conn,
        &principal,
        (&project, &repository, &reference),
        Resource::Tag,
        Action::List,
    )
    .await?;
    let (tags, total) = artifacts::list_tags(&mut conn, record.id, &filter, &order, page).await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    Ok(response.json(tags.iter().map(views::tag).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewTag {
    name: String,
}

#[utoipa::path(
    post,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags",
    tag = "artifact",
    operation_id = "create_tag",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
    ),
    request_body = NewTag,
    responses((status = 201, description = "Created"), (status = 400, description = "Invalid tag name", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody), (status = 409, description = "The repository already has the tag", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn create_tag(
    req: HttpRequest,
    auth: web::Data<Auth>,
    resolutions: web::Data<Resolutions>,
    principal: Principal,
    path: web::Path<(String, String, String)>,
    body: web::Json<NewTag>,
) -> Result<HttpResponse, Failure> {
    let (project, repository, reference) = path.into_inner();
    let name: berth_types::Tag = body.name.parse().map_err(|e| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("invalid tag name {:?}: {e}", body.name),
        )
    })?;
    let mut tx = auth.db().begin().await?;
    let (access, repo, record) = artifact_for(
        &mut tx,
        &principal,
        (&project, &repository, &reference),
        Resource::Tag,
        Action::Create,
    )
    .await?;
    if artifacts::find_tag(&mut tx, repo.id, name.as_str())
        .await?
        .is_some()
    {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("{} already has the tag {name}", repo.name),
        )
        .into());
    }
    registry_artifacts::upsert_tag(&mut tx, repo.id, name.as_str(), record.id).await?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "tag",
            &format!("{}:{name}", repo.name),
            "create",
        )
        .await?;
    resolutions.commit(tx).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("{}/tags/{name}", req.path().trim_end_matches("/tags")),
        ))
        .finish())
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}",
    tag = "artifact",
    operation_id = "delete_tag",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
        ("tag_name" = String, Path, description = "The tag to remove"),
    ),
    responses((status = 200, description = "Deleted"), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn delete_tag(
    req: HttpRequest,
    auth: web::Data<Auth>,
    resolutions: web::Data<Resolutions>,
    principal: Principal,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, Failure> {
    let (project, repository, reference, tag) = path.into_inner();
    let mut tx = auth.db().begin().await?;
    let (access, repo, record) = artifact_for(
        &mut tx,
        &principal,
        (&project, &repository, &reference),
        Resource::Tag,
        Action::Delete,
    )
    .await?;
    if artifacts::find_tag(&mut tx, repo.id, &tag).await? != Some(record.id) {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("artifact {reference} in {} has no tag {tag:?}", repo.name),
        )
        .into());
    }
    registry_artifacts::delete_tag(&mut tx, &repo.name, &tag).await?;
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "tag",
            &format!("{}:{tag}", repo.name),
            "delete",
        )
        .await?;
    resolutions.commit(tx).await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    get,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/accessories",
    tag = "artifact",
    operation_id = "list_accessories",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses((status = 200, body = [crate::views::Accessory]), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn list_accessories(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, String, String)>,
    paging_query: web::Query<PageQuery>,
) -> Result<HttpResponse, Failure> {
    let (project, repository, reference) = path.into_inner();
    let page = paging_query.page()?;
    let mut conn = auth.db().acquire().await?;
    let (_, repo, record) = artifact_for(
        &mut conn,
        &principal,
        (&project, &repository, &reference),
        Resource::Accessory,
        Action::List,
    )
    .await?;
    let (accessories, total) = artifacts::accessories_of(
        &mut conn,
        repo.id,
        std::slice::from_ref(&record.digest),
        Some(page),
    )
    .await?;
    let mut response = HttpResponse::Ok();
    paging::headers(&mut response, &req, page, total);
    Ok(response.json(
        accessories
            .iter()
            .map(|a| views::accessory(a, record.id))
            .collect::<Vec<_>>(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LabelRef {
    id: i64,
}

#[utoipa::path(
    post,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/labels",
    tag = "artifact",
    operation_id = "add_label",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
    ),
    request_body = LabelRef,
    responses((status = 200, description = "Added"), (status = 400, description = "The label belongs to another project", body = berth_http::ErrorBody), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found or not visible", body = berth_http::ErrorBody), (status = 409, description = "Already added", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn add_label(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, String, String)>,
    body: web::Json<LabelRef>,
) -> Result<HttpResponse, Failure> {
    let (project, repository, reference) = path.into_inner();
    let mut tx = auth.db().begin().await?;
    let (access, repo, record) = artifact_for(
        &mut tx,
        &principal,
        (&project, &repository, &reference),
        Resource::ArtifactLabel,
        Action::Create,
    )
    .await?;
    let label = labels::find(&mut tx, body.id)
        .await?
        .filter(|l| l.project_id.is_none_or(|p| p == access.project.id))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "label {} not found among the global labels and those of project {}",
                    body.id, access.project.name
                ),
            )
        })?;
    if !labels::attach(&mut tx, record.id, label.id).await? {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("label {} is already on the artifact", label.name),
        )
        .into());
    }
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "artifact",
            &format!("{}@{}", repo.name, record.digest),
            "label",
        )
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    delete,
    path = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/labels/{label_id}",
    tag = "artifact",
    operation_id = "remove_label",
    params(
        ("project_name" = String, Path, description = "Project name"),
        ("repository_name" = String, Path, description = "Repository name without the project; a '/' in it is encoded twice"),
        ("reference" = String, Path, description = "Tag or digest"),
        ("label_id" = i64, Path, description = "The label's id"),
    ),
    responses((status = 200, description = "Removed"), (status = 401, description = "Not signed in", body = berth_http::ErrorBody), (status = 403, description = "Not allowed", body = berth_http::ErrorBody), (status = 404, description = "Not found, not visible, or not on the artifact", body = berth_http::ErrorBody)),
    security(("basic" = []), ("session" = []))
)]
pub(crate) async fn remove_label(
    req: HttpRequest,
    auth: web::Data<Auth>,
    principal: Principal,
    path: web::Path<(String, String, String, crate::ids::Id)>,
) -> Result<HttpResponse, Failure> {
    let (project, repository, reference, label_id) = path.into_inner();
    let label_id = *label_id;
    let mut tx = auth.db().begin().await?;
    let (access, repo, record) = artifact_for(
        &mut tx,
        &principal,
        (&project, &repository, &reference),
        Resource::ArtifactLabel,
        Action::Delete,
    )
    .await?;
    if !labels::detach(&mut tx, record.id, label_id).await? {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("label {label_id} is not on the artifact"),
        )
        .into());
    }
    Actor::new(&principal, &req)
        .audit(
            &mut tx,
            Some(access.project.id),
            "artifact",
            &format!("{}@{}", repo.name, record.digest),
            "unlabel",
        )
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}
