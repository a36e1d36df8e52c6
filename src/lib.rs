//! The mobieusCore contract crate.
//!
//! Everything here comes from `openapi.yaml`: `types` and `client` are
//! progenitor's output, `server` is our generator's dropshot API trait and
//! `Service` trait. `support` is the hand-written runtime the generated
//! endpoints call: the error envelope, extractors that never fail outside the
//! envelope, admission (auth, scope, plan, rate limit), idempotency, CORS.
//! Nothing in this crate knows the database.

pub mod support;

/// Standard Webhooks signing and verification, shared by the server (which
/// signs deliveries) and the SDK (which verifies them).
pub mod webhook;

#[allow(clippy::all, unused, mismatched_lifetime_syntaxes)]
pub mod client {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}

pub use client::types;

#[allow(clippy::too_many_arguments, unused)]
pub mod server {
    include!(concat!(env!("OUT_DIR"), "/server.rs"));
}

/// The document itself, served at `GET /api/openapi.yaml`.
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");
