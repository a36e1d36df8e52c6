//! The xAPI record store's documents (Communication 2.2-2.7): the State,
//! Activity Profile and Agent Profile resources' id -> document pairs, kept
//! as sent (bytes and Content-Type), with the lower-case hex SHA-1 of the
//! bytes as their ETag. The concurrency rules (Communication 3.1) are
//! decided here, against the row as it is under its lock: `If-Match` /
//! `If-None-Match` that do not hold are `PreconditionFailed` (412), a
//! profile PUT that sends neither over an existing document is `Refused`
//! (409).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};

use crate::db::schema::learn_xapi_documents as d;
use crate::db::{Db, StoreError, Ts};
use crate::store::events::NewEvent;
use crate::{with_conn, write_tx};

/// Documents one context (a resource's activity, agent and registration)
/// holds at most: the id list has no paging in xAPI.
pub const MAX_PER_CONTEXT: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    State,
    ActivityProfile,
    AgentProfile,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::State => "state",
            Resource::ActivityProfile => "activity_profile",
            Resource::AgentProfile => "agent_profile",
        }
    }
}

/// Where documents live. A key part the resource has not is '' (see the
/// migration); `registration: None` (state only) is "sent without one",
/// which for one document is the '' registration and for the id list and
/// the delete of all is every registration.
#[derive(Debug, Clone)]
pub struct Context {
    pub resource: Resource,
    pub activity: String,
    pub agent: String,
    pub registration: Option<String>,
    /// The parameters as the request sent them, for the events.
    pub agent_sent: Option<Value>,
}

impl Context {
    fn registration_key(&self) -> &str {
        self.registration.as_deref().unwrap_or("")
    }

    fn described(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("resource".into(), json!(self.resource.as_str()));
        m.insert("activity_id".into(), if self.activity.is_empty() { Value::Null } else { json!(self.activity) });
        m.insert("agent".into(), self.agent_sent.clone().unwrap_or(Value::Null));
        m.insert("registration".into(), json!(self.registration));
        m
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Document {
    pub doc_id: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub etag: String,
    pub updated_at: Ts,
}

/// A request's preconditions, as entity tags without quotes (`*` kept).
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    pub if_match: Option<Vec<String>>,
    pub if_none_match: Option<Vec<String>>,
}

impl Conditions {
    pub fn any(&self) -> bool {
        self.if_match.is_some() || self.if_none_match.is_some()
    }

    /// Whether they hold for the document as it is (`None`: there is none),
    /// by RFC 7232: If-Match needs a document with one of the tags (`*`:
    /// any document); If-None-Match needs none of them (`*`: no document).
    pub fn hold(&self, current: Option<&str>) -> bool {
        let names = |tags: &[String], etag: &str| tags.iter().any(|t| t == "*" || t.eq_ignore_ascii_case(etag));
        if let Some(tags) = &self.if_match {
            match current {
                Some(etag) if names(tags, etag) => {}
                _ => return false,
            }
        }
        !matches!((&self.if_none_match, current), (Some(tags), Some(etag)) if names(tags, etag))
    }
}

/// PUT replaces; POST merges JSON objects (Communication 2.2, "JSON
/// Procedure").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Replace,
    Merge,
}

