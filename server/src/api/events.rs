use mobieus_api::server::{EventsService, GetEventPath, ListEventsQuery};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::{created_range, object, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::events::{event_get, event_list, Event, EventFilter};

fn event_out(e: Event) -> types::Event {
    types::Event { id: e.id, type_: e.event_type, data: object(e.data.0), created_at: e.created_at.0 }
}

impl EventsService for AppContext {
    async fn list_events(call: &Call<'_, Self>, query: ListEventsQuery) -> Result<types::EventList, ApiError> {
        let paging = Paging::new(call, "events", query.cursor.as_deref(), query.limit)?;
        let filter = EventFilter { event_type: query.r#type, created: created_range(query.created_after, query.created_before) };
        let page = event_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("event"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |e| json!([e.id]));
        Ok(types::EventList {
            data: rows.into_iter().map(event_out).collect(),
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_event(call: &Call<'_, Self>, path: GetEventPath) -> Result<types::EventEnvelope, ApiError> {
        let event = event_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("event"))?;
        Ok(types::EventEnvelope { data: event_out(event), next_cursor: None, request_id: String::new() })
    }
}
