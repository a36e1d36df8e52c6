//! The running server: its shared context and how it starts and stops.

use std::sync::Arc;

use dropshot::{ConfigDropshot, HandlerTaskMode, HttpError, ServerBuilder, VersionPolicy};
use mobieus_api::server::{find_route, mobieus_api_mod, MobieusApi};
use mobieus_api::support::{ApiError, Cors};

use crate::config::ServerConfig;
use crate::cursor::CursorCodec;
use crate::db::{Db, StoreError};
use crate::gate::{ApiKeys, KeyCache, ScimTokens};
use crate::rate_limit::RateLimiter;
use crate::store::secrets::{secret_get_or_create, server_secret_context, CURSOR_KEY};

/// Shared by every request. What processes share (rate-limit counts,
/// idempotency, the cursor key) lives in the database; this process's own
/// rate-limit counts are reconciled with it in batches.
pub struct AppContext {
    pub db: Db,
    pub config: Arc<ServerConfig>,
    pub keys: ApiKeys,
    pub scim_tokens: ScimTokens,
    pub limiter: Arc<RateLimiter>,
    pub cursors: CursorCodec,
    /// mobieusAI's HTTP client, timeout and master key.
    pub ai: crate::ai::AiRuntime,
    /// Set by `shutdown`: event streams end and delivery workers stop (they
    /// also stop when it is dropped with the server).
    stop: tokio::sync::watch::Sender<bool>,
}

impl AppContext {
    pub async fn new(config: ServerConfig) -> Result<Self, StoreError> {
        let db = Db::connect(&config.database_url, config.max_connections).await?;
        Self::with_db(config, db).await
    }

    pub async fn with_db(config: ServerConfig, db: Db) -> Result<Self, StoreError> {
        use rand::distr::{Alphanumeric, SampleString};
        let fresh = Alphanumeric.sample_string(&mut rand::rng(), 48);
        // sealed at rest like every secret; a key sealed by a master key this
        // process was not given stops it here rather than sign cursors no
        // other process accepts
        let context = server_secret_context(CURSOR_KEY);
        let stored = secret_get_or_create(&db, CURSOR_KEY, config.secrets.seal_if_keyed(&fresh, &context)).await?;
        let cursor_key = config
            .secrets
            .open(&stored, &context)
            .map_err(|e| StoreError::Refused(format!("the cursor signing key cannot be opened: {e}")))?;
        Ok(AppContext {
            keys: KeyCache::new(config.key_cache_ttl),
            scim_tokens: KeyCache::new(config.key_cache_ttl),
            limiter: Arc::new(RateLimiter::new(config.rate_limit_reconcile)),
            cursors: CursorCodec::new(cursor_key.as_bytes()),
            ai: crate::ai::AiRuntime::new(&config.ai, config.secrets.clone()),
            stop: tokio::sync::watch::channel(false).0,
            config: Arc::new(config),
            db,
        })
    }
}

impl AppContext {
    /// Whether the server is shutting down, for long-running work (event
    /// streams) to end in time.
    pub fn stopping(&self) -> tokio::sync::watch::Receiver<bool> {
        self.stop.subscribe()
    }
}

