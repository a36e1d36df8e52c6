//! Admission for every authenticated operation: key → tenant (one indexed
//! lookup, cached briefly), Host check, rate limit (in memory, reconciled
//! with the other processes in batches), plan, scope. Nothing touches the
//! database before the handler's query but a key-cache miss.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dropshot::RequestContext;
use http::{HeaderMap, HeaderValue};
use mobieus_api::support::{
    Admission, ApiError, Cors, Gate, IdempotencyStart, IdempotencyTicket, OpInfo, StoredResponse,
};
use sha2::{Digest, Sha256};

use crate::app::AppContext;
use crate::db::Ts;
use crate::errors::{idempotency_in_progress, internal};
use crate::scopes;
use crate::store::api_keys::{hash_secret, key_lookup, ApiKey};
use crate::store::scim::tokens::{scim_token_lookup, ScimToken, TOKEN_PREFIX};
use crate::store::idempotency::{answer_context, idempotency_claim, idempotency_complete, within_claim, Claim, Held};
use crate::rate_limit::{Limits as KeyLimits, Verdict, HOUR, MINUTE};
use crate::store::tenants::{tenant_by_slug, Tenant, API_PLANS};

/// The claim a ticket from `idempotency_claim` stands for.
fn held(principal: &Principal, ticket: &IdempotencyTicket) -> Option<Held> {
    let lease = chrono::DateTime::parse_from_rfc3339(ticket.lease.as_deref()?).ok()?;
    Some(Held {
        tenant_id: principal.tenant_id,
        key: ticket.key.clone(),
        path: ticket.path.clone(),
        held_until: Ts(lease.with_timezone(&chrono::Utc)),
    })
}

/// Who is calling: the key and the tenant it belongs to.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant_id: i64,
    pub tenant_slug: String,
    pub key_id: i64,
    /// Shown as the actor of what the key does (e.g. moderation acts).
    pub key_name: String,
    pub scopes: Arc<Vec<String>>,
}

/// Authenticated credentials (API keys, SCIM tokens: `V` with its tenant)
/// by their secret's hash, trusted for `ttl`. Unknown secrets are never
/// cached, so a freshly minted one works at once; a revoked or re-planned
/// one (or a tenant's SCIM switch) is seen within `ttl`.
pub struct KeyCache<V> {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Arc<V>)>>,
}

impl<V> KeyCache<V> {
    pub fn new(ttl: Duration) -> Self {
        KeyCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The credential a secret is, from the cache or by `lookup` of its hash.
    async fn authenticate<Found>(&self, secret: &str, lookup: impl FnOnce(String) -> Found) -> Result<Option<Arc<V>>, ApiError>
    where
        Found: std::future::Future<Output = Result<Option<V>, crate::db::StoreError>>,
    {
        let hash = hash_secret(secret);
        if !self.ttl.is_zero() {
            let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, found)) = entries.get(&hash)
                && at.elapsed() < self.ttl {
                    return Ok(Some(found.clone()));
                }
        }
        let found = lookup(hash.clone()).await.map_err(internal)?.map(Arc::new);
        if let (Some(cred), false) = (&found, self.ttl.is_zero()) {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if entries.len() > 10_000 {
                entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
            }
            entries.insert(hash, (Instant::now(), cred.clone()));
        }
        Ok(found)
    }
}

/// What the key cache holds for API keys and for SCIM tokens.
pub type ApiKeys = KeyCache<(ApiKey, Tenant)>;
pub type ScimTokens = KeyCache<(ScimToken, Tenant)>;

/// The key a request presents: `Authorization: Bearer <key>`, or, where the
/// operation accepts it, `Basic base64(<any user>:<key>)` (xAPI content and
/// LRS clients authenticate that way).
fn presented_key(headers: &HeaderMap, basic: bool) -> Option<String> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return (!token.is_empty()).then(|| token.to_owned());
    }
    if basic && scheme.eq_ignore_ascii_case("basic") {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD.decode(token).ok()?;
        let pair = String::from_utf8(decoded).ok()?;
        let (_, key) = pair.split_once(':')?;
        return (!key.is_empty()).then(|| key.to_owned());
    }
    None
}

/// The tenant a Host names under the base domain (`acme.example` → `acme`).
fn host_tenant(headers: &HeaderMap, base_domain: &str) -> Option<String> {
    let host = headers.get(http::header::HOST)?.to_str().ok()?;
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host).to_ascii_lowercase();
    let sub = host.strip_suffix(&format!(".{}", base_domain.to_ascii_lowercase()))?;
    (!sub.is_empty() && !sub.contains('.')).then(|| sub.to_owned())
}

fn cors_of(tenant: &Tenant) -> Cors {
    if tenant.cors_allowed_origins.0.is_empty() {
        Cors::Any
    } else {
        Cors::AllowList(Arc::new(tenant.cors_allowed_origins.0.clone()))
    }
}

