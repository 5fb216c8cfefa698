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

/// A boolean query parameter as Harbor (Go's `strconv.ParseBool`) reads
/// it: `1`, `t`, `T`, `true`, `True`, `TRUE` and their false forms. Generated
/// clients send `True`.
pub fn harbor_bool<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    raw.map(|text| match text.as_str() {
        "1" | "t" | "T" | "true" | "True" | "TRUE" => Ok(true),
        "0" | "f" | "F" | "false" | "False" | "FALSE" => Ok(false),
        other => Err(serde::de::Error::custom(format!(
            "{other:?} is not true or false"
        ))),
    })
    .transpose()
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

    #[derive(serde::Deserialize)]
    struct Flags {
        #[serde(default, deserialize_with = "harbor_bool")]
        flag: Option<bool>,
    }

    #[test]
    fn booleans_read_as_go_reads_them() {
        let read =
            |q: &str| actix_web::web::Query::<Flags>::from_query(q).map(|f| f.into_inner().flag);
        assert_eq!(read("flag=True").unwrap(), Some(true));
        assert_eq!(read("flag=0").unwrap(), Some(false));
        assert_eq!(read("").unwrap(), None);
        assert!(read("flag=yes").is_err());
    }

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
