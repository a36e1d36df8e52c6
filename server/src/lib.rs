//! mobieusCore server: implements the generated API over diesel +
//! diesel-async on SQLite or PostgreSQL, plus the admin commands.

pub mod admin;
pub mod ai;
pub mod api;
pub mod app;
pub mod config;
pub mod cursor;
pub mod db;
pub mod demo;
pub mod errors;
pub mod gate;
pub mod know;
pub mod metrics;
pub mod net;
pub mod rate_limit;
pub mod scopes;
pub mod scim;
pub mod scorm;
pub mod secrets;
pub mod store;
pub mod testkit;
pub mod webhooks;
pub mod xapi;

pub use app::{serve, shutdown, start, AppContext, Running};
pub use config::ServerConfig;
