//! One request/response exchange as the generated endpoint sees it: it turns
//! the handler's result into the envelope with its status and headers, adds
//! CORS and rate-limit headers, and logs the outcome with the request id.

use std::marker::PhantomData;
use std::time::Instant;

use dropshot::{ApiEndpointResponse, Body, HttpError, HttpResponse, RequestContext, ServerContext};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use serde::Serialize;

use super::{Admission, ApiError, Cors, OpInfo, StoredResponse};

/// `req_` + the request's `X-Request-Id`, so body, header and logs agree.
pub fn request_id<C: ServerContext>(rqctx: &RequestContext<C>) -> String {
    format!("req_{}", rqctx.request_id)
}

/// A success body: the generated envelope types (the generator refuses a
/// JSON success schema without `data` and `request_id`).
pub trait Envelope {
    fn set_request_id(&mut self, request_id: String);
}

/// What an endpoint returns: a fully built response whose documented shape is
/// `R`'s (dropshot describes the operation from `R`).
pub struct Reply<R> {
    response: Response<Body>,
    /// The JSON body as sent (shared with the response, not copied), kept
    /// for idempotent replays.
    body: Option<bytes::Bytes>,
    _shape: PhantomData<fn() -> R>,
}

impl<R> Reply<R> {
    /// A response built outside an exchange (a 405), as it is.
    pub fn plain(response: Response<Body>) -> Self {
        Reply { response, body: None, _shape: PhantomData }
    }
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }
    pub fn body_bytes(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }
}

impl<R: HttpResponse + Send + Sync + 'static> HttpResponse for Reply<R> {
    fn to_result(self) -> Result<Response<Body>, HttpError> {
        Ok(self.response)
    }
    fn response_metadata() -> ApiEndpointResponse {
        R::response_metadata()
    }
    fn status_code(&self) -> StatusCode {
        self.response.status()
    }
}

pub struct Exchange<'a, C: ServerContext> {
    rqctx: &'a RequestContext<C>,
    op: &'static OpInfo,
    started: Instant,
    request_id: String,
}

impl<'a, C: ServerContext> Exchange<'a, C> {
    pub fn begin(rqctx: &'a RequestContext<C>, op: &'static OpInfo) -> Self {
        Exchange { rqctx, op, started: Instant::now(), request_id: request_id(rqctx) }
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// A JSON success (or the handler's error) as the documented envelope.
    /// `request_id` is filled in here, once, for every envelope.
    pub fn json<T: Envelope + Serialize, R, P>(&self, result: Result<T, ApiError>, admission: Option<&Admission<P>>) -> Reply<R> {
        let outcome = result.and_then(|mut value| {
            value.set_request_id(self.request_id.clone());
            // most bodies fit at once (a page of 25 is a few KiB): no regrowth copies
            let mut bytes = Vec::with_capacity(8192);
            serde_json::to_writer(&mut bytes, &value).map(|()| bytes).map_err(|e| {
                tracing::error!(request_id = %self.request_id, error = %e, "response does not serialize");
                ApiError::server_error()
            })
        });
        match outcome {
            Ok(bytes) => {
                let status = StatusCode::from_u16(self.op.success_status).unwrap_or(StatusCode::OK);
                self.build(status, "application/json", bytes, HeaderMap::new(), admission)
            }
            Err(e) => self.fail(e, admission),
        }
    }

    /// A non-JSON success built by the handler (YAML, HTML, bytes, streams).
    pub fn raw<R, P>(&self, result: Result<Response<Body>, ApiError>, admission: Option<&Admission<P>>) -> Reply<R> {
        match result {
            Ok(mut response) => {
                self.decorate(response.headers_mut(), admission);
                self.log(response.status(), admission.map(|a| a.tenant_id));
                Reply { response, body: None, _shape: PhantomData }
            }
            Err(e) => self.fail(e, admission),
        }
    }

    /// An error before the caller was admitted (no key, bad key, ...).
    pub fn reject<R>(&self, error: ApiError) -> Reply<R> {
        self.fail::<R, ()>(error, None)
    }

    /// An error in the envelope, with its own headers and the usual ones.
    pub fn fail<R, P>(&self, error: ApiError, admission: Option<&Admission<P>>) -> Reply<R> {
        if error.status.is_server_error() {
            tracing::error!(request_id = %self.request_id, code = %error.code, message = %error.message, "request failed");
        }
        let (media_type, bytes) = error.render(self.op.error_form, &self.request_id);
        self.build(error.status, media_type, bytes, (*error.headers).clone(), admission)
    }

    /// The stored first answer to an idempotent request, replayed as it was.
    pub fn replay<R, P>(&self, stored: StoredResponse, admission: Option<&Admission<P>>) -> Reply<R> {
        let mut headers = HeaderMap::new();
        headers.insert("idempotency-replayed", HeaderValue::from_static("true"));
        let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
        self.build(status, "application/json", stored.body, headers, admission)
    }

    fn build<R, P>(&self, status: StatusCode, media_type: &'static str, body: Vec<u8>, mut headers: HeaderMap, admission: Option<&Admission<P>>) -> Reply<R> {
        self.decorate(&mut headers, admission);
        let body = bytes::Bytes::from(body);
        let mut response = Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, media_type)
            .body(Body::from(body.clone()))
            .unwrap_or_default();
        response.headers_mut().extend(headers);
        self.log(status, admission.map(|a| a.tenant_id));
        Reply { response, body: Some(body), _shape: PhantomData }
    }

    fn decorate<P>(&self, headers: &mut HeaderMap, admission: Option<&Admission<P>>) {
        for (name, value) in self.op.answer_headers {
            headers.insert(http::HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        let cors = admission.map(|a| a.cors.clone()).unwrap_or(Cors::Any);
        cors.apply(self.rqctx.request.headers(), headers);
        if let Some(a) = admission {
            for (k, v) in a.headers.iter() {
                headers.insert(k.clone(), v.clone());
            }
        }
    }

    fn log(&self, status: StatusCode, tenant: Option<i64>) {
        let latency = self.started.elapsed();
        super::observe::exchanged(self.op.operation_id, status.as_u16(), latency);
        let latency_us = latency.as_micros() as u64;
        tracing::info!(
            request_id = %self.request_id,
            operation_id = self.op.operation_id,
            method = self.op.method,
            path = %self.rqctx.request.uri().path(),
            status = status.as_u16(),
            latency_us,
            tenant_id = tenant,
            "request completed"
        );
    }
}
