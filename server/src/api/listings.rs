use mobieus_api::server::{GetListingPath, ListListingsQuery, ListingsService};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::{created_range, stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::listings::{listing_get, listing_list, Listing, ListingFilter};

fn listing_out(l: Listing) -> Result<types::Listing, ApiError> {
    Ok(types::Listing {
        id: l.id,
        seller_id: l.seller_id,
        status: stored("listing status", &l.status)?,
        title: l.title,
        description: l.description,
        price_cents: l.price_cents,
        currency: l.currency,
        created_at: l.created_at.0,
        updated_at: l.updated_at.0,
    })
}

impl ListingsService for AppContext {
    async fn list_listings(call: &Call<'_, Self>, query: ListListingsQuery) -> Result<types::ListingList, ApiError> {
        let paging = Paging::new(call, "listings", query.cursor.as_deref(), query.limit)?;
        let filter = ListingFilter {
            status: query.status,
            seller_id: query.seller,
            created: created_range(query.created_after, query.created_before),
        };
        let page = listing_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("listing"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |l| json!([l.id]));
        Ok(types::ListingList {
            data: rows.into_iter().map(listing_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_listing(call: &Call<'_, Self>, path: GetListingPath) -> Result<types::ListingEnvelope, ApiError> {
        let listing = listing_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("listing"))?;
        Ok(types::ListingEnvelope { data: listing_out(listing)?, next_cursor: None, request_id: String::new() })
    }
}
