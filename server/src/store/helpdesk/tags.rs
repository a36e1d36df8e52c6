//! Helpdesk tags. Slugs are unique per tenant; lists run in slug order.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use serde_json::json;

use crate::db::schema::{helpdesk_audit_events as au, helpdesk_tags as t, helpdesk_ticket_tags as tt};
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::helpdesk::audit::{Actor, AuditEntry};
use crate::store::Page;
use crate::{page_and_count, with_conn, write_tx};

fn snapshot(tag: &Tag) -> serde_json::Value {
    json!({ "tag_id": tag.id, "slug": tag.slug, "name": tag.name, "color": tag.color })
}

fn tag_event(event_type: &str, tag: &Tag) -> NewEvent {
    NewEvent::new(tag.tenant_id, event_type, snapshot(tag))
}

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
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = t::table.filter(t::tenant_id.eq(tenant)).into_boxed();
        if let Some(s) = after_slug {
            q = q.filter(t::slug.gt(s.to_owned()));
        }
        q.order(t::slug.asc()).limit(limit).select(Tag::as_select()).load::<Tag>(conn)
    }, crate::maintained_count!(conn, tenant, counts::TAGS, 0));
    Ok(Page { rows, total })
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

/// Creates the tag and its `helpdesk.tag.created` event in one transaction.
pub async fn tag_create(db: &Db, tenant: i64, slug: &str, name: &str, color: &str, actor: Actor) -> Result<Tag, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let tag: Tag = diesel::insert_into(t::table)
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
            .map_err(StoreError::unique("slug"))?;
        crate::record_event!(conn, tag_event("helpdesk.tag.created", &tag));
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "tag.created", actor, None, None, Some(snapshot(&tag))))
            .execute(conn)
            .await?;
        Ok(tag)
    })
}

/// Applies the changes and writes `helpdesk.tag.updated`, in one transaction.
pub async fn tag_update(db: &Db, tenant: i64, id: i64, changes: &TagChanges, actor: Actor) -> Result<Tag, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let before: Tag = t::table
            .filter(t::tenant_id.eq(tenant).and(t::id.eq(id)))
            .select(Tag::as_select())
            .first(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        let tag: Tag = diesel::update(t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(id))))
            .set((changes, t::updated_at.eq(now)))
            .returning(Tag::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(StoreError::unique("slug"))?
            .ok_or(StoreError::NotFound)?;
        crate::record_event!(conn, tag_event("helpdesk.tag.updated", &tag));
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "tag.updated", actor, None, Some(snapshot(&before)), Some(snapshot(&tag))))
            .execute(conn)
            .await?;
        Ok(tag)
    })
}

/// Deletes the tag and writes `helpdesk.tag.deleted`, in one transaction
/// that also removes it from every ticket carrying it.
pub async fn tag_delete(db: &Db, tenant: i64, id: i64, actor: Actor) -> Result<Tag, StoreError> {
    write_tx!(db, |conn| {
        // detach from every ticket first (the foreign key would cascade too)
        let detached = diesel::delete(tt::table.filter(tt::tenant_id.eq(tenant).and(tt::tag_id.eq(id)))).execute(conn).await?;
        let deleted: Option<Tag> = diesel::delete(t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(id))))
            .returning(Tag::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        let tag = deleted.ok_or(StoreError::NotFound)?;
        crate::record_event!(conn, tag_event("helpdesk.tag.deleted", &tag));
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "tag.deleted", actor, None, Some(json!({ "tag": snapshot(&tag), "detached_from_tickets": detached })), None))
            .execute(conn)
            .await?;
        Ok(tag)
    })
}
