//! Identity and access: users and their passwords, robot accounts, the
//! policy engine every endpoint asks, and the Docker token service that turns
//! credentials into registry tokens.
//!
//! This crate also owns the tenancy tables (projects and members), because
//! every authorisation decision reads them; the management API's handlers in
//! `berth-core` call its store for them.

pub mod authz;
pub mod bootstrap;
mod credential_cache;
pub mod domain;
mod hashing;
pub mod lockout;
pub mod principal;
pub mod routes;
pub mod service;
pub mod session;
pub mod store;
pub mod token;

pub use authz::ProjectAccess;
pub use principal::Principal;
pub use service::Auth;
