//! Revisions: immutable, numbered from 1 per page, newest first in lists;
//! compared line by line, and reverted to by writing a new one.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::pages::{author_of, named, stale, write_revision, Page};
use super::{page_event, Author, PageRef};
use crate::db::schema::{know_pages as p, know_revisions as r};
use crate::db::{Db, StoreError, Ts};
use crate::know::diff::{diff, Diff};
use crate::store::Page as Listed;
use crate::{page_and_count, with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = r, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Revision {
    pub page_id: i64,
    pub number: i64,
    pub title: String,
    pub summary: Option<String>,
    pub author_kind: String,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub size: i64,
    pub size_change: i64,
    pub submitted_at: Ts,
}

/// The page's id, or `NotFound` (deleted pages keep their history).
macro_rules! page_id {
    ($conn:expr, $tenant:expr, $page:expr) => {
        named!($tenant, $page).select(p::id).first::<i64>($conn).await.optional()?.ok_or(StoreError::NotFound)?
    };
}

pub async fn revision_list(db: &Db, tenant: i64, page: &PageRef, before: Option<i64>, limit: i64) -> Result<Listed<Revision>, StoreError> {
    let id = with_conn!(db, |conn| Ok::<i64, StoreError>(page_id!(conn, tenant, page)))?;
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = r::table.filter(r::tenant_id.eq(tenant).and(r::page_id.eq(id))).into_boxed();
        if let Some(n) = before {
            q = q.filter(r::number.lt(n));
        }
        q.order(r::number.desc()).limit(limit).select(Revision::as_select()).load::<Revision>(conn)
    }, diesel_async::RunQueryDsl::get_result::<i64>(r::table.filter(r::tenant_id.eq(tenant).and(r::page_id.eq(id))).count(), conn));
    Ok(Listed { rows, total })
}

/// One revision and its source; `MissingRow("revision")` if the page has no such number.
pub async fn revision_get(db: &Db, tenant: i64, page: &PageRef, number: i64) -> Result<(Revision, String), StoreError> {
    with_conn!(db, |conn| {
        let id = page_id!(conn, tenant, page);
        r::table
            .filter(r::tenant_id.eq(tenant).and(r::page_id.eq(id)).and(r::number.eq(number)))
            .select((Revision::as_select(), r::body_md))
            .first(conn)
            .await
            .optional()?
            .ok_or(StoreError::MissingRow("revision"))
    })
}

/// Revisions `from` and `to` of the page compared: (page id, old title, new title, diff).
pub async fn revision_diff(db: &Db, tenant: i64, page: &PageRef, from: i64, to: i64) -> Result<(i64, String, String, Diff), StoreError> {
    with_conn!(db, |conn| {
        let id = page_id!(conn, tenant, page);
        let rows: Vec<(i64, String, String)> = r::table
            .filter(r::tenant_id.eq(tenant).and(r::page_id.eq(id)).and(r::number.eq_any([from, to])))
            .select((r::number, r::title, r::body_md))
            .load(conn)
            .await?;
        let side = |n: i64| rows.iter().find(|row| row.0 == n).ok_or(StoreError::MissingRow("revision"));
        let (old, new) = (side(from)?, side(to)?);
        let d = diff(&old.2, &new.2, &format!("revision {from}"), &format!("revision {to}"));
        Ok((id, old.1.clone(), new.1.clone(), d))
    })
}

/// Writes the page's next revision with revision `number`'s title and body,
/// summarised `Reverted to revision N` (then `summary`); with `base`, only
/// while the page is at it.
/// A revert: to which revision, from which (if given), said how, by whom.
#[derive(Debug, Clone, Default)]
pub struct Revert {
    pub number: i64,
    pub base: Option<i64>,
    pub summary: Option<String>,
    pub author_user: Option<i64>,
}

pub async fn revision_revert(db: &Db, tenant: i64, page: &PageRef, revert: &Revert, caller: &Author) -> Result<Page, StoreError> {
    let Revert { number, base, ref summary, author_user } = *revert;
    let now = Ts::now();
    let said = match summary.as_deref() {
        Some(s) if !s.trim().is_empty() => format!("Reverted to revision {number}: {}", s.trim()),
        _ => format!("Reverted to revision {number}"),
    };
    write_tx!(db, |conn| {
        let author = author_of!(conn, tenant, author_user, caller);
        let current: Page = named!(tenant, page).select(Page::as_select()).first(conn).await.optional()?.ok_or(StoreError::NotFound)?;
        if current.deleted_at.is_some() {
            return Err(StoreError::Refused("The page is deleted: restore it before reverting it.".into()));
        }
        if let Some(b) = base
            && b != current.revision
        {
            return Err(stale(current.revision, b));
        }
        let (title, body): (String, String) = r::table
            .filter(r::tenant_id.eq(tenant).and(r::page_id.eq(current.id)).and(r::number.eq(number)))
            .select((r::title, r::body_md))
            .first(conn)
            .await
            .optional()?
            .ok_or(StoreError::MissingRow("revision"))?;
        let updated: Option<Page> = diesel::update(p::table.filter(p::tenant_id.eq(tenant).and(p::id.eq(current.id)).and(p::revision.eq(current.revision))))
            .set((
                p::revision.eq(current.revision + 1),
                p::title_folded.eq(crate::store::fold(&title)),
                p::title.eq(title),
                p::body_md.eq(body),
                p::summary.eq(Some(said.clone())),
                p::author_kind.eq(&author.kind),
                p::author_id.eq(author.id),
                p::author_name.eq(&author.name),
                p::updated_at.eq(now),
            ))
            .returning(Page::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        let Some(updated) = updated else {
            let now_at: i64 = p::table.filter(p::tenant_id.eq(tenant).and(p::id.eq(current.id))).select(p::revision).first(conn).await?;
            return Err(stale(now_at, current.revision));
        };
        write_revision!(conn, tenant, updated, current.body_md.len() as i64);
        crate::record_event!(conn, page_event(tenant, "know.page.updated", &updated));
        Ok(updated)
    })
}
