//! The delivery worker's side of the outbox: claiming due deliveries (across
//! tenants — background work, explicitly) and recording what each attempt
//! got. A claim sets a lease (`locked_until`): until it runs out no other
//! worker, in this process or another, picks the row, so no attempt is sent
//! twice; a worker that dies mid-attempt leaves a lease that expires, and the
//! row is retried (at least once).

use std::collections::BTreeMap;

use chrono::TimeDelta;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::{webhook_attempts as wa, webhook_deliveries as wd, webhook_endpoints as we};
use crate::db::{Db, StoreError, Ts};
use crate::store::events::NewEvent;
use crate::store::webhooks::{Delivery, Endpoint};
use crate::write_tx;

/// A claimed delivery with its endpoint as it was at claim time.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    pub endpoint: Endpoint,
}

/// What one attempt got; stored as its `webhook_attempts` row (`None` is
/// written as NULL: SQLite has no DEFAULT in these inserts).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = wa, treat_none_as_default_value = false)]
pub struct AttemptOutcome {
    pub tenant_id: i64,
    pub delivery_id: i64,
    #[diesel(skip_insertion)]
    pub endpoint_id: i64,
    pub attempt: i32,
    pub webhook_timestamp: i64,
    pub signature: String,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub response_excerpt: Option<String>,
    #[diesel(column_name = created_at)]
    pub sent_at: Ts,
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The retry policy: the wait after each failed attempt (the last entry's
/// failure is final), and how long an endpoint may fail before it is
/// disabled.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub schedule: Vec<std::time::Duration>,
    pub disable_after: std::time::Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        let m = |n: u64| std::time::Duration::from_secs(n * 60);
        RetryPolicy {
            // 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: ~75 h
            schedule: vec![
                std::time::Duration::from_secs(5),
                m(5),
                m(30),
                m(120),
                m(300),
                m(600),
                m(840),
                m(1200),
                m(1440),
            ],
            disable_after: std::time::Duration::from_secs(5 * 24 * 3600),
        }
    }
}

/// Claims up to `limit` due deliveries for `lease`, incrementing each one's
/// attempt count. PostgreSQL skips rows another worker is claiming
/// (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time.
/// Deliveries waiting to be sent, every tenant's (the metrics' outbox
/// depth).
pub async fn pending_count(db: &Db) -> Result<i64, StoreError> {
    Ok(crate::with_conn!(db, |conn| wd::table.filter(wd::status.eq("pending")).count().get_result::<i64>(conn).await?))
}

pub async fn claim(db: &Db, limit: i64, lease: std::time::Duration) -> Result<Vec<Claimed>, StoreError> {
    let now = Ts::now();
    let until = Ts::from(now.0 + TimeDelta::from_std(lease).unwrap_or(TimeDelta::seconds(60)));
    macro_rules! due {
        () => {
            wd::table
                .filter(wd::status.eq("pending"))
                .filter(wd::next_attempt_at.le(now))
                .filter(wd::locked_until.is_null().or(wd::locked_until.lt(now)))
                // a disabled endpoint's deliveries wait until it is enabled again
                .filter(wd::endpoint_id.eq_any(we::table.filter(we::enabled.eq(true)).select(we::id)))
                .order(wd::next_attempt_at.asc())
                .limit(limit)
                .select(wd::id)
        };
    }
    // leases the chosen rows and loads their endpoints
    macro_rules! take {
        ($conn:ident, $ids:expr) => {{
            let ids: Vec<i64> = $ids;
            if ids.is_empty() {
                return Ok((vec![], vec![]));
            }
            let deliveries: Vec<Delivery> = diesel::update(wd::table.filter(wd::id.eq_any(&ids)))
                .set((wd::locked_until.eq(Some(until)), wd::attempt_count.eq(wd::attempt_count + 1), wd::updated_at.eq(now)))
                .returning(Delivery::as_returning())
                .get_results($conn)
                .await?;
            let endpoint_ids: Vec<i64> = deliveries.iter().map(|d| d.endpoint_id).collect();
            let endpoints: Vec<Endpoint> =
                we::table.filter(we::id.eq_any(endpoint_ids)).select(Endpoint::as_select()).load($conn).await?;
            Ok((deliveries, endpoints))
        }};
    }
    // PostgreSQL skips rows another worker holds; SQLite has one writer
    let (deliveries, endpoints): (Vec<Delivery>, Vec<Endpoint>) = write_tx!(db,
        pg: |conn| take!(conn, due!().for_update().skip_locked().load(conn).await?),
        sqlite: |conn| take!(conn, due!().load(conn).await?)
    )?;
    let by_id: BTreeMap<(i64, i64), Endpoint> = endpoints.into_iter().map(|e| ((e.tenant_id, e.id), e)).collect();
    Ok(deliveries
        .into_iter()
        .filter_map(|d| by_id.get(&(d.tenant_id, d.endpoint_id)).cloned().map(|endpoint| Claimed { delivery: d, endpoint }))
        .collect())
}

