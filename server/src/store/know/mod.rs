//! mobieusKnow: wiki pages, their revisions and the search index. One file
//! per resource family; `search` holds the index each backend keeps.
//!
//! An edit changes the page row first, conditionally on the revision the
//! edit was made from (`revision = base`): on PostgreSQL the row lock queues
//! concurrent edits of one page and the second finds the condition false
//! (its 409), SQLite has one writer anyway. The revision row and the search
//! row follow in the same transaction.

pub mod pages;
pub mod revisions;
pub mod search;

use serde_json::json;

use crate::store::events::NewEvent;

/// Who writes a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// `user`, `api_key` or `system`.
    pub kind: String,
    pub id: Option<i64>,
    pub name: String,
}

impl Author {
    pub fn system() -> Self {
        Author { kind: "system".into(), id: None, name: "system".into() }
    }
}

/// A page named in a path: by id or by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRef {
    Id(i64),
    Slug(String),
}

/// `know.page.*`'s data.
pub fn page_event(tenant: i64, event_type: &str, page: &pages::Page) -> NewEvent {
    let data = if event_type == "know.page.deleted" {
        json!({ "page_id": page.id, "slug": page.slug })
    } else {
        json!({ "page_id": page.id, "slug": page.slug, "title": page.title, "revision": page.revision })
    };
    NewEvent::new(tenant, event_type, data)
}
