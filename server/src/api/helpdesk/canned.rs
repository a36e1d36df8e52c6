use mobieus_api::server::{
    CreateHelpdeskCannedResponseHeaders, DeleteHelpdeskCannedResponseHeaders, DeleteHelpdeskCannedResponsePath,
    GetHelpdeskCannedResponsePath, HelpdeskCannedResponsesService, ListHelpdeskCannedResponsesQuery,
    RenderHelpdeskCannedResponsePath, RenderHelpdeskCannedResponseQuery, UpdateHelpdeskCannedResponseHeaders,
    UpdateHelpdeskCannedResponsePath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::{json, Value};

use crate::api::Paging;
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::helpdesk::audit::Actor;
use crate::store::helpdesk::canned::{
    canned_create, canned_delete, canned_get, canned_list, canned_render, canned_update, CannedChanges, CannedFilter,
    CannedResponse, NewCanned,
};
use crate::store::helpdesk::tickets::parse_ref;

fn canned_out(c: CannedResponse) -> types::CannedResponse {
    types::CannedResponse {
        id: c.id,
        slug: c.slug,
        title: c.title,
        body_md: c.body_md,
        queue_id: c.queue_id,
        is_active: c.is_active,
        sort_order: c.sort_order,
        created_at: c.created_at.0,
        updated_at: c.updated_at.0,
    }
}

fn envelope(c: CannedResponse) -> types::CannedResponseEnvelope {
    types::CannedResponseEnvelope { data: canned_out(c), next_cursor: None, request_id: String::new() }
}

impl HelpdeskCannedResponsesService for AppContext {
    async fn list_helpdesk_canned_responses(call: &Call<'_, Self>, query: ListHelpdeskCannedResponsesQuery) -> Result<types::CannedResponseList, ApiError> {
        let paging = Paging::new(call, "helpdesk_canned_responses", query.cursor.as_deref(), query.limit)?;
        let after = match &paging.position {
            None => None,
            Some(p) => match (p.get(0).and_then(Value::as_i64), p.get(1).and_then(Value::as_i64)) {
                (Some(order), Some(id)) => Some((order, id)),
                _ => return Err(ApiError::invalid_cursor()),
            },
        };
        let filter = CannedFilter { queue_id: query.queue, is_active: query.is_active };
        let page = canned_list(&call.context().db, call.principal.tenant_id, &filter, after, paging.fetch())
            .await
            .map_err(store_error("canned_response"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |c| json!([c.sort_order, c.id]));
        Ok(types::CannedResponseList { data: rows.into_iter().map(canned_out).collect(), next_cursor, has_more, total_count: page.total, request_id: String::new() })
    }

    async fn create_helpdesk_canned_response(
        call: &Call<'_, Self>,
        _headers: CreateHelpdeskCannedResponseHeaders,
        body: types::CannedResponseCreate,
    ) -> Result<types::CannedResponseEnvelope, ApiError> {
        let new = NewCanned {
            slug: body.slug.to_string(),
            title: body.title.to_string(),
            body_md: body.body_md.to_string(),
            queue_id: body.queue_id,
            is_active: body.is_active,
            sort_order: body.sort_order,
        };
        let row = canned_create(&call.context().db, call.principal.tenant_id, &new, Actor::api(call.principal.key_id))
            .await
            .map_err(store_error("canned_response"))?;
        Ok(envelope(row))
    }

    async fn get_helpdesk_canned_response(call: &Call<'_, Self>, path: GetHelpdeskCannedResponsePath) -> Result<types::CannedResponseEnvelope, ApiError> {
        let row = canned_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("canned_response"))?;
        Ok(envelope(row))
    }

    async fn update_helpdesk_canned_response(
        call: &Call<'_, Self>,
        path: UpdateHelpdeskCannedResponsePath,
        _headers: UpdateHelpdeskCannedResponseHeaders,
        body: types::CannedResponseUpdate,
    ) -> Result<types::CannedResponseEnvelope, ApiError> {
        let clear_queue = body.clear.contains(&types::CannedResponseUpdateClearItem::QueueId);
        let changes = CannedChanges {
            slug: body.slug.map(String::from),
            title: body.title.map(String::from),
            body_md: body.body_md.map(String::from),
            queue_id: if clear_queue { Some(None) } else { body.queue_id.map(Some) },
            is_active: body.is_active,
            sort_order: body.sort_order,
        };
        let db = &call.context().db;
        let unchanged = changes.slug.is_none() && changes.title.is_none() && changes.body_md.is_none() && changes.queue_id.is_none()
            && changes.is_active.is_none() && changes.sort_order.is_none();
        let row = if unchanged {
            canned_get(db, call.principal.tenant_id, path.id).await
        } else {
            canned_update(db, call.principal.tenant_id, path.id, &changes, Actor::api(call.principal.key_id)).await
        }
        .map_err(store_error("canned_response"))?;
        Ok(envelope(row))
    }

    async fn delete_helpdesk_canned_response(
        call: &Call<'_, Self>,
        path: DeleteHelpdeskCannedResponsePath,
        _headers: DeleteHelpdeskCannedResponseHeaders,
    ) -> Result<types::DeletedEnvelope, ApiError> {
        let row = canned_delete(&call.context().db, call.principal.tenant_id, path.id, Actor::api(call.principal.key_id))
            .await
            .map_err(store_error("canned_response"))?;
        Ok(types::DeletedEnvelope {
            data: types::Deleted { id: row.id, object: "helpdesk_canned_response".into(), deleted: true },
            next_cursor: None,
            request_id: String::new(),
        })
    }

    async fn render_helpdesk_canned_response(
        call: &Call<'_, Self>,
        path: RenderHelpdeskCannedResponsePath,
        query: RenderHelpdeskCannedResponseQuery,
    ) -> Result<types::RenderedEnvelope, ApiError> {
        let number = parse_ref(&query.ticket).ok_or_else(|| ApiError::invalid_parameter("ticket", "must be a ticket number (123) or reference (HD-000123)"))?;
        let (body, placeholders) = canned_render(&call.context().db, call.principal.tenant_id, path.id, number, query.agent_id)
            .await
            .map_err(store_error("canned_response"))?;
        Ok(types::RenderedEnvelope { data: types::Rendered { body, placeholders }, next_cursor: None, request_id: String::new() })
    }
}
