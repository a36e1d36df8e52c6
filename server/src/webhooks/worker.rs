//! The delivery worker: claims due deliveries from the outbox, sends each
//! signed attempt (Standard Webhooks), and records the outcomes. It runs in
//! every server process; the claim's lease keeps processes from sending the
//! same attempt twice.

use std::time::{Duration, Instant};

use futures::StreamExt;
use mobieus_api::webhook::sign;
use rand::Rng;

use crate::db::{Db, Ts};
use crate::db::commits::delivery_queued;
use crate::secrets::Keyring;
use crate::store::webhook_outbox::{claim, record, AttemptOutcome, Claimed, RetryPolicy};
use crate::webhooks::guard::{literal_host_allowed, PublicOnlyResolver};

/// Bytes of a response body kept with an attempt.
pub const EXCERPT_BYTES: usize = 1024;

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Worker tasks in this process (0: this process delivers nothing).
    pub workers: usize,
    pub policy: RetryPolicy,
    /// Per attempt: connect, send and read the response excerpt.
    pub timeout: Duration,
    /// Deliveries claimed at once, and how many of them are in flight.
    pub batch: i64,
    pub concurrency: usize,
    /// How often an idle worker looks for work other processes queued.
    pub poll_interval: Duration,
    /// How long a claim is exclusive; longer than `timeout`.
    pub lease: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            workers: 1,
            policy: RetryPolicy::default(),
            timeout: Duration::from_secs(10),
            batch: 200,
            concurrency: 64,
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(60),
        }
    }
}

/// Starts the workers; they stop when `stop` is dropped or set.
pub fn spawn_workers(db: Db, settings: WebhookSettings, allow_private: bool, secrets: Keyring, stop: tokio::sync::watch::Receiver<bool>) {
    for _ in 0..settings.workers {
        let (db, settings, stop, secrets) = (db.clone(), settings.clone(), stop.clone(), secrets.clone());
        tokio::spawn(async move {
            match Sender::new(&settings, allow_private, secrets) {
                Ok(sender) => run(db, settings, sender, stop).await,
                Err(e) => tracing::error!(error = %e, "webhook worker could not start"),
            }
        });
    }
}

async fn run(db: Db, settings: WebhookSettings, sender: Sender, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        // set, or its sender dropped with the server's context
        if *stop.borrow() || stop.has_changed().is_err() {
            return;
        }
        // armed before the claim, so a delivery queued while it runs is not missed
        let woken = delivery_queued();
        let claimed = match claim(&db, settings.batch, settings.lease).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "webhook claim failed");
                vec![]
            }
        };
        if claimed.is_empty() {
            tokio::select! {
                _ = woken => {}
                _ = tokio::time::sleep(settings.poll_interval) => {}
                r = stop.changed() => if r.is_err() { return },
            }
            continue;
        }
        let outcomes: Vec<AttemptOutcome> = futures::stream::iter(claimed)
            .map(|c| sender.attempt(c))
            .buffer_unordered(settings.concurrency.max(1))
            .collect()
            .await;
        for o in &outcomes {
            crate::metrics::webhook_attempt(o.status_code);
            tracing::info!(
                delivery_id = o.delivery_id, tenant_id = o.tenant_id, attempt = o.attempt,
                status = o.status_code, error = o.error.as_deref(), latency_ms = o.latency_ms,
                "webhook attempt"
            );
        }
        // the rows stay leased if recording fails; they are retried when the
        // lease ends (at least once)
        if let Err(e) = record(&db, &outcomes, &settings.policy, || rand::rng().random_range(0.8..1.2)).await {
            tracing::error!(error = %e, "webhook outcomes not recorded");
        }
    }
}

/// Sends attempts: no redirects, no proxies, public addresses only (unless
/// allowed), a bounded time and a bounded response excerpt.
struct Sender {
    client: reqwest::Client,
    allow_private: bool,
    /// Opens the endpoints' sealed signing secrets.
    secrets: Keyring,
}

impl Sender {
    fn new(settings: &WebhookSettings, allow_private: bool, secrets: Keyring) -> Result<Self, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("mobieus-webhooks/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(settings.concurrency.max(1));
        if !allow_private {
            builder = builder.dns_resolver(PublicOnlyResolver);
        }
        Ok(Sender { client: builder.build()?, allow_private, secrets })
    }

    async fn attempt(&self, c: Claimed) -> AttemptOutcome {
        let Claimed { delivery, endpoint } = c;
        let now = chrono::Utc::now();
        let timestamp = now.timestamp();
        let id = delivery.webhook_id();
        // a secret this server cannot open (started without the master key
        // that sealed it) fails the attempt, to be retried on schedule
        let opened = endpoint.signing_secrets(now, &self.secrets);
        let signature = opened
            .iter()
            .flatten()
            .filter_map(|s| sign(s, &id, timestamp, delivery.body.as_bytes()).ok())
            .collect::<Vec<_>>()
            .join(" ");
        let mut outcome = AttemptOutcome {
            tenant_id: delivery.tenant_id,
            delivery_id: delivery.id,
            endpoint_id: delivery.endpoint_id,
            attempt: delivery.attempt_count,
            webhook_timestamp: timestamp,
            signature: signature.clone(),
            status_code: None,
            error: None,
            latency_ms: 0,
            response_excerpt: None,
            sent_at: Ts::from(now),
        };
        if let Err(e) = opened {
            tracing::error!(endpoint_id = endpoint.id, tenant_id = endpoint.tenant_id, error = %e, "a webhook signing secret cannot be opened");
            outcome.error = Some("secret_unavailable".into());
            return outcome;
        }
        let url = match reqwest::Url::parse(&endpoint.url) {
            Ok(u) if self.allow_private || (u.scheme() == "https" && literal_host_allowed(&u)) => u,
            Ok(_) => {
                outcome.error = Some("blocked_address".into());
                return outcome;
            }
            Err(_) => {
                outcome.error = Some("invalid_url".into());
                return outcome;
            }
        };
        let started = Instant::now();
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", &signature)
            .body(delivery.body)
            .send()
            .await;
        match sent {
            Ok(mut response) => {
                outcome.status_code = Some(response.status().as_u16() as i32);
                let mut excerpt = Vec::new();
                while excerpt.len() < EXCERPT_BYTES {
                    match response.chunk().await {
                        Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk[..chunk.len().min(EXCERPT_BYTES - excerpt.len())]),
                        _ => break,
                    }
                }
                outcome.response_excerpt = Some(String::from_utf8_lossy(&excerpt).into_owned());
            }
            Err(e) => outcome.error = Some(describe(&e)),
        }
        outcome.latency_ms = started.elapsed().as_millis() as i64;
        outcome
    }
}

/// A short, stable reason for an attempt that got no response.
fn describe(e: &reqwest::Error) -> String {
    let text = format!("{e:?}");
    if text.contains("blocked_address") {
        "blocked_address".into()
    } else if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else {
        "request".into()
    }
}
