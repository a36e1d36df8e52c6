//! Webhook delivery: the address guard (no private targets unless allowed,
//! checked at every attempt) and the worker that drains the outbox.

pub mod guard;
pub mod worker;

pub use worker::{spawn_workers, WebhookSettings};