/// Stops a server gracefully: open event streams end first (a graceful close
/// waits for every response to finish, and a stream never would), delivery
/// workers stop claiming, in-flight requests complete, and the rate-limit
/// counts still in memory go to the shared store for the processes that
/// remain.
pub async fn shutdown(server: Running) -> Result<(), String> {
    let ctx = server.app_private();
    let _ = ctx.stop.send(true);
    let (limiter, db) = (ctx.limiter.clone(), ctx.db.clone());
    server.close().await?;
    limiter.reconcile(&db, chrono::Utc::now().timestamp()).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// The implementation type of the generated API trait: every endpoint is a
/// generated default method that calls the `*Service` traits on
/// `AppContext`.
pub enum ServerImpl {}

impl MobieusApi for ServerImpl {
    type Context = AppContext;
}

/// dropshot answers a path that matches no route itself, in its own body
/// shape and without CORS headers. Every request passes through the version
/// policy before routing, so unknown paths are answered here instead: the
/// code `route_not_found`, with CORS headers (the body shape stays dropshot's).
#[derive(Debug)]
struct DocumentedRoutesOnly;

impl dropshot::DynamicVersionPolicy for DocumentedRoutesOnly {
    fn request_extract_version(
        &self,
        request: &http::Request<dropshot::Body>,
        _log: &slog::Logger,
    ) -> Result<semver::Version, HttpError> {
        if find_route(request.uri().path()).is_some() {
            return Ok(semver::Version::new(1, 7, 0));
        }
        let e = ApiError::route_not_found();
        let mut error = HttpError::for_not_found(Some(e.code.clone()), e.message.clone());
        error.external_message = e.message;
        let mut headers = http::HeaderMap::new();
        Cors::Any.apply(request.headers(), &mut headers);
        for (k, v) in headers.iter() {
            error.add_header(k.clone(), v.clone()).ok();
        }
        Err(error)
    }
}

pub type Running = dropshot::HttpServer<AppContext>;

/// dropshot's own log records, as `tracing` events (our log lines carry the
/// request id; dropshot's per-request records would repeat them). Only
/// warnings and worse are kept, decided here, synchronously: dropshot's
/// stock logger sends every record, debug included, through a channel to a
/// logging thread that only then filters it — a wake-up per request.
struct DropshotToTracing;

impl slog::Drain for DropshotToTracing {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &slog::Record<'_>, _: &slog::OwnedKVList) -> Result<(), slog::Never> {
        match record.level() {
            slog::Level::Critical | slog::Level::Error => tracing::error!(target: "dropshot", "{}", record.msg()),
            slog::Level::Warning => tracing::warn!(target: "dropshot", "{}", record.msg()),
            _ => {}
        }
        Ok(())
    }

    fn is_enabled(&self, level: slog::Level) -> bool {
        level.is_at_least(slog::Level::Warning)
    }
}

/// Background upkeep, safe in every process at once: folds maintained
/// row-count deltas every second (PostgreSQL; `store::counts`), and drops
/// idempotency answers past their 24 h retention every ten minutes (the
/// claim upsert would reuse them anyway; this keeps the table small).
async fn housekeeping(db: Db, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut fold = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut purge = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = fold.tick() => {
                if let Err(e) = crate::store::counts::row_counts_fold(&db).await {
                    tracing::warn!(error = %e, "row-count fold failed");
                }
            }
            _ = purge.tick() => match crate::store::idempotency::idempotency_purge(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "expired idempotency keys removed"),
                Err(e) => tracing::warn!(error = %e, "idempotency purge failed"),
            },
            r = stop.changed() => if r.is_err() || *stop.borrow() { return },
        }
    }
}

/// Builds the dropshot server for a context and starts serving.
pub fn serve(ctx: AppContext) -> Result<Running, String> {
    mobieus_api::support::observe_exchanges(crate::metrics::exchange);
    tokio::spawn(housekeeping(ctx.db.clone(), ctx.stop.subscribe()));
    let (limiter, db, stop) = (ctx.limiter.clone(), ctx.db.clone(), ctx.stop.subscribe());
    tokio::spawn(async move { limiter.run(db, stop).await });
    crate::webhooks::spawn_workers(
        ctx.db.clone(),
        ctx.config.webhooks.clone(),
        ctx.config.allow_private_webhooks,
        ctx.config.secrets.clone(),
        ctx.stop.subscribe(),
    );
    let api = mobieus_api_mod::api_description::<ServerImpl>().map_err(|e| e.to_string())?;
    let config = ConfigDropshot {
        bind_address: ctx.config.bind,
        default_request_body_max_bytes: ctx.config.body_limit_bytes,
        // a client that hangs up must not cancel a handler mid-transaction
        default_handler_task_mode: HandlerTaskMode::Detached,
        ..Default::default()
    };
    let log = slog::Logger::root(DropshotToTracing, slog::o!());
    let send_timeout = ctx.config.send_timeout;
    let server = ServerBuilder::new(api, ctx, log)
        .config(config)
        .version_policy(VersionPolicy::Dynamic(Box::new(DocumentedRoutesOnly)))
        .start()
        .map_err(|e| e.to_string())?;
    // without /proc (or on another OS) the server still serves; only clients
    // that never read are then held until they go
    if let Err(e) = crate::net::limit_unacknowledged_sends(server.local_addr(), send_timeout) {
        tracing::warn!(error = %e, "the send timeout is not set: a client that never reads holds its connection until it goes");
    }
    Ok(server)
}

/// Connects (migrating), then serves.
pub async fn start(config: ServerConfig) -> Result<Running, String> {
    let ctx = AppContext::new(config).await.map_err(|e| e.to_string())?;
    serve(ctx)
}
