//! The xAPI record store's document resources: `activities/state`,
//! `activities/profile` and `agents/profile` (Communication 2.3, 2.6, 2.7).
//! Each handler names its context from the parameters and calls one of
//! three shared steps (read, write, remove); the concurrency rules live
//! in the store, against the row under its lock.

use dropshot::Body;
use http::{Response, StatusCode};
use mobieus_api::server::*;
use mobieus_api::support::{ApiError, Call, RawBodyBytes};
use serde_json::{json, Value};

use super::xapi::{answer, bad, http_date, raw, uuid_param};
use crate::app::AppContext;
use crate::db::{StoreError, Ts};
use crate::errors::store_error;
use crate::store::learn::xapi_documents::{document_delete, document_get, document_ids, document_write, etag_of, Conditions, Context, Resource, Write};
use crate::xapi::validate;

fn activity(value: &str) -> Result<String, ApiError> {
    if validate::is_iri(value) { Ok(value.to_owned()) } else { Err(bad(format!("activityId: `{value}` is not an IRI"))) }
}

/// The `agent` parameter: an Agent (not a Group) with one identifier.
/// Answers its key and the object as sent.
fn agent(value: &str) -> Result<(String, Value), ApiError> {
    let v: Value = serde_json::from_str(value).map_err(|_| bad("agent: not JSON (an Agent object)"))?;
    if v.get("objectType").and_then(Value::as_str) == Some("Group") {
        return Err(bad("agent: documents belong to an Agent, not a Group (send the group's identifier as an Agent)"));
    }
    let key = validate::agent_key(&v).ok_or_else(|| bad("agent: not an Agent with exactly one inverse functional identifier"))?;
    Ok((key, v))
}

fn state(activity_id: &str, agent_json: &str, registration: Option<&str>) -> Result<Context, ApiError> {
    let (key, sent) = agent(agent_json)?;
    Ok(Context {
        resource: Resource::State,
        activity: activity(activity_id)?,
        agent: key,
        registration: registration.map(|r| uuid_param("registration", r)).transpose()?,
        agent_sent: Some(sent),
    })
}

fn activity_profile(activity_id: &str) -> Result<Context, ApiError> {
    Ok(Context { resource: Resource::ActivityProfile, activity: activity(activity_id)?, agent: String::new(), registration: None, agent_sent: None })
}

fn agent_profile(agent_json: &str) -> Result<Context, ApiError> {
    let (key, sent) = agent(agent_json)?;
    Ok(Context { resource: Resource::AgentProfile, activity: String::new(), agent: key, registration: None, agent_sent: Some(sent) })
}

/// An `If-Match` / `If-None-Match` value: entity tags without their quotes
/// (or `W/` prefix), or `*`.
fn tags(header: Option<&str>) -> Option<Vec<String>> {
    header.map(|h| h.split(',').map(|t| t.trim().trim_start_matches("W/").trim_matches('"').to_owned()).filter(|t| !t.is_empty()).collect())
}

fn conditions(if_match: Option<&str>, if_none_match: Option<&str>) -> Conditions {
    Conditions { if_match: tags(if_match), if_none_match: tags(if_none_match) }
}

fn document_error(e: StoreError) -> ApiError {
    match e {
        // xAPI answers a document it cannot merge (or take) with 400
        StoreError::Invalid(fields) => bad(fields.into_iter().map(|(_, problem)| problem).collect::<Vec<_>>().join("; ")),
        other => store_error("document")(other),
    }
}

/// One document as stored, or (no id) the JSON array of the context's ids.
async fn read(call: &Call<'_, AppContext>, ctx: Context, id: Option<&str>, since: Option<chrono::DateTime<chrono::Utc>>) -> Result<Response<Body>, ApiError> {
    let (db, tenant) = (&call.context().db, call.principal.tenant_id);
    let Some(id) = id else {
        let ids = document_ids(db, tenant, &ctx, since.map(Ts::from)).await.map_err(document_error)?;
        let newest = ids.iter().map(|(_, t)| t.0).max();
        let body = serde_json::to_vec(&json!(ids.iter().map(|(id, _)| id).collect::<Vec<_>>())).map_err(|_| ApiError::server_error())?;
        let mut headers = vec![("etag", format!("\"{}\"", etag_of(&body)))];
        headers.extend(newest.map(|t| ("last-modified", http_date(t))));
        return raw(StatusCode::OK, "application/json", body, &headers);
    };
    if since.is_some() {
        return Err(bad("since: only for the id list (leave the document's id out)"));
    }
    let doc = document_get(db, tenant, &ctx, id).await.map_err(document_error)?.ok_or_else(|| ApiError::not_found("document"))?;
    let headers = [("etag", format!("\"{}\"", doc.etag)), ("last-modified", http_date(doc.updated_at.0))];
    raw(StatusCode::OK, &doc.content_type, doc.content, &headers)
}

async fn write(call: &Call<'_, AppContext>, ctx: Context, id: &str, mode: Write, conditions: Conditions, body: &RawBodyBytes) -> Result<Response<Body>, ApiError> {
    // xAPI exempts the State resource from the profile resources' PUT rule
    let require_condition = mode == Write::Replace && ctx.resource != Resource::State;
    let content_type = body.content_type().unwrap_or("application/octet-stream");
    document_write(&call.context().db, call.principal.tenant_id, &ctx, id, mode, &conditions, require_condition, content_type, body.bytes())
        .await
        .map_err(document_error)?;
    answer(StatusCode::NO_CONTENT, None, &[])
}

