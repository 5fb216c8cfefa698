//! The simple form of Harbor's `q` that the identity listings (users,
//! projects, robots) accept: `key=value` or `key=~value` terms, each key
//! matched as its store decides. Parsed by the one `q` parser in
//! `berth-types`; richer listings use [`crate::filter`].

use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::query::{Matcher, parse_query};

/// The `(key, value)` terms of `q`.
pub fn terms(q: Option<&str>) -> Result<Vec<(String, String)>, Failure> {
    let Some(q) = q.filter(|q| !q.is_empty()) else {
        return Ok(Vec::new());
    };
    let query = parse_query(q).map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
    query
        .terms
        .into_iter()
        .map(|term| match term.matcher {
            Matcher::Exact(value) | Matcher::Fuzzy(value) => Ok((term.key, value)),
            other => Err(ApiError::new(
                ErrorCode::BadRequest,
                format!(
                    "invalid q at position {}: {} supports only = and =~, not {}",
                    term.position,
                    term.key,
                    other.describe()
                ),
            )
            .into()),
        })
        .collect()
}

/// The error for a key the listing does not filter by.
pub fn unknown_key(listing: &str, key: &str) -> Failure {
    ApiError::new(
        ErrorCode::BadRequest,
        format!("{listing} cannot be filtered by {key:?}"),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_keep_their_values_and_refuse_richer_forms() {
        assert_eq!(
            terms(Some("name=~team,public=true")).unwrap(),
            [
                ("name".to_owned(), "team".to_owned()),
                ("public".to_owned(), "true".to_owned())
            ]
        );
        assert!(terms(None).unwrap().is_empty());
        assert!(terms(Some("name")).is_err());
        assert!(terms(Some("name={a b}")).is_err());
    }
}
