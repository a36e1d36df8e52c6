//! Prometheus metrics, served on their own address (`serve
//! --metrics-bind`), never on the API's: request counts and latency by
//! operation and status, the database pools, the webhook outbox and its
//! delivery outcomes, rate-limit refusals and AI calls by outcome.
//!
//! Counts live in this process (each process is scraped on its own, as
//! Prometheus expects); the outbox depth is read from the shared database
//! at scrape time, a read, never a write.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use dropshot::{endpoint, ApiDescription, Body, ConfigDropshot, HttpError, RequestContext, ServerBuilder};
use http::Response;

use crate::db::Db;

/// Latency buckets (seconds): 1 ms to 10 s.
const BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    /// Per bucket, not cumulative (made cumulative when rendered).
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
struct Counts {
    requests: BTreeMap<(&'static str, u16), Series>,
    rate_limited: u64,
    deliveries: BTreeMap<&'static str, u64>,
    ai_calls: BTreeMap<(String, String), u64>,
}

static COUNTS: LazyLock<Mutex<Counts>> = LazyLock::new(Mutex::default);

fn counts() -> std::sync::MutexGuard<'static, Counts> {
    // a panic while holding the lock leaves plain numbers, still usable
    COUNTS.lock().unwrap_or_else(|p| p.into_inner())
}

/// The exchange observer the server installs (`support::observe_exchanges`).
pub fn exchange(operation_id: &'static str, status: u16, latency: Duration) {
    let seconds = latency.as_secs_f64();
    let mut c = counts();
    if status == 429 {
        c.rate_limited += 1;
    }
    let s = c.requests.entry((operation_id, status)).or_default();
    s.count += 1;
    s.sum += seconds;
    if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
        s.buckets[i] += 1;
    }
}

/// A webhook attempt's outcome: `delivered` (2xx), `rejected` (another
/// status), `failed` (no answer: network, timeout, refused address).
pub fn webhook_attempt(status_code: Option<i32>) {
    let outcome = match status_code {
        Some(s) if (200..300).contains(&s) => "delivered",
        Some(_) => "rejected",
        None => "failed",
    };
    *counts().deliveries.entry(outcome).or_default() += 1;
}

/// An AI hook's call, by its logged outcome (`ok`, `no_key`, `rate_limited`, …).
pub fn ai_call(hook: &str, outcome: &str) {
    *counts().ai_calls.entry((hook.to_owned(), outcome.to_owned())).or_default() += 1;
}

/// A label value as the exposition format wants it.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// The text exposition (format 0.0.4) of everything, the outbox depth read
/// from `db`.
pub async fn render(db: &Db) -> String {
    let mut out = String::with_capacity(16 * 1024);
    {
        let c = counts();
        head(&mut out, "mobieus_http_requests_total", "counter", "Requests answered, by operation and status.");
        for ((op, status), s) in &c.requests {
            let _ = writeln!(out, "mobieus_http_requests_total{{operation_id=\"{op}\",status=\"{status}\"}} {}", s.count);
        }
        head(&mut out, "mobieus_http_request_duration_seconds", "histogram", "Time to answer, by operation and status.");
        for ((op, status), s) in &c.requests {
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                cumulative += n;
                let _ = writeln!(out, "mobieus_http_request_duration_seconds_bucket{{operation_id=\"{op}\",status=\"{status}\",le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "mobieus_http_request_duration_seconds_bucket{{operation_id=\"{op}\",status=\"{status}\",le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "mobieus_http_request_duration_seconds_sum{{operation_id=\"{op}\",status=\"{status}\"}} {}", s.sum);
            let _ = writeln!(out, "mobieus_http_request_duration_seconds_count{{operation_id=\"{op}\",status=\"{status}\"}} {}", s.count);
        }
        head(&mut out, "mobieus_rate_limit_refusals_total", "counter", "Requests refused 429 rate_limited.");
        let _ = writeln!(out, "mobieus_rate_limit_refusals_total {}", c.rate_limited);
        head(&mut out, "mobieus_webhook_attempts_total", "counter", "Webhook delivery attempts by outcome (delivered: 2xx; rejected: another status; failed: no answer).");
        for outcome in ["delivered", "rejected", "failed"] {
            let _ = writeln!(out, "mobieus_webhook_attempts_total{{outcome=\"{outcome}\"}} {}", c.deliveries.get(outcome).copied().unwrap_or(0));
        }
        head(&mut out, "mobieus_ai_calls_total", "counter", "mobieusAI hook calls by hook and outcome.");
        for ((hook, outcome), n) in &c.ai_calls {
            let _ = writeln!(out, "mobieus_ai_calls_total{{hook=\"{}\",outcome=\"{}\"}} {n}", label(hook), label(outcome));
        }
    }
    head(&mut out, "mobieus_db_pool_connections", "gauge", "Database connections by pool and state (in_use, idle; max is the pool's size).");
    for p in db.pool_states() {
        for (state, n) in [("in_use", p.open.saturating_sub(p.idle)), ("idle", p.idle), ("max", p.size)] {
            let _ = writeln!(out, "mobieus_db_pool_connections{{pool=\"{}\",state=\"{state}\"}} {n}", p.pool);
        }
    }
    head(&mut out, "mobieus_webhook_outbox_pending", "gauge", "Webhook deliveries waiting to be sent (every tenant; -1 when the database does not answer).");
    let depth = match tokio::time::timeout(Duration::from_secs(2), crate::store::webhook_outbox::pending_count(db)).await {
        Ok(Ok(n)) => n,
        _ => -1,
    };
    let _ = writeln!(out, "mobieus_webhook_outbox_pending {depth}");
    head(&mut out, "mobieus_up", "gauge", "1: this process serves.");
    out.push_str("mobieus_up 1\n");
    out
}

#[endpoint { method = GET, path = "/metrics" }]
async fn get_metrics(rqctx: RequestContext<Db>) -> Result<Response<Body>, HttpError> {
    let text = render(rqctx.context()).await;
    Response::builder()
        .header(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(Body::from(text))
        .map_err(|e| HttpError::for_internal_error(e.to_string()))
}

pub type MetricsServer = dropshot::HttpServer<Db>;

/// Serves `GET /metrics` on `bind` (keep it off the public network: it
/// names every operation's traffic).
pub fn serve(bind: std::net::SocketAddr, db: Db) -> Result<MetricsServer, String> {
    let mut api = ApiDescription::new();
    api.register(get_metrics).map_err(|e| e.to_string())?;
    let log = slog::Logger::root(slog::Discard, slog::o!());
    let config = ConfigDropshot { bind_address: bind, ..Default::default() };
    ServerBuilder::new(api, db, log).config(config).start().map_err(|e| e.to_string())
}

/// For tests: the metrics server's base URL.
pub fn base_url(server: &MetricsServer) -> String {
    format!("http://{}", server.local_addr())
}
