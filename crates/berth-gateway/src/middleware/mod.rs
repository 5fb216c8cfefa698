pub mod body_limit;
pub mod observe;
pub mod request_id;
