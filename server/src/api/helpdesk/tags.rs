use mobieus_api::server::{
    CreateHelpdeskTagHeaders, DeleteHelpdeskTagHeaders, DeleteHelpdeskTagPath, GetHelpdeskTagPath,
    HelpdeskTagsService, ListHelpdeskTagsQuery, UpdateHelpdeskTagHeaders, UpdateHelpdeskTagPath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use crate::api::Paging;
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::helpdesk::audit::Actor;
use crate::store::helpdesk::tags::{tag_create, tag_delete, tag_get, tag_list, tag_update, Tag, TagChanges, DEFAULT_COLOR};

fn tag_out(t: Tag) -> types::Tag {
    types::Tag { id: t.id, slug: t.slug, name: t.name, color: t.color, created_at: t.created_at.0, updated_at: t.updated_at.0 }
}

fn envelope(t: Tag) -> types::TagEnvelope {
    types::TagEnvelope { data: tag_out(t), next_cursor: None, request_id: String::new() }
}

/// Colours are stored lower-case so `#DC2626` and `#dc2626` are one colour.
fn color(c: impl Into<String>) -> String {
    c.into().to_ascii_lowercase()
}

impl HelpdeskTagsService for AppContext {
    async fn list_helpdesk_tags(call: &Call<'_, Self>, query: ListHelpdeskTagsQuery) -> Result<types::TagList, ApiError> {
        let paging = Paging::new(call, "helpdesk_tags", query.cursor.as_deref(), query.limit)?;
        let after = paging.text()?;
        let page = tag_list(&call.context().db, call.principal.tenant_id, after.as_deref(), paging.fetch())
            .await
            .map_err(store_error("tag"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |t| json!([t.slug]));
        Ok(types::TagList {
            data: rows.into_iter().map(tag_out).collect(),
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn create_helpdesk_tag(
        call: &Call<'_, Self>,
        _headers: CreateHelpdeskTagHeaders,
        body: types::TagCreate,
    ) -> Result<types::TagEnvelope, ApiError> {
        let color = body.color.map(color).unwrap_or_else(|| DEFAULT_COLOR.to_owned());
        let tag = tag_create(&call.context().db, call.principal.tenant_id, &String::from(body.slug), &String::from(body.name), &color, Actor::api(call.principal.key_id))
            .await
            .map_err(store_error("tag"))?;
        Ok(envelope(tag))
    }

    async fn get_helpdesk_tag(call: &Call<'_, Self>, path: GetHelpdeskTagPath) -> Result<types::TagEnvelope, ApiError> {
        let tag = tag_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("tag"))?;
        Ok(envelope(tag))
    }

    async fn update_helpdesk_tag(
        call: &Call<'_, Self>,
        path: UpdateHelpdeskTagPath,
        _headers: UpdateHelpdeskTagHeaders,
        body: types::TagUpdate,
    ) -> Result<types::TagEnvelope, ApiError> {
        let changes = TagChanges {
            slug: body.slug.map(String::from),
            name: body.name.map(String::from),
            color: body.color.map(color),
        };
        let db = &call.context().db;
        let tag = if changes.slug.is_none() && changes.name.is_none() && changes.color.is_none() {
            tag_get(db, call.principal.tenant_id, path.id).await
        } else {
            tag_update(db, call.principal.tenant_id, path.id, &changes, Actor::api(call.principal.key_id)).await
        }
        .map_err(store_error("tag"))?;
        Ok(envelope(tag))
    }

    async fn delete_helpdesk_tag(
        call: &Call<'_, Self>,
        path: DeleteHelpdeskTagPath,
        _headers: DeleteHelpdeskTagHeaders,
    ) -> Result<types::DeletedEnvelope, ApiError> {
        let tag = tag_delete(&call.context().db, call.principal.tenant_id, path.id, Actor::api(call.principal.key_id)).await.map_err(store_error("tag"))?;
        Ok(types::DeletedEnvelope {
            data: types::Deleted { id: tag.id, object: "helpdesk_tag".into(), deleted: true },
            next_cursor: None,
            request_id: String::new(),
        })
    }
}
