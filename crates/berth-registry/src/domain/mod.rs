//! Registry rules: which paths exist, what a valid manifest is. No actix,
//! no sqlx.

pub mod manifest;
pub mod path;
