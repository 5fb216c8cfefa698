//! Rules of identity and access. No actix, no sqlx: plain values in, plain
//! decisions out.

pub mod password;
pub mod pat;
pub mod rbac;
pub mod robot;
pub mod scope;
