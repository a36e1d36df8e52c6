//! SCIM 2.0 (RFC 7643, RFC 7644) under `/scim/v2`. These operations are
//! `x-raw-exchange` with `errors: scim`: the handlers build SCIM's own
//! answers (resources, ListResponses) and every error, generated ones
//! included, is rendered in the SCIM error schema by the exchange. The
//! SCIM logic itself (filters, PATCH, normalising, projecting) is pure, in
//! `crate::scim`; these files parse, call the store and map.

mod discovery;
mod groups;
mod users;

use dropshot::Body;
use http::{Response, StatusCode};
use mobieus_api::support::{ApiError, Call, RawBodyBytes};
use serde_json::{json, Value};

use crate::app::AppContext;
use crate::db::{StoreError, Ts};
use crate::scim::filter::{compare_for_sort, parse_filter, AttrPath, Filter};
use crate::scim::schema::ResourceKind;
use crate::scim::{resource, ScimError};

const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SEARCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The most resources one answer holds (`filter.maxResults`).
pub const MAX_RESULTS: i64 = 100;
/// Retries of a write that lost a race with another write of the resource
/// (when the caller sent no `If-Match`, the latest version is the base).
const WRITE_ATTEMPTS: usize = 3;

impl From<ScimError> for ApiError {
    fn from(e: ScimError) -> Self {
        let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
        ApiError::new(status, e.scim_type.unwrap_or("scim_error"), e.detail)
    }
}

/// Store errors in SCIM's terms.
fn store_error(kind: ResourceKind, id: &str) -> impl Fn(StoreError) -> ApiError + '_ {
    move |e| match e {
        StoreError::NotFound => not_found(kind, id),
        StoreError::Conflict(field) => ScimError::uniqueness(format!("Another {} already has this {field}.", kind.name())).into(),
        StoreError::MissingRow(what) => ScimError::invalid_value(format!("members: no live {what} of this tenant has one of these ids.")).into(),
        StoreError::PreconditionFailed(message) => ApiError::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", message),
        other => crate::errors::internal(other),
    }
}

fn not_found(kind: ResourceKind, id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("No {} `{id}`.", kind.name()))
}

/// A resource id: our ids are integers; anything else names nothing.
fn resource_id(kind: ResourceKind, id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| not_found(kind, id))
}

/// The base of `meta.location`: the request's own host, `https` behind a
/// proxy that says so.
fn base_url(call: &Call<'_, AppContext>) -> String {
    let headers = call.rqctx.request.headers();
    let host = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let https = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}/scim/v2", if https { "https" } else { "http" })
}

fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

fn meta(kind: ResourceKind, location: &str, created: Ts, modified: Ts, version: i64) -> Value {
    json!({
        "resourceType": kind.name(),
        "created": created.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastModified": modified.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "location": location,
        "version": etag(version),
    })
}

/// `If-Match`: the version it names, `Ok(None)` for none or `*`; a tag that
/// is no version of ours never matches (412).
fn if_match(header: Option<&str>, current: i64) -> Result<(), ApiError> {
    let Some(tag) = header.map(str::trim).filter(|t| *t != "*") else { return Ok(()) };
    let matches = tag.split(',').any(|t| {
        let t = t.trim();
        let t = t.strip_prefix("W/").unwrap_or(t);
        t.trim_matches('"').parse::<i64>() == Ok(current)
    });
    if matches {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", format!("The resource is at {}, not {tag}.", etag(current))))
    }
}

/// A SCIM body: `application/scim+json` or `application/json` (any
/// charset), or no Content-Type; JSON, or 400 `invalidSyntax`.
fn body_json(body: &RawBodyBytes) -> Result<Value, ApiError> {
    if let Some(ct) = body.content_type() {
        let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if media != "application/scim+json" && media != "application/json" {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("A SCIM body is application/scim+json or application/json, not `{media}`."),
            ));
        }
    }
    serde_json::from_slice(body.bytes()).map_err(|e| ScimError::invalid_syntax(format!("The body is not JSON: {e}")).into())
}