/// Records a batch of attempts in one transaction: the attempt rows, each
/// delivery's new state (succeeded, retry at its next time, or failed), each
/// endpoint's failure clock, and — for an endpoint failing longer than the
/// policy allows — its disabling with a `webhook.endpoint_disabled` event.
pub async fn record(db: &Db, outcomes: &[AttemptOutcome], policy: &RetryPolicy, jitter: impl Fn() -> f64) -> Result<(), StoreError> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let now = Ts::now();
    // next attempt times are drawn before the transaction (no RNG inside it)
    let next: Vec<Option<Ts>> = outcomes
        .iter()
        .map(|o| {
            let wait = policy.schedule.get((o.attempt - 1).max(0) as usize)?;
            let secs = wait.as_secs_f64() * jitter();
            Some(Ts::from(now.0 + TimeDelta::microseconds((secs * 1e6) as i64)))
        })
        .collect();
    let disable_before = Ts::from(now.0 - TimeDelta::from_std(policy.disable_after).unwrap_or(TimeDelta::days(5)));
    // the rest of the transaction, the same on both backends
    macro_rules! settle {
        ($conn:ident) => {{
            let conn = $conn;
            let mut failing: BTreeMap<(i64, i64), bool> = BTreeMap::new();
            for (o, next) in outcomes.iter().zip(&next) {
                let row = wd::table.filter(wd::tenant_id.eq(o.tenant_id).and(wd::id.eq(o.delivery_id)));
                let (status, next_at) = if o.succeeded() {
                    ("succeeded", None)
                } else if next.is_some() {
                    ("pending", *next)
                } else {
                    ("failed", None)
                };
                diesel::update(row)
                    .set((
                        wd::status.eq(status),
                        wd::next_attempt_at.eq(next_at),
                        wd::locked_until.eq(None::<Ts>),
                        wd::last_status_code.eq(o.status_code),
                        wd::updated_at.eq(now),
                    ))
                    .execute(conn)
                    .await?;
                let ok = failing.entry((o.tenant_id, o.endpoint_id)).or_insert(true);
                *ok = *ok && !o.succeeded();
            }
            for ((tenant, endpoint), all_failed) in failing {
                let row = we::table.filter(we::tenant_id.eq(tenant).and(we::id.eq(endpoint)));
                if !all_failed {
                    diesel::update(row.filter(we::failing_since.is_not_null()))
                        .set(we::failing_since.eq(None::<Ts>))
                        .execute(conn)
                        .await?;
                    continue;
                }
                diesel::update(row.filter(we::failing_since.is_null())).set(we::failing_since.eq(Some(now))).execute(conn).await?;
                let disabled: Option<(String, Option<Ts>)> = diesel::update(
                    row.filter(we::enabled.eq(true)).filter(we::failing_since.lt(disable_before)),
                )
                .set((we::enabled.eq(false), we::disabled_reason.eq(Some("failing_for_days")), we::updated_at.eq(now)))
                .returning((we::url, we::failing_since))
                .get_result(conn)
                .await
                .optional()?;
                if let Some((url, since)) = disabled {
                    // what was still queued for it will not be sent
                    diesel::update(wd::table.filter(wd::tenant_id.eq(tenant).and(wd::endpoint_id.eq(endpoint)).and(wd::status.eq("pending"))))
                        .set((wd::status.eq("failed"), wd::next_attempt_at.eq(None::<Ts>), wd::updated_at.eq(now)))
                        .execute(conn)
                        .await?;
                    crate::record_event!(conn, NewEvent::new(tenant, "webhook.endpoint_disabled", json!({
                        "endpoint_id": endpoint, "url": url, "failing_since": since.map(|t| t.0), "reason": "failing_for_days",
                    })));
                }
            }
            Ok(())
        }};
    }
    // PostgreSQL takes the attempts in one multi-row insert, which
    // diesel-async's SQLite connection cannot send
    write_tx!(db,
        pg: |conn| {
            diesel::insert_into(wa::table).values(outcomes).execute(conn).await?;
            settle!(conn)
        },
        sqlite: |conn| {
            for o in outcomes {
                diesel::insert_into(wa::table).values(o).execute(conn).await?;
            }
            settle!(conn)
        }
    )
}

