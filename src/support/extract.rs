//! Extractors that never answer outside the envelope: each hands the endpoint
//! either the parsed value or an `ApiError` naming what was wrong, and
//! describes itself to dropshot exactly as its plain counterpart would.

use std::collections::HashMap;

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, Body, ExclusiveExtractor, ExtractorMetadata, Header, Path, Query,
    RequestContext, ServerContext, SharedExtractor, StreamingBody, TypedBody, UntypedBody,
};
use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Serialize};

use super::{ApiError, FieldProblem};

// ------------------------------------------------------------------- path

pub struct ApiPath<T>(Result<T, ApiError>);

impl<T> ApiPath<T> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

#[async_trait]
impl<T: DeserializeOwned + JsonSchema + Send + Sync + 'static> SharedExtractor for ApiPath<T> {
    async fn from_request<C: ServerContext>(rqctx: &RequestContext<C>) -> Result<Self, dropshot::HttpError> {
        // a path variable holding U+0000 (`%00`): refused like any string
        if rqctx.request.uri().path().to_ascii_lowercase().contains("%00") {
            return Ok(ApiPath(Err(ApiError::invalid_parameter("(path)", NUL_PROBLEM))));
        }
        Ok(ApiPath(<Path::<T> as SharedExtractor>::from_request(rqctx).await.map(Path::into_inner).map_err(|e| {
            // dropshot's message names the value, not the variable
            ApiError::invalid_parameter("(path)", e.external_message)
        })))
    }
    fn metadata(ct: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Path::<T> as SharedExtractor>::metadata(ct)
    }
}

// ----------------------------------------------------------------- headers

pub struct ApiHeaders<T>(Result<T, ApiError>);

impl<T> ApiHeaders<T> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

#[async_trait]
impl<T: DeserializeOwned + CheckHeaders + JsonSchema + Send + Sync + 'static> SharedExtractor for ApiHeaders<T> {
    async fn from_request<C: ServerContext>(rqctx: &RequestContext<C>) -> Result<Self, dropshot::HttpError> {
        let parsed = <Header::<T> as SharedExtractor>::from_request(rqctx)
            .await
            .map(Header::into_inner)
            .map_err(|e| ApiError::new(http::StatusCode::BAD_REQUEST, "invalid_parameter", e.external_message))
            .and_then(|h| h.check().map(|()| h));
        Ok(ApiHeaders(parsed))
    }
    fn metadata(ct: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Header::<T> as SharedExtractor>::metadata(ct)
    }
}


/// A string parameter's documented constraints (query or header), naming
/// the parameter when one fails.
pub fn check_string(
    name: &str,
    v: &str,
    allowed: &[&str],
    (min_length, max_length): (Option<usize>, Option<usize>),
    pattern: Option<(&str, &regress::Regex)>,
    error_code: Option<&str>,
) -> Result<(), ApiError> {
    if v.contains('\0') {
        return Err(ApiError::invalid_parameter(name, NUL_PROBLEM));
    }
    if let Some((source, re)) = pattern
        && re.find(v).is_none()
    {
        let problem = format!("must match `{source}`");
        return Err(match error_code {
            // the spec names a more specific code (x-error-code)
            Some(code) => ApiError::new(http::StatusCode::BAD_REQUEST, code, format!("Parameter `{name}`: {problem}"))
                .with_extra(serde_json::json!({ "parameter": name, "problem": problem })),
            None => ApiError::invalid_parameter(name, problem),
        });
    }
    if !allowed.is_empty() && !allowed.contains(&v) {
        return Err(ApiError::invalid_parameter(name, format!("must be one of: {}", allowed.join(", "))));
    }
    if let Some(min) = min_length
        && v.chars().count() < min
    {
        return Err(ApiError::invalid_parameter(name, format!("must be at least {min} characters")));
    }
    if let Some(max) = max_length
        && v.chars().count() > max
    {
        return Err(ApiError::invalid_parameter(name, format!("must be at most {max} characters")));
    }
    Ok(())
}

/// Implemented by the generated header structs: their documented string
/// constraints (the extractor only parses them).
pub trait CheckHeaders {
    fn check(&self) -> Result<(), ApiError>;
}

// ------------------------------------------------------------------- query

/// Implemented by the generated query structs.
pub trait FromParams: Sized {
    /// The documented parameter names; anything else is refused.
    const KNOWN: &'static [&'static str];
    fn from_params(params: &mut Params) -> Result<Self, ApiError>;
}

/// The query string, grouped by name.
pub struct Params {
    values: HashMap<String, Vec<String>>,
}

