//! The OpenAPI document of the management API, generated from the handlers'
//! annotations and the answer types. The gateway serves it (with its own
//! probes) at `/api/v2.0/openapi.json`.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    artifact_additions, artifact_copy, artifacts, audit, labels, members, permissions, projects,
    quotas, repositories, robots, system, tokens, users,
};
use crate::views;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
        // Console sessions: the `sid` cookie, plus X-Harbor-CSRF-Token on
        // state-changing calls.
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("sid"))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Berth management API",
        description = "Harbor API v2.0 shapes, plus Berth's extensions (personal access tokens, repository-scoped robot permissions).",
    ),
    paths(
        users::create_user,
        users::list_users,
        users::get_current_user,
        users::search_users,
        users::get_user,
        users::update_user_profile,
        users::delete_user,
        users::update_user_password,
        users::set_user_sysadmin,
        projects::create_project,
        projects::list_projects,
        projects::head_project,
        projects::get_project,
        projects::update_project,
        projects::delete_project,
        projects::get_project_summary,
        members::list_project_members,
        members::create_project_member,
        members::get_project_member,
        members::update_project_member,
        members::delete_project_member,
        robots::create_robot,
        robots::list_robots,
        robots::get_robot,
        robots::update_robot,
        robots::refresh_robot_secret,
        robots::delete_robot,
        tokens::create_access_token,
        tokens::list_access_tokens,
        tokens::delete_access_token,
        permissions::get_permissions,
        permissions::get_current_user_permissions,
        repositories::list_all_repositories,
        repositories::list_repositories,
        repositories::get_repository,
        repositories::update_repository,
        repositories::delete_repository,
        artifacts::list_artifacts,
        artifact_copy::copy_artifact,
        artifacts::get_artifact,
        artifacts::delete_artifact,
        artifacts::list_tags,
        artifacts::create_tag,
        artifacts::delete_tag,
        artifacts::list_accessories,
        artifact_additions::get_addition,
        artifacts::add_label,
        artifacts::remove_label,
        labels::list_labels,
        labels::create_label,
        labels::get_label,
        labels::update_label,
        labels::delete_label,
        quotas::list_quotas,
        quotas::get_quota,
        quotas::update_quota,
        audit::list_audit_logs,
        audit::list_audit_log_exts,
        audit::get_logs,
        audit::list_audit_log_exts_of_project,
        system::search,
        system::get_statistic,
        system::get_system_info,
        system::get_volumes,
    ),
    components(schemas(berth_http::ErrorBody, berth_http::ErrorEntry, views::PermissionSchema)),
    modifiers(&Security),
)]
pub struct ApiDoc;
