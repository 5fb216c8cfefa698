//! Registry rules: which paths exist, what a valid manifest is, which
//! representation a pull gets. No actix, no sqlx.

pub mod manifest;
pub mod negotiation;
pub mod path;
