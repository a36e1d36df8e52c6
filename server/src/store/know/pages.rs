//! Pages: their current revision's content on the row, slugs unique per
//! tenant, a parent that is never the page itself or below it, soft delete.
//! Lists run in slug order.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::search::{words, SearchIndex};
use super::{page_event, Author, PageRef};
use crate::db::schema::know_pages as p;
use crate::db::{Db, StoreError, Ts};
use crate::store::Page as Listed;
use crate::{page_and_count, with_conn, write_tx};

/// How deep pages nest (a parent chain longer than this is refused).
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = p, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Page {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub parent_id: Option<i64>,
    pub revision: i64,
    pub body_md: String,
    pub summary: Option<String>,
    pub author_kind: String,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub deleted_at: Option<Ts>,
}

/// A page in a list: without its body.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = p, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PageItem {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub parent_id: Option<i64>,
    pub revision: i64,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub deleted_at: Option<Ts>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageFilter {
    pub parent_id: Option<i64>,
    /// Lower-cased.
    pub title_prefix: Option<String>,
    pub updated_after: Option<Ts>,
    pub updated_before: Option<Ts>,
    /// Only deleted pages (else only live ones).
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct NewPage {
    pub slug: String,
    pub title: String,
    pub body_md: String,
    pub parent_id: Option<i64>,
    pub summary: Option<String>,
}

/// An edit: what it sets (`parent_id: Some(None)` moves to the top level).
#[derive(Debug, Clone, Default)]
pub struct PageChanges {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub body_md: Option<String>,
    pub parent_id: Option<Option<i64>>,
    pub summary: Option<String>,
}

pub use crate::store::fold;

fn prefix_pattern(folded: &str) -> String {
    format!("{}%", crate::store::like_literal(folded))
}

macro_rules! named {
    ($tenant:expr, $page:expr) => {{
        let q = p::table.filter(p::tenant_id.eq($tenant)).into_boxed();
        match $page {
            PageRef::Id(id) => q.filter(p::id.eq(*id)),
            PageRef::Slug(slug) => q.filter(p::slug.eq(slug.clone())),
        }
    }};
}
pub(crate) use named;

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = p::table.filter(p::tenant_id.eq($tenant)).into_boxed();
        q = if $f.deleted { q.filter(p::deleted_at.is_not_null()) } else { q.filter(p::deleted_at.is_null()) };
        if let Some(parent) = $f.parent_id {
            q = q.filter(p::parent_id.eq(parent));
        }
        if let Some(t) = &$f.title_prefix {
            q = q.filter(p::title_folded.like(prefix_pattern(t)).escape('\\'));
        }
        if let Some(a) = $f.updated_after {
            q = q.filter(p::updated_at.ge(a));
        }
        if let Some(b) = $f.updated_before {
            q = q.filter(p::updated_at.lt(b));
        }
        q
    }};
}

pub async fn page_list(db: &Db, tenant: i64, f: &PageFilter, after_slug: Option<String>, limit: i64) -> Result<Listed<PageItem>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(s) = &after_slug {
            q = q.filter(p::slug.gt(s.clone()));
        }
        q.order(p::slug.asc()).limit(limit).select(PageItem::as_select()).load::<PageItem>(conn)
    }, diesel_async::RunQueryDsl::get_result::<i64>(filtered!(tenant, f).count(), conn));
    Ok(Listed { rows, total })
}

pub async fn page_get(db: &Db, tenant: i64, page: &PageRef) -> Result<Page, StoreError> {
    with_conn!(db, |conn| named!(tenant, page).select(Page::as_select()).first(conn).await.optional()?.ok_or(StoreError::NotFound))
}

/// The author a write names: the user (`MissingRow("user")` unless the
/// tenant's), or the caller.
macro_rules! author_of {
    ($conn:expr, $tenant:expr, $user:expr, $caller:expr) => {{
        use $crate::db::schema::users as __u;
        match $user {
            None => $caller.clone(),
            Some(id) => {
                let name: Option<String> =
                    __u::table.filter(__u::tenant_id.eq($tenant).and(__u::id.eq(id))).select(__u::display_name).first($conn).await.optional()?;
                $crate::store::know::Author { kind: "user".into(), id: Some(id), name: name.ok_or($crate::db::StoreError::MissingRow("user"))? }
            }
        }
    }};
}
pub(crate) use author_of;

