use mobieus_api::server::{KnowSearchService, SearchKnowQuery};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use crate::api::Paging;
use crate::app::AppContext;
use crate::errors::store_error;
use crate::know::search::parse;
use crate::store::know::search::search;

const DEFAULT_LIMIT: i64 = 10;

impl KnowSearchService for AppContext {
    async fn search_know(call: &Call<'_, Self>, query: SearchKnowQuery) -> Result<types::KnowSearchResults, ApiError> {
        let q = parse(&query.q).map_err(|why| {
            ApiError::new(http::StatusCode::BAD_REQUEST, "invalid_parameter", format!("Parameter `q`: {why}")).with_extra(json!({ "parameter": "q", "problem": why }))
        })?;
        // the position is an offset into the ranking
        let paging = Paging::with_default(call, "know_search", query.cursor.as_deref(), query.limit, DEFAULT_LIMIT)?;
        let offset = paging.id()?.unwrap_or(0);
        let (hits, more, total) = search(&call.context().db, call.principal.tenant_id, &q, offset, paging.limit).await.map_err(store_error("page"))?;
        let next_cursor = more.then(|| call.context().cursors.encode(call.principal.tenant_id, "know_search", json!([offset + paging.limit])));
        Ok(types::KnowSearchResults {
            data: hits
                .into_iter()
                .map(|h| types::KnowSearchHit {
                    page_id: h.page_id,
                    slug: h.slug,
                    title: h.title,
                    snippet: h.snippet,
                    score: h.score,
                    title_match: h.title_match,
                    updated_at: h.updated_at.0,
                })
                .collect(),
            next_cursor,
            has_more: more,
            total_count: total,
            request_id: String::new(),
        })
    }
}