async fn remove(call: &Call<'_, AppContext>, ctx: Context, id: Option<&str>, conditions: Conditions) -> Result<Response<Body>, ApiError> {
    if id.is_none() && conditions.any() {
        return Err(bad("If-Match: only with one document's id (deleting every state document takes no precondition)"));
    }
    document_delete(&call.context().db, call.principal.tenant_id, &ctx, id, &conditions).await.map_err(document_error)?;
    answer(StatusCode::NO_CONTENT, None, &[])
}

impl LearnXapiDocumentsService for AppContext {
    async fn get_xapi_state(call: &Call<'_, Self>, q: GetXapiStateQuery, _h: GetXapiStateHeaders) -> Result<Response<Body>, ApiError> {
        read(call, state(&q.activity_id, &q.agent, q.registration.as_deref())?, q.state_id.as_deref(), q.since).await
    }

    async fn put_xapi_state(call: &Call<'_, Self>, q: PutXapiStateQuery, h: PutXapiStateHeaders, body: RawBodyBytes) -> Result<Response<Body>, ApiError> {
        let ctx = state(&q.activity_id, &q.agent, q.registration.as_deref())?;
        write(call, ctx, &q.state_id, Write::Replace, conditions(h.if_match.as_deref(), h.if_none_match.as_deref()), &body).await
    }

    async fn post_xapi_state(call: &Call<'_, Self>, q: PostXapiStateQuery, h: PostXapiStateHeaders, body: RawBodyBytes) -> Result<Response<Body>, ApiError> {
        let ctx = state(&q.activity_id, &q.agent, q.registration.as_deref())?;
        write(call, ctx, &q.state_id, Write::Merge, conditions(h.if_match.as_deref(), h.if_none_match.as_deref()), &body).await
    }

    async fn delete_xapi_state(call: &Call<'_, Self>, q: DeleteXapiStateQuery, h: DeleteXapiStateHeaders) -> Result<Response<Body>, ApiError> {
        let ctx = state(&q.activity_id, &q.agent, q.registration.as_deref())?;
        remove(call, ctx, q.state_id.as_deref(), conditions(h.if_match.as_deref(), None)).await
    }

    async fn get_xapi_activity_profile(call: &Call<'_, Self>, q: GetXapiActivityProfileQuery, _h: GetXapiActivityProfileHeaders) -> Result<Response<Body>, ApiError> {
        read(call, activity_profile(&q.activity_id)?, q.profile_id.as_deref(), q.since).await
    }

    async fn put_xapi_activity_profile(
        call: &Call<'_, Self>,
        q: PutXapiActivityProfileQuery,
        h: PutXapiActivityProfileHeaders,
        body: RawBodyBytes,
    ) -> Result<Response<Body>, ApiError> {
        let ctx = activity_profile(&q.activity_id)?;
        write(call, ctx, &q.profile_id, Write::Replace, conditions(h.if_match.as_deref(), h.if_none_match.as_deref()), &body).await
    }

    async fn post_xapi_activity_profile(
        call: &Call<'_, Self>,
        q: PostXapiActivityProfileQuery,
        h: PostXapiActivityProfileHeaders,
        body: RawBodyBytes,
    ) -> Result<Response<Body>, ApiError> {
        let ctx = activity_profile(&q.activity_id)?;
        write(call, ctx, &q.profile_id, Write::Merge, conditions(h.if_match.as_deref(), h.if_none_match.as_deref()), &body).await
    }

    async fn delete_xapi_activity_profile(call: &Call<'_, Self>, q: DeleteXapiActivityProfileQuery, h: DeleteXapiActivityProfileHeaders) -> Result<Response<Body>, ApiError> {
        remove(call, activity_profile(&q.activity_id)?, Some(&q.profile_id), conditions(h.if_match.as_deref(), None)).await
    }

    async fn get_xapi_agent_profile(call: &Call<'_, Self>, q: GetXapiAgentProfileQuery, _h: GetXapiAgentProfileHeaders) -> Result<Response<Body>, ApiError> {
        read(call, agent_profile(&q.agent)?, q.profile_id.as_deref(), q.since).await
    }

    async fn put_xapi_agent_profile(call: &Call<'_, Self>, q: PutXapiAgentProfileQuery, h: PutXapiAgentProfileHeaders, body: RawBodyBytes) -> Result<Response<Body>, ApiError> {
        let ctx = agent_profile(&q.agent)?;
        write(call, ctx, &q.profile_id, Write::Replace, conditions(h.if_match.as_deref(), h.if_none_match.as_deref()), &body).await
    }

    async fn post_xapi_agent_profile(call: &Call<'_, Self>, q: PostXapiAgentProfileQuery, h: PostXapiAgentProfileHeaders, body: RawBodyBytes) -> Result<Response<Body>, ApiError> {
        let ctx = agent_profile(&q.agent)?;
        write(call, ctx, &q.profile_id, Write::Merge, conditions(h.if_match.as_deref(), h.if_none_match.as_deref()), &body).await
    }

    async fn delete_xapi_agent_profile(call: &Call<'_, Self>, q: DeleteXapiAgentProfileQuery, h: DeleteXapiAgentProfileHeaders) -> Result<Response<Body>, ApiError> {
        remove(call, agent_profile(&q.agent)?, Some(&q.profile_id), conditions(h.if_match.as_deref(), None)).await
    }
}
