//! Queries, one file per resource family, no HTTP types. Every query on a
//! tenant table filters by `tenant_id` first.

pub mod ai;
pub mod api_keys;
pub mod counts;
pub mod events;
pub mod files;
pub mod health;
pub mod helpdesk;
pub mod idempotency;
pub mod know;
pub mod learn;
pub mod listings;
pub mod moderation;
pub mod posts;
pub mod rate_limits;
pub mod reports;
pub mod scim;
pub mod secrets;
pub mod templates;
pub mod tenants;
pub mod users;
pub mod webhook_outbox;
pub mod webhooks;

/// Rows of one page plus the count over all pages.
#[derive(Debug)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

/// Creation-time filters shared by the lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreatedRange {
    pub after: Option<crate::db::Ts>,
    pub before: Option<crate::db::Ts>,
}

/// Titles are matched case-insensitively through a lower-cased copy folded
/// here, so both databases fold alike (SQLite's `lower` knows only ASCII).
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// Folded text made literal inside a `LIKE … ESCAPE '\'` pattern (`%`, `_`
/// and the escape itself).
pub fn like_literal(folded: &str) -> String {
    folded.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
