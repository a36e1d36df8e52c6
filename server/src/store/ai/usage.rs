//! The usage log (`ai_feature_usage`): one row per hook call, whatever its
//! outcome, with what it cost. The gate counts from it too (tokens this
//! month, calls this minute), so every server process sees the same totals.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use crate::db::schema::ai_feature_usage as u;
use crate::db::{Db, StoreError, Ts};
use crate::{with_conn, write_conn};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = u)]
pub struct NewUsage {
    pub tenant_id: i64,
    pub hook: String,
    pub provider: Option<String>,
    pub model: Option<String>,
    /// One call's counts fit 32 bits (and their sums come back as 64).
    pub prompt_tokens: i32,
    pub completion_tokens: i32,
    pub latency_ms: i32,
    pub outcome: String,
    pub reason: Option<String>,
    /// Whether a provider was asked (what the per-minute limit counts).
    pub called: bool,
    pub request_id: String,
    pub created_at: Ts,
}

pub async fn usage_record(db: &Db, row: &NewUsage) -> Result<(), StoreError> {
    write_conn!(db, |conn| Ok(diesel::insert_into(u::table).values(row).execute(conn).await.map(drop)?))
}

/// The first instant of `at`'s calendar month (UTC).
pub fn month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0).single().unwrap_or(at)
}

/// Tokens used since `since`, and provider calls in the minute before `now`.
pub async fn usage_spent(db: &Db, tenant: i64, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<(i64, i64), StoreError> {
    with_conn!(db, |conn| {
        let (prompt, completion): (Option<i64>, Option<i64>) = u::table
            .filter(u::tenant_id.eq(tenant).and(u::created_at.ge(Ts::from(since))))
            .select((sum(u::prompt_tokens), sum(u::completion_tokens)))
            .first(conn)
            .await?;
        let calls: i64 = u::table
            .filter(u::tenant_id.eq(tenant).and(u::called.eq(true)).and(u::created_at.gt(Ts::from(now - Duration::seconds(60)))))
            .select(count_star())
            .first(conn)
            .await?;
        Ok((prompt.unwrap_or(0) + completion.unwrap_or(0), calls))
    })
}

/// A month's usage per hook and outcome, for `ai usage`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UsageLine {
    pub hook: String,
    pub outcome: String,
    pub calls: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

pub async fn usage_month(db: &Db, tenant: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<UsageLine>, StoreError> {
    with_conn!(db, |conn| {
        // (hook, outcome, calls, prompt tokens, completion tokens)
        type Line = (String, String, i64, Option<i64>, Option<i64>);
        let rows: Vec<Line> = u::table
            .filter(u::tenant_id.eq(tenant).and(u::created_at.ge(Ts::from(from))).and(u::created_at.lt(Ts::from(to))))
            .group_by((u::hook, u::outcome))
            .select((u::hook, u::outcome, count_star(), sum(u::prompt_tokens), sum(u::completion_tokens)))
            .order((u::hook, u::outcome))
            .load(conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(hook, outcome, calls, p, c)| UsageLine {
                hook,
                outcome,
                calls,
                prompt_tokens: p.unwrap_or(0),
                completion_tokens: c.unwrap_or(0),
            })
            .collect())
    })
}
