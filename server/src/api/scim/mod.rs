//! SCIM 2.0 (RFC 7643, RFC 7644) under `/scim/v2`. These operations are
//! `x-raw-exchange` with `errors: scim`: the handlers build SCIM's own
//! answers (resources, ListResponses) and every error, generated ones
//! included, is rendered in the SCIM error schema by the exchange. The
//! SCIM logic itself (filters, PATCH, normalising, projecting) is pure, in
//! `crate::scim`; these files parse, call the store and map.

mod groups;
mod service_provider;
mod users;

use dropshot::Body;
use http::{Response, StatusCode};
use mobieus_api::support::{ApiError, Call, RawBodyBytes};
use serde_json::{json, Value};

use crate::app::AppContext;
use crate::db::{StoreError, Ts};
use crate::scim::filter::{compare_for_sort, holds, parse_filter, validate, AttrPath, Filter};
use crate::scim::schema::ResourceKind;
use crate::scim::{resource, ScimError};

const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SEARCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The most resources one answer holds (`filter.maxResults`).
pub const MAX_RESULTS: i64 = 100;
/// Tries of a write that loses races with other writes of the resource.
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

/// A resource's SCIM id: a User's is the member's id (as `/api/v1/users`
/// shows it), a Group's `g` and its id, so that no id names two resources
/// (RFC 7643 §3.1: unique across the service provider's resources).
fn scim_id(kind: ResourceKind, id: i64) -> String {
    match kind {
        ResourceKind::User => id.to_string(),
        ResourceKind::Group => format!("g{id}"),
    }
}

/// The row a SCIM id names, if it is one of `kind`'s.
fn row_id(kind: ResourceKind, id: &str) -> Option<i64> {
    let digits = match kind {
        ResourceKind::User => Some(id),
        ResourceKind::Group => id.strip_prefix('g'),
    };
    digits?.parse::<i64>().ok().filter(|n| *n > 0)
}

/// The group a SCIM Group id (`g12`) names, if it names one: how other
/// surfaces (the cohort grant) take a provisioned group.
pub fn group_row_id(id: &str) -> Option<i64> {
    row_id(ResourceKind::Group, id)
}

/// [`row_id`], or 404 for an id naming no resource of `kind`.
fn resource_id(kind: ResourceKind, id: &str) -> Result<i64, ApiError> {
    row_id(kind, id).ok_or_else(|| not_found(kind, id))
}

