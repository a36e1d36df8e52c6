use mobieus_api::server::{GetPostPath, ListPostsQuery, PostsService};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::{created_range, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::posts::{post_get, post_list, Post, PostFilter};

fn post_out(p: Post) -> types::Post {
    types::Post {
        id: p.id,
        author_id: p.author_id,
        title: p.title,
        body: p.body,
        created_at: p.created_at.0,
        updated_at: p.updated_at.0,
        hidden_at: p.hidden_at.map(|t| t.0),
    }
}

impl PostsService for AppContext {
    async fn list_posts(call: &Call<'_, Self>, query: ListPostsQuery) -> Result<types::PostList, ApiError> {
        let paging = Paging::new(call, "posts", query.cursor.as_deref(), query.limit)?;
        let filter = PostFilter { author_id: query.author, created: created_range(query.created_after, query.created_before) };
        let page = post_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("post"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |p| json!([p.id]));
        Ok(types::PostList {
            data: rows.into_iter().map(post_out).collect(),
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_post(call: &Call<'_, Self>, path: GetPostPath) -> Result<types::PostEnvelope, ApiError> {
        let post = post_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("post"))?;
        Ok(types::PostEnvelope { data: post_out(post), next_cursor: None, request_id: String::new() })
    }
}
