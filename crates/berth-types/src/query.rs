//! Harbor's `q` and `sort` list parameters.
//!
//! `q` is a comma-separated list of terms, each `key` `=` and a value:
//!
//! | form            | meaning                                   |
//! |-----------------|-------------------------------------------|
//! | `k=v`           | equal to `v`                              |
//! | `k=~v`          | contains `v`                              |
//! | `k=[min~max]`   | between, inclusive; either end may be empty |
//! | `k={v1 v2}`     | any of the values                         |
//! | `k=(v1 v2)`     | all of the values (for multi-valued keys) |
//!
//! `sort` is a comma-separated list of keys, each optionally prefixed with
//! `-` for descending order. Parsing checks only the syntax; which keys a
//! listing accepts, and how each becomes SQL, is the listing's decision.
//! Errors carry the character position where the input stopped making sense.

use std::fmt;

/// Longest `q` accepted: a guard against pathological input, far above any
/// real filter.
pub const MAX_QUERY_LEN: usize = 4096;
/// Most terms in one `q`, and most values in one `{…}` or `(…)` list.
pub const MAX_TERMS: usize = 16;
pub const MAX_LIST_VALUES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: String,
    pub matcher: Matcher,
    /// Where the term starts in `q` (0-based, in characters).
    pub position: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    Exact(String),
    Fuzzy(String),
    Range {
        min: Option<String>,
        max: Option<String>,
    },
    AnyOf(Vec<String>),
    AllOf(Vec<String>),
}

impl Matcher {
    /// The operator as Harbor writes it, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Matcher::Exact(_) => "=",
            Matcher::Fuzzy(_) => "=~",
            Matcher::Range { .. } => "=[min~max]",
            Matcher::AnyOf(_) => "={…}",
            Matcher::AllOf(_) => "=(…)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub key: String,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {parameter} at position {position}: {message}")]
pub struct QueryError {
    pub parameter: &'static str,
    pub position: usize,
    pub message: String,
}

fn error(parameter: &'static str, position: usize, message: impl fmt::Display) -> QueryError {
    QueryError {
        parameter,
        position,
        message: message.to_string(),
    }
}

/// Keys are identifiers (`name`, `op_time`, `extra_attrs.os`, Harbor's
/// `ProjectID`): nothing that could be mistaken for SQL.
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && key.as_bytes()[0].is_ascii_alphabetic()
}

pub fn parse_query(q: &str) -> Result<Query, QueryError> {
    const P: &str = "q";
    if q.chars().count() > MAX_QUERY_LEN {
        return Err(error(
            P,
            MAX_QUERY_LEN,
            format!("longer than {MAX_QUERY_LEN} characters"),
        ));
    }
    let chars: Vec<char> = q.chars().collect();
    let mut terms = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let end = term_end(&chars, start)?;
        if end > start {
            if terms.len() == MAX_TERMS {
                return Err(error(P, start, format!("more than {MAX_TERMS} terms")));
            }
            terms.push(parse_term(&chars[start..end], start)?);
        } else {
            return Err(error(P, start, "empty term"));
        }
        start = end + 1;
        if end + 1 == chars.len() && chars[end] == ',' {
            return Err(error(P, end, "trailing comma"));
        }
    }
    Ok(Query { terms })
}

/// The index of the comma ending the term that starts at `start` (or the
/// end of input). Commas inside `[…]`, `{…}` and `(…)` do not end a term.
fn term_end(chars: &[char], start: usize) -> Result<usize, QueryError> {
    let mut closing: Option<(char, usize)> = None;
    for (offset, &c) in chars[start..].iter().enumerate() {
        let at = start + offset;
        match closing {
            Some((expected, _)) if c == expected => closing = None,
            Some(_) => {}
            None => match c {
                ',' => return Ok(at),
                '[' => closing = Some((']', at)),
                '{' => closing = Some(('}', at)),
                '(' => closing = Some((')', at)),
                _ => {}
            },
        }
    }
    match closing {
        Some((expected, opened)) => Err(error(
            "q",
            opened,
            format!("unbalanced bracket: no closing {expected:?}"),
        )),
        None => Ok(chars.len()),
    }
}

