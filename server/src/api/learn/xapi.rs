//! The xAPI 1.0.3 record store's statements resource. These operations are
//! `x-raw-exchange`: they answer in xAPI's own shapes (a Statement, a
//! StatementResult, an id array, 204s), which the handlers build here; the
//! spine (admission, scopes, rate limits, request ids, logs) is as for every
//! operation, and errors keep the envelope with xAPI's statuses.

use dropshot::Body;
use http::{Response, StatusCode};
use mobieus_api::server::{
    GetXapiActivityHeaders, GetXapiActivityQuery, GetXapiPersonHeaders, GetXapiPersonQuery, GetXapiStatementsHeaders, GetXapiStatementsQuery, LearnXapiService, PostXapiStatementsHeaders, PutXapiStatementHeaders,
    PutXapiStatementQuery,
};
use mobieus_api::support::{ApiError, Call, PublicCall, RawBodyBytes};
use crate::xapi::{attachments, signature};
use crate::xapi::multipart::{self, Part};
use serde_json::{json, Map, Value};

use crate::app::AppContext;
use crate::db::Ts;
use crate::errors::store_error;
use crate::gate::Principal;
use crate::store::learn::xapi_statements::{
    activity_latest, agent_statements, attachments_get, statement_get, statements_head, statements_query, statements_store, PreparedStatement, StatementFilter, StoredStatement,
};
use crate::xapi::validate;

/// Versions this LRS answers `about` with (it accepts statements of any 1.0.x).
const VERSIONS: [&str; 4] = ["1.0.3", "1.0.2", "1.0.1", "1.0.0"];
/// Statements per page when `limit` is 0 (the most) or left out.
const MAX_PAGE: i64 = 500;
const DEFAULT_PAGE: i64 = 100;
const PAGES: &str = "learn_xapi_statements";

/// A refusal xAPI answers with 400, saying what is wrong.
pub(super) fn bad(problem: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_xapi_request", problem)
}

/// A UUID parameter (`statementId`, `voidedStatementId`, `registration`), lower-cased.
pub(super) fn uuid_param(name: &str, value: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(value).map(|u| u.to_string()).map_err(|_| bad(format!("{name}: `{value}` is not a UUID")))
}

