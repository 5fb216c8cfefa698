pub mod body_idle;
pub mod body_limit;
pub mod observe;
pub mod request_id;