/// The rate-limit verdict for one request.
struct Limits {
    headers: HeaderMap,
    /// Seconds until the exceeded window resets, if one is exceeded.
    retry_after: Option<i64>,
    exceeded: Option<(&'static str, i32)>,
}

fn limits(key: KeyLimits, verdict: Verdict, now: i64) -> Limits {
    let minute_reset = now - now.rem_euclid(MINUTE) + MINUTE;
    let hour_reset = now - now.rem_euclid(HOUR) + HOUR;
    let minute_left = key.per_minute - verdict.minute_count;
    let hour_left = key.per_hour - verdict.hour_count;
    // report the window closest to running out
    let (limit, left, reset) = if hour_left < minute_left {
        (key.per_hour, hour_left, hour_reset)
    } else {
        (key.per_minute, minute_left, minute_reset)
    };
    let mut headers = HeaderMap::new();
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(left.max(0)));
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    let (exceeded, retry_after) = if verdict.admitted {
        (None, None)
    } else if hour_left <= 0 {
        (Some(("hour", key.per_hour)), Some(hour_reset - now))
    } else {
        (Some(("minute", key.per_minute)), Some(minute_reset - now))
    };
    Limits { headers, retry_after, exceeded }
}

/// The rate-limit verdict as the error a refused request gets.
fn with_limit_headers(limits: &Limits, mut e: ApiError) -> ApiError {
    for (k, v) in limits.headers.iter() {
        e.headers.insert(k.clone(), v.clone());
    }
    e
}

fn rate_limited(limits: &Limits) -> Option<ApiError> {
    let ((window, limit), retry) = (limits.exceeded?, limits.retry_after?);
    Some(with_limit_headers(
        limits,
        ApiError::new(http::StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("This key made more than {limit} requests this {window}."))
            .with_extra(serde_json::json!({ "limit": limit, "window": window, "retry_after": retry }))
            .with_header("retry-after", retry),
    ))
}

/// Admission for SCIM operations: a live SCIM token (never an API key) of a
/// tenant whose SCIM feature is on and whose plan has the API (cached as
/// keys are); the token's rate limits, counted under the token (as a
/// negative key id, apart from keys).
async fn admit_scim(rqctx: &RequestContext<AppContext>) -> Result<Admission<Principal>, ApiError> {
    let ctx = rqctx.context();
    let headers = rqctx.request.headers();
    let refused = || ApiError::new(http::StatusCode::UNAUTHORIZED, "invalid_scim_token", "The bearer token is not a live SCIM token of any tenant.");
    let secret = presented_key(headers, false).filter(|s| s.starts_with(TOKEN_PREFIX)).ok_or_else(refused)?;
    let cached = ctx.scim_tokens.authenticate(&secret, |hash| async move { scim_token_lookup(&ctx.db, &hash).await }).await?.ok_or_else(refused)?;
    let (token, tenant) = &*cached;
    if let Some(base) = &ctx.config.base_domain
        && let Some(named) = host_tenant(headers, base)
        && named != tenant.slug
    {
        return Err(refused());
    }
    let now = Ts::now().0.timestamp();
    let verdict = ctx.limiter.hit(tenant.id, -token.id, token.limits(), now);
    let limits = limits(token.limits(), verdict, now);
    if let Some(e) = rate_limited(&limits) {
        return Err(e);
    }
    if !tenant.scim_enabled {
        return Err(with_limit_headers(&limits, ApiError::new(http::StatusCode::FORBIDDEN, "scim_disabled", "SCIM provisioning is not enabled for this tenant.")));
    }
    if !API_PLANS.contains(&tenant.plan.as_str()) {
        return Err(with_limit_headers(&limits, ApiError::plan_gated(&tenant.plan, &API_PLANS)));
    }
    Ok(Admission {
        tenant_id: tenant.id,
        principal: Principal {
            tenant_id: tenant.id,
            tenant_slug: tenant.slug.clone(),
            key_id: -token.id,
            key_name: format!("SCIM token {}", token.name),
            scopes: Arc::new(vec!["scim".to_owned()]),
        },
        headers: limits.headers,
        cors: Cors::Any,
    })
}

impl Gate for AppContext {
    type Principal = Principal;

