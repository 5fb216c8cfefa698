//! HTTP vocabulary shared by every service: the table of client-facing error
//! codes and the JSON envelope they travel in.
//!
//! Both the OCI Distribution API (`/v2`) and Harbor's API (`/api/v2.0`) answer
//! errors as `{"errors":[{"code","message"[,"detail"]}]}`; they differ only in
//! the code vocabulary, so one [`ErrorCode`] enum holds both and each code
//! declares its HTTP status exactly once.
//!
//! This crate must not know about services, storage or the database.

mod error;
mod failure;
mod request_id;

pub use error::{ApiError, ErrorBody, ErrorCode, ErrorEntry};
pub use failure::Failure;
pub use request_id::{REQUEST_ID_HEADER, RequestId};
