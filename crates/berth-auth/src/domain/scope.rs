//! Registry token scopes (docker token-auth spec, scope.md):
//! `resourcetype[(resourceclass)]:resourcename:action[,action]`. The
//! resource name may itself contain colons, so the type ends at the first
//! colon and the actions start after the last.

use berth_types::RepositoryName;
use serde::{Deserialize, Serialize};

/// One requested scope, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestedScope {
    Repository {
        name: RepositoryName,
        actions: Vec<String>,
    },
    Catalog,
    /// Well-formed but of a type Berth grants nothing for; it yields an
    /// entry with no actions, never an error.
    Other {
        resource_type: String,
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope {0:?}: expected type:name:actions")]
pub struct ScopeError(pub String);

pub fn parse(raw: &str) -> Result<RequestedScope, ScopeError> {
    let invalid = || ScopeError(raw.to_owned());
    let (resource_type, rest) = raw.split_once(':').ok_or_else(invalid)?;
    let (name, actions) = rest.rsplit_once(':').ok_or_else(invalid)?;
    if resource_type.is_empty() || name.is_empty() {
        return Err(invalid());
    }
    // "repository(plugin)" style classes are accepted and ignored.
    let bare_type = resource_type.split('(').next().unwrap_or(resource_type);
    let actions: Vec<String> = actions
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(match bare_type {
        "repository" => match name.parse::<RepositoryName>() {
            Ok(name) => RequestedScope::Repository { name, actions },
            Err(_) => RequestedScope::Other {
                resource_type: resource_type.to_owned(),
                name: name.to_owned(),
            },
        },
        "registry" if name == "catalog" => RequestedScope::Catalog,
        _ => RequestedScope::Other {
            resource_type: resource_type.to_owned(),
            name: name.to_owned(),
        },
    })
}

/// An entry of the JWT `access` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    pub actions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_scopes_parse_with_their_actions() {
        let scope = parse("repository:library/app:pull,push").unwrap();
        let RequestedScope::Repository { name, actions } = scope else {
            panic!("{scope:?}")
        };
        assert_eq!(name.as_str(), "library/app");
        assert_eq!(actions, ["pull", "push"]);
    }

    #[test]
    fn catalog_and_unknown_types_are_recognised() {
        assert_eq!(
            parse("registry:catalog:*").unwrap(),
            RequestedScope::Catalog
        );
        assert!(matches!(
            parse("plugin:x:pull").unwrap(),
            RequestedScope::Other { .. }
        ));
        assert!(matches!(
            parse("repository(plugin):library/app:pull").unwrap(),
            RequestedScope::Repository { .. }
        ));
        // Names that are not valid repositories grant nothing but do not fail.
        assert!(matches!(
            parse("repository:UPPER/x:pull").unwrap(),
            RequestedScope::Other { .. }
        ));
    }

    #[test]
    fn malformed_scopes_are_errors() {
        for bad in [
            "",
            "repository",
            "repository:library/app",
            ":x:pull",
            "repository::pull",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
