//! The vocabulary every Berth crate shares, parsed once at the edge and
//! carried as types all the way into SQL: a value of one of these types is
//! valid by construction.
//!
//! No I/O, no HTTP, no database. Anything that parses client input lives here
//! with unit and property tests.

mod digest;
mod names;
pub mod password;
pub mod query;
mod rbac;

pub use digest::{Digest, DigestAlgorithm, DigestError};
pub use names::{NameError, ProjectName, Reference, RepositoryName, Tag};
pub use rbac::{Action, Permission, ProjectRole, Resource, UnknownName};
