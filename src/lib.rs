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

/// A list's envelope: its items and the next page's cursor. Implemented (in
/// `cli`, generated) for the envelope of every list operation, so the SDK
/// follows the cursors of any list.
pub trait Page {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

/// The `mobieus` CLI's command table: every documented operation, with its
/// flags (generated from the document by `codegen::cli`).
pub mod cli {
    include!(concat!(env!("OUT_DIR"), "/cli.rs"));
}

/// The document itself, served at `GET /api/openapi.yaml`.
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");