impl Params {
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|e| ApiError::new(http::StatusCode::BAD_REQUEST, "invalid_parameter", format!("The query string does not parse: {e}")))?;
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            if k.contains('\0') || v.contains('\0') {
                return Err(ApiError::invalid_parameter(&k.replace('\0', "\\0"), NUL_PROBLEM));
            }
            values.entry(k).or_default().push(v);
        }
        Ok(Params { values })
    }

    fn single(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        match self.values.remove(name) {
            None => Ok(None),
            Some(mut v) if v.len() == 1 => Ok(v.pop()),
            Some(_) => Err(ApiError::invalid_parameter(name, "given more than once")),
        }
    }

    pub fn required<T>(name: &str, value: Option<T>) -> Result<T, ApiError> {
        value.ok_or_else(|| ApiError::invalid_parameter(name, "is required"))
    }

    pub fn string(
        &mut self,
        name: &str,
        allowed: &[&str],
        (min_length, max_length): (Option<usize>, Option<usize>),
        pattern: Option<(&str, &regress::Regex)>,
        error_code: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        let Some(v) = self.single(name)? else { return Ok(None) };
        check_string(name, &v, allowed, (min_length, max_length), pattern, error_code)?;
        Ok(Some(v))
    }

    pub fn integer(&mut self, name: &str, min: Option<i64>, max: Option<i64>) -> Result<Option<i64>, ApiError> {
        let Some(v) = self.single(name)? else { return Ok(None) };
        let n: i64 = v.parse().map_err(|_| ApiError::invalid_parameter(name, "must be an integer"))?;
        if let Some(min) = min.filter(|m| n < *m) {
            return Err(ApiError::invalid_parameter(name, format!("must be at least {min}")));
        }
        if let Some(max) = max.filter(|m| n > *m) {
            return Err(ApiError::invalid_parameter(name, format!("must be at most {max}")));
        }
        Ok(Some(n))
    }

    pub fn boolean(&mut self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.single(name)?.as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_parameter(name, "must be true or false")),
        }
    }

    pub fn date_time(&mut self, name: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
        let Some(v) = self.single(name)? else { return Ok(None) };
        chrono::DateTime::parse_from_rfc3339(&v)
            .map(|d| Some(d.with_timezone(&chrono::Utc)))
            .map_err(|_| ApiError::invalid_parameter(name, "must be an RFC 3339 timestamp, e.g. 2026-06-01T00:00:00Z"))
    }

    fn refuse_unknown(&self, known: &[&str]) -> Result<(), ApiError> {
        let mut unknown: Vec<&String> = self.values.keys().filter(|k| !known.contains(&k.as_str())).collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(name) => Err(ApiError::invalid_parameter(
                name,
                format!("is not a parameter of this operation (it accepts: {})", known.join(", ")),
            )),
        }
    }
}

pub struct ApiQuery<T>(Result<T, ApiError>);

impl<T> ApiQuery<T> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

#[async_trait]
impl<T: FromParams + DeserializeOwned + JsonSchema + Send + Sync + 'static> SharedExtractor for ApiQuery<T> {
    async fn from_request<C: ServerContext>(rqctx: &RequestContext<C>) -> Result<Self, dropshot::HttpError> {
        let parsed = Params::parse(rqctx.request.uri().query()).and_then(|mut params| {
            let value = T::from_params(&mut params)?;
            params.refuse_unknown(T::KNOWN)?;
            Ok(value)
        });
        Ok(ApiQuery(parsed))
    }
    fn metadata(ct: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Query::<T> as SharedExtractor>::metadata(ct)
    }
}

// -------------------------------------------------------------------- body

/// A JSON body: syntax errors are `400 invalid_json`; a body that parses but
/// does not fit the schema is `422 validation_failed` naming the field.
pub struct JsonBody<T>(Result<T, ApiError>);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

/// A body must arrive at [`MIN_BODY_RATE`] bytes a second on average once
/// its first [`BODY_GRACE`] have passed (Kestrel's defaults): a client
/// trickling its body would otherwise hold its connection and its buffer
/// for as long as it liked.
pub const MIN_BODY_RATE: usize = 240;
pub const BODY_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads the whole body within the operation's size limit and the minimum
/// rate: `413 payload_too_large`, `408 request_timeout` or
/// `400 invalid_json` (a body that broke off).
pub async fn read_body<C: ServerContext>(rqctx: &RequestContext<C>, request: http::Request<Body>) -> Result<bytes::Bytes, ApiError> {
    use futures::StreamExt;
    let limit = rqctx.request_body_max_bytes();
    let started = tokio::time::Instant::now();
    let body = <StreamingBody as ExclusiveExtractor>::from_request(rqctx, request).await.map_err(|e| body_error(e, limit))?;
    let stream = body.into_stream();
    futures::pin_mut!(stream);
    let mut out = bytes::BytesMut::new();
    loop {
        // the moment by which the bytes so far stop being enough
        let due = started + BODY_GRACE + std::time::Duration::from_secs_f64(out.len() as f64 / MIN_BODY_RATE as f64);
        match tokio::time::timeout_at(due, stream.next()).await {
            Err(_) => return Err(ApiError::request_timeout(MIN_BODY_RATE, BODY_GRACE.as_secs())),
            Ok(None) => return Ok(out.freeze()),
            Ok(Some(Ok(chunk))) => out.extend_from_slice(&chunk),
            Ok(Some(Err(e))) => return Err(body_error(e, limit)),
        }
    }
}

