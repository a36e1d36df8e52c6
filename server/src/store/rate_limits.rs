//! Per-key request counters in the database, which every server process
//! shares. Processes count in memory (`rate_limit`) and add their counts here
//! in batches; nothing here runs per request.

use diesel::sql_types::{BigInt, Integer};
use diesel::prelude::*;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

use crate::db::{Db, StoreError};
use crate::db::schema::rate_limit_counters as rl;
use crate::{with_conn, write_tx};

/// What one process counted for a key since its last reconcile.
#[derive(Debug, Clone)]
pub struct WindowDeltas {
    pub tenant_id: i64,
    pub key_id: i64,
    pub minute_start: i64,
    pub minute_delta: i32,
    pub hour_start: i64,
    pub hour_delta: i32,
}

/// What the store holds for a key afterwards: every process's counts.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct WindowTotals {
    #[diesel(sql_type = BigInt)]
    pub minute_start: i64,
    #[diesel(sql_type = Integer)]
    pub minute_count: i32,
    #[diesel(sql_type = BigInt)]
    pub hour_start: i64,
    #[diesel(sql_type = Integer)]
    pub hour_count: i32,
}

// Adds the deltas to the window they were counted in. A row still on an
// older window starts the new one from the deltas; a delta for a window the
// row has already left (another process moved on first) changes nothing.
// SET expressions read the row as it was, on both backends. `$n`
// placeholders are PostgreSQL's; SQLite reads them as numbered parameters.
const ADD: &str = "\
INSERT INTO rate_limit_counters (tenant_id, key_id, minute_start, minute_count, hour_start, hour_count) \
VALUES ($1, $2, $3, $4, $5, $6) \
ON CONFLICT (tenant_id, key_id) DO UPDATE SET \
  minute_count = CASE WHEN rate_limit_counters.minute_start = excluded.minute_start \
                        THEN rate_limit_counters.minute_count + excluded.minute_count \
                      WHEN rate_limit_counters.minute_start < excluded.minute_start THEN excluded.minute_count \
                      ELSE rate_limit_counters.minute_count END, \
  minute_start = CASE WHEN rate_limit_counters.minute_start < excluded.minute_start \
                      THEN excluded.minute_start ELSE rate_limit_counters.minute_start END, \
  hour_count = CASE WHEN rate_limit_counters.hour_start = excluded.hour_start \
                      THEN rate_limit_counters.hour_count + excluded.hour_count \
                    WHEN rate_limit_counters.hour_start < excluded.hour_start THEN excluded.hour_count \
                    ELSE rate_limit_counters.hour_count END, \
  hour_start = CASE WHEN rate_limit_counters.hour_start < excluded.hour_start \
                    THEN excluded.hour_start ELSE rate_limit_counters.hour_start END \
RETURNING minute_start, minute_count, hour_start, hour_count";

/// Adds a batch of deltas in one transaction; the totals come back in the
/// batch's order. Background work: the batch spans tenants, explicitly.
pub async fn rate_limits_reconcile(db: &Db, batch: &[WindowDeltas]) -> Result<Vec<WindowTotals>, StoreError> {
    write_tx!(db, |conn| {
        let mut totals = Vec::with_capacity(batch.len());
        for d in batch {
            totals.push(
                diesel::sql_query(ADD)
                    .bind::<BigInt, _>(d.tenant_id)
                    .bind::<BigInt, _>(d.key_id)
                    .bind::<BigInt, _>(d.minute_start)
                    .bind::<Integer, _>(d.minute_delta)
                    .bind::<BigInt, _>(d.hour_start)
                    .bind::<Integer, _>(d.hour_delta)
                    .get_result::<WindowTotals>(conn)
                    .await?,
            );
        }
        Ok(totals)
    })
}

/// The store's counts for a key (every process's, as of their last
/// reconciles), if it has any.
pub async fn rate_limit_totals(db: &Db, tenant_id: i64, key_id: i64) -> Result<Option<WindowTotals>, StoreError> {
    with_conn!(db, |conn| {
        Ok(rl::table
            .filter(rl::tenant_id.eq(tenant_id).and(rl::key_id.eq(key_id)))
            .select((rl::minute_start, rl::minute_count, rl::hour_start, rl::hour_count))
            .first::<(i64, i32, i64, i32)>(conn)
            .await
            .optional()?
            .map(|(minute_start, minute_count, hour_start, hour_count)| WindowTotals { minute_start, minute_count, hour_start, hour_count }))
    })
}
