//! What the runtime tells the server's metrics about each exchange. The
//! contract crate does not keep metrics itself: the server installs one
//! observer when it starts (the first stays; a process's metrics are one
//! set, shared by every server in it).

use std::sync::OnceLock;
use std::time::Duration;

/// Called once per answered request: its operation, status and latency.
pub type ExchangeObserver = fn(operation_id: &'static str, status: u16, latency: Duration);

static OBSERVER: OnceLock<ExchangeObserver> = OnceLock::new();

/// Installs the process's observer (a second call changes nothing).
pub fn observe_exchanges(observer: ExchangeObserver) {
    let _ = OBSERVER.set(observer);
}

pub(crate) fn exchanged(operation_id: &'static str, status: u16, latency: Duration) {
    if let Some(observe) = OBSERVER.get() {
        observe(operation_id, status, latency);
    }
}
