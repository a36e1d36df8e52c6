//! The helpdesk audit log: every helpdesk change writes one row, inside the
//! change's own transaction (callers insert `AuditEntry` there).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::db::schema::helpdesk_audit_events as a;
use crate::db::{Db, Json, StoreError, Ts};
use crate::store::counts;
use crate::store::Page;
use crate::{list_total, page_and_count};

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// `agent`, `requester`, `system` or `api`.
    pub kind: &'static str,
    pub id: Option<i64>,
}

impl Actor {
    pub fn api(key_id: i64) -> Self {
        Actor { kind: "api", id: Some(key_id) }
    }
    pub fn agent(agent_id: i64) -> Self {
        Actor { kind: "agent", id: Some(agent_id) }
    }
    pub fn requester(user_id: Option<i64>) -> Self {
        Actor { kind: "requester", id: user_id }
    }
    pub fn system() -> Self {
        Actor { kind: "system", id: None }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = a)]
pub struct AuditEntry {
    pub tenant_id: i64,
    pub event_key: String,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub before_state: Option<Json<Value>>,
    pub after_state: Option<Json<Value>>,
    pub created_at: Ts,
}

impl AuditEntry {
    pub fn new(tenant_id: i64, event_key: &str, actor: Actor, ticket_id: Option<i64>, before: Option<Value>, after: Option<Value>) -> Self {
        AuditEntry {
            tenant_id,
            event_key: event_key.to_owned(),
            actor_kind: actor.kind.to_owned(),
            actor_id: actor.id,
            ticket_id,
            before_state: before.map(Json),
            after_state: after.map(Json),
            created_at: Ts::now(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AuditEvent {
    pub tenant_id: i64,
    pub id: i64,
    pub event_key: String,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub before_state: Option<Json<Value>>,
    pub after_state: Option<Json<Value>>,
    pub created_at: Ts,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    pub event_key: Option<String>,
    pub actor_kind: Option<String>,
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut query = a::table.filter(a::tenant_id.eq($tenant)).into_boxed();
        if let Some(k) = &$f.event_key {
            query = query.filter(a::event_key.eq(k.clone()));
        }
        if let Some(k) = &$f.actor_kind {
            query = query.filter(a::actor_kind.eq(k.clone()));
        }
        query
    }};
}

/// Newest first.
pub async fn audit_list(db: &Db, tenant: i64, f: &AuditFilter, before_id: Option<i64>, limit: i64) -> Result<Page<AuditEvent>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut query = filtered!(tenant, f);
        if let Some(id) = before_id {
            query = query.filter(a::id.lt(id));
        }
        query.order(a::id.desc()).limit(limit).select(AuditEvent::as_select()).load::<AuditEvent>(conn)
    }, list_total!(conn, tenant, counts::AUDIT_EVENTS, 0, *f == AuditFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}
