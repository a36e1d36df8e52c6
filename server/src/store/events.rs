//! Events: every state change writes one, in the change's transaction, with
//! `record_event!` — which also orders the tenant's events by commit and
//! queues the event's webhook deliveries (the outbox) in that transaction.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::db::schema::events as e;
use crate::db::{Db, Found, Json, StoreError, Ts};
use crate::store::counts;
use crate::store::{CreatedRange, Page};
use crate::{list_total, page_and_count, with_conn};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = e, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Event {
    pub tenant_id: i64,
    pub id: i64,
    pub event_type: String,
    pub data: Json<Value>,
    pub created_at: Ts,
}

impl Event {
    /// The Event object as the API and webhook bodies show it.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "type": self.event_type,
            "data": self.data.0,
            "created_at": self.created_at.0,
        })
    }
}

/// Writes `$new` (a `NewEvent`) inside the caller's write transaction and
/// evaluates to the stored `Event`:
/// 1. bumps the tenant's `event_heads` row first; its row lock is held until
///    commit, so a tenant's event ids are allocated in commit order and a
///    reader that has seen id N has seen every committed event below N;
/// 2. inserts the event;
/// 3. queues a pending delivery for every enabled webhook endpoint of the
///    tenant subscribed to its type;
/// 4. notes both for `write_tx!` to announce after the commit
///    (`db::commits`), which wakes this process's streams and workers.
///
/// Because the head's lock is held to commit, a transaction takes the row
/// locks it needs (a course, an enrollment, an attempt) before its first
/// event: one that locked a row after an event could deadlock with one
/// that locked that row and then wrote an event.
#[macro_export]
macro_rules! record_event {
    ($conn:expr, $new:expr) => {{
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use $crate::db::schema::{event_heads as __h, events as __e, webhook_deliveries as __wd, webhook_endpoints as __we};
        let __new: $crate::store::events::NewEvent = $new;
        diesel::insert_into(__h::table)
            .values((__h::tenant_id.eq(__new.tenant_id), __h::writes.eq(1i64)))
            .on_conflict(__h::tenant_id)
            .do_update()
            .set(__h::writes.eq(__h::writes + 1i64))
            .execute($conn)
            .await?;
        let __event: $crate::store::events::Event = diesel::insert_into(__e::table)
            .values(&__new)
            .returning($crate::store::events::Event::as_returning())
            .get_result($conn)
            .await?;
        let __subscribers: Vec<(i64, $crate::db::Json<Vec<String>>)> = __we::table
            .filter(__we::tenant_id.eq(__new.tenant_id).and(__we::enabled.eq(true)))
            .select((__we::id, __we::event_types))
            .load($conn)
            .await?;
        // one row per subscribed endpoint (a handful; SQLite's batch insert
        // cannot take these rows' types)
        for __delivery in $crate::store::webhooks::fan_out(&__event, &__subscribers) {
            diesel::insert_into(__wd::table).values(&__delivery).execute($conn).await?;
            $crate::db::commits::queued_delivery();
        }
        $crate::db::commits::wrote_event(__new.tenant_id);
        __event
    }};
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

#[derive(Debug, Clone, Default, PartialEq)]
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
    }, list_total!(conn, tenant, counts::EVENTS, 0, *f == EventFilter::default(), filtered!(tenant, f)));
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

/// A stream's next batch: the tenant's events after `after_id`, oldest first.
pub async fn events_after(db: &Db, tenant: i64, after_id: i64, event_type: Option<&str>, limit: i64) -> Result<Vec<Event>, StoreError> {
    with_conn!(db, |conn| {
        let mut q = e::table.filter(e::tenant_id.eq(tenant).and(e::id.gt(after_id))).into_boxed();
        if let Some(t) = event_type {
            q = q.filter(e::event_type.eq(t.to_owned()));
        }
        Ok(q.order(e::id.asc()).limit(limit).select(Event::as_select()).load::<Event>(conn).await?)
    })
}

/// The tenant's newest event id (0 when none): where a fresh stream starts.
pub async fn last_event_id(db: &Db, tenant: i64) -> Result<i64, StoreError> {
    with_conn!(db, |conn| {
        Ok(e::table
            .filter(e::tenant_id.eq(tenant))
            .select(diesel::dsl::max(e::id))
            .first::<Option<i64>>(conn)
            .await?
            .unwrap_or(0))
    })
}
