//! Admission and idempotency: what every authenticated operation passes
//! through before its handler runs. The contract crate states the rules'
//! shape; the server implements `Gate` over its store.

use std::future::Future;

use dropshot::{RequestContext, ServerContext};
use http::HeaderMap;

use super::{exchange::request_id, ApiError, Cors, Reply};

/// What the generated code knows about an operation.
#[derive(Debug)]
pub struct OpInfo {
    pub operation_id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    /// The scope a key needs; `None` for public operations.
    pub scope: Option<&'static str>,
    pub success_status: u16,
    /// Headers on every answer, errors included (`x-raw-exchange.headers`).
    pub answer_headers: &'static [(&'static str, &'static str)],
    /// Whether HTTP Basic (the key as the password) is accepted besides the
    /// bearer key (`security: basicAuth`, for a standard's clients).
    pub basic_auth: bool,
    /// Whether it admits a SCIM token (`security: scimBearer`) instead of an
    /// API key.
    pub scim_token: bool,
    /// The shape of its errors.
    pub error_form: super::ErrorForm,
    /// Where dropshot routes it: `path`, or for a literal last segment
    /// beside a variable the variable's path (the generator's fold).
    pub route_path: &'static str,
}

/// One entry of the event catalogue (`x-event-types`).
#[derive(Debug)]
pub struct EventTypeInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// The schema in `components/schemas` the event's `data` follows.
    pub payload_schema: &'static str,
    pub surface: &'static str,
}

/// A documented path template and the methods it documents.
#[derive(Debug)]
pub struct Route {
    pub path: &'static str,
    pub methods: &'static [&'static str],
}

impl Route {
    /// Whether a concrete request path matches this template.
    pub fn matches(&self, path: &str) -> bool {
        let mut want = self.path.split('/');
        let mut got = path.split('/');
        loop {
            match (want.next(), got.next()) {
                (None, None) => return true,
                (Some(w), Some(g)) => {
                    let variable = w.starts_with('{') && w.ends_with('}');
                    if !(variable && !g.is_empty() || w == g) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }

    pub fn find(routes: &'static [Route], path: &str) -> Option<&'static Route> {
        routes.iter().find(|r| r.matches(path))
    }
}

/// The admitted caller, and the headers every response to it carries.
pub struct Admission<P> {
    pub principal: P,
    /// For the request's log line.
    pub tenant_id: i64,
    /// `X-RateLimit-*` headers.
    pub headers: HeaderMap,
    pub cors: Cors,
}

/// What an authenticated handler receives besides its parameters.
pub struct Call<'a, C: Gate> {
    pub rqctx: &'a RequestContext<C>,
    pub principal: &'a C::Principal,
}

impl<'a, C: Gate> Call<'a, C> {
    pub fn new(rqctx: &'a RequestContext<C>, principal: &'a C::Principal) -> Self {
        Call { rqctx, principal }
    }
    pub fn context(&self) -> &C {
        self.rqctx.context()
    }
    pub fn request_id(&self) -> String {
        request_id(self.rqctx)
    }
}

/// What a public handler receives.
pub struct PublicCall<'a, C: ServerContext> {
    pub rqctx: &'a RequestContext<C>,
}

impl<'a, C: ServerContext> PublicCall<'a, C> {
    pub fn new(rqctx: &'a RequestContext<C>) -> Self {
        PublicCall { rqctx }
    }
    pub fn context(&self) -> &C {
        self.rqctx.context()
    }
}

/// A completed response kept for replay.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// The claim on an `(tenant, Idempotency-Key, path)` slot.
#[derive(Debug, Clone)]
pub struct IdempotencyTicket {
    pub key: String,
    pub path: String,
    /// What the `Gate` needs to recognise its own claim later (set by
    /// `idempotency_claim`; opaque to the generated code).
    pub lease: Option<String>,
}

pub enum IdempotencyStart {
    /// Run the handler; complete the ticket (if any) afterwards.
    Proceed(Option<IdempotencyTicket>),
    /// The first request's answer.
    Replay(StoredResponse),
}

pub trait Gate: ServerContext + Sized {
    type Principal: Send + Sync + 'static;

    /// Authenticates the key, checks tenant, plan and scope, counts the
    /// request against the key's rate limits.
    fn admit(
        rqctx: &RequestContext<Self>,
        op: &'static OpInfo,
    ) -> impl Future<Output = Result<Admission<Self::Principal>, ApiError>> + Send;

    /// CORS for a preflight, which carries no key.
    fn preflight_cors(rqctx: &RequestContext<Self>) -> impl Future<Output = Cors> + Send {
        let _ = rqctx;
        async { Cors::Any }
    }

    /// Claims the slot, or reports a replay, a mismatch (422) or a request
    /// still in flight (409).
    fn idempotency_claim(
        rqctx: &RequestContext<Self>,
        principal: &Self::Principal,
        ticket: &IdempotencyTicket,
        body: &[u8],
    ) -> impl Future<Output = Result<IdempotencyStart, ApiError>> + Send;

    /// Runs the claimed request's work, so that what it writes can be tied
    /// to its claim (the answer-in-the-same-transaction rule is the Gate's).
    fn within_claim<F: Future + Send>(
        principal: &Self::Principal,
        ticket: &IdempotencyTicket,
        work: F,
    ) -> impl Future<Output = F::Output> + Send {
        let _ = (principal, ticket);
        work
    }

    /// Stores the answer (`Some`) or frees the slot so a retry runs again
    /// (`None`, after a server error).
    fn idempotency_complete(
        rqctx: &RequestContext<Self>,
        principal: &Self::Principal,
        ticket: &IdempotencyTicket,
        response: Option<StoredResponse>,
    ) -> impl Future<Output = ()> + Send;
}

pub async fn idempotency_begin<C: Gate>(
    rqctx: &RequestContext<C>,
    _op: &'static OpInfo,
    admission: &Admission<C::Principal>,
    key: Option<&str>,
    body: Option<Vec<u8>>,
) -> Result<IdempotencyStart, ApiError> {
    let Some(key) = key else { return Ok(IdempotencyStart::Proceed(None)) };
    let len = key.chars().count();
    if !(1..=255).contains(&len) {
        return Err(ApiError::invalid_parameter("Idempotency-Key", "must be 1 to 255 characters"));
    }
    let ticket = IdempotencyTicket { key: key.to_owned(), path: rqctx.request.uri().path().to_owned(), lease: None };
    C::idempotency_claim(rqctx, &admission.principal, &ticket, body.as_deref().unwrap_or_default()).await
}

/// The handler's work, inside its claim when it holds one.
pub async fn idempotency_scope<C: Gate, F: Future + Send>(
    admission: &Admission<C::Principal>,
    ticket: Option<&IdempotencyTicket>,
    work: F,
) -> F::Output {
    match ticket {
        Some(ticket) => C::within_claim(&admission.principal, ticket, work).await,
        None => work.await,
    }
}

pub async fn idempotency_finish<C: Gate, R>(
    rqctx: &RequestContext<C>,
    admission: &Admission<C::Principal>,
    ticket: Option<IdempotencyTicket>,
    reply: &Reply<R>,
) {
    let Some(ticket) = ticket else { return };
    let stored = if reply.status().is_server_error() {
        None
    } else {
        Some(StoredResponse { status: reply.status().as_u16(), body: reply.body_bytes().unwrap_or_default().to_vec() })
    };
    C::idempotency_complete(rqctx, &admission.principal, &ticket, stored).await
}
