//! The management API under `/api/v2.0`, in Harbor's shapes: users,
//! projects, members, robots, repositories, artifacts, labels, quotas and
//! the audit log. Handlers speak HTTP only: they extract,
//! authorise through `berth-auth`, call the store in one transaction with its
//! audit record, and map the answer.

mod filter;
mod ids;
mod openapi;
mod paging;
mod query;
pub mod retention;
mod routes;
mod store;
mod views;

pub use openapi::ApiDoc;
pub use routes::configure;
