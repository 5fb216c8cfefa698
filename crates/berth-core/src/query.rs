//! Harbor's `q` query parameter, as far as Berth's list endpoints use it:
//! comma-separated terms, `key=value` (exact) or `key=~value` (contains; the
//! store decides how each key matches).

use berth_http::{ApiError, ErrorCode, Failure};

/// The `(key, value)` terms of `q`, with a leading `~` dropped.
pub fn terms(q: Option<&str>) -> Result<Vec<(&str, &str)>, Failure> {
    q.unwrap_or_default()
        .split(',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').ok_or_else(|| {
                Failure::from(ApiError::new(
                    ErrorCode::BadRequest,
                    format!("invalid query {part:?}: expected key=value or key=~value"),
                ))
            })?;
            Ok((key, value.strip_prefix('~').unwrap_or(value)))
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
    fn terms_split_on_commas_and_drop_the_fuzzy_marker() {
        assert_eq!(
            terms(Some("name=~team,public=true")).unwrap(),
            [("name", "team"), ("public", "true")]
        );
        assert!(terms(None).unwrap().is_empty());
        assert!(terms(Some("name")).is_err());
    }
}
