//! Per-key rate limits, counted in process memory and reconciled with the
//! shared store in batches, so serving a request never costs a database
//! write, while every process of a deployment still enforces one limit per
//! key.
//!
//! Each key has a fixed minute window and a fixed hour window. For each
//! window this process knows `shared`, the store's count as of its last
//! reconcile (every process's requests, this one's included), plus what it
//! admitted since: `inflight` (being written by a reconcile now) and
//! `pending` (not yet sent). A request is admitted when `shared + inflight +
//! pending` is below the limit. Every `interval` (250 ms), the reconciler
//! adds each active key's pending count to the store and reads back the
//! total. So:
//!
//! - one process enforces the limit exactly (the store only ever holds what
//!   it sent itself);
//! - with several processes, each admits on a view of the others at most one
//!   interval old while the key is in use: a key can exceed its limit by at
//!   most what the other processes admitted for it during one interval.
//!   openapi.yaml states this tolerance.
//!
//! Refused requests are not counted: a client that keeps knocking while
//! limited does not push its own reset further away. If the store cannot be
//! reached, counts stay pending and are sent later; the process keeps
//! limiting on what it knows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::db::Db;
use crate::store::rate_limits::{rate_limits_reconcile, WindowDeltas, WindowTotals};

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 3600;

/// A key's limits: requests per minute and per hour.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_minute: i32,
    pub per_hour: i32,
}

/// The decision for one request, with the counts it was made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub admitted: bool,
    /// Requests counted in each window, this one included when admitted.
    pub minute_count: i32,
    pub hour_count: i32,
}

#[derive(Debug, Clone, Copy, Default)]
struct Window {
    /// Unix seconds at which the window began.
    start: i64,
    shared: i32,
    inflight: i32,
    pending: i32,
}

impl Window {
    fn count(&self) -> i32 {
        self.shared + self.inflight + self.pending
    }

    /// Moves to the window `now` falls in; a new window starts from zero.
    fn roll(&mut self, now: i64, length: i64) {
        let start = now - now.rem_euclid(length);
        if start != self.start {
            *self = Window { start, ..Window::default() };
        }
    }

