//! xAPI's alternate request syntax (Communication 1.3): a browser that can
//! send neither custom headers nor methods other than GET and POST sends
//! `POST <path>?method=<METHOD>` with an `application/x-www-form-urlencoded`
//! body whose fields carry the headers (`Authorization`,
//! `X-Experience-API-Version`, `Content-Type`, `Content-Length`, `If-Match`,
//! `If-None-Match`), the body (`content`) and every query parameter.
//!
//! The generated endpoints of an operation marked
//! `x-alternate-request-syntax` divert such a request here; [`Alternate`]
//! rewrites it into the request it stands for (method, headers, query,
//! body), and the generated dispatcher runs that request's own endpoint
//! with it, so admission, scopes, parameter checks and answers are exactly
//! the usual ones.

use dropshot::{Body, RequestContext, RequestInfo, ServerContext};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::ApiError;

/// The form fields that stand for headers.
const HEADER_FIELDS: [&str; 6] = ["Authorization", "X-Experience-API-Version", "Content-Type", "Content-Length", "If-Match", "If-None-Match"];

/// Whether a POST uses the alternate syntax: its query names `method`.
pub fn asked<C: ServerContext>(rqctx: &RequestContext<C>) -> bool {
    rqctx.request.uri().query().is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "method"))
}

fn refused(problem: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", problem)
}

/// A rewritten request: its context and itself.
pub type Rewritten<C> = (RequestContext<C>, http::Request<Body>);

/// The request an alternate-syntax POST stands for.
#[derive(Debug)]
pub struct Alternate {
    /// The method asked for, upper-cased.
    pub method: String,
    headers: HeaderMap,
    query: String,
    content: Vec<u8>,
}

impl Alternate {
    /// Reads the POST: `method` must be its only query parameter and its
    /// body a form; header fields replace the request's headers of the
    /// same name, `content` is the body and every other field a query
    /// parameter (names kept as sent, so a wrongly-cased one is refused
    /// by the usual parameter check).
    pub fn read<C: ServerContext>(rqctx: &RequestContext<C>, body: &[u8]) -> Result<Self, ApiError> {
        let query: Vec<(String, String)> =
            form_urlencoded::parse(rqctx.request.uri().query().unwrap_or("").as_bytes()).into_owned().collect();
        let method = match query.as_slice() {
            [(name, value)] if name == "method" => value.to_ascii_uppercase(),
            _ => return Err(refused("with the alternate request syntax `method` is the only query parameter; send the others as form fields")),
        };
        let form_type = rqctx.request.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !form_type.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")) {
            return Err(refused("the alternate request syntax (`?method=`) sends its fields as application/x-www-form-urlencoded"));
        }
        let mut headers = rqctx.request.headers().clone();
        headers.remove(http::header::CONTENT_TYPE);
        headers.remove(http::header::CONTENT_LENGTH);
        let mut params = form_urlencoded::Serializer::new(String::new());
        let mut content = Vec::new();
        for (name, value) in form_urlencoded::parse(body) {
            if name == "content" {
                content = value.into_owned().into_bytes();
            } else if let Some(header) = HEADER_FIELDS.iter().find(|h| h.eq_ignore_ascii_case(&name)) {
                // Content-Length is the content's own, recounted below
                if header.eq_ignore_ascii_case("Content-Length") {
                    continue;
                }
                let value = HeaderValue::from_str(&value).map_err(|_| refused(format!("form field `{name}` is not a header value")))?;
                headers.insert(HeaderName::from_bytes(header.as_bytes()).map_err(|_| refused("a header field"))?, value);
            } else {
                params.append_pair(&name, &value);
            }
        }
        headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(content.len()));
        Ok(Alternate { method, headers, query: params.finish(), content })
    }

    /// The request as its own endpoint (`operation_id`) receives it: the
    /// context (the same, its request and operation replaced) and the
    /// request itself; on failure the context comes back with the error.
    #[allow(clippy::result_large_err)]
    pub fn into_request<C: ServerContext>(self, mut rqctx: RequestContext<C>, operation_id: &str) -> Result<Rewritten<C>, (RequestContext<C>, ApiError)> {
        let path = rqctx.request.uri().path();
        let uri = if self.query.is_empty() { path.to_owned() } else { format!("{path}?{}", self.query) };
        let method = match http::Method::from_bytes(self.method.as_bytes()) {
            Ok(m) => m,
            Err(_) => return Err((rqctx, refused(format!("method: `{}` is not an HTTP method", self.method)))),
        };
        let mut request = match http::Request::builder().method(method).uri(uri).version(rqctx.request.version()).body(Body::from(self.content)) {
            Ok(r) => r,
            Err(_) => return Err((rqctx, refused("the form fields do not make a request"))),
        };
        *request.headers_mut() = self.headers;
        rqctx.request = RequestInfo::new(&request, rqctx.request.remote_addr());
        rqctx.endpoint.operation_id = operation_id.to_owned();
        Ok((rqctx, request))
    }
}

/// A `method` the path does not take with the alternate syntax.
pub fn method_refused(method: &str, allowed: &str) -> ApiError {
    refused(format!("method: the alternate request syntax takes {allowed} here, not `{method}`"))
}
