//! Retrying safely: only what the server can see twice without harm (reads,
//! and writes that carry an Idempotency-Key) should go through here.

use std::future::Future;
use std::time::Duration;

use mobieus_api::client::{Error, ResponseValue};
use mobieus_api::types::ErrorEnvelope;
use rand::Rng;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 4, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(20) }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Default::default() }
    }

    /// Exponential backoff with full jitter for attempt `n` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.min(16).saturating_sub(1));
        let cap = exp.min(self.max_delay);
        let millis = cap.as_millis().max(1) as u64;
        Duration::from_millis(rand::rng().random_range(millis / 2..=millis))
    }
}

/// Whether an answer is worth another try: rate limited, a server failure,
/// or the same Idempotency-Key still in flight (`code`, the error's code).
pub fn retryable_status(status: u16, code: Option<&str>) -> bool {
    status == 429 || status >= 500 || (status == 409 && code == Some("idempotency_key_in_progress"))
}

/// The answer's `Retry-After` (in seconds), if it says.
pub fn hinted_wait(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs)
}

/// How long to wait before retrying this failure, or None if it must not be
/// retried (4xx other than 429 and 409 in-progress, decode errors...).
pub fn retry_after(error: &Error<ErrorEnvelope>) -> Option<Option<Duration>> {
    match error {
        Error::ErrorResponse(r) => retryable_status(r.status().as_u16(), Some(r.error.code.as_str())).then(|| hinted_wait(r.headers())),
        Error::CommunicationError(_) => Some(None),
        Error::UnexpectedResponse(r) if r.status().is_server_error() => Some(None),
        _ => None,
    }
}

pub async fn retry<T, F, Fut>(policy: &RetryPolicy, mut op: F) -> Result<ResponseValue<T>, Error<ErrorEnvelope>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, Error<ErrorEnvelope>>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let Some(hint) = retry_after(&e) else { return Err(e) };
                if attempt >= policy.max_attempts {
                    return Err(e);
                }
                let wait = hint.map(|h| h.min(policy.max_delay)).unwrap_or_else(|| policy.backoff(attempt));
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy { max_attempts: 10, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        for attempt in 1..10 {
            let d = p.backoff(attempt);
            let ceiling = Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(1));
            assert!(d <= ceiling && d >= ceiling / 2, "attempt {attempt}: {d:?}");
        }
    }
}