fn parse_term(term: &[char], position: usize) -> Result<Term, QueryError> {
    const P: &str = "q";
    let Some(eq) = term.iter().position(|&c| c == '=') else {
        return Err(error(P, position, "expected key=value"));
    };
    let key: String = term[..eq].iter().collect::<String>().trim().to_owned();
    if !valid_key(&key) {
        return Err(error(P, position, format!("invalid key {key:?}")));
    }
    let value_at = position + eq + 1;
    let raw: String = term[eq + 1..].iter().collect();
    let matcher = if let Some(rest) = raw.strip_prefix('~') {
        Matcher::Fuzzy(non_empty(rest, value_at)?)
    } else if let Some(inner) = enclosed(&raw, '[', ']', value_at)? {
        let Some((min, max)) = inner.split_once('~') else {
            return Err(error(P, value_at, "a range is [min~max]"));
        };
        let bound = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let (min, max) = (bound(min), bound(max));
        if min.is_none() && max.is_none() {
            return Err(error(P, value_at, "a range needs at least one bound"));
        }
        Matcher::Range { min, max }
    } else if let Some(inner) = enclosed(&raw, '{', '}', value_at)? {
        Matcher::AnyOf(list(&inner, value_at)?)
    } else if let Some(inner) = enclosed(&raw, '(', ')', value_at)? {
        Matcher::AllOf(list(&inner, value_at)?)
    } else {
        Matcher::Exact(non_empty(&raw, value_at)?)
    };
    Ok(Term {
        key,
        matcher,
        position,
    })
}

fn non_empty(value: &str, at: usize) -> Result<String, QueryError> {
    if value.is_empty() {
        Err(error("q", at, "empty value"))
    } else {
        Ok(value.to_owned())
    }
}

/// The inside of `open…close` when `raw` starts with `open`; a value that
/// opens but does not end with the matching bracket is an error.
fn enclosed(raw: &str, open: char, close: char, at: usize) -> Result<Option<String>, QueryError> {
    let Some(rest) = raw.strip_prefix(open) else {
        return Ok(None);
    };
    match rest.strip_suffix(close) {
        Some(inner) if !inner.contains([open, close]) => Ok(Some(inner.to_owned())),
        _ => Err(error(
            "q",
            at,
            format!("{open}…{close} must enclose the whole value, once"),
        )),
    }
}

fn list(inner: &str, at: usize) -> Result<Vec<String>, QueryError> {
    let values: Vec<String> = inner.split_whitespace().map(str::to_owned).collect();
    if values.is_empty() {
        return Err(error("q", at, "an empty list"));
    }
    if values.len() > MAX_LIST_VALUES {
        return Err(error(
            "q",
            at,
            format!("more than {MAX_LIST_VALUES} values in a list"),
        ));
    }
    Ok(values)
}

