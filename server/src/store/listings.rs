//! The marketplace: what members offer.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::listings as l;
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::{CreatedRange, Page};
use crate::{list_total, page_and_count, with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = l, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Listing {
    pub tenant_id: i64,
    pub id: i64,
    pub seller_id: i64,
    pub title: String,
    pub description: String,
    pub price_cents: i64,
    pub currency: String,
    pub status: String,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Debug, Clone)]
pub struct NewListing {
    pub seller_id: i64,
    pub title: String,
    pub description: String,
    pub price_cents: i64,
    pub currency: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListingFilter {
    pub status: Option<String>,
    pub seller_id: Option<i64>,
    pub created: CreatedRange,
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = l::table.filter(l::tenant_id.eq($tenant)).into_boxed();
        if let Some(s) = &$f.status {
            q = q.filter(l::status.eq(s.clone()));
        }
        if let Some(s) = $f.seller_id {
            q = q.filter(l::seller_id.eq(s));
        }
        if let Some(a) = $f.created.after {
            q = q.filter(l::created_at.ge(a));
        }
        if let Some(b) = $f.created.before {
            q = q.filter(l::created_at.lt(b));
        }
        q
    }};
}

pub async fn listing_list(db: &Db, tenant: i64, f: &ListingFilter, before_id: Option<i64>, limit: i64) -> Result<Page<Listing>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(l::id.lt(id));
        }
        q.order(l::id.desc()).limit(limit).select(Listing::as_select()).load::<Listing>(conn)
    }, list_total!(conn, tenant, counts::LISTINGS, 0, *f == ListingFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}

pub async fn listing_get(db: &Db, tenant: i64, id: i64) -> Result<Listing, StoreError> {
    with_conn!(db, |conn| {
        Ok(l::table
            .filter(l::tenant_id.eq(tenant).and(l::id.eq(id)))
            .select(Listing::as_select())
            .first(conn)
            .await
            .optional()?)
    })
    .found()
}

/// Creates a listing and its `listing.created` event in one transaction.
pub async fn listing_create(db: &Db, tenant: i64, new: &NewListing) -> Result<Listing, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let listing: Listing = diesel::insert_into(l::table)
            .values((
                l::tenant_id.eq(tenant),
                l::seller_id.eq(new.seller_id),
                l::title.eq(&new.title),
                l::description.eq(&new.description),
                l::price_cents.eq(new.price_cents),
                l::currency.eq(&new.currency),
                l::status.eq(&new.status),
                l::created_at.eq(now),
                l::updated_at.eq(now),
            ))
            .returning(Listing::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, NewEvent::new(tenant, "listing.created", json!({
            "listing_id": listing.id, "seller_id": listing.seller_id, "title": listing.title,
            "price_cents": listing.price_cents, "currency": listing.currency,
        })));
        Ok(listing)
    })
}
