//! Turns a parsed `q` and `sort` into SQL for one listing. Each listing
//! declares the keys it accepts and the SQL each stands for; those fragments
//! are literals in this crate. Client values only ever travel as bind
//! parameters, and client keys only select among the declared fragments.

use berth_auth::store::contains_pattern;
use berth_http::{ApiError, ErrorCode, Failure};
use berth_types::query::{Matcher, QueryError, SortKey, Term, parse_query, parse_sort};
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::{Postgres, QueryBuilder};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Boolean,
    Time,
}

#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// A scalar column expression, such as `a.digest`.
    Column(&'static str),
    /// A multi-valued key: `EXISTS (<from> AND <column> <op> …)`, where
    /// `from` is a correlated `SELECT 1 FROM … WHERE …` fragment.
    Exists {
        from: &'static str,
        column: &'static str,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub target: Target,
    pub kind: Kind,
}

impl Field {
    pub const fn column(key: &'static str, column: &'static str, kind: Kind) -> Self {
        Field {
            key,
            target: Target::Column(column),
            kind,
        }
    }

    pub const fn exists(
        key: &'static str,
        from: &'static str,
        column: &'static str,
        kind: Kind,
    ) -> Self {
        Field {
            key,
            target: Target::Exists { from, column },
            kind,
        }
    }
}

#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Integer(i64),
    Boolean(bool),
    Time(DateTime<Utc>),
}

#[derive(Debug, Clone)]
enum Condition {
    /// Harbor's `tags=*`: the multi-valued key has any value.
    Present,
    /// Harbor's `tags=nil`: it has none.
    Absent,
    Equals(Value),
    Contains(String),
    Between(Option<Value>, Option<Value>),
    AnyOf(Vec<Value>),
    AllOf(Vec<Value>),
}

#[derive(Debug, Clone)]
struct Clause {
    field: Field,
    condition: Condition,
}

/// The conditions of one `q`, checked against a listing's fields.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    clauses: Vec<Clause>,
}

fn bad_request(message: impl Into<String>) -> Failure {
    ApiError::new(ErrorCode::BadRequest, message).into()
}

fn query_error(err: QueryError) -> Failure {
    bad_request(err.to_string())
}

fn typed(field: &Field, raw: &str, term: &Term) -> Result<Value, Failure> {
    let invalid = |expected: &str| {
        bad_request(format!(
            "invalid q at position {}: {} must be {expected}, not {raw:?}",
            term.position, field.key
        ))
    };
    Ok(match field.kind {
        Kind::Text => Value::Text(raw.to_owned()),
        Kind::Integer => Value::Integer(raw.parse().map_err(|_| invalid("a whole number"))?),
        Kind::Boolean => Value::Boolean(match raw {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(invalid("true or false")),
        }),
        Kind::Time => Value::Time(parse_time(raw).ok_or_else(|| {
            invalid("a time such as 2024-01-31 23:59:59 or 2024-01-31T23:59:59Z")
        })?),
    })
}

fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|t| t.and_utc())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

impl Filter {
    /// Parses `q` for a listing that accepts `fields`. Unknown keys and
    /// forms a key does not support are refused, naming the position.
    pub fn parse(q: Option<&str>, listing: &str, fields: &[Field]) -> Result<Filter, Failure> {
        let Some(q) = q.filter(|q| !q.is_empty()) else {
            return Ok(Filter::default());
        };
        let query = parse_query(q).map_err(query_error)?;
        let mut clauses = Vec::with_capacity(query.terms.len());
        for term in &query.terms {
            let Some(field) = fields.iter().find(|f| f.key == term.key) else {
                let known: Vec<&str> = fields.iter().map(|f| f.key).collect();
                return Err(bad_request(format!(
                    "invalid q at position {}: {listing} cannot be filtered by {:?}; use one of {}",
                    term.position,
                    term.key,
                    known.join(", ")
                )));
            };
            let unsupported = || {
                bad_request(format!(
                    "invalid q at position {}: {} does not support {}",
                    term.position,
                    field.key,
                    term.matcher.describe()
                ))
            };
            let multi_valued = matches!(field.target, Target::Exists { .. });
            let condition = match &term.matcher {
                Matcher::Exact(v) if multi_valued && v == "*" => Condition::Present,
                Matcher::Exact(v) if multi_valued && v == "nil" => Condition::Absent,
                Matcher::Exact(v) => Condition::Equals(typed(field, v, term)?),
                Matcher::Fuzzy(v) if field.kind == Kind::Text => Condition::Contains(v.clone()),
                Matcher::Fuzzy(_) => return Err(unsupported()),
                Matcher::Range { .. } if field.kind == Kind::Boolean => {
                    return Err(unsupported());
                }
                Matcher::Range { min, max } => Condition::Between(
                    min.as_deref().map(|v| typed(field, v, term)).transpose()?,
                    max.as_deref().map(|v| typed(field, v, term)).transpose()?,
                ),
                Matcher::AnyOf(values) => Condition::AnyOf(
                    values
                        .iter()
                        .map(|v| typed(field, v, term))
                        .collect::<Result<_, _>>()?,
                ),
                Matcher::AllOf(values) => Condition::AllOf(
                    values
                        .iter()
                        .map(|v| typed(field, v, term))
                        .collect::<Result<_, _>>()?,
                ),
            };
            clauses.push(Clause {
                field: *field,
                condition,
            });
        }
        Ok(Filter { clauses })
    }

