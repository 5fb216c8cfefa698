//! Every query on the tables this crate owns: users, projects, members,
//! robots, signing keys and the audit log. Functions take a connection; the
//! caller owns the transaction.

pub mod audit;
pub mod keys;
pub mod members;
pub mod projects;
pub mod robots;
pub mod tokens;
pub mod users;

/// Paging as Harbor's list endpoints take it (1-based pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub page_size: i64,
}

impl Page {
    pub fn offset(self) -> i64 {
        (self.page - 1) * self.page_size
    }
}

/// `LIKE` pattern for a substring, with the pattern characters escaped.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