pub(super) fn answer(status: StatusCode, body: Option<&Value>, headers: &[(&'static str, String)]) -> Result<Response<Body>, ApiError> {
    let mut r = Response::builder().status(status);
    for (name, value) in headers {
        r = r.header(*name, value);
    }
    let body = match body {
        Some(v) => {
            r = r.header(http::header::CONTENT_TYPE, "application/json");
            Body::from(serde_json::to_vec(v).map_err(|_| ApiError::server_error())?)
        }
        None => Body::empty(),
    };
    r.body(body).map_err(|_| ApiError::server_error())
}

/// An answer of any content type.
pub(super) fn raw(status: StatusCode, content_type: &str, body: Vec<u8>, headers: &[(&'static str, String)]) -> Result<Response<Body>, ApiError> {
    let mut r = Response::builder().status(status).header(http::header::CONTENT_TYPE, content_type);
    for (name, value) in headers {
        r = r.header(*name, value);
    }
    r.body(Body::from(body)).map_err(|_| ApiError::server_error())
}

fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("the body is not JSON: {e}")))?;
    match mobieus_api::support::nul_fields(&value).first() {
        Some(field) => Err(bad(format!("`{field}` {}", mobieus_api::support::NUL_PROBLEM))),
        None => Ok(value),
    }
}

/// A statements request's body: JSON, or `multipart/mixed` whose first
/// part is the JSON and the rest attachments' data. Answers the JSON, the
/// attachment parts and whether it was multipart.
fn statements_body(body: &RawBodyBytes) -> Result<(Value, Vec<Part>, bool), ApiError> {
    let Some(boundary) = body.content_type().and_then(multipart::boundary) else {
        return Ok((parse_json(body.bytes())?, vec![], false));
    };
    let boundary = boundary.map_err(bad)?;
    let mut parts = multipart::parse(body.bytes(), &boundary).map_err(|e| bad(format!("multipart/mixed: {e}")))?;
    let first = parts.remove(0);
    match first.header("content-type") {
        Some(ct) if ct.split(';').next().is_some_and(|e| e.trim().eq_ignore_ascii_case("application/json")) => {}
        other => return Err(bad(format!("multipart/mixed: the first part holds the statements as application/json, not {}", other.unwrap_or("an untyped part")))),
    }
    Ok((parse_json(&first.body)?, parts, true))
}

/// The agent statements stored with this key are attributed to.
fn authority(call: &Call<'_, AppContext>) -> Value {
    let p: &Principal = call.principal;
    json!({
        "objectType": "Agent",
        "name": p.key_name,
        "account": { "homePage": format!("https://{}.mobieus.example/api/v1/learn/xapi", p.tenant_slug), "name": format!("key:{}", p.key_id) },
    })
}

/// Validates a statement as received and completes it: its `id` (given, or
/// a new UUID), `authority` and `version`. `stored` and a missing
/// `timestamp` are set by the store, at the moment of storing.
fn prepare(call: &Call<'_, AppContext>, mut statement: Value, id: Option<&str>) -> Result<PreparedStatement, ApiError> {
    validate::statement(&statement).map_err(|e| bad(format!("invalid statement: {e}")))?;
    let own = statement.get("id").and_then(Value::as_str).map(str::to_ascii_lowercase);
    let id = match (own, id.map(str::to_ascii_lowercase)) {
        (Some(a), Some(b)) if a != b => return Err(bad(format!("the statement's id {a} is not statementId {b}"))),
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => uuid::Uuid::new_v4().to_string(),
    };
    let obj = statement.as_object_mut().ok_or_else(|| bad("a statement is a JSON object"))?;
    obj.insert("id".into(), json!(id));
    obj.insert("authority".into(), authority(call));
    obj.entry("version").or_insert(json!("1.0.0"));
    // what the filters index, from the statement as stored (its authority the LRS's)
    Ok(PreparedStatement::indexed(id, statement))
}

/// `format=ids`: agents and groups down to their identifiers (a group keeps
/// its members so reduced), activities down to their id.
fn ids_only(v: &Value, key: Option<&str>) -> Value {
    match v {
        Value::Object(map) => {
            let kind = map.get("objectType").and_then(Value::as_str);
            let is_agentish = matches!(key, Some("actor" | "instructor" | "team" | "authority" | "member"))
                || (key == Some("object") && matches!(kind, Some("Agent" | "Group")));
            let is_activity = matches!(key, Some("object")) && matches!(kind, None | Some("Activity")) && map.contains_key("id")
                || matches!(key, Some("parent" | "grouping" | "category" | "other"));
            let mut out = Map::new();
            for (k, child) in map {
                let keep = if is_agentish {
                    matches!(k.as_str(), "objectType" | "mbox" | "mbox_sha1sum" | "openid" | "account" | "member")
                } else if is_activity {
                    matches!(k.as_str(), "objectType" | "id")
                } else {
                    true
                };
                if keep {
                    out.insert(k.clone(), ids_only(child, Some(k)));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| ids_only(i, key)).collect()),
        other => other.clone(),
    }
}

/// `format=canonical`: every language map down to the language the request
/// prefers (its first `Accept-Language` tag present), else the first.
fn canonical(v: &Value, preferred: &[String]) -> Value {
    const MAPS: [&str; 3] = ["display", "name", "description"];
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, child) in map {
                let reduced = match child {
                    Value::Object(langs) if MAPS.contains(&k.as_str()) && langs.values().all(Value::is_string) && !langs.is_empty() => {
                        let pick = preferred
                            .iter()
                            .find_map(|p| langs.iter().find(|(tag, _)| tag.eq_ignore_ascii_case(p) || tag.to_ascii_lowercase().starts_with(&format!("{}-", p.to_ascii_lowercase()))))
                            .or_else(|| langs.iter().next());
                        let mut one = Map::new();
                        if let Some((tag, text)) = pick {
                            one.insert(tag.clone(), text.clone());
                        }
                        Value::Object(one)
                    }
                    _ => canonical(child, preferred),
                };
                out.insert(k.clone(), reduced);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| canonical(i, preferred)).collect()),
        other => other.clone(),
    }
}

