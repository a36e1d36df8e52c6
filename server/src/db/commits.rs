//! What committed write transactions announce to the tasks that wait on
//! them: event streams wait for their tenant's new events, delivery workers
//! for newly queued deliveries.
//!
//! A transaction notes what it wrote while it runs (`record_event!` calls
//! [`wrote_event`] and, when it fans out, [`queued_delivery`]); `write_tx!`
//! announces the notes after the commit, and only then — a reader woken
//! before the commit would look, find nothing, and sleep until its poll. A
//! transaction that wrote nothing anyone waits for (a delivery claim that
//! found nothing due) wakes nobody: before this, every empty claim woke the
//! worker that made it, which claimed again at once, forever.
//!
//! Per process: other processes' commits are found by polling.

use std::cell::RefCell;
use std::future::Future;
use std::sync::LazyLock;

use tokio::sync::{broadcast, Notify};

/// What one transaction wrote that others wait for.
#[derive(Debug, Default)]
struct Written {
    /// Tenants that got new events (usually one).
    event_tenants: Vec<i64>,
    delivery: bool,
}

tokio::task_local! {
    static WRITTEN: RefCell<Written>;
}

/// Tenant ids of committed event-writing transactions. Receivers that fall
/// behind get `Lagged` and simply look again.
static EVENTS: LazyLock<broadcast::Sender<i64>> = LazyLock::new(|| broadcast::channel(1024).0);

static DELIVERIES: Notify = Notify::const_new();

/// Notes, inside a write transaction, that it wrote an event of `tenant_id`.
pub fn wrote_event(tenant_id: i64) {
    let _ = WRITTEN.try_with(|w| {
        let mut w = w.borrow_mut();
        if !w.event_tenants.contains(&tenant_id) {
            w.event_tenants.push(tenant_id);
        }
    });
}

/// Notes, inside a write transaction, that it queued a webhook delivery (or
/// made queued ones deliverable).
pub fn queued_delivery() {
    let _ = WRITTEN.try_with(|w| w.borrow_mut().delivery = true);
}

/// Runs a write transaction and, if it committed, announces what it wrote.
pub async fn announced<T, E>(tx: impl Future<Output = Result<T, E>>) -> Result<T, E> {
    let (result, written) = WRITTEN
        .scope(RefCell::new(Written::default()), async {
            let result = tx.await;
            (result, WRITTEN.with(|w| std::mem::take(&mut *w.borrow_mut())))
        })
        .await;
    if result.is_ok() {
        for tenant in written.event_tenants {
            // no receiver is not an error: nobody is streaming
            let _ = EVENTS.send(tenant);
        }
        if written.delivery {
            DELIVERIES.notify_waiters();
        }
    }
    result
}

/// Subscribe before looking, so a commit between the look and the wait is
/// not missed.
pub struct EventWaiter {
    tenant_id: i64,
    rx: broadcast::Receiver<i64>,
}

impl EventWaiter {
    pub fn new(tenant_id: i64) -> Self {
        EventWaiter { tenant_id, rx: EVENTS.subscribe() }
    }

    /// Returns once a transaction that wrote an event of this tenant has
    /// committed since the last return (or since `new`).
    pub async fn committed(&mut self) {
        loop {
            match self.rx.recv().await {
                Ok(t) if t == self.tenant_id => return,
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }
}

/// A future that completes when a delivery is queued after this call;
/// create it before looking for work.
pub fn delivery_queued() -> tokio::sync::futures::Notified<'static> {
    DELIVERIES.notified()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    // far from the ids other tests' databases hand out
    const T: i64 = i64::MAX - 7;

    #[tokio::test]
    async fn only_committed_writes_of_interest_wake() {
        let mut waiter = EventWaiter::new(T);
        // a transaction that wrote nothing of interest, one that failed, and
        // one of another tenant: none wakes tenant T's stream
        announced(async { Ok::<_, ()>(()) }).await.unwrap();
        announced(async {
            wrote_event(T);
            Err::<(), _>(())
        })
        .await
        .unwrap_err();
        announced(async {
            wrote_event(T + 1);
            Ok::<_, ()>(())
        })
        .await
        .unwrap();
        assert!(tokio::time::timeout(Duration::from_millis(50), waiter.committed()).await.is_err());
        announced(async {
            wrote_event(T);
            Ok::<_, ()>(())
        })
        .await
        .unwrap();
        tokio::time::timeout(Duration::from_secs(1), waiter.committed()).await.expect("woken by the commit");

        let queued = delivery_queued();
        announced(async { Ok::<_, ()>(()) }).await.unwrap();
        let mut queued = Box::pin(queued);
        assert!(tokio::time::timeout(Duration::from_millis(50), &mut queued).await.is_err());
        announced(async {
            queued_delivery();
            Ok::<_, ()>(())
        })
        .await
        .unwrap();
        tokio::time::timeout(Duration::from_secs(1), queued).await.expect("woken by the queued delivery");
    }
}