/// Maps dropshot's body errors (the size limit comes back as a 400 with a
/// message) onto our codes.
fn body_error(e: dropshot::HttpError, limit: usize) -> ApiError {
    if e.external_message.contains("exceeded maximum size") || e.status_code.as_u16() == 413 {
        ApiError::payload_too_large(limit)
    } else {
        ApiError::invalid_json(e.external_message)
    }
}

/// The `minItems` / `maxItems` of a body's arrays, which the generated
/// types do not carry: (path, min, max), the path's segments being property
/// names and `[]` for every item of an array. Generated for every body type.
pub trait ArrayBounds {
    const BOUNDS: &'static [(&'static str, Option<usize>, Option<usize>)];
    /// Paths of `format: uri` strings.
    const URIS: &'static [&'static str] = &[];
    /// Paths of numbers with their `minimum` / `maximum`.
    const RANGES: &'static [(&'static str, Option<f64>, Option<f64>)] = &[];
    /// Paths of objects (`""` the body itself), checked to be JSON objects:
    /// serde's derived structs would also take an array of their fields.
    const OBJECTS: &'static [&'static str] = &[];
}

/// The values at `path` under `value` (`[]` for every item of an array),
/// with the field names they are reported under.
fn values_at<'v>(value: &'v serde_json::Value, path: &[&str], at: String, out: &mut Vec<(String, &'v serde_json::Value)>) {
    match path.split_first() {
        None => out.push((at, value)),
        Some((&"[]", rest)) => {
            if let serde_json::Value::Array(items) = value {
                for (i, item) in items.iter().enumerate() {
                    values_at(item, rest, format!("{at}[{i}]"), out);
                }
            }
        }
        Some((field, rest)) => {
            if let Some(inner) = value.get(field) {
                let at = if at.is_empty() { (*field).to_owned() } else { format!("{at}.{field}") };
                values_at(inner, rest, at, out);
            }
        }
    }
}

/// An absolute URI as RFC 3986 writes it: a scheme, then only the
/// characters a URI may hold (ASCII; `%` followed by two hex digits), and a
/// host after `//` for http(s).
pub fn absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let mut sc = scheme.bytes();
    if !sc.next().is_some_and(|c| c.is_ascii_alphabetic()) || !sc.all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c)) {
        return false;
    }
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'%' {
            if i + 2 >= bytes.len() || !bytes[i + 1].is_ascii_hexdigit() || !bytes[i + 2].is_ascii_hexdigit() {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c)) {
            return false;
        }
        i += 1;
    }
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        let host = rest.strip_prefix("//").map(|h| h.split(['/', '?', '#']).next().unwrap_or(""));
        return host.is_some_and(|h| !h.is_empty() && !h.starts_with(':') && !h.starts_with('@'));
    }
    true
}

/// Every string at `path` under `value` that is not an absolute URI.
fn uri_problems(value: &serde_json::Value, path: &[&str], out: &mut Vec<FieldProblem>) {
    let mut found = Vec::new();
    values_at(value, path, String::new(), &mut found);
    for (field, v) in found {
        if let serde_json::Value::String(s) = v
            && !absolute_uri(s)
        {
            out.push(FieldProblem { field, problem: "must be an absolute URI (RFC 3986: a scheme, ASCII only)".into() });
        }
    }
}

/// Every array at `path` under `value` that breaks its bounds, named as the
/// field it is (`quiz.questions[2].options`).
fn bound_problems(value: &serde_json::Value, path: &[&str], min: Option<usize>, max: Option<usize>, out: &mut Vec<FieldProblem>) {
    let mut found = Vec::new();
    values_at(value, path, String::new(), &mut found);
    for (field, v) in found {
        if let serde_json::Value::Array(items) = v {
            if let Some(min) = min.filter(|m| items.len() < *m) {
                out.push(FieldProblem { field, problem: format!("must have at least {min} items") });
            } else if let Some(max) = max.filter(|m| items.len() > *m) {
                out.push(FieldProblem { field, problem: format!("must have at most {max} items, has {}", items.len()) });
            }
        }
    }
}

/// What a string holding U+0000 is told. PostgreSQL's text cannot hold the
/// character (SQLite's can), so it is refused on every surface, the same on
/// both databases, before anything is stored.
pub const NUL_PROBLEM: &str = "must not contain the NUL character (U+0000)";

