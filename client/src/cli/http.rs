//! Sending one request as the CLI does: authenticated, retried when it is
//! safe (reads, and writes under an Idempotency-Key) on 429 (after
//! `Retry-After`), 5xx, an idempotency key still in progress and connection
//! errors, with backoff and jitter; and the error classes behind the exit
//! codes.

use std::time::Duration;

use mobieus_client::retry::{hinted_wait, retryable_status};
use mobieus_client::RetryPolicy;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

/// Why a command failed, and its exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad flags or input (exit 2).
    Usage(String),
    /// The API refused (exit by status class).
    Api { status: u16, code: String, message: String, request_id: String },
    /// No answer (exit 7, as a server failure).
    Transport(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Api { status, .. } => match status {
                401 | 403 => 3,
                404 | 405 | 410 => 4,
                429 => 6,
                s if *s >= 500 => 7,
                _ => 5,
            },
            Failure::Transport(_) => 7,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(m) => write!(f, "usage: {m}"),
            Failure::Api { code, message, request_id, .. } if request_id.is_empty() => write!(f, "{code}: {message}"),
            Failure::Api { code, message, request_id, .. } => write!(f, "{code}: {message} ({request_id})"),
            Failure::Transport(m) => write!(f, "connection: {m}"),
        }
    }
}

/// A request, built.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: reqwest::Method,
    /// The path with its variables filled in, and the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<(Vec<u8>, String)>,
    /// Safe to send twice.
    pub retryable: bool,
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: bytes::Bytes,
}

impl Answer {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.bytes).ok()
    }
}

pub struct Connection {
    pub base: String,
    pub key: Option<String>,
    pub http: reqwest::Client,
    pub retry: RetryPolicy,
}

impl Connection {
    pub fn new(base: &str, key: Option<String>, retries: bool) -> Result<Self, Failure> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("mobieus-cli/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| Failure::Transport(e.to_string()))?;
        let retry = if retries { RetryPolicy::default() } else { RetryPolicy::none() };
        Ok(Connection { base: base.trim_end_matches('/').to_owned(), key, http, retry })
    }

    pub async fn send(&self, r: &Request) -> Result<Answer, Failure> {
        let attempts = if r.retryable { self.retry.max_attempts.max(1) } else { 1 };
        let mut attempt = 1;
        loop {
            let outcome = self.once(r).await;
            let wait = match &outcome {
                Ok(a) => {
                    let code = if a.status == 409 { a.json().and_then(|b| b["error"]["code"].as_str().map(str::to_owned)) } else { None };
                    retryable_status(a.status, code.as_deref()).then(|| hinted_wait(&a.headers))
                }
                Err(_) => Some(None),
            };
            match wait {
                Some(hint) if attempt < attempts => {
                    tokio::time::sleep(hint.unwrap_or_else(|| self.retry.backoff(attempt)).min(self.retry.max_delay)).await;
                    attempt += 1;
                }
                _ => return outcome,
            }
        }
    }

    async fn once(&self, r: &Request) -> Result<Answer, Failure> {
        let url = format!("{}{}", self.base, r.path);
        let mut rb = self.http.request(r.method.clone(), &url);
        if !r.query.is_empty() {
            rb = rb.query(&r.query);
        }
        if let Some(k) = &self.key {
            rb = rb.bearer_auth(k);
        }
        for (name, value) in &r.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Failure::Usage(format!("`{name}` is no header name")))?;
            let value = HeaderValue::from_str(value).map_err(|_| Failure::Usage(format!("the value of {name} cannot be sent in a header")))?;
            rb = rb.header(name, value);
        }
        if let Some((bytes, media)) = &r.body {
            rb = rb.header(reqwest::header::CONTENT_TYPE, media.as_str()).body(bytes.clone());
        }
        let response = rb.send().await.map_err(|e| Failure::Transport(e.without_url().to_string()))?;
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        let bytes = response.bytes().await.map_err(|e| Failure::Transport(e.without_url().to_string()))?;
        Ok(Answer { status, headers, bytes })
    }
}

/// A non-2xx answer as a failure, read from whichever error shape it has
/// (the envelope, SCIM's, or a plain body).
pub fn failure(a: &Answer) -> Failure {
    let body = a.json().unwrap_or(Value::Null);
    let request_id = body["request_id"].as_str().map(str::to_owned).or_else(|| a.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(|v| format!("req_{v}"))).unwrap_or_default();
    let (code, message) = if body["error"].is_object() {
        (body["error"]["code"].as_str().unwrap_or("error").to_owned(), body["error"]["message"].as_str().unwrap_or_default().to_owned())
    } else if let Some(detail) = body["detail"].as_str() {
        (body["scimType"].as_str().unwrap_or("scim_error").to_owned(), detail.to_owned())
    } else if let Some(code) = body["error_code"].as_str() {
        (code.to_owned(), body["message"].as_str().unwrap_or_default().to_owned())
    } else {
        (format!("http_{}", a.status), String::from_utf8_lossy(&a.bytes).chars().take(300).collect())
    };
    Failure::Api { status: a.status, code, message, request_id }
}
