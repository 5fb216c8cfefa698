//! Every query on the registry's tables. Functions take a connection; the
//! caller owns the transaction.

pub mod artifacts;
pub mod blobs;
pub mod repositories;
pub mod uploads;