fn languages(header: Option<&str>) -> Vec<String> {
    let mut tags: Vec<(f32, String)> = header
        .unwrap_or("")
        .split(',')
        .filter_map(|part| {
            let mut bits = part.trim().split(';');
            let tag = bits.next()?.trim();
            let q = bits.find_map(|b| b.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            (!tag.is_empty() && tag != "*").then(|| (q, tag.to_owned()))
        })
        .collect();
    tags.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    tags.into_iter().map(|(_, t)| t).collect()
}

fn shaped(s: &StoredStatement, format: &str, preferred: &[String]) -> Value {
    match format {
        "ids" => ids_only(&s.statement.0, None),
        "canonical" => canonical(&s.statement.0, preferred),
        _ => s.statement.0.clone(),
    }
}

/// An HTTP date (`Last-Modified`).
pub(super) fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The names statements gave the agent with this key, in the order they
/// appear (the actor's or the object's).
fn names_of(statements: &[Value], key: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for s in statements {
        for role in ["actor", "object"] {
            if let Some(a) = s.get(role)
                && validate::agent_key(a).as_deref() == Some(key)
                && let Some(n) = a.get("name").and_then(Value::as_str)
                && !names.iter().any(|m| m == n)
            {
                names.push(n.to_owned());
            }
        }
    }
    names
}

/// A statement or StatementResult answer: JSON, or with `attachments=true`
/// `multipart/mixed` whose first part is the JSON and the rest the data of
/// every attachment of `shown` this LRS holds (Communication 2.1.3).
async fn statements_answer(
    call: &Call<'_, AppContext>,
    body: &Value,
    shown: &[Value],
    with_attachments: bool,
    headers: &[(&'static str, String)],
) -> Result<Response<Body>, ApiError> {
    if !with_attachments {
        return answer(StatusCode::OK, Some(body), headers);
    }
    let mut hashes: Vec<String> =
        attachments::declared(&shown.iter().collect::<Vec<_>>()).iter().filter_map(|o| o.get("sha2").and_then(Value::as_str).map(str::to_ascii_lowercase)).collect();
    hashes.sort();
    hashes.dedup();
    let data = attachments_get(&call.context().db, call.principal.tenant_id, &hashes).await.map_err(store_error("statement"))?;
    let json = serde_json::to_vec(body).map_err(|_| ApiError::server_error())?;
    let mut parts = vec![Part { headers: vec![("content-type".into(), "application/json".into())], body: json }];
    for d in data {
        parts.push(Part {
            headers: vec![("content-type".into(), d.content_type), ("content-transfer-encoding".into(), "binary".into()), ("x-experience-api-hash".into(), d.sha2)],
            body: d.content,
        });
    }
    let (boundary, bytes) = multipart::write(&parts);
    raw(StatusCode::OK, &format!("multipart/mixed; boundary={boundary}"), bytes, headers)
}

impl LearnXapiService for AppContext {
    async fn get_xapi_activity(call: &Call<'_, Self>, query: GetXapiActivityQuery, _headers: GetXapiActivityHeaders) -> Result<Response<Body>, ApiError> {
        let found = activity_latest(&call.context().db, call.principal.tenant_id, &query.activity_id).await.map_err(store_error("activity"))?;
        let mut activity = found.unwrap_or_else(|| json!({ "id": query.activity_id }));
        if let Some(obj) = activity.as_object_mut() {
            obj.insert("objectType".into(), json!("Activity"));
        }
        answer(StatusCode::OK, Some(&activity), &[])
    }

    async fn get_xapi_person(call: &Call<'_, Self>, query: GetXapiPersonQuery, _headers: GetXapiPersonHeaders) -> Result<Response<Body>, ApiError> {
        let agent: Value = serde_json::from_str(&query.agent).map_err(|_| bad("agent: not JSON (an Agent object)"))?;
        if agent.get("objectType").and_then(Value::as_str) == Some("Group") {
            return Err(bad("agent: a Person is asked for by an Agent, not a Group"));
        }
        let key = validate::agent_key(&agent).ok_or_else(|| bad("agent: not an Agent with one inverse functional identifier"))?;
        let statements = agent_statements(&call.context().db, call.principal.tenant_id, &key, 200).await.map_err(store_error("agent"))?;
        let mut names = names_of(&statements, &key);
        if let Some(n) = agent.get("name").and_then(Value::as_str)
            && !names.iter().any(|m| m == n)
        {
            names.push(n.to_owned());
        }
        let mut person = json!({ "objectType": "Person", "name": names });
        for ifi in ["mbox", "mbox_sha1sum", "openid", "account"] {
            if let Some(v) = agent.get(ifi) {
                person[ifi] = json!([v]);
            }
        }
        answer(StatusCode::OK, Some(&person), &[])
    }

    async fn get_xapi_about(_call: &PublicCall<'_, Self>) -> Result<Response<Body>, ApiError> {
        answer(StatusCode::OK, Some(&json!({ "version": VERSIONS })), &[])
    }

    async fn put_xapi_statement(
        call: &Call<'_, Self>,
        query: PutXapiStatementQuery,
        _headers: PutXapiStatementHeaders,
        body: RawBodyBytes,
    ) -> Result<Response<Body>, ApiError> {
        let (statement, parts, multipart) = statements_body(&body)?;
        if !statement.is_object() {
            return Err(bad("PUT takes one statement (a JSON object)"));
        }
        let id = uuid_param("statementId", &query.statement_id)?;
        let mut batch = vec![prepare(call, statement, Some(&id))?];
        let data = attachments::received(&[&batch[0].statement], parts, multipart).map_err(bad)?;
        signature::check_all(&[&batch[0].statement], &data).map_err(bad)?;
        statements_store(&call.context().db, call.principal.tenant_id, &mut batch, &data).await.map_err(store_error("statement"))?;
        answer(StatusCode::NO_CONTENT, None, &[])
    }

    async fn post_xapi_statements(call: &Call<'_, Self>, _headers: PostXapiStatementsHeaders, body: RawBodyBytes) -> Result<Response<Body>, ApiError> {
        let (sent, parts, multipart) = statements_body(&body)?;
        let statements = match sent {
            Value::Array(items) if items.is_empty() => return Err(bad("the array holds no statement")),
            Value::Array(items) if items.len() > MAX_PAGE as usize => return Err(bad(format!("at most {MAX_PAGE} statements a request"))),
            Value::Array(items) => items,
            one @ Value::Object(_) => vec![one],
            _ => return Err(bad("POST takes a statement or an array of statements")),
        };
        let mut batch = Vec::with_capacity(statements.len());
        for (i, s) in statements.into_iter().enumerate() {
            batch.push(prepare(call, s, None).map_err(|e| bad(format!("statement {i}: {}", e.message)))?);
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = batch.iter().find(|p| !seen.insert(p.id.clone())) {
            return Err(bad(format!("the id {} appears twice in the batch", dup.id)));
        }
        let sent: Vec<&Value> = batch.iter().map(|p| &p.statement).collect();
        let data = attachments::received(&sent, parts, multipart).map_err(bad)?;
        signature::check_all(&sent, &data).map_err(bad)?;
        statements_store(&call.context().db, call.principal.tenant_id, &mut batch, &data).await.map_err(store_error("statement"))?;
        let ids: Vec<&str> = batch.iter().map(|p| p.id.as_str()).collect();
        answer(StatusCode::OK, Some(&json!(ids)), &[])
    }

    async fn get_xapi_statements(call: &Call<'_, Self>, query: GetXapiStatementsQuery, headers: GetXapiStatementsHeaders) -> Result<Response<Body>, ApiError> {
        let db = &call.context().db;
        let tenant = call.principal.tenant_id;
        let format = query.format.as_ref().map(|f| f.to_string()).unwrap_or_else(|| "exact".into());
        let preferred = languages(headers.accept_language.as_deref());
        let with_attachments = query.attachments.unwrap_or(false);
        let single = match (&query.statement_id, &query.voided_statement_id) {
            (Some(_), Some(_)) => return Err(bad("send statementId or voidedStatementId, not both")),
            (Some(id), None) => Some((uuid_param("statementId", id)?, false)),
            (None, Some(id)) => Some((uuid_param("voidedStatementId", id)?, true)),
            (None, None) => None,
        };
        if let Some((id, voided)) = single {
            let filters = [
                query.agent.is_some(), query.verb.is_some(), query.activity.is_some(), query.registration.is_some(),
                query.related_activities.is_some(), query.related_agents.is_some(), query.since.is_some(), query.until.is_some(),
                query.limit.is_some(), query.ascending.is_some(), query.cursor.is_some(),
            ];
            if filters.into_iter().any(|f| f) {
                return Err(bad("with statementId or voidedStatementId only `format` and `attachments` may be sent"));
            }
            let found = statement_get(db, tenant, &id, voided).await.map_err(store_error("statement"))?;
            let Some(s) = found else { return Err(ApiError::not_found("statement")) };
            let stamp = s.stored.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let one = shaped(&s, &format, &preferred);
            let headers = [("x-experience-api-consistent-through", stamp), ("last-modified", http_date(s.stored.0))];
            return statements_answer(call, &one, std::slice::from_ref(&one), with_attachments, &headers).await;
        }

        let agent = match &query.agent {
            None => None,
            Some(text) => {
                let v: Value = serde_json::from_str(text).map_err(|_| bad("agent: not JSON (an Agent or identified Group object)"))?;
                Some(validate::agent_key(&v).ok_or_else(|| bad("agent: not an Agent or identified Group with one inverse functional identifier"))?)
            }
        };
        let filter = StatementFilter {
            agent,
            related_agents: query.related_agents.unwrap_or(false),
            verb: query.verb.clone(),
            activity: query.activity.clone(),
            related_activities: query.related_activities.unwrap_or(false),
            registration: query.registration.as_deref().map(|r| uuid_param("registration", r)).transpose()?,
            since: query.since.map(Ts::from),
            until: query.until.map(Ts::from),
        };
        let ascending = query.ascending.unwrap_or(false);
        let limit = match query.limit {
            None => DEFAULT_PAGE,
            Some(0) => MAX_PAGE,
            Some(n) => n.clamp(1, MAX_PAGE),
        };
        // the cursor holds where the last page ended and the head the first
        // page saw, so later pages keep to the same statements
        let (after, head) = match &query.cursor {
            None => (None, statements_head(db, tenant).await.map_err(store_error("statement"))?),
            Some(c) => {
                let pos = call.context().cursors.decode(tenant, PAGES, c).ok_or_else(ApiError::invalid_cursor)?;
                match (pos.get(0).and_then(Value::as_i64), pos.get(1).and_then(Value::as_i64)) {
                    (Some(a), Some(h)) => (Some(a), h),
                    _ => return Err(ApiError::invalid_cursor()),
                }
            }
        };
        let mut rows = statements_query(db, tenant, &filter, head, after, ascending, limit + 1).await.map_err(store_error("statement"))?;
        let more = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            let last = rows.last().map(|s| s.seq).unwrap_or(0);
            let cursor = call.context().cursors.encode(tenant, PAGES, json!([last, head]));
            let mut url = url::Url::parse("http://lrs/api/v1/learn/xapi/statements").map_err(|_| ApiError::server_error())?;
            {
                let mut q = url.query_pairs_mut();
                for (name, value) in [
                    ("agent", query.agent.clone()),
                    ("verb", query.verb.clone()),
                    ("activity", query.activity.clone()),
                    ("registration", query.registration.map(|r| r.to_string())),
                    ("related_activities", query.related_activities.map(|b| b.to_string())),
                    ("related_agents", query.related_agents.map(|b| b.to_string())),
                    ("since", query.since.map(|t| t.to_rfc3339())),
                    ("until", query.until.map(|t| t.to_rfc3339())),
                    ("limit", query.limit.map(|l| l.to_string())),
                    ("format", query.format.map(|f| f.to_string())),
                    ("ascending", query.ascending.map(|b| b.to_string())),
                ] {
                    if let Some(v) = value {
                        q.append_pair(name, &v);
                    }
                }
                q.append_pair("cursor", &cursor);
            }
            format!("{}?{}", url.path(), url.query().unwrap_or(""))
        } else {
            String::new()
        };
        let newest = rows.iter().map(|s| s.stored.0).max();
        let through = newest.unwrap_or_else(chrono::Utc::now);
        let statements: Vec<Value> = rows.iter().map(|s| shaped(s, &format, &preferred)).collect();
        let mut extra = vec![("x-experience-api-consistent-through", through.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))];
        if let Some(n) = newest {
            extra.push(("last-modified", http_date(n)));
        }
        statements_answer(call, &json!({ "statements": statements, "more": more }), &statements, with_attachments, &extra).await
    }
}
