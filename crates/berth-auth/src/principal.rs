//! Who is calling: resolved once per request from its credentials.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::{Action, Resource};
use futures::future::LocalBoxFuture;
use std::sync::Arc;

use crate::domain::rbac::PermissionSet;
use crate::domain::robot::{RobotPermission, system_grants};
use crate::{Auth, session};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    User {
        id: i64,
        username: String,
        sysadmin: bool,
        /// Set when the user authenticated with a personal access token.
        token: Option<Arc<TokenGrant>>,
    },
    Robot {
        id: i64,
        /// With the configured prefix, as the robot signs in.
        name: String,
        project_id: Option<i64>,
        permissions: Arc<Vec<RobotPermission>>,
    },
}

/// What a personal access token allows: its owner's rights, optionally
/// narrowed to some projects and some permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub id: i64,
    pub projects: Option<Vec<String>>,
    pub permissions: Option<Vec<berth_types::Permission>>,
}

impl TokenGrant {
    pub fn is_narrowed(&self) -> bool {
        self.projects.is_some() || self.permissions.is_some()
    }
}

/// A reference to a principal that a registry token can carry, so a
/// request made with the token can be judged with the holder's rights as
/// they are now (the catalog lists only what its holder may pull).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Holder {
    Anonymous,
    User {
        id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<i64>,
    },
    Robot {
        id: i64,
    },
}

impl Principal {
    pub fn holder(&self) -> Holder {
        match self {
            Principal::Anonymous => Holder::Anonymous,
            Principal::User { id, token, .. } => Holder::User {
                id: *id,
                token: token.as_ref().map(|t| t.id),
            },
            Principal::Robot { id, .. } => Holder::Robot { id: *id },
        }
    }

    /// The name written to the audit log.
    pub fn name(&self) -> &str {
        match self {
            Principal::Anonymous => "anonymous",
            Principal::User { username, .. } => username,
            Principal::Robot { name, .. } => name,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Principal::User { id, .. } => Some(*id),
            Principal::Anonymous | Principal::Robot { .. } => None,
        }
    }

    /// System-level permissions: everything for administrators, what a
    /// system robot was granted, nothing for anyone else.
    pub fn system_permissions(&self) -> PermissionSet {
        match self {
            user @ Principal::User { .. } if user.is_sysadmin() => PermissionSet::everything(),
            Principal::Robot { permissions, .. } => system_grants(permissions),
            Principal::User { .. } | Principal::Anonymous => PermissionSet::default(),
        }
    }

    pub fn require_system(&self, resource: Resource, action: Action) -> Result<(), ApiError> {
        if self.system_permissions().allows(resource, action) {
            Ok(())
        } else {
            Err(self.denied(format!("you may not {action} {resource} at system level")))
        }
    }

    /// A narrowed access token never carries administrator power.
    pub fn is_sysadmin(&self) -> bool {
        match self {
            Principal::User {
                sysadmin, token, ..
            } => *sysadmin && !token.as_ref().is_some_and(|t| t.is_narrowed()),
            Principal::Anonymous | Principal::Robot { .. } => false,
        }
    }

    /// The access token this request authenticated with, if any.
    pub fn token(&self) -> Option<&TokenGrant> {
        match self {
            Principal::User { token, .. } => token.as_deref(),
            Principal::Anonymous | Principal::Robot { .. } => None,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self, Principal::Anonymous)
    }

    /// 401 for callers who have not signed in, 403 for those who have: the
    /// answer to "you may not do this".
    pub fn denied(&self, message: impl Into<String>) -> ApiError {
        if self.is_anonymous() {
            ApiError::new(ErrorCode::Unauthorized, "authentication is required")
        } else {
            ApiError::new(ErrorCode::Forbidden, message)
        }
    }

    pub fn require_sysadmin(&self) -> Result<(), ApiError> {
        if self.is_sysadmin() {
            Ok(())
        } else {
            Err(self.denied("only system administrators may do this"))
        }
    }
}

/// Username and password from an `Authorization: Basic` header.
pub fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    let Some(header) = req.headers().get(AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || ApiError::new(ErrorCode::Unauthorized, "malformed Authorization header");
    let text = header.to_str().map_err(|_| malformed())?;
    let Some((scheme, value)) = text.split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "use HTTP Basic authentication with a username and password, robot secret or access token",
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (user, password) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some((user.to_owned(), password.to_owned())))
}

/// The peer address, used for audit and throttling. Forwarded headers are not
/// trusted: anyone could forge them to dodge a lockout.
pub fn source_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|addr| addr.ip().to_string())
}

impl FromRequest for Principal {
    type Error = Failure;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let auth = req
                .app_data::<web::Data<Auth>>()
                .ok_or_else(|| Failure::internal("auth service is not mounted"))?
                .clone();
            if let Some((username, password)) = basic_credentials(&req)? {
                return auth
                    .login(&username, &password, source_ip(&req).as_deref())
                    .await;
            }
            match req.cookie(session::COOKIE) {
                Some(cookie) => {
                    let csrf = req
                        .headers()
                        .get(session::CSRF_HEADER)
                        .and_then(|v| v.to_str().ok());
                    let safe = matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS");
                    auth.session_principal(cookie.value(), safe, csrf).await
                }
                None => Ok(Principal::Anonymous),
            }
        })
    }
}