    /// Appends ` AND <condition>` for every clause.
    pub fn push_conditions(&self, sql: &mut QueryBuilder<Postgres>) {
        for clause in &self.clauses {
            match (&clause.condition, clause.field.target) {
                (Condition::Present, Target::Exists { from, .. }) => {
                    sql.push(" AND EXISTS (").push(from).push(")");
                }
                (Condition::Absent, Target::Exists { from, .. }) => {
                    sql.push(" AND NOT EXISTS (").push(from).push(")");
                }
                (Condition::AllOf(values), Target::Exists { from, column }) => {
                    for value in values {
                        sql.push(" AND EXISTS (").push(from).push(" AND ");
                        sql.push(column).push(" = ");
                        push_value(sql, value);
                        sql.push(")");
                    }
                }
                (condition, Target::Exists { from, column }) => {
                    sql.push(" AND EXISTS (").push(from).push(" AND ");
                    push_condition(sql, column, condition);
                    sql.push(")");
                }
                (condition, Target::Column(column)) => {
                    sql.push(" AND ");
                    push_condition(sql, column, condition);
                }
            }
        }
    }
}

fn push_value(sql: &mut QueryBuilder<Postgres>, value: &Value) {
    match value.clone() {
        Value::Text(v) => sql.push_bind(v),
        Value::Integer(v) => sql.push_bind(v),
        Value::Boolean(v) => sql.push_bind(v),
        Value::Time(v) => sql.push_bind(v),
    };
}

fn push_list(sql: &mut QueryBuilder<Postgres>, values: &[Value]) {
    // One array parameter of the values' type (they share the field's kind).
    match values.first() {
        Some(Value::Integer(_)) => sql.push_bind(
            values
                .iter()
                .filter_map(|v| match v {
                    Value::Integer(i) => Some(*i),
                    _ => None,
                })
                .collect::<Vec<i64>>(),
        ),
        Some(Value::Boolean(_)) => sql.push_bind(
            values
                .iter()
                .filter_map(|v| match v {
                    Value::Boolean(b) => Some(*b),
                    _ => None,
                })
                .collect::<Vec<bool>>(),
        ),
        Some(Value::Time(_)) => sql.push_bind(
            values
                .iter()
                .filter_map(|v| match v {
                    Value::Time(t) => Some(*t),
                    _ => None,
                })
                .collect::<Vec<DateTime<Utc>>>(),
        ),
        Some(Value::Text(_)) | None => sql.push_bind(
            values
                .iter()
                .filter_map(|v| match v {
                    Value::Text(t) => Some(t.clone()),
                    _ => None,
                })
                .collect::<Vec<String>>(),
        ),
    };
}

fn push_condition(sql: &mut QueryBuilder<Postgres>, column: &'static str, condition: &Condition) {
    match condition {
        // Only multi-valued keys parse to these, and they are handled above.
        Condition::Present | Condition::Absent => {
            sql.push("TRUE");
        }
        Condition::Equals(value) => {
            sql.push(column).push(" = ");
            push_value(sql, value);
        }
        Condition::Contains(text) => {
            sql.push(column).push(" ILIKE ");
            sql.push_bind(contains_pattern(text));
            sql.push(" ESCAPE '\\'");
        }
        Condition::Between(min, max) => {
            sql.push("(TRUE");
            if let Some(min) = min {
                sql.push(" AND ").push(column).push(" >= ");
                push_value(sql, min);
            }
            if let Some(max) = max {
                sql.push(" AND ").push(column).push(" <= ");
                push_value(sql, max);
            }
            sql.push(")");
        }
        Condition::AnyOf(values) => {
            sql.push(column).push(" = ANY(");
            push_list(sql, values);
            sql.push(")");
        }
        Condition::AllOf(values) => {
            sql.push(column).push(" = ALL(");
            push_list(sql, values);
            sql.push(")");
        }
    }
}

