pub mod api_docs;
pub mod fallback;
pub mod health;
pub mod metrics;
pub mod web_ui;
