//! CORS: the same headers on every response, errors and preflights included.
//! A tenant's allow-list replaces `*`: a listed Origin is echoed with
//! `Vary: Origin`; any other origin gets no allow-origin header.

use std::sync::Arc;

use dropshot::{Body, RequestContext};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use super::{exchange::request_id, ApiError, ErrorForm, Gate};

pub const CORS_ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
// xAPI content runs in browsers: its version, concurrency and language headers too
pub const CORS_ALLOW_HEADERS: &str =
    "Authorization, Content-Type, Idempotency-Key, X-CSRF-TOKEN, X-Requested-With, X-Experience-API-Version, If-Match, If-None-Match, Accept-Language";
pub const CORS_EXPOSE_HEADERS: &str = "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, Idempotency-Replayed, X-Experience-API-Version, X-Experience-API-Consistent-Through, ETag, Last-Modified";

/// Which origins a response may be read from.
#[derive(Debug, Clone, Default)]
pub enum Cors {
    #[default]
    Any,
    AllowList(Arc<Vec<String>>),
}

impl Cors {
    pub fn apply(&self, request_headers: &HeaderMap, headers: &mut HeaderMap) {
        match self {
            Cors::Any => {
                headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
            }
            Cors::AllowList(list) => {
                headers.append("vary", HeaderValue::from_static("Origin"));
                if let Some(origin) = request_headers.get(http::header::ORIGIN) {
                    let listed = origin.to_str().map(|o| list.iter().any(|a| a == o)).unwrap_or(false);
                    if listed {
                        headers.insert("access-control-allow-origin", origin.clone());
                    }
                }
            }
        }
        headers.insert("access-control-allow-methods", HeaderValue::from_static(CORS_ALLOW_METHODS));
        headers.insert("access-control-allow-headers", HeaderValue::from_static(CORS_ALLOW_HEADERS));
        headers.insert("access-control-expose-headers", HeaderValue::from_static(CORS_EXPOSE_HEADERS));
    }
}

/// `OPTIONS` on any documented path: 204, no key needed.
pub async fn preflight<C: Gate>(rqctx: &RequestContext<C>, allow: &str) -> Response<Body> {
    let cors = C::preflight_cors(rqctx).await;
    let mut response = Response::builder().status(StatusCode::NO_CONTENT).body(Body::empty()).unwrap_or_default();
    let headers = response.headers_mut();
    cors.apply(rqctx.request.headers(), headers);
    headers.insert("access-control-max-age", HeaderValue::from_static("600"));
    if let Ok(v) = HeaderValue::from_str(&format!("{allow}, OPTIONS")) {
        headers.insert(http::header::ALLOW, v);
    }
    response
}

/// A method the path does not document: 405 in the path's error form, with `Allow`.
pub fn method_not_allowed<C: Gate>(rqctx: &RequestContext<C>, allow: &str, form: ErrorForm) -> Response<Body> {
    let error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not documented on this path; it accepts {allow}.", rqctx.request.method()),
    )
    .with_extra(serde_json::json!({ "allowed_methods": allow.split(", ").collect::<Vec<_>>() }));
    let (media_type, body) = error.render(form, &request_id(rqctx));
    let mut response = Response::builder()
        .status(StatusCode::METHOD_NOT_ALLOWED)
        .header(http::header::CONTENT_TYPE, media_type)
        .body(Body::from(body))
        .unwrap_or_default();
    Cors::Any.apply(rqctx.request.headers(), response.headers_mut());
    if let Ok(v) = HeaderValue::from_str(&format!("{allow}, OPTIONS")) {
        response.headers_mut().insert(http::header::ALLOW, v);
    }
    response
}
