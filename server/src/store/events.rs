//! Events: every state change writes one, in the change's transaction.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::db::schema::events as e;
use crate::db::{Db, Found, Json, StoreError, Ts};
use crate::store::{CreatedRange, Page};
use crate::{page_and_count, with_conn};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = e, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Event {
    pub tenant_id: i64,
    pub id: i64,
    pub event_type: String,
    pub data: Json<Value>,
    pub created_at: Ts,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = e)]
pub struct NewEvent {
    pub tenant_id: i64,
    pub event_type: String,
    pub data: Json<Value>,
    pub created_at: Ts,
}

impl NewEvent {
    pub fn new(tenant_id: i64, event_type: &str, data: Value) -> Self {
        NewEvent { tenant_id, event_type: event_type.to_owned(), data: Json(data), created_at: Ts::now() }
    }
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub event_type: Option<String>,
    pub created: CreatedRange,
}

/// The filters of a list, applied alike to the page and to its count.
macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = e::table.filter(e::tenant_id.eq($tenant)).into_boxed();
        if let Some(t) = &$f.event_type {
            q = q.filter(e::event_type.eq(t.clone()));
        }
        if let Some(a) = $f.created.after {
            q = q.filter(e::created_at.ge(a));
        }
        if let Some(b) = $f.created.before {
            q = q.filter(e::created_at.lt(b));
        }
        q
    }};
}

/// Newest first; `before_id` is the keyset cursor.
pub async fn event_list(db: &Db, tenant: i64, f: &EventFilter, before_id: Option<i64>, limit: i64) -> Result<Page<Event>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(e::id.lt(id));
        }
        q.order(e::id.desc()).limit(limit).select(Event::as_select()).load::<Event>(conn)
    }, filtered!(tenant, f).count().get_result::<i64>(conn));
    Ok(Page { rows, total })
}

pub async fn event_get(db: &Db, tenant: i64, id: i64) -> Result<Event, StoreError> {
    with_conn!(db, |conn| {
        Ok(e::table
            .filter(e::tenant_id.eq(tenant).and(e::id.eq(id)))
            .select(Event::as_select())
            .first(conn)
            .await
            .optional()?)
    })
    .found()
}
