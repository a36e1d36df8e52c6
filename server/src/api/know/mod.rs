//! mobieusKnow's handlers, one file per resource family.

mod pages;
mod revisions;
mod search;

use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;

use crate::api::stored;
use crate::app::AppContext;
use crate::store::know::{Author, PageRef};

/// A `{page}` path variable: digits are an id, anything else a slug (the
/// documented pattern keeps slugs from starting with a digit).
pub fn page_ref(page: &str) -> PageRef {
    match page.parse::<i64>() {
        Ok(id) => PageRef::Id(id),
        Err(_) => PageRef::Slug(page.to_owned()),
    }
}

/// The caller as an author: its API key.
pub fn caller(call: &Call<'_, AppContext>) -> Author {
    Author { kind: "api_key".into(), id: Some(call.principal.key_id), name: call.principal.key_name.clone() }
}

pub fn author_out(kind: &str, id: Option<i64>, name: String) -> Result<types::KnowAuthor, ApiError> {
    Ok(types::KnowAuthor { kind: stored("author kind", kind)?, id, name })
}