pub fn parse_sort(sort: &str) -> Result<Vec<SortKey>, QueryError> {
    let mut keys = Vec::new();
    let mut position = 0;
    for part in sort.split(',') {
        let (descending, key) = match part.strip_prefix('-') {
            Some(key) => (true, key),
            None => (false, part),
        };
        if !valid_key(key) {
            return Err(error(
                "sort",
                position,
                format!("invalid sort key {part:?}"),
            ));
        }
        if keys.len() == MAX_TERMS {
            return Err(error(
                "sort",
                position,
                format!("more than {MAX_TERMS} keys"),
            ));
        }
        keys.push(SortKey {
            key: key.to_owned(),
            descending,
        });
        position += part.chars().count() + 1;
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn single(q: &str) -> Term {
        let mut parsed = parse_query(q).unwrap();
        assert_eq!(parsed.terms.len(), 1, "{q}");
        parsed.terms.remove(0)
    }

    #[test]
    fn every_form_parses() {
        assert_eq!(single("name=app").matcher, Matcher::Exact("app".into()));
        assert_eq!(single("name=~ap").matcher, Matcher::Fuzzy("ap".into()));
        assert_eq!(
            single("op_time=[2024-01-01 00:00:00~2024-02-01 00:00:00]").matcher,
            Matcher::Range {
                min: Some("2024-01-01 00:00:00".into()),
                max: Some("2024-02-01 00:00:00".into())
            }
        );
        assert_eq!(
            single("size=[~100]").matcher,
            Matcher::Range {
                min: None,
                max: Some("100".into())
            }
        );
        assert_eq!(
            single("operation={push delete}").matcher,
            Matcher::AnyOf(vec!["push".into(), "delete".into()])
        );
        assert_eq!(
            single("tags=(v1 latest)").matcher,
            Matcher::AllOf(vec!["v1".into(), "latest".into()])
        );
    }

    #[test]
    fn terms_split_on_commas_outside_brackets_and_keep_positions() {
        let parsed = parse_query("name=~a,operation={push,pull},public=true").unwrap();
        let keys: Vec<(&str, usize)> = parsed
            .terms
            .iter()
            .map(|t| (t.key.as_str(), t.position))
            .collect();
        assert_eq!(keys, [("name", 0), ("operation", 8), ("public", 30)]);
        assert_eq!(
            parsed.terms[1].matcher,
            Matcher::AnyOf(vec!["push,pull".into()])
        );
        assert!(parse_query("").unwrap().terms.is_empty());
    }

    #[test]
    fn malformed_input_reports_where() {
        let cases = [
            ("name", 0, "expected key=value"),
            ("a=1,,b=2", 4, "empty term"),
            ("a=1,", 3, "trailing comma"),
            ("a=1,b={x y", 6, "unbalanced"),
            ("a=[1 2]", 2, "range"),
            ("a=[~]", 2, "at least one bound"),
            ("a={}", 2, "empty list"),
            ("a={x}y", 2, "whole value"),
            ("1a=1", 0, "invalid key"),
            ("a b=1", 0, "invalid key"),
            ("a=", 2, "empty value"),
            ("name=~", 5, "empty value"),
        ];
        for (q, position, needle) in cases {
            let err = parse_query(q).unwrap_err();
            assert_eq!(err.position, position, "{q}: {err}");
            assert!(err.to_string().contains(needle), "{q}: {err}");
        }
    }

    #[test]
    fn injection_attempts_are_values_or_errors_never_keys() {
        let term = single("name=~'; DROP TABLE users; --");
        assert_eq!(term.key, "name");
        assert_eq!(
            term.matcher,
            Matcher::Fuzzy("'; DROP TABLE users; --".into())
        );
        assert!(parse_query("name;drop table users=1").is_err());
        assert!(parse_query("name) OR (1=1").is_err());
    }

    #[test]
    fn oversized_input_is_refused() {
        let many = vec!["a=1"; 10_000].join(",");
        assert!(
            parse_query(&many)
                .unwrap_err()
                .to_string()
                .contains("longer")
        );
        let terms = vec!["a=1"; MAX_TERMS + 1].join(",");
        assert!(
            parse_query(&terms)
                .unwrap_err()
                .to_string()
                .contains("terms")
        );
        let values = format!("a={{{}}}", vec!["x"; MAX_LIST_VALUES + 1].join(" "));
        assert!(parse_query(&values).is_err());
    }

    #[test]
    fn sort_keys_take_an_optional_minus() {
        assert_eq!(
            parse_sort("-creation_time,name").unwrap(),
            [
                SortKey {
                    key: "creation_time".into(),
                    descending: true
                },
                SortKey {
                    key: "name".into(),
                    descending: false
                }
            ]
        );
        let err = parse_sort("name,name desc").unwrap_err();
        assert_eq!(err.position, 5);
        assert!(parse_sort("").is_err());
    }

    proptest! {
        /// Whatever arrives, the parser answers without panicking, and every
        /// key it accepts is a plain identifier.
        #[test]
        fn arbitrary_input_never_panics(q in "\\PC{0,200}") {
            if let Ok(parsed) = parse_query(&q) {
                for term in parsed.terms {
                    prop_assert!(valid_key(&term.key));
                }
            }
            let _ = parse_sort(&q);
        }

        #[test]
        fn structured_input_round_trips(
            key in "[a-zA-Z][a-zA-Z_]{0,10}",
            values in proptest::collection::vec("[a-zA-Z0-9:._/-]{1,12}", 1..5),
        ) {
            let q = format!("{key}={{{}}}", values.join(" "));
            let term = single(&q);
            prop_assert_eq!(term.key, key);
            prop_assert_eq!(term.matcher, Matcher::AnyOf(values));
        }
    }
}
