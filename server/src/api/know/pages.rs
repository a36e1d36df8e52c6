use mobieus_api::server::{
    CreateKnowPageHeaders, DeleteKnowPageHeaders, DeleteKnowPagePath, GetKnowPagePath, KnowPagesService, ListKnowPagesQuery, RestoreKnowPageHeaders,
    RestoreKnowPagePath, UpdateKnowPageHeaders, UpdateKnowPagePath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::{author_out, caller, page_ref};
use crate::api::Paging;
use crate::app::AppContext;
use crate::db::Ts;
use crate::errors::store_error;
use crate::know::markdown;
use crate::store::know::pages::{fold, page_create, page_get, page_list, page_set_deleted, page_update, NewPage, Page, PageChanges, PageFilter, PageItem};

pub fn page_out(p: Page) -> Result<types::KnowPage, ApiError> {
    Ok(types::KnowPage {
        id: p.id,
        body_html: markdown::to_html(&p.body_md),
        author: author_out(&p.author_kind, p.author_id, p.author_name)?,
        slug: p.slug.parse().map_err(|_| ApiError::server_error())?,
        title: p.title,
        parent_id: p.parent_id,
        revision: p.revision,
        body_md: p.body_md,
        summary: p.summary,
        created_at: p.created_at.0,
        updated_at: p.updated_at.0,
        deleted_at: p.deleted_at.map(|t| t.0),
    })
}

fn item_out(p: PageItem) -> Result<types::KnowPageListItem, ApiError> {
    Ok(types::KnowPageListItem {
        id: p.id,
        slug: p.slug.parse().map_err(|_| ApiError::server_error())?,
        title: p.title,
        parent_id: p.parent_id,
        revision: p.revision,
        created_at: p.created_at.0,
        updated_at: p.updated_at.0,
        deleted_at: p.deleted_at.map(|t| t.0),
    })
}

pub fn envelope(p: Page) -> Result<types::KnowPageEnvelope, ApiError> {
    Ok(types::KnowPageEnvelope { data: page_out(p)?, next_cursor: None, request_id: String::new() })
}

impl KnowPagesService for AppContext {
    async fn list_know_pages(call: &Call<'_, Self>, query: ListKnowPagesQuery) -> Result<types::KnowPageList, ApiError> {
        let paging = Paging::new(call, "know_pages", query.cursor.as_deref(), query.limit)?;
        let filter = PageFilter {
            parent_id: query.parent_id,
            title_prefix: query.title_prefix.as_deref().map(fold),
            updated_after: query.updated_after.map(Ts::from),
            updated_before: query.updated_before.map(Ts::from),
            deleted: query.deleted.unwrap_or(false),
        };
        let page = page_list(&call.context().db, call.principal.tenant_id, &filter, paging.text()?, paging.fetch()).await.map_err(store_error("page"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |p| json!([p.slug]));
        Ok(types::KnowPageList {
            data: rows.into_iter().map(item_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn create_know_page(call: &Call<'_, Self>, _headers: CreateKnowPageHeaders, body: types::KnowPageCreate) -> Result<types::KnowPageEnvelope, ApiError> {
        let new = NewPage {
            slug: String::from(body.slug),
            title: String::from(body.title),
            body_md: String::from(body.body_md),
            parent_id: body.parent_id,
            summary: body.summary.map(String::from),
        };
        let page = page_create(&call.context().db, call.principal.tenant_id, &new, body.author_user_id, &caller(call)).await.map_err(store_error("page"))?;
        envelope(page)
    }

    async fn get_know_page(call: &Call<'_, Self>, path: GetKnowPagePath) -> Result<types::KnowPageEnvelope, ApiError> {
        envelope(page_get(&call.context().db, call.principal.tenant_id, &page_ref(&path.page)).await.map_err(store_error("page"))?)
    }

    async fn update_know_page(
        call: &Call<'_, Self>,
        path: UpdateKnowPagePath,
        _headers: UpdateKnowPageHeaders,
        body: types::KnowPageUpdate,
    ) -> Result<types::KnowPageEnvelope, ApiError> {
        let clear_parent = body.clear.iter().flatten().any(|c| c.to_string() == "parent_id");
        if clear_parent && body.parent_id.is_some() {
            return Err(ApiError::validation(vec![mobieus_api::support::FieldProblem {
                field: "parent_id".into(),
                problem: "send parent_id or clear it, not both".into(),
            }]));
        }
        let changes = PageChanges {
            slug: body.slug.map(String::from),
            title: body.title.map(String::from),
            body_md: body.body_md.map(String::from),
            parent_id: if clear_parent { Some(None) } else { body.parent_id.map(Some) },
            summary: body.summary.map(String::from),
        };
        let page = page_update(&call.context().db, call.principal.tenant_id, &page_ref(&path.page), Some(i64::try_from(body.base_revision.get()).unwrap_or(i64::MAX)), &changes, body.author_user_id, &caller(call))
            .await
            .map_err(store_error("page"))?;
        envelope(page)
    }

    async fn delete_know_page(call: &Call<'_, Self>, path: DeleteKnowPagePath, _headers: DeleteKnowPageHeaders) -> Result<types::KnowPageEnvelope, ApiError> {
        envelope(page_set_deleted(&call.context().db, call.principal.tenant_id, &page_ref(&path.page), true).await.map_err(store_error("page"))?)
    }

    async fn restore_know_page(call: &Call<'_, Self>, path: RestoreKnowPagePath, _headers: RestoreKnowPageHeaders) -> Result<types::KnowPageEnvelope, ApiError> {
        envelope(page_set_deleted(&call.context().db, call.principal.tenant_id, &page_ref(&path.page), false).await.map_err(store_error("page"))?)
    }
}
