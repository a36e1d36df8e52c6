use mobieus_api::server::{HelpdeskAuditService, ListHelpdeskAuditEventsQuery};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use crate::api::{object, stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::helpdesk::audit::{audit_list, AuditEvent, AuditFilter};

const AUDIT_DEFAULT_LIMIT: i64 = 50;

fn audit_out(a: AuditEvent) -> Result<types::AuditEvent, ApiError> {
    Ok(types::AuditEvent {
        id: a.id,
        event_key: a.event_key,
        actor_kind: stored("audit actor kind", &a.actor_kind)?,
        actor_id: a.actor_id,
        ticket_id: a.ticket_id,
        before: a.before_state.map(|j| object(j.0)),
        after: a.after_state.map(|j| object(j.0)),
        created_at: a.created_at.0,
    })
}

impl HelpdeskAuditService for AppContext {
    async fn list_helpdesk_audit_events(call: &Call<'_, Self>, query: ListHelpdeskAuditEventsQuery) -> Result<types::AuditEventList, ApiError> {
        let paging = Paging::with_default(call, "helpdesk_audit", query.cursor.as_deref(), query.limit, AUDIT_DEFAULT_LIMIT)?;
        let filter = AuditFilter { event_key: query.event_key, actor_kind: query.actor_kind };
        let page = audit_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("audit_event"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |a| json!([a.id]));
        Ok(types::AuditEventList {
            data: rows.into_iter().map(audit_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }
}
