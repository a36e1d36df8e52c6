//! Per-key request counters in the database, so every server process shares
//! them. One statement per request: an upsert that resets a window when its
//! start has moved on, increments otherwise, and returns both counts.

use diesel::sql_types::{BigInt, Integer};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

use crate::db::{Db, StoreError};
use crate::write_conn;

#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Counts {
    #[diesel(sql_type = Integer)]
    pub minute_count: i32,
    #[diesel(sql_type = Integer)]
    pub hour_count: i32,
}

// `$n` placeholders are PostgreSQL's; SQLite reads them as named parameters
// numbered by first appearance, which is the same order here.
const HIT: &str = "\
INSERT INTO rate_limit_counters (tenant_id, key_id, minute_start, minute_count, hour_start, hour_count) \
VALUES ($1, $2, $3, 1, $4, 1) \
ON CONFLICT (tenant_id, key_id) DO UPDATE SET \
  minute_count = CASE WHEN rate_limit_counters.minute_start = excluded.minute_start \
                      THEN rate_limit_counters.minute_count + 1 ELSE 1 END, \
  minute_start = excluded.minute_start, \
  hour_count = CASE WHEN rate_limit_counters.hour_start = excluded.hour_start \
                    THEN rate_limit_counters.hour_count + 1 ELSE 1 END, \
  hour_start = excluded.hour_start \
RETURNING minute_count, hour_count";

/// Counts one request at `now_unix` (seconds) and returns the window counts.
pub async fn rate_limit_hit(db: &Db, tenant_id: i64, key_id: i64, now_unix: i64) -> Result<Counts, StoreError> {
    let minute_start = now_unix - now_unix.rem_euclid(60);
    let hour_start = now_unix - now_unix.rem_euclid(3600);
    write_conn!(db, |conn| {
        Ok(diesel::sql_query(HIT)
            .bind::<BigInt, _>(tenant_id)
            .bind::<BigInt, _>(key_id)
            .bind::<BigInt, _>(minute_start)
            .bind::<BigInt, _>(hour_start)
            .get_result::<Counts>(conn)
            .await?)
    })
}