/// The resource's `meta.location`.
fn location(base: &str, kind: ResourceKind, id: i64) -> String {
    format!("{base}{}/{}", kind.endpoint(), scim_id(kind, id))
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

/// The version `If-Match` pins a write to: `None` for none or `*`; a tag
/// that is no version of ours pins version 0, which no resource has (412).
fn pinned(header: Option<&str>) -> Option<i64> {
    let tag = header.map(str::trim).filter(|t| *t != "*")?;
    let named = tag.split(',').find_map(|t| {
        let t = t.trim();
        t.strip_prefix("W/").unwrap_or(t).trim_matches('"').parse::<i64>().ok()
    });
    Some(named.unwrap_or(0))
}

/// Reads a resource, changes it and writes it back at the version read;
/// when another write got in between, again from the latest version —
/// unless `If-Match` pinned one (then the store's 412 stands).
async fn retrying_write<R, W, Read, Write>(
    kind: ResourceKind,
    id: &str,
    pinned: Option<i64>,
    read: impl Fn() -> Read,
    version: impl Fn(&R) -> i64,
    change: impl Fn(&R) -> Result<W, ApiError>,
    write: impl Fn(i64, W) -> Write,
) -> Result<R, ApiError>
where
    Read: std::future::Future<Output = Result<R, StoreError>>,
    Write: std::future::Future<Output = Result<R, StoreError>>,
{
    for _ in 0..WRITE_ATTEMPTS {
        let current = read().await.map_err(store_error(kind, id))?;
        let at = version(&current);
        if let Some(v) = pinned.filter(|v| *v != at) {
            return Err(store_error(kind, id)(StoreError::PreconditionFailed(format!("The {} is at {}, not {}.", kind.name(), etag(at), etag(v)))));
        }
        match write(at, change(&current)?).await {
            Err(StoreError::PreconditionFailed(_)) if pinned.is_none() => continue,
            done => return done.map_err(store_error(kind, id)),
        }
    }
    Err(ApiError::new(StatusCode::CONFLICT, "conflict", format!("{} {id} kept changing; retry.", kind.name())))
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
    let value: Value = serde_json::from_slice(body.bytes()).map_err(|e| ScimError::invalid_syntax(format!("The body is not JSON: {e}")))?;
    match mobieus_api::support::nul_fields(&value).first() {
        Some(field) => Err(ScimError::invalid_value(format!("'{field}' {}", mobieus_api::support::NUL_PROBLEM)).into()),
        None => Ok(value),
    }
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
pub(crate) struct ListRequest {
    pub(crate) filter: Option<String>,
    pub(crate) start_index: Option<i64>,
    pub(crate) count: Option<i64>,
    pub(crate) sort_by: Option<String>,
    pub(crate) sort_order: Option<String>,
    pub(crate) attributes: Option<String>,
    pub(crate) excluded: Option<String>,
}

/// A list operation's query (the same members in every generated `List*Query`).
macro_rules! list_request {
    ($query:expr) => {{
        let q = $query;
        $crate::api::scim::ListRequest {
            filter: q.filter,
            start_index: q.start_index,
            count: q.count,
            sort_by: q.sort_by,
            sort_order: q.sort_order,
            attributes: q.attributes,
            excluded: q.excluded_attributes,
        }
    }};
}
use list_request;

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

    /// The filter, checked against the schemas of `kinds` (it must fit one).
    fn parsed_filter(&self, kinds: &[ResourceKind]) -> Result<Option<Filter>, ApiError> {
        let Some(text) = self.filter.as_deref().filter(|f| !f.trim().is_empty()) else { return Ok(None) };
        let filter = parse_filter(text)?;
        let mut checks = kinds.iter().map(|k| validate(&filter, *k));
        match checks.find(Result::is_ok) {
            Some(_) => Ok(Some(filter)),
            None => Err(validate(&filter, kinds[0]).err().map(ApiError::from).unwrap_or_else(ApiError::server_error)),
        }
    }

    /// Filters, sorts, pages and projects the candidates (each of its
    /// kind) into a ListResponse.
    fn answer(&self, filter: Option<&Filter>, candidates: Vec<(ResourceKind, Value)>) -> Result<Response<Body>, ApiError> {
        // the kinds the filter fits, checked once (a root search mixes them)
        let fits: Vec<ResourceKind> =
            [ResourceKind::User, ResourceKind::Group].into_iter().filter(|k| filter.is_none_or(|f| validate(f, *k).is_ok())).collect();
        let mut matched: Vec<(ResourceKind, Value)> =
            candidates.into_iter().filter(|(kind, r)| fits.contains(kind) && filter.is_none_or(|f| holds(f, *kind, r))).collect();
        if let Some(by) = self.sort_by.as_deref().filter(|s| !s.is_empty()) {
            let path = AttrPath::parse(by).map_err(|e| ScimError::invalid_value(format!("sortBy: {e}")))?;
            let descending = match self.sort_order.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("ascending") => false,
                Some("descending") => true,
                Some(other) => return Err(ScimError::invalid_value(format!("sortOrder is ascending or descending, not `{other}`.")).into()),
            };
            // a stable sort: equal keys keep the id order
            matched.sort_by(|(kind, a), (_, b)| {
                let o = compare_for_sort(*kind, a, b, &path);
                if descending { o.reverse() } else { o }
            });
        }
        let total = matched.len() as i64;
        let start = self.start_index.unwrap_or(1).max(1);
        let count = self.count.unwrap_or(MAX_RESULTS).clamp(0, MAX_RESULTS);
        let mut page = Vec::new();
        for (kind, r) in matched.into_iter().skip((start - 1) as usize).take(count as usize) {
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
