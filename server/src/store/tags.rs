//! Helpdesk tags. Slugs are unique per tenant; lists run in slug order.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::helpdesk_tags as t;
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::Page;
use crate::{with_conn, write_tx};

pub const DEFAULT_COLOR: &str = "#6b7280";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Tag {
    pub tenant_id: i64,
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub color: String,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = t)]
pub struct TagChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub color: Option<String>,
}

pub async fn tag_list(db: &Db, tenant: i64, after_slug: Option<&str>, limit: i64) -> Result<Page<Tag>, StoreError> {
    with_conn!(db, |conn| {
        let mut q = t::table.filter(t::tenant_id.eq(tenant)).into_boxed();
        if let Some(s) = after_slug {
            q = q.filter(t::slug.gt(s.to_owned()));
        }
        let rows = q.order(t::slug.asc()).limit(limit).select(Tag::as_select()).load(conn).await?;
        let total: i64 = t::table.filter(t::tenant_id.eq(tenant)).count().get_result(conn).await?;
        Ok(Page { rows, total })
    })
}

pub async fn tag_get(db: &Db, tenant: i64, id: i64) -> Result<Tag, StoreError> {
    with_conn!(db, |conn| {
        Ok(t::table
            .filter(t::tenant_id.eq(tenant).and(t::id.eq(id)))
            .select(Tag::as_select())
            .first(conn)
            .await
            .optional()?)
    })
    .found()
}

pub async fn tag_create(db: &Db, tenant: i64, slug: &str, name: &str, color: &str) -> Result<Tag, StoreError> {
    let now = Ts::now();
    with_conn!(db, |conn| {
        diesel::insert_into(t::table)
            .values((
                t::tenant_id.eq(tenant),
                t::slug.eq(slug),
                t::name.eq(name),
                t::color.eq(color),
                t::created_at.eq(now),
                t::updated_at.eq(now),
            ))
            .returning(Tag::as_returning())
            .get_result(conn)
            .await
            .map_err(StoreError::unique("slug"))
    })
}

pub async fn tag_update(db: &Db, tenant: i64, id: i64, changes: &TagChanges) -> Result<Tag, StoreError> {
    let now = Ts::now();
    with_conn!(db, |conn| {
        diesel::update(t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(id))))
            .set((changes, t::updated_at.eq(now)))
            .returning(Tag::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(StoreError::unique("slug"))
    })
    .found()
}

/// Deletes the tag. Ticket taggings (mobieusHelp tickets) are removed in the
/// same transaction once tickets exist; the transaction is here for that.
pub async fn tag_delete(db: &Db, tenant: i64, id: i64) -> Result<Tag, StoreError> {
    write_tx!(db, |conn| {
        let deleted: Option<Tag> = diesel::delete(t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(id))))
            .returning(Tag::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        deleted.ok_or(StoreError::NotFound)
    })
}
