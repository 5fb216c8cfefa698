//! The single front door: one listener (plain or TLS), request ids, access
//! log and metrics, body limits per route class, and the mounting of every
//! service's routes under the paths fixed in the architecture contract.
//!
//! The gateway decides where a request goes; it never decides whether the
//! caller may do it (services ask the auth crate for that).

mod app;
mod middleware;
mod routes;
mod startup;
mod tls;

pub use startup::{Application, StartupError};