/// The fields of a JSON value whose string (or key) holds U+0000, named as
/// validation errors name fields (`tags[2]`, `custom_fields.order`).
pub fn nul_fields(value: &serde_json::Value) -> Vec<String> {
    fn walk(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => out.push(if at.is_empty() { "(body)".into() } else { at.to_owned() }),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}[{i}]"), out);
                }
            }
            serde_json::Value::Object(m) => {
                for (k, item) in m {
                    let field = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                    if k.contains('\0') {
                        out.push(field.clone());
                    }
                    walk(item, &field, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

pub fn parse_json<T: DeserializeOwned + ArrayBounds>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid_json("The request body is empty; this operation expects a JSON object."));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid_json(format!("The request body is not valid JSON: {e}")))?;
    let mut problems: Vec<FieldProblem> = nul_fields(&value).into_iter().map(|field| FieldProblem { field, problem: NUL_PROBLEM.into() }).collect();
    for (path, min, max) in T::BOUNDS {
        let segments: Vec<&str> = path.split('/').collect();
        bound_problems(&value, &segments, *min, *max, &mut problems);
    }
    for path in T::OBJECTS {
        let segments: Vec<&str> = if path.is_empty() { Vec::new() } else { path.split('/').collect() };
        let mut found = Vec::new();
        values_at(&value, &segments, String::new(), &mut found);
        for (field, v) in found {
            if !(v.is_object() || v.is_null()) {
                let field = if field.is_empty() { "(body)".to_owned() } else { field };
                problems.push(FieldProblem { field, problem: "must be a JSON object".into() });
            }
        }
    }
    for path in T::URIS {
        let segments: Vec<&str> = path.split('/').collect();
        uri_problems(&value, &segments, &mut problems);
    }
    for (path, min, max) in T::RANGES {
        let segments: Vec<&str> = path.split('/').collect();
        let mut found = Vec::new();
        values_at(&value, &segments, String::new(), &mut found);
        for (field, v) in found {
            let Some(n) = v.as_f64() else { continue };
            if let Some(min) = min.filter(|m| n < *m) {
                problems.push(FieldProblem { field, problem: format!("must be at least {min}") });
            } else if let Some(max) = max.filter(|m| n > *m) {
                problems.push(FieldProblem { field, problem: format!("must be at most {max}") });
            }
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde reports a missing or unknown field at the parent's path;
        // name the field itself.
        let field = match field_from_message(&inner) {
            // a missing field is reported at its parent's path
            Some(f) if path == "." => f,
            Some(f) if !path.ends_with(&f) => format!("{path}.{f}"),
            _ if path == "." => "(body)".to_owned(),
            _ => path,
        };
        ApiError::validation(vec![FieldProblem { field, problem: inner }])
    })
}

fn field_from_message(message: &str) -> Option<String> {
    for marker in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(marker) {
            return rest.split('`').next().map(str::to_owned);
        }
    }
    None
}

#[async_trait]
impl<T: DeserializeOwned + ArrayBounds + JsonSchema + Send + Sync + 'static> ExclusiveExtractor for JsonBody<T> {
    async fn from_request<C: ServerContext>(
        rqctx: &RequestContext<C>,
        request: http::Request<Body>,
    ) -> Result<Self, dropshot::HttpError> {
        Ok(JsonBody(read_body(rqctx, request).await.and_then(|body| parse_json::<T>(&body))))
    }
    fn metadata(ct: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody::<T> as ExclusiveExtractor>::metadata(ct)
    }
}

/// The canonical bytes of a parsed body, for idempotency fingerprints.
pub fn fingerprint_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// A raw (non-JSON) body, e.g. `application/zip` uploads.
pub struct RawBody(Result<RawBodyBytes, ApiError>);

/// The bytes of a raw body and the request's `Content-Type` (what a
/// standard's documents are stored and answered with).
pub struct RawBodyBytes {
    bytes: Vec<u8>,
    content_type: Option<String>,
}

impl RawBodyBytes {
    pub fn new(bytes: Vec<u8>, content_type: Option<String>) -> Self {
        RawBodyBytes { bytes, content_type }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The request's `Content-Type`, when it sent one that is text.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

impl RawBody {
    pub fn into_inner(self) -> Result<RawBodyBytes, ApiError> {
        self.0
    }
}

#[async_trait]
impl ExclusiveExtractor for RawBody {
    async fn from_request<C: ServerContext>(
        rqctx: &RequestContext<C>,
        request: http::Request<Body>,
    ) -> Result<Self, dropshot::HttpError> {
        let content_type = request.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(RawBody(read_body(rqctx, request).await.map(|body| RawBodyBytes::new(body.into(), content_type))))
    }
    fn metadata(ct: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <UntypedBody as ExclusiveExtractor>::metadata(ct)
    }
}