/// A listing's `sort`: each accepted key stands for an ordering literal.
/// Every ordering ends with `tiebreak` so pages are stable.
pub fn order_by(
    sort: Option<&str>,
    allowed: &[(&'static str, &'static str)],
    default: &'static str,
    tiebreak: &'static str,
) -> Result<Vec<&'static str>, Failure> {
    let keys: Vec<SortKey> = match sort.filter(|s| !s.is_empty()) {
        None => return Ok(vec![default, ", ", tiebreak]),
        Some(sort) => parse_sort(sort).map_err(query_error)?,
    };
    let mut parts = Vec::with_capacity(keys.len() * 2 + 1);
    for key in keys {
        let Some((_, column)) = allowed.iter().find(|(k, _)| *k == key.key) else {
            let known: Vec<&str> = allowed.iter().map(|(k, _)| *k).collect();
            return Err(bad_request(format!(
                "cannot sort by {:?}; use one of {}",
                key.key,
                known.join(", ")
            )));
        };
        parts.push(*column);
        parts.push(if key.descending { " DESC" } else { " ASC" });
        parts.push(", ");
    }
    parts.push(tiebreak);
    Ok(parts)
}

/// Appends ` ORDER BY …` built by [`order_by`].
pub fn push_order(sql: &mut QueryBuilder<Postgres>, parts: &[&'static str]) {
    sql.push(" ORDER BY ");
    for part in parts {
        sql.push(*part);
    }
}

/// Appends ` LIMIT … OFFSET …` for a page.
pub fn push_limit(sql: &mut QueryBuilder<Postgres>, page: berth_auth::store::Page) {
    sql.push(" LIMIT ")
        .push_bind(page.page_size)
        .push(" OFFSET ")
        .push_bind(page.offset());
}

/// Appends the ordering and the page.
pub fn push_page(
    sql: &mut QueryBuilder<Postgres>,
    parts: &[&'static str],
    page: berth_auth::store::Page,
) {
    push_order(sql, parts);
    push_limit(sql, page);
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field::column("name", "r.name", Kind::Text),
        Field::column("size", "a.size", Kind::Integer),
        Field::column("op_time", "l.op_time", Kind::Time),
        Field::exists(
            "tags",
            "SELECT 1 FROM tags t WHERE t.artifact_id = a.id",
            "t.name",
            Kind::Text,
        ),
    ];

    fn sql_of(q: &str) -> String {
        let filter = Filter::parse(Some(q), "artifacts", FIELDS).unwrap();
        let mut sql = QueryBuilder::new("SELECT 1 WHERE TRUE");
        filter.push_conditions(&mut sql);
        sql.sql().as_str().to_owned()
    }

    #[test]
    fn values_become_parameters_and_keys_choose_fragments() {
        assert_eq!(
            sql_of("name=~'; DROP TABLE users; --"),
            "SELECT 1 WHERE TRUE AND r.name ILIKE $1 ESCAPE '\\'"
        );
        assert_eq!(
            sql_of("size=[10~],tags=(a b)"),
            "SELECT 1 WHERE TRUE AND (TRUE AND a.size >= $1) \
             AND EXISTS (SELECT 1 FROM tags t WHERE t.artifact_id = a.id AND t.name = $2) \
             AND EXISTS (SELECT 1 FROM tags t WHERE t.artifact_id = a.id AND t.name = $3)"
        );
        assert_eq!(
            sql_of("tags=*"),
            "SELECT 1 WHERE TRUE AND EXISTS (SELECT 1 FROM tags t WHERE t.artifact_id = a.id)"
        );
        assert_eq!(
            sql_of("tags=nil"),
            "SELECT 1 WHERE TRUE AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.artifact_id = a.id)"
        );
        assert_eq!(
            sql_of("tags={a b}"),
            "SELECT 1 WHERE TRUE AND EXISTS (SELECT 1 FROM tags t WHERE t.artifact_id = a.id AND t.name = ANY($1))"
        );
    }

    #[test]
    fn unknown_keys_wrong_forms_and_bad_values_are_400s() {
        for (q, needle) in [
            ("password=x", "cannot be filtered by \"password\""),
            ("size=~1", "does not support =~"),
            ("size=big", "must be a whole number"),
            ("op_time=[yesterday~]", "must be a time"),
            ("name={a b", "unbalanced"),
        ] {
            let Err(Failure::Client(err)) = Filter::parse(Some(q), "artifacts", FIELDS) else {
                panic!("{q} was accepted");
            };
            assert!(err.to_string().contains(needle), "{q}: {err}");
        }
    }

    #[test]
    fn sort_keys_map_to_declared_orderings() {
        let allowed = [("name", "r.name"), ("creation_time", "r.creation_time")];
        assert_eq!(
            order_by(Some("-creation_time,name"), &allowed, "r.name", "r.id").unwrap(),
            [
                "r.creation_time",
                " DESC",
                ", ",
                "r.name",
                " ASC",
                ", ",
                "r.id"
            ]
        );
        assert_eq!(
            order_by(None, &allowed, "r.name DESC", "r.id").unwrap(),
            ["r.name DESC", ", ", "r.id"]
        );
        assert!(order_by(Some("password"), &allowed, "r.name", "r.id").is_err());
        assert!(order_by(Some("name;drop"), &allowed, "r.name", "r.id").is_err());
    }
}