/// The ETag of a document's bytes: lower-case hex SHA-1.
pub fn etag_of(bytes: &[u8]) -> String {
    Sha1::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn is_json(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// xAPI's merge: the posted object's top-level properties replace the
/// stored one's. Both must be `application/json` objects (`Invalid`
/// naming which is not).
pub fn merged(current: &Document, content_type: &str, posted: &[u8]) -> Result<Vec<u8>, StoreError> {
    let object = |ct: &str, bytes: &[u8], which: &str| -> Result<Map<String, Value>, StoreError> {
        if !is_json(ct) {
            return Err(StoreError::invalid("document", format!("{which} is {ct}, not application/json: only JSON objects merge (PUT replaces)")));
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(StoreError::invalid("document", format!("{which} is not a JSON object: only JSON objects merge (PUT replaces)"))),
        }
    };
    let mut stored = object(&current.content_type, &current.content, "the stored document")?;
    let posted = object(content_type, posted, "the posted document")?;
    stored.extend(posted);
    serde_json::to_vec(&Value::Object(stored)).map_err(|e| StoreError::invalid("document", e.to_string()))
}

macro_rules! one_document {
    ($tenant:expr, $ctx:expr, $id:expr) => {
        d::table.filter(
            d::tenant_id
                .eq($tenant)
                .and(d::resource.eq($ctx.resource.as_str()))
                .and(d::activity_id.eq(&$ctx.activity))
                .and(d::agent.eq(&$ctx.agent))
                .and(d::registration.eq($ctx.registration_key()))
                .and(d::doc_id.eq($id)),
        )
    };
}

macro_rules! context_documents {
    ($tenant:expr, $ctx:expr) => {{
        let mut q = d::table
            .filter(d::tenant_id.eq($tenant).and(d::resource.eq($ctx.resource.as_str())).and(d::activity_id.eq(&$ctx.activity)).and(d::agent.eq(&$ctx.agent)))
            .into_boxed();
        if let Some(r) = &$ctx.registration {
            q = q.filter(d::registration.eq(r.clone()));
        }
        q
    }};
}

pub async fn document_get(db: &Db, tenant: i64, ctx: &Context, id: &str) -> Result<Option<Document>, StoreError> {
    with_conn!(db, |conn| {
        Ok(one_document!(tenant, ctx, id).select(Document::as_select()).first(conn).await.optional()?)
    })
}

/// The context's document ids (stored or changed after `since`, when
/// given) with their times, by id; one id once across registrations.
pub async fn document_ids(db: &Db, tenant: i64, ctx: &Context, since: Option<Ts>) -> Result<Vec<(String, Ts)>, StoreError> {
    let mut rows: Vec<(String, Ts)> = with_conn!(db, |conn| {
        let mut q = context_documents!(tenant, ctx);
        if let Some(t) = since {
            q = q.filter(d::updated_at.gt(t));
        }
        Ok::<_, StoreError>(q.order((d::doc_id.asc(), d::updated_at.desc())).limit(MAX_PER_CONTEXT * 2).select((d::doc_id, d::updated_at)).load::<(String, Ts)>(conn).await?)
    })?;
    rows.dedup_by(|later, first| later.0 == first.0);
    rows.truncate(MAX_PER_CONTEXT as usize);
    Ok(rows)
}

/// How many documents the exact context (its registration as sent) holds.
macro_rules! one_context_count {
    ($conn:expr, $tenant:expr, $ctx:expr) => {{
        d::table
            .filter(
                d::tenant_id
                    .eq($tenant)
                    .and(d::resource.eq($ctx.resource.as_str()))
                    .and(d::activity_id.eq(&$ctx.activity))
                    .and(d::agent.eq(&$ctx.agent))
                    .and(d::registration.eq($ctx.registration.as_deref().unwrap_or(""))),
            )
            .count()
            .get_result($conn)
            .await?
    }};
}

/// Stores (or merges into) document `id`, deciding the concurrency rules on
/// the row as it is under its lock. `require_condition`: a PUT to a profile
/// resource, which must send a precondition when the document exists.
/// Answers the new ETag.
#[allow(clippy::too_many_arguments)]
pub async fn document_write(
    db: &Db,
    tenant: i64,
    ctx: &Context,
    id: &str,
    mode: Write,
    conditions: &Conditions,
    require_condition: bool,
    content_type: &str,
    bytes: &[u8],
) -> Result<String, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        // the row lock for the rest of the transaction (both backends)
        let current: Option<Document> = diesel::update(one_document!(tenant, ctx, id))
            .set(d::etag.eq(d::etag))
            .returning(Document::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        if !conditions.hold(current.as_ref().map(|c| c.etag.as_str())) {
            return Err(StoreError::PreconditionFailed(match &current {
                Some(c) => format!("The document's ETag is \"{}\"; the request's precondition does not hold for it, so nothing changed.", c.etag),
                None => "There is no such document, so If-Match does not hold; nothing changed.".to_owned(),
            }));
        }
        if require_condition && !conditions.any() && current.is_some() {
            return Err(StoreError::Refused(
                "The document exists already. Check its current state (GET it) and send If-Match with its ETag to replace it; nothing changed.".to_owned(),
            ));
        }
        let content = match (&current, mode) {
            (Some(c), Write::Merge) => merged(c, content_type, bytes)?,
            _ => bytes.to_vec(),
        };
        let etag = etag_of(&content);
        if current.is_some() {
            diesel::update(one_document!(tenant, ctx, id))
                .set((d::content_type.eq(content_type), d::content.eq(&content), d::etag.eq(&etag), d::updated_at.eq(now)))
                .execute(conn)
                .await?;
        } else {
            let held: i64 = one_context_count!(conn, tenant, ctx);
            if held >= MAX_PER_CONTEXT {
                return Err(StoreError::invalid("document", format!("this context holds {MAX_PER_CONTEXT} documents already, the most it may")));
            }
            let inserted = diesel::insert_into(d::table)
                .values((
                    d::tenant_id.eq(tenant),
                    d::resource.eq(ctx.resource.as_str()),
                    d::activity_id.eq(&ctx.activity),
                    d::agent.eq(&ctx.agent),
                    d::registration.eq(ctx.registration_key()),
                    d::doc_id.eq(id),
                    d::content_type.eq(content_type),
                    d::content.eq(&content),
                    d::etag.eq(&etag),
                    d::updated_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            if inserted == 0 {
                // another request created it between our lock attempt and now
                return Err(StoreError::Refused("Another request created this document at the same moment; nothing changed. Send the request again.".to_owned()));
            }
        }
        let mut data = ctx.described();
        data.insert("document_id".into(), json!(id));
        data.insert("etag".into(), json!(etag));
        data.insert("content_type".into(), json!(content_type));
        crate::record_event!(conn, NewEvent::new(tenant, "learn.xapi.document.stored", Value::Object(data)));
        Ok(etag)
    })
}

/// Deletes document `id`, or (`None`, state only) every document of the
/// context. `If-Match` must hold for the one document. Answers the ids
/// deleted.
pub async fn document_delete(db: &Db, tenant: i64, ctx: &Context, id: Option<&str>, conditions: &Conditions) -> Result<Vec<String>, StoreError> {
    write_tx!(db, |conn| {
        let ids: Vec<String> = match id {
            Some(id) => {
                let current: Option<String> =
                    diesel::update(one_document!(tenant, ctx, id)).set(d::etag.eq(d::etag)).returning(d::etag).get_result(conn).await.optional()?;
                if !conditions.hold(current.as_deref()) {
                    return Err(StoreError::PreconditionFailed("The request's precondition does not hold for the document as it is; nothing was deleted.".to_owned()));
                }
                if current.is_none() {
                    return Ok(vec![]);
                }
                diesel::delete(one_document!(tenant, ctx, id)).execute(conn).await?;
                vec![id.to_owned()]
            }
            None => {
                let rows: Vec<(i64, String)> = context_documents!(tenant, ctx).select((d::id, d::doc_id)).load(conn).await?;
                let keys: Vec<i64> = rows.iter().map(|(k, _)| *k).collect();
                diesel::delete(d::table.filter(d::tenant_id.eq(tenant).and(d::id.eq_any(&keys)))).execute(conn).await?;
                let mut ids: Vec<String> = rows.into_iter().map(|(_, id)| id).collect();
                ids.sort();
                ids.dedup();
                ids
            }
        };
        if !ids.is_empty() {
            let mut data = ctx.described();
            data.insert("document_ids".into(), json!(ids));
            crate::record_event!(conn, NewEvent::new(tenant, "learn.xapi.document.deleted", Value::Object(data)));
        }
        Ok(ids)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(ct: &str, body: &str) -> Document {
        Document { doc_id: "d".into(), content_type: ct.into(), content: body.as_bytes().to_vec(), etag: etag_of(body.as_bytes()), updated_at: Ts::now() }
    }

    #[test]
    fn preconditions_follow_rfc_7232() {
        let tags = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let m = Conditions { if_match: tags(&["abc"]), if_none_match: None };
        assert!(m.hold(Some("abc")) && m.hold(Some("ABC")) && !m.hold(Some("abd")) && !m.hold(None));
        let any = Conditions { if_match: tags(&["*"]), if_none_match: None };
        assert!(any.hold(Some("x")) && !any.hold(None));
        let create = Conditions { if_match: None, if_none_match: tags(&["*"]) };
        assert!(create.hold(None) && !create.hold(Some("x")));
        assert!(Conditions::default().hold(None) && Conditions::default().hold(Some("x")));
    }

    #[test]
    fn only_json_objects_merge_and_only_at_the_top() {
        let stored = doc("application/json; charset=utf-8", r#"{"x":"foo","y":"bar","n":{"a":1}}"#);
        let out = merged(&stored, "application/json", br#"{"x":"bash","z":"faz","n":{"b":2}}"#).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), json!({ "x": "bash", "y": "bar", "z": "faz", "n": { "b": 2 } }));
        assert!(merged(&doc("text/plain", "{}"), "application/json", b"{}").is_err());
        assert!(merged(&stored, "application/json", b"[1]").is_err());
        assert!(merged(&stored, "application/octet-stream", b"{}").is_err());
        assert!(merged(&doc("application/json", "not json"), "application/json", b"{}").is_err());
    }

    #[test]
    fn the_etag_is_the_lower_case_hex_sha1_of_the_bytes() {
        assert_eq!(etag_of(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}