/// A SCIM answer, with its `ETag` and `Location` where given.
fn answer(status: StatusCode, body: &Value, etag_of: Option<i64>, location: Option<&str>) -> Result<Response<Body>, ApiError> {
    let mut r = Response::builder().status(status).header(http::header::CONTENT_TYPE, "application/scim+json");
    if let Some(v) = etag_of {
        r = r.header(http::header::ETAG, etag(v));
    }
    if let Some(l) = location {
        r = r.header(http::header::LOCATION, l);
    }
    let bytes = serde_json::to_vec(body).map_err(|_| ApiError::server_error())?;
    r.body(Body::from(bytes)).map_err(|_| ApiError::server_error())
}

fn no_content() -> Result<Response<Body>, ApiError> {
    Response::builder().status(StatusCode::NO_CONTENT).body(Body::empty()).map_err(|_| ApiError::server_error())
}

/// A list request's parameters, from the query or a SearchRequest.
#[derive(Default)]
struct ListRequest {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    attributes: Option<String>,
    excluded: Option<String>,
}

impl ListRequest {
    /// A SearchRequest body (RFC 7644 §3.4.3).
    fn from_search(body: &RawBodyBytes) -> Result<Self, ApiError> {
        let v = body_json(body)?;
        let obj = v.as_object().ok_or_else(|| ScimError::invalid_syntax("A SearchRequest is a JSON object."))?;
        if let Some(schemas) = obj.get("schemas")
            && !schemas.as_array().is_some_and(|a| a.iter().any(|s| s.as_str() == Some(SEARCH_URN)))
        {
            return Err(ScimError::invalid_syntax(format!("schemas must name {SEARCH_URN}.")).into());
        }
        let text = |k: &str| -> Result<Option<String>, ApiError> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(ScimError::invalid_value(format!("{k} must be a string.")).into()),
            }
        };
        let number = |k: &str| -> Result<Option<i64>, ApiError> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v.as_i64().map(Some).ok_or_else(|| ScimError::invalid_value(format!("{k} must be an integer.")).into()),
            }
        };
        let list = |k: &str| -> Result<Option<String>, ApiError> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => {
                    let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    names.map(|n| Some(n.join(","))).ok_or_else(|| ScimError::invalid_value(format!("{k} must be an array of strings.")).into())
                }
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(ScimError::invalid_value(format!("{k} must be an array of strings.")).into()),
            }
        };
        Ok(ListRequest {
            filter: text("filter")?,
            start_index: number("startIndex")?,
            count: number("count")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
            attributes: list("attributes")?,
            excluded: list("excludedAttributes")?,
        })
    }

    fn parsed_filter(&self) -> Result<Option<Filter>, ApiError> {
        self.filter.as_deref().filter(|f| !f.trim().is_empty()).map(parse_filter).transpose().map_err(ApiError::from)
    }

    /// Filters, sorts, pages and projects the candidates into a ListResponse.
    fn answer(&self, kind: ResourceKind, filter: Option<&Filter>, candidates: Vec<Value>) -> Result<Response<Body>, ApiError> {
        let mut matched = Vec::with_capacity(candidates.len());
        for r in candidates {
            if filter.map(|f| crate::scim::filter::matches(f, kind, &r)).transpose()?.unwrap_or(true) {
                matched.push(r);
            }
        }
        if let Some(by) = self.sort_by.as_deref().filter(|s| !s.is_empty()) {
            let path = AttrPath::parse(by).map_err(|e| ScimError::invalid_value(format!("sortBy: {e}")))?;
            let descending = match self.sort_order.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("ascending") => false,
                Some("descending") => true,
                Some(other) => return Err(ScimError::invalid_value(format!("sortOrder is ascending or descending, not `{other}`.")).into()),
            };
            // a stable sort: equal keys keep the id order
            matched.sort_by(|a, b| {
                let o = compare_for_sort(kind, a, b, &path);
                if descending { o.reverse() } else { o }
            });
        }
        let total = matched.len() as i64;
        let start = self.start_index.unwrap_or(1).max(1);
        let count = self.count.unwrap_or(MAX_RESULTS).clamp(0, MAX_RESULTS);
        let mut page = Vec::new();
        for r in matched.into_iter().skip((start - 1) as usize).take(count as usize) {
            page.push(resource::project(kind, &r, self.attributes.as_deref(), self.excluded.as_deref())?);
        }
        let body = json!({
            "schemas": [LIST_URN],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": page.len(),
            "Resources": page,
        });
        answer(StatusCode::OK, &body, None, None)
    }
}
