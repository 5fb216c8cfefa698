//! The OCI Distribution API (`/v2/`). Requests carry a bearer token from the
//! token service; the registry verifies it and checks the action it needs
//! against the token's `access` claim.

mod access;
mod challenge;
pub mod domain;
mod error;
mod pulls;
pub mod purge;
pub mod resolutions;
mod routes;
pub mod store;

pub use pulls::{Pull, PullLog};
pub use resolutions::Resolutions;
pub use routes::configure;