    /// Takes in what the store holds for `start` after a reconcile; totals
    /// of a window this process has already left are of no use.
    fn settle(&mut self, start: i64, total: i32) {
        if self.start == start {
            self.shared = total;
            self.inflight = 0;
        } else if self.start < start {
            // another process's clock is in a later window already: trust the store
            *self = Window { start, shared: total, ..Window::default() };
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct KeyCounts {
    tenant_id: i64,
    minute: Window,
    hour: Window,
}

pub struct RateLimiter {
    keys: Mutex<HashMap<i64, KeyCounts>>,
    interval: Duration,
}

impl RateLimiter {
    pub fn new(interval: Duration) -> Self {
        RateLimiter { keys: Mutex::new(HashMap::new()), interval }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Decides one request of `key_id` at `now` (Unix seconds) and counts it
    /// if admitted. Memory only.
    pub fn hit(&self, tenant_id: i64, key_id: i64, limits: Limits, now: i64) -> Verdict {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let k = keys.entry(key_id).or_insert(KeyCounts { tenant_id, minute: Window::default(), hour: Window::default() });
        k.minute.roll(now, MINUTE);
        k.hour.roll(now, HOUR);
        let admitted = k.minute.count() < limits.per_minute && k.hour.count() < limits.per_hour;
        if admitted {
            k.minute.pending += 1;
            k.hour.pending += 1;
        }
        Verdict { admitted, minute_count: k.minute.count(), hour_count: k.hour.count() }
    }

    /// Sends every key's pending counts to the store and takes in the
    /// totals, in one transaction. Keys whose windows have both ended are
    /// forgotten. On failure the counts stay pending for the next round.
    pub async fn reconcile(&self, db: &Db, now: i64) -> Result<usize, crate::db::StoreError> {
        let batch: Vec<WindowDeltas> = {
            let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
            keys.retain(|_, k| {
                k.minute.roll(now, MINUTE);
                k.hour.roll(now, HOUR);
                k.hour.count() > 0
            });
            keys.iter_mut()
                .filter(|(_, k)| k.minute.pending > 0 || k.hour.pending > 0)
                .map(|(key_id, k)| {
                    let deltas = WindowDeltas {
                        tenant_id: k.tenant_id,
                        key_id: *key_id,
                        minute_start: k.minute.start,
                        minute_delta: k.minute.pending,
                        hour_start: k.hour.start,
                        hour_delta: k.hour.pending,
                    };
                    for w in [&mut k.minute, &mut k.hour] {
                        w.inflight += w.pending;
                        w.pending = 0;
                    }
                    deltas
                })
                .collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let result = rate_limits_reconcile(db, &batch).await;
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(totals) => {
                for (sent, total) in batch.iter().zip(&totals) {
                    if let Some(k) = keys.get_mut(&sent.key_id) {
                        settle(k, sent, total);
                    }
                }
                Ok(batch.len())
            }
            Err(e) => {
                // what was in flight goes back to pending, for the next round
                for sent in &batch {
                    if let Some(k) = keys.get_mut(&sent.key_id) {
                        for (w, start) in [(&mut k.minute, sent.minute_start), (&mut k.hour, sent.hour_start)] {
                            if w.start == start {
                                w.pending += w.inflight;
                                w.inflight = 0;
                            }
                        }
                    }
                }
                Err(e)
            }
        }
    }

    /// Reconciles every `interval` until `stop`, then once more, so a
    /// graceful stop hands its last counts to the processes that remain.
    pub async fn run(&self, db: Db, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(self.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let stopping = tokio::select! {
                _ = tick.tick() => false,
                r = stop.changed() => r.is_err() || *stop.borrow(),
            };
            if let Err(e) = self.reconcile(&db, chrono::Utc::now().timestamp()).await {
                tracing::warn!(error = %e, "rate-limit reconcile failed; counts kept for the next round");
            }
            if stopping {
                return;
            }
        }
    }
}

fn settle(k: &mut KeyCounts, sent: &WindowDeltas, total: &WindowTotals) {
    if total.minute_start == sent.minute_start || total.minute_start > k.minute.start {
        k.minute.settle(total.minute_start, total.minute_count);
    }
    if total.hour_start == sent.hour_start || total.hour_start > k.hour.start {
        k.hour.settle(total.hour_start, total.hour_count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { per_minute: 3, per_hour: 5 };

    #[test]
    fn admits_up_to_the_limit_and_does_not_count_refusals() {
        let rl = RateLimiter::new(Duration::from_millis(250));
        let t = 120; // the start of a minute
        let admitted: Vec<bool> = (0..5).map(|_| rl.hit(1, 9, LIMITS, t).admitted).collect();
        assert_eq!(admitted, [true, true, true, false, false]);
        assert_eq!(rl.hit(1, 9, LIMITS, t + 1), Verdict { admitted: false, minute_count: 3, hour_count: 3 });
        // the next minute: two more, then the hour is spent
        let admitted: Vec<bool> = (0..3).map(|_| rl.hit(1, 9, LIMITS, t + 60).admitted).collect();
        assert_eq!(admitted, [true, true, false]);
        assert_eq!(rl.hit(1, 9, LIMITS, t + 60), Verdict { admitted: false, minute_count: 2, hour_count: 5 });
        // another key is counted apart
        assert!(rl.hit(1, 10, LIMITS, t).admitted);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn two_limiters_on_one_store_share_the_count_after_a_reconcile() {
        let db = Db::connect(&crate::testkit::fresh_sqlite(), 2).await.unwrap();
        let tenant = crate::store::tenants::tenant_create(&db, "t", "t", "pro").await.unwrap().id;
        let (a, b) = (RateLimiter::new(Duration::from_millis(250)), RateLimiter::new(Duration::from_millis(250)));
        let limits = Limits { per_minute: 10, per_hour: 100 };
        let t = 600;
        for _ in 0..4 {
            assert!(a.hit(tenant, 1, limits, t).admitted);
        }
        for _ in 0..3 {
            assert!(b.hit(tenant, 1, limits, t).admitted);
        }
        assert_eq!(a.reconcile(&db, t).await.unwrap(), 1);
        assert_eq!(b.reconcile(&db, t).await.unwrap(), 1);
        // a learns of b's three at its next reconcile, with nothing of its own to send
        a.hit(tenant, 1, limits, t);
        a.reconcile(&db, t).await.unwrap();
        assert_eq!(a.hit(tenant, 1, limits, t).minute_count, 4 + 3 + 1 + 1);
        assert_eq!(b.hit(tenant, 1, limits, t).minute_count, 4 + 3 + 1);
        // a new window starts from zero, whatever the store held for the old one
        assert_eq!(a.hit(tenant, 1, limits, t + 60).minute_count, 1);
        a.reconcile(&db, t + 60).await.unwrap();
        assert_eq!(a.hit(tenant, 1, limits, t + 61).minute_count, 2);
    }
}