/// `Invalid(parent_id)` unless `parent` is a live page of the tenant that
/// is neither `page` nor below it.
macro_rules! check_parent {
    ($conn:expr, $tenant:expr, $page:expr, $parent:expr) => {{
        let page: Option<i64> = $page;
        let mut at: Option<i64> = Some($parent);
        let mut depth = 0;
        while let Some(id) = at {
            if Some(id) == page {
                return Err(StoreError::invalid("parent_id", "a page cannot sit under itself or one of its own descendants"));
            }
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(StoreError::invalid("parent_id", format!("pages nest at most {MAX_DEPTH} deep")));
            }
            let row: Option<(Option<i64>, Option<Ts>)> =
                p::table.filter(p::tenant_id.eq($tenant).and(p::id.eq(id))).select((p::parent_id, p::deleted_at)).first($conn).await.optional()?;
            match row {
                None => return Err(StoreError::invalid("parent_id", format!("there is no page {id}"))),
                Some((_, Some(_))) if id == $parent => return Err(StoreError::invalid("parent_id", format!("page {id} is deleted"))),
                Some((up, _)) => at = up,
            }
        }
    }};
}

/// Writes revision `$page.revision` from the page row as it now is, its
/// size change against `$before` bytes, inside the caller's transaction.
macro_rules! write_revision {
    ($conn:expr, $tenant:expr, $page:expr, $before:expr) => {{
        let page: &$crate::store::know::pages::Page = &$page;
        let size = page.body_md.len() as i64;
        diesel::insert_into($crate::db::schema::know_revisions::table)
            .values((
                $crate::db::schema::know_revisions::tenant_id.eq($tenant),
                $crate::db::schema::know_revisions::page_id.eq(page.id),
                $crate::db::schema::know_revisions::number.eq(page.revision),
                $crate::db::schema::know_revisions::title.eq(&page.title),
                $crate::db::schema::know_revisions::body_md.eq(&page.body_md),
                $crate::db::schema::know_revisions::summary.eq(page.summary.as_deref()),
                $crate::db::schema::know_revisions::author_kind.eq(&page.author_kind),
                $crate::db::schema::know_revisions::author_id.eq(page.author_id),
                $crate::db::schema::know_revisions::author_name.eq(&page.author_name),
                $crate::db::schema::know_revisions::size.eq(size),
                $crate::db::schema::know_revisions::size_change.eq(size - $before),
                $crate::db::schema::know_revisions::submitted_at.eq(page.updated_at),
            ))
            .execute($conn)
            .await?;
        let (title_words, body_words) = $crate::store::know::search::words(&page.title, &page.body_md);
        $crate::store::know::search::SearchIndex::put($conn, $tenant, page.id, &title_words, &body_words).await?;
    }};
}
pub(crate) use write_revision;

/// Creates the page at revision 1, indexed, with its `know.page.created`.
pub async fn page_create(db: &Db, tenant: i64, new: &NewPage, author_user: Option<i64>, caller: &Author) -> Result<Page, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let author = author_of!(conn, tenant, author_user, caller);
        if let Some(parent) = new.parent_id {
            check_parent!(conn, tenant, None, parent);
        }
        let page: Page = diesel::insert_into(p::table)
            .values((
                p::tenant_id.eq(tenant),
                p::slug.eq(&new.slug),
                p::title.eq(&new.title),
                p::title_folded.eq(fold(&new.title)),
                p::parent_id.eq(new.parent_id),
                p::revision.eq(1),
                p::body_md.eq(&new.body_md),
                p::summary.eq(new.summary.as_deref()),
                p::author_kind.eq(&author.kind),
                p::author_id.eq(author.id),
                p::author_name.eq(&author.name),
                p::created_at.eq(now),
                p::updated_at.eq(now),
            ))
            .returning(Page::as_returning())
            .get_result(conn)
            .await
            .map_err(StoreError::unique("slug"))?;
        write_revision!(conn, tenant, page, 0);
        crate::record_event!(conn, page_event(tenant, "know.page.created", &page));
        Ok(page)
    })
}

