//! Helpdesk queues, with their tickets counted by status.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::{helpdesk_queues as q, helpdesk_tickets as t};
use crate::db::{Db, StoreError, Ts};
use crate::store::counts;
use crate::store::Page;
use crate::{with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = q, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Queue {
    pub tenant_id: i64,
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: Ts,
}

/// Tickets per status of one queue.
pub type StatusCounts = HashMap<String, i64>;

pub async fn queue_list(db: &Db, tenant: i64, after: Option<(String, i64)>, limit: i64) -> Result<Page<(Queue, StatusCounts)>, StoreError> {
    with_conn!(db, |conn| {
        let mut query = q::table.filter(q::tenant_id.eq(tenant)).into_boxed();
        if let Some((name, id)) = after {
            query = query.filter(q::name.gt(name.clone()).or(q::name.eq(name).and(q::id.gt(id))));
        }
        let queues: Vec<Queue> = query.order((q::name.asc(), q::id.asc())).limit(limit).select(Queue::as_select()).load(conn).await?;
        let total: i64 = crate::maintained_count!(conn, tenant, counts::QUEUES, 0).await?;
        let ids: Vec<i64> = queues.iter().map(|x| x.id).collect();
        let counts: Vec<(Option<i64>, String, i64)> = t::table
            .filter(t::tenant_id.eq(tenant).and(t::queue_id.eq_any(ids)))
            .group_by((t::queue_id, t::status))
            .select((t::queue_id, t::status, count_star()))
            .load(conn)
            .await?;
        let mut by_queue: HashMap<i64, StatusCounts> = HashMap::new();
        for (queue, status, n) in counts {
            if let Some(queue) = queue {
                by_queue.entry(queue).or_default().insert(status, n);
            }
        }
        let rows = queues.into_iter().map(|x| {
            let c = by_queue.remove(&x.id).unwrap_or_default();
            (x, c)
        });
        Ok(Page { rows: rows.collect(), total })
    })
}

pub async fn queue_get(db: &Db, tenant: i64, id: i64) -> Result<(Queue, StatusCounts), StoreError> {
    with_conn!(db, |conn| {
        let queue: Option<Queue> = q::table
            .filter(q::tenant_id.eq(tenant).and(q::id.eq(id)))
            .select(Queue::as_select())
            .first(conn)
            .await
            .optional()?;
        let Some(queue) = queue else { return Err(StoreError::NotFound) };
        let counts: Vec<(String, i64)> = t::table
            .filter(t::tenant_id.eq(tenant).and(t::queue_id.eq(id)))
            .group_by(t::status)
            .select((t::status, count_star()))
            .load(conn)
            .await?;
        Ok((queue, counts.into_iter().collect()))
    })
}

pub async fn queue_create(db: &Db, tenant: i64, slug: &str, name: &str, description: &str) -> Result<Queue, StoreError> {
    super::directory_name(name)?;
    // a transaction, so that an Idempotency-Key is marked applied with it
    write_tx!(db, |conn| {
        diesel::insert_into(q::table)
            .values((q::tenant_id.eq(tenant), q::slug.eq(slug), q::name.eq(name), q::description.eq(description), q::created_at.eq(Ts::now())))
            .returning(Queue::as_returning())
            .get_result(conn)
            .await
            .map_err(StoreError::unique("slug"))
    })
}
