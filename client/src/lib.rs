//! The mobieusCore SDK, over the generated progenitor client.
//!
//! * [`Mobieus`] — an authenticated client; `.api()` is the generated client
//!   with every operation.
//! * [`paginate`] and the `*_all` streams — follow `next_cursor` to the end.
//! * [`retry`] — retries what is safe to retry (reads, and writes carrying an
//!   `Idempotency-Key`) on 429 (honouring `Retry-After`), 5xx and transport
//!   errors, with exponential backoff and jitter.
//! * [`Mobieus::events_stream`] — the live event stream (SSE), resumed with
//!   `Last-Event-ID` across reconnects.
//! * [`webhook`] — Standard Webhooks verification with timestamp tolerance
//!   and replay protection.

pub mod events;
pub mod paginate;
pub mod retry;
pub use mobieus_api::webhook;

use std::time::Duration;

pub use mobieus_api::client::{Client as ApiClient, Error as ApiError};
pub use mobieus_api::types;
pub use events::StreamOptions;
pub use paginate::paginate;
pub use retry::RetryPolicy;

use std::future::Future;

use futures::Stream;
use mobieus_api::client::ResponseValue;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, USER_AGENT};

pub type Error = ApiError<types::ErrorEnvelope>;

/// An authenticated client of one tenant.
#[derive(Clone)]
pub struct Mobieus {
    api: ApiClient,
    /// For the event stream: no total timeout (a stream stays open), but a
    /// read timeout well above the server's 15 s heartbeat.
    stream_api: ApiClient,
    retry: RetryPolicy,
}

impl Mobieus {
    pub fn new(base_url: &str, api_key: &str) -> Result<Self, String> {
        let mut headers = HeaderMap::new();
        let auth = HeaderValue::from_str(&format!("Bearer {api_key}")).map_err(|_| "the key has characters a header cannot carry")?;
        headers.insert(AUTHORIZATION, auth);
        headers.insert(USER_AGENT, HeaderValue::from_static(concat!("mobieus-client/", env!("CARGO_PKG_VERSION"))));
        let http = reqwest::Client::builder()
            .default_headers(headers.clone())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        let streaming = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(45))
            .build()
            .map_err(|e| e.to_string())?;
        let base = base_url.trim_end_matches('/');
        Ok(Mobieus {
            api: ApiClient::new_with_client(base, http),
            stream_api: ApiClient::new_with_client(base, streaming),
            retry: RetryPolicy::default(),
        })
    }

    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The generated client: one builder per operation.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Every item of a list operation across all pages: `fetch(cursor)` sends
    /// one page request; each page is retried per the policy.
    pub fn all<'a, P, F, Fut>(&'a self, fetch: F) -> impl Stream<Item = Result<P::Item, Error>> + 'a
    where
        P: Page + 'a,
        F: Fn(Option<String>) -> Fut + Clone + 'a,
        Fut: Future<Output = Result<ResponseValue<P>, Error>> + 'a,
    {
        paginate(move |cursor: Option<String>| {
            let fetch = fetch.clone();
            async move { retry::retry(&self.retry, || fetch(cursor.clone())).await.map(|r| r.into_inner().into_parts()) }
        })
    }

    /// New events as they are written, oldest first, resumed after the last
    /// one seen whenever the connection drops.
    pub fn events_stream(&self, options: StreamOptions) -> impl Stream<Item = Result<types::Event, Error>> + use<> {
        events::stream(self.stream_api.clone(), options)
    }

    /// Every event (optionally of one type), newest first.
    pub fn events_all(&self, event_type: Option<String>) -> impl Stream<Item = Result<types::Event, Error>> + '_ {
        self.all(move |cursor| {
            let mut req = self.api.list_events().limit(limit100());
            if let Some(c) = cursor {
                req = req.cursor(c);
            }
            if let Some(t) = event_type.clone() {
                req = req.type_(t);
            }
            req.send()
        })
    }

    /// Every user, newest first.
    pub fn users_all(&self) -> impl Stream<Item = Result<types::User, Error>> + '_ {
        self.all(move |cursor| {
            let mut req = self.api.list_users().limit(limit100());
            if let Some(c) = cursor {
                req = req.cursor(c);
            }
            req.send()
        })
    }

    /// Every post (optionally by one author), newest first.
    pub fn posts_all(&self, author: Option<i64>) -> impl Stream<Item = Result<types::Post, Error>> + '_ {
        self.all(move |cursor| {
            let mut req = self.api.list_posts().limit(limit100());
            if let Some(c) = cursor {
                req = req.cursor(c);
            }
            if let Some(a) = author {
                req = req.author(a);
            }
            req.send()
        })
    }

    /// Every helpdesk tag, in slug order.
    pub fn helpdesk_tags_all(&self) -> impl Stream<Item = Result<types::Tag, Error>> + '_ {
        self.all(move |cursor| {
            let mut req = self.api.list_helpdesk_tags().limit(limit100());
            if let Some(c) = cursor {
                req = req.cursor(c);
            }
            req.send()
        })
    }

    /// Creates a tag, safely retried under one Idempotency-Key.
    pub async fn create_helpdesk_tag(&self, body: types::TagCreate) -> Result<types::Tag, Error> {
        let key = new_idempotency_key();
        retry::retry(&self.retry, || self.api.create_helpdesk_tag().idempotency_key(key.clone()).body(body.clone()).send())
            .await
            .map(|r| r.into_inner().data)
    }
}

/// A list envelope (every list operation's has one, generated).
pub use mobieus_api::Page;

fn limit100() -> std::num::NonZeroU64 {
    std::num::NonZeroU64::new(100).expect("100 is not zero")
}

/// A fresh key for one logical write; reuse it for every retry of that write.
pub fn new_idempotency_key() -> String {
    format!("idem_{}", uuid::Uuid::new_v4().simple())
}