/// The refusal of an edit whose base is not the current revision.
pub fn stale(current: i64, base: i64) -> StoreError {
    StoreError::RefusedWith(
        format!("The page is at revision {current}; this edit was made from revision {base}. Reload it and edit again."),
        serde_json::json!({ "current_revision": current }),
    )
}

/// Writes the page's next revision: `changes` over the current content,
/// only while the page is at `base` (else `stale`), live (else refused).
pub async fn page_update(db: &Db, tenant: i64, page: &PageRef, base: Option<i64>, changes: &PageChanges, author_user: Option<i64>, caller: &Author) -> Result<Page, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let current: Page = named!(tenant, page).select(Page::as_select()).first(conn).await.optional()?.ok_or(StoreError::NotFound)?;
        if current.deleted_at.is_some() {
            return Err(StoreError::Refused("The page is deleted: restore it before editing it.".into()));
        }
        let base = base.unwrap_or(current.revision);
        if base != current.revision {
            return Err(stale(current.revision, base));
        }
        let author = author_of!(conn, tenant, author_user, caller);
        if let Some(Some(parent)) = changes.parent_id {
            check_parent!(conn, tenant, Some(current.id), parent);
        }
        let unchanged = changes.slug.as_ref().is_none_or(|s| *s == current.slug)
            && changes.title.as_ref().is_none_or(|t| *t == current.title)
            && changes.body_md.as_ref().is_none_or(|b| *b == current.body_md)
            && changes.parent_id.is_none_or(|parent| parent == current.parent_id);
        if unchanged {
            // nothing to write: no empty revision, no event
            return Ok(current);
        }
        // the condition on `revision` decides between concurrent edits of one base
        let updated: Option<Page> = diesel::update(p::table.filter(p::tenant_id.eq(tenant).and(p::id.eq(current.id)).and(p::revision.eq(base))))
            .set((
                p::revision.eq(base + 1),
                changes.slug.as_ref().map(|s| p::slug.eq(s.clone())),
                changes.title.as_ref().map(|t| p::title.eq(t.clone())),
                changes.title.as_deref().map(|t| p::title_folded.eq(fold(t))),
                changes.body_md.as_ref().map(|b| p::body_md.eq(b.clone())),
                changes.parent_id.map(|parent| p::parent_id.eq(parent)),
                p::summary.eq(changes.summary.clone()),
                p::author_kind.eq(&author.kind),
                p::author_id.eq(author.id),
                p::author_name.eq(&author.name),
                p::updated_at.eq(now),
            ))
            .returning(Page::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(StoreError::unique("slug"))?;
        let Some(updated) = updated else {
            let now_at: i64 = p::table.filter(p::tenant_id.eq(tenant).and(p::id.eq(current.id))).select(p::revision).first(conn).await?;
            return Err(stale(now_at, base));
        };
        write_revision!(conn, tenant, updated, current.body_md.len() as i64);
        crate::record_event!(conn, page_event(tenant, "know.page.updated", &updated));
        Ok(updated)
    })
}

/// Deletes (`deleted: true`) or restores the page; a page already so is
/// answered as it is, with no event.
pub async fn page_set_deleted(db: &Db, tenant: i64, page: &PageRef, deleted: bool) -> Result<Page, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let current: Page = named!(tenant, page).select(Page::as_select()).first(conn).await.optional()?.ok_or(StoreError::NotFound)?;
        if current.deleted_at.is_some() == deleted {
            return Ok(current);
        }
        let changed: Page = diesel::update(p::table.filter(p::tenant_id.eq(tenant).and(p::id.eq(current.id))))
            .set((p::deleted_at.eq(deleted.then_some(now)), p::updated_at.eq(now)))
            .returning(Page::as_returning())
            .get_result(conn)
            .await?;
        if deleted {
            conn.remove(tenant, changed.id).await?;
        } else {
            let (title_words, body_words) = words(&changed.title, &changed.body_md);
            conn.put(tenant, changed.id, &title_words, &body_words).await?;
        }
        let event = if deleted { "know.page.deleted" } else { "know.page.restored" };
        crate::record_event!(conn, page_event(tenant, event, &changed));
        Ok(changed)
    })
}