    async fn admit(rqctx: &RequestContext<Self>, op: &'static OpInfo) -> Result<Admission<Principal>, ApiError> {
        if op.scim_token {
            return admit_scim(rqctx).await;
        }
        let ctx = rqctx.context();
        let headers = rqctx.request.headers();
        let secret = presented_key(headers, op.basic_auth).ok_or_else(ApiError::invalid_api_key)?;
        let cached = ctx.keys.authenticate(&secret, |hash| async move { key_lookup(&ctx.db, &hash).await }).await?.ok_or_else(ApiError::invalid_api_key)?;
        let (key, tenant) = &*cached;
        let now = Ts::now();
        if !key.is_live(now) {
            return Err(ApiError::invalid_api_key());
        }
        if let Some(base) = &ctx.config.base_domain
            && let Some(named) = host_tenant(headers, base)
                && named != tenant.slug {
                    return Err(ApiError::invalid_api_key());
                }
        let cors = cors_of(tenant);
        let now_unix = now.0.timestamp();
        let verdict = ctx.limiter.hit(tenant.id, key.id, KeyLimits { per_minute: key.per_minute, per_hour: key.per_hour }, now_unix);
        let limits = limits(KeyLimits { per_minute: key.per_minute, per_hour: key.per_hour }, verdict, now_unix);
        let with_limits = |e: ApiError| with_limit_headers(&limits, e);
        if let Some(e) = rate_limited(&limits) {
            return Err(e);
        }
        if !API_PLANS.contains(&tenant.plan.as_str()) {
            return Err(with_limits(ApiError::plan_gated(&tenant.plan, &API_PLANS)));
        }
        if let Some(scope) = op.scope
            && !scopes::grants(&key.scopes.0, scope) {
                return Err(with_limits(ApiError::insufficient_scope(scope)));
            }
        Ok(Admission {
            tenant_id: tenant.id,
            principal: Principal {
                tenant_id: tenant.id,
                tenant_slug: tenant.slug.clone(),
                key_id: key.id,
                key_name: key.name.clone(),
                scopes: Arc::new(key.scopes.0.clone()),
            },
            headers: limits.headers,
            cors,
        })
    }

    async fn preflight_cors(rqctx: &RequestContext<Self>) -> Cors {
        let ctx = rqctx.context();
        let Some(base) = &ctx.config.base_domain else { return Cors::Any };
        let Some(slug) = host_tenant(rqctx.request.headers(), base) else { return Cors::Any };
        match tenant_by_slug(&ctx.db, &slug).await {
            Ok(tenant) => cors_of(&tenant),
            Err(_) => Cors::Any,
        }
    }

    async fn idempotency_claim(
        rqctx: &RequestContext<Self>,
        principal: &Principal,
        ticket: &IdempotencyTicket,
        body: &[u8],
    ) -> Result<IdempotencyStart, ApiError> {
        let fingerprint: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
        let claim = idempotency_claim(&rqctx.context().db, principal.tenant_id, &ticket.key, &ticket.path, &fingerprint)
            .await
            .map_err(internal)?;
        match claim {
            Claim::Claimed { held_until } => Ok(IdempotencyStart::Proceed(Some(IdempotencyTicket {
                lease: Some(held_until.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
                ..ticket.clone()
            }))),
            Claim::Replay { status, body } => {
                let secrets = &rqctx.context().config.secrets;
                let body = secrets.open(&String::from_utf8_lossy(&body), &answer_context(principal.tenant_id)).map_err(|e| {
                    // only a server started without the key that sealed it
                    tracing::error!(error = %e, "a stored idempotent answer cannot be opened");
                    ApiError::server_error()
                })?;
                Ok(IdempotencyStart::Replay(StoredResponse { status, body: body.into_bytes() }))
            }
            Claim::Mismatch => Err(ApiError::new(
                http::StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_mismatch",
                "This Idempotency-Key was used with a different request body.",
            )),
            Claim::InProgress => Err(idempotency_in_progress()),
            Claim::AnswerLost => Err(ApiError::new(
                http::StatusCode::CONFLICT,
                "idempotency_key_applied",
                "The first request with this Idempotency-Key changed data, but its answer was not recorded (the \
                 server stopped, or failed after the change). It will not be applied again; read the resource to \
                 see its result, or send a new key.",
            )),
        }
    }

    async fn within_claim<F: Future + Send>(principal: &Principal, ticket: &IdempotencyTicket, work: F) -> F::Output {
        match held(principal, ticket) {
            Some(held) => within_claim(held, work).await,
            None => work.await,
        }
    }

    async fn idempotency_complete(
        rqctx: &RequestContext<Self>,
        principal: &Principal,
        ticket: &IdempotencyTicket,
        response: Option<StoredResponse>,
    ) {
        let secrets = &rqctx.context().config.secrets;
        let context = answer_context(principal.tenant_id);
        let stored = response.map(|r| (r.status, secrets.seal_if_keyed(&String::from_utf8_lossy(&r.body), &context).into_bytes()));
        let Some(held) = held(principal, ticket) else { return };
        if let Err(e) = idempotency_complete(&rqctx.context().db, &held, stored).await {
            // the claim's lock runs out; a retry then runs again, or (if
            // this request wrote) is told its answer is lost
            tracing::error!(error = %e, "could not record the idempotent response");
        }
    }
}
